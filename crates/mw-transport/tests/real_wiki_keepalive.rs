//! The seed flow against a real MediaWiki (1.39, from
//! `scripts/test-wiki.sh`, named by `MW_TEST_ENV` as for `real_wiki.rs`)
//! whose keep-alive connections are closed under the client.
//!
//! PHP's built-in server answers `Connection: close`, so a loopback proxy
//! stands in front of it: it strips that header (adding `Content-Length`),
//! so that the answers have keep-alive semantics, and then closes the
//! client's connection right after every answer, or once it has idled for
//! a while. Without `MW_TEST_ENV` the tests FAIL; `MW_SKIP_REAL_WIKI=1`
//! skips them on purpose.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod seed;
use seed::double::read_message;
use seed::{Idle, PAUSE, Target, answer_and_fin_together, runtime};

/// The plain wiki's API URL and bot password; `None` only when
/// `MW_SKIP_REAL_WIKI=1`.
fn wiki() -> Option<(String, String, String)> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var("MW_TEST_ENV").unwrap_or_else(|_| {
        panic!(
            "MW_TEST_ENV is not set. These tests need a real MediaWiki: run \
             crates/mw-transport/tests/wiki/run.sh, or start one with \
             `scripts/test-wiki.sh start DIR` and set MW_TEST_ENV=DIR/env. \
             Set MW_SKIP_REAL_WIKI=1 to skip them on purpose."
        )
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("MW_TEST_ENV={path}: cannot read the env file: {e}"));
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| -> String {
        vars.get(k)
            .map(|v| (*v).to_owned())
            .unwrap_or_else(|| panic!("{path} has no {k}"))
    };
    Some((
        get("MW_API_URL"),
        get("MW_BOT_USER"),
        get("MW_BOT_PASSWORD"),
    ))
}

/// When the proxy closes the client's connection.
#[derive(Clone, Copy)]
enum Close {
    /// Right after every answer.
    AfterAnswer,
    /// Once no request has begun for this long after an answer.
    WhenIdle(Duration),
}

struct Proxy {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
}

impl Proxy {
    /// A proxy to `upstream` on its own thread and runtime, so that it
    /// keeps closing connections while a client's runtime is not driven.
    fn start(upstream: SocketAddr, close: Close) -> Proxy {
        let requests = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let (count, conns) = (Arc::clone(&requests), Arc::clone(&connections));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("proxy runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send");
                while let Ok((client, _)) = listener.accept().await {
                    conns.fetch_add(1, Ordering::SeqCst);
                    if let Close::AfterAnswer = close {
                        answer_and_fin_together(&client);
                    }
                    tokio::spawn(relay(client, upstream, close, Arc::clone(&count)));
                }
            });
        });
        Proxy {
            addr: rx.recv().expect("proxy address"),
            requests,
            connections,
        }
    }

    /// Runs the seed flow `runs` times through the proxy.
    fn runs(
        &self,
        api: &str,
        user: &str,
        password: &str,
        rt: &tokio::runtime::Runtime,
        runs: usize,
        idle: impl Fn(usize) -> [Idle; 4],
    ) {
        let mut url = url::Url::parse(api).expect("MW_API_URL");
        url.set_port(Some(self.addr.port())).expect("port");
        let api = url.to_string();
        let to = Target {
            api: &api,
            user,
            password,
            tls: None,
        };
        seed::runs(&to, rt, runs, idle);
        assert_eq!(self.requests.load(Ordering::SeqCst), runs * 5);
    }
}

/// Serves one client connection: each request goes to the wiki on a new
/// connection, and its answer back with keep-alive semantics.
async fn relay(mut client: TcpStream, upstream: SocketAddr, close: Close, count: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        let next = match close {
            Close::WhenIdle(idle) => {
                match tokio::time::timeout(idle, read_message(&mut client, &mut buf)).await {
                    Ok(next) => next,
                    Err(_) => return, // idle too long: close (FIN)
                }
            }
            Close::AfterAnswer => read_message(&mut client, &mut buf).await,
        };
        let Ok(Some(request)) = next else { return };
        count.fetch_add(1, Ordering::SeqCst);
        let Ok(answer) = forward(upstream, &request).await else {
            return;
        };
        if client.write_all(&keep_alive(&answer)).await.is_err() {
            return;
        }
        if let Close::AfterAnswer = close {
            return;
        }
    }
}

async fn forward(upstream: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut wiki = TcpStream::connect(upstream).await?;
    wiki.write_all(request).await?;
    let mut answer = Vec::new();
    wiki.read_to_end(&mut answer).await?; // PHP closes after answering
    Ok(answer)
}

/// The answer without `Connection: close`, with a `Content-Length` (PHP's
/// server ends the body by closing instead).
fn keep_alive(answer: &[u8]) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return answer.to_vec();
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let body = &answer[end + 4..];
    let mut out = String::new();
    for line in head.split("\r\n") {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name != "connection" && name != "content-length" {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn upstream(api: &str) -> SocketAddr {
    let url = url::Url::parse(api).expect("MW_API_URL");
    let port = url.port_or_known_default().expect("port");
    SocketAddr::from(([127, 0, 0, 1], port))
}

const RUNS: usize = 20;

#[test]
fn a_real_wiki_closing_after_every_answer_never_fails_a_flow() {
    let Some((api, user, password)) = wiki() else {
        return;
    };
    let proxy = Proxy::start(upstream(&api), Close::AfterAnswer);
    proxy.runs(&api, &user, &password, &runtime(true), RUNS, |_| {
        [Idle::No; 4]
    });
    assert_eq!(proxy.connections.load(Ordering::SeqCst), RUNS * 5);
}

#[test]
fn a_real_wiki_closing_50_ms_after_each_answer_never_fails_a_blocking_flow() {
    let Some((api, user, password)) = wiki() else {
        return;
    };
    // Every step but the first meets a connection the proxy has closed
    // while the client's runtime was not driven.
    let proxy = Proxy::start(upstream(&api), Close::WhenIdle(Duration::from_millis(50)));
    let gap = Idle::Blocked(Duration::from_millis(100));
    let idle = |_| [Idle::No, gap, gap, gap];
    proxy.runs(&api, &user, &password, &runtime(false), RUNS, idle);
}

#[test]
fn a_real_wiki_closing_idle_connections_after_1_s_never_fails_a_flow() {
    let Some((api, user, password)) = wiki() else {
        return;
    };
    let proxy = Proxy::start(upstream(&api), Close::WhenIdle(Duration::from_secs(1)));
    // Every 4th run idles past the timeout before step 1, 2 or 3 (the
    // runtime mostly not driven, once asleep in Tokio).
    let idle = |run: usize| {
        let mut idle = [Idle::No; 4];
        if run % 4 == 0 {
            let k = run / 4;
            idle[k % 3 + 1] = if k == 2 {
                Idle::Async(PAUSE)
            } else {
                Idle::Blocked(PAUSE)
            };
        }
        idle
    };
    proxy.runs(&api, &user, &password, &runtime(false), RUNS, idle);
    // The connections were reused when the flow did not idle.
    assert!(proxy.connections.load(Ordering::SeqCst) < RUNS * 2);
}
