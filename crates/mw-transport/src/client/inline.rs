//! [`Inline`]: the request an operation's caller sends from its own task.

use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;

use tokio::runtime::Handle;

use super::driver::Shared;

/// A request sent from the caller's own task: while one operation waits,
/// its requests need no task, channel and wake-up each (about a tenth of
/// the client's instructions per request, callgrind). Only one request at
/// a time is sent this way; more at once go to tasks of their own.
pub(super) struct Inline<'a> {
    shared: &'a Arc<Shared>,
    handle: Handle,
    running: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<'a> Inline<'a> {
    pub(super) fn new(shared: &'a Arc<Shared>, handle: Handle) -> Self {
        Inline {
            shared,
            handle,
            running: None,
        }
    }

    /// Pumps the session, keeping one request to send here.
    pub(super) fn pump(&mut self) {
        if let Some(transmit) = self.shared.pump_keeping(&self.handle, true) {
            self.running = Some(Box::pin(Arc::clone(self.shared).exchange(transmit)));
        }
    }

    /// Drives the request under way, and the ones that follow it.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>) {
        // The request runs where the caller polls: in the runtime's
        // context, as it would in a task of its own.
        let _entered = self.handle.enter();
        while let Some(running) = &mut self.running {
            if running.as_mut().poll(cx).is_pending() {
                return;
            }
            self.running = None;
            self.pump();
        }
    }
}

impl Drop for Inline<'_> {
    /// The caller stopped waiting (its operation finished, or its future
    /// was dropped): a request under way may serve other operations too,
    /// so it goes on in a task, as it would have from the start.
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.shared.spawn_then_pump(&self.handle, running);
        }
    }
}
