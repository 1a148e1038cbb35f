//! A call of any module, with an optional token and the refusal of a
//! user-bound write without a user.

use super::super::ActionCall;
use super::super::state::Ctx;
use super::{Answer, Flow, Output, Step, Target, done};
use crate::response::Envelope;
use crate::{ActionRequest, Error, Token, TokenType};

pub(crate) struct Call {
    call: ActionCall,
}

impl Call {
    pub fn new(call: ActionCall) -> Self {
        Call { call }
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

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Answer<'_>, Error>) -> Step {
        done(res.map(Envelope::into_owned), Output::Response)
    }

    fn keeps_body(&self) -> bool {
        true
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
