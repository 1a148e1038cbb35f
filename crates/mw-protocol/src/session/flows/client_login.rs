//! `action=clientlogin`: the first step and its continuations.

use super::super::op::ClientLoginOutcome;
use super::super::state::{Ctx, User};
use super::{Flow, Output, Step, Target};
use crate::actions::auth_step::{AuthStatus, AuthStep};
use crate::actions::clientlogin;
use crate::response::Envelope;
use crate::{Error, Password, Token, TokenType};

/// The message codes of a `UI` answer that asks for the second factor again
/// because the code sent was refused (OATHAuth's
/// `TOTPSecondaryAuthenticationProvider::continueSecondaryAuthentication`).
const SECOND_FACTOR_REFUSED: &[&str] = &["oathauth-login-failed", "oathauth-throttled"];

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

    pub fn continue_with(fields: Vec<(String, String)>) -> Self {
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
        let step = match res.and_then(|env| clientlogin::parse(&env)) {
            Ok(step) => step,
            Err(e) => return Step::Done(Err(e)),
        };
        match &step.status {
            AuthStatus::Pass { username } => {
                let user = User {
                    name: username.clone(),
                    id: None,
                };
                cx.logged_in(user.clone());
                Step::Done(Ok(Output::ClientLogin(ClientLoginOutcome::LoggedIn(user))))
            }
            AuthStatus::Fail => Step::Done(Err(Error::Login {
                result: "FAIL".into(),
                reason: step.message.clone(),
                wait: None,
            })),
            _ if self.refused_second_factor(&step) => Step::Done(Err(Error::SecondFactor {
                code: step.message_code.clone(),
                reason: step.message.clone(),
            })),
            _ => Step::Done(Ok(Output::ClientLogin(ClientLoginOutcome::NeedsInput(
                step,
            )))),
        }
    }
}

impl ClientLogin {
    /// A continuation that sent a second-factor code, answered by a `UI`
    /// step asking for it again with a "refused" message.
    fn refused_second_factor(&self, step: &AuthStep) -> bool {
        let ClientLoginKind::Continue { fields } = &self.kind else {
            return false;
        };
        step.status == AuthStatus::Ui
            && step.asks_for_two_factor()
            && fields.iter().any(|(n, _)| step.asks_for(n))
            && step
                .message_code
                .as_deref()
                .is_some_and(|c| SECOND_FACTOR_REFUSED.contains(&c))
    }
}
