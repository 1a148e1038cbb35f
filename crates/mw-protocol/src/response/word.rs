//! A string member that its parser only matches against a few known
//! words (`checktoken.result`, `login.result`, an AuthManager step's
//! `status`): read as the known word without allocating, or as a
//! [`Scalar`] when it is something else.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer};

use super::scan::{Res, Scan};
use super::scan_read::FromScan;
use super::wire::Scalar;
use crate::Error;

/// The words a [`Word`] member is matched against.
pub(crate) trait Words {
    /// Every word the parser knows.
    const ALL: &'static [&'static str];
}

/// A member read as one of `W`'s words, or as any other value.
pub(crate) struct Word<W> {
    read: Read,
    words: PhantomData<fn() -> W>,
}

/// What a [`Word`] member was.
#[derive(Debug, Clone, PartialEq)]
enum Read {
    /// A string equal to one of the words.
    Known(&'static str),
    /// Anything else (absent, not a string, another string).
    Other(Scalar),
}

impl<W> Default for Word<W> {
    fn default() -> Self {
        Word {
            read: Read::Other(Scalar::Missing),
            words: PhantomData,
        }
    }
}

impl<W> fmt::Debug for Word<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read.fmt(f)
    }
}

impl<W> PartialEq for Word<W> {
    fn eq(&self, other: &Self) -> bool {
        self.read == other.read
    }
}

impl<W: Words> Word<W> {
    /// The member of a string `text`.
    #[inline]
    fn of_str(text: Cow<'_, str>) -> Word<W> {
        let read = match W::ALL.iter().find(|w| ***w == *text) {
            Some(w) => Read::Known(w),
            None => Read::Other(Scalar::Str(text.into_owned())),
        };
        Word {
            read,
            words: PhantomData,
        }
    }

    /// The member of any value but a string.
    fn of_scalar(scalar: Scalar) -> Word<W> {
        match scalar {
            Scalar::Str(s) => Word::of_str(Cow::Owned(s)),
            other => Word {
                read: Read::Other(other),
                words: PhantomData,
            },
        }
    }

    /// A required string member, as [`Scalar::required_str`] gives it.
    pub fn required_str(self, name: &str) -> Result<Cow<'static, str>, Error> {
        match self.read {
            Read::Known(w) => Ok(Cow::Borrowed(w)),
            Read::Other(s) => s.required_str(name).map(Cow::Owned),
        }
    }
}

impl<'de, W: Words> Deserialize<'de> for Word<W> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::deserialize(d).map(Word::of_scalar)
    }
}

impl<W: Words> FromScan for Word<W> {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        if s.peek()? == b'"' {
            return Ok(Word::of_str(s.string()?.value()?));
        }
        Scalar::scan(s).map(Word::of_scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;

    impl Words for Two {
        const ALL: &'static [&'static str] = &["valid", "invalid"];
    }

    #[test]
    fn reads_as_a_scalar_reads() {
        for text in [
            r#""valid""#,
            r#""invalid""#,
            r#""va\u006cid""#,
            r#""other""#,
            r#""""#,
            "1",
            "null",
            "true",
            "{}",
            "[]",
            r#""\ud800""#,
        ] {
            let mut s = Scan::new(text);
            let fast = Word::<Two>::scan(&mut s).ok();
            let slow = serde_json::from_str::<Word<Two>>(text).ok();
            assert_eq!(fast, slow, "{text}");
            let scalar = serde_json::from_str::<Scalar>(text).ok();
            let fast = fast.map(|w| w.required_str("x").map_err(|e| e.to_string()));
            let scalar = scalar.map(|s| {
                s.required_str("x")
                    .map(Cow::Owned)
                    .map_err(|e| e.to_string())
            });
            assert_eq!(fast, scalar, "{text}");
        }
    }
}
