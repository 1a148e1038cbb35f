//! The cookie jar: `cookie_store::Cookie`s (the crate's RFC 6265 rules:
//! domain, path, `Secure` and expiry, from `try_from_raw_cookie` and
//! `matches`) in a small `Vec` per client, behind a mutex.
//!
//! `cookie_store::CookieStore` itself is not used: its three nested hash
//! maps (domain → path → name) cost a client 1.8 KiB and a flow 35k
//! instructions for the two or three cookies a wiki sets. What its
//! `insert` does is done here on the `Vec` (RFC 6265 §5.3 step 11): a
//! cookie replaces the unexpired one of the same name, domain and path,
//! and an expired one removes it. Its public-suffix check is not compiled
//! in (`default-features = false`); [`is_supercookie`] drops the
//! single-label `Domain`s instead.
//!
//! Cookie values are session credentials: they never appear in logs,
//! `Debug` output or errors.

use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::SystemTime;

use cookie_store::{Cookie, RawCookie};
use http::{HeaderMap, HeaderValue};
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
    /// At most one unexpired cookie per name, domain and path; its
    /// capacity is its length (a client holds it for its whole life).
    cookies: Vec<Held>,
    /// The last `Cookie` header rendered, until a cookie is stored or
    /// removed or one of its cookies expires: a client sends request after
    /// request to the same `api.php`, and matching, sorting and joining
    /// the cookies again each time was about a tenth of its instructions
    /// (callgrind).
    rendered: Option<Rendered>,
}

/// A cookie, and the `Set-Cookie` it was stored from.
struct Held {
    cookie: Cookie<'static>,
    /// [`fingerprint`] of the `Set-Cookie` text and its URL, if the same
    /// text again would make the same cookie (0: not known, or it would
    /// not: a relative `Max-Age`).
    from: u64,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self
            .lock()
            .cookies
            .iter()
            .filter(|h| !h.cookie.is_expired())
            .count();
        f.debug_struct("Jar").field("cookies", &count).finish()
    }
}

impl Jar {
    pub fn new() -> Self {
        Self::holding(Vec::new())
    }

    fn holding(cookies: Vec<Held>) -> Self {
        Jar {
            inner: Mutex::new(Inner {
                cookies,
                rendered: None,
            }),
        }
    }

    /// A jar holding saved cookies (the unexpired ones; of two with the
    /// same name, domain and path, the later, as `CookieStore` loaded them).
    pub fn from_saved(saved: Vec<Cookie<'static>>) -> Self {
        let mut cookies: Vec<Held> = Vec::with_capacity(saved.len());
        for cookie in saved.into_iter().filter(|c| !c.is_expired()) {
            let cookie = Held { cookie, from: 0 };
            match cookies
                .iter()
                .position(|h| same_key(&h.cookie, &cookie.cookie))
            {
                Some(i) => cookies[i] = cookie,
                None => cookies.push(cookie),
            }
        }
        cookies.shrink_to_fit();
        Self::holding(cookies)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `Cookie` header for a request to `url`, if any cookie matches.
    /// Cookies are sorted by `name=value`, so that the header does not
    /// depend on the order they came in (MediaWiki does not care).
    pub fn header_for(&self, url: &Url) -> Option<HeaderValue> {
        let key = &url[..Position::AfterPath];
        let mut inner = self.lock();
        if let Some(r) = &inner.rendered
            && r.key == key
            && r.until.is_none_or(|until| SystemTime::now() < until)
        {
            return r.header.clone();
        }
        let rendered = render(&inner.cookies, url, key);
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
        for value in values {
            let Ok(text) = value.to_str() else {
                tracing::debug!("ignored a Set-Cookie header that is not ASCII");
                continue;
            };
            // The same text from the same URL as a held cookie's is that
            // cookie again: nothing to parse.
            let from = fingerprint(text, url);
            if from != 0
                && inner
                    .cookies
                    .iter()
                    .any(|h| h.from == from && !h.cookie.is_expired())
            {
                continue;
            }
            if let Some(cookie) = accepted(text, url)
                && inner.store(cookie, from, text, url)
            {
                inner.rendered = None;
            }
        }
    }

    /// The unexpired cookies (session cookies included), to save.
    pub fn saved(&self) -> Vec<Cookie<'static>> {
        self.lock()
            .cookies
            .iter()
            .filter(|h| !h.cookie.is_expired())
            .map(|h| h.cookie.clone())
            .collect()
    }
}

impl Inner {
    /// Stores `cookie` as `CookieStore::insert` would (RFC 6265 §5.3
    /// step 11): it replaces the unexpired cookie of the same name, domain
    /// and path, or removes it if it has expired itself. Whether anything
    /// changed: a wiki sets its session cookie again with most answers,
    /// and the same cookie again keeps the rendered header.
    /// (`from` is the [`fingerprint`] of `text`, which came from `url`.)
    fn store(&mut self, cookie: Cookie<'_>, from: u64, text: &str, url: &Url) -> bool {
        // Expired cookies are never sent: they go (the rendered header,
        // valid until the first of its cookies expires, stays right).
        self.cookies.retain(|h| !h.cookie.is_expired());
        let held = self
            .cookies
            .iter()
            .position(|h| same_key(&h.cookie, &cookie));
        if cookie.is_expired() {
            return match held {
                Some(i) => {
                    self.cookies.swap_remove(i);
                    true
                }
                None => false,
            };
        }
        match held {
            Some(i) if unchanged(&self.cookies[i].cookie, &cookie) => {
                self.cookies[i].from = from;
                false
            }
            Some(i) => {
                self.cookies[i] = Held::new(cookie, from, text, url);
                true
            }
            None if self.cookies.len() >= MAX_COOKIES => {
                tracing::debug!(
                    cookie = cookie.name(),
                    "ignored a cookie: the jar already holds {MAX_COOKIES}"
                );
                false
            }
            None => {
                self.cookies.reserve_exact(1);
                self.cookies.push(Held::new(cookie, from, text, url));
                true
            }
        }
    }
}

/// Parses one `Set-Cookie` (borrowing its text) and checks it as
/// `CookieStore::insert_raw` would, and against the jar's own limits.
fn accepted<'t>(text: &'t str, url: &Url) -> Option<Cookie<'t>> {
    let Ok(raw) = RawCookie::parse(text) else {
        tracing::debug!("ignored an unparsable Set-Cookie header");
        return None;
    };
    if raw.name().len() + raw.value().len() > MAX_COOKIE_BYTES {
        tracing::debug!(
            cookie = raw.name(),
            "ignored a cookie larger than {MAX_COOKIE_BYTES} bytes"
        );
        return None;
    }
    if is_supercookie(&raw, url) {
        tracing::debug!(
            cookie = raw.name(),
            "ignored a cookie for a top-level domain"
        );
        return None;
    }
    match Cookie::try_from_raw_cookie(&raw, url) {
        // `insert` checks the domain again (a host-only cookie's is the
        // request's host).
        Ok(cookie) if cookie.domain.matches(url) => Some(cookie),
        Ok(cookie) => {
            tracing::debug!(
                cookie = cookie.name(),
                "ignored a cookie for another domain"
            );
            None
        }
        Err(e) => {
            tracing::debug!(cookie = raw.name(), error = %e, "ignored a cookie");
            None
        }
    }
}

/// The same cookie for RFC 6265 §5.3 step 11 (and `CookieStore`'s maps):
/// the same name, domain and path. (A host-only and a domain cookie of the
/// same domain text are the same, as in `CookieStore`.)
fn same_key(a: &Cookie<'_>, b: &Cookie<'_>) -> bool {
    a.name() == b.name()
        && a.path.as_ref() == b.path.as_ref()
        && a.domain.as_cow() == b.domain.as_cow()
}

/// Whether storing `new` over `held` (the same key) would change nothing
/// that is kept.
fn unchanged(held: &Cookie<'_>, new: &Cookie<'_>) -> bool {
    held.value() == new.value()
        && held.secure() == new.secure()
        && held.http_only() == new.http_only()
        && held.path == new.path
        && held.domain == new.domain
        && held.expires == new.expires
}

/// A `u64` of `text` and the part of `url` cookie rules look at (0 when
/// the same text would not make the same cookie again: a `Max-Age` counts
/// from when it is received).
fn fingerprint(text: &str, url: &Url) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    let max_age = text.match_indices('-').any(|(at, _)| {
        at >= 3
            && text.as_bytes()[at - 3..]
                .get(..b"max-age".len())
                .is_some_and(|w| w.eq_ignore_ascii_case(b"max-age"))
    });
    if max_age {
        return 0;
    }
    let keys = KEYS.get_or_init(RandomState::new);
    keys.hash_one((text, &url[..Position::AfterPath])).max(1)
}

impl Held {
    /// `cookie` to keep, parsed from `text` (from `url`): without its
    /// `Set-Cookie` text (see [`compact`]) when that saves 32 bytes or
    /// more (less is not worth the instructions).
    fn new(cookie: Cookie<'_>, from: u64, text: &str, url: &Url) -> Held {
        let saves = text.len() >= cookie.name().len() + cookie.value().len() + 1 + 32;
        Held {
            cookie: if saves {
                compact(cookie, url)
            } else {
                cookie.into_owned()
            },
            from,
        }
    }
}

/// `cookie` without the `Set-Cookie` text it was parsed from: a parsed
/// cookie keeps all of it (its dates and attributes, ~100 bytes), though
/// its path, domain and expiry are in fields of their own already. What is
/// kept: `name=value` in one allocation, `Secure` and `HttpOnly`
/// (`Cookie::matches` reads them from it); `SameSite` and `Partitioned`
/// are for browsers' cross-site rules and are not kept.
fn compact(cookie: Cookie<'_>, url: &Url) -> Cookie<'static> {
    let (name, value) = cookie.name_value();
    let Ok(mut raw) = RawCookie::parse(format!("{name}={value}")) else {
        return cookie.into_owned();
    };
    if raw.name_value() != (name, value) {
        return cookie.into_owned();
    }
    raw.set_secure(cookie.secure());
    raw.set_http_only(cookie.http_only());
    match Cookie::try_from_raw_cookie(&raw, url) {
        Ok(mut kept) => {
            kept.path = cookie.path;
            kept.domain = cookie.domain;
            kept.expires = cookie.expires;
            kept.into_owned()
        }
        Err(_) => cookie.into_owned(),
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

mod render;
#[cfg(test)]
mod tests;

use render::{Rendered, render};
