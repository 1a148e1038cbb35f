//! The shapes of `wire.rs` read with the hand-written scanner
//! (`scan.rs`) instead of serde: each gives exactly what its serde
//! `Deserialize` gives on the same text, or [`Fallback`] where serde would
//! fail (or where this reader does not know: serde then decides).

use super::scan::{Fallback, Res, Scan};
use super::wire::{Kept, Object, Scalar, Shape, kept_text};

/// A shape read from the scanner: consumes exactly one value.
pub(crate) trait FromScan: Sized {
    /// Reads the next value as `Self`.
    fn scan(s: &mut Scan<'_>) -> Res<Self>;
}

/// Reads an object's members into fields of `$target` by name, as a serde
/// derive with `#[serde(default)]` fields does: other members are
/// skipped; a field given twice is serde's "duplicate field" error
/// ([`Fallback`]). Each field's type implements [`FromScan`].
macro_rules! read_fields {
    ($s:expr, $target:expr, { $($name:literal => $($field:ident).+),* $(,)? }) => {{
        let mut seen = 0u64;
        // One capture (`move`: the closure holds the one reference, not
        // one for each field it may write).
        let target = &mut $target;
        $s.object(move |s, key| {
            let key = key.value()?;
            let mut bit = 1u64;
            $(
                if *key == *$name {
                    if seen & bit != 0 {
                        return Err($crate::response::scan::Fallback);
                    }
                    seen |= bit;
                    target$(.$field)+ = $crate::response::scan_read::FromScan::scan(s)?;
                    return Ok(());
                }
                bit <<= 1;
            )*
            let _ = bit;
            s.skip()
        })
    }};
}
pub(crate) use read_fields;

/// [`FromScan`] for a struct of `#[serde(default)]` fields (and
/// `Default`), as [`read_fields`] reads them.
macro_rules! struct_from_scan {
    ($ty:ty { $($name:literal => $field:ident),* $(,)? }) => {
        impl $crate::response::scan_read::FromScan for $ty {
            fn scan(
                s: &mut $crate::response::scan::Scan<'_>,
            ) -> $crate::response::scan::Res<Self> {
                let mut value = <$ty>::default();
                $crate::response::scan_read::read_fields!(s, value, { $($name => $field),* })?;
                Ok(value)
            }
        }
    };
}
pub(crate) use struct_from_scan;

/// [`struct_from_scan`] for `Box<$ty>`: the members read straight into
/// the box (not built on the stack and then moved in), for a large
/// member the envelope pass keeps boxed.
macro_rules! boxed_from_scan {
    ($ty:ty { $($name:literal => $field:ident),* $(,)? }) => {
        impl $crate::response::scan_read::FromScan for Box<$ty> {
            fn scan(
                s: &mut $crate::response::scan::Scan<'_>,
            ) -> $crate::response::scan::Res<Self> {
                let mut value = Box::<$ty>::default();
                $crate::response::scan_read::read_fields!(s, *value, { $($name => $field),* })?;
                Ok(value)
            }
        }
    };
}
pub(crate) use boxed_from_scan;

impl FromScan for Scalar {
    fn scan(s: &mut Scan<'_>) -> Res<Scalar> {
        let shape = match s.peek()? {
            b'"' => return Ok(Scalar::Str(s.string()?.value()?.into_owned())),
            b'{' => Shape::Object,
            b'[' => Shape::Array,
            b't' => Shape::Bool(true),
            b'f' => Shape::Bool(false),
            b'n' => Shape::Null,
            _ => return number(s.span()?).map(Scalar::Number),
        };
        s.skip()?;
        Ok(Scalar::Other(shape))
    }
}

/// A number as serde_json reads it (`deserialize_any`): small
/// non-negative integers here, every other form by serde_json itself.
pub(crate) fn number(text: &str) -> Res<serde_json::Number> {
    match small_u64(text) {
        Some(n) => Ok(n.into()),
        None => serde_json::from_str(text).map_err(|_| Fallback),
    }
}

/// The value of a number's text of at most 18 digits (which always fit
/// in a `u64`), read without serde_json; `None` for any other text.
pub(crate) fn small_u64(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0')))
}

/// Reads a value that serde_json's `Value` surely reads too (every string
/// and key decoded; numbers only small integers): a string's text, or
/// `None` for the others. For the readers that replace a [`Kept`] value
/// (which is dropped when it is no `Value`: a lone surrogate, a number out
/// of range): anything else is left to serde ([`Fallback`]).
pub(crate) fn strict(s: &mut Scan<'_>) -> Res<Option<String>> {
    match s.peek()? {
        b'"' => return Ok(Some(s.string()?.value()?.into_owned())),
        b'{' => s.object(|s, key| {
            key.value()?;
            strict(s).map(drop)
        })?,
        b'[' => s.array(|s| strict(s).map(drop))?,
        b'-' | b'0'..=b'9' => {
            let n = s.span()?;
            let digits = n.strip_prefix('-').unwrap_or(n);
            if digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Fallback);
            }
        }
        _ => s.skip()?,
    }
    Ok(None)
}

impl<const LIMIT: usize> FromScan for Kept<LIMIT> {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        Ok(Kept(kept_text(s.span()?, LIMIT)))
    }
}

impl<T: FromScan> FromScan for Object<T> {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        if s.peek()? == b'{' {
            return T::scan(s).map(|t| Object(Some(t)));
        }
        s.skip()?;
        Ok(Object(None))
    }
}

impl<T: FromScan> FromScan for Box<T> {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        T::scan(s).map(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both<T: FromScan + for<'de> serde::Deserialize<'de> + PartialEq + std::fmt::Debug>(
        text: &str,
    ) {
        let mut s = Scan::new(text);
        let fast = T::scan(&mut s).and_then(|t| s.end().map(|()| t)).ok();
        let slow = serde_json::from_str::<T>(text).ok();
        assert_eq!(fast, slow, "{text}");
    }

    #[test]
    fn scalars_read_as_serde_reads_them() {
        for text in [
            r#""a""#,
            r#""a\nb\u00e9""#,
            r#""\ud800""#,
            "12",
            "-0",
            "-12",
            "1.5",
            "1e400",
            "123456789012345678901234",
            "18446744073709551615",
            "true",
            "false",
            "null",
            "{}",
            r#"{"a":[1,{"b":null}]}"#,
            "[1,2]",
            "[1,]",
            "01",
        ] {
            both::<Scalar>(text);
            both::<Kept>(text);
        }
    }
}
