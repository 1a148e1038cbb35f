//! Test support: what each request was, without a secret.

use std::sync::PoisonError;

use super::Client;

/// Test support: a summary of one request the session asked for (never a
/// secret: no token, password, cookie or query string).
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestRecord {
    /// `GET` or `POST`.
    pub method: String,
    /// The host (and port) it went to.
    pub host: String,
    /// Its `action` parameter.
    pub action: String,
    /// Its `meta` parameter, if any.
    pub meta: Option<String>,
    /// Its `type` parameter, if any (the token types of a fetch).
    pub types: Option<String>,
    /// Whether it carried a `centralauthtoken` in its URL.
    pub centralauthtoken: bool,
}

impl RequestRecord {
    pub(super) fn of(request: &http::Request<Vec<u8>>) -> RequestRecord {
        let uri = request.uri();
        let mut record = RequestRecord {
            method: request.method().to_string(),
            host: uri.authority().map(ToString::to_string).unwrap_or_default(),
            action: String::new(),
            meta: None,
            types: None,
            centralauthtoken: false,
        };
        let query = uri.query().unwrap_or_default().as_bytes();
        let body: &[u8] = if request.method() == http::Method::POST {
            request.body()
        } else {
            &[]
        };
        for (name, value) in
            url::form_urlencoded::parse(query).chain(url::form_urlencoded::parse(body))
        {
            match &*name {
                "action" => record.action = value.into_owned(),
                "meta" => record.meta = Some(value.into_owned()),
                "type" => record.types = Some(value.into_owned()),
                "centralauthtoken" => record.centralauthtoken = true,
                _ => {}
            }
        }
        record
    }
}

impl Client {
    /// Test support: the requests sent so far, when the builder had
    /// `record_requests(true)`.
    #[doc(hidden)]
    pub fn request_log(&self) -> Vec<RequestRecord> {
        match &self.shared.log {
            Some(log) => log.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            None => Vec::new(),
        }
    }
}
