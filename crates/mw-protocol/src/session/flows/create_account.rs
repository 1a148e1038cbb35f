//! `action=createaccount`: which fields the wiki wants
//! (`meta=authmanagerinfo`), the creation, and its continuations.
//!
//! A captcha (ConfirmEdit) is a *pre*-authentication request: MediaWiki
//! 1.39 never answers a creation with a `UI` step for it, it lists the
//! captcha in `meta=authmanagerinfo` and fails a creation without its
//! answer (`captcha-createaccount-fail`). So the flow asks first, and when
//! a required field is missing it stops before sending anything, with the
//! fields as a `NeedsInput` step; the session keeps the name and password
//! (in memory only) for the continuation, which then sends the creation.

use super::super::op::CreateAccountOutcome;
use super::super::state::Ctx;
use super::pending::PendingAuth;
use super::{Answer, Flow, Kept, Output, Step, Target};
use crate::actions::auth_step::{AuthStatus, AuthStep, CreateAccountStep};
use crate::actions::createaccount::{self, AuthInfo};
use crate::{Error, Password, Token, TokenType};

enum Phase {
    /// Asking `meta=authmanagerinfo` which fields a creation needs.
    Info(PendingAuth),
    /// The first `action=createaccount`.
    Create(PendingAuth),
    /// `createcontinue=1` with the fields of a `UI` step.
    Continue(Vec<(String, String)>),
}

pub(crate) struct CreateAccount {
    phase: Phase,
    info: Kept<AuthInfo>,
    answer: Kept<CreateAccountStep>,
}

impl CreateAccount {
    pub fn start(
        username: &str,
        password: Password,
        return_url: &str,
        fields: Vec<(String, String)>,
    ) -> Self {
        CreateAccount {
            phase: Phase::Info(PendingAuth {
                username: username.to_owned(),
                password,
                return_url: return_url.to_owned(),
                fields,
            }),
            info: Kept::default(),
            answer: Kept::default(),
        }
    }

    pub fn continue_with(fields: Vec<(String, String)>) -> Self {
        CreateAccount {
            phase: Phase::Continue(fields),
            info: Kept::default(),
            answer: Kept::default(),
        }
    }
}

/// `extra` added to `fields`, except the names `fields` already has.
fn merged(
    mut fields: Vec<(String, String)>,
    extra: Vec<(String, String)>,
) -> Vec<(String, String)> {
    for (name, value) in extra {
        if !fields.iter().any(|(n, _)| *n == name) {
            fields.push((name, value));
        }
    }
    fields
}

impl Flow for CreateAccount {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        match &mut self.phase {
            Phase::Info(_) => {
                cx.pending_account = None;
                Step::Send(Target::Home, createaccount::info_request().repeatable())
            }
            Phase::Continue(fields) => {
                // A creation that stopped before it was sent: send it now,
                // with the answers.
                if let Some(mut pending) = cx.pending_account.take() {
                    pending.fields = merged(std::mem::take(fields), pending.fields);
                    self.phase = Phase::Create(pending);
                }
                Step::NeedToken(TokenType::CREATE_ACCOUNT)
            }
            Phase::Create(_) => Step::NeedToken(TokenType::CREATE_ACCOUNT),
        }
    }

    fn on_token(&mut self, _cx: &mut Ctx, token: Token) -> Step {
        let req = match &self.phase {
            Phase::Create(p) => createaccount::start_request(
                &p.username,
                &p.password,
                &p.return_url,
                &p.fields,
                &token,
            ),
            Phase::Continue(fields) => createaccount::continue_request(fields, &token),
            Phase::Info(_) => {
                return Step::Done(Err(Error::Internal(
                    "a createaccount token before authmanagerinfo".into(),
                )));
            }
        };
        Step::Send(Target::Home, req)
    }

    fn read(&mut self, _cx: &Ctx, response: &mut http::Response<Vec<u8>>) -> Result<Answer, Error> {
        match self.phase {
            Phase::Info(_) => self.info.read(response),
            _ => self.answer.read(response),
        }
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Answer, Error>) -> Step {
        if let Phase::Info(pending) = &mut self.phase {
            let info = match self.info.parse(res) {
                Ok(info) => info,
                Err(e) => return Step::Done(Err(e)),
            };
            let mut pending = pending.clone();
            pending.fields = merged(pending.fields, info.hidden_values());
            if info.missing_fields(&pending.fields).is_empty() {
                self.phase = Phase::Create(pending);
                return Step::NeedToken(TokenType::CREATE_ACCOUNT);
            }
            cx.pending_account = Some(pending);
            let step = AuthStep {
                status: AuthStatus::Ui,
                message: None,
                message_code: None,
                requests: info.requests,
                can_preserve_state: false,
            };
            return Step::Done(Ok(Output::CreateAccount(CreateAccountOutcome::NeedsInput(
                step,
            ))));
        }
        let step = match self.answer.parse(res) {
            Ok(step) => step,
            Err(e) => return Step::Done(Err(e)),
        };
        match step.status {
            AuthStatus::Pass { username } => {
                Step::Done(Ok(Output::CreateAccount(CreateAccountOutcome::Created {
                    username,
                })))
            }
            AuthStatus::Fail => Step::Done(Err(Error::CreateAccount {
                code: step.message_code,
                reason: step.message,
            })),
            _ => Step::Done(Ok(Output::CreateAccount(CreateAccountOutcome::NeedsInput(
                step,
            )))),
        }
    }
}
