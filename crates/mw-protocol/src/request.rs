//! Building `http::Request`s for `api.php`.

use std::fmt;

use url::Url;

use crate::{Error, Password, Token};

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
    params: Vec<(String, String)>,
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
                ("action".into(), action.into()),
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
        let value = value.into();
        match self.params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name, value)),
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
            .map(|(_, v)| v.as_str())
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

    /// [`to_http`](Self::to_http), with the request's URL as parsed.
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
        let mut url = endpoint.clone();
        url.set_fragment(None);
        let body = {
            let mut query = url.query_pairs_mut();
            if self.method == Method::Get {
                query.extend_pairs(&self.params);
            }
            for (name, secret) in &self.url_params {
                query.append_pair(name, secret.value());
            }
            drop(query);
            if url.query() == Some("") {
                url.set_query(None);
            }
            match self.method {
                Method::Get => Vec::new(),
                Method::Post => {
                    let mut form = form_urlencoded::Serializer::new(String::new());
                    form.extend_pairs(&self.params);
                    for (name, secret) in &self.secrets {
                        form.append_pair(name, secret.value());
                    }
                    form.finish().into_bytes()
                }
            }
        };
        let ua = http::HeaderValue::from_str(user_agent).map_err(|_| {
            Error::InvalidInput("the user agent is not a valid header value".into())
        })?;
        let mut builder = http::Request::builder()
            .uri(url.as_str())
            .header(http::header::USER_AGENT, ua)
            .header(http::header::ACCEPT, "application/json");
        builder = match self.method {
            Method::Get => builder.method(http::Method::GET),
            Method::Post => builder.method(http::Method::POST).header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            ),
        };
        let request = builder
            .body(body)
            .map_err(|e| Error::InvalidInput(format!("cannot build request: {e}")))?;
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
