//! A token of one type, from the cache or the broker's fetch.

use super::super::state::Ctx;
use super::{Answer, Flow, Output, Step};
use crate::{Error, Token, TokenType};

pub(crate) struct GetToken {
    pub ty: TokenType,
}

impl Flow for GetToken {
    fn start(&mut self, _cx: &mut Ctx) -> Step {
        Step::NeedToken(self.ty.clone())
    }

    fn on_token(&mut self, _cx: &mut Ctx, token: Token) -> Step {
        Step::Done(Ok(Output::Token(token)))
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Answer<'_>, Error>) -> Step {
        Step::Done(res.map(|env| Output::Response(env.into_owned())))
    }
}
