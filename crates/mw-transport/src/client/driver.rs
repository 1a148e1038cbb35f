//! The driver loop: the [`Session`] in a mutex, a waiter per operation,
//! one timer for the session's next wake-up.
//!
//! Each method of [`Client`](super::Client) starts an operation under the lock, registers
//! a waiter under its [`OpId`] and pumps: the caller sends one request the
//! session wants itself, in its own task ([`Inline`](super::inline::Inline)), and every other
//! request goes to a task of its own; every finished operation goes to its
//! waiter (which takes its own typed result), and a timer task wakes the
//! session when it waits out a backoff. A response is fed back under the
//! lock, with `Instant::now()`, and the pump runs again. The driver decides
//! nothing: retries, token refreshes and relogins are the session's.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use mw_protocol::{Event, OpId, Session, Transmit, TransportFailure};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;
use url::Url;

use super::record::RequestRecord;
use crate::cookies::Jar;
use crate::http::Http;

/// Hands a finished operation's typed result to its waiter (made by
/// `register` in `client/run.rs` for the operation's `Op<T>`).
pub(super) type Waiter = Box<dyn FnOnce(&mut Session) + Send>;

pub(super) struct State {
    pub(super) session: Session,
    pub(super) waiters: Waiters,
    /// The armed timer: its deadline and task.
    pub(super) timer: Option<(Instant, JoinHandle<()>)>,
    /// The session's [`Session::relogins`] last logged.
    pub(super) relogins_logged: u64,
}

/// The waiters of the operations in progress, by id: a handful at most,
/// so a `Vec` searched from the end (the newest finish first) instead of a
/// hash map (a SipHash of the id and a table per operation).
#[derive(Default)]
pub(super) struct Waiters(Vec<(OpId, Waiter)>);

impl Waiters {
    pub(super) fn insert(&mut self, op: OpId, waiter: Waiter) {
        self.0.push((op, waiter));
    }

    pub(super) fn remove(&mut self, op: &OpId) -> Option<Waiter> {
        let at = self.0.iter().rposition(|(id, _)| id == op)?;
        Some(self.0.swap_remove(at).1)
    }
}

pub(crate) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) http: Http,
    pub(super) jar: Arc<Jar>,
    pub(super) endpoint: Url,
    pub(super) log: Option<Mutex<Vec<RequestRecord>>>,
}

/// Reports a request whose task ended without an answer (it panicked, or
/// its runtime shut down), so that its operation does not wait forever.
struct ReportOnDrop {
    shared: Arc<Shared>,
    id: Option<mw_protocol::RequestId>,
}

impl Drop for ReportOnDrop {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let error = TransportFailure::Other("the request task ended early".into());
            self.shared
                .lock()
                .session
                .handle_transport_failure(id, error, Instant::now());
            if let Ok(handle) = Handle::try_current() {
                self.shared.pump(&handle);
            }
        }
    }
}

impl Shared {
    pub(super) fn new(
        session: Session,
        http: Http,
        jar: Arc<Jar>,
        endpoint: Url,
        record_requests: bool,
    ) -> Shared {
        Shared {
            state: Mutex::new(State {
                session,
                waiters: Waiters::default(),
                timer: None,
                relogins_logged: 0,
            }),
            http,
            jar,
            endpoint,
            log: record_requests.then(|| Mutex::new(Vec::new())),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave the session
        // half-changed in a way that matters more than stopping would.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands out everything the session has for the outside world: the
    /// requests to send (each in a task of its own), the finished
    /// operations, the next wake-up.
    fn pump(self: &Arc<Self>, handle: &Handle) {
        self.pump_keeping(handle, false);
    }

    /// [`pump`](Self::pump), but with `keep_one` the first request is
    /// handed back instead of spawned (the caller sends it itself).
    pub(super) fn pump_keeping(
        self: &Arc<Self>,
        handle: &Handle,
        keep_one: bool,
    ) -> Option<Transmit> {
        // Most pumps hand out one request or none: the first is not put in
        // a `Vec` (an allocation a pump).
        let mut first = None;
        let mut transmits = Vec::new();
        let mut waits = Vec::new();
        let relogin;
        {
            let mut state = self.lock();
            relogin = state.session.relogins() > state.relogins_logged;
            state.relogins_logged = state.session.relogins();
            while let Some(transmit) = state.session.poll_transmit() {
                if first.is_none() {
                    first = Some(transmit);
                } else {
                    transmits.push(transmit);
                }
            }
            while let Some(wait) = state.session.poll_wait() {
                waits.push(wait);
            }
            while let Some(event) = state.session.poll_event() {
                if let Event::Completed { op } = event
                    && let Some(waiter) = state.waiters.remove(&op)
                {
                    waiter(&mut state.session);
                }
            }
            self.arm_timer(&mut state, handle);
        }
        if relogin {
            tracing::info!(
                target: "mw_transport::relogin",
                "the wiki lost the session: logging in again with the last login's credentials"
            );
        }
        for wait in waits {
            log_wait(&wait);
        }
        let (kept, spawned) = if keep_one {
            (first, None)
        } else {
            (None, first)
        };
        for transmit in spawned.into_iter().chain(transmits) {
            self.spawn_then_pump(handle, Arc::clone(self).exchange(transmit));
        }
        kept
    }

    /// Runs a request's exchange in a task of its own, and pumps when it
    /// is done.
    pub(super) fn spawn_then_pump(
        self: &Arc<Self>,
        handle: &Handle,
        exchange: impl Future<Output = ()> + Send + 'static,
    ) {
        let shared = Arc::clone(self);
        handle.spawn(async move {
            exchange.await;
            if let Ok(handle) = Handle::try_current() {
                shared.pump(&handle);
            }
        });
    }

    /// Keeps one timer task armed for the session's next deadline.
    fn arm_timer(self: &Arc<Self>, state: &mut State, handle: &Handle) {
        let next = state.session.poll_timeout();
        if let (Some(at), Some((armed, _))) = (next, &state.timer)
            && *armed == at
        {
            return;
        }
        if let Some((_, task)) = state.timer.take() {
            task.abort();
        }
        let Some(at) = next else { return };
        let weak: Weak<Shared> = Arc::downgrade(self);
        let task = handle.spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
            let Some(shared) = weak.upgrade() else { return };
            {
                let mut state = shared.lock();
                if matches!(state.timer, Some((armed, _)) if armed == at) {
                    state.timer = None;
                }
                state.session.handle_timeout(Instant::now());
            }
            if let Ok(handle) = Handle::try_current() {
                shared.pump(&handle);
            }
        });
        state.timer = Some((at, task));
    }

    /// Sends one request and feeds the outcome back to the session (the
    /// caller pumps next).
    pub(super) async fn exchange(self: Arc<Self>, transmit: Transmit) {
        let id = transmit.id;
        let url = transmit.url;
        let request = transmit.request;
        // Decoding the request's parameters again is about 7% of a
        // request's instructions (callgrind, docs/performance.md): only
        // when someone looks.
        if self.log.is_some() || tracing::enabled!(tracing::Level::DEBUG) {
            let record = RequestRecord::of(&request);
            tracing::debug!(
                method = %record.method,
                host = %record.host,
                action = %record.action,
                "sending a request"
            );
            if let Some(log) = &self.log {
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(record);
            }
        }
        let mut report = ReportOnDrop {
            shared: Arc::clone(&self),
            id: Some(id),
        };
        let result = self.http.send(url, request).await;
        report.id = None;
        let now = Instant::now();
        {
            let mut state = self.lock();
            match result {
                Ok(response) => {
                    tracing::debug!(
                        status = response.status().as_u16(),
                        bytes = response.body().len(),
                        "received a response"
                    );
                    state.session.handle_response(id, response, now);
                }
                Err(failure) => {
                    let error = failure.into_protocol();
                    tracing::debug!(?error, "request failed");
                    state.session.handle_transport_failure(id, error, now);
                }
            }
        }
    }
}

/// A wait before a retry goes to `tracing` at INFO, target
/// `mw_transport::wait`, with its `reason` and `wait_ms`: a run that waits
/// out `maxlag` says so.
fn log_wait(wait: &mw_protocol::Wait) {
    let wait_ms = u64::try_from(wait.delay.as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        target: "mw_transport::wait",
        reason = %wait.reason,
        wait_ms,
        "waiting {:.1} s before retrying: {}",
        wait.delay.as_secs_f64(),
        wait.reason
    );
}
