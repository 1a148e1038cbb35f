//! The `Cookie` header of a request: the held cookies that match its URL
//! (`cookie_store::Cookie::matches`), sorted and joined, with how long it
//! stays right.

use std::time::SystemTime;

use cookie_store::{Cookie, CookieExpiration};
use http::HeaderValue;
use hyper::body::Bytes;
use url::Url;

use super::Held;

/// A rendered header, kept until a cookie is stored or removed or one of
/// its cookies expires.
pub(super) struct Rendered {
    /// The request URL up to its path (scheme, host, port, path: all that
    /// RFC 6265 matching looks at).
    pub(super) key: String,
    /// When the first of its cookies expires (`None`: none expires before
    /// the session ends).
    pub(super) until: Option<SystemTime>,
    /// The header (`None`: no cookie matched).
    pub(super) header: Option<HeaderValue>,
}

/// Matches, sorts and joins the cookies for `url` (`key` is its part up
/// to the path).
pub(super) fn render(cookies: &[Held], url: &Url, key: &str) -> Rendered {
    let mut matched: Vec<&Cookie<'static>> = cookies
        .iter()
        .map(|h| &h.cookie)
        .filter(|c| !c.is_expired() && c.matches(url))
        .collect();
    let until = matched
        .iter()
        .filter_map(|c| match &c.expires {
            CookieExpiration::AtUtc(at) => Some(SystemTime::from(*at)),
            CookieExpiration::SessionEnd => None,
        })
        .min();
    // By `name=value`, as the header shows them.
    fn shown<'c>(c: &'c Cookie<'_>) -> impl Iterator<Item = &'c u8> {
        let (name, value) = c.name_value();
        name.as_bytes().iter().chain(b"=").chain(value.as_bytes())
    }
    matched.sort_by(|a, b| shown(a).cmp(shown(b)));
    let len: usize = matched
        .iter()
        .map(|c| c.name().len() + c.value().len() + 3)
        .sum();
    let mut value = String::with_capacity(len);
    for c in matched {
        if !value.is_empty() {
            value.push_str("; ");
        }
        let (name, v) = c.name_value();
        value.push_str(name);
        value.push('=');
        value.push_str(v);
    }
    let header = if value.is_empty() {
        None
    } else {
        HeaderValue::from_maybe_shared(Bytes::from(value))
            .ok()
            .map(|mut header| {
                header.set_sensitive(true);
                header
            })
    };
    Rendered {
        key: key.to_owned(),
        until,
        header,
    }
}
