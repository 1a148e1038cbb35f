//! The session's inputs: responses and transport failures, and what each
//! means for its operation (wait and retry, refresh a token, log in again,
//! fail). Every text the server sends back is redacted first, and the
//! warnings the client caused itself on an old wiki are dropped.

use std::time::Instant;

use url::Url;

use super::engine::{OpState, Operation};
use super::flows::{Answer, Step, Target};
use super::op::{ClientLoginOutcome, CreateAccountOutcome, Output};
use super::state::Ctx;
use super::{RequestId, Session, TransportFailure, Wait};
use crate::redact::redact_in_place;
use crate::request::Method;
use crate::retry::{may_have_been_applied, resend_after_transport};
use crate::{Assert, Error, ErrorKind, Token};

/// What a session that fails `assert=bot` without a way to log in again
/// says.
const BOT_ASSERT_LOST: &str = "the wiki refused assert=bot: the session was lost (or the \
    account lost its bot right); log in again, or give the session its credentials so that it \
    logs in again by itself";

impl Session {
    /// Feeds the response to a request. `now` is only used to schedule a
    /// retry. Unknown ids (an abandoned operation) are ignored.
    pub fn handle_response(
        &mut self,
        id: RequestId,
        response: http::Response<Vec<u8>>,
        now: Instant,
    ) {
        let mut response = response;
        let Some(op) = self.requests.get(&id).and_then(|op| self.ops.get_mut(op)) else {
            return;
        };
        // Markup where JSON was expected: read only when the body is not an
        // answer (a call's envelope takes the body).
        let markup = response.body().trim_ascii_start().starts_with(b"<");
        // The flow reads its answer: its module's member, in one pass with
        // what every answer carries.
        let result = op.flow.read(&self.cx, &mut response);
        let result = result.map_err(|e| match e {
            Error::Decode(detail) if markup || html_type(&response) => Error::NotApi {
                url: String::new(),
                detail,
            },
            other => other,
        });
        self.handle_result(id, result, now);
    }

    /// Reports that a request got no answer: a timeout, a lost
    /// connection (a repeatable request is then sent once more) or any
    /// other transport failure (not retried: a POST may have reached the
    /// server). Secret parameters quoted in the message are redacted.
    pub fn handle_transport_failure(
        &mut self,
        id: RequestId,
        failure: TransportFailure,
        now: Instant,
    ) {
        use crate::redact_secret_params as clean;
        let error = match failure {
            TransportFailure::Timeout(m) => Error::Timeout(clean(&m)),
            TransportFailure::Disconnected(m) => Error::Disconnected(clean(&m)),
            TransportFailure::Other(m) => Error::Transport(clean(&m)),
        };
        self.handle_result(id, Err(error), now);
    }

    pub(super) fn handle_result(
        &mut self,
        rid: RequestId,
        mut result: Result<Answer, Error>,
        now: Instant,
    ) {
        let Some(id) = self.requests.remove(&rid) else {
            return;
        };
        let relogin_possible = self.cx.can_relogin();
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        let (method, repeatable) = match &op.last_sent {
            Some((_, req)) => (req.method(), req.is_repeatable()),
            None => (Method::Get, true),
        };
        // For messages only: not built for an answer that needs none.
        let url = |op: &Operation, cx: &Ctx| match &op.last_sent {
            Some((Target::Foreign(u), _)) => without_query(u),
            _ => without_query(&cx.endpoint),
        };

        // Nothing the server says back may carry a secret the client holds
        // (the warnings and a wait's reason are read before the end).
        match &mut result {
            // Most answers carry no text from the server: nothing to scan.
            Ok(env) if env.warnings.is_empty() => {}
            Ok(env) => {
                let secrets = secrets_of(&self.cx, &op.secrets);
                env.warnings.iter_mut().for_each(|w| w.redact(&secrets));
            }
            Err(e) => e.redact(&secrets_of(&self.cx, &op.secrets)),
        }
        let sent = op.last_sent.as_ref().map(|(_, req)| req);
        match &mut result {
            Ok(env) => self.cx.learn_unknown_params(&mut env.warnings, sent),
            Err(Error::Api(e)) => self.cx.learn_unknown_params(&mut e.warnings, sent),
            Err(_) => {}
        }
        match &mut result {
            Err(Error::Http { url: u @ None, .. }) => *u = Some(url(op, &self.cx)),
            Err(Error::NotApi { url: u, .. }) if u.is_empty() => *u = url(op, &self.cx),
            _ => {}
        }
        if let Err(e @ Error::Http { status, .. }) = &result
            && may_have_been_applied(e, method)
        {
            let status = *status;
            let url = url(op, &self.cx);
            result = Err(Error::MaybeApplied { status, url });
        }
        if result.is_ok() {
            // An answer: the next request is another one.
            op.resent = false;
        }
        match &result {
            Ok(env) => op.warnings.extend(env.warnings.iter().cloned()),
            Err(Error::Api(e)) => op.warnings.extend(e.warnings.iter().cloned()),
            Err(_) => {}
        }

        let step = match &result {
            Err(e) => {
                let policy = &self.cx.config.retry;
                if resend_after_transport(e, op.resent, repeatable) {
                    // Once per request, at once, not counted as a retry.
                    op.resent = true;
                    op.state = OpState::Sleeping { until: now };
                    return;
                }
                if let Some(delay) = policy.delay_for(e, op.retries, method)
                    && op.waited + delay <= policy.max_total_wait
                {
                    op.retries += 1;
                    op.waited += delay;
                    op.state = OpState::Sleeping { until: now + delay };
                    let wait = Wait {
                        op: id,
                        delay,
                        reason: e.clone(),
                    };
                    self.push_wait(wait);
                    return;
                }
                let kind = e.api_kind();
                // A token the server rejected never stays cached, whether
                // or not this operation may still retry.
                let rejected = match (kind, &op.used_token) {
                    (Some(ErrorKind::BadToken), Some((ty, used))) => {
                        if self.cx.cache.get(ty) == Some(used) {
                            self.cx.cache.remove(ty);
                        }
                        Some(ty.clone())
                    }
                    _ => None,
                };
                let has_user = self.cx.user.is_some();
                let bot_failed = kind == Some(ErrorKind::AssertBotFailed)
                    && self.cx.config.assert == Assert::Bot;
                let assert_failed =
                    has_user && (kind == Some(ErrorKind::AssertUserFailed) || bot_failed);
                if let (Some(ty), false) = (rejected, op.badtoken_retried) {
                    op.badtoken_retried = true;
                    op.used_token = None;
                    Step::NeedToken(ty)
                } else if assert_failed && bot_failed && op.relogged {
                    // Logged in again and still refused: the account lacks
                    // the bot right. The server's error says so.
                    op.flow.on_response(&mut self.cx, result)
                } else if assert_failed && relogin_possible && !op.relogged {
                    Step::NeedRelogin
                } else if assert_failed && bot_failed {
                    match op.flow.on_session_lost(&mut self.cx) {
                        Step::Done(Err(Error::SessionLost(_))) => {
                            Step::Done(Err(Error::SessionLost(BOT_ASSERT_LOST.into())))
                        }
                        other => other,
                    }
                } else if assert_failed {
                    op.flow.on_session_lost(&mut self.cx)
                } else {
                    op.flow.on_response(&mut self.cx, result)
                }
            }
            Ok(_) => op.flow.on_response(&mut self.cx, result),
        };
        self.apply(id, step);
    }
}

/// The secrets a session holds and an operation sent: what no text from
/// the server may carry on.
fn secrets_of<'a>(cx: &'a Ctx, sent: &'a [String]) -> Vec<&'a str> {
    let mut secrets: Vec<&str> = Vec::with_capacity(sent.len() + 1 + cx.cache.len());
    secrets.extend(sent.iter().map(String::as_str));
    if let Some(c) = &cx.credentials {
        secrets.push(c.password.secret());
    }
    secrets.extend(cx.cache.values().map(Token::secret));
    secrets
}

/// Redacts a finished operation's result: the errors and texts its flow
/// made from the server's answers (a login `reason`, a client-login
/// message). Its warnings were redacted as each answer came in
/// ([`Session::handle_result`]).
pub(super) fn redact_outcome(cx: &Ctx, op: &Operation, result: &mut Result<Output, Error>) {
    // Only the results that hold text from the server need the secrets
    // (a token, a check or a logout does not: no `Vec` for them).
    let secrets = || secrets_of(cx, &op.secrets);
    match result {
        Err(e) => e.redact(&secrets()),
        Ok(
            Output::ClientLogin(ClientLoginOutcome::NeedsInput(step))
            | Output::CreateAccount(CreateAccountOutcome::NeedsInput(step)),
        ) => {
            let secrets = secrets();
            if let Some(m) = &mut step.message {
                redact_in_place(m, &secrets);
            }
            for field in step.requests.iter_mut().flat_map(|r| r.fields.iter_mut()) {
                for text in [&mut field.label, &mut field.help].into_iter().flatten() {
                    redact_in_place(text, &secrets);
                }
            }
        }
        Ok(Output::CreateAccount(CreateAccountOutcome::Created { username })) => {
            redact_in_place(username, &secrets());
        }
        Ok(Output::LoggedIn(user) | Output::ClientLogin(ClientLoginOutcome::LoggedIn(user))) => {
            redact_in_place(&mut user.name, &secrets());
        }
        Ok(_) => {}
    }
}

/// A URL without its query and fragment, for messages.
fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.into()
}

/// A response whose `Content-Type` says HTML.
fn html_type(response: &http::Response<Vec<u8>>) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            // Without a lower-cased copy of the header (an allocation an
            // answer).
            t.as_bytes()
                .windows(b"html".len())
                .any(|w| w.eq_ignore_ascii_case(b"html"))
        })
}
