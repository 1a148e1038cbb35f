//! `Completed`: a finished operation's value or error, with its warnings,
//! which are emitted through Python's `warnings` when the result is taken.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use mw_protocol::Warning;

use crate::errors::{WarnAt, emit_warnings};
use crate::values::{PyValue, ResponseWarning, warnings_to_py};

/// A finished operation (the answer to `poll_event()`).
#[pyclass(frozen, module = "mwauth._native", name = "Completed")]
pub struct Completed {
    /// The operation id a command returned (0 for the results of
    /// `AsyncSession`'s native core).
    #[pyo3(get)]
    op: u64,
    warnings: Vec<Py<ResponseWarning>>,
    outcome: Result<Py<PyAny>, PyErr>,
    warned: AtomicBool,
}

impl Completed {
    /// `outcome` is the operation's value, or its error already mapped.
    pub(crate) fn new(
        py: Python<'_>,
        op: u64,
        outcome: PyResult<PyValue>,
        warnings: &[Warning],
    ) -> PyResult<Completed> {
        let outcome = outcome.and_then(|value| value.into_py_value(py, warnings));
        Ok(Completed {
            op,
            warnings: warnings_to_py(py, warnings)?,
            outcome,
            warned: AtomicBool::new(false),
        })
    }

    /// Emits the warnings (the first time), attributed `at`, then gives
    /// the value or the error.
    pub(crate) fn take(&self, py: Python<'_>, at: &WarnAt<'_>) -> PyResult<Py<PyAny>> {
        if !self.warned.swap(true, Ordering::Relaxed) {
            emit_warnings(py, &self.warnings, at)?;
        }
        match &self.outcome {
            Ok(v) => Ok(v.clone_ref(py)),
            Err(e) => Err(e.clone_ref(py)),
        }
    }
}

#[pymethods]
impl Completed {
    /// Every warning of every response the operation used.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.warnings.iter().map(|w| w.clone_ref(py)))
    }

    /// True when `result()` returns rather than raises.
    #[getter]
    fn ok(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The typed value (`User`, `Token`, `TokenCheck`, `Response`,
    /// `LogoutOutcome`, `ClientLoginStep`), or raises the mapped
    /// `MWError`. The server's warnings are emitted through `warnings` the
    /// first time, attributed to the caller (`stacklevel=1`) or further up,
    /// or to `origin`, a `(filename, lineno, module_globals)` captured when
    /// the call was made.
    #[pyo3(signature = (stacklevel=1, *, origin=None))]
    fn result(
        &self,
        py: Python<'_>,
        stacklevel: u32,
        origin: Option<(String, u32, Bound<'_, PyDict>)>,
    ) -> PyResult<Py<PyAny>> {
        let at = match origin {
            Some((filename, lineno, globals)) => WarnAt::Line {
                filename,
                lineno,
                globals,
            },
            None => WarnAt::Stack(stacklevel),
        };
        self.take(py, &at)
    }

    fn __repr__(&self) -> String {
        let state = if self.outcome.is_ok() { "ok" } else { "error" };
        format!("<Completed op={} {state}>", self.op)
    }
}
