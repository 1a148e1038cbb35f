//! Shared helpers of the mw-protocol integration tests: a stable text
//! rendering of requests, a decoded view of a request for fake servers, and
//! an in-memory driver for a [`Session`]. (The `.http` fixture loader is
//! `mw_test_support::fixture`.)
//!
//! Every test crate compiles this module; not every crate uses every helper.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use mw_protocol::{Error, Event, Op, OpId, Outcome, Session, TransportFailure, Warning};

/// The home wiki of every test.
pub const ENDPOINT: &str = "https://w.example/w/api.php";
/// A foreign wiki of the same CentralAuth single sign-on.
pub const FOREIGN: &str = "https://meta.example/w/api.php";
/// The user agent of every test request.
pub const USER_AGENT: &str = "mw-protocol-tests/0.1 (https://example.org/tests; tests@example.org)";

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// Renders a request as stable text: `METHOD URL`, the headers sorted by
/// name, a blank line, and the body. A form body has one field per line,
/// exactly as sent (percent-encoded, secrets included: these are test
/// values).
pub fn render_request(req: &http::Request<Vec<u8>>) -> String {
    let mut out = format!("{} {}\n", req.method(), req.uri());
    let mut headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    headers.sort();
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    let body = req.body();
    let is_form = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
    if body.is_empty() {
        out.push_str("(no body)\n");
    } else if is_form {
        for field in String::from_utf8_lossy(body).split('&') {
            out.push_str(field);
            out.push('\n');
        }
    } else {
        out.push_str(&String::from_utf8_lossy(body));
        out.push('\n');
    }
    out
}

/// The raw (still percent-encoded) `name=value` fields of a form body.
pub fn raw_form_fields(body: &[u8]) -> Vec<String> {
    if body.is_empty() {
        return Vec::new();
    }
    String::from_utf8_lossy(body)
        .split('&')
        .map(str::to_owned)
        .collect()
}

/// A decoded view of a request, for fake servers and assertions.
#[derive(Debug, Clone)]
pub struct Sent {
    /// `GET` or `POST`.
    pub method: String,
    /// The whole URL.
    pub url: String,
    /// The URL without its query.
    pub base: String,
    /// Decoded query-string parameters.
    pub query: Vec<(String, String)>,
    /// Decoded form-body parameters.
    pub form: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The request as stable text.
    pub rendered: String,
}

impl Sent {
    /// Decodes a request.
    pub fn new(req: &http::Request<Vec<u8>>) -> Sent {
        let url = req.uri().to_string();
        let parsed = url::Url::parse(&url).expect("the session sent an invalid URL");
        let query = parsed.query_pairs().into_owned().collect();
        let mut base = parsed.clone();
        base.set_query(None);
        let form = form_urlencoded::parse(req.body()).into_owned().collect();
        Sent {
            method: req.method().to_string(),
            url,
            base: base.to_string(),
            query,
            form,
            body: req.body().clone(),
            rendered: render_request(req),
        }
    }

    /// A parameter from the body, else from the URL.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .chain(self.query.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter of the form body only.
    pub fn form_param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter of the URL only.
    pub fn url_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `action`.
    pub fn action(&self) -> &str {
        self.param("action").unwrap_or("")
    }

    /// `true` for `action=query&meta=tokens`.
    pub fn is_meta_tokens(&self) -> bool {
        self.action() == "query" && self.param("meta") == Some("tokens")
    }

    /// `true` when the request went to the foreign wiki.
    pub fn is_foreign(&self) -> bool {
        self.base == FOREIGN
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// What a fake server answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP response.
    Response(http::Response<Vec<u8>>),
    /// The transport failed (`TransportFailure::Other`).
    TransportError(String),
    /// The connection closed before an answer
    /// (`TransportFailure::Disconnected`).
    Disconnected(String),
    /// No answer: the request stays in flight.
    Drop,
}

/// A 200 JSON response.
pub fn json(body: impl Into<String>) -> Reply {
    respond(
        200,
        &[("content-type", "application/json; charset=utf-8")],
        body,
    )
}

/// A 200 JSON response from a `serde_json::Value`.
pub fn json_value(body: serde_json::Value) -> Reply {
    json(body.to_string())
}

/// A response with a status, headers and body.
pub fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Reply {
    Reply::Response(response(status, headers, body.into().into_bytes()))
}

/// An `http::Response` with a status, headers and body.
pub fn response(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body).expect("valid test response")
}

/// An API error in the format the session asks for (`errorformat=plaintext`,
/// `formatversion=2`).
pub fn api_error(code: &str, text: &str) -> Reply {
    json_value(serde_json::json!({
        "errors": [{"code": code, "text": text, "module": "main"}],
        "docref": "See https://w.example/w/api.php for API usage.",
        "servedby": "mw1234",
    }))
}

// ---------------------------------------------------------------------------
// The in-memory driver
// ---------------------------------------------------------------------------

/// A finished operation.
#[derive(Debug, Clone)]
pub struct Done<T> {
    /// The operation.
    pub op: OpId,
    /// Its result.
    pub result: Result<T, Error>,
    /// Its warnings.
    pub warnings: Vec<Warning>,
}

/// Drives a [`Session`] against a fake server closure, with a fake clock.
pub struct Driver<F: FnMut(&Sent) -> Reply> {
    /// The session under test.
    pub session: Session,
    /// The fake server.
    pub server: F,
    /// The fake clock's start.
    pub start: Instant,
    /// The fake clock.
    pub now: Instant,
    /// Every request sent, in order.
    pub sent: Vec<Sent>,
    /// Every finished operation, in order (take each result with
    /// [`Driver::take`]).
    pub done: Vec<OpId>,
    /// Every wait the session asked for through `poll_timeout`.
    pub waits: Vec<Duration>,
    /// The `Debug` output of every transmit, event and error seen, and of
    /// the session after each step.
    pub debug: String,
    /// The transmits left unanswered (`Reply::Drop`).
    pub dropped: Vec<mw_protocol::Transmit>,
}

impl<F: FnMut(&Sent) -> Reply> Driver<F> {
    /// A driver for a session.
    pub fn new(session: Session, server: F) -> Self {
        let start = Instant::now();
        Driver {
            session,
            server,
            start,
            now: start,
            sent: Vec::new(),
            done: Vec::new(),
            waits: Vec::new(),
            debug: String::new(),
            dropped: Vec::new(),
        }
    }

    /// Sends every pending request, feeds the answers, wakes sleepers with
    /// the fake clock, and collects events, until nothing is left to do.
    pub fn run(&mut self) {
        for _ in 0..100_000 {
            if let Some(t) = self.session.poll_transmit() {
                self.debug.push_str(&format!("{t:?}\n"));
                // The driver's parsed URL is the endpoint's: the URI without the parameters.
                let uri = t.request.uri().to_string();
                let rest = uri.strip_prefix(t.url.as_str()).unwrap_or("!");
                assert!(rest.is_empty() || rest.starts_with(['?', '&']), "{uri}");
                let sent = Sent::new(&t.request);
                let reply = (self.server)(&sent);
                self.sent.push(sent);
                match reply {
                    Reply::Response(r) => self.session.handle_response(t.id, r, self.now),
                    Reply::TransportError(e) => self.session.handle_transport_failure(
                        t.id,
                        TransportFailure::Other(e),
                        self.now,
                    ),
                    Reply::Disconnected(e) => self.session.handle_transport_failure(
                        t.id,
                        TransportFailure::Disconnected(e),
                        self.now,
                    ),
                    Reply::Drop => self.dropped.push(t),
                }
                self.debug.push_str(&format!("{:?}\n", self.session));
                continue;
            }
            if self.collect_events() {
                continue;
            }
            while let Some(wait) = self.session.poll_wait() {
                self.debug.push_str(&format!("{wait:?}\n"));
            }
            if let Some(at) = self.session.poll_timeout() {
                if at > self.now {
                    self.waits.push(at - self.now);
                    self.now = at;
                }
                self.session.handle_timeout(self.now);
                continue;
            }
            return;
        }
        panic!("the session did not settle within 100000 steps");
    }

    /// Moves finished operations into `done`; `true` if there were any.
    pub fn collect_events(&mut self) -> bool {
        let mut any = false;
        while let Some(ev) = self.session.poll_event() {
            any = true;
            self.debug.push_str(&format!("{ev:?}\n"));
            let Event::Completed { op } = ev else {
                panic!("unknown event");
            };
            self.done.push(op);
        }
        any
    }

    /// Runs, then takes the result of `op` (panicking if it is not done).
    pub fn finish<T: Outcome + std::fmt::Debug>(&mut self, op: Op<T>) -> Result<T, Error> {
        self.finish_done(op).result
    }

    /// Runs, then takes the whole [`Done`] of `op`.
    pub fn finish_done<T: Outcome + std::fmt::Debug>(&mut self, op: Op<T>) -> Done<T> {
        self.run();
        self.take(op)
    }

    /// Takes the result of `op`, which must have finished (panics if not).
    pub fn take<T: Outcome + std::fmt::Debug>(&mut self, op: Op<T>) -> Done<T> {
        let Some(done) = self.session.take(op) else {
            panic!("operation {op:?} did not finish; sent: {:#?}", self.sent);
        };
        self.debug.push_str(&format!("{done:?}\n"));
        if let Err(e) = &done.result {
            self.debug.push_str(&format!("{e:?} / {e}\n"));
        }
        Done {
            op: op.id(),
            result: done.result,
            warnings: done.warnings,
        }
    }

    /// How many requests were sent so far.
    pub fn count(&self) -> usize {
        self.sent.len()
    }

    /// The actions of the requests sent from index `from` on.
    pub fn actions_since(&self, from: usize) -> Vec<String> {
        self.sent[from..]
            .iter()
            .map(|s| {
                if s.is_meta_tokens() {
                    format!("query+tokens({})", s.param("type").unwrap_or(""))
                } else {
                    s.action().to_owned()
                }
            })
            .collect()
    }
}

/// The ways a secret can show up in text: as is, percent-encoded (form or
/// URL), and as the byte list a derived `Debug` of a `Vec<u8>` prints.
pub fn secret_forms(secret: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let bytes = format!("{:?}", secret.as_bytes());
    let bytes = bytes
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let mut forms = vec![secret.to_owned(), form, bytes];
    // A token without its suffix is still the secret part.
    match secret.strip_suffix(mw_protocol::TOKEN_SUFFIX) {
        Some(stem) if stem.len() >= 8 => forms.push(stem.to_owned()),
        _ => {}
    }
    forms
}

/// Panics if `haystack` holds `secret` in any of its [`secret_forms`].
pub fn assert_no_secret(what: &str, haystack: &str, secret: &str) {
    for form in secret_forms(secret) {
        assert!(
            !haystack.contains(&form),
            "{what} contains a secret ({form:?}):\n{haystack}"
        );
    }
}
