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

use super::op::Output;
use super::state::Ctx;
use crate::actions::Module;
use crate::response::Reply;
use crate::response::reply::read_reply;
use crate::response::shared::Nothing;
use crate::{ActionRequest, Error, Token, TokenType};

pub(crate) use call::{Call, KeptBody};
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

/// What every answer carries (its warnings, `servedby`, `requestid`), as
/// the session reads it before the flow goes on (redacted, the warnings
/// the client caused itself dropped): the flow keeps its module's own
/// member ([`Kept`]) from [`Flow::read`] to [`Flow::on_response`].
pub(crate) type Answer = Reply<()>;

/// A module's member, read with the answer in one pass and kept by the
/// flow until the session has read the rest.
pub(crate) struct Kept<M: Module>(Option<M::Member>);

impl<M: Module> Default for Kept<M> {
    fn default() -> Self {
        Kept(None)
    }
}

impl<M: Module> Kept<M> {
    /// Reads the answer: the member is kept, the rest is the session's.
    pub fn read(&mut self, response: &http::Response<Vec<u8>>) -> Result<Answer, Error> {
        let reply = read_reply::<M::Member>(response, Some(M::KEY))?;
        Ok(reply.map(|member| self.0 = Some(member)))
    }

    /// The module's result, from the member kept and the answer's
    /// warnings as the session left them; or the answer's error.
    pub fn parse(&mut self, res: Result<Answer, Error>) -> Result<M::Output, Error> {
        let answer = res?;
        M::finish(self.0.take().unwrap_or_default(), &answer.warnings)
    }
}

/// Reads only what every answer carries (a flow without a module member).
pub(crate) fn read_shared(response: &http::Response<Vec<u8>>) -> Result<Answer, Error> {
    Ok(read_reply::<Nothing>(response, None)?.map(drop))
}

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

    /// Reads the answer to the flow's last request, in one pass: its
    /// module's member is kept for [`on_response`](Self::on_response);
    /// what every answer carries goes to the session first. A `call`
    /// takes the body (its envelope is the operation's result).
    fn read(&mut self, cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error>;

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step;

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
fn unsupported_if_unknown(res: Result<Answer, Error>, what: &str) -> Result<Answer, Error> {
    match res {
        Err(Error::Api(e)) if e.is_unknown_action() => Err(Error::Unsupported(what.into())),
        other => other,
    }
}

fn done<T>(res: Result<T, Error>, f: impl FnOnce(T) -> Output) -> Step {
    Step::Done(res.map(f))
}
