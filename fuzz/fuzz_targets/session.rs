//! A `Session` driven by arbitrary input: commands, answers (fixture
//! responses, or raw bytes from the input with any status), transport
//! failures, timeouts and abandoned operations, in any order.
//!
//! Asserts that nothing panics and that the session stays bounded: at
//! most one outstanding request per live operation (plus token fetches),
//! and never more live operations than were started and not finished.
#![no_main]

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use mw_protocol::{
    ActionCall, ActionRequest, Config, Event, Op, OpId, Outcome, Password, RetryPolicy, Session,
    Token, TokenType, Transmit, TransportFailure,
};

const ENDPOINT: &str = "https://w.example/w/api.php";
const FOREIGN: &str = "https://meta.example/w/api.php";
const PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
/// Live operations a run may start (each command byte starts at most one).
const MAX_COMMANDS: usize = 64;

/// The fixture responses of mw-protocol's tests, parsed once.
fn fixtures() -> &'static [http::Response<Vec<u8>>] {
    static POOL: OnceLock<Vec<http::Response<Vec<u8>>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/mw-protocol/tests/fixtures");
        let mut paths = Vec::new();
        for group in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            for file in std::fs::read_dir(group.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                paths.push(file.path());
            }
        }
        paths.sort();
        let pool: Vec<_> = paths
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| parse_fixture(&b))
            .collect();
        assert!(!pool.is_empty(), "no fixtures under {}", dir.display());
        pool
    })
}

/// `#` comment lines, a status line, headers, a blank line, the body.
fn parse_fixture(bytes: &[u8]) -> Option<http::Response<Vec<u8>>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n')?.1;
    }
    let (head, body) = rest.split_once("\n\n")?;
    let mut lines = head.lines();
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut builder = http::Response::builder().status(status);
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            builder = builder.header(k.trim(), v.trim());
        }
    }
    builder.body(body.as_bytes().to_vec()).ok()
}

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

/// Takes a finished operation's result through its typed handle
/// (formatted, so that its `Debug` runs too); `None` when there is none.
type Taker = Box<dyn FnMut(&mut Session) -> Option<String>>;

fn keep<T: Outcome + std::fmt::Debug>(op: Op<T>) -> (OpId, Taker) {
    (
        op.id(),
        Box::new(move |s: &mut Session| s.take(op).map(|c| format!("{c:?}"))),
    )
}

fn command(session: &mut Session, b: u8) -> Option<(OpId, Taker)> {
    let types = [
        TokenType::CSRF,
        TokenType::LOGIN,
        TokenType::WATCH,
        TokenType::ROLLBACK,
        TokenType::SET_GLOBAL_ACCOUNT_STATUS,
    ];
    let call = |token: bool| {
        let call = ActionCall::new(ActionRequest::post("edit").param("title", "Sandbox"));
        if token {
            call.with_token(TokenType::CSRF)
        } else {
            call
        }
    };
    Some(match b % 12 {
        0 => keep(session.login("Example@bot", Password::new(PASSWORD))),
        1 => keep(session.client_login("Example", Password::new(PASSWORD), "https://w.example/")),
        2 => keep(session.client_login_continue(vec![("OATHToken".into(), "123456".into())])),
        3 => keep(session.token(types[usize::from(b / 12) % types.len()].clone())),
        4 => keep(session.check_token(
            TokenType::CSRF,
            Token::new("d41d8cd98f00b204e9800998ecf8427e6b021575+\\"),
            Some(60),
        )),
        5 => keep(session.call(call(true))),
        6 => keep(session.call(call(false))),
        7 => keep(session.call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ))),
        8 => keep(session.logout()),
        9 => keep(session.foreign(FOREIGN).ok()?.call(call(true))),
        10 => keep(session.foreign(FOREIGN).ok()?.call(call(false))),
        _ => {
            session.set_credentials("Example@bot", Password::new(PASSWORD));
            return None;
        }
    })
}

/// The number of operations a session holds, from its `Debug`.
fn operations(session: &Session) -> usize {
    let debug = format!("{session:?}");
    debug
        .split("operations: ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

fuzz_target!(|data: &[u8]| {
    let mut config = Config::new("mw-fuzz/0.0 (https://example.org; fuzz@example.org)");
    let mut retry = RetryPolicy::default();
    retry.max_retries = 2;
    config.retry = retry;
    let Ok(mut session) = Session::new(ENDPOINT, config) else {
        return;
    };
    let mut input = Input(data);
    let mut now = Instant::now();
    let mut pending: Vec<Transmit> = Vec::new();
    let mut live: HashMap<OpId, Taker> = HashMap::new();
    let mut started = 0usize;
    let pool = fixtures();

    while let Some(b) = input.byte() {
        match b % 8 {
            0 | 1 if started < MAX_COMMANDS => {
                let Some(c) = input.byte() else { break };
                if let Some((op, taker)) = command(&mut session, c) {
                    started += 1;
                    live.insert(op, taker);
                }
            }
            2..=4 if !pending.is_empty() => {
                let i = usize::from(input.byte().unwrap_or(0)) % pending.len();
                let t = pending.swap_remove(i);
                let pick = input.byte().unwrap_or(0);
                let response = if pick < 200 {
                    pool[usize::from(pick) % pool.len()].clone()
                } else {
                    let len = usize::from(input.byte().unwrap_or(0));
                    let body = input.bytes(len).to_vec();
                    let status = [200, 200, 429, 503, 502, 500, 302, 404][usize::from(pick % 8)];
                    let mut res = http::Response::new(body);
                    if let Ok(s) = http::StatusCode::from_u16(status) {
                        *res.status_mut() = s;
                    }
                    if pick & 8 != 0 {
                        res.headers_mut()
                            .insert("retry-after", http::HeaderValue::from_static("1"));
                    }
                    res
                };
                session.handle_response(t.id, response, now);
                // A duplicate answer must be ignored.
                if pick % 31 == 0 {
                    session.handle_response(t.id, pool[0].clone(), now);
                }
            }
            5 if !pending.is_empty() => {
                let i = usize::from(input.byte().unwrap_or(0)) % pending.len();
                let t = pending.swap_remove(i);
                if b & 8 != 0 {
                    session.handle_transport_failure(
                        t.id,
                        TransportFailure::Timeout("t".into()),
                        now,
                    );
                } else {
                    session.handle_transport_failure(
                        t.id,
                        TransportFailure::Disconnected("reset".into()),
                        now,
                    );
                }
            }
            6 => {
                let secs = u64::from(input.byte().unwrap_or(0));
                now += Duration::from_secs(secs);
                if let Some(at) = session.poll_timeout() {
                    if at > now && b & 8 != 0 {
                        now = at;
                    }
                }
                session.handle_timeout(now);
            }
            7 if !live.is_empty() => {
                let i = usize::from(input.byte().unwrap_or(0)) % live.len();
                if let Some(&op) = live.keys().nth(i) {
                    session.abandon(op);
                    live.remove(&op);
                }
            }
            _ => {}
        }
        while let Some(t) = session.poll_transmit() {
            let _ = format!("{t:?}");
            pending.push(t);
        }
        while let Some(event) = session.poll_event() {
            let Event::Completed { op } = event else {
                continue;
            };
            if let Some(mut take) = live.remove(&op) {
                // An event for a live operation has a result to take.
                assert!(
                    take(&mut session).is_some(),
                    "{op:?} completed with nothing to take"
                );
            }
        }
        // Bounded: the session holds the live operations, plus at most
        // one shared token fetch per token type and a relogin; each has at
        // most one request out (the rest of `pending` are answers nobody
        // waits for any more, which the session must ignore).
        let ops = operations(&session);
        assert!(
            ops <= live.len() + 8,
            "{ops} operations held for {} live ones",
            live.len()
        );
        assert!(pending.len() <= started + 8 * MAX_COMMANDS);
        let _ = (session.user(), session.token_api(), session.is_idle());
    }
});
