//! `action=login`: a login token, the POST, and `NeedToken` once more.

use super::super::state::{Credentials, Ctx, TokenApi, User};
use super::token_rules::learn_token_api;
use super::{Answer, Flow, Kept, Output, Step, Target};
use crate::actions::login::{self, Login as Parser};
use crate::actions::tokens::{self, MetaTokens};
use crate::{Error, Token, TokenType};

enum LoginStage {
    FetchToken,
    Post { followed_need_token: bool },
}

pub(crate) struct Login {
    creds: Credentials,
    remember: bool,
    stage: LoginStage,
    tokens: Kept<MetaTokens>,
    answer: Kept<Parser>,
}

impl Login {
    pub fn new(creds: Credentials, remember: bool) -> Self {
        Login {
            creds,
            remember,
            stage: LoginStage::FetchToken,
            tokens: Kept::default(),
            answer: Kept::default(),
        }
    }

    fn post(&mut self, token: Option<&Token>, followed_need_token: bool) -> Step {
        self.stage = LoginStage::Post {
            followed_need_token,
        };
        Step::Send(
            Target::Home,
            login::request(&self.creds.username, &self.creds.password, token),
        )
    }
}

impl Flow for Login {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        if cx.token_api == TokenApi::ActionTokens {
            return self.post(None, false);
        }
        self.stage = LoginStage::FetchToken;
        Step::Send(
            Target::Home,
            cx.with_maxlag(tokens::request(&[TokenType::LOGIN])),
        )
    }

    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        match self.stage {
            LoginStage::FetchToken => self.tokens.read(response),
            LoginStage::Post { .. } => self.answer.read(response),
        }
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        let answer = match res {
            Ok(answer) => answer,
            Err(e) => return Step::Done(Err(e)),
        };
        match self.stage {
            LoginStage::FetchToken => match self.tokens.parse(Ok(answer)) {
                Ok(set) if learn_token_api(cx, &set) => self.post(None, false),
                Ok(set) => {
                    // 1.24–1.26 have meta=tokens but no login type: post
                    // without a token and follow NeedToken.
                    let token = set.get(&TokenType::LOGIN).cloned();
                    self.post(token.as_ref(), false)
                }
                Err(e) => Step::Done(Err(e)),
            },
            LoginStage::Post {
                followed_need_token,
            } => match self.answer.parse(Ok(answer)) {
                Ok(login::LoginResponse::Success { user_id, username }) => {
                    let name = if username.is_empty() {
                        self.creds
                            .username
                            .split('@')
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    } else {
                        username
                    };
                    let user = User { name, id: user_id };
                    cx.logged_in(user.clone());
                    if self.remember {
                        cx.credentials = Some(self.creds.clone());
                    }
                    Step::Done(Ok(Output::LoggedIn(user)))
                }
                Ok(login::LoginResponse::NeedToken { token: Some(token) })
                    if !followed_need_token =>
                {
                    self.post(Some(&token), true)
                }
                Ok(login::LoginResponse::NeedToken { .. }) => Step::Done(Err(Error::Login {
                    result: "NeedToken".into(),
                    reason: Some(
                        "the server did not accept the login token (are its cookies kept?)".into(),
                    ),
                    wait: None,
                })),
                Err(e) => Step::Done(Err(e)),
            },
        }
    }
}
