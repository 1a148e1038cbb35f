//! How a session behaves: [`Config`] and [`Assert`].

use crate::RetryPolicy;

/// Which `assert` a session adds to its calls while logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Assert {
    /// Add nothing.
    None,
    /// `assert=user`: fail with `assertuserfailed` instead of acting
    /// anonymously when the session was lost (the default).
    User,
    /// `assert=bot`: also require the `bot` right.
    Bot,
}

/// How a [`Session`](super::Session) behaves.
///
/// ```
/// let mut config = mw_protocol::Config::new("MyBot/1.0 (https://example.org/bot; bot@example.org)");
/// config.maxlag = None;
/// assert_eq!(config.assert, mw_protocol::Assert::User);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The `User-Agent` of every request. Wikimedia requires a descriptive
    /// one with contact information.
    pub user_agent: String,
    /// The `assert` added to calls and token fetches while logged in.
    pub assert: Assert,
    /// `maxlag=N` on every request (default 5, as Wikimedia asks of bots);
    /// `None` to send none.
    pub maxlag: Option<u32>,
    /// Retries for `maxlag`, `ratelimited` and HTTP 429/502/503/504.
    pub retry: RetryPolicy,
    /// Log in again (once per operation) when a session is lost and the
    /// credentials of the last [`Session::login`](super::Session::login) are known (default true).
    pub relogin: bool,
    /// Let calls with a user-bound token (csrf, watch, patrol, …) go out
    /// while no user is logged in (default false). MediaWiki accepts them
    /// with the anonymous token `+\` and records the machine's IP address
    /// as their author; without this, such a call fails with
    /// [`Error::NotLoggedIn`](crate::Error::NotLoggedIn) and sends nothing. Per call:
    /// [`ActionCall::allow_anonymous`](super::ActionCall::allow_anonymous).
    pub allow_anonymous: bool,
}

impl Config {
    /// The defaults, with a user agent.
    pub fn new(user_agent: impl Into<String>) -> Self {
        Config {
            user_agent: user_agent.into(),
            assert: Assert::User,
            maxlag: Some(5),
            retry: RetryPolicy::default(),
            relogin: true,
            allow_anonymous: false,
        }
    }
}
