//! `mwauth._native`: the Python bindings of the MediaWiki token and session
//! client (the `mwauth` wheel; see `docs/python.md`).
//!
//! Modules (private; the Python API is the product):
//!
//! * `sansio`: `SansIOSession`, the sans-IO core for callers who bring
//!   their own HTTP library, and `Transmit`.
//! * `client`: `Session` (sync, GIL released) and `AsyncSessionCore` (the
//!   native half of `mwauth.AsyncSession`) over `mw-transport`.
//! * `runtime`: the process's Tokio runtime, shut down by an `atexit` hook
//!   before Python finalizes and replaced in the child of a fork.
//! * `awaitable`: Rust futures as asyncio futures, with no Python object
//!   in the runtime's tasks.
//! * `completed`: `Completed`, a finished operation whose `result()`
//!   emits the server's warnings and returns the value or raises.
//! * `values`: the typed values (`Token`, `Password`, `User`,
//!   `TokenCheck`, `Response`, `ResponseWarning`, …).
//! * `errors`: the one mapping from Rust errors to the exception
//!   hierarchy of `mwauth.errors`, and warning delivery.
//! * `params`: Python arguments to API parameters.
//! * `log`: the Rust core's `tracing` events as records of Python's
//!   `mwauth` logger, emitted only by Python threads.
//!
//! The Python package (`python/mwauth`) re-exports everything; the stubs
//! are `python/mwauth/_native.pyi`.

mod accounts;
mod auth;
mod awaitable;
mod client;
mod completed;
mod errors;
mod log;
mod options;
mod params;
mod runtime;
mod sansio;
mod values;

use pyo3::prelude::*;

/// The native module of the `mwauth` package.
#[pymodule]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::auth::{PyAccountCreated, PyAuthField, PyAuthStep, PyCaptcha};
    #[pymodule_export]
    use crate::client::{AsyncSessionCore, PyForeignWiki, PySession};
    #[pymodule_export]
    use crate::completed::Completed;
    #[pymodule_export]
    use crate::sansio::{SansIOForeignWiki, SansIOSession, Transmit};
    #[pymodule_export]
    use crate::values::{
        PyLogoutOutcome, PyPassword, PyResponse, PyToken, PyTokenCheck, PyUser, ResponseWarning,
    };

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        crate::log::install();
        crate::runtime::register_hooks(m)
    }
}
