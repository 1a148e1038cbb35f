//! `mw login --client-login` (a main account, with its second factor, and
//! the wiki's login captcha after failed logins) and
//! `mw create-account` (with the wiki's captcha): AuthManager's steps, and
//! where each answer comes from.
//!
//! A second-factor code or a captcha answer comes from its environment
//! variable when set, else from a prompt on the terminal, else from one
//! line of standard input. The new account's password comes from
//! `MW_NEW_PASSWORD` or an unechoed prompt, never from an argument.

use std::io::{BufRead, IsTerminal, Write};

use mw_transport::mw_protocol::Error as ProtocolError;
use mw_transport::mw_protocol::actions::auth_step::{CAPTCHA_ANSWER_FIELD, TWO_FACTOR_FIELD};
use mw_transport::mw_protocol::actions::createaccount::OWN_FIELDS;
use mw_transport::{
    AuthStatus, AuthStep, Captcha, ClientLoginOutcome, CreateAccountOutcome, Error, Password,
};
use serde_json::json;

use crate::cli::Args;
use crate::commands::{builder, credentials, keep_session, open, report_login, save};
use crate::exit::CliError;
use crate::output;

/// The two-factor code, when not asked for on the terminal.
const OATH_CODE_ENV: &str = "MW_OATH_CODE";
/// The captcha's answer, when not asked for on the terminal.
const CAPTCHA_ANSWER_ENV: &str = "MW_CAPTCHA_ANSWER";
/// The new account's password, when not asked for on the terminal.
const NEW_PASSWORD_ENV: &str = "MW_NEW_PASSWORD";
/// How many codes a person on the terminal may try (the login stays
/// pending on the wiki after a refused one).
const TERMINAL_ATTEMPTS: u32 = 3;
/// The most steps one command answers before giving up on a wiki that
/// keeps asking.
const MAX_STEPS: u32 = 8;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Env,
    Terminal,
    Stdin,
}

/// An answer: `env` when it is set and not empty, else a prompt on the
/// terminal (unechoed when `hidden`), else one line of standard input.
fn answer(env: &str, prompt: &str, hidden: bool) -> Result<(String, Source), CliError> {
    if let Ok(v) = std::env::var(env) {
        if !v.trim().is_empty() {
            return Ok((v.trim().to_owned(), Source::Env));
        }
    }
    let stdin = std::io::stdin();
    let (line, source) = if stdin.is_terminal() {
        let line = if hidden {
            rpassword::prompt_password(format!("{prompt}: "))?
        } else {
            eprint!("{prompt}: ");
            std::io::stderr().flush()?;
            let mut line = String::new();
            stdin.lock().read_line(&mut line)?;
            line
        };
        (line, Source::Terminal)
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        (line, Source::Stdin)
    };
    let v = line.trim();
    if v.is_empty() {
        return Err(CliError::Usage(format!(
            "the wiki asks for the {prompt}: set {env} or write it on standard input"
        )));
    }
    Ok((v.to_owned(), source))
}

/// Whether a captcha's answer is asked on the terminal (not given by
/// [`CAPTCHA_ANSWER_ENV`], nor read from a pipe).
fn captcha_on_terminal() -> bool {
    std::env::var(CAPTCHA_ANSWER_ENV).map_or(true, |v| v.trim().is_empty())
        && std::io::stdin().is_terminal()
}

/// Shows a captcha on stderr (its text came from the wiki: escaped).
fn show_captcha(c: &Captcha) {
    if output::json_mode() {
        let v = json!({"captcha": {"prompt": c.prompt, "question": c.info}});
        eprintln!("{}", output::json_line(&v));
        return;
    }
    if let Some(p) = &c.prompt {
        eprintln!("mw: captcha: {}", output::escape(p));
    }
    if let Some(q) = &c.info {
        eprintln!("mw: captcha question: {}", output::escape(q));
    }
}

/// The fields to continue a step with, and where its second-factor code
/// came from (if it asked for one).
type Answers = (Vec<(String, String)>, Option<Source>);

/// The answers to a step: its hidden values sent back, a captcha's
/// answer, a second-factor code. Any other field that a required request
/// requires (but those in `given`, which the command sends itself) is
/// [`CliError::CannotAnswer`]. Also says where a code came from.
fn fill(step: &AuthStep, given: &[&str]) -> Result<Answers, CliError> {
    match &step.status {
        AuthStatus::Redirect { .. } => {
            return Err(CliError::CannotAnswer(
                "the wiki sends this login to another site (REDIRECT), which mw cannot follow"
                    .into(),
            ));
        }
        AuthStatus::Restart => {
            return Err(CliError::CannotAnswer(
                "the wiki asks to link or create a local account (RESTART), which mw cannot do"
                    .into(),
            ));
        }
        _ => {}
    }
    let mut fields = step.hidden_values();
    let mut code_source = None;
    if let Some(c) = step.captcha() {
        show_captcha(&c);
        let (a, _) = answer(CAPTCHA_ANSWER_ENV, "captcha answer", false)?;
        fields.push((CAPTCHA_ANSWER_FIELD.to_owned(), a));
    }
    let required = step
        .requests
        .iter()
        .filter(|r| r.required.as_deref() != Some("optional"))
        .flat_map(|r| r.fields.iter())
        .filter(|f| !f.optional && f.kind != "hidden" && f.kind != "null");
    for f in required {
        match f.name.as_str() {
            TWO_FACTOR_FIELD => {
                let (code, source) = answer(OATH_CODE_ENV, "two-factor code", true)?;
                fields.push((TWO_FACTOR_FIELD.to_owned(), code));
                code_source = Some(source);
            }
            name if given.contains(&name) || fields.iter().any(|(n, _)| n == name) => {}
            other => {
                let hint = match other {
                    "email" => " (give --email)",
                    "realname" => " (give --real-name)",
                    _ => "",
                };
                return Err(CliError::CannotAnswer(format!(
                    "the wiki asks for the field {} ({}), which mw cannot answer{hint}",
                    output::escape(other),
                    output::escape(f.label.as_deref().unwrap_or("no label"))
                )));
            }
        }
    }
    Ok((fields, code_source))
}

/// `mw login --client-login`: a main account through `action=clientlogin`,
/// with a second factor when the wiki asks for one.
pub async fn client_login(args: &Args) -> Result<(), CliError> {
    let (user, pass) = credentials("the account's name, not User@BotApp")?;
    let client = builder(args).build()?;
    let first = client.client_login(&user, pass, args.api.as_str()).await?;
    output::warnings(&first.warnings);
    let mut outcome = first.into_value();
    let mut refused = 0;
    let mut steps = 0;
    let mut captchas = 0;
    let logged_in = loop {
        let step = match outcome {
            ClientLoginOutcome::LoggedIn(u) => break u,
            ClientLoginOutcome::NeedsInput(step) => step,
        };
        steps += 1;
        if steps > MAX_STEPS {
            return Err(CliError::CannotAnswer(
                "the wiki keeps asking for more; giving up".into(),
            ));
        }
        if step.captcha().is_some() {
            // A login captcha again after an answer: the answer or the
            // password was wrong (the wiki does not say which). Only a
            // person on the terminal gets another try.
            if captchas > 0 && !(captcha_on_terminal() && captchas < TERMINAL_ATTEMPTS) {
                return Err(Error::Protocol(ProtocolError::Login {
                    result: "FAIL".into(),
                    reason: step.message.clone(),
                    wait: None,
                })
                .into());
            }
            if captchas > 0 {
                eprintln!("mw: the wiki refused the password or the captcha answer; try again");
            }
            captchas += 1;
        }
        let (fields, source) = fill(&step, &[])?;
        match client.client_login_continue(fields).await {
            Ok(next) => {
                output::warnings(&next.warnings);
                outcome = next.into_value();
            }
            // Someone at the terminal may type another code: the login is
            // still pending on the wiki.
            Err(Error::Protocol(e @ ProtocolError::SecondFactor { .. }))
                if source == Some(Source::Terminal) && refused + 1 < TERMINAL_ATTEMPTS =>
            {
                refused += 1;
                eprintln!("mw: {}; try again", output::escape(&e.to_string()));
                outcome = ClientLoginOutcome::NeedsInput(step);
            }
            Err(e) => return Err(e.into()),
        }
    };
    save(&client, &args.session).await?;
    report_login(args, &logged_in);
    Ok(())
}

/// The new account's password: `MW_NEW_PASSWORD`, or typed twice on the
/// terminal without echo.
fn new_password() -> Result<Password, CliError> {
    if let Ok(p) = std::env::var(NEW_PASSWORD_ENV) {
        if !p.is_empty() {
            return Ok(Password::new(p));
        }
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "set {NEW_PASSWORD_ENV} (no terminal to ask on)"
        )));
    }
    let first = rpassword::prompt_password("new password: ")?;
    let again = rpassword::prompt_password("new password again: ")?;
    if first != again {
        return Err(CliError::Usage("the two passwords differ".into()));
    }
    if first.is_empty() {
        return Err(CliError::Usage("empty password".into()));
    }
    Ok(Password::new(first))
}

/// `mw create-account NAME`: `action=createaccount`, answering the wiki's
/// captcha.
pub async fn create_account(
    args: &Args,
    name: &str,
    email: Option<&str>,
    real_name: Option<&str>,
) -> Result<(), CliError> {
    if name.trim().is_empty() {
        return Err(CliError::Usage("empty user name".into()));
    }
    let password = new_password()?;
    let mut fields = Vec::new();
    if let Some(e) = email {
        fields.push(("email".to_owned(), e.to_owned()));
    }
    if let Some(r) = real_name {
        fields.push(("realname".to_owned(), r.to_owned()));
    }
    // The creation sends these itself.
    let mut given = OWN_FIELDS.to_vec();
    given.extend(email.map(|_| "email"));
    given.extend(real_name.map(|_| "realname"));
    let client = open(args)?;
    let first = client
        .create_account(name, password, args.api.as_str(), fields)
        .await?;
    output::warnings(&first.warnings);
    let mut outcome = first.into_value();
    let mut steps = 0;
    let username = loop {
        let step = match outcome {
            CreateAccountOutcome::Created { username } => break username,
            CreateAccountOutcome::NeedsInput(step) => step,
        };
        steps += 1;
        if steps > MAX_STEPS {
            return Err(CliError::CannotAnswer(
                "the wiki keeps asking for more; giving up".into(),
            ));
        }
        let (fields, _) = fill(&step, &given)?;
        let next = client.create_account_continue(fields).await?;
        output::warnings(&next.warnings);
        outcome = next.into_value();
    };
    keep_session(&client, args).await?;
    if args.json {
        let v = json!({"createaccount": "Created", "username": username});
        println!("{}", output::json_line(&v));
    } else {
        println!("created the account {}", output::escape(&username));
    }
    Ok(())
}
