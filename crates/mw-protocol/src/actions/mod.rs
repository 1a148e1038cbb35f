//! One module per API module: request builders and typed parsers.
//!
//! Builders return an [`ActionRequest`](crate::ActionRequest); parsers take
//! the [`Envelope`](crate::Envelope) that
//! [`parse_envelope`](crate::response::parse_envelope) made of the response
//! and read their module's members typed, straight from its bytes.

mod auth_post;
mod auth_requests;
pub mod auth_step;
pub mod centralauth;
pub mod checktoken;
pub mod clientlogin;
pub mod createaccount;
pub mod legacy_tokens;
pub mod login;
pub mod logout;
mod module_tokens;
pub(crate) mod module_tokens_scan;
pub(crate) mod token_map;
pub mod tokens;

use serde_json::Value;

use crate::Error;
use crate::response::wire::Object;

/// The module's object of a response (`{"login": {…}}`, read into a
/// parser's own typed struct), or a decode error naming what is missing.
pub(crate) fn required<T>(object: Object<T>, name: &str) -> Result<T, Error> {
    object
        .0
        .ok_or_else(|| Error::Decode(format!("missing object {name}")))
}

/// A message that is a string (bc format) or a `{code, text}` object
/// (other error formats).
pub(crate) fn message_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(_) => crate::response::message_text_of(v),
        _ => None,
    }
}
