//! One HTTP exchange: cookies, redirects, decompression, size cap and
//! timeouts around hyper-util's pooling client (a pool shared by the
//! clients of the same runtime and settings: `http/pool.rs`). It decides
//! nothing about the API: it sends what the session asked for and hands
//! back what came.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use url::Url;

use crate::cookies::Jar;
use crate::stale::{self, CheckStale};

/// Redirects followed for one request, at most.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// How long a connection may idle in the pool: below the keep-alive
/// timeouts of common servers (Apache's and Node's default is 5 s), so that
/// a connection is not reused just as its server closes it
/// (docs/reliability.md, "Pooled connections").
pub(crate) const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// How many times one request is sent again after a pooled connection was
/// found closed before any of it was written ([`stale`]). Each time that
/// connection is gone from the pool, so the next one is another idle
/// connection or a new one.
const MAX_STALE_RESENDS: usize = 3;

type Connector = CheckStale<HttpsConnector<HttpConnector>>;

mod failure;
mod gzip;
mod headers;
mod pool;
mod redirect;

pub(crate) use failure::Failure;
use failure::{disconnected, error_chain, seconds, timed_out, transport};
use gzip::gunzip;
use headers::{Bearer, Host, own_headers};
use pool::{PoolSettings, Pools};
use redirect::{check_same_host, redirect_location};

/// The settings of the HTTP layer.
pub(crate) struct HttpSettings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
    pub bearer: Option<mw_protocol::Token>,
    pub endpoint: Url,
    pub tls: Arc<rustls::ClientConfig>,
    pub max_idle: usize,
}

pub(crate) struct Http {
    pools: Pools,
    jar: Arc<Jar>,
    timeout: Duration,
    connect_timeout: Duration,
    max_body: usize,
    /// Boxed: most clients have none (a pointer instead of ~130 bytes).
    bearer: Option<Box<Bearer>>,
    host: Option<Host>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_body", &self.max_body)
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(settings: HttpSettings, jar: Arc<Jar>) -> Result<Http, String> {
        let pools = Pools::new(PoolSettings {
            tls: settings.tls,
            connect_timeout: settings.connect_timeout,
            max_idle: settings.max_idle,
        });
        let host = Host::of(&settings.endpoint);
        let bearer = match settings.bearer {
            None => None,
            Some(token) => {
                let mut header = HeaderValue::from_str(&format!("Bearer {}", token.secret()))
                    .map_err(|_| "the bearer token is not a valid header value".to_owned())?;
                header.set_sensitive(true);
                Some(Box::new(Bearer {
                    endpoint: settings.endpoint,
                    header,
                }))
            }
        };
        Ok(Http {
            pools,
            jar,
            timeout: settings.timeout,
            connect_timeout: settings.connect_timeout,
            max_body: settings.max_body_bytes,
            bearer,
            host,
        })
    }

    /// Sends a request to `url` (the endpoint's URL as the session parsed
    /// it: the request's URI without its parameters),
    /// following same-host redirects, and reads the whole, decompressed
    /// body, all within the request timeout.
    pub async fn send(
        &self,
        url: Url,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Failure> {
        match tokio::time::timeout(self.timeout, self.exchange(url, request)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Timeout(format!(
                "no complete response within {}",
                seconds(self.timeout)
            ))),
        }
    }

    async fn exchange(
        &self,
        first: Url,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Failure> {
        let (mut parts, body) = request.into_parts();
        own_headers(&mut parts.headers);
        let body = Bytes::from(body);
        // The request's own URI for the first hop (the session parsed it
        // already); a redirect's is parsed from its URL.
        let mut uri = parts.uri;
        let mut redirected: Option<Url> = None;
        for hop in 0..=MAX_REDIRECTS {
            let url = redirected.as_ref().unwrap_or(&first);
            let response = self
                .hop(&parts.method, &uri, url, &parts.headers, &body)
                .await?;
            // Every response's cookies count, redirects included.
            self.jar.store_from(response.headers(), url);
            let status = response.status();
            let Some(location) = redirect_location(&response) else {
                return self.read(response).await;
            };
            drop(response);
            if hop == MAX_REDIRECTS {
                return Err(transport(format!(
                    "more than {MAX_REDIRECTS} redirects; not followed"
                )));
            }
            // The first hop's `url` is the endpoint's (`Transmit::url`):
            // a `Location` is resolved against the URI that was sent.
            let next = match &redirected {
                Some(url) => url.join(&location),
                None => Url::parse(&uri.to_string()).and_then(|sent| sent.join(&location)),
            }
            .map_err(|_| transport("a redirect with an invalid Location; not followed"))?;
            check_same_host(&first, &next)?;
            let keeps_method = matches!(
                status,
                StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
            );
            if !keeps_method && parts.method != Method::GET && parts.method != Method::HEAD {
                return Err(transport(format!(
                    "the server answered a {} with a {} redirect; it is not replayed as a GET",
                    parts.method,
                    status.as_u16()
                )));
            }
            tracing::debug!(
                status = status.as_u16(),
                to = next.path(),
                "following a redirect"
            );
            uri = http::Uri::try_from(next.as_str())
                .map_err(|e| transport(format!("cannot build the request: {e}")))?;
            redirected = Some(next);
        }
        Err(transport(format!(
            "more than {MAX_REDIRECTS} redirects; not followed"
        )))
    }

    /// Sends one request (no redirects). A request refused by a stale
    /// pooled connection, before any byte of it was written, is sent again
    /// (at most [`MAX_STALE_RESENDS`] times); no other is.
    async fn hop(
        &self,
        method: &Method,
        uri: &http::Uri,
        url: &Url,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<hyper::Response<Incoming>, Failure> {
        let pool = self
            .pools
            .get()
            .ok_or_else(|| transport("no Tokio runtime to send the request on"))?;
        let mut resends = 0;
        loop {
            let request = self.request(method, uri, url, headers, body);
            match pool.request(request).await {
                Ok(response) => return Ok(response),
                Err(e) if resends < MAX_STALE_RESENDS && stale::is_stale(&e) => {
                    resends += 1;
                    tracing::debug!(
                        method = %method,
                        resends,
                        "the pooled connection was closed before the request was written; sending it again"
                    );
                }
                Err(e) => return Err(self.classify(&e)),
            }
        }
    }

    /// The request for one hop: `headers` (see [`own_headers`]), and the
    /// cookies and bearer token for `url` (`uri` is the same URL).
    fn request(
        &self,
        method: &Method,
        uri: &http::Uri,
        url: &Url,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> http::Request<Full<Bytes>> {
        let mut request = http::Request::new(Full::new(body.clone()));
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri.clone();
        let out = request.headers_mut();
        // Room for the headers added below: a clone of `headers` would be
        // full, and the first insert would grow it again.
        out.reserve(headers.len() + 3);
        for (name, value) in headers {
            out.append(name.clone(), value.clone());
        }
        if let Some(cookies) = self.jar.header_for(url) {
            out.insert(header::COOKIE, cookies);
        }
        if let Some(bearer) = self.bearer.as_ref().filter(|b| b.applies_to(url)) {
            out.insert(header::AUTHORIZATION, bearer.header.clone());
        }
        if let Some(host) = self.host.as_ref().filter(|h| h.applies_to(uri)) {
            out.insert(header::HOST, host.header.clone());
        }
        request
    }

    async fn read(
        &self,
        response: hyper::Response<Incoming>,
    ) -> Result<http::Response<Vec<u8>>, Failure> {
        let (mut parts, body) = response.into_parts();
        // A Content-Length past the cap fails at once, instead of reading
        // (or waiting for) a body that will be refused anyway.
        let announced = hyper::body::Body::size_hint(&body).lower();
        if announced > u64::try_from(self.max_body).unwrap_or(u64::MAX) {
            return Err(transport(format!(
                "the response body is larger than {} bytes (Content-Length {announced})",
                self.max_body
            )));
        }
        // Read frame by frame into one buffer (of the announced size when
        // there is one): the body is held once, not as chunks plus a
        // contiguous copy.
        let mut wire = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        let mut limited = Limited::new(body, self.max_body);
        while let Some(frame) = limited.frame().await {
            let frame = frame.map_err(|e| {
                if e.downcast_ref::<LengthLimitError>().is_some() {
                    transport(format!(
                        "the response body is larger than {} bytes",
                        self.max_body
                    ))
                } else {
                    transport(format!(
                        "reading the response body failed: {}",
                        error_chain(&*e)
                    ))
                }
            })?;
            if let Ok(data) = frame.into_data() {
                wire.extend_from_slice(&data);
            }
        }
        let encoding = parts
            .headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
        let body = match encoding.as_deref() {
            None | Some("" | "identity") => wire,
            Some("gzip" | "x-gzip") => {
                let plain = if wire.is_empty() {
                    Vec::new()
                } else {
                    gunzip(&wire, self.max_body)?
                };
                parts.headers.remove(header::CONTENT_ENCODING);
                parts.headers.remove(header::CONTENT_LENGTH);
                plain
            }
            Some(other) => {
                let shown: String = other.chars().take(32).collect();
                return Err(transport(format!(
                    "the response has an unsupported content encoding {shown:?}"
                )));
            }
        };
        Ok(http::Response::from_parts(parts, body))
    }

    fn classify(&self, e: &hyper_util::client::legacy::Error) -> Failure {
        if timed_out(e) {
            if e.is_connect() {
                return Failure::Timeout(format!(
                    "could not connect within {}",
                    seconds(self.connect_timeout)
                ));
            }
            return Failure::Timeout(error_chain(e));
        }
        if e.is_connect() {
            if let Some(why) = crate::tls::unknown_issuer(e) {
                return transport(format!("could not connect: {why}"));
            }
            return transport(format!("could not connect: {}", error_chain(e)));
        }
        if disconnected(e) {
            return Failure::Disconnected(error_chain(e));
        }
        transport(error_chain(e))
    }
}
