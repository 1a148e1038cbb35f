//! `Retry-After`, in seconds or as an HTTP date.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// Reads `Retry-After` from response headers.
///
/// Seconds are taken as they are. An HTTP date is measured against the
/// response's own `Date` header (the sans-IO core never reads the clock),
/// and a date in the past means no wait. Garbage, or a date without a
/// `Date` header to compare with, gives `None`: the caller then falls back
/// to its own backoff.
///
/// ```
/// use http::HeaderMap;
/// use mw_protocol::response::parse_retry_after;
/// use std::time::Duration;
/// let mut h = HeaderMap::new();
/// h.insert("retry-after", "120".parse().unwrap());
/// assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(120)));
/// h.insert("retry-after", "Sat, 21 Nov 2026 10:00:30 GMT".parse().unwrap());
/// h.insert("date", "Sat, 21 Nov 2026 10:00:00 GMT".parse().unwrap());
/// assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(30)));
/// h.insert("retry-after", "soon".parse().unwrap());
/// assert_eq!(parse_retry_after(&h), None);
/// ```
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at: SystemTime = httpdate::parse_http_date(value).ok()?;
    let date = headers.get(http::header::DATE)?.to_str().ok()?;
    let now = httpdate::parse_http_date(date.trim()).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}
