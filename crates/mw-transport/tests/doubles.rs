//! Loopback test doubles for what a real MediaWiki on loopback cannot show:
//! maxlag, rate limits, HTTP 429/503 from proxies, wikis older than
//! `meta=tokens`, CentralAuth, redirects, gzip and the body cap, timeouts.
//!
//! Each double is a small hyper server on `127.0.0.1:0`
//! (`mw_test_support::server`; a second host, `127.0.0.2`, plays the
//! foreign wiki or the other host) that records what it receives, so the
//! tests assert exact request counts. Response bodies come from
//! `crates/mw-protocol/tests/fixtures/` where one fits.

mod capture;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use mw_test_support::server::{self, Bytes, Server};
use mw_transport::mw_protocol;
use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, Config, Error, LogoutOutcome, Password,
    RetryPolicy, Token, TokenType,
};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";
const BOT: &str = "Bot@app";
const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
/// The main account of the bot, for main-account (CentralAuth) logins.
const MAIN: &str = "Bot";
const MAIN_PASSWORD: &str = "main account password, long enough";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// Fixtures (`mw_test_support::fixture`).

/// A recorded response as the doubles send it again
/// ([`server::replay`]: no recorded `Content-Length`).
fn fixture(rel: &str) -> Reply {
    let recorded = server::replay(&mw_test_support::fixture::load(rel).response);
    Reply {
        status: recorded.status().as_u16(),
        headers: recorded
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: recorded.into_body().to_vec(),
        delay: Duration::ZERO,
    }
}

// ---------------------------------------------------------------------------
// What a double receives and answers.

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    raw_query: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    headers: http::HeaderMap,
}

impl Seen {
    fn param(&self, name: &str) -> Option<&str> {
        self.query_param(name).or_else(|| self.form_param(name))
    }
    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn form_param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn action(&self) -> &str {
        self.param("action").unwrap_or_default()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn cookie(&self, name: &str) -> Option<&str> {
        self.header("cookie")?
            .split("; ")
            .filter_map(|c| c.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
    /// `action` plus `meta`, as in `query tokens`.
    fn summary(&self) -> String {
        match self.param("meta") {
            Some(meta) => format!("{} {} {}", self.method, self.action(), meta),
            None => format!("{} {}", self.method, self.action()),
        }
    }
}

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    fn json(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.into().into_bytes(),
            delay: Duration::ZERO,
        }
    }
    fn error(code: &str, info: &str) -> Reply {
        Reply::json(serde_json::json!({"error": {"code": code, "info": info}}).to_string())
    }
    fn redirect(status: u16, location: &str) -> Reply {
        Reply {
            status,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    /// Sets (replaces) a header.
    fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
        self
    }
    /// Adds a header (for several `Set-Cookie`s).
    fn add_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
    fn gzip(mut self) -> Reply {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&self.body).expect("gzip");
        self.body = enc.finish().expect("gzip");
        self.header("content-encoding", "gzip")
    }
    fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

struct Double {
    server: Server,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Double {
    async fn start(ip: &str, handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Double {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = Arc::clone(&seen);
        let server = Server::start(ip, move |request: server::Request| {
            let (parts, body) = request.into_parts();
            let raw_query = parts.uri.query().unwrap_or_default().to_owned();
            let pairs = |b: &[u8]| -> Vec<(String, String)> {
                url::form_urlencoded::parse(b).into_owned().collect()
            };
            let seen = Seen {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query: pairs(raw_query.as_bytes()),
                raw_query,
                form: pairs(&body),
                headers: parts.headers,
            };
            lock(&log).push(seen.clone());
            let reply = handler(&seen);
            async move {
                if !reply.delay.is_zero() {
                    tokio::time::sleep(reply.delay).await;
                }
                let mut response = http::Response::builder().status(reply.status);
                for (name, value) in &reply.headers {
                    response = response.header(name, value);
                }
                response.body(Bytes::from(reply.body)).expect("response")
            }
        })
        .await;
        Double { server, seen }
    }

    fn api(&self) -> String {
        self.server.api()
    }

    fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }

    fn summary(&self) -> Vec<String> {
        self.seen().iter().map(Seen::summary).collect()
    }
}

// ---------------------------------------------------------------------------
// A small MediaWiki: sessions by cookie, tokens bound to the session and
// the user, bot-password and main-account login (action=login,
// action=clientlogin), logout, edit, checktoken, and CentralAuth's
// centralauthtoken as CentralAuth answers it. It refuses secrets in the
// query string with `mustpostparams`, as MediaWiki does.

#[derive(Default)]
struct MiniWiki {
    cookie_name: &'static str,
    sessions: HashMap<String, Sess>,
    next: u64,
    /// Tokens the wiki has handed out as `centralauthtoken`.
    central_issued: Vec<String>,
    /// When each was handed out (they live 60 s).
    central_issued_at: HashMap<String, Instant>,
    /// Accepts any `Authorization: Bearer` as the logged-in bot (an OAuth
    /// session).
    bearer: Option<String>,
    /// The local account is not attached to a global one (`notattached`).
    unattached: bool,
}

/// Which session provider a session comes from: CentralAuth hands out
/// tokens to its own sessions only (`badsession` for the others).
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
enum Provider {
    /// A cookie session of a main-account login (CentralAuth's own).
    #[default]
    CentralAuth,
    /// `BotPasswordSessionProvider` (`User@App` logins).
    BotPassword,
    /// OAuth (`Authorization: Bearer`).
    OAuth,
}

#[derive(Default, Clone)]
struct Sess {
    user: Option<String>,
    provider: Provider,
    /// Bumped to invalidate the session's csrf token (a reset secret).
    secret: u64,
}

impl MiniWiki {
    fn new(cookie_name: &'static str) -> Self {
        MiniWiki {
            cookie_name,
            ..MiniWiki::default()
        }
    }

    fn shared(cookie_name: &'static str) -> Arc<Mutex<MiniWiki>> {
        Arc::new(Mutex::new(MiniWiki::new(cookie_name)))
    }

    fn token(prefix: u64, sid: &str, secret: u64) -> String {
        let n: u64 = sid.parse().unwrap_or_default();
        format!("{:016x}{:016x}6543210f+\\", prefix + secret, n)
    }

    fn csrf_of(&self, sid: &str) -> String {
        let sess = self.sessions.get(sid).cloned().unwrap_or_default();
        if sess.user.is_none() {
            return "+\\".into();
        }
        Self::token(0xc5f0, sid, sess.secret)
    }

    fn login_of(sid: &str) -> String {
        Self::token(0x1091, sid, 0)
    }

    fn handle(&mut self, seen: &Seen) -> Reply {
        for secret in ["token", "lgtoken", "lgpassword", "logintoken", "password"] {
            if seen.query_param(secret).is_some() {
                return Reply::error(
                    "mustpostparams",
                    &format!(
                        "The following parameter was found in the query string, but must be in the POST body: {secret}."
                    ),
                );
            }
        }
        let mut new_cookie = None;
        let sid = match seen
            .cookie(self.cookie_name)
            .filter(|s| self.sessions.contains_key(*s))
        {
            Some(s) => s.to_owned(),
            None => {
                self.next += 1;
                let sid = self.next.to_string();
                self.sessions.insert(sid.clone(), Sess::default());
                new_cookie = Some(sid.clone());
                sid
            }
        };
        if let (Some(expected), Some(auth)) = (&self.bearer, seen.header("authorization"))
            && auth == format!("Bearer {expected}")
            && let Some(sess) = self.sessions.get_mut(&sid)
        {
            sess.user = Some("Bot".into());
            sess.provider = Provider::OAuth;
        }
        let reply = self.dispatch(&sid, seen);
        match new_cookie {
            Some(sid) => reply.add_header(
                "set-cookie",
                format!("{}={sid}; path=/; HttpOnly", self.cookie_name),
            ),
            None => reply,
        }
    }

    fn user(&self, sid: &str) -> Option<String> {
        self.sessions.get(sid).and_then(|s| s.user.clone())
    }

    fn dispatch(&mut self, sid: &str, seen: &Seen) -> Reply {
        let logged_in = self.user(sid).is_some();
        if seen.param("assert") == Some("user") && !logged_in {
            return Reply::error(
                "assertuserfailed",
                "You are no longer logged in, so the action could not be completed.",
            );
        }
        let token_ok = |token: Option<&str>| token == Some(self.csrf_of(sid).as_str());
        match seen.action() {
            "query" if seen.param("meta") == Some("tokens") => {
                let mut tokens = serde_json::Map::new();
                for ty in seen.param("type").unwrap_or("csrf").split('|') {
                    let value = match ty {
                        "login" | "createaccount" => Self::login_of(sid),
                        _ => self.csrf_of(sid),
                    };
                    tokens.insert(format!("{ty}token"), value.into());
                }
                Reply::json(
                    serde_json::json!({"batchcomplete": true, "query": {"tokens": tokens}})
                        .to_string(),
                )
            }
            "query" if seen.param("meta") == Some("userinfo") => {
                let name = self.user(sid).unwrap_or_else(|| "127.0.0.1".into());
                Reply::json(
                    serde_json::json!({"batchcomplete": true, "query": {"userinfo": {"name": name}}})
                        .to_string(),
                )
            }
            "login" => {
                if seen.form_param("lgtoken") != Some(Self::login_of(sid).as_str()) {
                    return Reply::json(r#"{"login":{"result":"WrongToken"}}"#);
                }
                let provider = match (seen.form_param("lgname"), seen.form_param("lgpassword")) {
                    (Some(BOT), Some(BOT_PASSWORD)) => Provider::BotPassword,
                    (Some(MAIN), Some(MAIN_PASSWORD)) => Provider::CentralAuth,
                    _ => {
                        return Reply::json(
                            r#"{"login":{"result":"Failed","reason":"Incorrect username or password entered. Please try again."}}"#,
                        );
                    }
                };
                if let Some(sess) = self.sessions.get_mut(sid) {
                    sess.user = Some("Bot".into());
                    sess.provider = provider;
                }
                if provider == Provider::CentralAuth {
                    return Reply::json(
                        r#"{"warnings":[{"code":"deprecation","text":"Main-account login via \"action=login\" is deprecated and may stop working without warning.","module":"login"}],"login":{"result":"Success","lguserid":7,"lgusername":"Bot"}}"#,
                    );
                }
                Reply::json(r#"{"login":{"result":"Success","lguserid":7,"lgusername":"Bot"}}"#)
            }
            "clientlogin" if seen.method == "POST" => {
                if seen.form_param("logintoken") != Some(Self::login_of(sid).as_str()) {
                    return Reply::error("badtoken", "Invalid CSRF token.");
                }
                if seen.form_param("username") != Some(MAIN)
                    || seen.form_param("password") != Some(MAIN_PASSWORD)
                {
                    return Reply::json(
                        r#"{"clientlogin":{"status":"FAIL","message":"Incorrect username or password entered. Please try again.","messagecode":"wrongpassword"}}"#,
                    );
                }
                if let Some(sess) = self.sessions.get_mut(sid) {
                    sess.user = Some("Bot".into());
                    sess.provider = Provider::CentralAuth;
                }
                Reply::json(r#"{"clientlogin":{"status":"PASS","username":"Bot"}}"#)
            }
            "logout" if seen.method == "POST" => {
                if !token_ok(seen.form_param("token")) {
                    return Reply::error("badtoken", "Invalid CSRF token.");
                }
                if let Some(sess) = self.sessions.get_mut(sid) {
                    sess.user = None;
                    sess.secret += 1;
                }
                Reply::json("{}")
            }
            "edit" if seen.method == "POST" => {
                if !token_ok(seen.form_param("token")) {
                    return Reply::error("badtoken", "Invalid CSRF token.");
                }
                Reply::json(r#"{"edit":{"result":"Success","pageid":1,"title":"Sandbox"}}"#)
            }
            "checktoken" => {
                let valid = token_ok(seen.form_param("token"));
                Reply::json(format!(
                    r#"{{"checktoken":{{"result":"{}"}}}}"#,
                    if valid { "valid" } else { "invalid" }
                ))
            }
            "centralauthtoken" => {
                // ApiCentralAuthToken::execute's order (1.29+).
                let provider = self.sessions.get(sid).map(|s| s.provider);
                if seen.param("callback").is_some() || seen.param("origin") == Some("*") {
                    return fixture("centralauthtoken/ca-mw143-centralauthtoken-hascallback.http");
                }
                if !logged_in {
                    return fixture("centralauthtoken/ca-mw143-centralauthtoken-notloggedin.http");
                }
                if provider != Some(Provider::CentralAuth) {
                    return fixture("centralauthtoken/ca-mw143-centralauthtoken-badsession.http");
                }
                if self.unattached {
                    return fixture("centralauthtoken/ca-mw143-centralauthtoken-notattached.http");
                }
                let token = format!("{:032x}{:06x}", 0xca00 + self.central_issued.len(), 7);
                self.central_issued.push(token.clone());
                self.central_issued_at.insert(token.clone(), Instant::now());
                Reply::json(
                    serde_json::json!({"centralauthtoken": {"centralauthtoken": token}})
                        .to_string(),
                )
            }
            other => Reply::error(
                "badvalue",
                &format!("Unrecognized value for parameter \"action\": {other}."),
            ),
        }
    }
}

async fn mini_wiki(ip: &str) -> (Double, Arc<Mutex<MiniWiki>>) {
    let wiki = MiniWiki::shared("dblwiki_session");
    let state = Arc::clone(&wiki);
    let double = Double::start(ip, move |seen| lock(&state).handle(seen)).await;
    (double, wiki)
}

// ---------------------------------------------------------------------------
// Clients.

fn fast_retries(max_retries: u32, base: Duration, max: Duration) -> Config {
    let mut config = Config::new(UA);
    let mut retry = RetryPolicy::default();
    retry.max_retries = max_retries;
    retry.base_delay = base;
    retry.max_delay = max;
    config.retry = retry;
    config
}

fn builder(api: &str) -> ClientBuilder {
    Client::builder(api)
        .user_agent(UA)
        .config(fast_retries(
            3,
            Duration::from_millis(50),
            Duration::from_secs(2),
        ))
        .timeout(Duration::from_secs(10))
}

fn client(api: &str) -> Client {
    builder(api).build().expect("client")
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

fn get_query() -> ActionCall {
    ActionCall::new(ActionRequest::get("query").param("meta", "userinfo"))
}

fn transport_message(err: &Error) -> String {
    match err {
        Error::Protocol(mw_protocol::Error::Transport(m)) => m.clone(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Login, tokens, logout.

#[tokio::test]
async fn login_token_login_csrf_logout_are_four_requests() {
    let (wiki, _) = mini_wiki("127.0.0.1").await;
    let client = client(&wiki.api());
    let user = client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    assert_eq!(user.name, "Bot");
    assert_eq!(user.id, Some(7));
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    assert!(!csrf.is_anonymous());
    let out = client.logout().await.expect("logout");
    assert_eq!(out.value, LogoutOutcome::LoggedOut);
    assert!(client.user().is_none());

    let seen = wiki.seen();
    assert_eq!(
        wiki.summary(),
        [
            "GET query tokens",
            "POST login",
            "GET query tokens",
            "POST logout"
        ]
    );
    // The session cookie the first response set came back every time.
    assert!(seen[0].header("cookie").is_none());
    for s in &seen[1..] {
        assert_eq!(s.cookie("dblwiki_session"), Some("1"), "{s:?}");
    }
    // Secrets only ever in POST bodies; every request asks for gzip and
    // carries the user agent.
    for s in &seen {
        assert!(!s.raw_query.contains("lgpassword") && !s.raw_query.contains("token="));
        assert_eq!(s.header("accept-encoding"), Some("gzip"));
        assert_eq!(s.header("user-agent"), Some(UA));
    }
    assert_eq!(seen[1].form_param("lgpassword"), Some(BOT_PASSWORD));
    assert_eq!(seen[3].form_param("token"), Some(csrf.secret()));
    // Nothing secret in the client's Debug output.
    let shown = format!("{client:?}");
    assert!(!shown.contains(BOT_PASSWORD) && !shown.contains(csrf.secret()));
}

#[tokio::test]
async fn concurrent_callers_share_one_token_fetch() {
    let (wiki, _) = mini_wiki("127.0.0.1").await;
    let client = client(&wiki.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call(edit()).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("edit");
    }
    let summary = wiki.summary();
    assert_eq!(summary.len(), 2 + 1 + 5, "{summary:?}");
    assert_eq!(
        summary.iter().filter(|s| *s == "GET query tokens").count(),
        2,
        "one login token and one csrf fetch: {summary:?}"
    );
}

#[tokio::test]
async fn several_token_types_come_from_one_request() {
    let (wiki, _) = mini_wiki("127.0.0.1").await;
    let client = client(&wiki.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let types = [TokenType::CSRF, TokenType::WATCH, TokenType::PATROL];
    let tokens = client.tokens(&types).await.expect("tokens");
    assert_eq!(
        tokens.iter().map(|(ty, _)| ty.clone()).collect::<Vec<_>>(),
        types
    );
    assert!(tokens.iter().all(|(_, t)| !t.is_anonymous()));
    let seen = wiki.seen();
    assert_eq!(seen.len(), 3, "{:?}", wiki.summary());
    let mut asked: Vec<&str> = seen[2]
        .param("type")
        .unwrap_or_default()
        .split('|')
        .collect();
    asked.sort_unstable();
    assert_eq!(asked, ["csrf", "patrol", "watch"]);
    // All cached now.
    client.tokens(&types).await.expect("cached tokens");
    assert_eq!(wiki.seen().len(), 3);
}

#[tokio::test]
async fn badtoken_is_cured_by_exactly_one_refresh_and_one_retry() {
    let (wiki, state) = mini_wiki("127.0.0.1").await;
    let client = client(&wiki.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    client.token(TokenType::CSRF).await.expect("csrf");
    // The server resets the session's token secret.
    if let Some(sess) = lock(&state).sessions.get_mut("1") {
        sess.secret += 1;
    }
    let before = wiki.seen().len();
    let response = client.call(edit()).await.expect("edit");
    assert_eq!(
        response.get(&["edit", "result"]).and_then(|v| v.as_str()),
        Some("Success")
    );
    assert_eq!(
        wiki.summary()[before..],
        ["POST edit", "GET query tokens", "POST edit"]
    );

    // A server that refuses every token: one retry, then the error.
    let refuse = Double::start("127.0.0.1", |seen| match seen.action() {
        "query" => Reply::json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#),
        _ => fixture("envelope/mw139-badtoken-bc-fv2.http"),
    })
    .await;
    let err = client_for(&refuse)
        .call(edit())
        .await
        .expect_err("badtoken");
    assert_eq!(err.code(), Some("badtoken"));
    assert_eq!(
        refuse.summary(),
        [
            "GET query tokens",
            "POST edit",
            "GET query tokens",
            "POST edit"
        ]
    );
}

fn client_for(double: &Double) -> Client {
    client(&double.api())
}

#[tokio::test]
async fn logout_on_a_143_read_only_wiki_is_a_readonly_error() {
    let wiki = MiniWiki::shared("dblwiki_session");
    let state = Arc::clone(&wiki);
    let double = Double::start("127.0.0.1", move |seen| {
        if seen.action() == "logout" {
            // 1.43: ApiLogout::isWriteMode() is true.
            return fixture("envelope/mw143-readonly.http");
        }
        lock(&state).handle(seen)
    })
    .await;
    let client = client_for(&double);
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let err = client.logout().await.expect_err("readonly");
    assert_eq!(err.code(), Some("readonly"));
    let api = err.protocol().and_then(|e| e.api()).expect("api error");
    assert!(
        api.data
            .as_ref()
            .is_some_and(|d| d.get("readonlyreason").is_some())
    );
    // Not retried, and still logged in.
    assert_eq!(
        double.summary(),
        [
            "GET query tokens",
            "POST login",
            "GET query tokens",
            "POST logout"
        ]
    );
    assert!(client.user().is_some());
}

// ---------------------------------------------------------------------------
// maxlag, ratelimited, 429 and 503.

/// Answers `edit` with `first` for the first `times` edits, then succeeds.
async fn flaky_edits(times: usize, first: Reply) -> Double {
    let count = Arc::new(Mutex::new(0usize));
    Double::start("127.0.0.1", move |seen| match seen.action() {
        "query" => Reply::json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#),
        "edit" => {
            let mut n = lock(&count);
            *n += 1;
            if *n <= times {
                first.clone()
            } else {
                Reply::json(r#"{"edit":{"result":"Success"}}"#)
            }
        }
        _ => Reply::error("badvalue", "?"),
    })
    .await
}

#[tokio::test]
async fn maxlag_waits_for_retry_after_then_retries() {
    // The exact bc body of notes §6; Retry-After cut from 5 s to 1 s.
    let maxlag = fixture("envelope/mw143-maxlag-bc-fv2.http").header("retry-after", "1");
    let double = flaky_edits(1, maxlag).await;
    let client = client_for(&double);
    let started = Instant::now();
    let response = client.call(edit()).await.expect("edit after maxlag");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        response.get(&["edit", "result"]).and_then(|v| v.as_str()),
        Some("Success")
    );
    assert_eq!(
        double.summary(),
        ["GET query tokens", "POST edit", "POST edit"]
    );
    // Every request asked for maxlag=5 (the default), and the retry was
    // the same request.
    let seen = double.seen();
    assert!(seen.iter().all(|s| s.param("maxlag") == Some("5")));
    assert_eq!(seen[1].form, seen[2].form);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_is_returned() {
    let double = flaky_edits(1, fixture("envelope/mw143-maxlag-bc-fv2.http")).await;
    let client = builder(&double.api())
        .config(fast_retries(
            3,
            Duration::from_millis(50),
            Duration::from_secs(1),
        ))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.call(edit()).await.expect_err("maxlag");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(err.code(), Some("maxlag"));
    let protocol = err.protocol().expect("protocol error");
    assert_eq!(protocol.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(protocol.api().and_then(|e| e.lag()), Some(7.0));
    assert_eq!(double.summary(), ["GET query tokens", "POST edit"]);
}

#[tokio::test]
async fn maxlag_retries_are_bounded() {
    // The bc fv2 example of mediawiki-protocol.md §6, with its headers.
    let maxlag = Reply::json(
        r#"{"error":{"code":"maxlag","info":"Waiting for db1: 7 seconds lagged.","host":"db1","lag":7,"type":"db","docref":"See https://w.example/w/api.php for API usage."},"servedby":"mw1234"}"#,
    )
    .header("mediawiki-api-error", "maxlag")
    .header("retry-after", "0")
    .header("x-database-lag", "7");
    let double = flaky_edits(usize::MAX, maxlag).await;
    let client = builder(&double.api())
        .config(fast_retries(
            2,
            Duration::from_millis(10),
            Duration::from_secs(1),
        ))
        .build()
        .expect("client");
    let err = client.call(edit()).await.expect_err("maxlag");
    assert_eq!(err.code(), Some("maxlag"));
    let api = err.protocol().and_then(|e| e.api()).expect("api error");
    assert_eq!(api.lag(), Some(7.0));
    assert_eq!(api.servedby.as_deref(), Some("mw1234"));
    assert_eq!(
        double.summary(),
        ["GET query tokens", "POST edit", "POST edit", "POST edit"]
    );
}

#[tokio::test]
async fn ratelimited_backs_off_exponentially() {
    let limited = fixture("envelope/mw139-ratelimited-plaintext-fv2.http");
    let double = flaky_edits(2, limited).await;
    let client = builder(&double.api())
        .config(fast_retries(
            3,
            Duration::from_millis(100),
            Duration::from_secs(2),
        ))
        .build()
        .expect("client");
    let started = Instant::now();
    client.call(edit()).await.expect("edit");
    // 100 ms, then 200 ms.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        double.summary(),
        ["GET query tokens", "POST edit", "POST edit", "POST edit"]
    );
}

#[tokio::test]
async fn http_429_with_retry_after_seconds() {
    let too_many = fixture("envelope/proxy-http429-html.http").header("retry-after", "1");
    let double = flaky_edits(1, too_many).await;
    let started = Instant::now();
    client_for(&double).call(edit()).await.expect("edit");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        double.summary(),
        ["GET query tokens", "POST edit", "POST edit"]
    );
}

/// A GET the double answers like an edit (the proxy's 503 comes first).
fn get_edit() -> ActionCall {
    ActionCall::new(ActionRequest::get("edit").param("title", "Sandbox"))
}

#[tokio::test]
async fn http_503_with_retry_after_as_a_date() {
    let now = SystemTime::now();
    let unavailable = fixture("envelope/proxy-http503-varnish-retry-after-date.http")
        .header("date", httpdate::fmt_http_date(now))
        .header(
            "retry-after",
            httpdate::fmt_http_date(now + Duration::from_secs(1)),
        );
    let double = flaky_edits(1, unavailable.clone()).await;
    let started = Instant::now();
    client_for(&double).call(get_edit()).await.expect("edit");
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(double.summary(), ["GET edit", "GET edit"]);

    // A POST is not sent again: the proxy may have forwarded it.
    let double = flaky_edits(1, unavailable).await;
    let err = client_for(&double).call(edit()).await.expect_err("503");
    assert!(
        matches!(
            err,
            Error::Protocol(mw_protocol::Error::MaybeApplied { status: 503, .. })
        ),
        "{err:?}"
    );
    assert_eq!(double.summary(), ["GET query tokens", "POST edit"]);

    // Without retries left, the 503 comes back with its wait.
    let double = flaky_edits(
        usize::MAX,
        fixture("envelope/proxy-http503-varnish-retry-after-date.http"),
    )
    .await;
    let err = builder(&double.api())
        .config(fast_retries(
            0,
            Duration::from_millis(10),
            Duration::from_secs(1),
        ))
        .build()
        .expect("client")
        .call(get_edit())
        .await
        .expect_err("503");
    match err {
        Error::Protocol(mw_protocol::Error::Http {
            status,
            retry_after,
            ..
        }) => {
            assert_eq!(status, 503);
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Old wikis: action=tokens.

#[tokio::test]
async fn a_123_wiki_falls_back_to_action_tokens_without_deprecation() {
    let double = Double::start("127.0.0.1", |seen| match seen.action() {
        "query" => fixture("tokens/mw123-meta-tokens-unknown-meta-value.http"),
        "tokens" => fixture("legacy_tokens/mw123-action-tokens-edit.http"),
        "edit" if seen.form_param("token") == Some("aa1a17bf75e46273db40ea65ec12c2ae+\\") => {
            Reply::json(r#"{"edit":{"result":"Success"}}"#)
        }
        _ => Reply::error("badtoken", "Invalid token"),
    })
    .await;
    let client = client_for(&double);
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    assert_eq!(csrf.secret(), "aa1a17bf75e46273db40ea65ec12c2ae+\\");
    assert!(!csrf.has_deprecation(), "{:?}", csrf.warnings);
    assert_eq!(double.summary(), ["GET query tokens", "GET tokens"]);
    assert_eq!(double.seen()[1].param("type"), Some("edit"));
    // Cached: the edit needs no further fetch, and the wiki's API is known
    // now (no meta=tokens attempt again).
    client.call(edit()).await.expect("edit");
    assert_eq!(
        double.summary(),
        ["GET query tokens", "GET tokens", "POST edit"]
    );
    let err = client
        .token(TokenType::ROLLBACK)
        .await
        .expect_err("no rollback token before 1.24");
    assert!(matches!(
        err,
        Error::Protocol(mw_protocol::Error::Unsupported(_))
    ));
    assert_eq!(double.seen().len(), 3);
}

/// A subscriber that keeps every event's level and fields as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(tracing::Level, String)>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        lock(&self.0).push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// A wiki whose `meta=tokens` is unknown and whose `action=tokens` warns
/// of its deprecation in the errorformat=plaintext shape of 1.29-1.36. (No
/// real wiki combines the two, but the driver must pass on whatever comes:
/// this is what reaches the caller when `action=tokens` is deprecated.)
#[tokio::test]
async fn the_action_tokens_deprecation_reaches_the_caller_and_the_log() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let double = Double::start("127.0.0.1", |seen| match seen.action() {
        "query" => Reply::json(
            r#"{"batchcomplete":true,"warnings":[{"code":"unrecognizedvalues","text":"Unrecognized value for parameter \"meta\": tokens.","data":{"values":["tokens"]},"module":"query"}]}"#,
        ),
        "tokens" => fixture("legacy_tokens/mw129-134-action-tokens-deprecated-plaintext-fv2.http"),
        "edit" => Reply::json(r#"{"edit":{"result":"Success"}}"#),
        _ => Reply::error("badvalue", "?"),
    })
    .await;
    let client = client_for(&double);
    let response = client.call(edit()).await.expect("edit");
    assert!(response.has_deprecation(), "{:?}", response.warnings);
    let deprecation = response
        .warnings
        .iter()
        .find(|w| w.is_deprecation())
        .expect("deprecation");
    assert_eq!(deprecation.module, "tokens");
    assert_eq!(deprecation.deprecated_feature(), Some("action=tokens"));
    assert_eq!(
        double.summary(),
        ["GET query tokens", "GET tokens", "POST edit"]
    );

    let events = lock(&capture.0).clone();
    let warned: Vec<_> = events
        .iter()
        .filter(|(level, _)| *level == tracing::Level::WARN)
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(
        warned
            .iter()
            .any(|t| t.contains("action=tokens") && t.contains("module=tokens")),
        "{warned:#?}"
    );
    // No event at any level holds the token.
    let token = "1354173dec07cfb54d227b1623eaaeff5dcabb9b";
    assert!(
        events.iter().all(|(_, t)| !t.contains(token)),
        "{events:#?}"
    );
}

#[tokio::test]
async fn nothing_secret_reaches_the_log() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let (wiki, _) = mini_wiki("127.0.0.1").await;
    let client = client(&wiki.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    client.call(edit()).await.expect("edit");
    let _ = client
        .login(BOT, Password::new("wrong-password-wrong-password-00"))
        .await;
    client.logout().await.expect("logout");
    let events = lock(&capture.0).clone();
    assert!(events.len() >= 10, "{events:#?}");
    for (_, text) in &events {
        for secret in [
            BOT_PASSWORD,
            "wrong-password",
            csrf.secret(),
            &MiniWiki::login_of("1"),
            "dblwiki_session=1",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

// ---------------------------------------------------------------------------
// CentralAuth.

/// A foreign wiki of the farm, as CentralAuth's token session provider
/// makes it (mediawiki-protocol.md §8, §11): each issued
/// `centralauthtoken` works once (consumed before the module runs) and for
/// 60 s; the token may come in the URL or the POST body; cookies sent with
/// it are ignored and the token session never sets one; it cannot log out.
/// A used or expired token is refused with `badtoken` after
/// `badtoken_delay` (up to 3 s on REL1_38–REL1_43; zero for fast tests).
struct ForeignWiki {
    home: Arc<Mutex<MiniWiki>>,
    used: HashSet<String>,
    /// Refuse the first valid token as if it had expired.
    reject_first: bool,
    badtoken_delay: Duration,
    ttl: Duration,
}

/// The foreign csrf token of a token session (the fixture's).
const FOREIGN_CSRF: &str = "3fca07db0591eb010febfd8d7172f07667d946c0+\\";

impl ForeignWiki {
    fn new(home: Arc<Mutex<MiniWiki>>) -> Self {
        ForeignWiki {
            home,
            used: HashSet::new(),
            reject_first: false,
            badtoken_delay: Duration::ZERO,
            ttl: Duration::from_secs(60),
        }
    }

    fn handle(&mut self, seen: &Seen) -> Reply {
        let Some(token) = seen.param("centralauthtoken").map(str::to_owned) else {
            // No token: an anonymous session of this wiki (no cookie of
            // ours is ever valid here: the tests never log in to it).
            return match seen.action() {
                "query" if seen.param("meta") == Some("tokens") => {
                    Reply::json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#)
                }
                _ => Reply::json(
                    r#"{"batchcomplete":true,"query":{"userinfo":{"id":0,"name":"127.0.0.1","anon":true}}}"#,
                ),
            };
        };
        let fresh = lock(&self.home)
            .central_issued_at
            .get(&token)
            .is_some_and(|at| at.elapsed() < self.ttl);
        // Single use: consumed whatever comes next.
        let unused = self.used.insert(token);
        if !fresh || !unused || std::mem::take(&mut self.reject_first) {
            return fixture("centralauthtoken/ca-mw143-foreign-wiki-badtoken.http")
                .delayed(self.badtoken_delay);
        }
        match seen.action() {
            "query" if seen.param("meta") == Some("tokens") => {
                fixture("centralauthtoken/ca-mw143-foreign-wiki-meta-tokens.http")
            }
            "query" => {
                Reply::json(r#"{"batchcomplete":true,"query":{"userinfo":{"id":7,"name":"Bot"}}}"#)
            }
            "logout" => fixture("logout/ca-mw143-logout-cannotlogout-centralauthtoken-fv2.http"),
            "edit" if seen.form_param("token") == Some(FOREIGN_CSRF) => {
                Reply::json(r#"{"edit":{"result":"Success","title":"Foreign"}}"#)
            }
            _ => Reply::error("badtoken", "Invalid CSRF token."),
        }
    }
}

async fn start_foreign(wiki: ForeignWiki) -> Double {
    let wiki = Mutex::new(wiki);
    Double::start("127.0.0.2", move |seen| lock(&wiki).handle(seen)).await
}

/// The foreign wiki with instant refusals; `reject_first` refuses the
/// first valid token.
async fn foreign_wiki(home: Arc<Mutex<MiniWiki>>, reject_first: bool) -> Double {
    let mut wiki = ForeignWiki::new(home);
    wiki.reject_first = reject_first;
    start_foreign(wiki).await
}

/// A main-account login (`action=clientlogin`): the one kind of session
/// CentralAuth gives centralauthtokens to.
async fn main_login(client: &Client) {
    let step = client
        .client_login(MAIN, Password::new(MAIN_PASSWORD), "http://127.0.0.1/")
        .await
        .expect("clientlogin");
    assert!(
        matches!(
            step.into_value(),
            mw_transport::ClientLoginOutcome::LoggedIn(_)
        ),
        "clientlogin did not pass"
    );
}

#[tokio::test]
async fn centralauth_uses_a_fresh_token_per_foreign_request() {
    let (home, state) = mini_wiki("127.0.0.1").await;
    let foreign = foreign_wiki(Arc::clone(&state), false).await;
    let client = client(&home.api());
    main_login(&client).await;
    let meta = client.foreign(&foreign.api()).expect("foreign");
    let edit = meta.call(edit()).await.expect("foreign edit");
    assert_eq!(
        edit.get(&["edit", "title"]).and_then(|v| v.as_str()),
        Some("Foreign")
    );
    let info = meta.call(get_query()).await.expect("foreign query");
    assert_eq!(
        info.get(&["query", "userinfo", "name"])
            .and_then(|v| v.as_str()),
        Some("Bot")
    );

    assert_eq!(
        home.summary(),
        [
            "GET query tokens",
            "POST clientlogin",
            "GET centralauthtoken",
            "GET centralauthtoken",
            "GET centralauthtoken"
        ]
    );
    assert_eq!(
        foreign.summary(),
        ["GET query tokens", "POST edit", "GET query userinfo"]
    );
    let issued = lock(&state).central_issued.clone();
    let sent: Vec<String> = foreign
        .seen()
        .iter()
        .filter_map(|s| s.query_param("centralauthtoken").map(str::to_owned))
        .collect();
    assert_eq!(
        sent, issued,
        "one fresh token per foreign request, in order"
    );
    assert_eq!(sent.iter().collect::<HashSet<_>>().len(), 3);
    for s in foreign.seen() {
        // Only the centralauthtoken is in the URL; the foreign csrf token
        // is in the body; the token session sets no cookie, so none goes
        // there, and no home cookie goes to the other host.
        assert!(s.query_param("token").is_none());
        assert!(s.form_param("centralauthtoken").is_none());
        assert!(s.header("cookie").is_none(), "{s:?}");
    }
}

/// A bot-password session gets `badsession` from CentralAuth: a typed
/// error, and nothing reaches the foreign wiki.
#[tokio::test]
async fn a_bot_password_session_cannot_call_another_wiki() {
    let (home, state) = mini_wiki("127.0.0.1").await;
    let foreign = foreign_wiki(Arc::clone(&state), false).await;
    let client = client(&home.api());
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("bot-password login");
    let err = client
        .foreign(&foreign.api())
        .expect("foreign")
        .call(get_query())
        .await
        .expect_err("badsession");
    match &err {
        Error::Protocol(mw_protocol::Error::CentralAuthSession(m)) => {
            assert!(m.contains("client_login"), "{m}");
        }
        other => panic!("expected CentralAuthSession, got {other:?}"),
    }
    assert!(err.to_string().contains("main-account login"), "{err}");
    assert!(foreign.seen().is_empty());
    assert_eq!(
        home.summary(),
        ["GET query tokens", "POST login", "GET centralauthtoken"]
    );
    assert!(lock(&state).central_issued.is_empty());
}

/// The deprecated main-account `action=login` is a CentralAuth session
/// too.
#[tokio::test]
async fn a_main_account_action_login_can_call_another_wiki() {
    let (home, state) = mini_wiki("127.0.0.1").await;
    let foreign = foreign_wiki(Arc::clone(&state), false).await;
    let client = client(&home.api());
    let user = client
        .login(MAIN, Password::new(MAIN_PASSWORD))
        .await
        .expect("main-account login");
    assert!(user.has_deprecation());
    let info = client
        .foreign(&foreign.api())
        .expect("foreign")
        .call(get_query())
        .await
        .expect("foreign query");
    assert_eq!(
        info.get(&["query", "userinfo", "name"])
            .and_then(|v| v.as_str()),
        Some("Bot")
    );
}

/// What a `Seen` of the doubles needs for a direct call of a handler.
fn seen(method: &str, query: &[(&str, &str)], form: &[(&str, &str)], cookie: Option<&str>) -> Seen {
    let own = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let mut headers = http::HeaderMap::new();
    if let Some(c) = cookie {
        headers.insert("cookie", c.parse().expect("cookie header"));
    }
    Seen {
        method: method.into(),
        path: "/w/api.php".into(),
        raw_query: String::new(),
        query: own(query),
        form: own(form),
        headers,
    }
}

fn code_of(reply: &Reply) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    (
        v["error"]["code"].as_str().unwrap_or_default().to_owned(),
        v["error"]["info"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The home double answers `action=centralauthtoken` in CentralAuth's
/// order: `hascallback`, `notloggedin`, `badsession`, `notattached`.
#[test]
fn the_centralauth_double_checks_in_centralauths_order() {
    let wiki = MiniWiki::shared("dblwiki_session");
    let mut w = lock(&wiki);
    for (sid, provider) in [("bp", Provider::BotPassword), ("ca", Provider::CentralAuth)] {
        w.sessions.insert(
            sid.into(),
            Sess {
                user: Some("Bot".into()),
                provider,
                secret: 0,
            },
        );
    }
    w.unattached = true;
    let ask = |w: &mut MiniWiki, extra: &[(&str, &str)], sid: Option<&str>| {
        let mut q = vec![("action", "centralauthtoken")];
        q.extend_from_slice(extra);
        let cookie = sid.map(|s| format!("dblwiki_session={s}"));
        code_of(&w.handle(&seen("GET", &q, &[], cookie.as_deref()))).0
    };
    assert_eq!(ask(&mut w, &[("origin", "*")], None), "hascallback");
    assert_eq!(ask(&mut w, &[("origin", "*")], Some("bp")), "hascallback");
    assert_eq!(ask(&mut w, &[], None), "notloggedin");
    assert_eq!(ask(&mut w, &[], Some("bp")), "badsession");
    assert_eq!(ask(&mut w, &[], Some("ca")), "notattached");
    w.unattached = false;
    assert_eq!(ask(&mut w, &[], Some("bp")), "badsession");
    assert_eq!(
        ask(&mut w, &[], Some("ca")),
        "",
        "a token for the CentralAuth session"
    );
    assert_eq!(w.central_issued.len(), 1);
}

/// The foreign double's token session: single use, 60 s, URL or body,
/// cookies ignored and never set, no logout.
#[test]
fn the_foreign_double_is_a_token_session() {
    let home = MiniWiki::shared("dblwiki_session");
    let issue = |n: usize| {
        let t = format!("{n:032x}000007");
        let mut h = lock(&home);
        h.central_issued.push(t.clone());
        h.central_issued_at.insert(t.clone(), Instant::now());
        t
    };
    let mut wiki = ForeignWiki::new(Arc::clone(&home));
    fn userinfo(t: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("action", "query"),
            ("meta", "userinfo"),
            ("centralauthtoken", t),
        ]
    }
    let t1 = issue(1);
    let ok = wiki.handle(&seen("GET", &userinfo(&t1), &[], Some("foreign_session=x")));
    assert_eq!(code_of(&ok).0, "");
    assert!(
        ok.headers.iter().all(|(k, _)| k != "set-cookie"),
        "no cookie"
    );
    let again = wiki.handle(&seen("GET", &userinfo(&t1), &[], None));
    assert_eq!(
        code_of(&again),
        (
            "badtoken".into(),
            "The centralauthtoken is not valid.".into()
        )
    );
    // In the POST body too.
    let t2 = issue(2);
    let body = wiki.handle(&seen(
        "POST",
        &[("action", "query"), ("meta", "userinfo")],
        &[("centralauthtoken", &t2)],
        None,
    ));
    assert_eq!(code_of(&body).0, "");
    // A cookie is no session here: without a token, anonymous.
    let anon = wiki.handle(&seen(
        "GET",
        &[("action", "query"), ("meta", "userinfo")],
        &[],
        Some("foreign_session=x"),
    ));
    assert!(String::from_utf8_lossy(&anon.body).contains("127.0.0.1"));
    // No logout with a token session.
    let t3 = issue(3);
    let logout = wiki.handle(&seen(
        "POST",
        &[("action", "logout"), ("centralauthtoken", &t3)],
        &[("token", FOREIGN_CSRF)],
        None,
    ));
    assert_eq!(
        code_of(&logout),
        (
            "cannotlogout".into(),
            "Logging out is not possible when using CentralAuthApiSessionProvider sessions.".into()
        )
    );
    // Expired: refused.
    wiki.ttl = Duration::ZERO;
    let t4 = issue(4);
    assert_eq!(
        code_of(&wiki.handle(&seen("GET", &userinfo(&t4), &[], None))).0,
        "badtoken"
    );
    // An unknown token: refused after the configured delay.
    wiki.badtoken_delay = Duration::from_secs(3);
    let refused = wiki.handle(&seen("GET", &userinfo("0badc0de"), &[], None));
    assert_eq!(code_of(&refused).0, "badtoken");
    assert_eq!(refused.delay, Duration::from_secs(3));
}

/// REL1_38–REL1_43 poll up to 3 s for a token they do not have before
/// refusing it: the flow waits that out (within the client's timeout),
/// restarts once with fresh tokens and succeeds.
#[tokio::test]
async fn a_refused_centralauthtoken_takes_the_real_3_s_and_the_flow_still_succeeds() {
    const { assert!(mw_transport::DEFAULT_TIMEOUT.as_secs() >= 3 * 3) };
    let (home, state) = mini_wiki("127.0.0.1").await;
    let mut wiki = ForeignWiki::new(Arc::clone(&state));
    wiki.reject_first = true;
    wiki.badtoken_delay = Duration::from_secs(3);
    let foreign = start_foreign(wiki).await;
    let client = builder(&home.api())
        .timeout(mw_transport::DEFAULT_TIMEOUT)
        .build()
        .expect("client");
    main_login(&client).await;
    let started = Instant::now();
    client
        .foreign(&foreign.api())
        .expect("foreign")
        .call(get_query())
        .await
        .expect("foreign query after the slow refusal");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(3), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(
        foreign.summary(),
        ["GET query userinfo", "GET query userinfo"]
    );
    assert_eq!(lock(&state).central_issued.len(), 2);
}

/// Logging out of a foreign wiki through a token session is
/// `cannotlogout`, an API error the caller sees.
#[tokio::test]
async fn a_foreign_logout_is_cannotlogout() {
    let (home, state) = mini_wiki("127.0.0.1").await;
    let foreign = foreign_wiki(Arc::clone(&state), false).await;
    let client = client(&home.api());
    main_login(&client).await;
    let err = client
        .foreign(&foreign.api())
        .expect("foreign")
        .call(ActionCall::new(ActionRequest::post("logout")).with_token(TokenType::CSRF))
        .await
        .expect_err("cannotlogout");
    assert_eq!(err.code(), Some("cannotlogout"), "{err:?}");
    assert!(client.user().is_some(), "the home session stays logged in");
}

/// Every CentralAuth flow (a refused central token and the restart, a
/// foreign edit and read, a foreign wiki that refuses every token) with a
/// TRACE subscriber keeping every event and span field: no password and
/// no token appears in a log line, a `Debug`/`Display` or an error, and a
/// `centralauthtoken` appears only in the URL of the one foreign request
/// it was issued for.
#[tokio::test]
async fn centralauth_leaks_nothing_at_trace_level() {
    let trace = capture::Capture::default();
    let _guard = tracing::subscriber::set_default(trace.clone());
    let (home, state) = mini_wiki("127.0.0.1").await;
    let foreign = foreign_wiki(Arc::clone(&state), true).await;
    let client = client(&home.api());
    let mut shown = Vec::new();
    main_login(&client).await;
    let meta = client.foreign(&foreign.api()).expect("foreign");
    shown.push(format!("{meta:?}"));
    let edited = meta.call(edit()).await.expect("foreign edit");
    shown.push(format!("{edited:?}"));
    let info = meta.call(get_query()).await.expect("foreign query");
    shown.push(format!("{info:?}"));
    let refusing = Double::start("127.0.0.2", |_| {
        fixture("centralauthtoken/ca-mw143-foreign-wiki-badtoken.http")
    })
    .await;
    let err = client
        .foreign(&refusing.api())
        .expect("foreign")
        .call(get_query())
        .await
        .expect_err("refused");
    shown.push(format!("{err} {err:?}"));
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    shown.push(format!("{client:?} {csrf:?} {}", *csrf));
    client.logout().await.expect("logout");

    let central = lock(&state).central_issued.clone();
    assert!(central.len() >= 5, "{central:?}");
    let mut secrets: Vec<(&str, String)> = vec![
        ("the password", MAIN_PASSWORD.to_owned()),
        ("the bot password", BOT_PASSWORD.to_owned()),
        ("the home csrf token", csrf.secret().to_owned()),
        (
            "the foreign csrf token",
            "3fca07db0591eb010febfd8d7172f07667d946c0+\\".to_owned(),
        ),
    ];
    for t in &central {
        secrets.push(("a centralauthtoken", t.clone()));
    }
    let lines = trace.lines();
    assert!(lines.len() > 10, "{lines:#?}");
    for line in &lines {
        capture::assert_clean("a log line", line, &secrets);
    }
    for text in &shown {
        capture::assert_clean("a Debug/Display/error", text, &secrets);
    }
    for s in home.seen() {
        capture::assert_clean(
            "a home URL",
            &format!("{} {}", s.path, s.raw_query),
            &secrets,
        );
    }
    for s in foreign.seen().into_iter().chain(refusing.seen()) {
        let own = s.query_param("centralauthtoken").map(str::to_owned);
        assert!(
            own.is_some(),
            "a foreign request without its centralauthtoken"
        );
        let rest: Vec<String> = s
            .query
            .iter()
            .filter(|(k, _)| k != "centralauthtoken")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        capture::assert_clean("a foreign URL", &rest.join("&"), &secrets);
        let others: Vec<(&str, String)> = central
            .iter()
            .filter(|t| Some(*t) != own.as_ref())
            .map(|t| ("another request's centralauthtoken", t.clone()))
            .collect();
        capture::assert_clean("a foreign URL", &s.raw_query, &others);
    }
}

#[tokio::test]
async fn a_refused_centralauthtoken_restarts_the_foreign_flow_once() {
    let (home, state) = mini_wiki("127.0.0.1").await;
    let foreign = foreign_wiki(Arc::clone(&state), true).await;
    let client = client(&home.api());
    main_login(&client).await;
    client
        .foreign(&foreign.api())
        .expect("foreign")
        .call(edit())
        .await
        .expect("foreign edit after one restart");
    assert_eq!(
        foreign.summary(),
        ["GET query tokens", "GET query tokens", "POST edit"]
    );
    assert_eq!(lock(&state).central_issued.len(), 3);
}

// ---------------------------------------------------------------------------
// Redirects.

#[tokio::test]
async fn same_host_redirects_are_followed_with_each_hops_cookies() {
    let double = Double::start("127.0.0.1", |seen| match seen.path.as_str() {
        "/w/api.php" => {
            Reply::redirect(302, "/w/moved.php").add_header("set-cookie", "hop=1; path=/")
        }
        "/w/moved.php" => {
            Reply::redirect(307, "/w/api2.php").add_header("set-cookie", "hop2=2; path=/w")
        }
        _ if seen.method == "POST" => Reply::json(r#"{"edit":{"result":"Success"}}"#),
        _ if seen.param("meta") == Some("tokens") => {
            Reply::json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#)
        }
        _ => Reply::json(r#"{"batchcomplete":true,"query":{"userinfo":{"name":"x"}}}"#),
    })
    .await;
    let client = client_for(&double);
    client
        .call(get_query())
        .await
        .expect("GET through redirects");
    let seen = double.seen();
    assert_eq!(
        seen.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(),
        ["/w/api.php", "/w/moved.php", "/w/api2.php"]
    );
    assert_eq!(seen[1].cookie("hop"), Some("1"));
    assert_eq!(seen[2].cookie("hop2"), Some("2"));

    // A POST through a 307 keeps its method and body.
    let post = Double::start("127.0.0.1", |seen| match seen.path.as_str() {
        "/w/api.php" if seen.method == "POST" => Reply::redirect(307, "/w/api2.php"),
        "/w/api.php" => {
            Reply::json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#)
        }
        _ if seen.method == "POST" && seen.form_param("token") == Some("+\\") => {
            Reply::json(r#"{"edit":{"result":"Success"}}"#)
        }
        _ => Reply::error("badtoken", "Invalid CSRF token."),
    })
    .await;
    let response = client_for(&post).call(edit()).await.expect("POST via 307");
    assert_eq!(
        response.get(&["edit", "result"]).and_then(|v| v.as_str()),
        Some("Success")
    );
    let seen = post.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].method, "POST");
    assert_eq!(seen[2].path, "/w/api2.php");
    assert_eq!(seen[1].form, seen[2].form, "a 307 keeps the body");
}

#[tokio::test]
async fn a_post_is_never_replayed_as_a_get() {
    for status in [301, 302, 303] {
        let double = Double::start("127.0.0.1", move |seen| match seen.path.as_str() {
            "/w/api.php" if seen.method == "POST" => Reply::redirect(status, "/w/api2.php"),
            "/w/api.php" => {
                Reply::json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#)
            }
            _ => Reply::json(r#"{"edit":{"result":"Success"}}"#),
        })
        .await;
        let err = client_for(&double).call(edit()).await.expect_err("refused");
        let message = transport_message(&err);
        assert!(message.contains("not replayed as a GET"), "{message}");
        assert!(message.contains(&status.to_string()));
        assert_eq!(double.summary(), ["GET query tokens", "POST edit"]);
    }
}

#[tokio::test]
async fn redirects_to_another_host_are_refused_and_get_no_cookie() {
    let other = Double::start("127.0.0.2", |_| Reply::json("{}")).await;
    let target = other.api();
    let double = Double::start("127.0.0.1", move |_| {
        Reply::redirect(302, &target).add_header("set-cookie", "home=secret; path=/")
    })
    .await;
    let err = client_for(&double)
        .call(get_query())
        .await
        .expect_err("refused");
    let message = transport_message(&err);
    assert!(message.contains("another host"), "{message}");
    assert_eq!(double.seen().len(), 1);
    assert!(other.seen().is_empty());

    // A redirect to another port of the same host is refused too.
    let other_port = other.api().replace("127.0.0.2", "127.0.0.1");
    let double = Double::start("127.0.0.1", move |_| Reply::redirect(302, &other_port)).await;
    let err = client_for(&double)
        .call(get_query())
        .await
        .expect_err("refused");
    assert!(transport_message(&err).contains("another port"));
}

#[tokio::test]
async fn an_upgrade_to_https_on_the_same_host_is_followed() {
    let double = Double::start("127.0.0.1", |seen| {
        let host = seen.header("host").unwrap_or_default().to_owned();
        Reply::redirect(301, &format!("https://{host}/w/api.php"))
    })
    .await;
    let err = client_for(&double)
        .call(get_query())
        .await
        .expect_err("no TLS on the double");
    // The client went on with TLS (which the plain-HTTP double cannot
    // speak): the redirect itself was allowed.
    let message = transport_message(&err);
    assert!(!message.contains("refused a redirect"), "{message}");
    assert_eq!(double.seen().len(), 1);
}

#[tokio::test]
async fn at_most_five_redirects_are_followed() {
    let count = Arc::new(Mutex::new(0u32));
    let double = Double::start("127.0.0.1", move |_| {
        let mut n = lock(&count);
        *n += 1;
        Reply::redirect(302, &format!("/w/api.php?hop={n}"))
    })
    .await;
    let err = client_for(&double)
        .call(get_query())
        .await
        .expect_err("loop");
    assert!(transport_message(&err).contains("more than 5 redirects"));
    assert_eq!(double.seen().len(), 6);
}

// ---------------------------------------------------------------------------
// Bodies, timeouts, connections.

#[tokio::test]
async fn gzip_bodies_are_decompressed() {
    let double = Double::start("127.0.0.1", |seen| {
        assert_eq!(seen.header("accept-encoding"), Some("gzip"));
        Reply::json(r#"{"batchcomplete":true,"query":{"userinfo":{"name":"Zipped"}}}"#).gzip()
    })
    .await;
    let response = client_for(&double).call(get_query()).await.expect("query");
    assert_eq!(
        response
            .get(&["query", "userinfo", "name"])
            .and_then(|v| v.as_str()),
        Some("Zipped")
    );
}

#[tokio::test]
async fn bodies_over_the_cap_fail_compressed_or_not() {
    let big = format!(
        r#"{{"batchcomplete":true,"query":{{"userinfo":{{"name":"{}"}}}}}}"#,
        "x".repeat(10_000)
    );
    let plain = big.clone();
    let double = Double::start("127.0.0.1", move |_| Reply::json(plain.clone())).await;
    let capped = |api: &str| {
        builder(api)
            .max_body_bytes(8 * 1024)
            .build()
            .expect("client")
    };
    let err = capped(&double.api())
        .call(get_query())
        .await
        .expect_err("cap");
    assert!(transport_message(&err).contains("larger than 8192 bytes"));
    // Under the cap: fine.
    builder(&double.api())
        .max_body_bytes(16 * 1024)
        .build()
        .expect("client")
        .call(get_query())
        .await
        .expect("under the cap");

    // A gzip bomb: 4 MiB that compress to a few kilobytes.
    let bomb = format!(
        r#"{{"batchcomplete":true,"query":{{"userinfo":{{"name":"{}"}}}}}}"#,
        " ".repeat(4 << 20)
    );
    let double = Double::start("127.0.0.1", move |_| Reply::json(bomb.clone()).gzip()).await;
    let err = capped(&double.api())
        .call(get_query())
        .await
        .expect_err("bomb");
    let message = transport_message(&err);
    assert!(message.contains("decompressed"), "{message}");
    // Not retried: one request.
    assert_eq!(double.seen().len(), 1);
}

#[tokio::test]
async fn a_slow_server_times_out_without_a_retry() {
    let double = Double::start("127.0.0.1", |_| {
        Reply::json(r#"{"batchcomplete":true}"#).delayed(Duration::from_secs(3))
    })
    .await;
    let client = builder(&double.api())
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.call(get_query()).await.expect_err("timeout");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(err, Error::Protocol(mw_protocol::Error::Timeout(_))),
        "{err:?}"
    );
    assert_eq!(double.seen().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let err = client(&format!("http://{addr}/w/api.php"))
        .call(get_query())
        .await
        .expect_err("refused");
    assert!(transport_message(&err).contains("could not connect"));
}

#[tokio::test]
async fn a_dropped_call_is_abandoned_and_the_client_goes_on() {
    let slow = Arc::new(Mutex::new(true));
    let first = Arc::clone(&slow);
    let double = Double::start("127.0.0.1", move |_| {
        let reply = Reply::json(r#"{"batchcomplete":true,"query":{"userinfo":{"name":"x"}}}"#);
        if std::mem::replace(&mut *lock(&first), false) {
            reply.delayed(Duration::from_millis(500))
        } else {
            reply
        }
    })
    .await;
    let client = client_for(&double);
    let dropped = tokio::time::timeout(Duration::from_millis(100), client.call(get_query())).await;
    assert!(dropped.is_err(), "the first call should still be waiting");
    client.call(get_query()).await.expect("second call");
    // The late answer to the abandoned call changes nothing.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.call(get_query()).await.expect("third call");
    assert_eq!(double.seen().len(), 3);
}

// ---------------------------------------------------------------------------
// OAuth 2 and cookies.

#[tokio::test]
async fn a_bearer_token_goes_to_the_wiki_only() {
    let wiki = MiniWiki::shared("dblwiki_session");
    lock(&wiki).bearer = Some("oauth-secret-123".into());
    let state = Arc::clone(&wiki);
    let home = Double::start("127.0.0.1", move |seen| lock(&state).handle(seen)).await;
    let foreign = foreign_wiki(Arc::clone(&wiki), false).await;
    let client = builder(&home.api())
        .bearer_token(Token::new("oauth-secret-123"))
        .build()
        .expect("client");
    // No login needed: the wiki knows the user from the token.
    let me = client.call(get_query()).await.expect("userinfo");
    assert_eq!(
        me.get(&["query", "userinfo", "name"])
            .and_then(|v| v.as_str()),
        Some("Bot")
    );
    // CentralAuth gives no centralauthtoken to an OAuth session
    // (`badsession`), and the client knows no user here: the foreign call
    // is refused before anything is sent, so the token cannot leak there.
    let refused = client
        .foreign(&foreign.api())
        .expect("foreign")
        .call(get_query())
        .await
        .expect_err("no foreign call without a logged-in user");
    assert!(
        matches!(refused, Error::Protocol(mw_protocol::Error::NotLoggedIn(_))),
        "{refused:?}"
    );
    assert!(foreign.seen().is_empty());
    for s in home.seen() {
        assert_eq!(s.header("authorization"), Some("Bearer oauth-secret-123"));
    }
    for s in foreign.seen() {
        assert!(s.header("authorization").is_none());
    }
    assert!(!format!("{client:?}").contains("oauth-secret"));
}

#[tokio::test]
async fn cookies_for_another_domain_are_ignored() {
    let double = Double::start("127.0.0.1", |seen| {
        Reply::json(r#"{"batchcomplete":true}"#)
            .add_header("set-cookie", "mine=1; path=/")
            .add_header("set-cookie", "theirs=2; domain=example.org; path=/")
            .add_header("set-cookie", "super=3; domain=org; path=/")
            .add_header(
                "set-cookie",
                format!(
                    "n{}=4; path=/",
                    seen.header("cookie").map_or(0, |c| c.len())
                ),
            )
    })
    .await;
    let client = client_for(&double);
    client.call(get_query()).await.expect("first");
    client.call(get_query()).await.expect("second");
    let seen = double.seen();
    let mut sent: Vec<&str> = seen[1]
        .header("cookie")
        .unwrap_or_default()
        .split("; ")
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, ["mine=1", "n0=4"]);
}
