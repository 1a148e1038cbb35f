//! Python arguments → the core's requests: API parameters, methods, token
//! types.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};

use mw_protocol::{ActionCall, ActionRequest, TokenType};

use crate::errors::{invalid_input, to_py_err};
use crate::values::{PyPassword, PyToken};

/// A token type by name (`"csrf"`), as an `InvalidInputError` when invalid.
pub(crate) fn token_type(py: Python<'_>, name: &str) -> PyResult<TokenType> {
    TokenType::new(name).map_err(|e| to_py_err(py, &e))
}

/// `"GET"` or `"POST"` (any case).
fn is_post(py: Python<'_>, method: &str) -> PyResult<bool> {
    match method.to_ascii_uppercase().as_str() {
        "GET" => Ok(false),
        "POST" => Ok(true),
        _ => Err(invalid_input(
            py,
            format!("method must be \"GET\" or \"POST\", not {method:?}"),
        )),
    }
}

/// One parameter value as MediaWiki reads it.
enum ParamValue {
    /// Leave the parameter out (`None`, `False`).
    Absent,
    Text(String),
    Token(mw_protocol::Token),
    Password(mw_protocol::Password),
}

/// The text of a scalar value: `str`, `int`, `float`, `True` (`"1"`).
fn scalar_text(v: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if v.is_instance_of::<PyBool>() {
        return Ok(v.extract::<bool>()?.then(|| "1".to_owned()));
    }
    if v.is_instance_of::<PyString>() {
        return v.extract::<String>().map(Some);
    }
    if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        return Ok(Some(v.str()?.to_string()));
    }
    Err(invalid_input(
        v.py(),
        format!(
            "unsupported parameter value of type {}",
            v.get_type().name()?
        ),
    ))
}

/// `None`/`False` → absent; `True` → `"1"`; `str`/`int`/`float` → text;
/// a list, tuple or set → values joined with `|` (or with U+001F, MediaWiki's
/// alternative separator, when a value contains `|`); `Token`/`Password` →
/// a secret, sent last in a POST body.
fn param_value(name: &str, v: &Bound<'_, PyAny>) -> PyResult<ParamValue> {
    let py = v.py();
    if v.is_none() {
        return Ok(ParamValue::Absent);
    }
    // A mapping is iterable, but as its keys: `{"a": 1}` would go out as
    // "a". MediaWiki has no nested parameters, so it is refused.
    if v.hasattr("keys")? && !v.is_instance_of::<PyString>() {
        return Err(invalid_input(
            py,
            format!(
                "parameter {name:?}: a {} is not a parameter value (give a string, a number, \
                 a bool, or a list of them)",
                v.get_type().name()?
            ),
        ));
    }
    if let Ok(t) = v.cast::<PyToken>() {
        return Ok(ParamValue::Token(t.get().0.clone()));
    }
    if let Ok(p) = v.cast::<PyPassword>() {
        return Ok(ParamValue::Password(p.get().0.clone()));
    }
    if v.is_instance_of::<PyString>()
        || v.is_instance_of::<PyBool>()
        || v.is_instance_of::<PyInt>()
        || v.is_instance_of::<PyFloat>()
    {
        return Ok(scalar_text(v)?.map_or(ParamValue::Absent, ParamValue::Text));
    }
    let iter = if v.is_instance_of::<PyBytes>() {
        None
    } else {
        v.try_iter().ok()
    };
    let Some(iter) = iter else {
        return Err(invalid_input(
            py,
            format!(
                "parameter {name:?}: unsupported value of type {}",
                v.get_type().name()?
            ),
        ));
    };
    let mut items = Vec::new();
    for item in iter {
        let item = item?;
        let text = scalar_text(&item).map_err(|_| {
            let kind = item
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            invalid_input(
                py,
                format!("parameter {name:?}: a list item of type {kind} is not a value"),
            )
        })?;
        if let Some(text) = text {
            items.push(text);
        }
    }
    if items.iter().any(|s| s.contains('|')) {
        Ok(ParamValue::Text(format!("\u{1f}{}", items.join("\u{1f}"))))
    } else {
        Ok(ParamValue::Text(items.join("|")))
    }
}

/// Which `call`-like method reads the keywords: each takes a subset of
/// `method=`, `token_type=`, `token_param=` and `allow_anonymous=`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// `call()` of a session: all four.
    Call,
    /// `post()`: no `method=`.
    Post,
    /// A foreign wiki's `call()`: no `allow_anonymous=` (a foreign call
    /// never writes anonymously).
    Foreign,
}

/// The keyword options of a call, with their defaults.
struct CallOptions<'a> {
    method: String,
    token_type: Option<String>,
    token_param: String,
    allow_anonymous: bool,
    kind: CallKind,
    what: &'a str,
}

impl<'a> CallOptions<'a> {
    /// Reads `options`. An unknown name is a `TypeError`, as Python gives
    /// for any function, and so is a value of the wrong type.
    fn read(
        what: &'a str,
        kind: CallKind,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<CallOptions<'a>> {
        let mut o = CallOptions {
            method: if kind == CallKind::Post {
                "POST"
            } else {
                "GET"
            }
            .to_owned(),
            token_type: None,
            token_param: "token".to_owned(),
            allow_anonymous: false,
            kind,
            what,
        };
        for (key, value) in options.into_iter().flat_map(|d| d.iter()) {
            let name: String = key.extract()?;
            let typed = |expected: &str| {
                PyTypeError::new_err(format!("{what} argument '{name}' must be {expected}"))
            };
            match name.as_str() {
                "method" if kind != CallKind::Post => {
                    o.method = value.extract().map_err(|_| typed("a str"))?;
                }
                "token_type" => {
                    o.token_type = value.extract().map_err(|_| typed("a str or None"))?
                }
                "token_param" => o.token_param = value.extract().map_err(|_| typed("a str"))?,
                "allow_anonymous" if kind != CallKind::Foreign => {
                    o.allow_anonymous = value.extract().map_err(|_| typed("a bool"))?;
                }
                _ => return Err(o.unexpected(&name)),
            }
        }
        Ok(o)
    }

    fn unexpected(&self, name: &str) -> PyErr {
        let why = match (self.kind, name) {
            (CallKind::Post, "method") => " (post() always POSTs)",
            (CallKind::Foreign, "allow_anonymous") => " (a foreign call never writes anonymously)",
            _ => "",
        };
        PyTypeError::new_err(format!(
            "{} got an unexpected keyword argument '{name}'{why}",
            self.what
        ))
    }
}

/// Builds a call of any module from `call(action, params, **options)`
/// (see [`CallKind`] for the options each method takes), the same for the
/// three session classes and a foreign wiki. `what` names the method in
/// messages (`"call()"`).
pub(crate) fn build_call(
    py: Python<'_>,
    what: &str,
    kind: CallKind,
    action: &str,
    params: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<ActionCall> {
    let CallOptions {
        method,
        token_type,
        token_param,
        allow_anonymous,
        ..
    } = CallOptions::read(what, kind, options)?;
    let method = method.as_str();
    if action.is_empty() {
        return Err(invalid_input(py, "the action must not be empty"));
    }
    let mut req = if is_post(py, method)? {
        ActionRequest::post(action)
    } else {
        ActionRequest::get(action)
    };
    if let Some(params) = params.filter(|p| !p.is_none()) {
        let items = if params.hasattr("items")? {
            params.call_method0("items")?
        } else {
            params.clone()
        };
        for pair in items.try_iter()? {
            let (name, value): (String, Bound<'_, PyAny>) = pair?.extract()?;
            if name == "action" {
                return Err(invalid_input(
                    py,
                    "pass the action as the first argument, not in params",
                ));
            }
            req = match param_value(&name, &value)? {
                ParamValue::Absent => req,
                ParamValue::Text(text) => req.param(name, text),
                ParamValue::Token(t) => req.token(name, t),
                ParamValue::Password(p) => req.password(name, p),
            };
        }
    }
    let mut call = ActionCall::new(req);
    if allow_anonymous {
        call = call.allow_anonymous();
    }
    Ok(match token_type {
        Some(ty) => call.with_token_param(self::token_type(py, &ty)?, &token_param),
        None => call,
    })
}
