//! Rust futures as asyncio futures, with no Python object in the tasks and
//! no runtime thread ever in Python.
//!
//! Each event loop that awaits a call gets a [`Bridge`]: a queue of
//! finished outputs and a socket pair whose reading end the loop watches
//! (`loop.add_reader`). [`spawn`] registers the asyncio future in
//! [`WAITERS`] under an id and spawns a task that holds only the id, Rust
//! values and the bridge. When the work is done, the task pushes its output
//! onto the bridge's queue and, if the queue was empty, writes one byte to
//! the socket: no GIL and no Python, on whichever runtime thread finished.
//! The loop's reader ([`Wake`]), on the loop's thread, takes every finished
//! output at once, converts each to Python and sets its future's result.
//!
//! So many calls finishing together cost the loop one wake-up (the
//! throughput of concurrent flows, docs/performance.md), no runtime thread
//! waits for the GIL (none can stall the runtime or deadlock with a Python
//! thread), and every Python reference is made, used and dropped by the
//! loop's thread or by the exit and fork hooks: nothing of this module
//! touches Python while the interpreter finalizes. A cancelled asyncio
//! future aborts its task and drops its waiter; a late output for it is a
//! Rust value, dropped wherever.
//!
//! Lock discipline: [`WAITERS`] and [`LOOPS`] are locked only by threads
//! attached to Python, and never while calling Python (which may switch
//! threads); a bridge's queue and [`LATEST`] are locked by runtime threads
//! too, briefly, and never around a call into Python.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::task::AbortHandle;

use crate::errors::Class;
use crate::runtime;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A task's output, made a Python object by the loop's thread.
type Output = Box<dyn for<'py> FnOnce(Python<'py>) -> PyResult<Py<PyAny>> + Send>;

/// Finished outputs on their way to one event loop.
pub(crate) struct Bridge {
    ready: Mutex<Vec<(u64, Output)>>,
    /// One byte wakes the loop (written only when `ready` was empty).
    writer: UnixStream,
    /// Watched by the loop (`add_reader`).
    reader: UnixStream,
}

impl Bridge {
    fn new() -> std::io::Result<Bridge> {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Bridge {
            ready: Mutex::new(Vec::new()),
            writer,
            reader,
        })
    }

    /// From any thread: queues an output and wakes the loop if it was not
    /// already going to look.
    fn push(&self, id: u64, output: Output) {
        let was_empty = {
            let mut ready = lock(&self.ready);
            ready.push((id, output));
            ready.len() == 1
        };
        if was_empty {
            self.poke();
        }
    }

    /// Wakes the loop (it runs [`Wake`]). A full socket buffer means a byte
    /// is pending already.
    pub(crate) fn poke(&self) {
        let _ = (&self.writer).write(&[1]);
    }

    /// On the loop's thread: the wake-up bytes first, then the outputs, so
    /// that an output queued after the bytes were read writes a new one.
    fn take(&self) -> Vec<(u64, Output)> {
        let mut bytes = [0u8; 256];
        while let Ok(n) = (&self.reader).read(&mut bytes) {
            if n < bytes.len() {
                break;
            }
        }
        std::mem::take(&mut *lock(&self.ready))
    }
}

/// An asyncio future waiting for a task.
pub(crate) struct Waiter {
    future: Py<PyAny>,
}

/// The waiters by id, and the last id given.
static WAITERS: Mutex<(u64, BTreeMap<u64, Waiter>)> = Mutex::new((0, BTreeMap::new()));

/// A loop that awaited a call, and its bridge.
type LoopEntry = (Py<PyAny>, Arc<Bridge>);

/// The loops with a bridge. An entry holds its loop, so that a loop's
/// address is never reused while its entry lives; entries of closed loops
/// are dropped when a new loop comes.
static LOOPS: Mutex<Vec<LoopEntry>> = Mutex::new(Vec::new());

/// The bridge of the loop that started the last call: where the log
/// bridge asks for a drain (`log::schedule`).
static LATEST: Mutex<Option<Arc<Bridge>>> = Mutex::new(None);

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn register(waiter: Waiter) -> u64 {
    let mut waiters = lock(&WAITERS);
    waiters.0 += 1;
    let id = waiters.0;
    waiters.1.insert(id, waiter);
    id
}

fn take(id: u64) -> Option<Waiter> {
    lock(&WAITERS).1.remove(&id)
}

/// Every waiter and every loop entry, to be dropped by the caller
/// (attached to Python): the exit hook.
pub(crate) fn take_all() -> (Vec<Waiter>, Vec<LoopEntry>) {
    *lock(&LATEST) = None;
    let waiters = std::mem::take(&mut lock(&WAITERS).1)
        .into_values()
        .collect();
    (waiters, std::mem::take(&mut *lock(&LOOPS)))
}

/// Fails every waiter with an `MWError` and forgets every loop (in a
/// forked child, whose runtime will never finish the parent's tasks).
pub(crate) fn fail_all(py: Python<'_>, message: &str) {
    let (waiters, loops) = take_all();
    drop(loops);
    for waiter in waiters {
        let error = Class::MWError.err(py, message, |_| Ok(())).into_value(py);
        // A future already done, or of a closed loop: nobody waits.
        let _ = resolve(waiter.future.bind(py), error.bind(py).as_any(), true);
    }
}

/// Wakes the loop of the last call, so that it drains the log records;
/// false when no loop has a bridge.
pub(crate) fn poke_latest() -> bool {
    match &*lock(&LATEST) {
        Some(bridge) => {
            bridge.poke();
            true
        }
        None => false,
    }
}

/// The bridge of a running loop, made (and watched by the loop) on its
/// first call.
fn bridge_of(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Bridge>> {
    let found = lock(&LOOPS)
        .iter()
        .find(|(l, _)| l.is(event_loop))
        .map(|(_, b)| Arc::clone(b));
    if let Some(bridge) = found {
        return Ok(bridge);
    }
    // Closed loops' entries go; no Python is called with the lock held.
    let known: Vec<Py<PyAny>> = lock(&LOOPS).iter().map(|(l, _)| l.clone_ref(py)).collect();
    let mut closed = Vec::new();
    for l in known {
        if l.call_method0(py, "is_closed")?.is_truthy(py)? {
            closed.push(l);
        }
    }
    let gone: Vec<_> = {
        let mut loops = lock(&LOOPS);
        let (gone, kept) = std::mem::take(&mut *loops)
            .into_iter()
            .partition(|(l, _)| closed.iter().any(|c| c.is(l)));
        *loops = kept;
        gone
    };
    drop(gone);
    let bridge = Arc::new(Bridge::new().map_err(|e| {
        Class::MWError.err(py, &format!("cannot make a socket pair: {e}"), |_| Ok(()))
    })?);
    let wake = Wake {
        bridge: Arc::clone(&bridge),
    };
    event_loop.call_method1("add_reader", (bridge.reader.as_raw_fd(), wake))?;
    lock(&LOOPS).push((event_loop.clone().unbind(), Arc::clone(&bridge)));
    Ok(bridge)
}

/// Runs `work` on the runtime; an asyncio future (of the running loop) of
/// its output.
pub(crate) fn spawn<'py, F, T>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = T> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let handle = runtime::handle(py)?;
    let event_loop = GET_RUNNING_LOOP
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
        })?
        .call0(py)?
        .into_bound(py);
    let bridge = bridge_of(py, &event_loop)?;
    {
        let mut latest = lock(&LATEST);
        if !latest.as_ref().is_some_and(|b| Arc::ptr_eq(b, &bridge)) {
            *latest = Some(Arc::clone(&bridge));
        }
    }
    let future = event_loop.call_method0("create_future")?;
    let id = register(Waiter {
        future: future.clone().unbind(),
    });
    let task = handle.spawn(async move {
        let output = work.await;
        bridge.push(id, Box::new(move |py| output.into_py_any(py)));
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

/// Sets a future's result or exception; an `InvalidStateError` when it is
/// done already (cancelled), which the callers ignore: asking `done()`
/// first would cost every call a Python call.
fn resolve(future: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, failed: bool) -> PyResult<()> {
    let method = if failed {
        "set_exception"
    } else {
        "set_result"
    };
    future.call_method1(method, (value,)).map(drop)
}

/// The reader of a loop's bridge, run by the loop: hands every finished
/// output to its future (unless it is done already: cancelled), after the
/// log records so far.
#[pyclass(frozen, module = "mwauth._native")]
struct Wake {
    bridge: Arc<Bridge>,
}

#[pymethods]
impl Wake {
    fn __call__(&self, py: Python<'_>) {
        crate::log::drain(py);
        for (id, output) in self.bridge.take() {
            let Some(waiter) = take(id) else {
                continue; // cancelled
            };
            let (value, failed) = match output(py) {
                Ok(value) => (value, false),
                Err(e) => (e.into_value(py).into_any(), true),
            };
            // A future already done: nobody waits.
            let _ = resolve(waiter.future.bind(py), value.bind(py), failed);
        }
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
