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

use super::scan::{Fallback, Res, Scan};
use super::scan_read::FromScan;
use super::wire::{Key, Object, scalars_are};
use crate::Error;
use crate::actions::module_tokens_scan::{Held, Member, ModuleTokens};
use crate::actions::token_map::{Current, Legacy, TokenMap};
use crate::actions::{auth_step, centralauth, checktoken, createaccount, login};

/// What the envelope pass reads of a body's `query` member.
#[derive(Deserialize)]
pub(crate) struct Query {
    #[serde(default)]
    tokens: TokenMap<Current>,
    #[serde(default)]
    authmanagerinfo: Object<Box<createaccount::Info>>,
    /// The per-module tokens (`pages`, `recentchanges`, `users`,
    /// `userinfo`), when the scanner's pass found some; serde's pass
    /// leaves them [unread](ModuleTokens::unread) (their parser reads the
    /// body again).
    #[serde(skip, default = "Held::unread")]
    module_tokens: Held,
}

impl FromScan for Query {
    /// As `read_fields!` reads a struct (a member given twice is
    /// [`Fallback`]); the per-module tokens boxed only when there are some.
    fn scan(s: &mut Scan<'_>) -> Res<Query> {
        let mut tokens = TokenMap::default();
        let mut authmanagerinfo = Object::default();
        let mut module = None;
        let mut seen = 0u8;
        s.object(|s, key| {
            let key = key.value()?;
            let (bit, member) = match &*key {
                "tokens" => (1, None),
                "authmanagerinfo" => (2, None),
                "pages" => (4, Some(Member::Pages)),
                "recentchanges" => (8, Some(Member::RecentChanges)),
                "users" => (16, Some(Member::Users)),
                "userinfo" => (32, Some(Member::UserInfo)),
                _ => return s.skip(),
            };
            if seen & bit != 0 {
                return Err(Fallback);
            }
            seen |= bit;
            match member {
                Some(member) => ModuleTokens::read(&mut module, member, s)?,
                None if bit == 1 => tokens = FromScan::scan(s)?,
                None => authmanagerinfo = FromScan::scan(s)?,
            }
            Ok(())
        })?;
        Ok(Query {
            tokens,
            authmanagerinfo,
            module_tokens: Held(module),
        })
    }
}

/// The module members as the envelope pass reads them: written in place
/// in the [`Envelope`](super::Envelope)'s read-ahead (the large ones boxed,
/// so that the envelope stays small to move; a body has one or none).
#[derive(Default)]
pub(crate) struct Read {
    pub login: Object<Box<login::Fields>>,
    pub checktoken: Object<checktoken::Fields>,
    pub clientlogin: Object<Box<auth_step::Fields>>,
    pub createaccount: Object<Box<auth_step::Fields>>,
    pub centralauthtoken: Object<centralauth::Fields>,
    pub tokens: TokenMap<Legacy>,
    pub query: Object<Query>,
}

/// What a parser takes of the members read: each once (a second parse of
/// one envelope reads its member from the body again).
pub(crate) struct Modules {
    read: Read,
    /// One bit for each member taken (all of them: nothing read here).
    taken: u16,
}

const LOGIN: u16 = 1;
const CHECKTOKEN: u16 = 1 << 1;
const CLIENTLOGIN: u16 = 1 << 2;
const CREATEACCOUNT: u16 = 1 << 3;
const CENTRALAUTHTOKEN: u16 = 1 << 4;
const TOKENS: u16 = 1 << 5;
const QUERY_TOKENS: u16 = 1 << 6;
const QUERY_INFO: u16 = 1 << 7;
const QUERY_MODULE_TOKENS: u16 = 1 << 8;

impl Modules {
    /// Whether `member` is still there (it is not any more).
    fn claim(&mut self, member: u16) -> bool {
        let there = self.taken & member == 0;
        self.taken |= member;
        there
    }

    /// The field `member` of what was read, if not taken yet.
    fn take<T: Default>(&mut self, member: u16, field: fn(&mut Read) -> &mut T) -> Option<T> {
        self.claim(member)
            .then(|| std::mem::take(field(&mut self.read)))
    }

    /// `login`.
    pub fn login(&mut self) -> Option<Object<Box<login::Fields>>> {
        self.take(LOGIN, |r| &mut r.login)
    }

    /// `checktoken`.
    pub fn checktoken(&mut self) -> Option<Object<checktoken::Fields>> {
        self.take(CHECKTOKEN, |r| &mut r.checktoken)
    }

    /// `clientlogin`.
    pub fn clientlogin(&mut self) -> Option<Object<Box<auth_step::Fields>>> {
        self.take(CLIENTLOGIN, |r| &mut r.clientlogin)
    }

    /// `createaccount`.
    pub fn createaccount(&mut self) -> Option<Object<Box<auth_step::Fields>>> {
        self.take(CREATEACCOUNT, |r| &mut r.createaccount)
    }

    /// `centralauthtoken`.
    pub fn centralauthtoken(&mut self) -> Option<Object<centralauth::Fields>> {
        self.take(CENTRALAUTHTOKEN, |r| &mut r.centralauthtoken)
    }

    /// `action=tokens`' member.
    pub fn tokens(&mut self) -> Option<TokenMap<Legacy>> {
        self.take(TOKENS, |r| &mut r.tokens)
    }

    /// `query.tokens` (`Missing` without a `query` object).
    pub fn query_tokens(&mut self) -> Option<TokenMap<Current>> {
        if !self.claim(QUERY_TOKENS) {
            return None;
        }
        let query = self.read.query.0.as_mut();
        Some(
            query
                .map(|q| std::mem::take(&mut q.tokens))
                .unwrap_or_default(),
        )
    }

    /// `query.authmanagerinfo`, when there is a `query` object.
    pub fn query_info(&mut self) -> Option<Option<Object<Box<createaccount::Info>>>> {
        if !self.claim(QUERY_INFO) {
            return None;
        }
        let query = self.read.query.0.as_mut();
        Some(query.map(|q| std::mem::take(&mut q.authmanagerinfo)))
    }

    /// The per-module tokens of `query`, when the scanner's pass read
    /// them (`Some(None)`: it holds none).
    pub fn query_module_tokens(&mut self) -> Option<Option<Box<ModuleTokens>>> {
        if !self.claim(QUERY_MODULE_TOKENS) {
            return None;
        }
        match self.read.query.0.as_mut()?.module_tokens.0.take() {
            Some(read) if read.is_unread() => None,
            read => Some(read),
        }
    }
}

/// The module members read with an envelope, for its parsers to take.
pub(crate) struct ReadAhead(Mutex<Modules>);

impl ReadAhead {
    /// Nothing read yet: the envelope pass writes into
    /// [`read_mut`](Self::read_mut).
    pub fn new() -> ReadAhead {
        ReadAhead(Mutex::new(Modules {
            read: Read::default(),
            taken: 0,
        }))
    }

    /// Nothing read: every parser reads the body.
    pub fn unread() -> ReadAhead {
        ReadAhead(Mutex::new(Modules {
            read: Read::default(),
            taken: u16::MAX,
        }))
    }

    /// Where the envelope pass writes what it reads.
    pub fn read_mut(&mut self) -> &mut Read {
        &mut self
            .0
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .read
    }

    /// What `pick` takes of the members read; `None` when it is not there
    /// any more (read the body again then).
    pub fn take<T>(&self, pick: impl FnOnce(&mut Modules) -> Option<T>) -> Option<T> {
        pick(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
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
