//! Tokens and passwords as Python sees them: `repr()` and `str()` never
//! show the value; the arguments that take either a `str` or one of them;
//! Python's `repr()` of a string for the other values' `repr()`.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;

use mw_protocol::{Password, Token};

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

pub(crate) fn opt_repr(s: Option<&str>) -> String {
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
