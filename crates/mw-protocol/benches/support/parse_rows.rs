//! The rows of the `parse/` benchmark (`benches/protocol.rs`) and of
//! `examples/parse_counts.rs`: each parser with its recorded answer.
//! Included by both with `#[path]`.

use mw_protocol::actions::{
    centralauth, checktoken, clientlogin, legacy_tokens, login, logout, tokens,
};
use mw_protocol::response::borrow_envelope as parse_envelope;

/// A typed parse, as the session runs it for every operation but `call`:
/// the module's parser reads the response in one pass
/// (`parse_response`), borrowing its body; whether it succeeded. The
/// output is dropped inside; the response, like the bytes the `Value` row
/// reads, is the caller's.
pub type Parser = fn(&http::Response<Vec<u8>>) -> bool;

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
        |r| tokens::parse_response(r).is_ok(),
    ),
    ("tokens (all types)", "tokens/mw139-bot-all-fv2.http", |r| {
        tokens::parse_response(r).is_ok()
    }),
    ("login", "login/mw139-botpw-success-fv2.http", |r| {
        login::parse_response(r).is_ok()
    }),
    ("checktoken", "checktoken/mw139-valid-fv2.http", |r| {
        checktoken::parse_response(r).is_ok()
    }),
    ("logout", "logout/mw139-botpw-success-fv2.http", |r| {
        logout::parse_response(r).is_ok()
    }),
    (
        "clientlogin (PASS)",
        "clientlogin/mw139-pass-fv2.http",
        |r| clientlogin::parse_response(r).is_ok(),
    ),
    (
        "clientlogin (UI)",
        "clientlogin/mw143-clientlogin-ui-oathauth-fv2.http",
        |r| clientlogin::parse_response(r).is_ok(),
    ),
    (
        "legacy action=tokens",
        "legacy_tokens/mw123-action-tokens-edit-watch-patrol.http",
        |r| legacy_tokens::parse_response(r).is_ok(),
    ),
    (
        "legacy module tokens (intoken)",
        "legacy_tokens/mw123-prop-info-intoken-edit.http",
        |r| legacy_tokens::parse_module_tokens_response(r).is_ok(),
    ),
    (
        "centralauthtoken",
        "centralauthtoken/ca-mw143-centralauthtoken-success.http",
        |r| centralauth::parse_response(r).is_ok(),
    ),
];
