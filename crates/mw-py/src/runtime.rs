//! The one Tokio runtime of `mwauth` per process, owned here so that it is
//! shut down before Python finalizes and replaced in the child of a fork.
//!
//! * [`handle`] starts the runtime on first use and refuses once the exit
//!   hook ran.
//! * No runtime thread ever attaches to Python: results reach asyncio
//!   through a socket the loop watches (`awaitable`), log records through a
//!   queue that Python threads drain (`log`). Their tasks hold no Python
//!   object.
//! * [`shutdown`] is registered with `atexit` at import. `atexit` runs
//!   before the interpreter starts finalizing; it shuts the runtime down
//!   and drops the asyncio futures still waiting, on Python's thread.
//!   (Before, a runtime thread still handing a result to asyncio could be
//!   made to exit by CPython halfway through, dropping Python objects
//!   without the GIL: the SIGSEGV or `PyGILState_Release` abort at exit of
//!   issue 13.)
//! * [`after_fork_in_child`] is registered with `os.register_at_fork`: the
//!   child has none of the parent's runtime threads, so it forgets the
//!   parent's runtime (never dropping it) and starts a new one on first use;
//!   sessions made before the fork are [`Local`] to the parent.
//!
//! Lock discipline: [`STATE`] is only locked by threads attached to Python
//! and never across a detach, so the thread that forks (which holds the GIL)
//! never forks while another thread holds it.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokio::runtime::{Builder, Handle, Runtime};

use crate::errors::Class;

/// How long the exit hook waits for the runtime's threads to stop.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

/// The runtime of this process.
enum State {
    /// Not started yet (or forgotten in a forked child).
    Idle,
    Running(Runtime),
    /// Shut down by the exit hook.
    Closed,
}

static STATE: Mutex<State> = Mutex::new(State::Idle);
/// Incremented in the child of each fork: what [`Local`] compares.
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The error of any call after the exit hook shut the runtime down.
fn closed_err(py: Python<'_>) -> PyErr {
    Class::MWError.err(
        py,
        "mwauth's runtime has been shut down (the interpreter is exiting): \
         no more requests can be made",
        |_| Ok(()),
    )
}

/// A handle of the runtime, started on first use; an `MWError` once the
/// exit hook shut it down.
pub(crate) fn handle(py: Python<'_>) -> PyResult<Handle> {
    let mut state = state();
    if let State::Idle = *state {
        let runtime = Builder::new_multi_thread()
            .enable_all()
            .thread_name("mwauth-tokio")
            .build()
            .map_err(|e| {
                Class::MWError.err(
                    py,
                    &format!("cannot start a Tokio runtime: {e}"),
                    |_| Ok(()),
                )
            })?;
        *state = State::Running(runtime);
    }
    match &*state {
        State::Running(runtime) => Ok(runtime.handle().clone()),
        _ => Err(closed_err(py)),
    }
}

/// The `atexit` hook: shuts the runtime down (bounded, GIL released),
/// then drops what was left for Python.
#[pyfunction]
fn shutdown(py: Python<'_>) {
    let old = std::mem::replace(&mut *state(), State::Closed);
    py.detach(|| {
        if let State::Running(runtime) = old {
            runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
        }
    });
    // The operations that never finished: their futures, and the loops
    // that awaited calls, are dropped here, by Python's thread.
    drop(crate::awaitable::take_all());
}

/// The `os.register_at_fork(after_in_child=...)` hook.
#[pyfunction]
fn after_fork_in_child(py: Python<'_>) {
    GENERATION.fetch_add(1, SeqCst);
    if let State::Running(runtime) = std::mem::replace(&mut *state(), State::Idle) {
        // Its threads are the parent's: dropping it would wait for them.
        std::mem::forget(runtime);
    }
    crate::awaitable::fail_all(
        py,
        "the operation was left in the parent process by os.fork()",
    );
}

/// Registers [`shutdown`] with `atexit` and [`after_fork_in_child`] with
/// `os.register_at_fork` (where there is one).
pub(crate) fn register_hooks(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    py.import("atexit")?
        .call_method1("register", (wrap_pyfunction!(shutdown, m)?,))?;
    let os = py.import("os")?;
    if os.hasattr("register_at_fork")? {
        let kwargs = PyDict::new(py);
        kwargs.set_item("after_in_child", wrap_pyfunction!(after_fork_in_child, m)?)?;
        os.call_method("register_at_fork", (), Some(&kwargs))?;
    }
    Ok(())
}

/// A value of the process that made it, such as a client whose connections
/// belong to that process's runtime. In the child of a fork it cannot be
/// used ([`Local::get`] raises) and is never dropped (its destructor could
/// wait for the parent's runtime threads, which the child does not have).
pub(crate) struct Local<T> {
    /// Always `Some` but in the destructor.
    value: Option<T>,
    generation: u64,
}

impl<T> Local<T> {
    /// `value`, of this process.
    pub(crate) fn new(value: T) -> Local<T> {
        Local {
            value: Some(value),
            generation: GENERATION.load(SeqCst),
        }
    }

    /// The value, to do work with: an `MWError` in the child of a fork.
    pub(crate) fn get(&self, py: Python<'_>) -> PyResult<&T> {
        match &self.value {
            Some(value) if self.generation == GENERATION.load(SeqCst) => Ok(value),
            _ => Err(Class::MWError.err(
                py,
                "this session was made before os.fork(): make a new session in the child process",
                |_| Ok(()),
            )),
        }
    }

    /// The value, to read its state (its user, its URL), in any process.
    pub(crate) fn peek(&self) -> &T {
        self.value
            .as_ref()
            .expect("a Local's value is only taken by its destructor")
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        if self.generation != GENERATION.load(SeqCst) {
            std::mem::forget(self.value.take());
        }
    }
}
