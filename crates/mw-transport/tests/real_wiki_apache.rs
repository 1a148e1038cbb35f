//! The production path: a real MediaWiki (1.39) served by Apache 2.4 with
//! mod_php over HTTPS, with a certificate from a throw-away CA, `KeepAlive
//! On` and a 2 s `KeepAliveTimeout` (`scripts/test-wiki.sh start-apache
//! DIR`; `MW_TEST_ENV_APACHE` names its env file).
//!
//! Apache keeps connections open between requests and closes them once
//! they idle past its timeout, as production servers do; PHP's built-in
//! server (the other real-wiki tests) closes every connection after one
//! answer. The access log (one line per request: the client's port, `%k`,
//! the user agent) shows which connection each request came on, and each
//! test sends its own user agent to find its lines.
//!
//! Without `MW_TEST_ENV_APACHE` the tests FAIL: they are not skipped
//! silently. Set `MW_SKIP_REAL_WIKI=1` to skip them on purpose.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use mw_transport::mw_protocol;
use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, Error, LogoutOutcome, Password, Token,
    TokenType, TokenValidity, TrustRoots,
};

struct Wiki {
    api: String,
    /// The plain-HTTP URL that Apache redirects to `api`.
    http_api: String,
    port: u16,
    http_port: u16,
    ca_file: PathBuf,
    access_log: PathBuf,
    keepalive_timeout: Duration,
    bot_user: String,
    bot_password: String,
    main_user: String,
}

/// The Apache wiki; `None` only when `MW_SKIP_REAL_WIKI=1`.
fn wiki() -> Option<Wiki> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var("MW_TEST_ENV_APACHE").unwrap_or_else(|_| {
        panic!(
            "MW_TEST_ENV_APACHE is not set. These tests need a real MediaWiki behind \
             Apache: start one with `scripts/test-wiki.sh start-apache DIR` and set \
             MW_TEST_ENV_APACHE=DIR/env (scripts/test.sh does). \
             Set MW_SKIP_REAL_WIKI=1 to skip them on purpose."
        )
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("MW_TEST_ENV_APACHE={path}: cannot read the env file: {e}"));
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| -> String {
        vars.get(k)
            .map(|v| (*v).to_owned())
            .unwrap_or_else(|| panic!("{path} has no {k} (not an Apache wiki?)"))
    };
    let number = |k: &str| -> u64 {
        get(k)
            .parse()
            .unwrap_or_else(|_| panic!("{path}: {k} is not a number"))
    };
    Some(Wiki {
        api: get("MW_API_URL"),
        http_api: get("MW_HTTP_API_URL"),
        port: u16::try_from(number("MW_PORT")).expect("port"),
        http_port: u16::try_from(number("MW_HTTP_PORT")).expect("port"),
        ca_file: PathBuf::from(get("MW_CA_FILE")),
        access_log: PathBuf::from(get("MW_ACCESS_LOG")),
        keepalive_timeout: Duration::from_secs(number("MW_KEEPALIVE_TIMEOUT")),
        bot_user: get("MW_BOT_USER"),
        bot_password: get("MW_BOT_PASSWORD"),
        main_user: get("MW_MAIN_USER"),
    })
}

macro_rules! wiki {
    () => {
        match wiki() {
            Some(w) => w,
            None => return,
        }
    };
}

impl Wiki {
    /// Long enough for Apache to have closed an idle connection.
    fn past_keepalive(&self) -> Duration {
        self.keepalive_timeout + Duration::from_secs(1)
    }

    /// A client of `api` that trusts the test CA, with the user agent `ua`.
    fn builder(&self, api: &str, ua: &str) -> ClientBuilder {
        Client::builder(api)
            .user_agent(ua)
            .timeout(Duration::from_secs(30))
            .add_ca_file(&self.ca_file)
            .record_requests(true)
    }

    fn client(&self, ua: &str) -> Client {
        self.builder(&self.api, ua).build().expect("client")
    }

    /// The access log's lines of the requests sent with `ua`. Apache writes
    /// a line once the answer is out, so it waits (up to 5 s) for at
    /// least `expected` of them.
    fn requests(&self, ua: &str, expected: usize) -> Vec<Logged> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let text = std::fs::read_to_string(&self.access_log).expect("Apache's access log");
            let lines: Vec<Logged> = text
                .lines()
                .filter_map(Logged::parse)
                .filter(|l| l.user_agent == ua)
                .collect();
            if lines.len() >= expected || std::time::Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One line of the access log (`LogFormat "%p %{remote}p %k
/// %{SSL_PROTOCOL}x %m %U %>s \"%{User-Agent}i\""`).
#[derive(Debug, Clone)]
struct Logged {
    /// The server's port: the HTTPS or the redirecting HTTP one.
    port: u16,
    /// The client's port: one per connection.
    client_port: u16,
    /// Requests before this one on the same connection.
    keepalive: u32,
    tls: String,
    method: String,
    status: u16,
    user_agent: String,
}

impl Logged {
    fn parse(line: &str) -> Option<Logged> {
        let mut f = line.splitn(8, ' ');
        let port = f.next()?.parse().ok()?;
        let client_port = f.next()?.parse().ok()?;
        let keepalive = f.next()?.parse().ok()?;
        let tls = f.next()?.to_owned();
        let method = f.next()?.to_owned();
        let _path = f.next()?;
        let status = f.next()?.parse().ok()?;
        let user_agent = f.next()?.trim_matches('"').to_owned();
        Some(Logged {
            port,
            client_port,
            keepalive,
            tls,
            method,
            status,
            user_agent,
        })
    }
}

/// A user agent no other test (and no earlier run against the same wiki)
/// sends.
fn user_agent(test: &str) -> String {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "mw-transport-apache-tests/0.1 ({test} {}-{nonce}; tests@example.org)",
        std::process::id()
    )
}

/// Connections (client ports) among these requests.
fn connections(lines: &[Logged]) -> usize {
    lines
        .iter()
        .map(|l| l.client_port)
        .collect::<HashSet<_>>()
        .len()
}

const PAGE: &str = "Main Page";

fn edit(text: &str) -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", PAGE)
            .param("appendtext", text)
            .param("summary", "mw-transport Apache test"),
    )
    .with_token(TokenType::CSRF)
}

/// What the seed flow's edit step does.
#[derive(Clone, Copy)]
enum EditStep {
    /// Appends to Main Page (a POST with the csrf token: a write, never
    /// sent twice).
    Edit,
    /// Asks whether an edit of Main Page is allowed (`intestactions`, a
    /// GET): concurrent edits of one page wait for its lock in MediaWiki's
    /// deferred updates (seconds on sqlite), which the concurrent flows
    /// would measure instead of the connections.
    IsAllowed,
}

/// The seed flow's steps: 0 login (login token, login), 1 csrf token,
/// 2 checktoken, 3 the edit step, 4 logout.
const STEPS: usize = 5;

async fn step(
    client: &Client,
    w: &Wiki,
    n: usize,
    edit_step: EditStep,
    csrf: &mut Option<Token>,
) -> Result<(), String> {
    match n {
        0 => {
            let user = client
                .login(&w.bot_user, Password::new(w.bot_password.clone()))
                .await
                .map_err(|e| format!("login: {e}"))?;
            if user.name != w.main_user {
                return Err(format!("logged in as {}", user.name));
            }
        }
        1 => {
            let token = client
                .token(TokenType::CSRF)
                .await
                .map_err(|e| format!("csrf: {e}"))?;
            if token.is_anonymous() {
                return Err("csrf: an anonymous token after the login".into());
            }
            *csrf = Some(token.into_value());
        }
        2 => {
            let token = csrf.as_ref().ok_or("checktoken: no token")?;
            let check = client
                .check_token(TokenType::CSRF, token, None)
                .await
                .map_err(|e| format!("checktoken: {e}"))?;
            if check.result != TokenValidity::Valid {
                return Err(format!("checktoken: {:?}", check.result));
            }
        }
        3 => match edit_step {
            EditStep::Edit => {
                let response = client
                    .call(edit("\nmw-transport over Apache"))
                    .await
                    .map_err(|e| format!("edit: {e}"))?;
                let result = response.get(&["edit", "result"]).and_then(|v| v.as_str());
                if result != Some("Success") {
                    return Err(format!("edit: {result:?}"));
                }
            }
            EditStep::IsAllowed => {
                let response = client
                    .call(ActionCall::new(
                        ActionRequest::get("query")
                            .param("prop", "info")
                            .param("titles", PAGE)
                            .param("intestactions", "edit"),
                    ))
                    .await
                    .map_err(|e| format!("intestactions: {e}"))?;
                let allowed = response
                    .get(&["query", "pages"])
                    .and_then(|pages| pages.get(0))
                    .and_then(|page| page.get("actions"))
                    .and_then(|actions| actions.get("edit"))
                    .and_then(|v| v.as_bool());
                if allowed != Some(true) {
                    return Err(format!("an edit of {PAGE} is not allowed: {allowed:?}"));
                }
            }
        },
        _ => {
            let out = client.logout().await.map_err(|e| format!("logout: {e}"))?;
            if out.value != LogoutOutcome::LoggedOut {
                return Err(format!("logout: {:?}", out.value));
            }
        }
    }
    Ok(())
}

/// The seed flow with `gap(n)` of `tokio::time::sleep` before step `n`.
async fn seed_flow(
    client: &Client,
    w: &Wiki,
    edit_step: EditStep,
    gap: impl Fn(usize) -> Duration,
) -> Result<(), String> {
    let mut csrf = None;
    for n in 0..STEPS {
        let pause = gap(n);
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        step(client, w, n, edit_step, &mut csrf).await?;
    }
    Ok(())
}

/// Requests of the seed flow: login token, login, csrf, checktoken, edit,
/// logout.
const FLOW_REQUESTS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_flow_over_https_idles_past_the_keepalive_timeout_between_steps() {
    let w = wiki!();
    let ua = user_agent("idle");
    let client = w.client(&ua);
    let idle = w.past_keepalive();
    seed_flow(&client, &w, EditStep::Edit, |n| {
        if n == 0 { Duration::ZERO } else { idle }
    })
    .await
    .expect("the seed flow");
    assert_eq!(client.request_log().len(), FLOW_REQUESTS);

    let lines = w.requests(&ua, FLOW_REQUESTS);
    assert_eq!(lines.len(), FLOW_REQUESTS, "{lines:#?}");
    assert!(
        lines.iter().all(|l| l.port == w.port && l.status == 200),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l.tls.starts_with("TLSv1.")),
        "{lines:#?}"
    );
    // The login's two requests shared a kept-alive connection; Apache
    // closed it, and each later one, while the client idled, and each step
    // after a pause came on a new connection, without a failure.
    assert_eq!(lines[1].client_port, lines[0].client_port, "{lines:#?}");
    assert_eq!(lines[1].keepalive, 1, "{lines:#?}");
    assert_eq!(connections(&lines), STEPS, "{lines:#?}");
    assert!(lines[2..].iter().all(|l| l.keepalive == 0), "{lines:#?}");
}

#[test]
fn the_seed_flow_idles_past_the_keepalive_timeout_with_the_runtime_blocked() {
    // A synchronous program: each step in its own block_on of a
    // current-thread runtime, nothing driven between them, so that no
    // task sees Apache close the pooled connection until the next step.
    let w = wiki!();
    let ua = user_agent("blocked");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = rt.block_on(async { w.client(&ua) });
    let mut csrf = None;
    for n in 0..STEPS {
        if n > 0 {
            std::thread::sleep(w.past_keepalive());
        }
        rt.block_on(step(&client, &w, n, EditStep::Edit, &mut csrf))
            .unwrap_or_else(|e| panic!("step {n}: {e}"));
    }
    let lines = w.requests(&ua, FLOW_REQUESTS);
    assert_eq!(lines.len(), FLOW_REQUESTS, "{lines:#?}");
    assert_eq!(connections(&lines), STEPS, "{lines:#?}");
}

const FLOWS: usize = 32;

/// The two tests that load the wiki with many connections take turns: on
/// two cores, either one alone keeps Apache busy for seconds, and a wave
/// that takes longer than the keep-alive timeout sees its first
/// connections closed before it ends.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_seed_flows_over_kept_alive_connections_never_fail() {
    let w = std::sync::Arc::new(wiki!());
    let _turn = HEAVY.lock().await;
    let ua = user_agent("concurrent");
    // Every other flow idles past the keep-alive timeout before its edit
    // step, so that its connection is closed under it while the others
    // run.
    let tasks: Vec<_> = (0..FLOWS)
        .map(|i| {
            let w = std::sync::Arc::clone(&w);
            let ua = ua.clone();
            tokio::spawn(async move {
                let client = w.client(&ua);
                let idle = w.past_keepalive();
                let gap = |n: usize| {
                    if i % 2 == 1 && n == 3 {
                        idle
                    } else {
                        Duration::ZERO
                    }
                };
                let result = seed_flow(&client, &w, EditStep::IsAllowed, gap).await;
                (result, client.request_log().len())
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut sent = 0;
    for (i, task) in tasks.into_iter().enumerate() {
        let (result, requests) = task.await.expect("task");
        sent += requests;
        if let Err(e) = result {
            failures.push(format!("flow {i}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {FLOWS} flows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(sent, FLOWS * FLOW_REQUESTS);
    let lines = w.requests(&ua, sent);
    assert_eq!(lines.len(), sent);
    assert!(lines.iter().all(|l| l.status == 200 && l.port == w.port));
    // Kept alive: each flow's requests shared connections (the idling
    // flows needed one more after Apache closed theirs; hyper-util may open
    // a spare one while a connection is on its way back to the pool).
    let conns = connections(&lines);
    assert!(conns * 2 <= sent, "{conns} connections for {sent} requests");
    assert!(
        lines.iter().filter(|l| l.keepalive > 0).count() >= sent / 2,
        "too few requests on kept-alive connections: {lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_reuses_many_pooled_connections_and_outlives_their_close() {
    let w = wiki!();
    let _turn = HEAVY.lock().await;
    let ua = user_agent("pool");
    let client = w.client(&ua);
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let csrf = client
        .token(TokenType::CSRF)
        .await
        .expect("csrf")
        .into_value();
    const WAVE: usize = 32;
    // A wave of concurrent requests: GETs, checktoken POSTs, and a few
    // purges of Main Page (POSTs that are never sent twice; no page lock,
    // unlike edits).
    let wave = || async {
        let calls: Vec<_> = (0..WAVE)
            .map(|i| {
                let client = client.clone();
                let csrf = csrf.clone();
                tokio::spawn(async move {
                    match i % 8 {
                        0 => client
                            .call(ActionCall::new(
                                ActionRequest::post("purge").param("titles", PAGE),
                            ))
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                        1 | 3 | 5 => match client.check_token(TokenType::CSRF, &csrf, None).await {
                            Ok(c) if c.result == TokenValidity::Valid => Ok(()),
                            Ok(c) => Err(format!("checktoken: {:?}", c.result)),
                            Err(e) => Err(e.to_string()),
                        },
                        _ => client
                            .call(ActionCall::new(
                                ActionRequest::get("query").param("meta", "userinfo"),
                            ))
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                    }
                })
            })
            .collect();
        let mut failures = Vec::new();
        for (i, call) in calls.into_iter().enumerate() {
            if let Err(e) = call.await.expect("task") {
                failures.push(format!("request {i}: {e}"));
            }
        }
        failures
    };
    let before = client.request_log().len();
    let first = wave().await;
    assert!(first.is_empty(), "first wave: {first:#?}");
    // A moment (far below the keep-alive timeout) for the connections to
    // be back in the pool: hyper-util returns each one from a task of its
    // own, and a request that finds none opens a new connection.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = wave().await; // on the connections the first one opened
    assert!(second.is_empty(), "second wave: {second:#?}");
    tokio::time::sleep(w.past_keepalive()).await; // Apache closes them all
    let third = wave().await;
    assert!(third.is_empty(), "after idling: {third:#?}");
    assert_eq!(client.request_log().len(), before + 3 * WAVE);

    let lines = w.requests(&ua, before + 3 * WAVE);
    assert_eq!(lines.len(), before + 3 * WAVE);
    // The log's order is the order requests ended in (MediaWiki's deferred
    // updates run after the answer), so the waves are told apart by their
    // connections: the second reused the first's, the third needed new ones.
    let conns = connections(&lines[before..]);
    assert!(
        conns <= 2 * WAVE + WAVE / 2,
        "{conns} connections for {} requests in three waves of {WAVE}",
        3 * WAVE
    );
    assert!(conns > WAVE, "{conns} connections: the idle closed none?");
}

#[tokio::test]
async fn without_the_ca_the_error_says_the_issuer_is_unknown() {
    let w = wiki!();
    let ua = user_agent("no-ca");
    for roots in [TrustRoots::Mozilla, TrustRoots::System] {
        let client = Client::builder(&w.api)
            .user_agent(&ua)
            .trust_roots(roots)
            .build()
            .expect("client");
        let err = client
            .login(&w.bot_user, Password::new(w.bot_password.clone()))
            .await
            .expect_err("a certificate of an unknown CA");
        let text = err.to_string();
        assert!(
            matches!(&err, Error::Protocol(mw_protocol::Error::Transport(m))
                if m.contains("UnknownIssuer") && m.contains("issuer is unknown")),
            "{roots:?}: {err:?}"
        );
        assert!(text.contains("could not connect"), "{text}");
        assert!(!text.contains(&w.bot_password) && !format!("{err:?}").contains(&w.bot_password));
        assert!(client.user().is_none());
    }
    // Nothing reached the wiki: the handshake failed.
    assert!(w.requests(&ua, 0).is_empty());

    // The system's store with the CA file on top of it works.
    let client = Client::builder(&w.api)
        .user_agent(&ua)
        .trust_roots(TrustRoots::System)
        .add_ca_file(&w.ca_file)
        .build()
        .expect("client");
    let token = client.token(TokenType::LOGIN).await.expect("login token");
    assert!(!token.is_anonymous());
}

#[tokio::test]
async fn an_unreadable_ca_file_fails_the_build() {
    let w = wiki!();
    let err = Client::builder(&w.api)
        .user_agent(user_agent("bad-ca"))
        .add_ca_file(w.ca_file.with_extension("missing"))
        .build()
        .expect_err("no such file");
    assert!(
        matches!(&err, Error::InvalidConfig(m) if m.contains("ca.missing") && m.contains("cannot read it")),
        "{err}"
    );
}

#[tokio::test]
async fn an_http_url_that_apache_redirects_to_https_is_followed_once() {
    let w = wiki!();
    let ua = user_agent("redirect");
    let client = w.builder(&w.http_api, &ua).build().expect("client");
    let token = client.token(TokenType::LOGIN).await.expect("login token");
    assert!(!token.is_anonymous());
    let mut first = hops(&w.requests(&ua, 2));
    first.sort();
    let mut expected = vec![
        (w.http_port, "GET".to_owned(), 301),
        (w.port, "GET".to_owned(), 200),
    ];
    expected.sort();
    assert_eq!(first, expected);

    // A POST to the http URL gets the same 301, which is not replayed as a
    // GET: the error says so, and nothing more reaches the HTTPS port.
    let err = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect_err("a POST through a 301");
    assert!(
        matches!(&err, Error::Protocol(mw_protocol::Error::Transport(m))
            if m.contains("301") && m.contains("not replayed")),
        "{err:?}"
    );
    assert!(!err.to_string().contains(&w.bot_password));
    // The login fetched a fresh login token first, through the redirect.
    expected.extend([
        (w.http_port, "GET".to_owned(), 301),
        (w.port, "GET".to_owned(), 200),
        (w.http_port, "POST".to_owned(), 301),
    ]);
    expected.sort();
    let mut all = hops(&w.requests(&ua, 5));
    all.sort();
    assert_eq!(all, expected);
}

/// `(server port, method, status)` of each request, in the log's order
/// (the order requests ended in, which is not always the order they were
/// sent in: MediaWiki's deferred updates run after the answer is out).
fn hops(lines: &[Logged]) -> Vec<(u16, String, u16)> {
    lines
        .iter()
        .map(|l| (l.port, l.method.clone(), l.status))
        .collect()
}
