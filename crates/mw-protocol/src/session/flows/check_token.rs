//! `action=checktoken`.

use super::super::state::Ctx;
use super::{Answer, Flow, Kept, Output, Step, Target, done, unsupported_if_unknown};
use crate::actions::checktoken::{self, CheckToken as Parser};
use crate::{Error, Token, TokenType};

pub(crate) struct CheckToken {
    pub ty: TokenType,
    pub token: Token,
    pub max_age_secs: Option<u64>,
    pub answer: Kept<Parser>,
}

impl Flow for CheckToken {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        let req = checktoken::request(&self.ty, &self.token, self.max_age_secs);
        Step::Send(Target::Home, cx.decorate(req))
    }

    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        self.answer.read(response)
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        let res = unsupported_if_unknown(
            res,
            "action=checktoken needs MediaWiki 1.25 or later, and this wiki does not have it",
        );
        done(self.answer.parse(res), Output::TokenCheck)
    }
}
