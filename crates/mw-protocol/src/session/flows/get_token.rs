//! A token of one type, from the cache or the broker's fetch.

use super::super::state::Ctx;
use super::{Answer, Flow, Output, Step, read_shared};
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

    /// It sends nothing: no answer comes.
    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        read_shared(response)
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        Step::Done(Err(res.err().unwrap_or_else(|| {
            Error::Internal("an answer for a token from the cache or a fetch".into())
        })))
    }
}
