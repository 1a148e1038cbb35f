//! Hostile servers: a raw TCP server on loopback that misbehaves at the
//! byte level (HTML error pages, empty, truncated and invalid bodies, JSON
//! of the wrong shape, bodies past the cap, trickling or silent servers,
//! resets, redirects, cookie and header floods, mangled tokens, endless
//! `badtoken` and 429/503 with bad `Retry-After`, deeply nested JSON).
//!
//! Each test asserts the exact outcome: which typed error, how many
//! requests reached the server, what was retried. What `tests/doubles.rs`
//! already proves (maxlag, ratelimited, 429/503 with a valid `Retry-After`,
//! the gzip bomb, redirect loops, a POST through 301/302/303, cookies for
//! another domain or a single-label suffix) is not repeated here;
//! `docs/reliability.md` maps every behaviour to its test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mw_transport::mw_protocol;
use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, Config, Error, Password, RetryPolicy,
    TokenType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";
const BOT: &str = "Bot@app";
const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
const LOGIN_TOKEN: &str = "9ed1499d99c0c34c73faa07157b3b6076b021573+\\";
const CSRF: &str = "d41d8cd98f00b204e9800998ecf8427e6b021575+\\";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// The raw server.

/// What the server does with one request.
#[derive(Clone)]
enum Act {
    /// Writes these bytes (a whole response, or anything), then closes.
    Send(Vec<u8>),
    /// Writes these bytes, then resets the connection (RST).
    Reset(Vec<u8>),
    /// Writes these bytes, then one more byte every interval, forever.
    Trickle(Vec<u8>, Duration),
    /// Never answers (holds the connection open).
    Silent,
}

/// A request as it arrived.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    params: HashMap<String, String>,
    headers: Vec<(String, String)>,
}

impl Req {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// `GET query tokens(csrf)`, `POST login`, …
    fn summary(&self) -> String {
        let action = self.param("action").unwrap_or_default();
        match self.param("type") {
            Some(ty) if self.param("meta") == Some("tokens") => {
                format!("{} {action} tokens({ty})", self.method)
            }
            _ => format!("{} {action}", self.method),
        }
    }
}

struct Raw {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Req>>>,
}

impl Raw {
    async fn start(ip: &str, handler: impl Fn(&Req) -> Act + Send + Sync + 'static) -> Raw {
        let listener = TcpListener::bind((ip, 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let _ = serve(stream, handler, log).await;
                });
            }
        });
        Raw { addr, seen }
    }

    fn api(&self) -> String {
        format!("http://{}/w/api.php", self.addr)
    }

    fn seen(&self) -> Vec<Req> {
        lock(&self.seen).clone()
    }

    fn summary(&self) -> Vec<String> {
        self.seen().iter().map(Req::summary).collect()
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<dyn Fn(&Req) -> Act + Send + Sync>,
    log: Arc<Mutex<Vec<Req>>>,
) -> std::io::Result<()> {
    let Some(req) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let act = handler(&req);
    lock(&log).push(req);
    match act {
        Act::Send(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
        }
        Act::Reset(bytes) => {
            stream.write_all(&bytes).await?;
            stream.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            reset(stream);
        }
        Act::Trickle(bytes, every) => {
            stream.write_all(&bytes).await?;
            loop {
                tokio::time::sleep(every).await;
                stream.write_all(b" ").await?;
            }
        }
        Act::Silent => {
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
    }
    Ok(())
}

#[allow(deprecated)]
fn reset(stream: TcpStream) {
    // SO_LINGER 0: closing sends an RST instead of a FIN.
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Req>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    params.extend(url::form_urlencoded::parse(&body).into_owned());
    Ok(Some(Req {
        method,
        path: path.to_owned(),
        params,
        headers,
    }))
}

/// A whole HTTP/1.1 response with `Content-Length` and `Connection: close`.
fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Whatever\r\nconnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn json(body: &str) -> Act {
    json_with(&[], body)
}

fn json_with(headers: &[(&str, &str)], body: &str) -> Act {
    let mut all = vec![("content-type", "application/json; charset=utf-8")];
    all.extend_from_slice(headers);
    Act::Send(response(200, &all, body.as_bytes()))
}

fn html(status: u16) -> Act {
    Act::Send(response(
        status,
        &[("content-type", "text/html; charset=utf-8")],
        b"<!DOCTYPE html><html><head><title>Wikimedia Error</title></head>\
          <body><h1>Our servers are currently under maintenance</h1></body></html>",
    ))
}

fn tokens_json(key: &str, value: &str) -> String {
    let value = value.replace('\\', "\\\\");
    format!(r#"{{"batchcomplete":true,"query":{{"tokens":{{"{key}":"{value}"}}}}}}"#)
}

/// A small wiki: login token, bot-password login (setting a session
/// cookie), the csrf token `csrf` once logged in, and `edit` from `edit`.
fn wiki(csrf: &'static str, edit: impl Fn(&Req) -> Act + Send + Sync) -> impl Fn(&Req) -> Act {
    move |req| {
        if req.param("meta") == Some("tokens") {
            return match req.param("type") {
                Some("login") => json(&tokens_json("logintoken", LOGIN_TOKEN)),
                _ if req
                    .header("cookie")
                    .is_some_and(|c| c.contains("wiki_session=")) =>
                {
                    json(&tokens_json("csrftoken", csrf))
                }
                _ => json(&tokens_json("csrftoken", "+\\")),
            };
        }
        match req.param("action") {
            Some("login") => json_with(
                &[("set-cookie", "wiki_session=s3ss10n; path=/; HttpOnly")],
                r#"{"login":{"result":"Success","lguserid":7,"lgusername":"Bot"}}"#,
            ),
            Some("edit") => edit(req),
            _ => json(r#"{"batchcomplete":true}"#),
        }
    }
}

// ---------------------------------------------------------------------------
// Clients and outcomes.

/// Two retries after 10 ms then 20 ms (cut at 500 ms); a 2 s request
/// timeout.
fn builder(api: &str) -> ClientBuilder {
    let mut config = Config::new(UA);
    let mut retry = RetryPolicy::default();
    retry.max_retries = 2;
    retry.base_delay = Duration::from_millis(10);
    retry.max_delay = Duration::from_millis(500);
    config.retry = retry;
    Client::builder(api)
        .user_agent(UA)
        .config(config)
        .timeout(Duration::from_secs(2))
        .connect_timeout(Duration::from_secs(1))
}

fn client(api: &str) -> Client {
    builder(api).build().expect("client")
}

fn get_query() -> ActionCall {
    ActionCall::new(ActionRequest::get("query").param("meta", "userinfo"))
}

fn edit() -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", "Sandbox")
            .param("appendtext", "hello"),
    )
    .with_token(TokenType::CSRF)
    // These doubles test token and retry mechanics without a login: the
    // anonymous write is opted in (it is refused by default).
    .allow_anonymous()
}

/// The error's variant as a short text: `Decode`, `Http 502`, `Transport`,
/// `Timeout`, `Api badtoken`, `SessionLost`, …
fn kind(err: &Error) -> String {
    match err.protocol() {
        Some(mw_protocol::Error::Api(e)) => format!("Api {}", e.code),
        Some(mw_protocol::Error::Http { status, .. }) => format!("Http {status}"),
        Some(mw_protocol::Error::Decode(_)) => "Decode".into(),
        Some(mw_protocol::Error::NotApi { .. }) => "NotApi".into(),
        Some(mw_protocol::Error::MaybeApplied { status, .. }) => format!("MaybeApplied {status}"),
        Some(mw_protocol::Error::Transport(_)) => "Transport".into(),
        Some(mw_protocol::Error::Disconnected(_)) => "Disconnected".into(),
        Some(mw_protocol::Error::Timeout(_)) => "Timeout".into(),
        Some(mw_protocol::Error::SessionLost(_)) => "SessionLost".into(),
        Some(mw_protocol::Error::Login { result, .. }) => format!("Login {result}"),
        Some(other) => format!("{other:?}"),
        None => format!("{err:?}"),
    }
}

/// Runs `call` against a server that always does `act`; returns the error,
/// its kind and the number of requests the server saw.
async fn outcome_of(act: Act) -> (Error, String, usize) {
    let server = Raw::start("127.0.0.1", move |_| act.clone()).await;
    let err = client(&server.api())
        .call(get_query())
        .await
        .expect_err("the hostile server must make the call fail");
    let k = kind(&err);
    (err, k, server.seen().len())
}

// ---------------------------------------------------------------------------
// Bodies that are not an API response.

#[tokio::test]
async fn an_html_page_with_status_200_is_not_an_api_response_not_retried() {
    // A Decode error before "Safe by default"; now its own kind, whose
    // message names the URL and asks whether it is the wiki's api.php.
    let (err, kind, requests) = outcome_of(html(200)).await;
    assert_eq!((kind.as_str(), requests), ("NotApi", 1));
    let message = err.to_string();
    assert!(message.contains("text/html"), "{message}");
    assert!(message.contains("api.php?"), "{message}");
    assert!(
        !message.contains("maintenance"),
        "the body is not echoed: {message}"
    );
}

#[tokio::test]
async fn html_502_and_503_pages_are_retried_then_an_http_error() {
    for status in [502, 503] {
        let (err, kind, requests) = outcome_of(html(status)).await;
        assert_eq!(kind, format!("Http {status}"));
        assert_eq!(requests, 3, "the first attempt and two retries");
        assert_eq!(err.protocol().and_then(|e| e.retry_after()), None);
    }
    // A 500 page is not something a wait cures: one request.
    let (_, kind, requests) = outcome_of(html(500)).await;
    assert_eq!((kind.as_str(), requests), ("Http 500", 1));
}

#[tokio::test]
async fn an_empty_body_is_a_decode_error() {
    let (err, kind, requests) = outcome_of(Act::Send(response(200, &[], b""))).await;
    assert_eq!((kind.as_str(), requests), ("Decode", 1));
    assert!(err.to_string().contains("empty"), "{err}");
    // Connection closed right after the status line: no body at all.
    let (_, kind, requests) = outcome_of(Act::Send(b"HTTP/1.1 200 OK\r\n\r\n".to_vec())).await;
    assert_eq!((kind.as_str(), requests), ("Decode", 1));
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let body = br#"{"batchcomplete":true,"query":{"userinfo":{"na"#;
    let (_, kind, requests) = outcome_of(Act::Send(response(200, &[], body))).await;
    assert_eq!((kind.as_str(), requests), ("Decode", 1));
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error() {
    let body = b"{\"batchcomplete\":true,\"query\":{\"userinfo\":{\"name\":\"\xff\xfe\xc3\"}}}";
    let (_, kind, requests) = outcome_of(Act::Send(response(200, &[], body))).await;
    assert_eq!((kind.as_str(), requests), ("Decode", 1));
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_decode_error() {
    // A token that is a number, `query` that is a list, `tokens` a string.
    for body in [
        r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":12345}}}"#,
        r#"{"batchcomplete":true,"query":[]}"#,
        r#"{"batchcomplete":true,"query":{"tokens":"csrftoken"}}"#,
        r#"["not", "an", "object"]"#,
        r#""a string""#,
    ] {
        let server = Raw::start("127.0.0.1", move |_| json(body)).await;
        let err = client(&server.api())
            .token(TokenType::CSRF)
            .await
            .expect_err(body);
        assert_eq!(kind(&err), "Decode", "{body}: {err}");
        assert_eq!(server.summary(), ["GET query tokens(csrf)"], "{body}");
    }
    // A login answer without `result`, or with `login` a list.
    for body in [r#"{"login":{"lguserid":1}}"#, r#"{"login":[]}"#] {
        let server = Raw::start("127.0.0.1", move |req| {
            if req.param("meta") == Some("tokens") {
                json(&tokens_json("logintoken", LOGIN_TOKEN))
            } else {
                json(body)
            }
        })
        .await;
        let err = client(&server.api())
            .login(BOT, Password::new(BOT_PASSWORD))
            .await
            .expect_err(body);
        assert_eq!(kind(&err), "Decode", "{body}: {err}");
        assert_eq!(
            server.summary(),
            ["GET query tokens(login)", "POST login"],
            "{body}"
        );
    }
}

#[tokio::test]
async fn deeply_nested_json_is_a_decode_error_without_overflowing_the_stack() {
    for nested in ["[".repeat(200_000), "{\"a\":".repeat(100_000)] {
        let (_, kind, requests) =
            outcome_of(Act::Send(response(200, &[], nested.as_bytes()))).await;
        assert_eq!((kind.as_str(), requests), ("Decode", 1));
    }
}

#[tokio::test]
async fn enormous_json_is_read_up_to_the_cap_only() {
    // 3 MB of JSON: fine under a 4 MiB cap, refused under 1 MiB.
    let items = vec!["1"; 1_500_000].join(",");
    let body = format!(
        r#"{{"batchcomplete":true,"query":{{"userinfo":{{"name":"Big","list":[{items}]}}}}}}"#
    );
    let body = Arc::new(body);
    let shared = Arc::clone(&body);
    let server = Raw::start("127.0.0.1", move |_| json(&shared)).await;
    let response = builder(&server.api())
        .max_body_bytes(4 << 20)
        .build()
        .expect("client")
        .call(get_query())
        .await
        .expect("under the cap");
    assert_eq!(
        response
            .get(&["query", "userinfo", "name"])
            .and_then(|v| v.as_str()),
        Some("Big")
    );
    let err = builder(&server.api())
        .max_body_bytes(1 << 20)
        .build()
        .expect("client")
        .call(get_query())
        .await
        .expect_err("over the cap");
    assert_eq!(kind(&err), "Transport");
    assert!(
        err.to_string().contains("larger than 1048576 bytes"),
        "{err}"
    );
}

#[tokio::test]
async fn a_body_past_the_cap_without_content_length_is_cut() {
    // No Content-Length: the body runs until the server closes, 8 MiB.
    let mut bytes =
        b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n".to_vec();
    bytes.extend(std::iter::repeat_n(b' ', 8 << 20));
    let server = Raw::start("127.0.0.1", move |_| Act::Send(bytes.clone())).await;
    let started = Instant::now();
    let err = builder(&server.api())
        .max_body_bytes(64 * 1024)
        .build()
        .expect("client")
        .call(get_query())
        .await
        .expect_err("cap");
    assert_eq!(kind(&err), "Transport");
    assert!(err.to_string().contains("larger than 65536 bytes"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.seen().len(), 1);
    // A Content-Length past the cap fails before the body is read.
    let server = Raw::start("127.0.0.1", |_| {
        let mut head = b"HTTP/1.1 200 OK\r\ncontent-length: 1000000000\r\n\r\n".to_vec();
        head.extend_from_slice(b"{}");
        Act::Trickle(head, Duration::from_millis(50))
    })
    .await;
    let started = Instant::now();
    let err = builder(&server.api())
        .max_body_bytes(64 * 1024)
        .build()
        .expect("client")
        .call(get_query())
        .await
        .expect_err("cap");
    assert_eq!(kind(&err), "Transport");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "not read to the end"
    );
}

#[tokio::test]
async fn a_body_that_is_not_gzip_is_a_transport_error() {
    let act = Act::Send(response(
        200,
        &[("content-encoding", "gzip")],
        b"\x1f\x8b\x08\x00garbage that is not deflate",
    ));
    let (err, kind, requests) = outcome_of(act).await;
    assert_eq!((kind.as_str(), requests), ("Transport", 1));
    assert!(err.to_string().contains("gzip"), "{err}");
    let act = Act::Send(response(200, &[("content-encoding", "br")], b"{}"));
    let (err, kind, _) = outcome_of(act).await;
    assert_eq!(kind, "Transport");
    assert!(err.to_string().contains("unsupported content encoding"));
}

// ---------------------------------------------------------------------------
// Servers that stall, trickle or break the connection.

#[tokio::test]
async fn a_body_that_trickles_forever_ends_at_the_request_timeout() {
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n{".to_vec();
    let server = Raw::start("127.0.0.1", move |_| {
        Act::Trickle(head.clone(), Duration::from_millis(20))
    })
    .await;
    let client = builder(&server.api())
        .timeout(Duration::from_millis(600))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.call(get_query()).await.expect_err("timeout");
    let took = started.elapsed();
    assert_eq!(kind(&err), "Timeout");
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    assert_eq!(server.seen().len(), 1, "a timeout is not retried");
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_times_out() {
    let server = Raw::start("127.0.0.1", |_| Act::Silent).await;
    let client = builder(&server.api())
        .timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.call(edit()).await.expect_err("timeout");
    assert_eq!(kind(&err), "Timeout");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.seen().len(), 1);
    // A listener that never even accepts (the backlog takes the
    // connection): the same timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let api = format!("http://{}/w/api.php", listener.local_addr().expect("addr"));
    let client = builder(&api)
        .timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let err = client.call(get_query()).await.expect_err("timeout");
    assert_eq!(kind(&err), "Timeout");
    drop(listener);
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_a_transport_error_not_retried() {
    let mut partial = b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n".to_vec();
    partial.extend_from_slice(br#"{"batchcomplete":true,"query":{"#);
    let reset = partial.clone();
    let server = Raw::start("127.0.0.1", move |req| {
        if req.param("meta") == Some("tokens") {
            json(&tokens_json("csrftoken", "+\\"))
        } else {
            Act::Reset(reset.clone())
        }
    })
    .await;
    // A POST may have reached the server: never resent.
    let err = client(&server.api()).call(edit()).await.expect_err("reset");
    assert_eq!(kind(&err), "Transport");
    assert_eq!(server.summary(), ["GET query tokens(csrf)", "POST edit"]);
    // A clean close before the announced length: a broken answer, not
    // resent even for a GET.
    let (_, kind, requests) = outcome_of(Act::Send(partial)).await;
    assert_eq!((kind.as_str(), requests), ("Transport", 1));
    // A reset before any byte of the answer to a POST: it may have been
    // read, so it is never resent.
    let server = Raw::start("127.0.0.1", move |req| {
        if req.param("meta") == Some("tokens") {
            json(&tokens_json("csrftoken", "+\\"))
        } else {
            Act::Reset(Vec::new())
        }
    })
    .await;
    let err = client(&server.api()).call(edit()).await.expect_err("reset");
    assert_eq!(crate::kind(&err), "Disconnected");
    assert_eq!(server.summary(), ["GET query tokens(csrf)", "POST edit"]);
    // A reset before any byte of the response: a GET is repeatable, so the
    // session sends it once more (before "Safe by default": never).
    let (_, kind, requests) = outcome_of(Act::Reset(Vec::new())).await;
    assert_eq!((kind.as_str(), requests), ("Disconnected", 2));
    // Not HTTP at all.
    let (_, kind, requests) = outcome_of(Act::Send(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec())).await;
    assert_eq!((kind.as_str(), requests), ("Transport", 1));
}

// ---------------------------------------------------------------------------
// Redirects (see also doubles.rs: same-host hops, POST via 301/302/303,
// the upgrade to https, at most five hops).

#[tokio::test]
async fn no_redirect_status_takes_a_post_its_token_or_cookies_to_another_host() {
    let other = Raw::start("127.0.0.2", |_| json(r#"{"edit":{"result":"Success"}}"#)).await;
    for status in [301, 302, 303, 307, 308] {
        let target = other.api();
        let home = Raw::start(
            "127.0.0.1",
            wiki(CSRF, move |_| {
                let location = target.clone();
                Act::Send(response(status, &[("location", location.as_str())], b""))
            }),
        )
        .await;
        let client = client(&home.api());
        client
            .login(BOT, Password::new(BOT_PASSWORD))
            .await
            .expect("login");
        let err = client.call(edit()).await.expect_err("refused");
        assert_eq!(kind(&err), "Transport", "{status}");
        let message = err.to_string();
        assert!(message.contains("another host"), "{status}: {message}");
        assert!(!message.contains(CSRF) && !message.contains("s3ss10n"));
        assert_eq!(
            home.summary(),
            [
                "GET query tokens(login)",
                "POST login",
                "GET query tokens(csrf)",
                "POST edit"
            ],
            "{status}: not retried"
        );
    }
    assert!(
        other.seen().is_empty(),
        "the other host never saw a request, so no token and no cookie"
    );
}

#[tokio::test]
async fn redirects_to_another_port_or_scheme_are_refused() {
    let other = Raw::start("127.0.0.1", |_| json(r#"{"batchcomplete":true}"#)).await;
    for location in [
        other.api(),                                     // same host, other port
        "ftp://127.0.0.1/w/api.php".to_owned(),          // another scheme
        "//127.0.0.2/w/api.php".to_owned(),              // scheme-relative, other host
        "http://user:pw@127.0.0.2/w/api.php".to_owned(), // credentials, other host
    ] {
        let target = location.clone();
        let home = Raw::start("127.0.0.1", move |_| {
            Act::Send(response(302, &[("location", target.as_str())], b""))
        })
        .await;
        let err = client(&home.api())
            .call(get_query())
            .await
            .expect_err(&location);
        assert_eq!(kind(&err), "Transport", "{location}");
        assert!(err.to_string().contains("refused a redirect"), "{err}");
        assert_eq!(home.seen().len(), 1);
    }
    assert!(other.seen().is_empty());
    // https → http is refused too (no TLS server here: see the unit test
    // `redirects_stay_on_the_host` in src/http.rs).
}

#[tokio::test]
async fn a_redirect_without_or_with_a_bad_location_is_not_followed() {
    // A 302 without Location is just a 302 response: an HTTP error.
    let (_, kind, requests) = outcome_of(Act::Send(response(302, &[], b""))).await;
    assert_eq!((kind.as_str(), requests), ("Http 302", 1));
    let (err, kind, requests) = outcome_of(Act::Send(response(
        302,
        &[("location", "http://[::1:bad/")],
        b"",
    )))
    .await;
    assert_eq!((kind.as_str(), requests), ("Transport", 1));
    assert!(err.to_string().contains("invalid Location"), "{err}");
}

// ---------------------------------------------------------------------------
// Cookies and headers (see also doubles.rs: another domain, `Domain=org`).

#[tokio::test]
async fn oversized_cookies_are_not_stored() {
    let big = "x".repeat(5000);
    let server = Raw::start("127.0.0.1", move |_| {
        let huge = format!("huge={big}; path=/");
        json_with(
            &[
                ("set-cookie", "small=1; path=/"),
                ("set-cookie", huge.as_str()),
            ],
            r#"{"batchcomplete":true}"#,
        )
    })
    .await;
    let client = client(&server.api());
    client.call(get_query()).await.expect("first");
    client.call(get_query()).await.expect("second");
    let seen = server.seen();
    assert_eq!(seen[1].header("cookie"), Some("small=1"));
}

#[tokio::test]
async fn a_flood_of_cookies_is_capped() {
    let round = Arc::new(Mutex::new(0u32));
    let server = Raw::start("127.0.0.1", move |_| {
        let mut n = lock(&round);
        *n += 1;
        // 90 new cookies per answer (hyper refuses a head of more than 100
        // header lines: that case is `an_oversized_response_head_…`).
        let cookies: Vec<String> = (0..90).map(|i| format!("c{n}x{i}=1; path=/")).collect();
        let headers: Vec<(&str, &str)> =
            cookies.iter().map(|c| ("set-cookie", c.as_str())).collect();
        json_with(&headers, r#"{"batchcomplete":true}"#)
    })
    .await;
    let client = client(&server.api());
    for _ in 0..5 {
        client.call(get_query()).await.expect("call");
    }
    let sent = server
        .seen()
        .last()
        .and_then(|r| r.header("cookie").map(|c| c.split("; ").count()))
        .unwrap_or(0);
    assert!(sent > 0 && sent <= 50, "{sent} cookies sent back");
}

#[tokio::test]
async fn an_oversized_response_head_is_a_transport_error() {
    let big = "y".repeat(1 << 20);
    let act = Act::Send(response(200, &[("x-junk", big.as_str())], b"{}"));
    let (_, kind, requests) = outcome_of(act).await;
    assert_eq!((kind.as_str(), requests), ("Transport", 1));
    // Thousands of headers.
    let many: Vec<(String, String)> = (0..5000).map(|i| (format!("x-h{i}"), "1".into())).collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (_, kind, requests) = outcome_of(Act::Send(response(200, &refs, b"{}"))).await;
    assert_eq!((kind.as_str(), requests), ("Transport", 1));
}

// ---------------------------------------------------------------------------
// Tokens mangled on the way, and a lost session.

#[tokio::test]
async fn a_csrf_token_mangled_by_a_proxy_is_never_used() {
    for mangled in [
        "d41d8cd98f00b204e9800998ecf8427e6b021575 \\", // `+` decoded as a space
        "d41d8cd98f00b204e9800998ecf8427e6b021575",    // suffix stripped
        "d41d8cd98f00b204e9800998ecf8427e6b021575+",   // backslash stripped
    ] {
        let server = Raw::start(
            "127.0.0.1",
            wiki(mangled, |_| json(r#"{"edit":{"result":"Success"}}"#)),
        )
        .await;
        let client = client(&server.api());
        client
            .login(BOT, Password::new(BOT_PASSWORD))
            .await
            .expect("login");
        let err = client.call(edit()).await.expect_err("mangled");
        assert_eq!(kind(&err), "Decode", "{mangled:?}: {err}");
        assert!(err.to_string().contains("malformed csrf token"), "{err}");
        assert!(!err.to_string().contains("d41d8cd98f00b204"), "{err}");
        assert_eq!(
            server.summary(),
            [
                "GET query tokens(login)",
                "POST login",
                "GET query tokens(csrf)"
            ],
            "{mangled:?}: the edit is never sent"
        );
    }
}

#[tokio::test]
async fn an_anonymous_csrf_token_right_after_login_is_a_lost_session() {
    // The wiki forgets every session at once: `+\` while logged in.
    let server = Raw::start("127.0.0.1", move |req| {
        if req.param("meta") == Some("tokens") && req.param("type") == Some("csrf") {
            return json(&tokens_json("csrftoken", "+\\"));
        }
        wiki(CSRF, |_| json(r#"{"edit":{"result":"Success"}}"#))(req)
    })
    .await;
    // With the credentials: one relogin, then the error.
    let client = builder(&server.api())
        .credentials(BOT, Password::new(BOT_PASSWORD))
        .build()
        .expect("client");
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let err = client.call(edit()).await.expect_err("lost");
    assert_eq!(kind(&err), "SessionLost", "{err}");
    let summary = server.summary();
    assert_eq!(
        summary,
        [
            "GET query tokens(login)",
            "POST login",
            "GET query tokens(csrf)",
            "GET query tokens(login)",
            "POST login",
            "GET query tokens(csrf)",
        ],
    );
    assert!(
        !summary.contains(&"POST edit".to_owned()),
        "the edit never goes out with `+\\`"
    );
}

// ---------------------------------------------------------------------------
// Retries (see also doubles.rs: maxlag waits and bounds, ratelimited
// backoff, 429 with seconds, 503 with a date, a Retry-After past the
// policy's maximum).

#[tokio::test]
async fn badtoken_forever_ends_in_badtoken_after_one_refresh() {
    let server = Raw::start(
        "127.0.0.1",
        wiki(CSRF, |_| {
            json(r#"{"error":{"code":"badtoken","info":"Invalid CSRF token."}}"#)
        }),
    )
    .await;
    let client = client(&server.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let err = client.call(edit()).await.expect_err("badtoken");
    assert_eq!(kind(&err), "Api badtoken");
    assert_eq!(
        server.summary()[2..],
        [
            "GET query tokens(csrf)",
            "POST edit",
            "GET query tokens(csrf)",
            "POST edit"
        ]
    );
    // The rejected token was not kept: the next call fetches a token
    // again, and has the same bound (one refresh).
    let before = server.seen().len();
    let err = client.call(edit()).await.expect_err("badtoken");
    assert_eq!(kind(&err), "Api badtoken");
    assert_eq!(
        server.summary()[before..],
        [
            "GET query tokens(csrf)",
            "POST edit",
            "GET query tokens(csrf)",
            "POST edit"
        ]
    );
}

#[tokio::test]
async fn maxlag_and_ratelimited_forever_end_in_their_error() {
    for (code, body) in [
        (
            "maxlag",
            r#"{"error":{"code":"maxlag","info":"Waiting for db1: 7 seconds lagged.","host":"db1","lag":7,"type":"db"}}"#,
        ),
        (
            "ratelimited",
            r#"{"error":{"code":"ratelimited","info":"You've exceeded your rate limit."}}"#,
        ),
    ] {
        let server = Raw::start("127.0.0.1", move |_| json(body)).await;
        let started = Instant::now();
        let err = client(&server.api())
            .call(get_query())
            .await
            .expect_err(code);
        assert_eq!(kind(&err), format!("Api {code}"));
        assert_eq!(server.seen().len(), 3, "{code}: 1 + 2 retries");
        assert!(started.elapsed() >= Duration::from_millis(30), "10 + 20 ms");
    }
}

#[tokio::test]
async fn a_garbage_retry_after_falls_back_to_the_backoff() {
    for (status, value) in [
        (429, "soon"),
        (503, "-5"),
        (503, "99999999999999999999999"),
        (429, "Sat, 32 Nov 2026 99:00:00 GMT"),
        (503, "1.5"),
    ] {
        let server = Raw::start("127.0.0.1", move |_| {
            Act::Send(response(status, &[("retry-after", value)], b"busy"))
        })
        .await;
        let started = Instant::now();
        let err = client(&server.api())
            .call(get_query())
            .await
            .expect_err(value);
        let took = started.elapsed();
        assert_eq!(kind(&err), format!("Http {status}"), "{value}");
        assert_eq!(err.protocol().and_then(|e| e.retry_after()), None);
        assert_eq!(server.seen().len(), 3, "{value}");
        assert!(
            took >= Duration::from_millis(30) && took < Duration::from_secs(2),
            "{value}: {took:?}"
        );
    }
}

#[tokio::test]
async fn a_retry_after_date_with_its_own_date_header_is_honoured() {
    // The wait is measured against the response's own `Date`, not the
    // client's clock: 1 s, even though both dates are long past.
    let server = Raw::start("127.0.0.1", |_| {
        Act::Send(response(
            503,
            &[
                ("retry-after", "Sat, 01 Jan 2000 00:00:01 GMT"),
                ("date", "Sat, 01 Jan 2000 00:00:00 GMT"),
            ],
            b"",
        ))
    })
    .await;
    let mut config = Config::new(UA);
    let mut retry = RetryPolicy::default();
    retry.max_retries = 1;
    retry.max_delay = Duration::from_secs(2);
    config.retry = retry;
    let started = Instant::now();
    let err = builder(&server.api())
        .config(config)
        .build()
        .expect("client")
        .call(get_query())
        .await
        .expect_err("503");
    assert_eq!(kind(&err), "Http 503");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.seen().len(), 2);
}

/// Logs in on a wiki whose edits get `status`, edits once, and returns the
/// error's kind and the edit requests the server saw, each checked to be
/// the same POST with the same body and token.
async fn edits_answered(status: u16) -> (String, usize) {
    let server = Raw::start(
        "127.0.0.1",
        wiki(CSRF, move |_| {
            Act::Send(response(
                status,
                &[("retry-after", "0")],
                b"<html>busy</html>",
            ))
        }),
    )
    .await;
    let client = client(&server.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let err = client.call(edit()).await.expect_err("an error status");
    let seen = server.seen();
    let edits: Vec<&Req> = seen
        .iter()
        .filter(|r| r.param("action") == Some("edit"))
        .collect();
    for e in &edits {
        assert_eq!(e.method, "POST");
        assert_eq!(e.param("token"), Some(CSRF));
        assert_eq!(e.param("appendtext"), Some("hello"));
        assert_eq!(e.path, "/w/api.php");
    }
    (kind(&err), edits.len())
}

#[tokio::test]
async fn a_post_that_gets_503_is_not_sent_again() {
    // Retried twice before "Safe by default": a proxy's 503 may come after
    // it forwarded the POST, so the write may have been applied.
    let (kind, edits) = edits_answered(503).await;
    assert_eq!((kind.as_str(), edits), ("MaybeApplied 503", 1));
}

#[tokio::test]
async fn a_post_that_gets_429_is_retried_only_with_its_body_intact() {
    let (kind, edits) = edits_answered(429).await;
    assert_eq!((kind.as_str(), edits), ("Http 429", 3));
}
