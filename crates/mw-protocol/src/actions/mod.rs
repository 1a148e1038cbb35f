//! One module per API module: request builders and typed parsers.
//!
//! Builders return an [`ActionRequest`](crate::ActionRequest). Each parser
//! comes twice: `parse_response` reads the response in one pass (the
//! members every answer shares and the module's own, typed, straight from
//! the bytes, nothing else built) into a [`Reply`], as a
//! [`Session`](crate::Session) does; `parse` reads the module's member
//! from an [`Envelope`] already made (a second pass over its body).

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

use crate::response::reply::read_reply_then;
use crate::response::shared::Member;
use crate::response::wire::Object;
use crate::response::{Envelope, Reply};
use crate::{Error, Warning};

/// A module's parser: the top-level member it reads, typed, and what it
/// makes of it with the answer's warnings. Its answer is read in one pass
/// ([`parse_response`](Module::parse_response)), or from an envelope
/// already made ([`parse`](Module::parse): the member read again).
pub(crate) trait Module {
    /// The member (`"login"`).
    const KEY: &'static str;
    /// Its typed shape.
    type Member: Member;
    /// What the parser gives.
    type Output;

    /// The result, from the member (`Default` when the body had none).
    fn finish(member: Self::Member, warnings: &[Warning]) -> Result<Self::Output, Error>;

    /// From an envelope.
    fn parse(env: &Envelope<impl AsRef<str>>) -> Result<Self::Output, Error> {
        env.parsed(Self::KEY, Self::finish)
    }

    /// From the response, in one pass.
    #[inline]
    fn parse_response(res: &http::Response<Vec<u8>>) -> Result<Reply<Self::Output>, Error> {
        read_reply_then(res, Some(Self::KEY), Self::finish)
    }
}

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
