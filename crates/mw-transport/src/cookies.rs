//! The cookie jar: a `cookie_store::CookieStore` (RFC 6265 domain, path,
//! `Secure` and expiry rules) behind a mutex.
//!
//! Cookie values are session credentials: they never appear in logs,
//! `Debug` output or errors. (`CookieStore::store_response_cookies` logs
//! values at debug level through the `log` crate, so it is not used:
//! cookies go in one by one with `insert_raw`, which logs nothing.)

use std::sync::{Mutex, MutexGuard, PoisonError};

use cookie_store::{CookieStore, RawCookie};
use http::{HeaderMap, HeaderValue};
use url::{Host, Url};

/// The largest cookie (name and value) kept: RFC 6265 §6.1 asks for at
/// least 4096 bytes, and a larger one would only make every request's
/// `Cookie` header too large for the server.
const MAX_COOKIE_BYTES: usize = 4096;

/// The most cookies a jar holds (one wiki needs a handful; CentralAuth a
/// few more). Further new cookies are dropped; existing ones can still be
/// updated or deleted.
const MAX_COOKIES: usize = 50;

pub(crate) struct Jar {
    store: Mutex<CookieStore>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.lock().iter_unexpired().count();
        f.debug_struct("Jar").field("cookies", &count).finish()
    }
}

impl Jar {
    pub fn new() -> Self {
        Self::from_store(CookieStore::new())
    }

    fn from_store(store: CookieStore) -> Self {
        Jar {
            store: Mutex::new(store),
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

    fn lock(&self) -> MutexGuard<'_, CookieStore> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `Cookie` header for a request to `url`, if any cookie matches.
    /// Cookies are sorted by name, so that the header does not depend on
    /// the store's hash order (MediaWiki does not care about the order).
    pub fn header_for(&self, url: &Url) -> Option<HeaderValue> {
        let store = self.lock();
        let mut pairs: Vec<String> = store
            .get_request_values(url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        drop(store);
        pairs.sort();
        let value = pairs.join("; ");
        if value.is_empty() {
            return None;
        }
        let mut header = HeaderValue::from_str(&value).ok()?;
        header.set_sensitive(true);
        Some(header)
    }

    /// Stores every `Set-Cookie` of a response to `url`. Invalid cookies,
    /// cookies for a domain `url` is not in, and `Domain` attributes that
    /// are a single label (`Domain=org`, a supercookie) are dropped.
    pub fn store_from(&self, headers: &HeaderMap, url: &Url) {
        let mut store = self.lock();
        for value in headers.get_all(http::header::SET_COOKIE) {
            let Ok(text) = value.to_str() else {
                tracing::debug!("ignored a Set-Cookie header that is not ASCII");
                continue;
            };
            let Ok(cookie) = RawCookie::parse(text.to_owned()) else {
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
            if store.iter_any().count() >= MAX_COOKIES
                && !store.iter_any().any(|c| c.name() == cookie.name())
            {
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
            if let Err(e) = store.insert_raw(&cookie, url) {
                tracing::debug!(cookie = cookie.name(), error = %e, "ignored a cookie");
            }
        }
    }

    /// The unexpired cookies (session cookies included), to save.
    pub fn saved(&self) -> Vec<cookie_store::Cookie<'static>> {
        self.lock().iter_unexpired().cloned().collect()
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
