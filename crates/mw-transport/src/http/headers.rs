//! The headers of a request that this layer sets itself: the bearer
//! token, `Host`, `Accept-Encoding`.

use http::{HeaderMap, HeaderValue, header};
use url::Url;

/// The bearer token's `Authorization` header, and where it may go.
pub(super) struct Bearer {
    pub(super) endpoint: Url,
    pub(super) header: HeaderValue,
}

impl Bearer {
    /// Only to the wiki's own host, and over TLS unless the endpoint
    /// itself is plain HTTP.
    pub(super) fn applies_to(&self, url: &Url) -> bool {
        url.host() == self.endpoint.host()
            && (url.scheme() == "https" || url.origin() == self.endpoint.origin())
    }
}

/// The `Host` header of requests to the endpoint's scheme and authority,
/// made once: hyper-util would format and check it for every request
/// (any other host still gets hyper-util's).
pub(super) struct Host {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    pub(super) header: HeaderValue,
}

impl Host {
    /// As hyper-util writes it: the host, and the port unless it is the
    /// scheme's default.
    pub(super) fn of(endpoint: &Url) -> Option<Host> {
        let uri = http::Uri::try_from(endpoint.as_str()).ok()?;
        let host = uri.host()?;
        let secure = matches!(uri.scheme_str(), Some("https" | "wss"));
        let value = match uri.port_u16() {
            Some(443) if secure => host.to_owned(),
            Some(80) if !secure => host.to_owned(),
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Some(Host {
            header: HeaderValue::from_str(&value).ok()?,
            scheme: uri.scheme()?.clone(),
            authority: uri.authority()?.clone(),
        })
    }

    pub(super) fn applies_to(&self, uri: &http::Uri) -> bool {
        // The session's requests carry the endpoint's own authority, byte
        // for byte: compared as bytes first (`Authority`'s `==` ignores
        // ASCII case, a byte at a time).
        let same_authority = uri
            .authority()
            .is_some_and(|a| a.as_str() == self.authority.as_str() || *a == self.authority);
        same_authority && uri.scheme() == Some(&self.scheme)
    }
}

/// The headers this layer sets itself (cookies, credentials, host, length,
/// encoding) are dropped from a request's own, and `Accept-Encoding: gzip`
/// added.
pub(super) fn own_headers(headers: &mut HeaderMap) {
    const OURS: [header::HeaderName; 5] = [
        header::COOKIE,
        header::AUTHORIZATION,
        header::HOST,
        header::CONTENT_LENGTH,
        header::ACCEPT_ENCODING,
    ];
    // Rebuilt rather than removed from, which would reorder the others.
    if OURS.iter().any(|name| headers.contains_key(name)) {
        let mut kept = HeaderMap::with_capacity(headers.len() + 1);
        for (name, value) in headers.iter() {
            if !OURS.contains(name) {
                kept.append(name.clone(), value.clone());
            }
        }
        *headers = kept;
    }
    headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn the_host_header_is_hyper_utils() {
        for (endpoint, host) in [
            ("https://w.example/w/api.php", "w.example"),
            ("https://w.example:443/w/api.php", "w.example"),
            ("http://w.example:80/w/api.php", "w.example"),
            ("https://w.example:8443/w/api.php", "w.example:8443"),
            ("http://127.0.0.1:8080/api.php", "127.0.0.1:8080"),
            ("http://[::1]:8080/api.php", "[::1]:8080"),
        ] {
            let made = Host::of(&url(endpoint)).expect("host");
            assert_eq!(made.header, host, "{endpoint}");
            let uri: http::Uri = url(endpoint).as_str().parse().expect("uri");
            assert!(made.applies_to(&uri));
        }
        let made = Host::of(&url("https://w.example/w/api.php")).expect("host");
        assert!(!made.applies_to(&"https://other.example/w/api.php".parse().expect("uri")));
        assert!(!made.applies_to(&"http://w.example/w/api.php".parse().expect("uri")));
    }

    #[test]
    fn bearer_goes_only_to_the_wiki() {
        let bearer = Bearer {
            endpoint: url("https://w.example/w/api.php"),
            header: HeaderValue::from_static("Bearer x"),
        };
        assert!(bearer.applies_to(&url("https://w.example/w/api.php?a=b")));
        assert!(!bearer.applies_to(&url("http://w.example/w/api.php")));
        assert!(!bearer.applies_to(&url("https://other.example/w/api.php")));
    }
}
