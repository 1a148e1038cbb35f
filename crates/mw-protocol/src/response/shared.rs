//! The members every response may carry and the module parsers' members,
//! read from a body in one pass: by the hand-written scanner (`scan.rs`)
//! when it accepts the body, else by serde_json, which then gives
//! today's exact error (or reads what the scanner does not know, such as
//! PHP's `[]`).

use serde::Deserialize;

use super::body_check::{BadBody, check_depth};
use super::bounded::{Bounded, ErrorFields, ListOrMap};
use super::modules::{Query, Read};
use super::scan::{Res, Scan};
use super::scan_read::read_fields;
use super::wire::{Object, Scalar};
use crate::actions::token_map::{Legacy, TokenMap};
use crate::actions::{auth_step, centralauth, checktoken, login};

/// The members every response may carry: read in the envelope's pass
/// with the module members ([`Read`]).
#[derive(Default)]
pub(super) struct Head {
    pub error: ErrorFields,
    pub errors: Bounded,
    /// By module in the bc format, a list in the others.
    pub warnings: ListOrMap,
    pub servedby: Scalar,
    pub requestid: Scalar,
}

/// [`Head`] and [`Read`] as serde reads them, in one pass; all other
/// members are skipped.
#[derive(Deserialize, Default)]
struct Shared {
    #[serde(default)]
    error: ErrorFields,
    #[serde(default)]
    errors: Bounded,
    #[serde(default)]
    warnings: ListOrMap,
    #[serde(default)]
    servedby: Scalar,
    #[serde(default)]
    requestid: Scalar,
    #[serde(default)]
    login: Object<Box<login::Fields>>,
    #[serde(default)]
    checktoken: Object<checktoken::Fields>,
    #[serde(default)]
    clientlogin: Object<Box<auth_step::Fields>>,
    #[serde(default)]
    createaccount: Object<Box<auth_step::Fields>>,
    #[serde(default)]
    centralauthtoken: Object<centralauth::Fields>,
    #[serde(default)]
    tokens: TokenMap<Legacy>,
    #[serde(default)]
    query: Object<Query>,
}

/// The shared members of a JSON object body; PHP's empty array `[]` (old
/// versions answered logout with it) has none.
fn read_serde(text: &str) -> Result<Shared, BadBody> {
    match text.bytes().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_str(text).map_err(BadBody::Json),
        Some(b'[') => match serde_json::from_str::<Vec<serde::de::IgnoredAny>>(text) {
            Ok(items) if items.is_empty() => Ok(Shared::default()),
            Ok(_) => Err(BadBody::NotObject),
            Err(e) => Err(BadBody::Json(e)),
        },
        _ => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => Err(BadBody::NotObject),
            Err(e) => Err(BadBody::Json(e)),
        },
    }
}

/// Reads the members of a body into `head` and `read` (both default ones,
/// written in place: the envelope keeps `read`): the scanner's pass, or
/// serde's.
pub(super) fn read(text: &str, head: &mut Head, read: &mut Read) -> Result<(), BadBody> {
    if scan(text, head, read).is_err() {
        read_slow(text, head, read)?;
    }
    Ok(())
}

/// serde's pass, after the depth check.
pub(super) fn read_slow(text: &str, head: &mut Head, read: &mut Read) -> Result<(), BadBody> {
    check_depth(text.as_bytes())?;
    let shared = read_serde(text)?;
    *head = Head {
        error: shared.error,
        errors: shared.errors,
        warnings: shared.warnings,
        servedby: shared.servedby,
        requestid: shared.requestid,
    };
    *read = Read {
        login: shared.login,
        checktoken: shared.checktoken,
        clientlogin: shared.clientlogin,
        createaccount: shared.createaccount,
        centralauthtoken: shared.centralauthtoken,
        tokens: shared.tokens,
        query: shared.query,
    };
    Ok(())
}

/// Where the scanner's pass writes.
struct Target<'r> {
    head: &'r mut Head,
    read: &'r mut Read,
}

/// The scanner's pass: a JSON object body, validated to its end (what it
/// read of a body it gives up on is left: serde's pass replaces it).
fn scan(text: &str, head: &mut Head, read: &mut Read) -> Res<()> {
    let mut s = Scan::new(text);
    let mut into = Target { head, read };
    read_fields!(s, into, {
        "error" => head.error,
        "errors" => head.errors,
        "warnings" => head.warnings,
        "servedby" => head.servedby,
        "requestid" => head.requestid,
        "login" => read.login,
        "checktoken" => read.checktoken,
        "clientlogin" => read.clientlogin,
        "createaccount" => read.createaccount,
        "centralauthtoken" => read.centralauthtoken,
        "tokens" => read.tokens,
        "query" => read.query,
    })?;
    s.end()
}
