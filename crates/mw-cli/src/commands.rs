//! The subcommands.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, Config, LogoutOutcome, Password, RetryPolicy,
    TokenType, TokenValidity, TrustRoots,
};
use serde_json::json;

use crate::auth;
use crate::cli::{Args, Command, DEFAULT_MAX_WAIT};
use crate::exit::CliError;
use crate::output;

/// Runs one command.
pub async fn run(args: Args) -> Result<(), CliError> {
    match &args.command {
        Command::Login {
            client_login: false,
        } => login(&args).await,
        Command::Login { client_login: true } => auth::client_login(&args).await,
        Command::Token { types } => tokens(&args, types).await,
        Command::CheckToken { r#type, max_age } => check_token(&args, r#type, *max_age).await,
        Command::Call {
            action,
            params,
            post,
            token,
            allow_anonymous,
        } => {
            call(
                &args,
                action,
                params,
                *post,
                token.as_deref(),
                *allow_anonymous,
            )
            .await
        }
        Command::Logout => logout(&args).await,
        Command::Flow => flow(&args).await,
        Command::CreateAccount {
            name,
            email,
            real_name,
        } => auth::create_account(&args, name, email.as_deref(), real_name.as_deref()).await,
    }
}

pub(crate) fn builder(args: &Args) -> ClientBuilder {
    let mut retry = RetryPolicy::default();
    if let Some(n) = args.max_retries {
        retry.max_retries = n;
    }
    // --max-wait bounds the total of one command's waits, and so each one.
    retry.max_total_wait = args.max_wait.unwrap_or(DEFAULT_MAX_WAIT);
    retry.max_delay = retry.max_delay.min(retry.max_total_wait);
    if retry.max_total_wait.is_zero() {
        // No time to wait: no retry at once either (that would hammer a
        // wiki that asked for a pause).
        retry.max_retries = 0;
    }
    let mut config = Config::new(args.user_agent());
    config.retry = retry;
    let mut b = Client::builder(args.api.as_str())
        .config(config)
        .user_agent(args.user_agent());
    if let Some(t) = args.timeout {
        b = b.timeout(t);
    }
    if let Some(ca) = args.ca_file.as_ref().filter(|p| !p.as_os_str().is_empty()) {
        b = b.add_ca_file(ca);
    }
    if args.system_roots {
        b = b.trust_roots(TrustRoots::System);
    }
    if let (Ok(user), Ok(pass)) = (std::env::var("MW_USERNAME"), std::env::var("MW_PASSWORD")) {
        b = b.credentials(user, Password::new(pass));
    }
    b
}

/// Resumes the session file if there is one, else a fresh client.
pub(crate) fn open(args: &Args) -> Result<Client, CliError> {
    if args.session.exists() {
        Ok(Client::restore(&args.session, builder(args))?)
    } else {
        Ok(builder(args).build()?)
    }
}

/// The user name and password: from MW_USERNAME / MW_PASSWORD, or asked
/// for on the terminal (the password without echo); `hint` says what name
/// to type.
pub(crate) fn credentials(hint: &str) -> Result<(String, Password), CliError> {
    let user = match std::env::var("MW_USERNAME") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if !std::io::stdin().is_terminal() {
                return Err(CliError::Usage(
                    "set MW_USERNAME and MW_PASSWORD (no terminal to ask on)".into(),
                ));
            }
            eprint!("username ({hint}): ");
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim().to_owned()
        }
    };
    let pass = match std::env::var("MW_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            if !std::io::stdin().is_terminal() {
                return Err(CliError::Usage(
                    "set MW_PASSWORD (no terminal to ask on)".into(),
                ));
            }
            rpassword::prompt_password("password: ")?
        }
    };
    if user.is_empty() {
        return Err(CliError::Usage("empty user name".into()));
    }
    Ok((user, Password::new(pass)))
}

fn token_type(name: &str) -> Result<TokenType, CliError> {
    TokenType::new(name).map_err(|e| CliError::Usage(e.to_string()))
}

pub(crate) async fn save(client: &Client, path: &Path) -> Result<(), CliError> {
    Ok(client.save(path).await?)
}

/// Writes back the session (its cookies and token cache) when there is a
/// session file to keep up to date or a logged-in user to keep; an
/// anonymous command without one leaves no file behind.
pub(crate) async fn keep_session(client: &Client, args: &Args) -> Result<(), CliError> {
    if args.session.exists() || client.user().is_some() {
        save(client, &args.session).await?;
    }
    Ok(())
}

async fn login(args: &Args) -> Result<(), CliError> {
    let (user, pass) = credentials("User@BotApp")?;
    let client = builder(args).build()?;
    let logged_in = client.login(&user, pass).await?;
    output::warnings(&logged_in.warnings);
    save(&client, &args.session).await?;
    report_login(args, &logged_in.value);
    Ok(())
}

/// What `login` and `login --client-login` print once the session is saved.
pub(crate) fn report_login(args: &Args, user: &mw_transport::User) {
    if args.json {
        let v = json!({"login": "Success", "username": user.name, "userid": user.id});
        println!("{}", output::json_line(&v));
    } else {
        println!(
            "logged in as {} (session saved to {})",
            output::escape(&user.name),
            output::escape(&args.session.display().to_string())
        );
    }
}

async fn tokens(args: &Args, types: &[String]) -> Result<(), CliError> {
    let types = types
        .iter()
        .map(|t| token_type(t))
        .collect::<Result<Vec<_>, _>>()?;
    let client = open(args)?;
    // Asked for together, so that missing ones share one request.
    let fetched = client.tokens(&types).await?;
    output::warnings(&fetched.warnings);
    let mut out = serde_json::Map::new();
    for (ty, token) in fetched.iter() {
        out.insert(ty.response_key(), json!(token.secret()));
    }
    keep_session(&client, args).await?;
    if args.json {
        println!("{}", output::json_line(&serde_json::Value::Object(out)));
    } else {
        for v in out.values() {
            println!("{}", output::escape(v.as_str().unwrap_or_default()));
        }
    }
    Ok(())
}

async fn check_token(args: &Args, ty: &str, max_age: Option<u64>) -> Result<(), CliError> {
    let ty = token_type(ty)?;
    if std::io::stdin().is_terminal() {
        eprint!("token to check: ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let token = mw_transport::Token::new(line.trim_end_matches(['\r', '\n']));
    let client = open(args)?;
    let check = client.check_token(ty, &token, max_age).await?;
    output::warnings(&check.warnings);
    let result = match check.result {
        TokenValidity::Valid => "valid",
        TokenValidity::Invalid => "invalid",
        TokenValidity::Expired => "expired",
    };
    if args.json {
        println!(
            "{}",
            output::json_line(
                &json!({"checktoken": {"result": result, "generated": check.generated}})
            )
        );
    } else {
        match &check.generated {
            Some(g) => println!("{result} (generated {})", output::escape(g)),
            None => println!("{result}"),
        }
    }
    match check.result {
        TokenValidity::Valid => Ok(()),
        _ => Err(CliError::TokenRejected(result)),
    }
}

async fn call(
    args: &Args,
    action: &str,
    params: &[String],
    post: bool,
    token: Option<&str>,
    allow_anonymous: bool,
) -> Result<(), CliError> {
    let mut req = if post || token.is_some() {
        ActionRequest::post(action)
    } else {
        ActionRequest::get(action)
    };
    for p in params {
        let (name, value) = p
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("parameter {p:?} is not name=value")))?;
        req = req.param(name, value);
    }
    let mut call = ActionCall::new(req);
    if let Some(t) = token {
        call = call.with_token(token_type(t)?);
    }
    if allow_anonymous {
        call = call.allow_anonymous();
    }
    let client = open(args)?;
    let response = client.call(call).await?;
    output::warnings(&response.warnings);
    keep_session(&client, args).await?;
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    output::write_json(response.envelope.raw(), !args.json, stdout)?;
    Ok(())
}

async fn logout(args: &Args) -> Result<(), CliError> {
    let client = open(args)?;
    let outcome = client.logout().await?;
    output::warnings(&outcome.warnings);
    if args.session.exists() {
        std::fs::remove_file(&args.session)?;
    }
    let text = match *outcome {
        LogoutOutcome::NotLoggedIn => "was not logged in",
        _ => "logged out",
    };
    if args.json {
        println!("{}", output::json_line(&json!({"logout": text})));
    } else {
        println!("{text}");
    }
    Ok(())
}

/// The seed flow, step by step, on a fresh session.
async fn flow(args: &Args) -> Result<(), CliError> {
    let (user, pass) = credentials("User@BotApp")?;
    let client = builder(args).record_requests(true).build()?;
    let mut step = 0;
    let mut say = |what: &str| {
        step += 1;
        println!("{step}. {what}");
    };

    say(&format!(
        "login as {} (login token, then action=login)",
        output::escape(&user)
    ));
    let logged_in = client.login(&user, pass).await?;
    output::warnings(&logged_in.warnings);
    println!(
        "   logged in as {} (user id {})",
        output::escape(&logged_in.name),
        logged_in.id.map_or("?".into(), |i| i.to_string())
    );

    let types = [
        TokenType::CSRF,
        TokenType::WATCH,
        TokenType::PATROL,
        TokenType::ROLLBACK,
        TokenType::USER_RIGHTS,
        TokenType::CREATE_ACCOUNT,
    ];
    say(
        "tokens: csrf, watch, patrol, rollback, userrights, createaccount (one meta=tokens request)",
    );
    let fetched = client.tokens(&types).await?;
    output::warnings(&fetched.warnings);
    let mut csrf = None;
    for (ty, token) in fetched.iter() {
        println!("   {:<14} {}", ty.as_str(), output::token_shape(token));
        if *ty == TokenType::CSRF {
            csrf = Some(token.clone());
        }
    }
    let csrf = csrf.ok_or_else(|| CliError::Usage("no csrf token".into()))?;

    say("checktoken: our csrf token");
    let check = client.check_token(TokenType::CSRF, &csrf, None).await?;
    output::warnings(&check.warnings);
    println!(
        "   {:?} (generated {})",
        check.result,
        output::escape(check.generated.as_deref().unwrap_or("?"))
    );
    expect(check.result, TokenValidity::Valid)?;

    say("checktoken: \"123ABC\" (the checktoken seed's example)");
    let check = client
        .check_token(TokenType::CSRF, &mw_transport::Token::new("123ABC"), None)
        .await?;
    output::warnings(&check.warnings);
    println!("   {:?}", check.result);
    expect(check.result, TokenValidity::Invalid)?;

    say("logout (POST with the csrf token)");
    let out = client.logout().await?;
    output::warnings(&out.warnings);
    println!("   {:?}", out.value);

    say("checktoken: the old csrf token, after logout");
    let check = client.check_token(TokenType::CSRF, &csrf, None).await?;
    output::warnings(&check.warnings);
    println!("   {:?}", check.result);
    expect(check.result, TokenValidity::Invalid)?;

    let log = client.request_log();
    println!("done: {} requests", log.len());
    for r in &log {
        println!(
            "   {} action={}{}",
            r.method,
            output::escape(&r.action),
            r.meta
                .as_ref()
                .map(|m| format!(" meta={}", output::escape(m)))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn expect(got: TokenValidity, want: TokenValidity) -> Result<(), CliError> {
    if got == want {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "expected the token to be {want:?}, the wiki says {got:?}"
        )))
    }
}
