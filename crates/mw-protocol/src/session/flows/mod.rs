//! The flows a session runs: one small state machine per operation, one
//! file per flow.

mod call;
mod check_token;
mod client_login;
mod create_account;
mod fetch;
mod foreign;
mod get_token;
mod login;
mod logout;
mod pending;
mod token_rules;

use std::borrow::Cow;

use super::op::Output;
use super::state::Ctx;
use crate::response::Envelope;
use crate::{ActionRequest, Error, Token, TokenType};

pub(crate) use call::Call;
pub(crate) use check_token::CheckToken;
pub(crate) use client_login::ClientLogin;
pub(crate) use create_account::CreateAccount;
pub(crate) use fetch::{FetchTokens, Fetched};
pub(crate) use foreign::Foreign;
pub(crate) use get_token::GetToken;
pub(crate) use login::Login;
pub(crate) use logout::Logout;
pub(crate) use pending::PendingAuth;
pub(crate) use token_rules::{mangled_token, too_long_token, unknown_token_type};

/// An answer as a flow reads it: its body borrowed from the response, or
/// owned when the flow [keeps it](Flow::keeps_body).
pub(crate) type Answer<'a> = Envelope<Cow<'a, str>>;

/// Where a request goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Home,
    Foreign(url::Url),
}

/// What a flow asks the session to do next.
pub(crate) enum Step {
    Send(Target, ActionRequest),
    NeedToken(TokenType),
    NeedRelogin,
    Done(Result<Output, Error>),
    /// Only from [`FetchTokens`].
    Fetched(Fetched),
}

/// The message of a lost session that cannot be restored here.
pub(crate) const SESSION_LOST: &str = "the wiki no longer recognizes the logged-in session (it \
    expired or was ended elsewhere); log in again, or give the session its credentials so that \
    it logs in again by itself";

pub(crate) trait Flow: Send {
    fn start(&mut self, cx: &mut Ctx) -> Step;

    fn on_token(&mut self, _cx: &mut Ctx, _token: Token) -> Step {
        Step::Done(Err(Error::Internal(
            "a token for a flow that asked for none".into(),
        )))
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer<'_>, Error>) -> Step;

    /// Whether the next answer's body is kept (the envelope of a `call`
    /// is the operation's result): the session then gives it to the
    /// envelope, else the envelope borrows it for the parse.
    fn keeps_body(&self) -> bool {
        false
    }

    /// Whether a lost session should be restored by logging in again
    /// before this flow goes on (when the credentials are known).
    fn relogin_when_lost(&self) -> bool {
        true
    }

    /// The session is lost and cannot be restored by logging in again.
    fn on_session_lost(&mut self, cx: &mut Ctx) -> Step {
        cx.lost();
        Step::Done(Err(Error::SessionLost(SESSION_LOST.into())))
    }

    /// What to send after a backoff; `None` resends the last request.
    fn retry(&mut self, _cx: &mut Ctx) -> Option<Step> {
        None
    }

    /// The token types a fetch asks for.
    fn fetch_types(&self) -> Vec<TokenType> {
        Vec::new()
    }
}

/// An API error saying the wiki has no such module becomes
/// [`Error::Unsupported`] with `what`.
fn unsupported_if_unknown<'a>(
    res: Result<Answer<'a>, Error>,
    what: &str,
) -> Result<Answer<'a>, Error> {
    match res {
        Err(Error::Api(e)) if e.is_unknown_action() => Err(Error::Unsupported(what.into())),
        other => other,
    }
}

/// `parse` on the answer, which it reads in place (not moved).
fn parsed<'a, T>(
    res: Result<Answer<'a>, Error>,
    parse: impl FnOnce(&Answer<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    match res {
        Ok(ref env) => parse(env),
        Err(e) => Err(e),
    }
}

fn done<T>(res: Result<T, Error>, f: impl FnOnce(T) -> Output) -> Step {
    Step::Done(res.map(f))
}
