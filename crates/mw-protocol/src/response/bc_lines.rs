//! The lines of a bc warnings block read from the raw text of its JSON
//! string (between its quotes, checked by the scanner), decoded line by
//! line without building the block's text first. A newline in the text
//! can only be an escape (`\n`, `\u000a`): a JSON string has no control
//! characters.

use std::borrow::Cow;

use super::super::Warning;
use super::super::message::is_blank;
use super::super::scan::{Fallback, Res, escape};
use super::super::wire::MAX_MESSAGES;

/// Appends to `out` what [`push_bc_lines`](super::push_bc_lines) appends
/// for the string's text (one warning for each line that is not blank,
/// at most [`MAX_MESSAGES`]; the last one takes `module`); with no `out`,
/// only decodes it. A lone surrogate is serde_json's to read
/// ([`Fallback`]), wherever it is.
pub(super) fn push_raw_lines(
    out: Option<&mut Vec<Warning>>,
    module: Cow<'_, str>,
    raw: &str,
) -> Res<()> {
    let mut lines = Lines {
        out,
        module,
        pending: None,
        count: 0,
    };
    let b = raw.as_bytes();
    // Where the line starts; where its bytes not yet copied start (the
    // same unless the line has escapes: then it is being built in `buf`).
    let (mut start, mut run) = (0, 0);
    let mut buf: Option<String> = None;
    loop {
        let at = find_backslash(b, run);
        if at >= b.len() {
            let rest = raw.get(run..).ok_or(Fallback)?;
            lines.line(match buf.take() {
                Some(mut line) => {
                    line.push_str(rest);
                    Cow::Owned(line)
                }
                None => Cow::Borrowed(rest),
            });
            break;
        }
        let (c, used) = escape(b, at)?;
        let plain = raw.get(run..at).ok_or(Fallback)?;
        if c == '\n' {
            lines.line(match buf.take() {
                Some(mut line) => {
                    line.push_str(plain);
                    Cow::Owned(line)
                }
                None => Cow::Borrowed(plain),
            });
            start = at + used;
        } else {
            let line = buf.get_or_insert_with(|| String::with_capacity((b.len() - start).min(256)));
            line.push_str(plain);
            line.push(c);
        }
        run = at + used;
    }
    lines.finish();
    Ok(())
}

/// The warnings of one block, the last line held back (it takes the
/// module name).
struct Lines<'o, 'm> {
    out: Option<&'o mut Vec<Warning>>,
    module: Cow<'m, str>,
    pending: Option<String>,
    count: usize,
}

impl Lines<'_, '_> {
    fn line(&mut self, text: Cow<'_, str>) {
        let Some(out) = self.out.as_deref_mut() else {
            return;
        };
        if self.count >= MAX_MESSAGES || is_blank(&text) {
            return;
        }
        self.count += 1;
        if let Some(prev) = self.pending.replace(text.into_owned()) {
            Self::room(out);
            out.push(Warning::new(&*self.module, None, prev));
        }
    }

    fn finish(self) {
        if let (Some(out), Some(text)) = (self.out, self.pending) {
            Self::room(out);
            out.push(Warning {
                module: self.module.into_owned(),
                code: None,
                text,
                data: None,
            });
        }
    }
}

impl Lines<'_, '_> {
    /// A first allocation of room for a few lines (cheaper than growing
    /// an empty `Vec`).
    #[inline]
    fn room(out: &mut Vec<Warning>) {
        if out.capacity() == 0 {
            *out = Vec::with_capacity(4);
        }
    }
}

/// The first `\` at or after `i` (`b.len()` if none): eight bytes at a
/// time for the first 256 (most lines are short, and `memchr` costs more
/// to start), then `memchr`.
fn find_backslash(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    for _ in 0..32 {
        let Some(chunk) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) else {
            let rest = b.get(i..).unwrap_or_default();
            return rest
                .iter()
                .position(|&c| c == b'\\')
                .map_or(b.len(), |p| i + p);
        };
        let x = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'\\'));
        // The lowest flagged byte is a true match.
        let flags = x.wrapping_sub(ONES) & !x & (ONES * 0x80);
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = b.get(i..).unwrap_or_default();
    memchr::memchr(b'\\', rest).map_or(b.len(), |p| i + p)
}
