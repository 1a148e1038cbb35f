//! `action=logout`.

use super::super::state::Ctx;
use super::{Answer, Flow, Kept, Output, Step, Target, done};
use crate::actions::logout::{self, Logout as Parser};
use crate::{Error, Token, TokenType};

/// Logs out. Whether the session was logged in is known from what was
/// sent: the anonymous csrf token `+\\`, or (on wikis whose logout takes
/// no token) no user, means it was not, on every version; 1.45's
/// `notloggedin` warning only says the same (and is dropped: the client's
/// own call caused it).
#[derive(Default)]
pub(crate) struct Logout {
    anonymous: bool,
    answer: Kept<Parser>,
}

impl Flow for Logout {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        if cx.logout_without_token {
            // Before 1.33 (and 1.32.2) logout took no token.
            self.anonymous = cx.user.is_none();
            return Step::Send(Target::Home, cx.decorate(logout::request(None)));
        }
        Step::NeedToken(TokenType::CSRF)
    }

    fn on_token(&mut self, cx: &mut Ctx, token: Token) -> Step {
        self.anonymous = token.is_anonymous();
        Step::Send(Target::Home, cx.decorate(logout::request(Some(&token))))
    }

    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        self.answer.read(response)
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        let outcome = self.answer.parse(res).map(|outcome| {
            if self.anonymous {
                logout::LogoutOutcome::NotLoggedIn
            } else {
                outcome
            }
        });
        if outcome.is_ok() {
            cx.logged_out();
        }
        done(outcome, Output::LoggedOut)
    }

    /// Logging in again only to log out would be pointless.
    fn relogin_when_lost(&self) -> bool {
        false
    }

    /// A lost session is already logged out: forget it.
    fn on_session_lost(&mut self, cx: &mut Ctx) -> Step {
        cx.logged_out();
        Step::Done(Ok(Output::LoggedOut(logout::LogoutOutcome::NotLoggedIn)))
    }
}
