//! A hand-written JSON scanner over a body already checked to be UTF-8:
//! it validates every value it passes, read or skipped, as serde_json
//! does (strings with their escapes and control characters, the number
//! grammar, the literals, nesting up to [`MAX_DEPTH`]), and hands the
//! readers of `scan_read.rs` the members they name.
//!
//! It never reports *why* a body is bad: on anything it does not accept
//! it gives [`Fallback`], and the envelope reads the body again with
//! serde_json, which accepts or rejects it with today's exact error. So
//! this scanner must never accept what serde_json rejects (tested against
//! it: unit tests, a proptest and the `parsers` fuzz target); rejecting
//! more only costs the slow path.

use std::borrow::Cow;

use super::body_check::MAX_DEPTH;
use super::scan_bytes::{SHORT, find_special, find_special_tail, special_flags};

/// The scanner gave up: the serde_json path decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fallback;

/// What a scan step gives.
pub(crate) type Res<T> = Result<T, Fallback>;

/// A position in a JSON text.
pub(crate) struct Scan<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// A string as it appears in the text, validated.
#[derive(Clone, Copy)]
pub(crate) struct Str<'a> {
    /// Between its quotes.
    inner: &'a str,
    /// Where in `inner` the first escape is, if there is one.
    first_escape: Option<usize>,
}

impl<'a> Str<'a> {
    /// The string's value: borrowed unless it has escapes (a surrogate
    /// not in a pair is serde_json's error: [`Fallback`]).
    #[inline]
    pub fn value(&self) -> Res<Cow<'a, str>> {
        match self.first_escape {
            // A token's `+\\`: its one escape is the last two bytes, a
            // backslash, whose value is the text without its last byte.
            Some(at) if at + 2 == self.inner.len() && self.inner.ends_with("\\\\") => {
                Ok(Cow::Borrowed(self.inner.get(..at + 1).ok_or(Fallback)?))
            }
            Some(at) => unescape(self.inner, at).map(Cow::Owned),
            None => Ok(Cow::Borrowed(self.inner)),
        }
    }
}

/// The value of a string's text with escapes (checked by
/// [`Scan::string`]), the first escape at `first`; a surrogate not in a
/// pair is serde_json's error.
fn unescape(inner: &str, first: usize) -> Res<String> {
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    let mut next = Some(first);
    while let Some(at) = next {
        out.push_str(rest.get(..at).ok_or(Fallback)?);
        let (c, used) = escape(rest.as_bytes(), at)?;
        out.push(c);
        rest = rest.get(at + used..).ok_or(Fallback)?;
        next = memchr::memchr(b'\\', rest.as_bytes());
    }
    out.push_str(rest);
    Ok(out)
}

/// The escape at `at` (a `\`, checked by [`Scan::string`]): its
/// character and length; a surrogate not in a pair is serde_json's error.
pub(super) fn escape(b: &[u8], at: usize) -> Res<(char, usize)> {
    Ok(match b.get(at + 1) {
        Some(b'u') => {
            let hi = hex4(b, at + 2)?;
            match hi {
                0xD800..=0xDBFF => {
                    if b.get(at + 6..at + 8) != Some(b"\\u") {
                        return Err(Fallback);
                    }
                    let lo = hex4(b, at + 8)?;
                    if !(0xDC00..=0xDFFF).contains(&lo) {
                        return Err(Fallback);
                    }
                    let c = 0x1_0000 + ((hi - 0xD800) << 10 | (lo - 0xDC00));
                    (char::from_u32(c).ok_or(Fallback)?, 12)
                }
                _ => (char::from_u32(hi).ok_or(Fallback)?, 6),
            }
        }
        Some(&e) => {
            let c = match e {
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'"' | b'\\' | b'/' => char::from(e),
                _ => return Err(Fallback),
            };
            (c, 2)
        }
        None => return Err(Fallback),
    })
}

/// Four hex digits at `at`.
fn hex4(b: &[u8], at: usize) -> Res<u32> {
    let digits = b.get(at..at + 4).ok_or(Fallback)?;
    digits.iter().try_fold(0, |n, &d| {
        let v = char::from(d).to_digit(16).ok_or(Fallback)?;
        Ok(n << 4 | v)
    })
}

impl<'a> Scan<'a> {
    /// A scan of `text` from its start.
    pub fn new(text: &'a str) -> Scan<'a> {
        Scan {
            text,
            pos: 0,
            depth: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The bytes read so far.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The text from `start` (an earlier [`offset`](Self::offset)) to here.
    pub fn since(&self, start: usize) -> Res<&'a str> {
        self.text.get(start..self.pos).ok_or(Fallback)
    }

    /// The next byte after whitespace, not consumed.
    pub fn peek(&mut self) -> Res<u8> {
        let b = self.bytes();
        while let Some(&c) = b.get(self.pos) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return Ok(c);
            }
            self.pos += 1;
        }
        Err(Fallback)
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Res<()> {
        match self.peek() {
            Err(Fallback) => Ok(()),
            Ok(_) => Err(Fallback),
        }
    }

    /// Skips one value, validating it.
    pub fn skip(&mut self) -> Res<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|s, _| s.skip()),
            b'[' => self.array(|s| s.skip()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// Skips one value and gives its text.
    pub fn span(&mut self) -> Res<&'a str> {
        self.peek()?;
        let start = self.pos;
        self.skip()?;
        self.text.get(start..self.pos).ok_or(Fallback)
    }

    fn literal(&mut self, word: &[u8]) -> Res<()> {
        let end = self.pos + word.len();
        if self.bytes().get(self.pos..end) != Some(word) {
            return Err(Fallback);
        }
        self.pos = end;
        Ok(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Res<()> {
        let b = self.bytes();
        let mut i = self.pos;
        let digits = |mut i: usize| {
            let start = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            (i > start).then_some(i).ok_or(Fallback)
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        i = match b.get(i) {
            Some(b'0') => i + 1,
            Some(b'1'..=b'9') => digits(i)?,
            _ => return Err(Fallback),
        };
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1)?;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = digits(i)?;
        }
        self.pos = i;
        Ok(())
    }

    /// Reads a string (the next byte must be its quote).
    ///
    /// Most strings of an answer are short and plain: they are read eight
    /// bytes at a time up to their closing quote; a string with an
    /// escape, a control character, or longer than [`SHORT`] bytes goes on
    /// in [`string_rest`](Self::string_rest).
    #[inline]
    pub fn string(&mut self) -> Res<Str<'a>> {
        let b = self.bytes();
        let start = self.pos;
        if b.get(start) != Some(&b'"') {
            return Err(Fallback);
        }
        let mut i = start + 1;
        while i - start <= SHORT {
            let end = match b.get(i..).and_then(|rest| rest.first_chunk::<8>()) {
                Some(chunk) => match special_flags(u64::from_le_bytes(*chunk)) {
                    0 => {
                        i += 8;
                        continue;
                    }
                    flags => i + (flags.trailing_zeros() / 8) as usize,
                },
                // The last bytes of the text.
                None => find_special_tail(b, i),
            };
            if b.get(end) != Some(&b'"') {
                // A token's `+\\` at its end: one escape, then the quote.
                if b.get(end..end + 3) == Some(b"\\\\\"") {
                    self.pos = end + 3;
                    let inner = self.text.get(start + 1..end + 2).ok_or(Fallback)?;
                    return Ok(Str {
                        inner,
                        first_escape: Some(end - start - 1),
                    });
                }
                return self.string_rest(start, end);
            }
            self.pos = end + 1;
            // Both ends are at ASCII bytes (the quotes): char boundaries.
            let inner = self.text.get(start + 1..end).ok_or(Fallback)?;
            return Ok(Str {
                inner,
                first_escape: None,
            });
        }
        self.string_rest(start, i)
    }

    /// [`string`](Self::string) from `i`, the bytes from the quote at
    /// `start` to `i` plain: escapes, controls, long runs (by `memchr2`).
    #[inline(never)]
    fn string_rest(&mut self, start: usize, mut i: usize) -> Res<Str<'a>> {
        let b = self.bytes();
        let mut first_escape = None;
        loop {
            i = find_special(b, i);
            match b.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    first_escape = first_escape.or(Some(i - start - 1));
                    i += match b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => 2,
                        Some(b'u') => match b.get(i + 2..i + 6) {
                            Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => 6,
                            _ => return Err(Fallback),
                        },
                        _ => return Err(Fallback),
                    };
                }
                // A control character, or the end of the text.
                _ => return Err(Fallback),
            }
        }
        self.pos = i + 1;
        let inner = self.text.get(start + 1..i).ok_or(Fallback)?;
        Ok(Str {
            inner,
            first_escape,
        })
    }

    fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        self.pos += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fallback);
        }
        Ok(())
    }

    /// Reads an object (the next byte must be its `{`): `member` is
    /// called with each key and must consume its value.
    pub fn object(&mut self, mut member: impl FnMut(&mut Self, Str<'a>) -> Res<()>) -> Res<()> {
        if self.peek()? != b'{' {
            return Err(Fallback);
        }
        self.enter()?;
        if self.peek()? == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.peek()?;
            let key = self.string()?;
            if self.peek()? != b':' {
                return Err(Fallback);
            }
            self.pos += 1;
            member(self, key)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => break,
                _ => return Err(Fallback),
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    /// Reads an array (the next byte must be its `[`): `item` is called
    /// for each element and must consume it.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Res<()>) -> Res<()> {
        if self.peek()? != b'[' {
            return Err(Fallback);
        }
        self.enter()?;
        if self.peek()? == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => break,
                _ => return Err(Fallback),
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }
}

/// Whether `text` is one JSON value (with whitespace around it) that the
/// scanner accepts.
#[cfg(test)]
pub(crate) fn validate(text: &str) -> bool {
    let mut s = Scan::new(text);
    s.skip().and_then(|()| s.end()).is_ok()
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
