//! Test support of the mw-auth workspace (`publish = false`): what the
//! tests, benchmarks and test doubles of several crates would otherwise
//! each write again.
//!
//! In scope:
//! - [`fixture`]: the recorded MediaWiki responses of
//!   `crates/mw-protocol/tests/fixtures` (`.http` files) loaded as
//!   `http::Response<Vec<u8>>` with their comment, one file or a whole
//!   folder.
//! - [`tls_data`]: a throw-away test CA and a certificate it signed for
//!   `127.0.0.1`, with its key.
//! - `server` (feature `server`): a loopback HTTP/1.1 hyper server that
//!   answers each request with what a closure returns, and the form in
//!   which it sends a recorded response again.
//!
//! - `totp` (feature `totp`): RFC 6238 codes for the two-factor test
//!   wiki, each for a 30-second window no other test used, held until
//!   the login is done (OATHAuth refuses a window not later than the last
//!   one it saw).
//!
//! Out of scope:
//! - What a double decides (sessions, tokens, which fixture answers which
//!   request): that stays beside the tests it serves.
//! - Servers that misbehave below HTTP (resets, trickles, raw bytes): a
//!   hyper server cannot, so `tests/hostile.rs` and the keep-alive doubles
//!   of mw-transport keep their raw TCP servers.
//!
//! ```
//! let recorded = mw_test_support::fixture::load("tokens/mw139-anon-login-fv2.http");
//! assert_eq!(recorded.response.status(), 200);
//! assert!(!recorded.comment.is_empty());
//! ```

pub mod fixture;
#[cfg(feature = "server")]
pub mod server;
pub mod tls_data;
#[cfg(feature = "totp")]
pub mod totp;
