//! The members every response may carry and the module parsers' members,
//! read from a body in one pass: by the hand-written scanner (`scan.rs`)
//! when it accepts the body, else by serde_json, which then gives
//! today's exact error (or reads what the scanner does not know, such as
//! PHP's `[]`).

use serde::Deserialize;

use super::body_check::{BadBody, check_depth};
use super::bounded::{Bounded, ErrorFields, ListOrMap};
use super::modules::Query;
use super::scan::{Res, Scan};
use super::scan_read::read_fields;
use super::wire::{Object, Scalar};
use crate::actions::token_map::{Legacy, TokenMap};
use crate::actions::{auth_step, centralauth, checktoken, login};

/// The members every response may carry and the module parsers' members,
/// read from the bytes in one pass; all others are skipped.
#[derive(Deserialize, Default)]
pub(super) struct Shared {
    #[serde(default)]
    pub error: ErrorFields,
    #[serde(default)]
    pub errors: Bounded,
    /// By module in the bc format, a list in the others.
    #[serde(default)]
    pub warnings: ListOrMap,
    #[serde(default)]
    pub servedby: Scalar,
    #[serde(default)]
    pub requestid: Scalar,
    #[serde(default)]
    pub login: Object<Box<login::Fields>>,
    #[serde(default)]
    pub checktoken: Object<Box<checktoken::Fields>>,
    #[serde(default)]
    pub clientlogin: Object<Box<auth_step::Fields>>,
    #[serde(default)]
    pub createaccount: Object<Box<auth_step::Fields>>,
    #[serde(default)]
    pub centralauthtoken: Object<Box<centralauth::Fields>>,
    #[serde(default)]
    pub tokens: TokenMap<Legacy>,
    #[serde(default)]
    pub query: Object<Query>,
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

/// Reads the shared members of a body: the scanner's pass, or serde's.
pub(super) fn read(text: &str) -> Result<Shared, BadBody> {
    scan(text).or_else(|_| read_slow(text))
}

/// serde's pass, after the depth check.
pub(super) fn read_slow(text: &str) -> Result<Shared, BadBody> {
    check_depth(text.as_bytes())?;
    read_serde(text)
}

/// The scanner's pass: a JSON object body, validated to its end.
fn scan(text: &str) -> Res<Shared> {
    let mut s = Scan::new(text);
    let mut shared = Shared::default();
    read_fields!(s, shared, {
        "error" => error,
        "errors" => errors,
        "warnings" => warnings,
        "servedby" => servedby,
        "requestid" => requestid,
        "login" => login,
        "checktoken" => checktoken,
        "clientlogin" => clientlogin,
        "createaccount" => createaccount,
        "centralauthtoken" => centralauthtoken,
        "tokens" => tokens,
        "query" => query,
    })?;
    s.end()?;
    Ok(shared)
}
