//! Pooled keep-alive connections that the server closes while they idle
//! in the pool (docs/reliability.md, "Pooled connections").
//!
//! A raw loopback HTTP/1.1 server speaks MediaWiki 1.39's answers for the
//! seed flow (login token, bot-password login, csrf token, checktoken,
//! logout) with keep-alive semantics, never `Connection: close`, and then
//! either closes the socket right after every answer or closes it once it
//! has idled for 1 s. The flow must never fail because of that. A POST
//! the server has read is never resent.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mw_transport::{Client, Error, Password};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

mod seed;
use seed::double::{BOT, BOT_PASSWORD, Wiki, read_request, response};
use seed::{Idle, PAUSE, Target, UA, answer_and_fin_together, runtime};

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
    /// Never.
    Never,
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

/// A login through a server that reads `action` and closes unanswered:
/// the requests the server saw (the error is `Transport`).
fn unanswered_login(action: &'static str) -> Vec<String> {
    let server = Server::start(Close::Unanswered(action));
    let rt = runtime(true);
    let client = rt.block_on(async { Client::builder(server.api()).user_agent(UA).build() });
    let client = client.expect("client");
    let err = rt
        .block_on(client.login(BOT, Password::new(BOT_PASSWORD)))
        .expect_err("a request was never answered");
    let transport = matches!(
        &err,
        Error::Protocol(mw_transport::mw_protocol::Error::Transport(_))
    );
    assert!(transport, "{err:?}");
    server.requests()
}

#[test]
fn a_post_the_server_read_is_not_resent() {
    // On a reused connection: the login token came on it.
    let requests = unanswered_login("login");
    assert_eq!(requests, ["GET query", "POST login"]);
}

#[test]
fn a_get_the_server_read_is_not_resent_by_the_transport() {
    // Whether a GET is worth another try is the protocol's decision; the
    // transport sends it again only when it provably never left.
    let requests = unanswered_login("query");
    assert_eq!(requests, ["GET query"]);
}

#[test]
fn a_connection_idle_past_4_s_is_not_reused() {
    // A server that never closes: the pool alone decides.
    let server = Server::start(Close::Never);
    let rt = runtime(true);
    let client = rt.block_on(async { Client::builder(server.api()).user_agent(UA).build() });
    let client = client.expect("client");
    rt.block_on(client.login(BOT, Password::new(BOT_PASSWORD)))
        .expect("login");
    let wait =
        |secs| rt.block_on(async { tokio::time::sleep(Duration::from_secs_f64(secs)).await });
    wait(3.0);
    rt.block_on(client.token(mw_transport::TokenType::CSRF))
        .expect("csrf");
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "reused after 3 s"
    );
    wait(4.5);
    rt.block_on(client.logout()).expect("logout");
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        2,
        "not reused after 4.5 s"
    );
}
