//! The CLI's error type, its exit codes and its JSON form.
//!
//! Keep the table in docs/cli.md in sync with [`Code`].

use mw_transport::Error;
use mw_transport::mw_protocol::Error as ProtocolError;
use serde_json::{Value, json};

/// The exit codes of `mw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// Any other failure (a bad argument, unreadable input).
    Other = 1,
    /// A usage error: clap's (an unknown option), or no user agent.
    Usage = 2,
    /// The login was refused, the second factor too.
    Login = 3,
    /// The API answered with an error.
    Api = 4,
    /// The wiki could not be reached, timed out, or answered with an HTTP
    /// error or a body that is not an API response.
    Network = 5,
    /// The session file is unusable.
    SessionFile = 6,
    /// The session was lost and could not be restored.
    SessionLost = 7,
    /// A write that needs a logged-in user on a session without one:
    /// nothing was sent.
    NotLoggedIn = 8,
    /// The wiki does not offer what was asked (a token type, a feature).
    Unsupported = 9,
    /// `check-token`: the wiki says the token is invalid or expired.
    TokenRejected = 10,
    /// A POST answered with HTTP 502/504 (or 500): it may or may not have
    /// been applied, so it was not retried.
    MaybeApplied = 11,
    /// A cross-wiki (CentralAuth) call on a session that is not a
    /// CentralAuth one (a bot-password or OAuth login): it needs a
    /// main-account login. Nothing went to the other wiki.
    CentralAuthSession = 12,
    /// `create-account`: the wiki did not create the account (the name is
    /// taken, the password breaks its policy, a wrong captcha answer, the
    /// creation throttle).
    CreateAccount = 13,
}

impl From<Code> for std::process::ExitCode {
    fn from(c: Code) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// Everything `mw` can fail with.
#[derive(Debug)]
pub enum CliError {
    /// From the client.
    Client(Error),
    /// A bad argument or input.
    Usage(String),
    /// Reading standard input or the terminal.
    Io(std::io::Error),
    /// `check-token`: the wiki's verdict, `invalid` or `expired`.
    TokenRejected(&'static str),
    /// The wiki asks for input `mw` cannot give (a field other than a
    /// second factor or a captcha, a redirect to another site).
    CannotAnswer(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Client(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) => write!(f, "{e}"),
            CliError::TokenRejected(r) => write!(f, "the wiki says the token is {r}"),
            CliError::CannotAnswer(m) => write!(f, "{m}"),
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Client(e)
    }
}

impl From<ProtocolError> for CliError {
    fn from(e: ProtocolError) -> Self {
        CliError::Client(Error::Protocol(e))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

/// The exit code for an error.
pub fn classify(e: &CliError) -> Code {
    match e {
        CliError::Client(Error::Protocol(p)) => match p {
            ProtocolError::Api(_) => Code::Api,
            ProtocolError::Login { .. } | ProtocolError::SecondFactor { .. } => Code::Login,
            ProtocolError::CreateAccount { .. } => Code::CreateAccount,
            ProtocolError::SessionLost(_) => Code::SessionLost,
            ProtocolError::NotLoggedIn(_) => Code::NotLoggedIn,
            ProtocolError::Unsupported(_) => Code::Unsupported,
            ProtocolError::MaybeApplied { .. } => Code::MaybeApplied,
            ProtocolError::CentralAuthSession(_) => Code::CentralAuthSession,
            ProtocolError::Http { .. }
            | ProtocolError::NotApi { .. }
            | ProtocolError::Decode(_)
            | ProtocolError::Transport(_)
            | ProtocolError::Disconnected(_)
            | ProtocolError::Timeout(_) => Code::Network,
            _ => Code::Other,
        },
        CliError::Client(Error::SessionFile { .. }) => Code::SessionFile,
        CliError::TokenRejected(_) => Code::TokenRejected,
        CliError::CannotAnswer(_) => Code::Unsupported,
        CliError::Client(_) | CliError::Usage(_) | CliError::Io(_) => Code::Other,
    }
}

/// A short name for the kind of error, for `--json`.
fn kind(e: &CliError) -> &'static str {
    match e {
        CliError::Client(Error::Protocol(p)) => match p {
            ProtocolError::Api(_) => "api",
            ProtocolError::Login { .. } => "login",
            ProtocolError::SecondFactor { .. } => "second-factor",
            ProtocolError::CreateAccount { .. } => "create-account",
            ProtocolError::SessionLost(_) => "session-lost",
            ProtocolError::NotLoggedIn(_) => "not-logged-in",
            ProtocolError::Unsupported(_) => "unsupported",
            ProtocolError::MaybeApplied { .. } => "maybe-applied",
            ProtocolError::CentralAuthSession(_) => "centralauth-session",
            ProtocolError::Http { .. } => "http",
            ProtocolError::NotApi { .. } => "not-api",
            ProtocolError::Decode(_) => "decode",
            ProtocolError::Transport(_) | ProtocolError::Disconnected(_) => "transport",
            ProtocolError::Timeout(_) => "timeout",
            ProtocolError::InvalidInput(_) => "invalid-input",
            ProtocolError::Internal(_) => "internal",
            _ => "other",
        },
        CliError::Client(Error::SessionFile { .. }) => "session-file",
        CliError::Client(Error::InvalidConfig(_)) => "config",
        CliError::Client(_) => "other",
        CliError::Usage(_) => "input",
        CliError::Io(_) => "io",
        CliError::TokenRejected(_) => "token-rejected",
        CliError::CannotAnswer(_) => "unsupported",
    }
}

/// The error as `--json` prints it on stderr: `{"error": {"kind": …,
/// "message": …, "exit": …}}`, plus `code` (an API error's), `status` (an
/// HTTP status), `result` (a login's or a token check's) and
/// `retry_after_s` when there is one (`code` is the wiki's message code
/// for a refused second factor or account creation). Never a token or password (the
/// messages hold none).
pub fn to_json(e: &CliError) -> Value {
    let mut err = json!({
        "kind": kind(e),
        "message": e.to_string(),
        "exit": classify(e) as u8,
    });
    let mut add = |k: &str, v: Value| {
        if let Some(o) = err.as_object_mut() {
            o.insert(k.to_owned(), v);
        }
    };
    match e {
        CliError::Client(Error::Protocol(p)) => {
            if let Some(code) = p.code() {
                add("code", json!(code));
            }
            if let Some(wait) = p.retry_after() {
                add("retry_after_s", json!(wait.as_secs()));
            }
            match p {
                ProtocolError::Http { status, .. } | ProtocolError::MaybeApplied { status, .. } => {
                    add("status", json!(status));
                }
                ProtocolError::Login { result, .. } => add("result", json!(result)),
                ProtocolError::SecondFactor { code: Some(c), .. }
                | ProtocolError::CreateAccount { code: Some(c), .. } => add("code", json!(c)),
                _ => {}
            }
        }
        CliError::TokenRejected(r) => add("result", json!(r)),
        _ => {}
    }
    json!({ "error": err })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mw_transport::ApiError;

    fn code(p: ProtocolError) -> (Code, &'static str) {
        let e = CliError::from(p);
        (classify(&e), kind(&e))
    }

    #[test]
    fn each_protocol_error_has_its_code() {
        let api = ProtocolError::from(ApiError::new("badtoken", "Invalid CSRF token."));
        assert_eq!(code(api), (Code::Api, "api"));
        assert_eq!(
            code(ProtocolError::NotLoggedIn("edit needs a csrf token".into())),
            (Code::NotLoggedIn, "not-logged-in")
        );
        assert_eq!(
            code(ProtocolError::Unsupported("no foo token".into())),
            (Code::Unsupported, "unsupported")
        );
        assert_eq!(
            code(ProtocolError::MaybeApplied {
                status: 504,
                url: "https://w.example/api.php".into()
            }),
            (Code::MaybeApplied, "maybe-applied")
        );
        assert_eq!(
            code(ProtocolError::NotApi {
                url: "https://w.example/wiki/Main".into(),
                detail: "an HTML page".into()
            }),
            (Code::Network, "not-api")
        );
        assert_eq!(
            code(ProtocolError::Timeout("30 s".into())),
            (Code::Network, "timeout")
        );
        assert_eq!(
            code(ProtocolError::CentralAuthSession("badsession".into())),
            (Code::CentralAuthSession, "centralauth-session")
        );
        assert_eq!(
            code(ProtocolError::Internal("a broken invariant".into())),
            (Code::Other, "internal")
        );
        assert_eq!(
            code(ProtocolError::SecondFactor {
                code: Some("oathauth-login-failed".into()),
                reason: Some("Verification failed.".into())
            }),
            (Code::Login, "second-factor")
        );
        assert_eq!(
            code(ProtocolError::CreateAccount {
                code: Some("userexists".into()),
                reason: None
            }),
            (Code::CreateAccount, "create-account")
        );
        let e = CliError::TokenRejected("expired");
        assert_eq!(
            (classify(&e), kind(&e)),
            (Code::TokenRejected, "token-rejected")
        );
    }

    #[test]
    fn the_json_form_names_kind_code_and_exit() {
        let mut api = ApiError::new("maxlag", "Waiting for db1: 7 seconds lagged.");
        api.retry_after = Some(std::time::Duration::from_secs(7));
        let v = to_json(&CliError::from(ProtocolError::from(api)));
        assert_eq!(
            v,
            json!({"error": {"kind": "api", "code": "maxlag", "exit": 4, "retry_after_s": 7,
                "message": "api error: maxlag: Waiting for db1: 7 seconds lagged."}})
        );
        let v = to_json(&CliError::from(ProtocolError::MaybeApplied {
            status: 502,
            url: "https://w.example/api.php".into(),
        }));
        assert_eq!(v["error"]["status"], 502);
        assert_eq!(v["error"]["exit"], 11);
        let v = to_json(&CliError::from(ProtocolError::CreateAccount {
            code: Some("userexists".into()),
            reason: Some("Username entered already in use.".into()),
        }));
        assert_eq!(v["error"]["code"], "userexists");
        assert_eq!(v["error"]["exit"], 13);
    }
}
