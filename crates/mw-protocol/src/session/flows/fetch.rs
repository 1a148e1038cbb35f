//! The token fetch the broker runs for every waiting operation:
//! `meta=tokens&type=a|b|…`, or `action=tokens` on a wiki without it.

use super::super::state::Ctx;
use super::token_rules::{KeptTokens, Verdict, judge, learn_token_api, token_request};
use super::{Answer, Flow, Step, Target};
use crate::{ActionRequest, Error, Token, TokenType};

/// The result of a token fetch, for the operations waiting on it.
pub(crate) struct Fetched {
    /// By type, each once.
    pub tokens: Vec<(TokenType, Token)>,
    /// Types answered with `+\` although logged in: the session is lost.
    pub lost: Vec<TokenType>,
    /// Types answered with a token that does not end in `+\` or whose `+`
    /// became a space (a proxy altered it): never used, never cached.
    pub mangled: Vec<TokenType>,
    /// Types answered with a token longer than [`MAX_TOKEN_LEN`]: never
    /// used, never cached (nor saved in a session file).
    pub too_long: Vec<TokenType>,
    pub error: Option<Error>,
}

impl Fetched {
    /// A fetch that failed as a whole: every waiter gets `error`.
    pub fn failed(error: Error) -> Self {
        Fetched {
            tokens: Vec::new(),
            lost: Vec::new(),
            mangled: Vec::new(),
            too_long: Vec::new(),
            error: Some(error),
        }
    }

    /// A fetch that found the session lost for all its types.
    fn lost(types: Vec<TokenType>) -> Self {
        Fetched {
            tokens: Vec::new(),
            lost: types,
            mangled: Vec::new(),
            too_long: Vec::new(),
            error: None,
        }
    }
}

pub(crate) struct FetchTokens {
    types: Vec<TokenType>,
    answer: KeptTokens,
}

impl FetchTokens {
    pub fn new(types: Vec<TokenType>) -> Self {
        FetchTokens {
            types,
            answer: KeptTokens::default(),
        }
    }

    /// The request for the wiki's token API.
    fn request(&self, cx: &Ctx) -> Step {
        match token_request(cx.token_api, &self.types) {
            Ok(req) => Step::Send(Target::Home, self.decorate(cx, req)),
            Err(e) => Step::Fetched(Fetched::failed(e)),
        }
    }

    /// `maxlag`, and `assert` unless the fetch is for a login (which must
    /// work on a lost session).
    fn decorate(&self, cx: &Ctx, req: ActionRequest) -> ActionRequest {
        if self.types.iter().any(|t| !t.is_user_bound()) {
            cx.with_maxlag(req)
        } else {
            cx.decorate(req)
        }
    }

    fn fetched(&self, cx: &Ctx, mut tokens: Vec<(TokenType, Token)>) -> Step {
        // Every token of meta=tokens and action=tokens ends in `+\` (the
        // login tokens without it come from action=login's NeedToken of
        // MediaWiki <=1.26, not from here). One that does not, or whose
        // `+` became a space, was altered on the way and would be refused
        // (or worse, match nothing silently): it is never used.
        let mut mangled = Vec::new();
        let mut lost = Vec::new();
        let mut too_long = Vec::new();
        let logged_in = cx.user.is_some();
        tokens.retain(|(ty, token)| {
            // Only what was asked for is cached (and saved).
            if !self.types.contains(ty) {
                return false;
            }
            match judge(ty, token, logged_in) {
                Verdict::Usable => return true,
                Verdict::TooLong => too_long.push(ty.clone()),
                Verdict::Mangled => mangled.push(ty.clone()),
                Verdict::Lost => lost.push(ty.clone()),
            }
            false
        });
        Step::Fetched(Fetched {
            tokens,
            lost,
            mangled,
            too_long,
            error: None,
        })
    }
}

impl Flow for FetchTokens {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        self.request(cx)
    }

    fn read(&mut self, cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        self.answer.read(cx.token_api, response)
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        match self.answer.parse(res) {
            Ok(set) if learn_token_api(cx, &set) => self.request(cx),
            Ok(set) => self.fetched(cx, set.into_tokens()),
            Err(e) => Step::Fetched(Fetched::failed(e)),
        }
    }

    fn on_session_lost(&mut self, _cx: &mut Ctx) -> Step {
        Step::Fetched(Fetched::lost(self.types.clone()))
    }

    /// A lost session is for the waiters to restore (each logs in again
    /// once), not for the fetch.
    fn relogin_when_lost(&self) -> bool {
        false
    }

    fn fetch_types(&self) -> Vec<TokenType> {
        self.types.clone()
    }
}
