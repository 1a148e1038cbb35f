//! The CentralAuth flow: a call to another wiki of the same farm,
//! authenticated by a fresh, single-use `centralauthtoken` of the home wiki.
//!
//! What real farms do (mediawiki-protocol.md §11): the home wiki hands out
//! a token only to a CentralAuth session (a main-account login); a
//! bot-password or OAuth session gets `badsession`, which becomes
//! [`Error::CentralAuthSession`]. Farms on MediaWiki 1.21–1.23 have no
//! `action=centralauthtoken`: the token comes from
//! `action=tokens&type=centralauth`, and the foreign wiki's own tokens from
//! `action=tokens`.

use url::Url;

use super::super::ActionCall;
use super::super::state::{Ctx, TokenApi};
use super::token_rules::{KeptTokens, Verdict, judge, token_request};
use super::{Answer, Flow, Kept, KeptBody, Output, Step, Target, mangled_token, too_long_token};
use crate::actions::centralauth::{self, CentralAuthToken, LegacyCentralAuthToken};
use crate::{Error, ErrorKind, Token, TokenType};

/// What a wiki without CentralAuth answers.
const NO_CENTRALAUTH: &str = "action=centralauthtoken needs the CentralAuth extension, and this \
    wiki does not have it";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    CentralTokenForTokens,
    ForeignTokens,
    CentralTokenForCall,
    ForeignCall,
}

impl Stage {
    fn is_central(self) -> bool {
        matches!(
            self,
            Stage::CentralTokenForTokens | Stage::CentralTokenForCall
        )
    }
}

pub(crate) struct Foreign {
    url: Url,
    call: ActionCall,
    stage: Stage,
    foreign_token: Option<Token>,
    restarted: bool,
    /// The central token was asked with `action=tokens&type=centralauth`.
    legacy_central: bool,
    /// `action=centralauthtoken` was unknown and the 1.23 way was tried.
    tried_legacy: bool,
    central: Kept<CentralAuthToken>,
    legacy: Kept<LegacyCentralAuthToken>,
    tokens: KeptTokens,
    answer: KeptBody,
}

impl Foreign {
    pub fn new(url: Url, call: ActionCall) -> Self {
        Foreign {
            url,
            call,
            stage: Stage::CentralTokenForCall,
            foreign_token: None,
            restarted: false,
            legacy_central: false,
            tried_legacy: false,
            central: Kept::default(),
            legacy: Kept::default(),
            tokens: KeptTokens::default(),
            answer: KeptBody::default(),
        }
    }

    /// The type of the token the foreign call needs (csrf if it needs none,
    /// which only the token stages ask for).
    fn token_type(&self) -> TokenType {
        self.call
            .token
            .as_ref()
            .map_or(TokenType::CSRF, |(t, _)| t.clone())
    }

    fn central_token(&mut self, cx: &Ctx, stage: Stage) -> Step {
        self.stage = stage;
        self.legacy_central = cx.token_api == TokenApi::ActionTokens;
        self.send_central()
    }

    fn send_central(&self) -> Step {
        let req = if self.legacy_central {
            centralauth::legacy_request()
        } else {
            centralauth::request()
        };
        Step::Send(Target::Home, req)
    }

    fn foreign(&mut self, cx: &Ctx, central: &Token) -> Step {
        let target = Target::Foreign(self.url.clone());
        match self.stage {
            Stage::CentralTokenForTokens => {
                self.stage = Stage::ForeignTokens;
                // A farm runs one version: a home wiki with only
                // action=tokens has foreign wikis with only action=tokens.
                let req = match token_request(cx.token_api, &[self.token_type()]) {
                    Ok(req) => req,
                    Err(e) => return Step::Done(Err(e)),
                };
                let req = centralauth::foreign_request(req, central);
                Step::Send(target, cx.with_maxlag(req))
            }
            _ => {
                self.stage = Stage::ForeignCall;
                let mut req = self.call.request.clone();
                if let (Some((_, param)), Some(token)) = (&self.call.token, &self.foreign_token) {
                    req = req.token(param.as_str(), token.clone());
                }
                let req = centralauth::foreign_request(cx.with_maxlag(req), central);
                Step::Send(target, req)
            }
        }
    }

    /// The answer of the home wiki to a central-token request.
    fn on_central(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        let answer = match res {
            Ok(answer) => answer,
            Err(Error::Api(e)) if e.kind() == ErrorKind::BadSession => {
                return Step::Done(Err(Error::CentralAuthSession(format!(
                    "the home wiki answered badsession (\"{}\"): a bot-password or OAuth \
                     session never gets a centralauthtoken; log in with client_login (or the \
                     deprecated main-account action=login)",
                    e.text
                ))));
            }
            Err(Error::Api(e)) if e.is_unknown_action() => {
                if !self.legacy_central && cx.token_api == TokenApi::Unknown && !self.tried_legacy {
                    // Perhaps a 1.21–1.23 farm: try its way once.
                    self.tried_legacy = true;
                    self.legacy_central = true;
                    return self.send_central();
                }
                return Step::Done(Err(Error::Unsupported(NO_CENTRALAUTH.into())));
            }
            Err(e) => return Step::Done(Err(e)),
        };
        let central = if self.legacy_central {
            match self.legacy.parse(Ok(answer)) {
                Ok(Some(token)) => {
                    if cx.token_api != TokenApi::ActionTokens {
                        // Only 1.21–1.23 farms answer this way.
                        cx.set_token_api(TokenApi::ActionTokens);
                    }
                    token
                }
                Ok(None) => return Step::Done(Err(Error::Unsupported(NO_CENTRALAUTH.into()))),
                Err(e) => return Step::Done(Err(e)),
            }
        } else {
            match self.central.parse(Ok(answer)) {
                Ok(token) => token,
                Err(e) => return Step::Done(Err(e)),
            }
        };
        self.foreign(cx, &central)
    }

    /// The foreign wiki's answer to the token fetch.
    fn on_foreign_tokens(&mut self, cx: &mut Ctx, answer: Answer) -> Step {
        let ty = self.token_type();
        let parsed = self.tokens.parse(Ok(answer));
        // The flow runs only for a logged-in user.
        match parsed.map(|set| set.get(&ty).cloned()) {
            Ok(Some(token)) => match judge(&ty, &token, true) {
                Verdict::Usable => {
                    self.foreign_token = Some(token);
                    self.central_token(cx, Stage::CentralTokenForCall)
                }
                Verdict::Lost => Step::Done(Err(Error::SessionLost(
                    "the foreign wiki did not accept the centralauthtoken session".into(),
                ))),
                Verdict::Mangled => Step::Done(Err(mangled_token("the foreign wiki", &ty))),
                Verdict::TooLong => Step::Done(Err(too_long_token(&ty))),
            },
            Ok(None) => Step::Done(Err(Error::Unsupported(format!(
                "the foreign wiki returned no {ty} token"
            )))),
            Err(e) => Step::Done(Err(e)),
        }
    }
}

impl Flow for Foreign {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        if cx.user.is_none() {
            return Step::Done(Err(Error::NotLoggedIn(
                "a call to another wiki with a centralauthtoken needs a logged-in user (a \
                 main-account login); nothing was sent"
                    .into(),
            )));
        }
        self.foreign_token = None;
        if self.call.token.is_some() {
            self.central_token(cx, Stage::CentralTokenForTokens)
        } else {
            self.central_token(cx, Stage::CentralTokenForCall)
        }
    }

    fn read(&mut self, cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        match self.stage {
            Stage::CentralTokenForTokens | Stage::CentralTokenForCall if self.legacy_central => {
                self.legacy.read(response)
            }
            Stage::CentralTokenForTokens | Stage::CentralTokenForCall => {
                self.central.read(response)
            }
            Stage::ForeignTokens => self.tokens.read(cx.token_api, response),
            Stage::ForeignCall => self.answer.read(response),
        }
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        if self.stage.is_central() {
            return self.on_central(cx, res);
        }
        let answer = match res {
            Ok(answer) => answer,
            Err(e) if e.api_kind() == Some(ErrorKind::BadToken) && !self.restarted => {
                // The centralauthtoken (single use, one minute) or the
                // foreign token was refused: start over once.
                self.restarted = true;
                return self.start(cx);
            }
            Err(e) => return Step::Done(Err(e)),
        };
        match self.stage {
            Stage::ForeignTokens => self.on_foreign_tokens(cx, answer),
            _ => Step::Done(self.answer.envelope(Ok(answer)).map(Output::Response)),
        }
    }

    /// A centralauthtoken is single-use: a retried foreign request needs a
    /// fresh one.
    fn retry(&mut self, cx: &mut Ctx) -> Option<Step> {
        match self.stage {
            Stage::ForeignTokens => Some(self.central_token(cx, Stage::CentralTokenForTokens)),
            Stage::ForeignCall => Some(self.central_token(cx, Stage::CentralTokenForCall)),
            _ => None,
        }
    }
}
