//! Pooled keep-alive connections that the server closes while they idle
//! in the pool (docs/reliability.md, "Pooled connections").
//!
//! A raw loopback HTTP/1.1 server speaks MediaWiki 1.39's answers for the
//! seed flow (login token, bot-password login, csrf token, checktoken,
//! logout) with keep-alive semantics, never `Connection: close`, and then
//! either closes the socket right after every answer or closes it once it
//! has idled for 1 s. The flow must never fail because of that. A POST
//! the server has read is never resent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mw_transport::{Client, Error, Password};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod seed;
use seed::{Idle, PAUSE, Target, UA, answer_and_fin_together, runtime};

const BOT: &str = "Bot@app";
const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
const COOKIE: &str = "kawiki_session";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// When the server closes a connection.
#[derive(Clone, Copy)]
enum Close {
    /// Right after every answer (no `Connection: close` in it).
    AfterAnswer,
    /// Once no request has begun for this long after an answer.
    WhenIdle(Duration),
    /// Reads a request with this `action`, then closes without answering.
    Unanswered(&'static str),
}

/// A request as it arrived.
struct Req {
    method: String,
    query: HashMap<String, String>,
    form: HashMap<String, String>,
    cookie: Option<String>,
}

impl Req {
    fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
    fn f(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str)
    }
    fn action(&self) -> &str {
        self.q("action").or(self.f("action")).unwrap_or_default()
    }
}

/// Sessions by cookie: `Some(user)` once logged in.
#[derive(Default)]
struct Wiki {
    sessions: HashMap<String, Option<String>>,
    next: u64,
}

/// A token as MediaWiki makes them: 32 hex digits of HMAC, 8 of
/// timestamp, `+\\`.
fn token(kind: u32, sid: &str) -> String {
    format!("{kind:08x}{}6a2d4f1c+\\", &sid[8..])
}

impl Wiki {
    /// The answer of MediaWiki 1.39 to the seed flow's requests; anything
    /// else is an API error, so a wrong request fails the flow.
    fn answer(&mut self, req: &Req) -> (Option<String>, String) {
        let (sid, new) = match req.cookie.clone().filter(|c| self.sessions.contains_key(c)) {
            Some(sid) => (sid, false),
            None => {
                self.next += 1;
                let sid = format!("{:032x}", self.next);
                self.sessions.insert(sid.clone(), None);
                (sid, true)
            }
        };
        let login_token = token(0x1091, &sid);
        let csrf = token(0xc5f0, &sid);
        let user = self.sessions.get(&sid).cloned().flatten();
        let post = req.method == "POST";
        let no_secret_in_query = ["lgpassword", "lgtoken", "token"]
            .iter()
            .all(|k| req.q(k).is_none());
        let body = match (req.method.as_str(), req.action()) {
            ("GET", "query") if req.q("meta") == Some("tokens") => {
                let ty = req.q("type").unwrap_or("csrf");
                let value = match ty {
                    "login" => login_token,
                    "csrf" if user.is_some() => csrf,
                    "csrf" => "+\\".to_owned(),
                    _ => {
                        return (
                            None,
                            error("badvalue", "Unrecognized value for parameter \"type\"."),
                        );
                    }
                };
                let value = value.replace('\\', "\\\\");
                format!(
                    r#"{{"batchcomplete":true,"query":{{"tokens":{{"{ty}token":"{value}"}}}}}}"#
                )
            }
            (_, "login") if post && no_secret_in_query => {
                if req.f("lgtoken") != Some(login_token.as_str()) {
                    r#"{"login":{"result":"WrongToken"}}"#.to_owned()
                } else if req.f("lgname") != Some(BOT) || req.f("lgpassword") != Some(BOT_PASSWORD)
                {
                    r#"{"login":{"result":"Failed","reason":"Incorrect username or password entered. Please try again."}}"#.to_owned()
                } else {
                    self.sessions.insert(sid.clone(), Some("Bot".into()));
                    r#"{"login":{"result":"Success","lguserid":7,"lgusername":"Bot"}}"#.to_owned()
                }
            }
            (_, "checktoken") if post && no_secret_in_query && req.f("type") == Some("csrf") => {
                let valid = user.is_some() && req.f("token") == Some(csrf.as_str());
                format!(
                    r#"{{"checktoken":{{"result":"{}","generated":"2026-12-01T20:00:00Z"}}}}"#,
                    if valid { "valid" } else { "invalid" }
                )
            }
            (_, "logout") if post && no_secret_in_query => {
                if user.is_none() || req.f("token") != Some(csrf.as_str()) {
                    error("badtoken", "Invalid CSRF token.")
                } else {
                    self.sessions.insert(sid.clone(), None);
                    "{}".to_owned()
                }
            }
            _ => error("badrequest", "Not a request of the seed flow."),
        };
        (new.then_some(sid), body)
    }
}

fn error(code: &str, text: &str) -> String {
    format!(
        r#"{{"errors":[{{"code":"{code}","text":"{text}","module":"main"}}],"docref":"See http://127.0.0.1/w/api.php for API usage.","servedby":"keepalive-double"}}"#
    )
}

/// One HTTP/1.1 response as MediaWiki 1.39 sends it, keep-alive implied.
fn response(cookie: Option<&str>, body: &str) -> Vec<u8> {
    let mut head = String::from(
        "HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 20:00:00 GMT\r\n\
         Content-Type: application/json; charset=utf-8\r\n\
         X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n\
         Cache-Control: private, must-revalidate, max-age=0\r\n",
    );
    if let Some(sid) = cookie {
        head.push_str(&format!("Set-Cookie: {COOKIE}={sid}; path=/; HttpOnly\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The server. It runs on its own thread and runtime, so that it keeps
/// closing connections while a client's runtime is not driven.
struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn start(close: Close) -> Server {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        let (log, count) = (Arc::clone(&requests), Arc::clone(&connections));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send");
                let wiki = Arc::new(Mutex::new(Wiki::default()));
                while let Ok((stream, _)) = listener.accept().await {
                    count.fetch_add(1, Ordering::SeqCst);
                    if let Close::AfterAnswer = close {
                        answer_and_fin_together(&stream);
                    }
                    let (wiki, log) = (Arc::clone(&wiki), Arc::clone(&log));
                    tokio::spawn(serve(stream, close, wiki, log));
                }
            });
        });
        let addr = rx.recv().expect("server address");
        Server {
            addr,
            requests,
            connections,
        }
    }

    fn api(&self) -> String {
        format!("http://{}/w/api.php", self.addr)
    }

    /// Runs the seed flow [`RUNS`] times against the server.
    fn runs(&self, rt: &tokio::runtime::Runtime, idle: impl Fn(usize) -> [Idle; 4]) {
        let api = self.api();
        let to = Target {
            api: &api,
            user: BOT,
            password: BOT_PASSWORD,
        };
        seed::runs(&to, rt, RUNS, idle);
    }

    fn requests(&self) -> Vec<String> {
        lock(&self.requests).clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    close: Close,
    wiki: Arc<Mutex<Wiki>>,
    log: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    loop {
        let next = match close {
            Close::WhenIdle(idle) => {
                match tokio::time::timeout(idle, read_request(&mut stream, &mut buf)).await {
                    Ok(next) => next,
                    Err(_) => return, // idle too long: close (FIN)
                }
            }
            _ => read_request(&mut stream, &mut buf).await,
        };
        let Ok(Some(req)) = next else { return };
        lock(&log).push(format!("{} {}", req.method, req.action()));
        if let Close::Unanswered(action) = close
            && req.action() == action
        {
            return;
        }
        let (cookie, body) = lock(&wiki).answer(&req);
        if stream
            .write_all(&response(cookie.as_deref(), &body))
            .await
            .is_err()
        {
            return;
        }
        if let Close::AfterAnswer = close {
            return;
        }
    }
}

/// Reads one request; `buf` keeps what came after it.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Req>> {
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
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + 4 + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Vec<u8> = buf
        .drain(..head_end + 4 + length)
        .skip(head_end + 4)
        .collect();
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let parse = |b: &[u8]| url::form_urlencoded::parse(b).into_owned().collect();
    let cookie = header("cookie").and_then(|c| {
        c.split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)
            .map(|(_, v)| v.to_owned())
    });
    Ok(Some(Req {
        method,
        query: parse(query.as_bytes()),
        form: parse(&body),
        cookie,
    }))
}

const RUNS: usize = 50;

#[test]
fn a_server_closing_after_every_answer_never_fails_a_flow() {
    let server = Server::start(Close::AfterAnswer);
    // A multi-thread runtime, as `mw` has. (hyper itself sees the close
    // that comes with an answer: this guards that it still does.)
    server.runs(&runtime(true), |_| [Idle::No; 4]);
    // 5 requests a flow, each on its own connection.
    assert_eq!(server.requests().len(), RUNS * 5);
}

#[test]
fn a_server_closing_50_ms_after_each_answer_never_fails_a_blocking_flow() {
    // The close reaches the client while its runtime is not driven, before
    // every step but the first: each of those requests meets a connection
    // that the server has closed and Tokio has not been told about.
    let server = Server::start(Close::WhenIdle(Duration::from_millis(50)));
    let gap = Idle::Blocked(Duration::from_millis(100));
    server.runs(&runtime(false), |_| [Idle::No, gap, gap, gap]);
    assert_eq!(server.requests().len(), RUNS * 5);
}

#[test]
fn a_server_closing_idle_connections_after_1_s_never_fails_a_flow() {
    let server = Server::start(Close::WhenIdle(Duration::from_secs(1)));
    // Every 5th run idles past the server's timeout before one step (the
    // step and the way of idling rotate); every 20th before two.
    let idle = |run: usize| {
        let mut idle = [Idle::No; 4];
        let k = run / 5;
        if run % 5 == 0 {
            idle[k % 4] = if k % 3 == 2 {
                Idle::Async(PAUSE)
            } else {
                Idle::Blocked(PAUSE)
            };
            if run % 20 == 0 {
                idle[(k + 2) % 4] = Idle::Blocked(PAUSE);
            }
        }
        idle
    };
    server.runs(&runtime(false), idle);
    assert_eq!(server.requests().len(), RUNS * 5);
    // The connections were reused when the flow did not idle.
    assert!(server.connections.load(Ordering::SeqCst) < RUNS * 2);
}

#[test]
fn a_post_the_server_read_is_not_resent() {
    let server = Server::start(Close::Unanswered("login"));
    let rt = runtime(true);
    let client = rt.block_on(async { Client::builder(server.api()).user_agent(UA).build() });
    let client = client.expect("client");
    let err = rt
        .block_on(client.login(BOT, Password::new(BOT_PASSWORD)))
        .expect_err("the login was never answered");
    assert!(
        matches!(
            err,
            Error::Protocol(mw_transport::mw_protocol::Error::Transport(_))
        ),
        "{err:?}"
    );
    // The POST reached the server once: it is not resent.
    assert_eq!(server.requests(), ["GET query", "POST login"]);
}

#[test]
fn a_get_the_server_read_is_not_resent_by_the_transport() {
    // Whether a GET is worth another try is the protocol's decision; the
    // transport sends it again only when it provably never left.
    let server = Server::start(Close::Unanswered("query"));
    let rt = runtime(true);
    let client = rt.block_on(async { Client::builder(server.api()).user_agent(UA).build() });
    let client = client.expect("client");
    let err = rt
        .block_on(client.login(BOT, Password::new(BOT_PASSWORD)))
        .expect_err("the login token fetch was never answered");
    assert!(
        matches!(
            err,
            Error::Protocol(mw_transport::mw_protocol::Error::Transport(_))
        ),
        "{err:?}"
    );
    assert_eq!(server.requests(), ["GET query"]);
}
