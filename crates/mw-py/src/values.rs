//! The typed values handed to Python: tokens, passwords, users, token
//! checks, responses and their warnings (AuthManager steps: `auth.rs`).
//!
//! `repr()` and `str()` of a [`PyToken`] or [`PyPassword`] never show the
//! value; [`PyResponse`]'s shows only the top-level keys.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList};
use serde_json::Value;

use mw_protocol::actions::checktoken::{TokenCheck, TokenValidity};
use mw_protocol::actions::logout::LogoutOutcome;
use mw_protocol::{Envelope, Password, Token, User, Warning};

/// A MediaWiki token. `repr()`/`str()` print `<Token redacted>`; the value
/// is only reachable through `secret()`.
#[pyclass(frozen, module = "mwauth._native", name = "Token")]
pub struct PyToken(pub(crate) Token);

#[pymethods]
impl PyToken {
    #[new]
    fn new(value: String) -> Self {
        PyToken(Token::new(value))
    }

    /// The token value, to put in a request.
    fn secret(&self) -> &str {
        self.0.secret()
    }

    /// The Unix time the token was issued (MediaWiki 1.25+ tokens), or None.
    #[getter]
    fn timestamp(&self) -> Option<u64> {
        self.0.timestamp()
    }

    /// True for the logged-out token `+\`.
    #[getter]
    fn is_anonymous(&self) -> bool {
        self.0.is_anonymous()
    }

    /// True when the token does not end in `+\` (the server will reject it).
    #[getter]
    fn is_mangled(&self) -> bool {
        self.0.is_mangled()
    }

    fn __repr__(&self) -> &'static str {
        "<Token redacted>"
    }

    fn __str__(&self) -> &'static str {
        "<Token redacted>"
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyToken>()
            .is_ok_and(|o| o.get().0.secret() == self.0.secret())
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.secret().hash(&mut h);
        h.finish()
    }
}

/// A password (main account or bot password). `repr()`/`str()` print
/// `<Password redacted>`; the value is only reachable through `secret()`.
#[pyclass(frozen, module = "mwauth._native", name = "Password")]
pub struct PyPassword(pub(crate) Password);

#[pymethods]
impl PyPassword {
    #[new]
    fn new(value: String) -> Self {
        PyPassword(Password::new(value))
    }

    /// The password.
    fn secret(&self) -> &str {
        self.0.secret()
    }

    fn __repr__(&self) -> &'static str {
        "<Password redacted>"
    }

    fn __str__(&self) -> &'static str {
        "<Password redacted>"
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyPassword>()
            .is_ok_and(|o| o.get().0.secret() == self.0.secret())
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.secret().hash(&mut h);
        h.finish()
    }
}

/// A string as Python's `repr()` shows it (`'abc'`).
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn opt_repr(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_owned(), str_repr)
}

/// A `str` or a `Password`.
pub(crate) fn password_arg(obj: &Bound<'_, PyAny>) -> PyResult<Password> {
    if let Ok(p) = obj.cast::<PyPassword>() {
        return Ok(p.get().0.clone());
    }
    match obj.extract::<String>() {
        Ok(s) => Ok(Password::new(s)),
        Err(_) => Err(crate::errors::invalid_input(
            obj.py(),
            "a password must be a str or a mwauth.Password",
        )),
    }
}

/// A `str` or a `Token`.
pub(crate) fn token_arg(obj: &Bound<'_, PyAny>) -> PyResult<Token> {
    if let Ok(t) = obj.cast::<PyToken>() {
        return Ok(t.get().0.clone());
    }
    match obj.extract::<String>() {
        Ok(s) => Ok(Token::new(s)),
        Err(_) => Err(crate::errors::invalid_input(
            obj.py(),
            "a token must be a str or a mwauth.Token",
        )),
    }
}

/// The logged-in user.
#[pyclass(frozen, eq, module = "mwauth._native", name = "User")]
#[derive(PartialEq)]
pub struct PyUser {
    /// The canonical user name (for a bot password, the account's name).
    #[pyo3(get)]
    pub name: String,
    /// The user id, when the server said.
    #[pyo3(get)]
    pub id: Option<u64>,
}

#[pymethods]
impl PyUser {
    #[new]
    #[pyo3(signature = (name, id=None))]
    fn new(name: String, id: Option<u64>) -> Self {
        PyUser { name, id }
    }

    fn __repr__(&self) -> String {
        match self.id {
            Some(id) => format!("User(name={}, id={id})", str_repr(&self.name)),
            None => format!("User(name={}, id=None)", str_repr(&self.name)),
        }
    }
}

impl From<&User> for PyUser {
    fn from(u: &User) -> Self {
        PyUser {
            name: u.name.clone(),
            id: u.id,
        }
    }
}

/// The result of `check_token`.
#[pyclass(frozen, eq, module = "mwauth._native", name = "TokenCheck")]
#[derive(PartialEq)]
pub struct PyTokenCheck {
    /// `"valid"`, `"invalid"` or `"expired"`.
    #[pyo3(get)]
    pub result: &'static str,
    /// When the token was made (ISO 8601), when the server could tell.
    #[pyo3(get)]
    pub generated: Option<String>,
}

#[pymethods]
impl PyTokenCheck {
    /// True when `result == "valid"`.
    #[getter]
    fn valid(&self) -> bool {
        self.result == "valid"
    }

    fn __repr__(&self) -> String {
        format!(
            "TokenCheck(result={}, generated={})",
            str_repr(self.result),
            opt_repr(self.generated.as_deref())
        )
    }
}

impl From<&TokenCheck> for PyTokenCheck {
    fn from(c: &TokenCheck) -> Self {
        PyTokenCheck {
            result: match c.result {
                TokenValidity::Valid => "valid",
                TokenValidity::Invalid => "invalid",
                TokenValidity::Expired => "expired",
            },
            generated: c.generated.clone(),
        }
    }
}

/// What `logout()` found.
#[pyclass(frozen, eq, eq_int, module = "mwauth._native", name = "LogoutOutcome")]
#[derive(Clone, Copy, PartialEq)]
pub enum PyLogoutOutcome {
    /// The session was logged out (the server answered `{}`).
    #[pyo3(name = "LOGGED_OUT")]
    LoggedOut,
    /// The session was not logged in (it sent the anonymous token `+\`;
    /// MediaWiki 1.45+ also warns `notloggedin`), on every version.
    #[pyo3(name = "NOT_LOGGED_IN")]
    NotLoggedIn,
}

/// One warning of an API response (data, not a warning category: the
/// categories are `mwauth.MWWarning` and `mwauth.MWDeprecationWarning`).
#[pyclass(frozen, module = "mwauth._native", name = "ResponseWarning")]
pub struct ResponseWarning {
    /// The module that warned (`main`, `login`, `query`, …).
    #[pyo3(get)]
    pub module: String,
    /// The message code (`deprecation`, `unrecognizedvalues`, …), if any.
    #[pyo3(get)]
    pub code: Option<String>,
    /// The text.
    #[pyo3(get)]
    pub text: String,
    /// Structured data MediaWiki attached, if any.
    #[pyo3(get)]
    pub data: Py<PyAny>,
    /// True for a deprecation notice.
    #[pyo3(get)]
    pub is_deprecation: bool,
    /// The deprecated feature's name, when the server said.
    #[pyo3(get)]
    pub deprecated_feature: Option<String>,
}

impl ResponseWarning {
    /// `module (code): text`, as the Rust `Warning` displays.
    pub(crate) fn display(&self) -> String {
        match &self.code {
            Some(code) => format!("{} ({}): {}", self.module, code, self.text),
            None => format!("{}: {}", self.module, self.text),
        }
    }
}

#[pymethods]
impl ResponseWarning {
    fn __repr__(&self) -> String {
        format!(
            "ResponseWarning(module={}, code={}, text={})",
            str_repr(&self.module),
            opt_repr(self.code.as_deref()),
            str_repr(&self.text)
        )
    }

    fn __str__(&self) -> String {
        self.display()
    }
}

/// Converts the core's warnings.
pub(crate) fn warnings_to_py(
    py: Python<'_>,
    warnings: &[Warning],
) -> PyResult<Vec<Py<ResponseWarning>>> {
    warnings
        .iter()
        .map(|w| {
            let data = match &w.data {
                Some(d) => json_to_py(py, d)?.unbind(),
                None => py.None(),
            };
            Py::new(
                py,
                ResponseWarning {
                    module: w.module.clone(),
                    code: w.code.clone(),
                    text: w.text.clone(),
                    data,
                    is_deprecation: w.is_deprecation(),
                    deprecated_feature: w.deprecated_feature().map(str::to_owned),
                },
            )
        })
        .collect()
}

/// The response of `call()`: the JSON body as Python objects.
#[pyclass(frozen, module = "mwauth._native", name = "Response")]
pub struct PyResponse {
    data: Py<PyAny>,
    warnings: Vec<Py<ResponseWarning>>,
    /// The `servedby` host, when the wiki shows host names.
    #[pyo3(get)]
    servedby: Option<String>,
    /// The echoed `requestid`.
    #[pyo3(get)]
    requestid: Option<String>,
}

#[pymethods]
impl PyResponse {
    /// The whole JSON body (a dict), warnings included.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyAny> {
        self.data.clone_ref(py)
    }

    /// The warnings of the response.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.warnings.iter().map(|w| w.clone_ref(py)))
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.data.bind(py).get_item(key)
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.data.bind(py).contains(key)
    }

    /// `data.get(key, default)`.
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        self.data.bind(py).call_method1("get", (key, default))
    }

    /// Shows the top-level keys only: a body may hold tokens.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let keys: Vec<String> = match self.data.bind(py).cast::<PyDict>() {
            Ok(d) => d
                .keys()
                .iter()
                .map(|k| k.str().map(|s| s.to_string()))
                .collect::<PyResult<_>>()?,
            Err(_) => Vec::new(),
        };
        let keys: Vec<String> = keys.iter().map(|k| str_repr(k)).collect();
        Ok(format!(
            "<Response keys=[{}] warnings={}>",
            keys.join(", "),
            self.warnings.len()
        ))
    }
}

/// A JSON value as Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A JSON body as Python objects, by Python's own `json.loads` straight
/// from the bytes (no Rust tree is built on the way).
fn json_loads(py: Python<'_>, raw: &[u8]) -> PyResult<Py<PyAny>> {
    static LOADS: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let loads = LOADS.import(py, "json", "loads")?;
    Ok(loads.call1((pyo3::types::PyBytes::new(py, raw),))?.unbind())
}

fn response_to_py(py: Python<'_>, env: &Envelope, warnings: &[Warning]) -> PyResult<PyResponse> {
    Ok(PyResponse {
        data: json_loads(py, env.raw())?,
        warnings: warnings_to_py(py, warnings)?,
        servedby: env.servedby.clone(),
        requestid: env.requestid.clone(),
    })
}

/// A finished operation's value, converted to its Python class once, under
/// the GIL (the operation itself finished on a runtime thread).
pub(crate) trait IntoPyValue: Send {
    /// The Python object. A `Response` lists `warnings`: every warning of
    /// the operation (token fetches included).
    fn into_py_value(self: Box<Self>, py: Python<'_>, warnings: &[Warning]) -> PyResult<Py<PyAny>>;
}

/// A value of any operation, waiting for the GIL.
pub(crate) type PyValue = Box<dyn IntoPyValue>;

impl IntoPyValue for () {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        Ok(py.None())
    }
}

impl IntoPyValue for User {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyUser::from(&*self))?.into_any())
    }
}

impl IntoPyValue for Token {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyToken(*self))?.into_any())
    }
}

impl IntoPyValue for TokenCheck {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyTokenCheck::from(&*self))?.into_any())
    }
}

impl IntoPyValue for Envelope {
    fn into_py_value(self: Box<Self>, py: Python<'_>, warnings: &[Warning]) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, response_to_py(py, &self, warnings)?)?.into_any())
    }
}

impl IntoPyValue for LogoutOutcome {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        let outcome = match *self {
            LogoutOutcome::NotLoggedIn => PyLogoutOutcome::NotLoggedIn,
            // `LoggedOut`, and whatever a later MediaWiki may add.
            _ => PyLogoutOutcome::LoggedOut,
        };
        Ok(Py::new(py, outcome)?.into_any())
    }
}
