//! Finding the end of a run of plain string bytes for the scanner
//! (`scan.rs`): eight bytes at a time (SWAR), then `memchr2`.

/// Bytes that end a run of plain string bytes: `"`, `\` and controls.
fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The special bytes among eight (little-endian): the lowest flagged byte
/// is always a true match (higher ones may be false).
#[inline(always)]
pub(super) fn special_flags(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = x ^ (ONES * u64::from(b'"'));
    let slash = x ^ (ONES * u64::from(b'\\'));
    let flags = (quote.wrapping_sub(ONES) & !quote)
        | (slash.wrapping_sub(ONES) & !slash)
        | (x.wrapping_sub(ONES * 0x20) & !x);
    flags & HIGH
}

/// The most bytes of a string (from its quote) read eight at a time
/// before `memchr2` takes over.
pub(super) const SHORT: usize = 48;

/// The index of the first special byte at or after `i` (`b.len()` if
/// none): eight bytes at a time for the first sixteen, then the next quote
/// or backslash by `memchr2` (vectorised) and a vectorised check for
/// controls before it.
#[inline(always)]
pub(super) fn find_special(b: &[u8], mut i: usize) -> usize {
    for _ in 0..2 {
        let Some(chunk) = b.get(i..).and_then(|rest| rest.first_chunk::<8>()) else {
            return find_special_tail(b, i);
        };
        let flags = special_flags(u64::from_le_bytes(*chunk));
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = b.get(i..).unwrap_or_default();
    let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    let run = rest.get(..end).unwrap_or_default();
    // No early exit, so that the compiler vectorises it.
    let controls = run.iter().fold(false, |any, &c| any | (c < 0x20));
    if controls {
        return i + run.iter().position(|&c| c < 0x20).unwrap_or(end);
    }
    i + end
}

/// [`find_special`] one byte at a time (the last bytes of the text).
pub(super) fn find_special_tail(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i) {
        if is_special(c) {
            return i;
        }
        i += 1;
    }
    i
}
