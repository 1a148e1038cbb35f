//! A call of any module, with an optional token and the refusal of a
//! user-bound write without a user.

use super::super::ActionCall;
use super::super::state::Ctx;
use super::{Answer, Flow, Output, Step, Target, done};
use crate::response::{Envelope, Reply, take_envelope};
use crate::{ActionRequest, Error, Token, TokenType};

pub(crate) struct Call {
    call: ActionCall,
    answer: KeptBody,
}

impl Call {
    pub fn new(call: ActionCall) -> Self {
        Call {
            call,
            answer: KeptBody::default(),
        }
    }
}

/// The envelope of a call's answer, which takes the body: the operation's
/// result once the session has read its warnings.
#[derive(Default)]
pub(crate) struct KeptBody(Option<Envelope>);

impl KeptBody {
    /// Reads the answer: the envelope (with the body) is kept, its
    /// warnings are the session's.
    pub fn read(&mut self, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        let mut env = take_envelope(response)?;
        let answer = Reply {
            value: (),
            warnings: std::mem::take(&mut env.warnings),
            servedby: env.servedby.clone(),
            requestid: env.requestid.clone(),
        };
        self.0 = Some(env);
        Ok(answer)
    }

    /// The envelope, with the warnings as the session left them; or the
    /// answer's error.
    pub fn envelope(&mut self, res: Result<Answer, Error>) -> Result<Envelope, Error> {
        let answer = res?;
        let mut env = self
            .0
            .take()
            .ok_or_else(|| Error::Internal("a call's answer that was not read".into()))?;
        env.warnings = answer.warnings;
        Ok(env)
    }
}

impl Flow for Call {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        match &self.call.token {
            Some((ty, _)) if ty.is_user_bound() && cx.user.is_none() => {
                if self.call.anonymous || cx.config.allow_anonymous {
                    Step::NeedToken(ty.clone())
                } else if cx.can_relogin() {
                    // Credentials without a user (a resumed session whose
                    // file had none): log in first.
                    Step::NeedRelogin
                } else {
                    Step::Done(Err(not_logged_in(&self.call.request, ty)))
                }
            }
            Some((ty, _)) => Step::NeedToken(ty.clone()),
            None => Step::Send(Target::Home, cx.decorate(self.call.request.clone())),
        }
    }

    fn on_token(&mut self, cx: &mut Ctx, token: Token) -> Step {
        let param = self
            .call
            .token
            .as_ref()
            .map_or("token", |(_, p)| p.as_str());
        let req = self.call.request.clone().token(param, token);
        Step::Send(Target::Home, cx.decorate(req))
    }

    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        self.answer.read(response)
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        done(self.answer.envelope(res), Output::Response)
    }
}

/// The error for a write with a user-bound token and no user.
fn not_logged_in(req: &ActionRequest, ty: &TokenType) -> Error {
    Error::NotLoggedIn(format!(
        "action={} needs a {ty} token of a logged-in user, and this session has none (never \
         logged in, or logged out); nothing was sent. Log in first; to write anonymously (as the \
         machine's IP address), allow it with allow_anonymous",
        req.action()
    ))
}
