//! Micro-benchmarks of mw-protocol: every request builder (built and
//! rendered to an `http::Request`), every typed parser on a recorded
//! MediaWiki response next to `serde_json::from_slice::<Value>` of the same
//! bytes (the baseline: the typed parse must be no slower), and the seed
//! flow through a `Session` in memory.
//!
//! `cargo bench -p mw-protocol` (or `scripts/bench.sh`); under `cargo test`
//! each benchmark runs once. Results: docs/performance.md.

// `criterion_group!` makes an undocumented `pub fn`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "support/parse_rows.rs"]
mod parse_rows;

use criterion::{Criterion, criterion_group, criterion_main};
use mw_protocol::actions::{
    centralauth, checktoken, clientlogin, legacy_tokens, login, logout, tokens,
};
use mw_protocol::{
    ActionCall, ActionRequest, Config, Op, Outcome, Password, Session, Token, TokenType,
};
use mw_test_support::fixture;
use url::Url;

const UA: &str = "mw-bench/0.0 (https://github.com/mw-auth/mw-auth; bench@example.org)";
const API: &str = "https://en.wikipedia.org/w/api.php";

type Builder<'a> = Box<dyn Fn() -> ActionRequest + 'a>;

fn builders(c: &mut Criterion) {
    let endpoint = Url::parse(API).expect("url");
    let token = Token::new("5d171d86ced4f6c7422d7d11141b7d726b021572+\\");
    let password = Password::new("0123456789abcdefghijklmnopqrstuv");
    let fields = vec![("OATHToken".to_owned(), "123456".to_owned())];
    let cases: Vec<(&str, Builder<'_>)> = vec![
        (
            "tokens/csrf",
            Box::new(|| tokens::request(&[TokenType::CSRF])),
        ),
        (
            "tokens/csrf|watch|patrol",
            Box::new(|| tokens::request(&[TokenType::CSRF, TokenType::WATCH, TokenType::PATROL])),
        ),
        (
            "tokens/login",
            Box::new(|| tokens::request(&[TokenType::LOGIN])),
        ),
        (
            "login",
            Box::new(|| login::request("TestBot@client", &password, Some(&token))),
        ),
        (
            "checktoken",
            Box::new(|| checktoken::request(&TokenType::CSRF, &token, Some(3600))),
        ),
        ("logout", Box::new(|| logout::request(Some(&token)))),
        (
            "clientlogin/start",
            Box::new(|| {
                clientlogin::start_request("Alice", &password, "https://example.org/", &token)
            }),
        ),
        (
            "clientlogin/continue",
            Box::new(|| clientlogin::continue_request(&fields, &token)),
        ),
        (
            "legacy_tokens/action=tokens",
            Box::new(|| legacy_tokens::request(&[TokenType::CSRF]).expect("request")),
        ),
        (
            "legacy_tokens/intoken",
            Box::new(|| legacy_tokens::intoken_request("Main Page", &["edit", "watch"])),
        ),
        ("centralauthtoken", Box::new(centralauth::request)),
        (
            "centralauth/foreign",
            Box::new(|| {
                centralauth::foreign_request(
                    ActionRequest::post("watch").param("titles", "File:Example.jpg"),
                    &token,
                )
            }),
        ),
        (
            "any module (edit)",
            Box::new(|| {
                ActionRequest::post("edit")
                    .param("title", "Sandbox")
                    .param("appendtext", "hello")
                    .token("token", token.clone())
            }),
        ),
    ];
    let mut group = c.benchmark_group("build+to_http");
    for (name, build) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| {
                black_box(build())
                    .to_http(black_box(&endpoint), UA)
                    .expect("http")
            })
        });
    }
    group.finish();
}

fn parsers(c: &mut Criterion) {
    let cases = parse_rows::CASES;
    for (name, rel, typed) in cases {
        let response = fixture::load(rel).response;
        assert!(typed(&response), "{name}: the typed parser fails on {rel}");
        let mut group = c.benchmark_group(format!("parse/{name}"));
        // The session's path for every operation but `call`: the module's
        // one pass over the borrowed body (`parse_response`), as the
        // `Value` row reads the same bytes.
        group.bench_function("typed", |b| b.iter(|| typed(black_box(&response))));
        group.bench_function("serde_json::Value", |b| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(black_box(response.body()))
                    .expect("json")
            })
        });
        group.finish();
    }
}

fn session(c: &mut Criterion) {
    let replies = [
        "tokens/mw139-anon-login-fv2.http",
        "login/mw139-botpw-success-fv2.http",
        "tokens/mw139-bot-csrf-post-fv2.http",
        "checktoken/mw139-valid-fv2.http",
        "logout/mw139-botpw-success-fv2.http",
    ]
    .map(|rel| fixture::load(rel).response);
    let reply = |req: &http::Request<Vec<u8>>| -> http::Response<Vec<u8>> {
        let body = req.body();
        let all = format!(
            "{}&{}",
            req.uri().query().unwrap_or_default(),
            String::from_utf8_lossy(body)
        );
        let i = if all.contains("action=login") {
            1
        } else if all.contains("action=checktoken") {
            3
        } else if all.contains("action=logout") {
            4
        } else if all.contains("type=login") {
            0
        } else {
            2
        };
        replies[i].clone()
    };
    c.bench_function("session/seed flow in memory (5 requests)", |b| {
        let mut s = Session::new(API, Config::new(UA)).expect("session");
        b.iter(|| {
            let op = s.login(
                "TestBot@client",
                Password::new("0123456789abcdefghijklmnopqrstuv"),
            );
            run_op(&mut s, op, &reply);
            let op = s.token(TokenType::CSRF);
            let csrf = run_op(&mut s, op, &reply);
            let op = s.check_token(TokenType::CSRF, csrf, None);
            run_op(&mut s, op, &reply);
            let op = s.logout();
            run_op(&mut s, op, &reply);
        })
    });
    c.bench_function("session/cached-token call (1 request)", |b| {
        let mut s = Session::new(API, Config::new(UA)).expect("session");
        let op = s.login(
            "TestBot@client",
            Password::new("0123456789abcdefghijklmnopqrstuv"),
        );
        run_op(&mut s, op, &reply);
        let op = s.token(TokenType::CSRF);
        run_op(&mut s, op, &reply);
        b.iter(|| {
            // Answered with the checktoken reply: only the round trip counts.
            let op = s.call(
                ActionCall::new(ActionRequest::post("checktoken").param("type", "csrf"))
                    .with_token(TokenType::CSRF),
            );
            run_op(&mut s, op, &reply);
        })
    });
}

/// Drives a session against `reply` until `op` finishes, and gives its
/// value.
fn run_op<T: Outcome>(
    s: &mut Session,
    op: Op<T>,
    reply: &impl Fn(&http::Request<Vec<u8>>) -> http::Response<Vec<u8>>,
) -> T {
    let now = Instant::now();
    loop {
        while let Some(t) = s.poll_transmit() {
            let res = reply(&t.request);
            s.handle_response(t.id, res, now);
        }
        if let Some(done) = s.take(op) {
            return done.result.expect("the flow succeeds");
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = builders, parsers, session
}
criterion_main!(benches);
