//! The crate's one error type.

use std::time::Duration;

use crate::response::{ApiError, ErrorKind};

/// Everything that can go wrong in a flow.
///
/// Messages never contain a token or a password.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a MediaWiki API error (`badtoken`,
    /// `maxlag`, `mustpostparams`, …), in any error format.
    #[error("api error: {0}")]
    Api(Box<ApiError>),
    /// The server answered with an HTTP error status and no API error body
    /// (a 429 or 503 from a cache, a 502 from a proxy, a 404 for a URL that
    /// is not `api.php`).
    #[error("http status {status}{}{}{}",
        url.as_ref().map(|u| format!(" from {u}")).unwrap_or_default(),
        retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default(),
        if *status == 404 { "; is this the wiki's api.php?" } else { "" })]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The server's `Retry-After`, when it sent a valid one.
        retry_after: Option<Duration>,
        /// The URL that answered (without its query string), when known:
        /// the session fills it in.
        url: Option<String>,
    },
    /// A POST was answered with an HTTP error status and no API error
    /// (a 502 or 504 from a proxy that may have forwarded it, a 500): the
    /// write may or may not have been applied, so it was not retried.
    /// Check the wiki (the page history, the log) before sending it again.
    #[error(
        "http status {status} after a POST to {url}: the write may or may not have been applied, so it was not retried; check the wiki before sending it again"
    )]
    MaybeApplied {
        /// The HTTP status code.
        status: u16,
        /// The URL that answered (without its query string).
        url: String,
    },
    /// The answer is a page, not an API response (an HTML page with a
    /// success status: the URL is probably not the wiki's `api.php`).
    #[error("the answer from {url} is not an API response ({detail}); is this the wiki's api.php?")]
    NotApi {
        /// The URL that answered (without its query string).
        url: String,
        /// What came instead, without echoing it.
        detail: String,
    },
    /// A write that needs a user-bound token (csrf, watch, patrol, …) on a
    /// session with no logged-in user. Nothing was sent: MediaWiki would
    /// accept it with the anonymous token `+\` and record the machine's IP
    /// address as its author. Log in first, or opt in to anonymous writes
    /// ([`ActionCall::allow_anonymous`](crate::ActionCall::allow_anonymous),
    /// [`Config::allow_anonymous`](crate::Config::allow_anonymous)).
    #[error("not logged in: {0}")]
    NotLoggedIn(String),
    /// The home wiki refused a `centralauthtoken` with `badsession`: the
    /// session is not a CentralAuth session (a bot-password or OAuth
    /// login). Calls to other wikis of a CentralAuth farm need a
    /// main-account login ([`Session::client_login`](crate::Session::client_login),
    /// or the deprecated main-account `action=login`). Nothing was sent to
    /// the other wiki.
    #[error("cross-wiki calls need a main-account login (client_login): {0}")]
    CentralAuthSession(String),
    /// The body is not a MediaWiki API response: not JSON, truncated, an
    /// HTML page, or JSON of the wrong shape.
    #[error("invalid response: {0}")]
    Decode(String),
    /// A broken invariant of this crate (a bug, never the server's doing):
    /// please report it with the message.
    #[error("internal error of mw-protocol (please report it): {0}")]
    Internal(String),
    /// `action=login` or `action=clientlogin` did not log in.
    #[error("login failed: {result}{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Login {
        /// The server's result (`Failed`, `WrongToken`, `Throttled`,
        /// `Aborted`, `NeedToken`, `FAIL`, …).
        result: String,
        /// The server's reason, when it gave one.
        reason: Option<String>,
        /// Seconds to wait, for `Throttled` (MediaWiki ≤1.26).
        wait: Option<u64>,
    },
    /// The wiki refused the second-factor code of a client login (a wrong
    /// code, one already used, or one outside the accepted time window):
    /// its `UI` answer asked for the code again. The login is still
    /// pending on the server: continue it with a new code
    /// ([`Session::client_login_continue`](crate::Session::client_login_continue)).
    #[error("second factor refused{}{}",
        code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default(),
        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    SecondFactor {
        /// The server's message code (`oathauth-login-failed`,
        /// `oathauth-throttled`).
        code: Option<String>,
        /// The server's message.
        reason: Option<String>,
    },
    /// `action=createaccount` did not create the account (`FAIL`): the
    /// name is taken (`userexists`), the password breaks the wiki's policy
    /// (`passwordincommonlist`, `password-substring-username-match`, …),
    /// the address created too many accounts (`acct_creation_throttle_hit`),
    /// the captcha was wrong (`captcha-createaccount-fail`), ….
    #[error("account creation failed{}{}",
        code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default(),
        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    CreateAccount {
        /// The server's message code (`userexists`, …).
        code: Option<String>,
        /// The server's message.
        reason: Option<String>,
    },
    /// The server no longer knows the logged-in session (a `+\` csrf token
    /// or `assertuserfailed` after a successful login), and it could not
    /// be restored by logging in again.
    #[error("session lost: {0}")]
    SessionLost(String),
    /// The wiki does not offer what was asked (a token type it does not
    /// know, a feature of a newer MediaWiki).
    #[error("unsupported by this wiki: {0}")]
    Unsupported(String),
    /// The caller passed something invalid (a bad URL or token type name).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The driver reported that the request could not be completed
    /// (connection refused or reset, TLS failure, body too large, a
    /// redirect it would not follow, …).
    #[error("transport error: {0}")]
    Transport(String),
    /// The connection closed or was reset before an answer came (a server
    /// or proxy closing a kept-alive connection as the request crossed
    /// it). A repeatable request (a GET, a login, a `checktoken`) is sent
    /// once more; a write is not: it may have arrived.
    #[error("connection lost: {0}")]
    Disconnected(String),
    /// The driver gave up waiting for the server (connect or response
    /// timeout).
    #[error("timed out: {0}")]
    Timeout(String),
}

impl Error {
    /// The API error, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The kind of the API error, when this is one.
    pub fn api_kind(&self) -> Option<ErrorKind> {
        self.api().map(ApiError::kind)
    }

    /// The API error code, when this is an API error (`badtoken`).
    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.code.as_str())
    }

    /// How long the server asked the client to wait, from `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl Error {
    /// Replaces the given secrets in every text the server supplied.
    pub(crate) fn redact(&mut self, secrets: &[&str]) {
        use crate::redact::redact_in_place;
        match self {
            Error::Api(e) => e.redact(secrets),
            Error::Login { result, reason, .. } => {
                redact_in_place(result, secrets);
                if let Some(r) = reason {
                    redact_in_place(r, secrets);
                }
            }
            Error::Decode(m)
            | Error::SessionLost(m)
            | Error::Unsupported(m)
            | Error::InvalidInput(m)
            | Error::Transport(m)
            | Error::Timeout(m)
            | Error::Disconnected(m)
            | Error::NotLoggedIn(m)
            | Error::CentralAuthSession(m)
            | Error::Internal(m) => {
                redact_in_place(m, secrets);
            }
            // The code is an identifier the client matches on
            // (`passwordincommonlist` holds the password "password"): only
            // the message is server prose.
            Error::SecondFactor { reason, .. } | Error::CreateAccount { reason, .. } => {
                if let Some(r) = reason {
                    redact_in_place(r, secrets);
                }
            }
            Error::NotApi { detail, .. } => {
                redact_in_place(detail, secrets);
            }
            Error::Http { .. } | Error::MaybeApplied { .. } => {}
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}
