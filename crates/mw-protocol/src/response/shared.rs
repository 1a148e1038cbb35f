//! The members every response may carry, and at most one module member,
//! read from a body in one pass: by the hand-written scanner (`scan.rs`)
//! when it accepts the body, else by serde_json, which then gives
//! today's exact error (or reads what the scanner does not know, such as
//! PHP's `[]`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::body_check::{BadBody, check_depth};
use super::bounded::{Bounded, ErrorFields, ListOrMap};
use super::scan::{Res, Scan};
use super::scan_read::FromScan;
use super::wire::{Key, Scalar};

/// The members every response may carry.
#[derive(Default)]
pub(crate) struct Head {
    pub error: ErrorFields,
    pub errors: Bounded,
    /// By module in the bc format, a list in the others.
    pub warnings: ListOrMap,
    pub servedby: Scalar,
    pub requestid: Scalar,
}

/// A module member as its parser reads it: by the scanner, or by serde;
/// `Default` when the body does not have it.
pub(crate) trait Member: FromScan + for<'de> Deserialize<'de> + Default {}

impl<T: FromScan + for<'de> Deserialize<'de> + Default> Member for T {}

/// No module member: what the envelope reads (every member but the
/// shared ones is skipped).
#[derive(Default)]
pub(crate) struct Nothing;

impl FromScan for Nothing {
    fn scan(s: &mut Scan<'_>) -> Res<Nothing> {
        s.skip().map(|()| Nothing)
    }
}

impl<'de> Deserialize<'de> for Nothing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Nothing, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Nothing)
    }
}

/// Reads the shared members of a body into `head` (when given: else they
/// are skipped), and its member `key` (when given) into `member`: both
/// default ones, written in place; the scanner's pass, or serde's.
pub(super) fn read<T: Member>(
    text: &str,
    key: Option<&'static str>,
    mut head: Option<&mut Head>,
    member: &mut T,
) -> Result<(), BadBody> {
    if scan(text, key, head.as_deref_mut(), member).is_err() {
        read_slow(text, key, head, member)?;
    }
    Ok(())
}

/// serde's pass, after the depth check: a JSON object body; PHP's empty
/// array `[]` (old versions answered logout with it) has no members.
pub(crate) fn read_slow<T: Member>(
    text: &str,
    key: Option<&'static str>,
    mut head: Option<&mut Head>,
    member: &mut T,
) -> Result<(), BadBody> {
    check_depth(text.as_bytes())?;
    if let Some(head) = head.as_deref_mut() {
        *head = Head::default();
    }
    *member = T::default();
    match text.bytes().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {
            let mut de = serde_json::Deserializer::from_str(text);
            let visitor = OnePass { key, head, member };
            de.deserialize_map(visitor).map_err(BadBody::Json)?;
            de.end().map_err(BadBody::Json)
        }
        Some(b'[') => match serde_json::from_str::<Vec<IgnoredAny>>(text) {
            Ok(items) if items.is_empty() => Ok(()),
            Ok(_) => Err(BadBody::NotObject),
            Err(e) => Err(BadBody::Json(e)),
        },
        _ => match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Err(BadBody::NotObject),
            Err(e) => Err(BadBody::Json(e)),
        },
    }
}

/// The bit of each shared member, for the check that none is given twice.
fn bit_of(name: &str) -> Option<u8> {
    Some(match name {
        "error" => 1,
        "errors" => 2,
        "warnings" => 4,
        "servedby" => 8,
        "requestid" => 16,
        _ => return None,
    })
}

/// The bit of the module member.
const MEMBER: u8 = 32;

/// The scanner's pass: a JSON object body, validated to its end (what it
/// read of a body it gives up on is left: serde's pass replaces it); a
/// member given twice is serde's "duplicate field" error (`Fallback`).
fn scan<T: Member>(
    text: &str,
    key: Option<&'static str>,
    mut head: Option<&mut Head>,
    member: &mut T,
) -> Res<()> {
    let mut s = Scan::new(text);
    let mut seen = 0u8;
    s.object(|s, name| {
        let name = name.value()?;
        let bit = match head.is_some().then(|| bit_of(&name)).flatten() {
            Some(bit) => bit,
            None if key == Some(&*name) => MEMBER,
            None => return s.skip(),
        };
        if seen & bit != 0 {
            return Err(super::scan::Fallback);
        }
        seen |= bit;
        match (bit, head.as_deref_mut()) {
            (1, Some(head)) => head.error = FromScan::scan(s)?,
            (2, Some(head)) => head.errors = FromScan::scan(s)?,
            (4, Some(head)) => head.warnings = FromScan::scan(s)?,
            (8, Some(head)) => head.servedby = FromScan::scan(s)?,
            (16, Some(head)) => head.requestid = FromScan::scan(s)?,
            _ => *member = T::scan(s)?,
        }
        Ok(())
    })?;
    s.end()
}

/// serde's pass over the members, as a derive with `#[serde(default)]`
/// fields reads them (a member given twice is its "duplicate field"
/// error).
struct OnePass<'a, T> {
    key: Option<&'static str>,
    head: Option<&'a mut Head>,
    member: &'a mut T,
}

impl<'de, T: Member> Visitor<'de> for OnePass<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an API answer")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut seen = 0u8;
        while let Some(Key(name)) = map.next_key::<Key<'de>>()? {
            let bit = match self.head.is_some().then(|| bit_of(&name)).flatten() {
                Some(bit) => bit,
                None if self.key == Some(&*name) => MEMBER,
                None => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if seen & bit != 0 {
                return Err(de::Error::duplicate_field(match bit {
                    1 => "error",
                    2 => "errors",
                    4 => "warnings",
                    8 => "servedby",
                    16 => "requestid",
                    _ => self.key.unwrap_or_default(),
                }));
            }
            seen |= bit;
            match (bit, self.head.as_deref_mut()) {
                (1, Some(head)) => head.error = map.next_value()?,
                (2, Some(head)) => head.errors = map.next_value()?,
                (4, Some(head)) => head.warnings = map.next_value()?,
                (8, Some(head)) => head.servedby = map.next_value()?,
                (16, Some(head)) => head.requestid = map.next_value()?,
                _ => *self.member = map.next_value()?,
            }
        }
        Ok(())
    }
}
