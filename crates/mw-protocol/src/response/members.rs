//! Where the members the module parsers read are in a body: the envelope
//! pass notes the span of each (without building it), so that a parser
//! reads only its own member, typed, instead of the whole body again.

use serde::de::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A top-level member one of this crate's module parsers reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Member {
    Login,
    Checktoken,
    Clientlogin,
    Createaccount,
    Centralauthtoken,
    /// `action=tokens`' answer (and an old farm's `centralauthtoken`).
    Tokens,
    /// `action=query`'s (`meta=tokens`, `meta=authmanagerinfo`, the
    /// legacy per-module tokens).
    Query,
}

const COUNT: usize = 7;

/// A member's JSON text as the envelope pass found it (any value,
/// `null` included), borrowed from the body.
#[derive(Default)]
pub(crate) struct Found<'a>(Option<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for Found<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&RawValue>::deserialize(d).map(|raw| Found(Some(raw)))
    }
}

/// The byte spans of the [`Member`]s of a body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Members([Option<(usize, usize)>; COUNT]);

impl Members {
    /// Notes where `found` is in `body` (the text it was read from).
    pub fn set(&mut self, member: Member, body: &str, found: Found<'_>) {
        let Some(raw) = found.0 else {
            return;
        };
        let text = raw.get();
        let start = (text.as_ptr() as usize).checked_sub(body.as_ptr() as usize);
        self.0[member as usize] = start.map(|s| (s, s + text.len()));
    }

    /// The JSON text of `member` in `body`, if the body had it.
    pub fn get<'a>(&self, member: Member, body: &'a str) -> Option<&'a str> {
        let (start, end) = self.0[member as usize]?;
        body.get(start..end)
    }
}
