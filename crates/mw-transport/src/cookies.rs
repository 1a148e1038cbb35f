//! The cookie jar: a `cookie_store::CookieStore` (RFC 6265 domain, path,
//! `Secure` and expiry rules) behind a mutex.
//!
//! Cookie values are session credentials: they never appear in logs,
//! `Debug` output or errors. (`CookieStore::store_response_cookies` logs
//! values at debug level through the `log` crate, so it is not used:
//! cookies go in one by one with `insert_raw`, which logs nothing.)

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use cookie_store::{CookieExpiration, CookieStore, RawCookie};
use http::{HeaderMap, HeaderValue};
use hyper::body::Bytes;
use url::{Host, Position, Url};

/// The largest cookie (name and value) kept: RFC 6265 §6.1 asks for at
/// least 4096 bytes, and a larger one would only make every request's
/// `Cookie` header too large for the server.
const MAX_COOKIE_BYTES: usize = 4096;

/// The most cookies a jar holds (one wiki needs a handful; CentralAuth a
/// few more). Further new cookies are dropped; existing ones can still be
/// updated or deleted.
const MAX_COOKIES: usize = 50;

pub(crate) struct Jar {
    inner: Mutex<Inner>,
}

struct Inner {
    store: CookieStore,
    /// The last `Cookie` header rendered, until the store changes or one
    /// of its cookies expires: a client sends request after request to the
    /// same `api.php`, and matching, sorting and joining the cookies again
    /// each time was about a tenth of its instructions (callgrind).
    rendered: Option<Rendered>,
}

struct Rendered {
    /// The request URL up to its path (scheme, host, port, path: all that
    /// RFC 6265 matching looks at).
    key: String,
    /// When the first of its cookies expires (`None`: none expires before
    /// the session ends).
    until: Option<SystemTime>,
    /// The header (`None`: no cookie matched).
    header: Option<HeaderValue>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.lock().store.iter_unexpired().count();
        f.debug_struct("Jar").field("cookies", &count).finish()
    }
}

impl Jar {
    pub fn new() -> Self {
        Self::from_store(CookieStore::new())
    }

    fn from_store(store: CookieStore) -> Self {
        Jar {
            inner: Mutex::new(Inner {
                store,
                rendered: None,
            }),
        }
    }

    /// A jar holding saved cookies (the unexpired ones).
    pub fn from_saved(cookies: Vec<cookie_store::Cookie<'static>>) -> Self {
        let store = CookieStore::from_cookies(
            cookies.into_iter().map(Ok::<_, std::convert::Infallible>),
            false,
        );
        match store {
            Ok(store) => Self::from_store(store),
            Err(never) => match never {},
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `Cookie` header for a request to `url`, if any cookie matches.
    /// Cookies are sorted by name, so that the header does not depend on
    /// the store's hash order (MediaWiki does not care about the order).
    pub fn header_for(&self, url: &Url) -> Option<HeaderValue> {
        let key = &url[..Position::AfterPath];
        let mut inner = self.lock();
        if let Some(r) = &inner.rendered
            && r.key == key
            && r.until.is_none_or(|until| SystemTime::now() < until)
        {
            return r.header.clone();
        }
        let rendered = render(&inner.store, url, key);
        let header = rendered.header.clone();
        inner.rendered = Some(rendered);
        header
    }

    /// Stores every `Set-Cookie` of a response to `url`. Invalid cookies,
    /// cookies for a domain `url` is not in, and `Domain` attributes that
    /// are a single label (`Domain=org`, a supercookie) are dropped.
    pub fn store_from(&self, headers: &HeaderMap, url: &Url) {
        let mut values = headers.get_all(http::header::SET_COOKIE).iter().peekable();
        if values.peek().is_none() {
            return;
        }
        let mut inner = self.lock();
        let inner = &mut *inner;
        // The store's size, counted when first needed and after a change.
        let mut count = None;
        for value in values {
            let Ok(text) = value.to_str() else {
                tracing::debug!("ignored a Set-Cookie header that is not ASCII");
                continue;
            };
            let Ok(cookie) = RawCookie::parse(text) else {
                tracing::debug!("ignored an unparsable Set-Cookie header");
                continue;
            };
            if cookie.name().len() + cookie.value().len() > MAX_COOKIE_BYTES {
                tracing::debug!(
                    cookie = cookie.name(),
                    "ignored a cookie larger than {MAX_COOKIE_BYTES} bytes"
                );
                continue;
            }
            let held = *count.get_or_insert_with(|| inner.store.iter_any().count());
            if held >= MAX_COOKIES && !inner.store.iter_any().any(|c| c.name() == cookie.name()) {
                tracing::debug!(
                    cookie = cookie.name(),
                    "ignored a cookie: the jar already holds {MAX_COOKIES}"
                );
                continue;
            }
            if is_supercookie(&cookie, url) {
                tracing::debug!(
                    cookie = cookie.name(),
                    "ignored a cookie for a top-level domain"
                );
                continue;
            }
            let cookie = match cookie_store::Cookie::try_from_raw_cookie(&cookie, url) {
                Ok(cookie) => cookie,
                Err(e) => {
                    tracing::debug!(cookie = cookie.name(), error = %e, "ignored a cookie");
                    continue;
                }
            };
            // A wiki sets its session cookie again with most answers: the
            // same cookie again changes nothing, and keeps the header.
            if inner
                .store
                .iter_any()
                .any(|held| *held == cookie && !held.is_expired())
            {
                continue;
            }
            inner.rendered = None;
            count = None;
            if let Err(e) = inner.store.insert(cookie.into_owned(), url) {
                tracing::debug!(error = %e, "ignored a cookie");
            }
        }
    }

    /// The unexpired cookies (session cookies included), to save.
    pub fn saved(&self) -> Vec<cookie_store::Cookie<'static>> {
        self.lock().store.iter_unexpired().cloned().collect()
    }
}

/// Matches, sorts and joins the cookies for `url` (`key` is its part up
/// to the path).
fn render(store: &CookieStore, url: &Url, key: &str) -> Rendered {
    let mut cookies = store.matches(url);
    let until = cookies
        .iter()
        .filter_map(|c| match &c.expires {
            CookieExpiration::AtUtc(at) => Some(SystemTime::from(*at)),
            CookieExpiration::SessionEnd => None,
        })
        .min();
    // By `name=value`, as the header shows them.
    fn shown<'c>(c: &'c cookie_store::Cookie<'_>) -> impl Iterator<Item = &'c u8> {
        let (name, value) = c.name_value();
        name.as_bytes().iter().chain(b"=").chain(value.as_bytes())
    }
    cookies.sort_by(|a, b| shown(a).cmp(shown(b)));
    let mut value = String::new();
    for c in cookies {
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

/// A `Domain` attribute of one label (`org`, `.com`) that is not the
/// request host itself: RFC 6265 says to reject public suffixes, and
/// single labels are the ones that need no list to recognise.
fn is_supercookie(cookie: &RawCookie<'_>, url: &Url) -> bool {
    let Some(domain) = cookie.domain() else {
        return false;
    };
    let domain = domain.trim().trim_start_matches('.').to_ascii_lowercase();
    match url.host() {
        Some(Host::Domain(host)) => !domain.contains('.') && !host.eq_ignore_ascii_case(&domain),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn set(jar: &Jar, from: &str, cookies: &[&str]) {
        let mut headers = HeaderMap::new();
        for c in cookies {
            headers.append(
                http::header::SET_COOKIE,
                HeaderValue::from_str(c).expect("test header"),
            );
        }
        jar.store_from(&headers, &url(from));
    }

    fn header(jar: &Jar, to: &str) -> Option<String> {
        jar.header_for(&url(to))
            .map(|h| h.to_str().unwrap_or_default().to_owned())
    }

    #[test]
    fn cookies_stay_on_their_host() {
        let jar = Jar::new();
        set(
            &jar,
            "https://a.example.org/w/api.php",
            &["s=1; path=/; HttpOnly", "t=2; path=/"],
        );
        assert_eq!(
            header(&jar, "https://a.example.org/w/api.php").as_deref(),
            Some("s=1; t=2")
        );
        assert_eq!(header(&jar, "https://b.example.org/w/api.php"), None);
        assert_eq!(header(&jar, "https://example.org/w/api.php"), None);
        assert_eq!(header(&jar, "https://a.example.org.evil/w/api.php"), None);
    }

    #[test]
    fn domain_cookies_follow_the_rules() {
        let jar = Jar::new();
        set(
            &jar,
            "https://en.example.org/w/api.php",
            &[
                "central=1; domain=.example.org; path=/",
                "foreign=2; domain=other.org; path=/",
                "super=3; domain=org; path=/",
            ],
        );
        assert_eq!(
            header(&jar, "https://meta.example.org/w/api.php").as_deref(),
            Some("central=1")
        );
        assert_eq!(header(&jar, "https://other.org/w/api.php"), None);
        assert_eq!(header(&jar, "https://wiki.org/w/api.php"), None);
    }

    #[test]
    fn secure_cookies_are_not_sent_in_clear_and_expired_ones_are_removed() {
        let jar = Jar::new();
        set(
            &jar,
            "https://w.example/w/api.php",
            &["sec=1; Secure; path=/", "gone=2; path=/"],
        );
        assert_eq!(
            header(&jar, "http://w.example/w/api.php").as_deref(),
            Some("gone=2")
        );
        set(
            &jar,
            "https://w.example/w/api.php",
            &["gone=deleted; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT"],
        );
        assert_eq!(
            header(&jar, "https://w.example/w/api.php").as_deref(),
            Some("sec=1")
        );
    }

    #[test]
    fn saved_cookies_round_trip_with_session_cookies() {
        let jar = Jar::new();
        set(
            &jar,
            "http://127.0.0.1:8080/api.php",
            &["wiki_session=abc; path=/; HttpOnly"],
        );
        let saved = jar.saved();
        let json = serde_json::to_string(&saved).unwrap_or_default();
        let back: Vec<cookie_store::Cookie<'static>> =
            serde_json::from_str(&json).unwrap_or_default();
        let jar = Jar::from_saved(back);
        assert_eq!(
            header(&jar, "http://127.0.0.1:9090/api.php").as_deref(),
            Some("wiki_session=abc")
        );
        assert!(!format!("{jar:?}").contains("abc"));
    }
}
