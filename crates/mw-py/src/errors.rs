//! The one mapping from Rust errors to the exception classes of
//! `mwauth.errors`, and the delivery of server warnings through Python's
//! `warnings` module.
//!
//! The classes are defined in Python (`python/mwauth/errors.py`) because
//! some have two bases (`TimeoutError(TransportError, builtins.TimeoutError)`)
//! and all carry keyword attributes; they are looked up once per process.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

use mw_protocol::{Error, ErrorKind};

use crate::values::{ResponseWarning, json_to_py};

/// The Python module that defines the exception classes.
const ERRORS_MODULE: &str = "mwauth.errors";

/// Every exception and warning class, by name. Each has a cache slot.
#[derive(Clone, Copy)]
pub(crate) enum Class {
    MWError,
    APIError,
    BadTokenError,
    MaxLagError,
    RateLimitedError,
    ReadOnlyError,
    AssertionFailedError,
    LoginError,
    SessionLostError,
    TransportError,
    TimeoutError,
    HTTPStatusError,
    DecodeError,
    UnsupportedError,
    InvalidInputError,
    SessionFileError,
    CentralAuthSessionError,
    MWWarning,
    MWDeprecationWarning,
    NotLoggedInError,
    MaybeAppliedError,
    NotAPIError,
    SecondFactorError,
    CreateAccountError,
}

const CLASS_COUNT: usize = 24;

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::MWError => "MWError",
            Class::APIError => "APIError",
            Class::BadTokenError => "BadTokenError",
            Class::MaxLagError => "MaxLagError",
            Class::RateLimitedError => "RateLimitedError",
            Class::ReadOnlyError => "ReadOnlyError",
            Class::AssertionFailedError => "AssertionFailedError",
            Class::LoginError => "LoginError",
            Class::SessionLostError => "SessionLostError",
            Class::TransportError => "TransportError",
            Class::TimeoutError => "TimeoutError",
            Class::HTTPStatusError => "HTTPStatusError",
            Class::DecodeError => "DecodeError",
            Class::UnsupportedError => "UnsupportedError",
            Class::InvalidInputError => "InvalidInputError",
            Class::SessionFileError => "SessionFileError",
            Class::CentralAuthSessionError => "CentralAuthSessionError",
            Class::MWWarning => "MWWarning",
            Class::MWDeprecationWarning => "MWDeprecationWarning",
            Class::NotLoggedInError => "NotLoggedInError",
            Class::MaybeAppliedError => "MaybeAppliedError",
            Class::NotAPIError => "NotAPIError",
            Class::SecondFactorError => "SecondFactorError",
            Class::CreateAccountError => "CreateAccountError",
        }
    }

    /// The class object (imported once).
    pub(crate) fn get(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        static CACHE: [PyOnceLock<Py<PyType>>; CLASS_COUNT] =
            [const { PyOnceLock::new() }; CLASS_COUNT];
        CACHE[self as usize].import(py, ERRORS_MODULE, self.name())
    }

    /// An exception of this class with a message; `attrs` sets its
    /// keyword attributes.
    pub(crate) fn err(
        self,
        py: Python<'_>,
        message: &str,
        attrs: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>,
    ) -> PyErr {
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            attrs(&kwargs)?;
            let value = self.get(py)?.call((message,), Some(&kwargs))?;
            Ok(PyErr::from_value(value))
        };
        build().unwrap_or_else(|e| e)
    }
}

/// For errors that carry only a message.
fn no_attrs(_: &Bound<'_, PyDict>) -> PyResult<()> {
    Ok(())
}

fn secs(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

/// The class of an API error, by the kind mw-protocol reads from its code.
fn api_class(kind: ErrorKind) -> Class {
    match kind {
        ErrorKind::BadToken => Class::BadTokenError,
        ErrorKind::MaxLag => Class::MaxLagError,
        ErrorKind::RateLimited => Class::RateLimitedError,
        ErrorKind::ReadOnly => Class::ReadOnlyError,
        kind if kind.is_assertion_failure() => Class::AssertionFailedError,
        _ => Class::APIError,
    }
}

/// THE mapping: every error of the Rust core becomes an instance of one
/// class of `mwauth.errors`, with the error's fields as attributes.
/// Messages are the core's, which never contain a token or a password.
pub(crate) fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::Api(e) => api_class(e.kind()).err(py, &e.to_string(), |kw| {
            kw.set_item("code", &e.code)?;
            kw.set_item("info", &e.text)?;
            kw.set_item("module", &e.module)?;
            match &e.data {
                Some(d) => kw.set_item("data", json_to_py(py, d)?)?,
                None => kw.set_item("data", py.None())?,
            }
            kw.set_item("http_status", e.http_status)?;
            kw.set_item("retry_after", secs(e.retry_after))?;
            if e.kind() == ErrorKind::MaxLag {
                kw.set_item("lag", e.lag())?;
            }
            Ok(())
        }),
        Error::Http {
            status,
            retry_after,
            ..
        } => Class::HTTPStatusError.err(py, &message, |kw| {
            kw.set_item("status", status)?;
            kw.set_item("retry_after", secs(*retry_after))
        }),
        Error::MaybeApplied { status, url } => Class::MaybeAppliedError.err(py, &message, |kw| {
            kw.set_item("status", status)?;
            kw.set_item("url", url)
        }),
        Error::NotApi { url, .. } => {
            Class::NotAPIError.err(py, &message, |kw| kw.set_item("url", url))
        }
        Error::NotLoggedIn(_) => Class::NotLoggedInError.err(py, &message, no_attrs),
        Error::Decode(_) => Class::DecodeError.err(py, &message, no_attrs),
        Error::Login {
            result,
            reason,
            wait,
        } => Class::LoginError.err(py, &message, |kw| {
            kw.set_item("result", result)?;
            kw.set_item("reason", reason)?;
            kw.set_item("wait", wait)
        }),
        Error::SecondFactor { code, reason } => Class::SecondFactorError.err(py, &message, |kw| {
            kw.set_item("result", "UI")?;
            kw.set_item("code", code)?;
            kw.set_item("reason", reason)
        }),
        Error::CreateAccount { code, reason } => {
            Class::CreateAccountError.err(py, &message, |kw| {
                kw.set_item("code", code)?;
                kw.set_item("reason", reason)
            })
        }
        Error::SessionLost(_) => Class::SessionLostError.err(py, &message, no_attrs),
        Error::Unsupported(_) => Class::UnsupportedError.err(py, &message, no_attrs),
        Error::InvalidInput(_) => Class::InvalidInputError.err(py, &message, no_attrs),
        Error::Internal(_) => Class::MWError.err(py, &message, no_attrs),
        Error::Transport(_) | Error::Disconnected(_) => {
            Class::TransportError.err(py, &message, no_attrs)
        }
        Error::Timeout(_) => Class::TimeoutError.err(py, &message, no_attrs),
        Error::CentralAuthSession(_) => Class::CentralAuthSessionError.err(py, &message, no_attrs),
        // `Error` is non-exhaustive: a future variant is still an MWError.
        _ => Class::MWError.err(py, &message, no_attrs),
    }
}

/// The mapping of the transport's errors: a protocol error as
/// [`to_py_err`] maps it; a bad configuration is an `InvalidInputError`; a
/// session file problem a `SessionFileError` (with `path`).
pub(crate) fn transport_err(py: Python<'_>, error: &mw_transport::Error) -> PyErr {
    use mw_transport::Error as T;
    let message = error.to_string();
    match error {
        T::Protocol(e) => to_py_err(py, e),
        T::InvalidConfig(_) => Class::InvalidInputError.err(py, &message, no_attrs),
        T::SessionFile { path, .. } => Class::SessionFileError.err(py, &message, |kw| {
            kw.set_item("path", path.to_string_lossy())
        }),
        T::NoRuntime => Class::MWError.err(py, &message, no_attrs),
        // `Error` is non-exhaustive: a future variant is still an MWError.
        _ => Class::MWError.err(py, &message, no_attrs),
    }
}

/// An `InvalidInputError` for a bad argument.
pub(crate) fn invalid_input(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_py_err(py, &Error::InvalidInput(message.into()))
}

/// Emits each warning through `warnings.warn`, as an `MWWarning` (or
/// `MWDeprecationWarning`) instance attributed to the Python code that
/// obtained the result. Under `-W error` the first one is raised.
pub(crate) fn emit_warnings(
    py: Python<'_>,
    warnings: &[Py<ResponseWarning>],
    at: &WarnAt<'_>,
) -> PyResult<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    static WARN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static WARN_EXPLICIT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    for w in warnings {
        let w = w.get();
        let class = if w.is_deprecation {
            Class::MWDeprecationWarning
        } else {
            Class::MWWarning
        };
        let kwargs = PyDict::new(py);
        kwargs.set_item("module", &w.module)?;
        kwargs.set_item("code", &w.code)?;
        kwargs.set_item("text", &w.text)?;
        let instance = class.get(py)?.call((w.display(),), Some(&kwargs))?;
        match at {
            WarnAt::Stack(level) => {
                let kwargs = PyDict::new(py);
                // No Python frame belongs to the native call: level 1 is the caller.
                kwargs.set_item("stacklevel", (*level).max(1))?;
                WARN.import(py, "warnings", "warn")?
                    .call((instance,), Some(&kwargs))?;
            }
            WarnAt::Line {
                filename,
                lineno,
                globals,
            } => {
                // What warnings.warn does for a frame, for a line captured
                // earlier: the module's registry, so "default" and "once"
                // filters show it once per line.
                let registry =
                    globals.call_method1("setdefault", ("__warningregistry__", PyDict::new(py)))?;
                let module = globals.get_item("__name__").ok();
                let category = instance.get_type();
                WARN_EXPLICIT
                    .import(py, "warnings", "warn_explicit")?
                    .call1((
                        instance, category, filename, *lineno, module, registry, globals,
                    ))?;
            }
        }
    }
    Ok(())
}

/// Where a warning is attributed.
pub(crate) enum WarnAt<'py> {
    /// `stacklevel` as for `warnings.warn`, counted from the Python code
    /// that asked for the result.
    Stack(u32),
    /// A line captured when the call was made (`mwauth.aio` captures it,
    /// because a task run by `asyncio.gather` has no caller on its stack).
    Line {
        filename: String,
        lineno: u32,
        globals: Bound<'py, PyDict>,
    },
}
