//! Building `http::Request`s for `api.php`.

use std::borrow::Cow;
use std::fmt;

use url::Url;

use crate::{Error, Password, Token};

mod encode;
use encode::push_pair;

/// The HTTP method of an API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: every parameter in the query string.
    Get,
    /// `POST`: every parameter in a form-encoded body.
    Post,
}

/// A secret parameter value: always sent in a POST body, after every
/// other parameter, and never shown by `Debug`.
#[derive(Clone, PartialEq)]
enum Secret {
    Token(Token),
    Password(Password),
}

impl Secret {
    fn value(&self) -> &str {
        match self {
            Secret::Token(t) => t.secret(),
            Secret::Password(p) => p.secret(),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Token(t) => t.fmt(f),
            Secret::Password(p) => p.fmt(f),
        }
    }
}

/// One Action API request, before it is rendered for an endpoint.
///
/// Parameters keep their order. `format=json`, `formatversion=2` and
/// `errorformat=plaintext` are always sent. Secrets (tokens, passwords)
/// make the request a POST and go last in the body; the only parameter
/// that may hold a token in the URL is `centralauthtoken`, which
/// CentralAuth requires there.
///
/// ```
/// use mw_protocol::{ActionRequest, Token};
/// let req = ActionRequest::post("logout").token("token", Token::new("ab+\\"));
/// let http = req.to_http(&"https://w.example/w/api.php".parse().unwrap(), "demo/1.0")?;
/// assert_eq!(http.method(), "POST");
/// assert_eq!(http.uri(), "https://w.example/w/api.php");
/// assert_eq!(
///     std::str::from_utf8(http.body()).unwrap(),
///     "action=logout&format=json&formatversion=2&errorformat=plaintext&token=ab%2B%5C"
/// );
/// # Ok::<(), mw_protocol::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRequest {
    method: Method,
    /// The names and values; the parameters every request has are not
    /// allocated (nor copied with the request).
    params: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    secrets: Vec<(String, Secret)>,
    url_params: Vec<(String, Secret)>,
    repeatable: bool,
}

impl ActionRequest {
    /// A GET request for `action`.
    pub fn get(action: &str) -> Self {
        Self::new(Method::Get, action)
    }

    /// A POST request for `action`.
    pub fn post(action: &str) -> Self {
        Self::new(Method::Post, action)
    }

    fn new(method: Method, action: &str) -> Self {
        ActionRequest {
            method,
            params: vec![
                ("action".into(), Cow::Owned(action.into())),
                ("format".into(), "json".into()),
                ("formatversion".into(), "2".into()),
                ("errorformat".into(), "plaintext".into()),
            ],
            secrets: Vec::new(),
            url_params: Vec::new(),
            repeatable: false,
        }
    }

    /// Adds (or replaces) a parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set_param(name, value);
        self
    }

    /// Adds or replaces a parameter in place.
    pub fn set_param(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = Cow::Owned(value.into());
        match self.params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((Cow::Owned(name), value)),
        }
    }

    /// [`set_param`](Self::set_param) for a name known at compile time (no
    /// allocation for it, nor for a static value).
    pub(crate) fn set_static_param(&mut self, name: &'static str, value: Cow<'static, str>) {
        match self.params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((Cow::Borrowed(name), value)),
        }
    }

    /// Adds a token parameter (`token`, `lgtoken`, `logintoken`, …). Makes
    /// the request a POST; the token goes last in the body.
    pub fn token(mut self, name: impl Into<String>, token: Token) -> Self {
        self.push_secret(name.into(), Secret::Token(token));
        self
    }

    /// Adds a password parameter (`lgpassword`, `password`). Makes the
    /// request a POST; the password goes in the body, before any token.
    pub fn password(mut self, name: impl Into<String>, password: Password) -> Self {
        self.push_secret(name.into(), Secret::Password(password));
        self
    }

    fn push_secret(&mut self, name: String, secret: Secret) {
        self.method = Method::Post;
        self.secrets.retain(|(n, _)| *n != name);
        // Passwords before tokens, tokens last.
        let at = match secret {
            Secret::Password(_) => self
                .secrets
                .iter()
                .take_while(|(_, s)| matches!(s, Secret::Password(_)))
                .count(),
            Secret::Token(_) => self.secrets.len(),
        };
        self.secrets.insert(at, (name, secret));
    }

    /// Puts CentralAuth's `centralauthtoken` in the URL, where the foreign
    /// wiki requires it (even for a POST, so that CORS preflights carry it).
    pub fn centralauthtoken(mut self, token: &Token) -> Self {
        self.url_params.retain(|(n, _)| n != "centralauthtoken");
        self.url_params
            .push(("centralauthtoken".into(), Secret::Token(token.clone())));
        self
    }

    /// Marks a POST as safe to send again when the connection failed
    /// before an answer came: it changes nothing on the wiki whether or not
    /// it arrived (a login, a `checktoken`). GETs are always repeatable.
    pub fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }

    /// `true` for a GET, or a POST marked [`repeatable`](Self::repeatable).
    pub fn is_repeatable(&self) -> bool {
        self.method == Method::Get || self.repeatable
    }

    /// The method this request will use.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The `action` parameter.
    pub fn action(&self) -> &str {
        self.param_value("action").unwrap_or_default()
    }

    /// The value of a (non-secret) parameter.
    pub fn param_value(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// Removes a (non-secret) parameter.
    pub(crate) fn remove_param(&mut self, name: &str) {
        self.params.retain(|(n, _)| n != name);
    }

    /// The values of every secret parameter (body and URL), for redaction.
    pub(crate) fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.secrets
            .iter()
            .chain(self.url_params.iter())
            .map(|(_, s)| s.value())
    }

    /// Renders the request for an `api.php` URL, with a `User-Agent`.
    ///
    /// Fails with [`Error::InvalidInput`] when the URL is not http(s) or the
    /// user agent is not a valid header value.
    pub fn to_http(
        &self,
        endpoint: &Url,
        user_agent: &str,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        self.to_http_with_url(endpoint, user_agent)
            .map(|(_, request)| request)
    }

    /// [`to_http`](Self::to_http), with the endpoint's URL as sent to
    /// (`endpoint` without its fragment; the request's URI is it with the
    /// request's parameters added).
    pub(crate) fn to_http_with_url(
        &self,
        endpoint: &Url,
        user_agent: &str,
    ) -> Result<(Url, http::Request<Vec<u8>>), Error> {
        if !matches!(endpoint.scheme(), "http" | "https") || endpoint.host_str().is_none() {
            return Err(Error::InvalidInput(
                "the endpoint must be an http(s) URL with a host".into(),
            ));
        }
        let ua = http::HeaderValue::from_str(user_agent).map_err(|_| {
            Error::InvalidInput("the user agent is not a valid header value".into())
        })?;
        // The parameters are encoded here, once, as `form_urlencoded` (and
        // `Url::query_pairs_mut`) would: about a third of the instructions
        // of rendering a request went to its per-byte serializer.
        // One allocation each, in most cases: the unescaped length, and
        // room for a few escapes.
        let params_len: usize = self.params.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
        let secrets_len = |secrets: &[(String, Secret)]| -> usize {
            secrets
                .iter()
                .map(|(n, s)| n.len() + s.value().len() + 2)
                .sum()
        };
        let mut added = Vec::new();
        if self.method == Method::Get || !self.url_params.is_empty() {
            let get = if self.method == Method::Get {
                params_len
            } else {
                0
            };
            added.reserve(get + secrets_len(&self.url_params) + 32);
        }
        if self.method == Method::Get {
            for (name, value) in &self.params {
                push_pair(&mut added, name, value);
            }
        }
        for (name, secret) in &self.url_params {
            push_pair(&mut added, name, secret.value());
        }
        let mut url = endpoint.clone();
        url.set_fragment(None);
        if url.query() == Some("") {
            url.set_query(None);
        }
        let body = match self.method {
            Method::Get => Vec::new(),
            Method::Post => {
                let mut form = Vec::with_capacity(params_len + secrets_len(&self.secrets) + 32);
                for (name, value) in &self.params {
                    push_pair(&mut form, name, value);
                }
                for (name, secret) in &self.secrets {
                    push_pair(&mut form, name, secret.value());
                }
                form
            }
        };
        // The URI is the endpoint's URL with the parameters appended, made
        // once: `Url::set_query` would parse them again (~4k instructions
        // a GET), and what `push_pair` writes is what it would keep (the
        // query percent-encode set is a subset of what `push_pair` escapes).
        let uri = if added.is_empty() {
            http::Uri::try_from(url.as_str())
        } else {
            let mut full = Vec::with_capacity(url.as_str().len() + 1 + added.len());
            full.extend_from_slice(url.as_str().as_bytes());
            full.push(if url.query().is_some() { b'&' } else { b'?' });
            full.extend_from_slice(&added);
            http::Uri::try_from(full)
        }
        .map_err(|e| Error::InvalidInput(format!("cannot build request: {e}")))?;
        let mut request = http::Request::new(body);
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(http::header::USER_AGENT, ua);
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        match self.method {
            Method::Get => *request.method_mut() = http::Method::GET,
            Method::Post => {
                *request.method_mut() = http::Method::POST;
                request.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
        }
        Ok((url, request))
    }
}

/// Parses and checks an `api.php` URL: http or https, with a host.
///
/// ```
/// assert!(mw_protocol::request::parse_endpoint("https://en.wikipedia.org/w/api.php").is_ok());
/// assert!(mw_protocol::request::parse_endpoint("ftp://x/api.php").is_err());
/// ```
pub fn parse_endpoint(url: &str) -> Result<Url, Error> {
    let parsed =
        Url::parse(url).map_err(|e| Error::InvalidInput(format!("invalid endpoint URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::InvalidInput(
            "the endpoint must be an http(s) URL with a host".into(),
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets_even_the_centralauthtoken() {
        let req = ActionRequest::post("edit")
            .password("lgpassword", Password::new("pw-secret-1"))
            .token("token", Token::new("tok-secret-2+\\"))
            .centralauthtoken(&Token::new("ca-secret-3"));
        let shown = format!("{req:?}");
        for secret in ["pw-secret-1", "tok-secret-2", "ca-secret-3"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        let url = "https://w.example/w/api.php".parse().expect("url");
        let http = req.to_http(&url, "ua").expect("request");
        assert_eq!(http.uri().query(), Some("centralauthtoken=ca-secret-3"));
    }
}
