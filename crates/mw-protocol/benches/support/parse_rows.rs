//! The rows of the `parse/` benchmark (`benches/protocol.rs`) and of
//! `examples/parse_counts.rs`: each parser with its recorded answer.
//! Included by both with `#[path]`.

use mw_protocol::Error;
use mw_protocol::actions::{
    centralauth, checktoken, clientlogin, legacy_tokens, login, logout, tokens,
};
use mw_protocol::response::{Envelope, borrow_envelope as parse_envelope};

/// A typed parse: the envelope and then the module's parser, as the
/// session runs them for every operation but `call` (the envelope borrows
/// the response's body: `borrow_envelope`); whether it succeeded. The
/// envelope and the parser's output are dropped inside; the response,
/// like the bytes the `Value` row reads, is the caller's.
pub type Parser = fn(&http::Response<Vec<u8>>) -> bool;

/// The envelope of `r` and then `parse` on it, as a flow runs them (the
/// envelope read by reference, not moved); whether both succeeded.
fn then<'a, T>(
    r: &'a http::Response<Vec<u8>>,
    parse: impl Fn(&Envelope<&'a str>) -> Result<T, Error>,
) -> bool {
    match &parse_envelope(r) {
        Ok(env) => parse(env).is_ok(),
        Err(_) => false,
    }
}

/// (name, fixture, typed parse).
pub const CASES: &[(&str, &str, Parser)] = &[
    (
        "envelope (error)",
        "envelope/mw139-badtoken-bc-fv2.http",
        |r| parse_envelope(r).is_err(),
    ),
    (
        "envelope (warnings)",
        "envelope/mw124-128-warnings-joined-one-module.http",
        |r| parse_envelope(r).is_ok(),
    ),
    (
        "tokens (csrf)",
        "tokens/mw139-bot-csrf-post-fv2.http",
        |r| then(r, tokens::parse),
    ),
    ("tokens (all types)", "tokens/mw139-bot-all-fv2.http", |r| {
        then(r, tokens::parse)
    }),
    ("login", "login/mw139-botpw-success-fv2.http", |r| {
        then(r, login::parse)
    }),
    ("checktoken", "checktoken/mw139-valid-fv2.http", |r| {
        then(r, checktoken::parse)
    }),
    ("logout", "logout/mw139-botpw-success-fv2.http", |r| {
        then(r, logout::parse)
    }),
    (
        "clientlogin (PASS)",
        "clientlogin/mw139-pass-fv2.http",
        |r| then(r, clientlogin::parse),
    ),
    (
        "clientlogin (UI)",
        "clientlogin/mw143-clientlogin-ui-oathauth-fv2.http",
        |r| then(r, clientlogin::parse),
    ),
    (
        "legacy action=tokens",
        "legacy_tokens/mw123-action-tokens-edit-watch-patrol.http",
        |r| then(r, legacy_tokens::parse),
    ),
    (
        "legacy module tokens (intoken)",
        "legacy_tokens/mw123-prop-info-intoken-edit.http",
        |r| then(r, legacy_tokens::parse_module_tokens),
    ),
    (
        "centralauthtoken",
        "centralauthtoken/ca-mw143-centralauthtoken-success.http",
        |r| then(r, centralauth::parse),
    ),
];
