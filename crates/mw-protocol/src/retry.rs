//! When to retry: `maxlag`, `ratelimited`, and HTTP 429/502/503/504, with
//! bounded attempts, the server's `Retry-After` and exponential backoff.

use std::time::Duration;

use crate::Error;

/// The retry decisions of a [`Session`](crate::Session).
///
/// ```
/// use mw_protocol::{ApiError, Error, RetryPolicy};
/// use std::time::Duration;
/// let policy = RetryPolicy::default();
/// let mut lag = ApiError::new("maxlag", "Waiting for db1: 7 seconds lagged.");
/// lag.retry_after = Some(Duration::from_secs(7));
/// let lag = Error::from(lag);
/// assert_eq!(policy.delay(&lag, 0), Some(Duration::from_secs(7)));
/// assert_eq!(policy.delay(&lag, policy.max_retries), None);
/// assert_eq!(policy.delay(&Error::from(ApiError::new("badtoken", "")), 0), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3).
    pub max_retries: u32,
    /// The first backoff when the server gave no `Retry-After` (default
    /// 5 s, MediaWiki's own minimum for maxlag); it doubles each retry.
    pub base_delay: Duration,
    /// The longest wait: a longer backoff is cut to this, and a longer
    /// `Retry-After` ends the retries with the error (which carries it).
    /// Default 120 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before retrying after `error`, the `retries_done`-th
    /// retry so far; `None` when it must not be retried.
    pub fn delay(&self, error: &Error, retries_done: u32) -> Option<Duration> {
        if retries_done >= self.max_retries || !is_retryable(error) {
            return None;
        }
        match error.retry_after() {
            Some(wait) if wait > self.max_delay => None,
            Some(wait) => Some(wait),
            None => {
                let factor = 1u32.checked_shl(retries_done).unwrap_or(u32::MAX);
                Some(self.base_delay.saturating_mul(factor).min(self.max_delay))
            }
        }
    }
}

/// Errors that a wait can cure.
fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Api(e) => {
            matches!(e.code.as_str(), "maxlag" | "ratelimited")
                || matches!(e.http_status, 429 | 503)
        }
        Error::Http { status, .. } => matches!(status, 429 | 502 | 503 | 504),
        _ => false,
    }
}
