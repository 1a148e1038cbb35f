//! `action=clientlogin`: the first step and its continuations.

use super::super::op::ClientLoginOutcome;
use super::super::state::{Ctx, User};
use super::{Flow, Output, Step, Target};
use crate::actions::clientlogin;
use crate::response::Envelope;
use crate::{Error, Password, Token, TokenType};

enum ClientLoginKind {
    Start {
        username: String,
        password: Password,
        return_url: String,
    },
    Continue {
        fields: Vec<(String, String)>,
    },
}

pub(crate) struct ClientLogin {
    kind: ClientLoginKind,
}

impl ClientLogin {
    pub fn start(username: &str, password: Password, return_url: &str) -> Self {
        ClientLogin {
            kind: ClientLoginKind::Start {
                username: username.to_owned(),
                password,
                return_url: return_url.to_owned(),
            },
        }
    }

    pub fn resume(fields: Vec<(String, String)>) -> Self {
        ClientLogin {
            kind: ClientLoginKind::Continue { fields },
        }
    }
}

impl Flow for ClientLogin {
    fn start(&mut self, _cx: &mut Ctx) -> Step {
        Step::NeedToken(TokenType::LOGIN)
    }

    fn on_token(&mut self, _cx: &mut Ctx, token: Token) -> Step {
        let req = match &self.kind {
            ClientLoginKind::Start {
                username,
                password,
                return_url,
            } => clientlogin::start_request(username, password, return_url, &token),
            ClientLoginKind::Continue { fields } => clientlogin::continue_request(fields, &token),
        };
        Step::Send(Target::Home, req)
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let resp = match res.and_then(|env| clientlogin::parse(&env)) {
            Ok(resp) => resp,
            Err(e) => return Step::Done(Err(e)),
        };
        match &resp.status {
            clientlogin::ClientLoginStatus::Pass { username } => {
                let user = User {
                    name: username.clone(),
                    id: None,
                };
                cx.logged_in(user.clone());
                Step::Done(Ok(Output::ClientLogin(ClientLoginOutcome::LoggedIn(user))))
            }
            clientlogin::ClientLoginStatus::Fail => Step::Done(Err(Error::Login {
                result: "FAIL".into(),
                reason: resp.message.clone(),
                wait: None,
            })),
            _ => Step::Done(Ok(Output::ClientLogin(ClientLoginOutcome::Continue(resp)))),
        }
    }
}
