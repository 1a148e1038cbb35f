//! What an API error code means to a client: the one place that reads the
//! codes the session, the retry policy, the CLI and the Python exceptions
//! act on.

use serde_json::Value;

use super::ApiError;

/// The kind of an [`ApiError`], from its code (and, for `badvalue`, the
/// parameter it names). Everything that decides by error code asks this.
///
/// ```
/// use mw_protocol::{ApiError, ErrorKind};
/// assert_eq!(ApiError::new("maxlag", "Waiting for db1: 3 seconds lagged.").kind(), ErrorKind::MaxLag);
/// assert!(ErrorKind::RateLimited.is_not_acted_on());
/// assert!(ErrorKind::AssertBotFailed.is_assertion_failure());
/// assert_eq!(ApiError::new("unknown_action", "Unrecognized value").kind(), ErrorKind::UnknownAction);
/// assert_eq!(ApiError::new("protectedpage", "This page is protected").kind(), ErrorKind::Other);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `badtoken`: the token is invalid (or, on a foreign wiki, the
    /// `centralauthtoken` is). The session refreshes it once.
    BadToken,
    /// `maxlag`: the replicas lag; retried after the server's wait.
    MaxLag,
    /// `ratelimited`: too many actions; retried after a backoff.
    RateLimited,
    /// `readonly`: the wiki is in read-only mode.
    ReadOnly,
    /// `assertuserfailed`: `assert=user` found no logged-in user (the
    /// session was lost).
    AssertUserFailed,
    /// `assertbotfailed`: `assert=bot` found no user with the `bot` right.
    AssertBotFailed,
    /// `assertnameduserfailed`: `assertuser=` named another user.
    AssertNamedUserFailed,
    /// `badsession`: CentralAuth refuses a session that is not its own (a
    /// bot-password or OAuth login).
    BadSession,
    /// The wiki has no module of the requested `action`:
    /// `unknown_action` up to 1.34, `badvalue` for `action` from 1.35.
    UnknownAction,
    /// Any other code.
    Other,
}

impl ErrorKind {
    /// `true` for the kinds MediaWiki answers before the module runs, so
    /// that even a POST is known not to have been acted on and may be sent
    /// again after a wait: `maxlag` and `ratelimited`.
    pub fn is_not_acted_on(self) -> bool {
        matches!(self, ErrorKind::MaxLag | ErrorKind::RateLimited)
    }

    /// `true` for the failures of `assert=user`, `assert=bot` and
    /// `assertuser=`.
    pub fn is_assertion_failure(self) -> bool {
        matches!(
            self,
            ErrorKind::AssertUserFailed
                | ErrorKind::AssertBotFailed
                | ErrorKind::AssertNamedUserFailed
        )
    }
}

impl ApiError {
    /// What the error's code means: see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self.code.as_str() {
            "badtoken" => ErrorKind::BadToken,
            "maxlag" => ErrorKind::MaxLag,
            "ratelimited" => ErrorKind::RateLimited,
            "readonly" => ErrorKind::ReadOnly,
            "assertuserfailed" => ErrorKind::AssertUserFailed,
            "assertbotfailed" => ErrorKind::AssertBotFailed,
            "assertnameduserfailed" => ErrorKind::AssertNamedUserFailed,
            "badsession" => ErrorKind::BadSession,
            "unknown_action" => ErrorKind::UnknownAction,
            "badvalue" if self.names_param("action") => ErrorKind::UnknownAction,
            _ => ErrorKind::Other,
        }
    }

    /// `true` when the error's `data.param` (or, without data, its text)
    /// names `param`.
    fn names_param(&self, param: &str) -> bool {
        match self
            .data
            .as_ref()
            .and_then(|d| d.get("param"))
            .and_then(Value::as_str)
        {
            Some(named) => named == param,
            None => {
                self.text.contains(&format!("parameter \"{param}\""))
                    || self.text.contains(&format!("parameter '{param}'"))
            }
        }
    }
}
