//! The typed values handed to Python: tokens, passwords, users, token
//! checks, responses and their warnings (AuthManager steps: `auth.rs`).
//!
//! `repr()` and `str()` of a [`PyToken`] or [`PyPassword`] never show the
//! value; [`PyResponse`]'s shows only the top-level keys.

mod response;
mod secrets;

use pyo3::prelude::*;

use mw_protocol::actions::checktoken::{TokenCheck, TokenValidity};
use mw_protocol::actions::logout::LogoutOutcome;
use mw_protocol::{Envelope, Token, User, Warning};

pub(crate) use response::{
    PyResponse, ResponseWarning, json_to_py, response_to_py, warnings_to_py,
};
pub(crate) use secrets::{PyPassword, PyToken, opt_repr, password_arg, str_repr, token_arg};

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
