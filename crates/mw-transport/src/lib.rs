//! An async client for the MediaWiki Action API's token and session life
//! cycle: the driver of [`mw_protocol`]'s sans-IO [`Session`](mw_protocol::Session)
//! over hyper, rustls and Tokio.
//!
//! **In scope:** HTTP/1.1 with keep-alive pooling (one pool shared by the
//! clients of a process: [`ClientBuilder::max_idle_connections`]), HTTPS (rustls with
//! `ring` and the Mozilla roots, or the system's store, plus private CAs'
//! files: [`ClientBuilder::add_ca_file`], [`TrustRoots`]), cookies (RFC
//! 6265 domain rules, kept per client), gzip with a size cap, connect and request timeouts, same-host
//! redirects, waiting out the backoffs the protocol asks for, session
//! files, OAuth 2 bearer tokens, and `tracing` output (every API warning
//! is a `tracing::warn!`; no secret is ever logged).
//!
//! **Out of scope:** deciding anything about the API. Logins, token
//! caching, `badtoken` recovery, retries on `maxlag`/`ratelimited`/429/503,
//! the `action=tokens` fallback of old wikis and relogins are
//! [`mw_protocol`]'s; this crate sends what it asks for, feeds back the
//! responses and the time, and sleeps when told to.
//!
//! Every method returns its value with the warnings of the responses that
//! made it ([`WithWarnings`], [`Response`]), so the user of an old wiki
//! sees, for example, the deprecation of `action=tokens`.
//!
//! # Log in with a bot password, edit, log out
//!
//! ```no_run
//! use mw_transport::{ActionCall, ActionRequest, Client, Password, TokenType};
//!
//! # async fn demo() -> mw_transport::Result<()> {
//! let client = Client::builder("https://test.wikipedia.org/w/api.php")
//!     .user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)")
//!     .build()?;
//! let user = client.login("MyBot@tool", Password::new("0123456789abcdefghijklmnopqrstuv")).await?;
//! println!("logged in as {}", user.name);
//!
//! let edit = ActionCall::new(
//!     ActionRequest::post("edit")
//!         .param("title", "User:MyBot/sandbox")
//!         .param("appendtext", "\nHello")
//!         .param("summary", "test"),
//! )
//! .with_token(TokenType::CSRF); // from the cache; refreshed once on badtoken
//! let response = client.call(edit).await?;
//! for warning in &response.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! client.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # Log in a main account with `action=clientlogin`
//!
//! ```no_run
//! use mw_transport::{Client, ClientLoginOutcome, Password};
//!
//! # async fn demo(client: Client) -> mw_transport::Result<()> {
//! match client
//!     .client_login("Alice", Password::new("correct horse battery staple"), "https://example.org/")
//!     .await?
//!     .into_value()
//! {
//!     ClientLoginOutcome::LoggedIn(user) => println!("hello {}", user.name),
//!     ClientLoginOutcome::NeedsInput(step) => {
//!         println!("the wiki asks for more: {:?}", step.message);
//!         client
//!             .client_login_continue(vec![("OATHToken".into(), "123456".into())])
//!             .await?;
//!     }
//!     _ => {}
//! }
//! # Ok(()) }
//! ```
//!
//! # Tokens and `action=checktoken`
//!
//! ```no_run
//! use mw_transport::{Client, TokenType, TokenValidity};
//!
//! # async fn demo(client: Client) -> mw_transport::Result<()> {
//! let csrf = client.token(TokenType::CSRF).await?;
//! if csrf.has_deprecation() {
//!     eprintln!("this wiki is old: {:?}", csrf.warnings);
//! }
//! let check = client.check_token(TokenType::CSRF, &csrf, Some(60)).await?;
//! assert_eq!(check.result, TokenValidity::Valid);
//! # Ok(()) }
//! ```
//!
//! # Save a session and restore it later
//!
//! ```no_run
//! use mw_transport::{Client, Password};
//!
//! # async fn demo() -> mw_transport::Result<()> {
//! let builder = || {
//!     Client::builder("https://test.wikipedia.org/w/api.php")
//!         .user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)")
//!         .credentials("MyBot@tool", Password::new("0123456789abcdefghijklmnopqrstuv"))
//! };
//! let client = builder().build()?;
//! client.login("MyBot@tool", Password::new("0123456789abcdefghijklmnopqrstuv")).await?;
//! client.save("mybot-session.json").await?;
//!
//! // Later, in another process: no login request. If the wiki forgot the
//! // session meanwhile, the credentials log in again when needed.
//! let client = Client::restore("mybot-session.json", builder())?;
//! assert!(client.user().is_some());
//! # Ok(()) }
//! ```
//!
//! # Call another wiki of the same single sign-on (CentralAuth)
//!
//! Cross-wiki calls need a main-account login: CentralAuth answers a
//! bot-password or OAuth session with `badsession`
//! ([`mw_protocol::Error::CentralAuthSession`]).
//!
//! ```no_run
//! use mw_transport::{ActionCall, ActionRequest, Client, Password, TokenType};
//!
//! # async fn demo(client: Client) -> mw_transport::Result<()> {
//! client
//!     .client_login("MyBot", Password::new("main-account password"), "https://example.org/")
//!     .await?;
//! let commons = client.foreign("https://commons.wikimedia.org/w/api.php")?;
//! let watch = ActionCall::new(ActionRequest::post("watch").param("titles", "File:Example.jpg"))
//!     .with_token(TokenType::WATCH);
//! commons.call(watch).await?; // a fresh centralauthtoken for each request
//! # Ok(()) }
//! ```
//!
//! # OAuth 2 (owner-only consumers)
//!
//! ```no_run
//! use mw_transport::{ActionCall, ActionRequest, Client, Token};
//!
//! # async fn demo() -> mw_transport::Result<()> {
//! let client = Client::builder("https://meta.wikimedia.org/w/api.php")
//!     .user_agent("MyTool/2.0 (https://example.org/tool; tool@example.org)")
//!     .bearer_token(Token::new("eyJ0eXAiOiJKV1QiLCJhbGciOi..."))
//!     .build()?;
//! let me = client
//!     .call(ActionCall::new(ActionRequest::get("query").param("meta", "userinfo")))
//!     .await?;
//! # let _ = me; Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builder;
mod client;
mod cookies;
mod error;
mod http;
mod outcome;
mod persist;
mod stale;
mod tls;

pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_IDLE_CONNECTIONS,
    DEFAULT_TIMEOUT,
};
#[doc(hidden)]
pub use client::RequestRecord;
pub use client::{Client, ForeignWiki};
pub use error::{Error, Result, SessionFileProblem};
pub use outcome::{Response, WithWarnings};
pub use tls::TrustRoots;

pub use mw_protocol;
pub use mw_protocol::actions::auth_step::{AuthField, AuthRequest, AuthStatus, AuthStep, Captcha};
pub use mw_protocol::actions::checktoken::{TokenCheck, TokenValidity};
pub use mw_protocol::actions::logout::LogoutOutcome;
pub use mw_protocol::{
    ActionCall, ActionRequest, ApiError, Assert, ClientLoginOutcome, Config, CreateAccountOutcome,
    Envelope, Password, RetryPolicy, Token, TokenType, User, Warning,
};

/// The redirects followed for one request, at most (same host only; a
/// 301/302/303 answer to a POST is never followed).
pub const MAX_REDIRECTS: usize = http::MAX_REDIRECTS;

/// The examples of `docs/rust.md`, compiled as doctests so that the guide
/// stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/rust.md")]
mod rust_guide {}
