//! The floors the client is measured against: a bare hyper-util client
//! sending the seed flow's five requests ([`Floor::bare`], the floor of
//! "Performance at the floor"), and the same with the two duties no correct
//! MediaWiki client can skip ([`Floor::with_duties`]): a cookie jar (the
//! session is a cookie) and a timeout per request.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as PoolClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mw_bench::{BOT, BOT_PASSWORD, UA};

use crate::Res;

/// The client's default request timeout.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A floor: hyper-util's pooling client, hand-built requests, the two
/// tokens picked out of the JSON with `serde_json::Value`; no checks beyond
/// what the next request needs.
pub(crate) struct Floor {
    http: PoolClient<HttpConnector, Full<Bytes>>,
    url: String,
    /// With duties: `cookie_store`'s own jar, used as its documentation
    /// shows (the client's jar applies the same crate's rules).
    jar: Option<Jar>,
}

struct Jar {
    store: Mutex<cookie_store::CookieStore>,
    url: url::Url,
    /// Requests sent with a `Cookie` header.
    sent: AtomicUsize,
}

impl Floor {
    /// No cookies, no timeout.
    pub(crate) fn bare(url: &str) -> Res<Floor> {
        Floor::new(url, false)
    }

    /// Cookies stored from every answer and sent with every request, and
    /// each request under a timeout.
    pub(crate) fn with_duties(url: &str) -> Res<Floor> {
        Floor::new(url, true)
    }

    fn new(url: &str, duties: bool) -> Res<Floor> {
        let mut tcp = HttpConnector::new();
        tcp.set_nodelay(true);
        let jar = if duties {
            Some(Jar {
                store: Mutex::new(cookie_store::CookieStore::default()),
                url: url::Url::parse(url)?,
                sent: AtomicUsize::new(0),
            })
        } else {
            None
        };
        Ok(Floor {
            http: PoolClient::builder(TokioExecutor::new()).build(tcp),
            url: url.to_owned(),
            jar,
        })
    }

    async fn send(&self, query: Option<&str>, form: Option<String>) -> Res<serde_json::Value> {
        let mut builder = http::Request::builder()
            .header(http::header::USER_AGENT, UA)
            .header(http::header::ACCEPT, "application/json");
        if let Some(jar) = &self.jar {
            let store = jar.store.lock().map_err(|_| "poisoned")?;
            let cookies: Vec<String> = store
                .get_request_values(&jar.url)
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            if !cookies.is_empty() {
                builder = builder.header(http::header::COOKIE, cookies.join("; "));
                jar.sent.fetch_add(1, Ordering::Relaxed);
            }
        }
        let request = match (query, form) {
            (Some(q), _) => builder
                .method(http::Method::GET)
                .uri(format!("{}?{q}", self.url))
                .body(Full::new(Bytes::new()))?,
            (None, Some(body)) => builder
                .method(http::Method::POST)
                .uri(&self.url)
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(Full::new(Bytes::from(body)))?,
            (None, None) => return Err("nothing to send".into()),
        };
        let exchange = async {
            let response = self.http.request(request).await?;
            if let Some(jar) = &self.jar {
                let set = response
                    .headers()
                    .get_all(http::header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .filter_map(|v| cookie_store::RawCookie::parse(v.to_owned()).ok());
                jar.store
                    .lock()
                    .map_err(|_| "poisoned")?
                    .store_response_cookies(set, &jar.url);
            }
            let body = response.into_body().collect().await?.to_bytes();
            Res::Ok(body)
        };
        let body = if self.jar.is_some() {
            tokio::time::timeout(TIMEOUT, exchange).await??
        } else {
            exchange.await?
        };
        Ok(serde_json::from_slice(&body)?)
    }

    /// The seed flow: login token, login, csrf token, checktoken, logout.
    pub(crate) async fn flow(&self) -> Res<()> {
        const F: &str = "format=json&formatversion=2";
        let token = |v: &serde_json::Value, name: &str| -> Res<String> {
            let t = v["query"]["tokens"][name].as_str().ok_or("no token")?;
            Ok(t.replace('+', "%2B").replace('\\', "%5C"))
        };
        let v = self
            .send(
                Some(&format!("action=query&meta=tokens&type=login&{F}")),
                None,
            )
            .await?;
        let login_token = token(&v, "logintoken")?;
        self.send(
            None,
            Some(format!(
                "action=login&{F}&lgname={}&lgpassword={BOT_PASSWORD}&lgtoken={login_token}",
                BOT.replace('@', "%40")
            )),
        )
        .await?;
        let v = self
            .send(
                Some(&format!("action=query&meta=tokens&type=csrf&{F}")),
                None,
            )
            .await?;
        let csrf = token(&v, "csrftoken")?;
        self.send(
            None,
            Some(format!("action=checktoken&type=csrf&{F}&token={csrf}")),
        )
        .await?;
        self.send(None, Some(format!("action=logout&{F}&token={csrf}")))
            .await?;
        Ok(())
    }

    /// How many requests went with cookies (`None` without duties): the
    /// seed flow's must, or the duty floor measured no jar.
    pub(crate) fn requests_with_cookies(&self) -> Option<usize> {
        Some(self.jar.as_ref()?.sent.load(Ordering::Relaxed))
    }
}
