//! The Python side's bookkeeping of a sans-IO session: its operations'
//! and requests' integer ids, and each operation's typed handle, kept until
//! its event comes.

use std::collections::HashMap;

use mw_protocol::{Error, Op, OpId, Outcome, RequestId, Session, Warning};

use crate::values::{IntoPyValue, PyValue};

/// A finished operation's value, taken from the session with its typed
/// handle, waiting for the GIL.
pub(super) struct Taken {
    pub(super) result: Result<PyValue, Error>,
    pub(super) warnings: Vec<Warning>,
}

/// Takes the result of one operation of the session, through its typed
/// `Op<T>` (captured when the command started it).
pub(super) type Taker = Box<dyn FnOnce(&mut Session) -> Option<Taken> + Send>;

fn taker<T: Outcome + IntoPyValue>(op: Op<T>) -> Taker {
    Box::new(move |session: &mut Session| {
        let done = session.take(op)?;
        Some(Taken {
            result: done.result.map(|value| Box::new(value) as PyValue),
            warnings: done.warnings,
        })
    })
}

pub(super) struct Inner {
    pub(super) session: Session,
    pub(super) ops: HashMap<OpId, (u64, Taker)>,
    next_op: u64,
    pub(super) requests: HashMap<u64, RequestId>,
    next_request: u64,
}

impl Inner {
    pub(super) fn new(session: Session) -> Inner {
        Inner {
            session,
            ops: HashMap::new(),
            next_op: 1,
            requests: HashMap::new(),
            next_request: 1,
        }
    }

    pub(super) fn op<T: Outcome + IntoPyValue>(&mut self, op: Op<T>) -> u64 {
        let id = self.next_op;
        self.next_op += 1;
        self.ops.insert(op.id(), (id, taker(op)));
        id
    }

    /// The caller's id for a request the session sends.
    pub(super) fn request(&mut self, request: RequestId) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        self.requests.insert(id, request);
        id
    }
}
