//! The engine: starting operations, carrying out the [`Step`]s their
//! flows return, finishing them, and waking them after a backoff.

use std::any::TypeId;
use std::time::{Duration, Instant};

use super::flows::{self, Flow, Step, Target};
use super::op::{Op, Outcome, Output};
use super::{Event, Finished, OpId, RequestId, Session, Transmit, results};
use crate::{ActionRequest, Error, Token, TokenType, Warning};

/// Where an operation is.
#[derive(Debug)]
pub(super) enum OpState {
    Running,
    InFlight,
    Sleeping { until: Instant },
    WaitingToken(TokenType),
    WaitingLogin,
}

/// A running operation: its flow and what the session knows of it.
pub(super) struct Operation {
    pub flow: Box<dyn Flow>,
    /// The `T` of its `Op<T>`.
    pub kind: TypeId,
    pub state: OpState,
    pub internal: Internal,
    pub retries: u32,
    pub badtoken_retried: bool,
    pub relogged: bool,
    pub used_token: Option<(TokenType, Token)>,
    pub last_sent: Option<(Target, ActionRequest)>,
    pub warnings: Vec<Warning>,
    /// Every secret this operation sent (passwords, tokens), to redact
    /// from what the server says back.
    pub secrets: Vec<String>,
    /// The total time waited before retries so far.
    pub waited: Duration,
    /// The last request was sent again after a transport error.
    pub resent: bool,
}

impl Operation {
    /// When a sleeping operation wakes up.
    pub fn sleeping_until(&self) -> Option<Instant> {
        match self.state {
            OpState::Sleeping { until } => Some(until),
            _ => None,
        }
    }
}

/// Whom an operation works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Internal {
    /// A caller's command.
    No,
    /// The token broker's fetch, for the user of this generation.
    Fetch { generation: u64 },
    /// Logging in again for the operations that found the session lost.
    Relogin,
}

impl Session {
    /// Starts a caller's operation.
    pub(super) fn command<T: Outcome>(&mut self, flow: Box<dyn Flow>) -> Op<T> {
        Op::new(self.start(flow, Internal::No, TypeId::of::<T>()))
    }

    /// Wakes operations whose backoff has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<OpId> = self
            .ops
            .iter()
            .filter(|(_, op)| matches!(op.state, OpState::Sleeping { until } if until <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let step = match self.ops.get_mut(&id) {
                Some(op) => match op.flow.retry(&mut self.cx) {
                    Some(step) => step,
                    None => match op.last_sent.clone() {
                        Some((target, req)) => Step::Send(target, req),
                        None => Step::Done(Err(Error::Internal(
                            "a sleeping operation sent nothing".into(),
                        ))),
                    },
                },
                None => continue,
            };
            self.apply(id, step);
        }
    }

    pub(super) fn start(&mut self, flow: Box<dyn Flow>, internal: Internal, kind: TypeId) -> OpId {
        let id = OpId(self.next_id);
        self.next_id += 1;
        let mut op = Operation {
            flow,
            kind,
            state: OpState::Running,
            internal,
            retries: 0,
            badtoken_retried: false,
            relogged: false,
            used_token: None,
            last_sent: None,
            warnings: Vec::new(),
            secrets: Vec::new(),
            waited: Duration::ZERO,
            resent: false,
        };
        let step = op.flow.start(&mut self.cx);
        self.ops.insert(id, op);
        self.apply(id, step);
        id
    }

    /// Carries out steps until the operation waits or finishes.
    pub(super) fn apply(&mut self, id: OpId, mut step: Step) {
        loop {
            let Some(op) = self.ops.get_mut(&id) else {
                return;
            };
            step = match step {
                Step::Send(target, mut req) => {
                    let url = match &target {
                        Target::Home => &self.cx.endpoint,
                        Target::Foreign(url) => url,
                    };
                    self.cx.strip_unknown_params(&mut req);
                    for secret in req.secret_values() {
                        if !op.secrets.iter().any(|s| s == secret) {
                            op.secrets.push(secret.to_owned());
                        }
                    }
                    match req.to_http_with_url(url, &self.cx.config.user_agent) {
                        Ok((url, request)) => {
                            let rid = RequestId(self.next_id);
                            self.next_id += 1;
                            op.last_sent = Some((target, req));
                            op.state = OpState::InFlight;
                            self.requests.insert(rid, id);
                            self.transmits.push_back(Transmit {
                                id: rid,
                                url,
                                request,
                            });
                            return;
                        }
                        Err(e) => Step::Done(Err(e)),
                    }
                }
                Step::NeedToken(ty) => match self.cx.cache.get(&ty).cloned() {
                    Some(token) => {
                        op.used_token = Some((ty.clone(), token.clone()));
                        op.flow.on_token(&mut self.cx, token)
                    }
                    None => {
                        op.state = OpState::WaitingToken(ty.clone());
                        if !self.fetching.contains(&ty) {
                            self.wanted.insert(ty);
                        }
                        return;
                    }
                },
                Step::NeedRelogin => {
                    if op.flow.relogin_when_lost() && self.cx.can_relogin() && !op.relogged {
                        op.relogged = true;
                        op.state = OpState::WaitingLogin;
                        self.start_relogin();
                        return;
                    }
                    op.flow.on_session_lost(&mut self.cx)
                }
                Step::Done(result) => {
                    let op = self.ops.remove(&id).unwrap_or_else(|| unreachable!());
                    self.finish(id, op, result);
                    return;
                }
                Step::Fetched(fetched) => {
                    let op = self.ops.remove(&id).unwrap_or_else(|| unreachable!());
                    self.distribute(op, fetched);
                    return;
                }
            };
        }
    }

    pub(super) fn finish(&mut self, id: OpId, op: Operation, mut result: Result<Output, Error>) {
        results::redact_outcome(&self.cx, &op, &mut result);
        match op.internal {
            Internal::No => {
                let finished = Finished {
                    kind: op.kind,
                    result,
                    warnings: op.warnings,
                };
                self.finished.insert(id, finished);
                self.events.push_back(Event::Completed { op: id });
            }
            Internal::Relogin => {
                let waiting: Vec<OpId> = self
                    .ops
                    .iter()
                    .filter(|(_, o)| matches!(o.state, OpState::WaitingLogin))
                    .map(|(id, _)| *id)
                    .collect();
                for wid in waiting {
                    let Some(w) = self.ops.get_mut(&wid) else {
                        continue;
                    };
                    w.warnings.extend(op.warnings.iter().cloned());
                    w.used_token = None;
                    w.badtoken_retried = false;
                    let step = match &result {
                        Ok(_) => w.flow.start(&mut self.cx),
                        Err(e) => Step::Done(Err(Error::SessionLost(format!(
                            "logging in again failed: {e}; log in again with valid credentials"
                        )))),
                    };
                    self.apply(wid, step);
                }
            }
            Internal::Fetch { .. } => {
                // A fetch that ended in an error: fail every waiter it served.
                let err = match result {
                    Err(e) => e,
                    Ok(_) => Error::Internal("a token fetch finished without its tokens".into()),
                };
                self.distribute(op, flows::Fetched::failed(err));
            }
        }
    }

    /// How many times this session began logging in again because the
    /// wiki lost its session (with the credentials of the last login), for
    /// a driver's log line: a driver that compares it before and after
    /// feeding an input knows that a relogin started.
    #[must_use]
    pub fn relogins(&self) -> u64 {
        self.cx.relogins
    }

    pub(super) fn start_relogin(&mut self) {
        if self.ops.values().any(|o| o.internal == Internal::Relogin) {
            return;
        }
        if let Some(creds) = self.cx.credentials.clone() {
            self.cx.relogins += 1;
            self.start(
                Box::new(flows::Login::new(creds, false)),
                Internal::Relogin,
                TypeId::of::<()>(),
            );
        }
    }
}
