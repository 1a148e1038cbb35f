//! Round trips: the fewest requests possible, counted by the server.
//!
//! A loopback server answers with the recorded MediaWiki 1.39 responses of
//! `crates/mw-protocol/tests/fixtures` and logs what it receives; the real
//! wiki (`MW_TEST_ENV`, as in `real_wiki.rs`) is counted with the client's
//! `record_requests` log. The other round-trip assertions live beside the
//! behaviour they test; docs/performance.md lists them all.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mw_test_support::server::{self, Bytes, Response, Server};
use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, LogoutOutcome, Password, RequestRecord,
    TokenType, TokenValidity,
};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";
const BOT: &str = "TestBot@client";
const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";

// ---------------------------------------------------------------------------
// The recorded wiki.

/// A recorded response as the wiki sends it again.
fn fixture(rel: &str) -> Response {
    server::replay(&mw_test_support::fixture::load(rel).response)
}

struct Wiki {
    login_token: Response,
    login: Response,
    csrf: Response,
    checktoken: Response,
    logout: Response,
    badtoken: Response,
    edit: Response,
    /// Edits still to refuse with `badtoken`.
    refuse_edits: AtomicUsize,
    /// `method action[ meta]` of each request received.
    log: Mutex<Vec<String>>,
}

impl Wiki {
    fn new() -> Wiki {
        Wiki {
            login_token: fixture("tokens/mw139-anon-login-fv2.http"),
            login: fixture("login/mw139-botpw-success-fv2.http"),
            csrf: fixture("tokens/mw139-bot-csrf-post-fv2.http"),
            checktoken: fixture("checktoken/mw139-valid-fv2.http"),
            logout: fixture("logout/mw139-botpw-success-fv2.http"),
            badtoken: fixture("envelope/mw139-badtoken-bc-fv2.http"),
            edit: http::Response::builder()
                .header("content-type", "application/json")
                .body(Bytes::from_static(
                    br#"{"edit":{"result":"Success","title":"Sandbox"}}"#,
                ))
                .expect("response"),
            refuse_edits: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
        }
    }

    fn answer(&self, method: &str, query: &str, body: &[u8]) -> &Response {
        let form = String::from_utf8_lossy(body);
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .chain(url::form_urlencoded::parse(form.as_bytes()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let action = param("action").unwrap_or_default();
        let mut line = format!("{method} {action}");
        if let Some(meta) = param("meta") {
            line.push_str(&format!(" {meta} {}", param("type").unwrap_or("csrf")));
        }
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
        match action {
            "query" if param("type") == Some("login") => &self.login_token,
            "query" => &self.csrf,
            "login" => &self.login,
            "checktoken" => &self.checktoken,
            "logout" => &self.logout,
            "edit" => {
                let refused = self
                    .refuse_edits
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refused { &self.badtoken } else { &self.edit }
            }
            _ => &self.badtoken,
        }
    }

    fn log(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn count(&self) -> usize {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Starts the recorded wiki; returns its `api.php` URL.
async fn start(wiki: Arc<Wiki>) -> String {
    let server = Server::start("127.0.0.1", move |request: server::Request| {
        let answer = wiki.answer(
            request.method().as_str(),
            request.uri().query().unwrap_or_default(),
            request.body(),
        );
        std::future::ready(answer.clone())
    })
    .await;
    server.api()
}

fn builder(api: &str) -> ClientBuilder {
    Client::builder(api)
        .user_agent(UA)
        .timeout(Duration::from_secs(30))
        .record_requests(true)
}

fn edit() -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", "Sandbox")
            .param("appendtext", "x"),
    )
    .with_token(TokenType::CSRF)
    // These doubles test token and retry mechanics without a login: the
    // anonymous write is opted in (it is refused by default).
    .allow_anonymous()
}

/// `method action[ meta type]` of the client's own log.
fn summary(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .map(|r| match &r.meta {
            Some(meta) => format!(
                "{} {} {meta} {}",
                r.method,
                r.action,
                r.types.as_deref().unwrap_or("csrf")
            ),
            None => format!("{} {}", r.method, r.action),
        })
        .collect()
}

const SEED_FLOW: [&str; 5] = [
    "GET query tokens login",
    "POST login",
    "GET query tokens csrf",
    "POST checktoken",
    "POST logout",
];

async fn seed_flow(client: &Client) {
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    let check = client
        .check_token(TokenType::CSRF, &csrf, None)
        .await
        .expect("checktoken");
    assert_eq!(check.result, TokenValidity::Valid);
    let out = client.logout().await.expect("logout");
    assert_eq!(out.value, LogoutOutcome::LoggedOut);
}

// ---------------------------------------------------------------------------
// Against the recorded wiki.

#[tokio::test]
async fn the_seed_flow_with_checktoken_is_five_requests() {
    let wiki = Arc::new(Wiki::new());
    let client = builder(&start(Arc::clone(&wiki)).await)
        .build()
        .expect("client");
    seed_flow(&client).await;
    assert_eq!(wiki.log(), SEED_FLOW);
    assert_eq!(summary(&client.request_log()), SEED_FLOW);
    // Again on the same client: five more, nothing carried over wrongly
    // (logout cleared the cache, so the csrf token is fetched again).
    seed_flow(&client).await;
    assert_eq!(wiki.log()[5..], SEED_FLOW);
}

#[tokio::test]
async fn a_cached_token_costs_no_request() {
    let wiki = Arc::new(Wiki::new());
    let client = builder(&start(Arc::clone(&wiki)).await)
        .build()
        .expect("client");
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    client.token(TokenType::CSRF).await.expect("csrf");
    let before = wiki.count();
    for _ in 0..3 {
        client.token(TokenType::CSRF).await.expect("cached csrf");
        client.call(edit()).await.expect("edit");
    }
    assert_eq!(wiki.log()[before..], ["POST edit"; 3]);
}

#[tokio::test]
async fn a_badtoken_costs_exactly_two_more_requests() {
    let wiki = Arc::new(Wiki::new());
    let client = builder(&start(Arc::clone(&wiki)).await)
        .build()
        .expect("client");
    client
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    client.call(edit()).await.expect("edit");
    let before = wiki.count();
    wiki.refuse_edits.store(1, Ordering::SeqCst);
    client.call(edit()).await.expect("edit after a badtoken");
    // The edit, then exactly: a fresh csrf token and the retried edit.
    assert_eq!(
        wiki.log()[before..],
        ["POST edit", "GET query tokens csrf", "POST edit"]
    );
}

#[tokio::test]
async fn a_resumed_session_sends_no_login_request() {
    let wiki = Arc::new(Wiki::new());
    let api = start(Arc::clone(&wiki)).await;
    let dir = std::env::temp_dir().join(format!("mw-round-trips-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("session.json");
    let first = builder(&api).build().expect("client");
    first
        .login(BOT, Password::new(BOT_PASSWORD))
        .await
        .expect("login");
    first.token(TokenType::CSRF).await.expect("csrf");
    first.save(&file).await.expect("save");
    let before = wiki.count();

    let resumed = Client::restore(&file, builder(&api)).expect("resume");
    assert!(resumed.user().is_some());
    resumed.token(TokenType::CSRF).await.expect("cached csrf");
    resumed.call(edit()).await.expect("edit");
    let _ = std::fs::remove_dir_all(&dir);
    // No login token, no login, not even a csrf token: the edit alone.
    assert_eq!(wiki.log()[before..], ["POST edit"]);
    assert_eq!(summary(&resumed.request_log()), ["POST edit"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_a_fresh_session_fetch_one_token() {
    let wiki = Arc::new(Wiki::new());
    let client = builder(&start(Arc::clone(&wiki)).await)
        .build()
        .expect("client");
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call(edit()).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("edit");
    }
    let log = wiki.log();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("GET query")).count(),
        1,
        "one csrf fetch for all"
    );
    assert_eq!(log.iter().filter(|l| *l == "POST edit").count(), 1000);
    assert_eq!(log.len(), 1001);
}

// ---------------------------------------------------------------------------
// Against the real wiki (MW_TEST_ENV, as in real_wiki.rs).

struct RealWiki {
    api: String,
    bot_user: String,
    bot_password: String,
}

fn real_wiki() -> Option<RealWiki> {
    if std::env::var_os("MW_SKIP_REAL_WIKI").is_some() {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var("MW_TEST_ENV").unwrap_or_else(|_| {
        panic!(
            "MW_TEST_ENV is not set. These tests need a real MediaWiki: start one with \
             `scripts/test-wiki.sh start DIR` and set MW_TEST_ENV=DIR/env. \
             Set MW_SKIP_REAL_WIKI=1 to skip them on purpose."
        )
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("MW_TEST_ENV={path}: cannot read the env file: {e}"));
    let get = |k: &str| -> String {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_owned())
            .unwrap_or_else(|| panic!("{path} has no {k}"))
    };
    Some(RealWiki {
        api: get("MW_API_URL"),
        bot_user: get("MW_BOT_USER"),
        bot_password: get("MW_BOT_PASSWORD"),
    })
}

#[tokio::test]
async fn real_wiki_seed_flow_is_five_requests_and_cached_tokens_cost_none() {
    let Some(w) = real_wiki() else { return };
    let client = builder(&w.api).build().expect("client");
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    // Cached: no request.
    let again = client.token(TokenType::CSRF).await.expect("cached csrf");
    assert_eq!(again.value, csrf.value);
    let check = client
        .check_token(TokenType::CSRF, &csrf, None)
        .await
        .expect("checktoken");
    assert_eq!(check.result, TokenValidity::Valid);
    let out = client.logout().await.expect("logout");
    assert_eq!(out.value, LogoutOutcome::LoggedOut);
    assert_eq!(summary(&client.request_log()), SEED_FLOW);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_wiki_concurrent_calls_after_login_fetch_one_token() {
    let Some(w) = real_wiki() else { return };
    let client = builder(&w.api).build().expect("client");
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    // 100 (not 1,000: the test wiki is PHP's one-process server) calls
    // that each need a csrf token: checktoken through `call`.
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .call(
                        ActionCall::new(ActionRequest::post("checktoken").param("type", "csrf"))
                            .with_token(TokenType::CSRF),
                    )
                    .await
            })
        })
        .collect();
    for task in tasks {
        let res = task.await.expect("task").expect("checktoken");
        assert_eq!(
            res.get(&["checktoken", "result"]).and_then(|v| v.as_str()),
            Some("valid")
        );
    }
    let log = summary(&client.request_log());
    assert_eq!(
        log[..2],
        ["GET query tokens login", "POST login"],
        "{log:?}"
    );
    assert_eq!(
        log.iter().filter(|l| l.contains("query tokens")).count(),
        2,
        "the login token and one csrf fetch: {log:?}"
    );
    assert_eq!(log.len(), 2 + 1 + 100);
    client.logout().await.expect("logout");
}
