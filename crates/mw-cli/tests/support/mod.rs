//! Shared by the `mw` process tests: running the binary with a clean
//! environment, and a loopback HTTP double that answers as MediaWiki 1.39
//! does (`formatversion=2` JSON, its headers) for what a real wiki cannot
//! show: hostile text, maxlag, a server that never answers.
//!
//! The double is a plain `std::net` HTTP/1.1 server (keep-alive, one thread
//! per connection): the `mw` binary is the client under test, so the
//! double needs no async runtime of its own.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A descriptive user agent, as `mw` requires.
pub const UA: &str = "mw-cli-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

/// `mw` with an empty environment but the user agent, `--api` and
/// `--session`; stdin closed, stdout and stderr captured.
pub fn mw(api: &str, session: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mw"));
    cmd.env_clear()
        .env("MW_USER_AGENT", UA)
        .arg("--api")
        .arg(api)
        .arg("--session")
        .arg(session)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd`, writing `stdin` to it first.
pub fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).spawn().expect("mw runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("mw finishes")
}

/// Lossy UTF-8.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Panics when `bytes` hold a control character a terminal acts on: C0
/// (but the newline ending each line), DEL, C1, or a bidi override.
pub fn assert_no_controls(what: &str, bytes: &[u8]) {
    let s = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{what}: not UTF-8"));
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what} holds a raw {c:?}: {s:?}");
    }
}

/// One request the double received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Query and form parameters, decoded.
    pub params: Vec<(String, String)>,
    pub user_agent: String,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn action(&self) -> &str {
        self.param("action").unwrap_or_default()
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Waited before answering; `Duration::MAX` never answers.
    pub delay: Duration,
}

impl Reply {
    /// A 200 with a JSON body, as api.php sends it.
    pub fn json(body: serde_json::Value) -> Reply {
        Reply {
            status: 200,
            headers: vec![
                (
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                ),
                (
                    "cache-control".into(),
                    "private, must-revalidate, max-age=0".into(),
                ),
            ],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
    /// An API error (formatversion=2, default errorformat), with the
    /// `MediaWiki-API-Error` header MediaWiki adds.
    pub fn error(code: &str, info: &str) -> Reply {
        Reply::json(serde_json::json!({"error": {"code": code, "info": info,
            "docref": "See http://127.0.0.1/api.php for API usage."}}))
        .header("mediawiki-api-error", code)
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn never() -> Reply {
        Reply {
            delay: Duration::MAX,
            ..Reply::json(serde_json::json!({}))
        }
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A loopback api.php.
pub struct Double {
    pub api: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Double {
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Double {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let api = format!("http://{}/api.php", listener.local_addr().expect("addr"));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Handler = Arc::new(handler);
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                std::thread::spawn(move || serve(stream, &handler, &log));
            }
        });
        Double { api, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>) {
    let mut out = match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut length = 0;
        let mut user_agent = String::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                if n.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                } else if n.eq_ignore_ascii_case("user-agent") {
                    user_agent = v.trim().to_owned();
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let mut params = form(query);
        params.extend(form(&String::from_utf8_lossy(&body)));
        let seen = Seen {
            method,
            params,
            user_agent,
        };
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(seen.clone());
        let reply = handler(&seen);
        if reply.delay == Duration::MAX {
            std::thread::sleep(Duration::from_secs(3600));
            return;
        }
        std::thread::sleep(reply.delay);
        let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
        for (n, v) in &reply.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", reply.body.len()));
        if out.write_all(head.as_bytes()).is_err() || out.write_all(reply.body.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// `application/x-www-form-urlencoded` pairs.
fn form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(n), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The answers of a MediaWiki 1.39 with a bot password `Bot@app`, for the
/// requests `mw` makes: login token, login, tokens, checktoken, logout.
/// `name` is the `lgusername` it reports.
pub fn wiki(name: &'static str) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |req: &Seen| {
        match (req.action(), req.param("meta"), req.param("type")) {
        ("query", Some("tokens"), Some("login")) => Reply::json(serde_json::json!(
            {"batchcomplete": true, "query": {"tokens": {"logintoken": "0123456789abcdef0123456789abcdef69a1b2c3+\\"}}}
        ))
        .header("set-cookie", "wiki_session=abc; path=/; HttpOnly"),
        ("query", Some("tokens"), _) => Reply::json(serde_json::json!(
            {"batchcomplete": true, "query": {"tokens": {"csrftoken": "fedcba9876543210fedcba987654321069a1b2c3+\\"}}}
        )),
        ("login", _, _) => Reply::json(serde_json::json!(
            {"login": {"result": "Success", "lguserid": 3, "lgusername": name}}
        ))
        .header("set-cookie", "wiki_BPsession=def; path=/; HttpOnly"),
        ("logout", _, _) => Reply::json(serde_json::json!({})),
        ("checktoken", _, _) => Reply::json(serde_json::json!(
            {"checktoken": {"result": "valid", "generated": "2026-12-01T20:00:00Z"}}
        )),
        _ => Reply::error("badvalue", "Unrecognized value for parameter \"action\"."),
    }
    }
}
