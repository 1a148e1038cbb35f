//! The errors and warnings of a response, read as bounded lists and maps:
//! at most [`MAX_MESSAGES`] of them, each value kept as in [`Kept`]
//! (at most [`MAX_KEPT_BYTES`](super::wire::MAX_KEPT_BYTES) of JSON).

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::Warning;
use super::message::{bc_block_text, into_text, push_bc_lines};
use super::wire::{Kept, Key, MAX_KEPT_BYTES, MAX_MESSAGES, scalars_are};

#[path = "bc_lines.rs"]
mod bc_lines;

/// A list read as at most [`MAX_MESSAGES`] small values (each kept as in
/// [`Kept`]); the rest are skipped. Anything but an array is `None`.
#[derive(Debug, Default)]
pub(crate) struct Bounded(pub Option<Vec<Value>>);

impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoundedVisitor)
    }
}

pub(crate) struct BoundedVisitor;

impl<'de> Visitor<'de> for BoundedVisitor {
    type Value = Bounded;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bounded, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Kept>()? {
            if items.len() >= MAX_MESSAGES {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                break;
            }
            if let Some(v) = item.0 {
                items.push(v);
            }
        }
        Ok(Bounded(Some(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bounded, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Bounded(None))
    }

    scalars_are!(Bounded, Bounded(None));
}

/// An object read as at most [`MAX_MESSAGES`] members whose values are
/// kept as in [`Kept`] (the bc format's warnings, by module; a bc error's
/// fields); `None` for anything but an object.
#[derive(Debug, Default)]
pub(crate) struct BoundedMap(pub Option<Vec<(String, Value)>>);

impl<'de> Deserialize<'de> for BoundedMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoundedMapVisitor { unread: &[] })
    }
}

/// A bc error's members, `{"code", "info", "*"|"docref", ...data}`,
/// read typed (`None` for anything but an object): as a [`BoundedMap`]
/// would keep them (at most [`MAX_MESSAGES`] members, each value kept as
/// in [`Kept`]), but `*` and `docref` (the help text every error
/// carries) are counted, not built, and `code` and `info` are their text.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ErrorFields(pub Option<BcError>);

/// The members of a bc error that [`ErrorFields`] keeps.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct BcError {
    /// The last `code` kept, as text ([`into_text`]).
    pub code: Option<String>,
    /// The last `info` kept, as text.
    pub info: Option<String>,
    /// The other members kept, in order (duplicates too).
    pub data: Vec<(String, Value)>,
}

impl BcError {
    /// The members a [`BoundedMap`] kept, sorted out.
    fn from_members(members: Vec<(String, Value)>) -> BcError {
        let mut error = BcError::default();
        for (k, v) in members {
            match k.as_str() {
                "code" => error.code = Some(into_text(v)),
                "info" => error.info = Some(into_text(v)),
                "*" | "docref" => {}
                _ => error.data.push((k, v)),
            }
        }
        error
    }
}

impl<'de> Deserialize<'de> for ErrorFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let BoundedMap(members) = d.deserialize_any(BoundedMapVisitor {
            unread: &["*", "docref"],
        })?;
        Ok(ErrorFields(members.map(BcError::from_members)))
    }
}

/// Reads a [`BoundedMap`]; the values of the members named in `unread`
/// are only counted (as [`Kept`] would have kept them or not).
pub(crate) struct BoundedMapVisitor {
    pub unread: &'static [&'static str],
}

impl<'de> Visitor<'de> for BoundedMapVisitor {
    type Value = BoundedMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BoundedMap, A::Error> {
        let (mut members, mut unread) = (Vec::new(), 0);
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if members.len() + unread >= MAX_MESSAGES {
                map.next_value::<IgnoredAny>()?;
            } else if self.unread.contains(&&*key) {
                let raw = map.next_value::<&RawValue>()?.get();
                unread += usize::from(raw.len() <= MAX_KEPT_BYTES && raw != "null");
            } else if let Some(v) = map.next_value::<Kept>()?.0 {
                members.push((key.into_owned(), v));
            }
        }
        Ok(BoundedMap(Some(members)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BoundedMap, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(BoundedMap(None))
    }

    scalars_are!(BoundedMap, BoundedMap(None));
}

/// A member that is a list (the non-bc formats' warnings) or an object (the
/// bc format's, by module), bounded as [`Bounded`] and [`BoundedMap`].
#[derive(Debug, Default)]
pub(crate) enum ListOrMap {
    #[default]
    Neither,
    List(Vec<Value>),
    /// The lines of each module's block ([`bc_block_text`]), for the
    /// blocks [`BoundedMap`] keeps, in the body's order: one [`Warning`]
    /// each ([`push_bc_lines`]), at most [`MAX_MESSAGES`] a block.
    Blocks(Vec<Warning>),
    /// [`Blocks`](Self::Blocks) known to be in module order already.
    SortedBlocks(Vec<Warning>),
}

impl<'de> Deserialize<'de> for ListOrMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListOrMapVisitor)
    }
}

struct ListOrMapVisitor;

impl<'de> Visitor<'de> for ListOrMapVisitor {
    type Value = ListOrMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListOrMap, A::Error> {
        let Bounded(items) = BoundedVisitor.visit_seq(seq)?;
        Ok(items.map_or(ListOrMap::Neither, ListOrMap::List))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ListOrMap, A::Error> {
        let BoundedMap(members) = BoundedMapVisitor { unread: &[] }.visit_map(map)?;
        Ok(members.map_or(ListOrMap::Neither, |members| {
            let mut warnings = Vec::new();
            for (module, block) in members {
                if let Some(text) = bc_block_text(&block) {
                    push_bc_lines(&mut warnings, module, text);
                }
            }
            ListOrMap::Blocks(warnings)
        }))
    }

    scalars_are!(ListOrMap, ListOrMap::Neither);
}

/// The same shapes read with the scanner (`scan.rs`).
mod scanned {
    use std::borrow::Cow;

    use super::bc_lines;
    use super::{
        BcError, Bounded, ErrorFields, ListOrMap, MAX_KEPT_BYTES, MAX_MESSAGES, Warning, into_text,
    };
    use crate::response::scan::{Fallback, Res, Scan};
    use crate::response::scan_read::{FromScan, strict};
    use crate::response::wire::{Kept, Scalar, kept_text};

    fn list(s: &mut Scan<'_>) -> Res<Vec<serde_json::Value>> {
        let mut items = Vec::new();
        let mut full = false;
        s.array(|s| {
            if full {
                return s.skip();
            }
            let item = Kept::<MAX_KEPT_BYTES>::scan(s)?;
            if items.len() >= MAX_MESSAGES {
                full = true;
            } else if let Some(v) = item.0 {
                items.push(v);
            }
            Ok(())
        })?;
        Ok(items)
    }

    /// The bc warnings' blocks by module, as [`BoundedMap`] keeps them
    /// and [`bc_block_text`](super::bc_block_text) reads them, without a
    /// tree: their lines, as [`ListOrMap::Blocks`].
    fn blocks(s: &mut Scan<'_>) -> Res<ListOrMap> {
        let (mut warnings, mut kept, mut sorted) = (Vec::<Warning>::new(), 0, true);
        s.object(|s, key| {
            let key = key.value()?;
            if kept >= MAX_MESSAGES {
                return s.skip();
            }
            if s.peek()? == b'n' {
                return s.skip();
            }
            let start = s.offset();
            let raw = block_text(s)?;
            let keep = s.offset() - start <= MAX_KEPT_BYTES;
            if let Some(raw) = raw {
                // The lines so far end with the last block's.
                let last = warnings.last().map(|w| w.module.as_str());
                sorted &= last.is_none_or(|last| last <= &*key);
                bc_lines::push_raw_lines(keep.then_some(&mut warnings), key, raw)?;
            }
            kept += usize::from(keep);
            Ok(())
        })?;
        Ok(match sorted {
            true => ListOrMap::SortedBlocks(warnings),
            false => ListOrMap::Blocks(warnings),
        })
    }

    /// A block's text, as the raw text of its string (between the
    /// quotes): a string, or an object's last `warnings` string, else its
    /// last `*` string. [`Kept`] drops a block that is no
    /// [`Value`](serde_json::Value) (a lone surrogate, a number out of
    /// range): such blocks, and any with a number not a small integer,
    /// are left to serde (`Fallback`); the strings not taken are decoded
    /// for that.
    fn block_text<'a>(s: &mut Scan<'a>) -> Res<Option<&'a str>> {
        match s.peek()? {
            b'"' => return raw_string(s).map(Some),
            b'{' => {}
            _ => return strict(s).map(|_| None),
        }
        let (mut warnings, mut star) = (None, None);
        s.object(|s, key| {
            let key = key.value()?;
            let slot = match &*key {
                "warnings" => &mut warnings,
                "*" => &mut star,
                _ => return strict(s).map(drop),
            };
            let text = match s.peek()? {
                b'"' => Some(raw_string(s)?),
                _ => strict(s).map(|_| None)?,
            };
            if let Some(Some(before)) = slot.replace(text) {
                check(before)?;
            }
            Ok(())
        })?;
        let (warnings, star) = (warnings.flatten(), star.flatten());
        if let (Some(_), Some(star)) = (warnings, star) {
            check(star)?;
        }
        Ok(warnings.or(star))
    }

    /// The raw text of a string (validated), between its quotes.
    fn raw_string<'a>(s: &mut Scan<'a>) -> Res<&'a str> {
        let raw = s.span()?;
        raw.get(1..raw.len() - 1).ok_or(Fallback)
    }

    /// Decodes a string's raw text, for a lone surrogate.
    fn check(raw: &str) -> Res<()> {
        bc_lines::push_raw_lines(None, Cow::Borrowed(""), raw)
    }

    impl FromScan for Bounded {
        fn scan(s: &mut Scan<'_>) -> Res<Bounded> {
            if s.peek()? == b'[' {
                return list(s).map(|items| Bounded(Some(items)));
            }
            s.skip().map(|()| Bounded(None))
        }
    }

    impl FromScan for ErrorFields {
        fn scan(s: &mut Scan<'_>) -> Res<ErrorFields> {
            if s.peek()? != b'{' {
                return s.skip().map(|()| ErrorFields(None));
            }
            // The members a `BoundedMap` would have counted.
            let (mut error, mut counted) = (BcError::default(), 0);
            s.object(|s, key| {
                let key = key.value()?;
                if counted >= MAX_MESSAGES {
                    return s.skip();
                }
                let kept = match &*key {
                    "code" => kept_as_text(s)?.map(|t| error.code = Some(t)),
                    "info" => kept_as_text(s)?.map(|t| error.info = Some(t)),
                    "*" | "docref" => {
                        let raw = s.span()?;
                        (raw.len() <= MAX_KEPT_BYTES && raw != "null").then_some(())
                    }
                    _ => kept_text(s.span()?, MAX_KEPT_BYTES)
                        .map(|v| error.data.push((key.into_owned(), v))),
                };
                counted += usize::from(kept.is_some());
                Ok(())
            })?;
            Ok(ErrorFields(Some(error)))
        }
    }

    /// A value as [`Kept`] keeps it, as text ([`into_text`]): a string
    /// read straight (the scanner decodes as serde_json does; a lone
    /// surrogate, which [`Kept`] drops, is left to serde: `Fallback`).
    fn kept_as_text(s: &mut Scan<'_>) -> Res<Option<String>> {
        if s.peek()? != b'"' {
            return Ok(kept_text(s.span()?, MAX_KEPT_BYTES).map(into_text));
        }
        let start = s.offset();
        let text = Scalar::scan(s)?.into_string();
        Ok(text.filter(|_| s.offset() - start <= MAX_KEPT_BYTES))
    }

    impl FromScan for ListOrMap {
        fn scan(s: &mut Scan<'_>) -> Res<ListOrMap> {
            match s.peek()? {
                b'[' => list(s).map(ListOrMap::List),
                b'{' => blocks(s),
                _ => s.skip().map(|()| ListOrMap::Neither),
            }
        }
    }
}
