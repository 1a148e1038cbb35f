//! RFC 6238 codes (SHA-1, 6 digits, 30-second windows: what OATHAuth
//! checks) for the two-factor test wiki.
//!
//! OATHAuth accepts a code only for a window later than the last one the
//! account used (`TOTPKey::verify` keeps that window in the object stash),
//! even from another test or process. So two tests that take windows `W`
//! and `W + 1` must also log in in that order: if `W + 1` reaches the wiki
//! first, `W` is refused. [`fresh_code`] hands every caller a window of its
//! own, recorded in the wiki's directory (`MW_WIKI_DIR/oath-window`), and
//! keeps the lock directory (`MW_WIKI_DIR/oath-window.lock`, the same
//! protocol as `tests/python/test_auth_live.py`) until the returned
//! [`Reserved`] is dropped, after the login; it waits for the next window
//! when the ones OATHAuth accepts ahead are used up.

use std::path::{Path, PathBuf};
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

/// How old a lock directory must be to count as left behind by a killed
/// process: longer than any login and wait for a window takes.
const STALE: Duration = Duration::from_secs(120);

/// A code no one used yet, for a window OATHAuth accepts now, and the
/// turn to use it: no other caller gets a code until this is dropped.
pub struct Reserved {
    /// The six digits.
    pub code: String,
    lock: PathBuf,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.lock);
    }
}

/// A code no one used yet, for a window OATHAuth accepts now; hold the
/// result until the login that uses it is answered.
pub fn fresh_code(secret: &str, wiki_dir: &Path) -> Reserved {
    let lock = wiki_dir.join("oath-window.lock");
    let state = wiki_dir.join("oath-window");
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) => {
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > STALE);
                if stale {
                    let _ = std::fs::remove_dir(&lock);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    // From here on the lock is ours, released by `Reserved`'s drop.
    let mut reserved = Reserved {
        code: String::new(),
        lock,
    };
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
    reserved.code = code_at(secret, window).expect("the env file's MW_OATH_SECRET is base32");
    reserved
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
    fn a_second_code_waits_until_the_first_is_used() {
        // OATHAuth refuses a window older than the last one used: the
        // caller holding window W must log in before anyone gets W + 1.
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let first = fresh_code(secret, dir.path());
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_owned();
        let waiter = std::thread::spawn(move || {
            let second = fresh_code(secret, &path);
            tx.send(second.code.clone()).expect("send");
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "a second code was handed out while the first was unused"
        );
        let window: u64 = std::fs::read_to_string(dir.path().join("oath-window"))
            .expect("state")
            .parse()
            .expect("a window");
        assert_eq!(
            code_at(secret, window).as_deref(),
            Some(first.code.as_str())
        );
        drop(first);
        let second = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the second code");
        waiter.join().expect("join");
        assert_eq!(code_at(secret, window + 1), Some(second));
        assert!(!dir.path().join("oath-window.lock").exists());
    }

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
