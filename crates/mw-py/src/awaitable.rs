//! Rust futures as asyncio futures, with no Python object in the tasks.
//!
//! [`spawn`] registers the asyncio future and its loop in [`WAITERS`] under
//! an id and spawns a task that holds only the id and Rust values. When the
//! work is done, a blocking thread of the runtime (not a worker: waiting for
//! the GIL there would stall the other tasks) takes the waiter out and hands
//! the result to the loop with `call_soon_threadsafe`, attached to Python
//! through [`runtime::with_python`]'s gate. A cancelled asyncio future
//! aborts its task and drops its waiter; waiters left at exit or in a forked
//! child are dropped or failed by Python's own thread. So every Python
//! reference is made, used and dropped by a thread attached to Python, and
//! a task that outlives its caller (cancelled, or cut short by the runtime's
//! shutdown) holds none.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use tokio::task::AbortHandle;

use crate::errors::Class;
use crate::runtime;

/// An asyncio future waiting for a task, and its loop.
pub(crate) struct Waiter {
    event_loop: Py<PyAny>,
    future: Py<PyAny>,
}

/// The waiters by id. Locked only while attached to Python, never while
/// calling Python (which may release the GIL).
static WAITERS: Mutex<(u64, BTreeMap<u64, Waiter>)> = Mutex::new((0, BTreeMap::new()));

fn waiters() -> MutexGuard<'static, (u64, BTreeMap<u64, Waiter>)> {
    WAITERS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn register(waiter: Waiter) -> u64 {
    let mut waiters = waiters();
    waiters.0 += 1;
    let id = waiters.0;
    waiters.1.insert(id, waiter);
    id
}

fn take(id: u64) -> Option<Waiter> {
    waiters().1.remove(&id)
}

/// The event loop of a waiter (any), to hand work to the loop's thread.
pub(crate) fn any_loop(py: Python<'_>) -> Option<Py<PyAny>> {
    let waiters = waiters();
    let waiter = waiters.1.values().next()?;
    Some(waiter.event_loop.clone_ref(py))
}

/// Every waiter, to be dropped by the caller (attached to Python).
pub(crate) fn take_all() -> Vec<Waiter> {
    std::mem::take(&mut waiters().1).into_values().collect()
}

/// Fails every waiter with an `MWError` (in a forked child, whose runtime
/// will never finish the parent's tasks).
pub(crate) fn fail_all(py: Python<'_>, message: &str) {
    for waiter in take_all() {
        let error = Class::MWError.err(py, message, |_| Ok(())).into_value(py);
        // A future already done, or of a closed loop: nobody waits.
        let _ = resolve(waiter.future.bind(py), error.bind(py).as_any(), true);
    }
}

/// Runs `work` on the runtime; an asyncio future (of the running loop) of
/// its output.
pub(crate) fn spawn<'py, F, T>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = T> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let handle = runtime::handle(py)?;
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let id = register(Waiter {
        event_loop: event_loop.unbind(),
        future: future.clone().unbind(),
    });
    let task = handle.spawn(async move {
        let output = work.await;
        drop(tokio::task::spawn_blocking(move || {
            runtime::with_python(|py| complete(py, id, output))
        }));
    });
    future.call_method1(
        "add_done_callback",
        (OnDone {
            id,
            abort: task.abort_handle(),
        },),
    )?;
    Ok(future)
}

/// Hands a task's output to its waiter's loop (if still awaited).
fn complete<T: for<'a> IntoPyObject<'a>>(py: Python<'_>, id: u64, output: T) {
    let Some(waiter) = take(id) else {
        return; // cancelled
    };
    let (value, failed) = match output.into_py_any(py) {
        Ok(value) => (value, false),
        Err(e) => (e.into_value(py).into_any(), true),
    };
    let args = (Resolve, waiter.future, value, failed);
    // A closed loop: nobody waits any more.
    let _ = waiter
        .event_loop
        .call_method1(py, "call_soon_threadsafe", args);
}

fn resolve(future: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, failed: bool) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    let method = if failed {
        "set_exception"
    } else {
        "set_result"
    };
    future.call_method1(method, (value,)).map(drop)
}

/// Called by the loop: sets an asyncio future's result or exception,
/// unless it is done already (cancelled).
#[pyclass(frozen, module = "mwauth._native")]
struct Resolve;

#[pymethods]
impl Resolve {
    fn __call__(
        &self,
        future: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        failed: bool,
    ) -> PyResult<()> {
        // The operation's log records, before its result.
        crate::log::drain(future.py());
        resolve(future, value, failed)
    }
}

/// The done callback of an asyncio future: when it was cancelled, aborts
/// its task and drops its waiter.
#[pyclass(frozen, module = "mwauth._native")]
struct OnDone {
    id: u64,
    abort: AbortHandle,
}

#[pymethods]
impl OnDone {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.abort.abort();
            drop(take(self.id));
        }
        Ok(())
    }
}
