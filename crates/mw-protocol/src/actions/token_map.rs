//! A `{"<name>token": "…"}` object (`meta=tokens`' and `action=tokens'`),
//! read from the bytes straight into tokens by type.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::response::scan::{Res, Scan};
use crate::response::scan_read::FromScan;
use crate::response::wire::{Key, Scalar, scalars_are};
use crate::{Error, Token, TokenType};

/// The most `<name>token` members read from one token object: MediaWiki
/// has about fifteen types; a longer object is a hostile one.
const MAX_TOKEN_MEMBERS: usize = 256;

/// How the members of a token object name their types.
pub(crate) trait Naming {
    /// The type a member `<name>token` holds, if it is one.
    fn type_of(name: &str) -> Option<TokenType>;
}

/// `meta=tokens`: the current names ([`TokenType::new`]).
#[derive(Debug)]
pub(crate) struct Current;

impl Naming for Current {
    fn type_of(name: &str) -> Option<TokenType> {
        TokenType::new(name).ok()
    }
}

/// `action=tokens`: the legacy names ([`TokenType::from_legacy_name`]).
#[derive(Debug)]
pub(crate) struct Legacy;

impl Naming for Legacy {
    fn type_of(name: &str) -> Option<TokenType> {
        TokenType::from_legacy_name(name)
    }
}

/// A token object, read from the bytes: only members whose name ends in
/// `token`, at most [`MAX_TOKEN_MEMBERS`], and of those only the ones `N`
/// names a type for. An empty PHP array `[]` is an empty object.
#[derive(Debug, Default)]
pub(crate) enum TokenMap<N> {
    /// The member was absent.
    #[default]
    Missing,
    /// The tokens by type; or the name (without `token`) of the first
    /// member of a type whose value is not a string.
    Read(
        Result<Vec<(TokenType, Token)>, String>,
        PhantomData<fn() -> N>,
    ),
    /// Not an object (nor `[]`).
    NotObject,
}

impl<N> TokenMap<N> {
    /// The tokens, sorted by type, one of each (later members of a type
    /// replace earlier ones); a value that is not a string is a decode
    /// error.
    pub(crate) fn into_tokens(self) -> Result<Vec<(TokenType, Token)>, Error> {
        match self {
            TokenMap::Missing => Ok(Vec::new()),
            TokenMap::Read(Ok(tokens), _) => Ok(tokens),
            TokenMap::Read(Err(name), _) => {
                Err(Error::Decode(format!("token {name}token is not a string")))
            }
            TokenMap::NotObject => Err(Error::Decode("tokens is not an object".into())),
        }
    }
}

impl<'de, N: Naming> Deserialize<'de> for TokenMap<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TokenMapVisitor(PhantomData))
    }
}

/// What both readers (serde's and the scanner's) do with a token object's
/// members, in order.
struct Collect<N> {
    /// Sorted by type, each once (MediaWiki sends them sorted by name,
    /// mostly the types' order: each is then put last).
    tokens: Vec<(TokenType, Token)>,
    /// The first member of a type whose value is not a string.
    bad: Option<String>,
    members: usize,
    naming: PhantomData<fn() -> N>,
}

impl<N: Naming> Collect<N> {
    fn new() -> Self {
        Collect {
            tokens: Vec::new(),
            bad: None,
            members: 0,
            naming: PhantomData,
        }
    }

    /// Whether the member `key` is read (`<name>token`, one of the first
    /// [`MAX_TOKEN_MEMBERS`] such, of a type `N` names), and its type.
    fn wants(&mut self, key: &str) -> Option<TokenType> {
        let name = key.strip_suffix("token")?;
        if self.members == MAX_TOKEN_MEMBERS {
            return None;
        }
        self.members += 1;
        N::type_of(name)
    }

    /// The value of the wanted member `key`, of type `ty`.
    fn add(&mut self, key: &str, ty: TokenType, value: Scalar) {
        match value {
            Scalar::Str(s) => {
                let token = Token::new(s);
                match self.tokens.last() {
                    Some((last, _)) if *last >= ty => self.put(ty, token),
                    Some(_) => self.tokens.push((ty, token)),
                    None => {
                        // Room for MediaWiki's usual number of types at once.
                        self.tokens.reserve(8);
                        self.tokens.push((ty, token));
                    }
                }
            }
            _ if self.bad.is_none() => {
                self.bad = Some(key.strip_suffix("token").unwrap_or(key).to_owned());
            }
            _ => {}
        }
    }

    /// A token of a type that sorts before the last one's: in its place,
    /// or in place of the earlier token of its type (a later member
    /// replaces an earlier one).
    #[inline(never)]
    fn put(&mut self, ty: TokenType, token: Token) {
        match self.tokens.binary_search_by(|(t, _)| t.cmp(&ty)) {
            Ok(at) => self.tokens[at].1 = token,
            Err(at) => self.tokens.insert(at, (ty, token)),
        }
    }

    fn done(self) -> TokenMap<N> {
        TokenMap::Read(self.bad.map_or(Ok(self.tokens), Err), PhantomData)
    }
}

struct TokenMapVisitor<N>(PhantomData<N>);

impl<'de, N: Naming> Visitor<'de> for TokenMapVisitor<N> {
    type Value = TokenMap<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of tokens")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TokenMap<N>, A::Error> {
        let mut collect = Collect::<N>::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match collect.wants(&key) {
                Some(ty) => collect.add(&key, ty, map.next_value::<Scalar>()?),
                None => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        Ok(collect.done())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TokenMap<N>, A::Error> {
        let mut empty = true;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            empty = false;
        }
        Ok(if empty {
            TokenMap::Read(Ok(Vec::new()), PhantomData)
        } else {
            TokenMap::NotObject
        })
    }

    scalars_are!(TokenMap<N>, TokenMap::NotObject);
}

impl<N: Naming> FromScan for TokenMap<N> {
    /// As the serde visitor above reads it.
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        match s.peek()? {
            b'{' => {
                let mut collect = Collect::<N>::new();
                s.object(|s, key| {
                    let key = key.value()?;
                    match collect.wants(&key) {
                        Some(ty) => {
                            collect.add(&key, ty, Scalar::scan(s)?);
                            Ok(())
                        }
                        None => s.skip(),
                    }
                })?;
                Ok(collect.done())
            }
            b'[' => {
                let mut empty = true;
                s.array(|s| {
                    empty = false;
                    s.skip()
                })?;
                Ok(if empty {
                    TokenMap::Read(Ok(Vec::new()), PhantomData)
                } else {
                    TokenMap::NotObject
                })
            }
            _ => s.skip().map(|()| TokenMap::NotObject),
        }
    }
}
