//! `tracing` events of the Rust core as records of Python's `mwauth`
//! logger (docs/python.md, "Logging").
//!
//! The events fire on Tokio runtime threads, which must never wait for the
//! GIL (a worker waiting for it while holding a session's lock would
//! deadlock with a Python thread that holds the GIL and wants that lock)
//! and must never touch Python once the exit hook ran. So the [`Layer`]
//! never touches Python at all:
//!
//! * **Is it wanted?** One atomic load: [`THRESHOLD`], the `mwauth`
//!   logger's effective level as Python last said it. [`refresh`] asks
//!   Python (what `isEnabledFor` reads) at the start of every call, on the caller's
//!   thread, which holds the GIL anyway. A disabled level costs no GIL, no
//!   formatting and no allocation; callsites are asked every time
//!   ([`Interest::sometimes`]), so a level turned on later takes effect at
//!   the next call.
//! * **Wanted:** the event is rendered to text (message, then `key=value`
//!   fields, secret parameters scrubbed) and sent into a bounded queue
//!   (a lock-free `mpsc` channel; at most [`MAX_PENDING`] records, the
//!   rest counted and reported as dropped).
//! * **Emitted by Python threads only:** [`drain`] hands the queued
//!   records to `logging.getLogger("mwauth").log(...)`. A `Session` drains
//!   at the end of each call and every 200 ms while it waits; an
//!   `AsyncSession` drains on its event loop's thread when a call starts
//!   and when results are handed to the loop. An INFO or WARNING record
//!   (a wait, a relogin) while no `Session` call is in flight asks the
//!   loop to drain now ([`schedule`]: the runtime thread wakes the loop
//!   through the socket that results use, with no GIL), so a long wait is
//!   shown when it starts.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// At most this many records wait for a drain; later ones are dropped
/// (and counted) until Python drains.
const MAX_PENDING: usize = 4096;

/// Python's level numbers.
const DEBUG: u8 = 10;
const INFO: u8 = 20;
const WARNING: u8 = 30;
const ERROR: u8 = 40;

/// The lowest Python level the `mwauth` logger takes, as [`refresh`] last
/// read it; `u8::MAX` for none (the state before the first call).
static THRESHOLD: AtomicU8 = AtomicU8::new(u8::MAX);
/// Records in the queue, and records dropped because it was full.
static PENDING: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);
/// A drain has been asked of the runtime and not yet begun.
static SCHEDULED: AtomicBool = AtomicBool::new(false);
/// `Session` calls in progress: each drains every 200 ms, so no drain
/// needs to be scheduled for them.
static SYNC_CALLS: AtomicUsize = AtomicUsize::new(0);

/// One rendered event.
struct Record {
    level: u8,
    text: String,
}

struct Queue {
    tx: Sender<Record>,
    /// Locked only to take records out, never while calling Python.
    rx: Mutex<Receiver<Record>>,
}

static QUEUE: OnceLock<Queue> = OnceLock::new();

fn queue() -> &'static Queue {
    QUEUE.get_or_init(|| {
        let (tx, rx) = channel();
        Queue {
            tx,
            rx: Mutex::new(rx),
        }
    })
}

fn python_level(level: Level) -> u8 {
    match level {
        Level::ERROR => ERROR,
        Level::WARN => WARNING,
        Level::INFO => INFO,
        // TRACE is never asked for (max_level_hint), DEBUG is DEBUG.
        _ => DEBUG,
    }
}

/// Events of this project's crates only (`mw_transport`, `mw_protocol`,
/// `mw_py`): a dependency's events never reach the `mwauth` logger.
fn ours(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("mw_") && *metadata.level() <= Level::DEBUG
}

/// The layer: see the module's documentation.
struct PythonLogLayer;

impl<S: Subscriber> Layer<S> for PythonLogLayer {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if ours(metadata) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        ours(metadata) && python_level(*metadata.level()) >= THRESHOLD.load(Relaxed)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::DEBUG)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let level = python_level(*event.metadata().level());
        let mut text = Text::default();
        event.record(&mut text);
        push(Record {
            level,
            text: text.finish(),
        });
        if level >= INFO {
            schedule();
        }
    }
}

/// An event as one line: its message, then its other fields as
/// `key=value`.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Text {
    fn finish(self) -> String {
        let line = if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        };
        // Nothing the core logs carries a secret; this is a second net.
        mw_protocol::redact_secret_params(&line)
    }
}

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields.push(' ');
            self.fields.push_str(field.name());
            self.fields.push('=');
            self.fields.push_str(value);
        }
    }
}

fn push(record: Record) {
    if PENDING.fetch_add(1, SeqCst) >= MAX_PENDING {
        PENDING.fetch_sub(1, SeqCst);
        DROPPED.fetch_add(1, Relaxed);
        return;
    }
    // The receiver is never dropped (a static).
    let _ = queue().tx.send(record);
}

/// Installs the layer as the process's `tracing` subscriber (at import).
/// The wheel's Rust code is alone in this library, so nothing else sets
/// one; if something did, its subscriber is kept.
pub(crate) fn install() {
    let subscriber = tracing_subscriber::registry().with(PythonLogLayer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("logging")?
                    .call_method1("getLogger", ("mwauth",))?
                    .unbind(),
            )
        })
        .map(|logger| logger.bind(py))
}

/// Reads the `mwauth` logger's effective level into [`THRESHOLD`] (at the
/// start of every call): what `Logger.isEnabledFor` decides, with one
/// Python call (`getEffectiveLevel`) and three attribute reads.
pub(crate) fn refresh(py: Python<'_>) {
    let threshold = (|| -> PyResult<u8> {
        let logger = logger(py)?;
        if logger.getattr("disabled")?.is_truthy()? {
            return Ok(u8::MAX);
        }
        let level: i64 = logger.call_method0("getEffectiveLevel")?.extract()?;
        let disable: i64 = logger.getattr("manager")?.getattr("disable")?.extract()?;
        // Python's levels are any integers; ours are 10 to 40.
        Ok(u8::try_from(level.max(disable.saturating_add(1)).clamp(0, 255)).unwrap_or(u8::MAX))
    })()
    .unwrap_or(u8::MAX);
    THRESHOLD.store(threshold, Relaxed);
}

/// Emits every queued record through the `mwauth` logger, on this thread.
/// Nothing to do costs one atomic load.
pub(crate) fn drain(py: Python<'_>) {
    SCHEDULED.store(false, SeqCst);
    if PENDING.load(SeqCst) == 0 && DROPPED.load(Relaxed) == 0 {
        return;
    }
    let records: Vec<Record> = {
        let rx = queue().rx.lock().unwrap_or_else(PoisonError::into_inner);
        rx.try_iter().collect()
    };
    PENDING.fetch_sub(records.len(), SeqCst);
    let Ok(logger) = logger(py) else { return };
    // `logging` reports a failing handler itself; a failure here would
    // only be of `log` itself, and must not fail the caller's request.
    for record in records {
        let _ = logger.call_method1("log", (record.level, record.text));
    }
    let dropped = DROPPED.swap(0, Relaxed);
    if dropped > 0 {
        let text = format!("{dropped} log records were dropped (more than {MAX_PENDING} queued)");
        let _ = logger.call_method1("log", (WARNING, text));
    }
}

/// A `Session` call in progress (see [`SYNC_CALLS`]).
pub(crate) struct SyncCall(());

impl SyncCall {
    pub(crate) fn start() -> SyncCall {
        SYNC_CALLS.fetch_add(1, SeqCst);
        SyncCall(())
    }
}

impl Drop for SyncCall {
    fn drop(&mut self) {
        SYNC_CALLS.fetch_sub(1, SeqCst);
    }
}

/// Asks the event loop of the last asyncio call to drain soon: a byte on
/// its bridge's socket (`awaitable`), written by this runtime thread with
/// no GIL and no Python. Nothing when a `Session` call will drain within
/// 200 ms, when a drain is already asked for, or when no loop ever awaited
/// a call.
fn schedule() {
    if SYNC_CALLS.load(SeqCst) > 0 || SCHEDULED.swap(true, SeqCst) {
        return;
    }
    if !crate::awaitable::poke_latest() {
        SCHEDULED.store(false, SeqCst);
    }
}
