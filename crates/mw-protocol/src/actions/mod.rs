//! One module per API module: request builders and typed parsers.
//!
//! Builders return an [`ActionRequest`](crate::ActionRequest); parsers take
//! the [`Envelope`] that
//! [`parse_envelope`](crate::response::parse_envelope) made of the response.

pub mod centralauth;
pub mod checktoken;
pub mod clientlogin;
pub mod legacy_tokens;
pub mod login;
pub mod logout;
pub mod tokens;

use serde_json::Value;

use crate::Error;
use crate::response::Envelope;

/// The object at `path`, or a decode error naming what is missing.
pub(crate) fn object_at<'a>(
    env: &'a Envelope,
    path: &[&str],
) -> Result<&'a serde_json::Map<String, Value>, Error> {
    env.get(path)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::Decode(format!("missing object {}", path.join("."))))
}

/// A string field, or a decode error naming it.
pub(crate) fn str_field<'a>(
    obj: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'a str, Error> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Error::Decode(format!("field {name} is not a string"))),
        None => Err(Error::Decode(format!("missing field {name}"))),
    }
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
