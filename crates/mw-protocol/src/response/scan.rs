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

/// The deepest nesting accepted (the depth check of `body_check.rs`).
pub(crate) const MAX_DEPTH: usize = 128;

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
    /// With its quotes.
    quoted: &'a str,
    escaped: bool,
}

impl<'a> Str<'a> {
    /// The string's value: borrowed unless it has escapes (decoded by
    /// serde_json, which refuses lone surrogates as its string parser
    /// does).
    pub fn value(&self) -> Res<Cow<'a, str>> {
        if self.escaped {
            return serde_json::from_str::<String>(self.quoted)
                .map(Cow::Owned)
                .map_err(|_| Fallback);
        }
        let len = self.quoted.len();
        self.quoted
            .get(1..len.saturating_sub(1))
            .map(Cow::Borrowed)
            .ok_or(Fallback)
    }
}

/// Bytes that end a run of plain string bytes: `"`, `\` and controls.
fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The index of the first special byte at or after `i` (`b.len()` if
/// none), eight bytes at a time.
fn find_special(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(bytes);
        let quote = x ^ (ONES * u64::from(b'"'));
        let slash = x ^ (ONES * u64::from(b'\\'));
        // A byte is flagged when it is zero (`quote`, `slash`) or below
        // 0x20 (`x`); the lowest flagged byte is always a true match.
        let flags = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (x.wrapping_sub(ONES * 0x20) & !x);
        let flags = flags & HIGH;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if is_special(c) {
            return i;
        }
        i += 1;
    }
    i
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
    pub fn string(&mut self) -> Res<Str<'a>> {
        let b = self.bytes();
        let start = self.pos;
        if b.get(start) != Some(&b'"') {
            return Err(Fallback);
        }
        let (mut i, mut escaped) = (start + 1, false);
        loop {
            i = find_special(b, i);
            match b.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
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
        let quoted = self.text.get(start..self.pos).ok_or(Fallback)?;
        Ok(Str { quoted, escaped })
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
