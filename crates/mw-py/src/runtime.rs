//! The one Tokio runtime of `mwauth` per process, owned here so that it is
//! shut down before Python finalizes and replaced in the child of a fork.
//!
//! * [`handle`] starts the runtime on first use and refuses once the exit
//!   hook ran.
//! * [`with_python`] is the only way a runtime thread attaches to Python:
//!   through a gate that the exit hook closes, then waits to be empty.
//! * [`shutdown`] is registered with `atexit` at import. `atexit` runs
//!   before the interpreter starts finalizing, so no runtime thread can
//!   touch a Python object after finalization began. (Without it, a thread
//!   still handing a result to asyncio could be made to exit by CPython
//!   halfway through, dropping Python objects without the GIL: the SIGSEGV
//!   or `PyGILState_Release` abort at exit of issue 13.)
//! * [`after_fork_in_child`] is registered with `os.register_at_fork`: the
//!   child has none of the parent's runtime threads, so it forgets the
//!   parent's runtime (never dropping it) and starts a new one on first use;
//!   sessions made before the fork are [`Local`] to the parent.
//!
//! Lock discipline: [`STATE`] is only locked by threads attached to Python
//! and never across a detach, so the thread that forks (which holds the GIL)
//! never forks while another thread holds it.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokio::runtime::{Builder, Handle, Runtime};

use crate::errors::Class;

/// How long the exit hook waits for runtime threads inside Python.
const GATE_TIMEOUT: Duration = Duration::from_secs(5);
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
/// The gate of [`with_python`]: closed by the exit hook …
static CLOSED: AtomicBool = AtomicBool::new(false);
/// … which then waits until no runtime thread is inside.
static INSIDE: AtomicUsize = AtomicUsize::new(0);

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

/// Runs `f` attached to Python, from a runtime thread. `None` (and `f` is
/// dropped, not run) once the exit hook closed the gate or when the
/// interpreter cannot be attached to.
pub(crate) fn with_python<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    // Enter, then look: the exit hook closes, then looks (both SeqCst), so
    // either it sees this thread inside or this thread sees it closed.
    INSIDE.fetch_add(1, SeqCst);
    let result = if CLOSED.load(SeqCst) {
        None
    } else {
        Python::try_attach(f)
    };
    INSIDE.fetch_sub(1, SeqCst);
    result
}

/// The `atexit` hook: closes the gate, waits (GIL released) for the
/// runtime threads inside Python, then shuts the runtime down (bounded).
#[pyfunction]
fn shutdown(py: Python<'_>) {
    CLOSED.store(true, SeqCst);
    let old = std::mem::replace(&mut *state(), State::Closed);
    py.detach(|| {
        let deadline = Instant::now() + GATE_TIMEOUT;
        while INSIDE.load(SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        if let State::Running(runtime) = old {
            runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
        }
    });
    // The operations that never finished: their futures are dropped here,
    // by Python's thread.
    drop(crate::awaitable::take_all());
}

/// The `os.register_at_fork(after_in_child=...)` hook.
#[pyfunction]
fn after_fork_in_child(py: Python<'_>) {
    GENERATION.fetch_add(1, SeqCst);
    INSIDE.store(0, SeqCst);
    CLOSED.store(false, SeqCst);
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
