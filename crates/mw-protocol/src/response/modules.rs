//! The module members the envelope pass reads for the parsers: in the
//! same serde pass as the shared members, each as its parser's own typed
//! shape, so that an answer is walked once. A parser takes what was read
//! for it; when it was taken already (a second parse of one envelope, or
//! a clone), it reads its member from the body again.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::wire::{Key, Object, scalars_are};
use crate::Error;
use crate::actions::token_map::{Current, Legacy, TokenMap};
use crate::actions::{auth_step, centralauth, checktoken, createaccount, login};

/// What the envelope pass reads of a body's `query` member.
#[derive(Deserialize, Default)]
pub(crate) struct Query {
    #[serde(default)]
    tokens: TokenMap<Current>,
    #[serde(default)]
    authmanagerinfo: Object<Box<createaccount::Info>>,
}

super::scan_read::struct_from_scan!(Query {
    "tokens" => tokens,
    "authmanagerinfo" => authmanagerinfo,
});

/// The module members of a body, each as its parser's shape (boxed: the
/// envelope pass moves them, and a body has one or none); `None` once
/// taken.
pub(crate) struct Modules {
    pub login: Option<Object<Box<login::Fields>>>,
    pub checktoken: Option<Object<Box<checktoken::Fields>>>,
    pub clientlogin: Option<Object<Box<auth_step::Fields>>>,
    pub createaccount: Option<Object<Box<auth_step::Fields>>>,
    pub centralauthtoken: Option<Object<Box<centralauth::Fields>>>,
    /// `action=tokens`' member.
    pub tokens: Option<TokenMap<Legacy>>,
    /// `query.tokens` (`Missing` without a `query` object).
    pub query_tokens: Option<TokenMap<Current>>,
    /// `query.authmanagerinfo`, when there is a `query` object.
    pub query_info: Option<Option<Object<Box<createaccount::Info>>>>,
}

/// The module members as the envelope pass read them.
pub(crate) struct Read {
    pub login: Object<Box<login::Fields>>,
    pub checktoken: Object<Box<checktoken::Fields>>,
    pub clientlogin: Object<Box<auth_step::Fields>>,
    pub createaccount: Object<Box<auth_step::Fields>>,
    pub centralauthtoken: Object<Box<centralauth::Fields>>,
    pub tokens: TokenMap<Legacy>,
    pub query: Object<Query>,
}

impl Modules {
    /// Every member absent.
    fn absent() -> Modules {
        Modules {
            login: Some(Object(None)),
            checktoken: Some(Object(None)),
            clientlogin: Some(Object(None)),
            createaccount: Some(Object(None)),
            centralauthtoken: Some(Object(None)),
            tokens: Some(TokenMap::Missing),
            query_tokens: Some(TokenMap::Missing),
            query_info: Some(None),
        }
    }
}

/// What a parser finds of the envelope pass's reading.
enum Slot {
    /// Not read here (a clone): every parser reads the body again.
    Unread,
    /// The body has none of the members.
    Nothing,
    /// What was read.
    Read(Modules),
}

/// The module members read with an envelope, for its parsers to take.
pub(crate) struct ReadAhead(Mutex<Slot>);

impl ReadAhead {
    /// Keeps what the envelope pass read.
    pub fn new(read: Read) -> ReadAhead {
        let none = read.login.0.is_none()
            && read.checktoken.0.is_none()
            && read.clientlogin.0.is_none()
            && read.createaccount.0.is_none()
            && read.centralauthtoken.0.is_none()
            && matches!(read.tokens, TokenMap::Missing)
            && read.query.0.is_none();
        if none {
            return ReadAhead(Mutex::new(Slot::Nothing));
        }
        let (query_tokens, query_info) = match read.query.0 {
            Some(q) => (q.tokens, Some(q.authmanagerinfo)),
            None => (TokenMap::Missing, None),
        };
        ReadAhead(Mutex::new(Slot::Read(Modules {
            login: Some(read.login),
            checktoken: Some(read.checktoken),
            clientlogin: Some(read.clientlogin),
            createaccount: Some(read.createaccount),
            centralauthtoken: Some(read.centralauthtoken),
            tokens: Some(read.tokens),
            query_tokens: Some(query_tokens),
            query_info: Some(query_info),
        })))
    }

    /// Nothing read: every parser reads the body.
    pub fn unread() -> ReadAhead {
        ReadAhead(Mutex::new(Slot::Unread))
    }

    /// What `pick` takes of the members read; `None` when it is not there
    /// any more (read the body again then).
    pub fn take<T>(&self, pick: impl FnOnce(&mut Modules) -> Option<T>) -> Option<T> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *slot {
            Slot::Unread => None,
            Slot::Nothing => pick(&mut Modules::absent()),
            Slot::Read(modules) => pick(modules),
        }
    }
}

/// Reads the top-level member `name` of a JSON object body as `T`
/// (`T::default()` when absent, or when the body is not an object),
/// skipping every other member.
pub(crate) fn read_member<'a, T: Deserialize<'a> + Default>(
    text: &'a str,
    name: &'static str,
) -> Result<T, Error> {
    let malformed = |e| Error::Decode(format!("malformed JSON: {e}"));
    let mut de = serde_json::Deserializer::from_str(text);
    let value = MemberSeed(name, PhantomData)
        .deserialize(&mut de)
        .map_err(malformed)?;
    de.end().map_err(malformed)?;
    Ok(value)
}

struct MemberSeed<T>(&'static str, PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> DeserializeSeed<'de> for MemberSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for MemberSeed<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut found = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if key != Cow::Borrowed(self.0) {
                map.next_value::<IgnoredAny>()?;
            } else if found.is_some() {
                return Err(de::Error::duplicate_field(self.0));
            } else {
                found = Some(map.next_value::<T>()?);
            }
        }
        Ok(found.unwrap_or_default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }

    scalars_are!(T, T::default());
}
