//! A sans-IO client for the MediaWiki Action API's token and session life
//! cycle.
//!
//! **In scope:** building `http::Request`s and parsing `http::Response`s for
//! `action=query&meta=tokens` (every type, extension types included),
//! `action=checktoken`, `action=login` (bot passwords, the `NeedToken` flow
//! of old wikis), `action=clientlogin` (two-factor continuation included),
//! `action=createaccount` (with a captcha's fields), `action=logout`, the deprecated
//! `action=tokens` and per-module token parameters, CentralAuth's
//! `centralauthtoken`, and any other module; the response envelope in every
//! format (errors, warnings, `formatversion` 1 and 2); and a [`Session`]
//! state machine that runs whole flows with a token cache, `badtoken`
//! recovery, retries and backoff.
//!
//! **Out of scope:** sockets, TLS, cookies, timers and the clock. A driver
//! (such as `mw-transport`) sends what the session asks for, keeps the
//! cookies, and feeds back responses and the current [`Instant`](std::time::Instant).
//!
//! # Driving a flow by hand
//!
//! The driver here is a closure standing in for a server; a real one sends
//! each [`Transmit`]'s request over HTTP (with the session's cookies).
//!
//! ```
//! use std::time::Instant;
//! use mw_protocol::{Config, Password, Session};
//!
//! let mut session = Session::new("https://w.example/w/api.php", Config::new("demo/1.0 (me@example.org)"))?;
//! let op = session.login("Bot@app", Password::new("0123456789abcdefghijklmnopqrstuv"));
//!
//! // A fake wiki: a login token, then a successful login.
//! let mut server = |req: &http::Request<Vec<u8>>| -> &'static str {
//!     let body = String::from_utf8_lossy(req.body());
//!     if req.uri().query().unwrap_or("").contains("meta=tokens") {
//!         r#"{"batchcomplete":true,"query":{"tokens":{"logintoken":"9ed1499d99c0c34c73faa07157b3b6075b427365+\\"}}}"#
//!     } else if body.contains("action=login") {
//!         r#"{"login":{"result":"Success","lguserid":42,"lgusername":"Bot"}}"#
//!     } else {
//!         unreachable!()
//!     }
//! };
//!
//! // `op` is an `Op<User>`: `take` gives a `User` once the login is done.
//! let done = loop {
//!     while let Some(t) = session.poll_transmit() {
//!         let body = server(&t.request).as_bytes().to_vec();
//!         session.handle_response(t.id, http::Response::new(body), Instant::now());
//!     }
//!     if let Some(done) = session.take(op) {
//!         break done;
//!     }
//! };
//! let user = done.result?;
//! assert_eq!(user.name, "Bot");
//! assert_eq!(session.user().map(|u| u.id), Some(Some(42)));
//! # Ok::<(), mw_protocol::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod actions;
mod error;
mod redact;
pub mod request;
pub mod response;
mod retry;
mod secret;
mod session;
mod token_type;
mod user_agent;

pub use error::Error;
pub use redact::{redact, redact_secret_params};
pub use request::ActionRequest;
pub use response::{ApiError, Envelope, ErrorKind, Warning};
pub use retry::RetryPolicy;
pub use secret::{Password, TOKEN_SUFFIX, Token};
pub use session::{
    ActionCall, Assert, ClientLoginOutcome, Completed, Config, CreateAccountOutcome, Event,
    Foreign, Op, OpId, Outcome, RequestId, Session, SessionSnapshot, TokenApi, Transmit,
    TransportFailure, User, Wait,
};
pub use token_type::TokenType;
pub use user_agent::check_user_agent;
