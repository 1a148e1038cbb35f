//! The per-module tokens of a `query` answer (`intoken`, `rvtoken`,
//! `rctoken`, `ustoken`, `preferencestoken`), read from the bytes as a
//! pruned tree: only the members
//! [`parse_module_tokens`](super::legacy_tokens::parse_module_tokens)
//! looks at are built, as the JSON tree would hold them (a later
//! duplicate key replaces an earlier one; objects keep their keys'
//! order), and everything else a `prop=info` answer holds is skipped.

use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use super::module_tokens_scan::ModuleTokens;
use crate::TokenType;
use crate::response::wire::{Key, scalars_are};

/// The `query` member, pruned (`None` when it holds no token).
#[derive(Default)]
pub(crate) struct PrunedQuery(pub Option<Value>);

/// The per-module tokens of an answer: as the scanner's pass read them,
/// or else as serde's read them, pruned.
pub(crate) enum QueryTokens {
    /// Read by the scanner (`None`: it holds none).
    Read(Option<Box<ModuleTokens>>),
    /// Read from the body.
    Pruned(PrunedQuery),
}

impl Default for QueryTokens {
    fn default() -> Self {
        QueryTokens::Pruned(PrunedQuery::default())
    }
}

impl<'de> Deserialize<'de> for QueryTokens {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PrunedQuery::deserialize(d).map(QueryTokens::Pruned)
    }
}

impl<'de> Deserialize<'de> for PrunedQuery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Prune::Query.deserialize(d).map(PrunedQuery)
    }
}

/// What a value is, in the walk of `parse_module_tokens`.
#[derive(Clone, Copy)]
enum Prune {
    /// `query`: its `pages`, `recentchanges`, `users` and `userinfo`.
    Query,
    /// A list (fv2) or id-keyed object (fv1) of pages.
    Pages,
    /// A list or id-keyed object of objects holding tokens.
    Items,
    /// A page: its tokens and its `revisions`.
    Page,
    /// An object holding tokens (a revision, a change, a user, userinfo).
    Tokens,
}

/// A member whose name is a legacy token's (`edittoken`).
fn is_token(key: &str) -> bool {
    key.strip_suffix("token")
        .and_then(TokenType::from_legacy_name)
        .is_some()
}

impl<'de> DeserializeSeed<'de> for Prune {
    /// The pruned value; `None` when it holds nothing the walk reads.
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Prune {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        let mut kept = Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let inner = match (self, &*key) {
                (Prune::Query, "pages") => Prune::Pages,
                (Prune::Query, "recentchanges" | "users") => Prune::Items,
                (Prune::Query, "userinfo") => Prune::Tokens,
                (Prune::Pages, _) => Prune::Page,
                (Prune::Items, _) => Prune::Tokens,
                (Prune::Page, "revisions") => Prune::Items,
                (Prune::Page | Prune::Tokens, k) if is_token(k) => {
                    // A token that is not a string stays, as `null`: the
                    // walk says so.
                    let value = match map.next_value::<TokenText>()?.0 {
                        Some(s) => Value::String(s),
                        None => Value::Null,
                    };
                    kept.insert(key.into_owned(), value);
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            match map.next_value_seed(inner)? {
                Some(value) => {
                    kept.insert(key.into_owned(), value);
                }
                // As a later duplicate would in the tree.
                None => {
                    kept.remove(&*key);
                }
            }
        }
        Ok(match self {
            Prune::Query => Some(Value::Object(kept)),
            _ => (!kept.is_empty()).then_some(Value::Object(kept)),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let inner = match self {
            Prune::Pages => Prune::Page,
            Prune::Items => Prune::Tokens,
            _ => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(None);
            }
        };
        let mut kept = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            kept.extend(item);
        }
        Ok((!kept.is_empty()).then_some(Value::Array(kept)))
    }

    scalars_are!(Option<Value>, None);
}

/// A token's value: the string, or `None` for anything else.
struct TokenText(Option<String>);

impl<'de> Deserialize<'de> for TokenText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TokenTextVisitor)
    }
}

struct TokenTextVisitor;

impl<'de> Visitor<'de> for TokenTextVisitor {
    type Value = TokenText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<TokenText, E> {
        Ok(TokenText(Some(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<TokenText, E> {
        Ok(TokenText(Some(v)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TokenText, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(TokenText(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TokenText, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TokenText(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<TokenText, E> {
        Ok(TokenText(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<TokenText, E> {
        Ok(TokenText(None))
    }
    fn visit_u64<E>(self, _: u64) -> Result<TokenText, E> {
        Ok(TokenText(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<TokenText, E> {
        Ok(TokenText(None))
    }
    fn visit_unit<E>(self) -> Result<TokenText, E> {
        Ok(TokenText(None))
    }
}
