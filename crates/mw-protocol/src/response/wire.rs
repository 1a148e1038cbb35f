//! Reading JSON straight from the body bytes into what the parsers need,
//! with bounded memory: every member a parser does not name is skipped
//! without being built (serde's `IgnoredAny`), a value of the wrong type is
//! noted rather than an error, and the few free-form values kept (error
//! data, client-login requests) are bounded in size and number.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::Error;

/// The largest free-form JSON value kept as a [`Value`] (error data, a
/// message object): larger ones are dropped, so that a hostile answer of
/// small objects cannot make a tree many times its size.
pub(crate) const MAX_KEPT_BYTES: usize = 64 * 1024;

/// The most errors or warnings kept from one response.
pub(crate) const MAX_MESSAGES: usize = 64;

/// The `visit_*` methods of a lenient visitor for every scalar (and
/// `null`): they give `$none`.
macro_rules! scalars_are {
    ($ty:ty, $none:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_i64<E>(self, _: i64) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_u64<E>(self, _: u64) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_f64<E>(self, _: f64) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_str<E>(self, _: &str) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_unit<E>(self) -> Result<$ty, E> {
            Ok($none)
        }
    };
}
pub(crate) use scalars_are;

/// A value read leniently: what it was, without building objects or
/// arrays.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) enum Scalar {
    /// The member was absent.
    #[default]
    Missing,
    /// `null`, a boolean, an object or an array.
    Other(Shape),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    Str(String),
}

/// What a non-string, non-number [`Scalar`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Null,
    Bool(bool),
    Object,
    Array,
}

impl Scalar {
    /// The string, if it was one.
    pub fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A non-negative integer, or a string of one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Scalar::Number(n) => n.as_u64(),
            Scalar::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A non-negative integer (not a string of one).
    pub fn number_u64(&self) -> Option<u64> {
        match self {
            Scalar::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// A required string member: the string, or a decode error naming it.
    pub fn required_str(self, name: &str) -> Result<String, Error> {
        match self {
            Scalar::Str(s) => Ok(s),
            Scalar::Missing => Err(Error::Decode(format!("missing field {name}"))),
            _ => Err(Error::Decode(format!("field {name} is not a string"))),
        }
    }

    /// [`text`](Self::text), the string moved (an absent member, the
    /// usual case, costs a test).
    #[inline]
    pub fn into_text(self) -> Option<String> {
        match self {
            Scalar::Missing => None,
            Scalar::Str(s) => Some(s),
            other => other.text(),
        }
    }

    /// The text of a value as MediaWiki messages show it: a string bare,
    /// anything else as JSON (objects and arrays are not kept: `None`).
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Missing | Scalar::Other(Shape::Object | Shape::Array) => None,
            Scalar::Str(s) => Some(s.clone()),
            Scalar::Number(n) => Some(n.to_string()),
            Scalar::Other(Shape::Null) => Some("null".into()),
            Scalar::Other(Shape::Bool(b)) => Some(b.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other(Shape::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Scalar::Other(Shape::Null), Scalar::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other(Shape::Null))
    }

    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other(Shape::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other(Shape::Array))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other(Shape::Object))
    }
}

/// A free-form value kept as a [`Value`] when its JSON text is at most
/// `LIMIT` bytes (`None` when larger, absent or `null`).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Kept<const LIMIT: usize = MAX_KEPT_BYTES>(pub Option<Value>);

impl<'de, const LIMIT: usize> Deserialize<'de> for Kept<LIMIT> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(d)?;
        Ok(Kept(kept(raw, LIMIT)))
    }
}

/// A raw value as a [`Value`], when it is small enough.
pub(crate) fn kept(raw: &RawValue, limit: usize) -> Option<Value> {
    kept_text(raw.get(), limit)
}

/// [`kept`] of the text of a value, checked to be JSON.
pub(crate) fn kept_text(text: &str, limit: usize) -> Option<Value> {
    if text.len() > limit {
        return None;
    }
    // A string without escapes (most messages) is the text between its
    // quotes: the parser that made `raw` checked it.
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        && memchr::memchr(b'\\', inner.as_bytes()).is_none()
    {
        return Some(Value::String(inner.to_owned()));
    }
    serde_json::from_str(text)
        .ok()
        .filter(|v: &Value| !v.is_null())
}

/// An object member read as `T` only if it is an object: `None` for any
/// other type (skipped), so that a parser can say "missing object".
#[derive(Debug)]
pub(crate) struct Object<T>(pub Option<T>);

impl<T> Default for Object<T> {
    fn default() -> Self {
        Object(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjectVisitor(std::marker::PhantomData))
    }
}

struct ObjectVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Object<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Object(Some(t)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Object<T>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Object(None))
    }

    scalars_are!(Object<T>, Object(None));
}

/// An object key, borrowed from the body unless it has escapes.
pub(crate) struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }
}
