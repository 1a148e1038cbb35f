//! When to retry: `maxlag`, `ratelimited`, and HTTP 429/502/503/504, with
//! bounded attempts, the server's `Retry-After`, exponential backoff and a
//! bound on the total wait. A POST is retried only when the server said it
//! did not act on it.

use std::time::Duration;

use crate::Error;
use crate::request::Method;

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
///
/// // A proxy's 502 to a POST may mean the write was applied: never retried.
/// let gateway = Error::Http { status: 502, retry_after: None, url: None };
/// assert!(policy.delay(&gateway, 0).is_some());
/// assert_eq!(policy.delay_for(&gateway, 0, Method::Post), None);
/// # use mw_protocol::request::Method;
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
    /// The longest total time one operation may spend waiting before
    /// retries: a wait that would pass it ends the retries with the error.
    /// Default 300 s (with the other defaults, at most 3 waits of at most
    /// 120 s each would otherwise be 360 s).
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(120),
            max_total_wait: Duration::from_secs(300),
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

    /// How long to wait before retrying a GET after `error`, the
    /// `retries_done`-th retry so far; `None` when it must not be retried.
    /// The same as [`delay_for`](Self::delay_for) with [`Method::Get`].
    pub fn delay(&self, error: &Error, retries_done: u32) -> Option<Duration> {
        self.delay_for(error, retries_done, Method::Get)
    }

    /// How long to wait before retrying a request of `method` after
    /// `error`; `None` when it must not be retried. Not counted here: the
    /// total wait so far, which the session bounds with
    /// [`max_total_wait`](Self::max_total_wait).
    pub fn delay_for(&self, error: &Error, retries_done: u32, method: Method) -> Option<Duration> {
        if retries_done >= self.max_retries || !is_retryable(error, method) {
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

/// Errors that a wait can cure. A GET may be sent again after any answer
/// that says "later": `maxlag`, `ratelimited`, 429, and the 502/503/504 of
/// a cache or proxy. A POST only when the server said it did not act on
/// it: an API error `maxlag` or `ratelimited` (MediaWiki checks both before
/// the module runs), or HTTP 429. A 502/503/504 without an API error may
/// come from a proxy that forwarded the POST: see [`Error::MaybeApplied`].
fn is_retryable(error: &Error, method: Method) -> bool {
    match (error, method) {
        (Error::Api(e), _) if e.kind().is_not_acted_on() => true,
        (Error::Api(e), Method::Get) => matches!(e.http_status, 429 | 503),
        (Error::Http { status, .. }, Method::Get) => matches!(status, 429 | 502 | 503 | 504),
        (Error::Http { status: 429, .. }, Method::Post) => true,
        _ => false,
    }
}

/// A request the connection failed under before an answer came
/// ([`Error::Disconnected`]: reset, closed) is sent once more, at once, when
/// it is repeatable (a GET, a login, a checktoken): whether or not the
/// first one arrived, a second changes nothing more. A write is never sent
/// again: the transport resends it only when it provably never left.
pub(crate) fn resend_after_transport(
    error: &Error,
    already_resent: bool,
    repeatable: bool,
) -> bool {
    repeatable && !already_resent && matches!(error, Error::Disconnected(_))
}

/// `true` when a POST's failure leaves it unknown whether the server acted
/// on it: an HTTP 5xx status without an API error body.
pub(crate) fn may_have_been_applied(error: &Error, method: Method) -> bool {
    method == Method::Post && matches!(error, Error::Http { status, .. } if *status >= 500)
}
