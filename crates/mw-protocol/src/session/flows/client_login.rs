//! `action=clientlogin`: the first step and its continuations.
//!
//! A login captcha (ConfirmEdit, after failed logins from the address or
//! for the name) is, like the account-creation captcha, a
//! *pre*-authentication request: MediaWiki 1.39 lists it only in
//! `meta=authmanagerinfo&amirequestsfor=login` and fails a login without
//! it as `wrongpassword`, even with the right password. So a login that
//! fails with `wrongpassword` asks `authmanagerinfo` once; when it lists a
//! captcha, the login ends in `NeedsInput` with the captcha, and the
//! session keeps the name and password (in memory only) so that the
//! continuation sends a fresh `clientlogin` with the answer. A login that
//! passes never asks.

use super::super::op::ClientLoginOutcome;
use super::super::state::{Ctx, User};
use super::pending::PendingAuth;
use super::{Answer, Flow, Kept, Output, Step, Target};
use crate::actions::auth_step::{AuthRequest, AuthStatus, AuthStep, ClientLoginStep, captcha_of};
use crate::actions::clientlogin;
use crate::actions::createaccount::AuthInfo;
use crate::{Error, Password, Token, TokenType};

/// The message codes of a `UI` answer that asks for the second factor again
/// because the code sent was refused (OATHAuth's
/// `TOTPSecondaryAuthenticationProvider::continueSecondaryAuthentication`).
const SECOND_FACTOR_REFUSED: &[&str] = &["oathauth-login-failed", "oathauth-throttled"];

enum ClientLoginKind {
    /// A fresh `clientlogin` with the name, the password and `fields` (a
    /// captcha's answer and id, or none).
    Start {
        login: PendingAuth,
        fields: Vec<(String, String)>,
    },
    /// `logincontinue=1` with the fields of a `UI` step.
    Continue { fields: Vec<(String, String)> },
    /// After a `FAIL` `wrongpassword`: asking `authmanagerinfo` whether a
    /// captcha is wanted. Holds the login and the `FAIL`.
    Info { login: PendingAuth, fail: AuthStep },
}

pub(crate) struct ClientLogin {
    kind: ClientLoginKind,
    info: Kept<AuthInfo>,
    answer: Kept<ClientLoginStep>,
}

impl ClientLogin {
    pub fn start(username: &str, password: Password, return_url: &str) -> Self {
        ClientLogin {
            info: Kept::default(),
            answer: Kept::default(),
            kind: ClientLoginKind::Start {
                login: PendingAuth {
                    username: username.to_owned(),
                    password,
                    return_url: return_url.to_owned(),
                    fields: Vec::new(),
                },
                fields: Vec::new(),
            },
        }
    }

    pub fn continue_with(fields: Vec<(String, String)>) -> Self {
        ClientLogin {
            kind: ClientLoginKind::Continue { fields },
            info: Kept::default(),
            answer: Kept::default(),
        }
    }
}

/// The `FAIL` of a step as the typed login error.
fn login_error(step: &AuthStep) -> Error {
    Error::Login {
        result: "FAIL".into(),
        reason: step.message.clone(),
        wait: None,
    }
}

impl Flow for ClientLogin {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        match &mut self.kind {
            ClientLoginKind::Start { .. } => cx.pending_login = None,
            ClientLoginKind::Continue { fields } => {
                // A login the wiki failed for want of a captcha: send it
                // again, with the answer and the captcha's id.
                if let Some(login) = cx.pending_login.take() {
                    let mut fields = std::mem::take(fields);
                    for (name, value) in &login.fields {
                        if !fields.iter().any(|(n, _)| n == name) {
                            fields.push((name.clone(), value.clone()));
                        }
                    }
                    self.kind = ClientLoginKind::Start { login, fields };
                }
            }
            ClientLoginKind::Info { .. } => {}
        }
        Step::NeedToken(TokenType::LOGIN)
    }

    fn on_token(&mut self, _cx: &mut Ctx, token: Token) -> Step {
        let req = match &self.kind {
            ClientLoginKind::Start { login, fields } => clientlogin::start_request_with(
                &login.username,
                &login.password,
                &login.return_url,
                fields,
                &token,
            ),
            ClientLoginKind::Continue { fields } => clientlogin::continue_request(fields, &token),
            ClientLoginKind::Info { .. } => {
                return Step::Done(Err(Error::Internal(
                    "a login token while asking authmanagerinfo".into(),
                )));
            }
        };
        Step::Send(Target::Home, req)
    }

    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        match self.kind {
            ClientLoginKind::Info { .. } => self.info.read(response),
            _ => self.answer.read(response),
        }
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        if let ClientLoginKind::Info { login, fail } = &self.kind {
            // An answer that cannot be read leaves the login's own failure.
            let requests = self.info.parse(res).map(|info| info.requests);
            return captcha_step(cx, login, fail, requests.unwrap_or_default());
        }
        let step = match self.answer.parse(res) {
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
            AuthStatus::Fail
                if step.message_code.as_deref() == Some(clientlogin::WRONG_PASSWORD) =>
            {
                let ClientLoginKind::Start { login, .. } = &self.kind else {
                    return Step::Done(Err(login_error(&step)));
                };
                // Maybe the wiki wanted a captcha: ask once.
                self.kind = ClientLoginKind::Info {
                    login: login.clone(),
                    fail: step,
                };
                Step::Send(Target::Home, clientlogin::info_request().repeatable())
            }
            AuthStatus::Fail => Step::Done(Err(login_error(&step))),
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

/// The end of a login that failed with `wrongpassword`, once
/// `authmanagerinfo` answered: `NeedsInput` with the captcha it lists (the
/// login kept for the continuation), else the `FAIL` as the login error.
fn captcha_step(
    cx: &mut Ctx,
    login: &PendingAuth,
    fail: &AuthStep,
    requests: Vec<AuthRequest>,
) -> Step {
    let captcha: Vec<_> = requests
        .into_iter()
        .filter(|r| captcha_of(std::slice::from_ref(r)).is_some())
        .collect();
    if captcha.is_empty() {
        return Step::Done(Err(login_error(fail)));
    }
    let step = AuthStep {
        status: AuthStatus::Ui,
        message: fail.message.clone(),
        message_code: fail.message_code.clone(),
        requests: captcha,
        can_preserve_state: false,
    };
    let mut login = login.clone();
    login.fields = step.hidden_values();
    cx.pending_login = Some(login);
    Step::Done(Ok(Output::ClientLogin(ClientLoginOutcome::NeedsInput(
        step,
    ))))
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
