//! RFC 6238 codes (SHA-1, 6 digits, 30-second windows: what OATHAuth
//! checks) for the two-factor test wiki.
//!
//! OATHAuth accepts a code once per window: a login with the code of a
//! window the account already used is refused, even from another test or
//! process. [`fresh_code`] hands every caller a window of its own, recorded
//! in the wiki's directory (`MW_WIKI_DIR/oath-window`, under a lock
//! directory, the same protocol as `tests/python/conftest.py`), waiting for
//! the next window when the four OATHAuth accepts ahead are used up.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The window length (OATHAuth's TOTP period).
pub const PERIOD: u64 = 30;

/// The windows OATHAuth accepts on each side of the current one
/// (`$wgOATHAuthWindowRadius`).
pub const RADIUS: u64 = 4;

/// The code of the 30-second window `counter` for a base32 `secret`, or
/// `None` for a secret that is not base32.
pub fn code_at(secret: &str, counter: u64) -> Option<String> {
    let key = base32_decode(secret)?;
    Some(totp_lite::totp_custom::<totp_lite::Sha1>(
        PERIOD,
        6,
        &key,
        counter * PERIOD,
    ))
}

/// The current window.
pub fn now_counter() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / PERIOD)
        .unwrap_or(0)
}

/// A code no one used yet, for a window OATHAuth accepts now.
pub fn fresh_code(secret: &str, wiki_dir: &Path) -> String {
    let lock = wiki_dir.join("oath-window.lock");
    let state = wiki_dir.join("oath-window");
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) => {
                // A lock left behind by a killed process: older than 30 s.
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(30));
                if stale {
                    let _ = std::fs::remove_dir(&lock);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let last: u64 = std::fs::read_to_string(&state)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let mut window = (last + 1).max(now_counter());
    while window > now_counter() + RADIUS - 1 {
        std::thread::sleep(Duration::from_millis(500));
        window = (last + 1).max(now_counter());
    }
    let _ = std::fs::write(&state, window.to_string());
    let _ = std::fs::remove_dir(&lock);
    code_at(secret, window).expect("the env file's MW_OATH_SECRET is base32")
}

/// A code that was right long enough ago for OATHAuth to refuse it: the
/// window `RADIUS + 2` before now.
pub fn expired_code(secret: &str) -> String {
    code_at(secret, now_counter() - RADIUS - 2).expect("the env file's MW_OATH_SECRET is base32")
}

/// RFC 4648 base32 (upper case, no padding needed).
fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(v);
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B: the key "12345678901234567890", 8 digits
        // there; the last 6 digits here.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(code_at(secret, 59 / 30).as_deref(), Some("287082"));
        assert_eq!(code_at(secret, 1111111109 / 30).as_deref(), Some("081804"));
        assert_eq!(code_at("not base32!", 1), None);
    }
}
