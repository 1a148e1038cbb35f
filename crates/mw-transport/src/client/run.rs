//! Starting operations and waiting for them: each [`Client`] method
//! starts its operations under the lock, registers a waiter for each and
//! waits for their results, sending its requests itself ([`Inline`]).

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;

use mw_protocol::{Completed, Op, OpId, Outcome, Session, Warning};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use super::Client;
use super::driver::{Shared, State, Waiter};
use super::inline::Inline;
use crate::{Error, Result};

impl Client {
    /// Starts an operation and waits for its result. If the caller's future
    /// is dropped, the operation is abandoned.
    pub(super) async fn run<T: Outcome + Send>(
        &self,
        start: impl FnOnce(&mut Session) -> std::result::Result<Op<T>, mw_protocol::Error>,
    ) -> Result<Completed<T>> {
        // What `run_many` does for one operation, without its four `Vec`s.
        let handle = Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let (op, receiver) = {
            let mut state = self.shared.lock();
            let op = start(&mut state.session)?;
            (op.id(), register(&mut state, op))
        };
        let mut guard = AbandonOnDrop {
            shared: &self.shared,
            ops: [op],
            armed: true,
        };
        let mut inline = Inline::new(&self.shared, handle);
        inline.pump();
        let completed = wait(&mut inline, receiver).await?;
        // A request still under way (another operation's) goes on in a
        // task of its own.
        drop(inline);
        guard.armed = false;
        Ok(completed)
    }

    /// Starts several operations under one lock before pumping, so that the
    /// token fetches they need are batched into one request.
    pub(super) async fn run_many<T: Outcome + Send>(
        &self,
        start: impl FnOnce(&mut Session) -> std::result::Result<Vec<Op<T>>, mw_protocol::Error>,
    ) -> Result<Vec<Completed<T>>> {
        let handle = Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let (ops, receivers) = {
            let mut state = self.shared.lock();
            let ops = start(&mut state.session)?;
            let receivers: Vec<_> = ops.iter().map(|&op| register(&mut state, op)).collect();
            (ops.iter().map(Op::id).collect::<Vec<_>>(), receivers)
        };
        let mut guard = AbandonOnDrop {
            shared: &self.shared,
            ops,
            armed: true,
        };
        let mut inline = Inline::new(&self.shared, handle);
        inline.pump();
        let mut done = Vec::with_capacity(receivers.len());
        for receiver in receivers {
            done.push(wait(&mut inline, receiver).await?);
        }
        drop(inline);
        guard.armed = false;
        Ok(done)
    }
}

/// Registers the waiter of `op`: it takes the operation's typed result out
/// of the session when it finishes, for the receiver.
fn register<T: Outcome + Send>(state: &mut State, op: Op<T>) -> oneshot::Receiver<Completed<T>> {
    let (tx, rx) = oneshot::channel();
    let waiter: Waiter = Box::new(move |session: &mut Session| {
        if let Some(done) = session.take(op) {
            // The waiter may be gone (its future was dropped just now).
            let _ = tx.send(done);
        }
    });
    state.waiters.insert(op.id(), waiter);
    rx
}

/// Waits for one operation's result, sending requests meanwhile.
async fn wait<T>(
    inline: &mut Inline<'_>,
    mut receiver: oneshot::Receiver<Completed<T>>,
) -> Result<Completed<T>> {
    let completed = std::future::poll_fn(|cx| {
        inline.poll(cx);
        Pin::new(&mut receiver).poll(cx)
    })
    .await
    .map_err(|_| Error::NoRuntime)?;
    log_warnings(&completed.warnings);
    Ok(completed)
}

/// Abandons the operations whose caller went away (unless disarmed: they
/// finished).
struct AbandonOnDrop<'a, Ops: AsRef<[OpId]>> {
    shared: &'a Arc<Shared>,
    ops: Ops,
    armed: bool,
}

impl<Ops: AsRef<[OpId]>> Drop for AbandonOnDrop<'_, Ops> {
    fn drop(&mut self) {
        if !self.armed || self.ops.as_ref().is_empty() {
            return;
        }
        let mut state = self.shared.lock();
        for &op in self.ops.as_ref() {
            if state.waiters.remove(&op).is_some() {
                state.session.abandon(op);
                tracing::debug!(?op, "operation abandoned by its caller");
            }
        }
    }
}

/// Every warning goes to `tracing` (once per operation).
fn log_warnings(warnings: &[Warning]) {
    let mut seen = HashSet::new();
    for w in warnings {
        if seen.insert((&w.module, &w.code, &w.text)) {
            tracing::warn!(
                module = %w.module,
                code = w.code.as_deref().unwrap_or(""),
                deprecation = w.is_deprecation(),
                "MediaWiki API warning: {}",
                w.text
            );
        }
    }
}
