//! Printing results and warnings: every string that came from the server
//! is escaped before it reaches the terminal.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use mw_transport::{Token, Warning};
use serde_json::json;

/// `true` for the characters a terminal acts on instead of showing: C0
/// controls, DEL, C1 controls (an 8-bit CSI is U+009B), the bidi overrides,
/// embeddings and isolates (U+202A–U+202E, U+2066–U+2069) and the bidi
/// marks (U+061C, U+200E, U+200F), and the line and paragraph separators
/// (U+2028, U+2029).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Server text made safe for a terminal, on one line: `\n`, `\r`, `\t`,
/// `\e` (ESC), `\xNN` for the other C0 controls and DEL, `\u{NNNN}` for C1
/// and the bidi and separator characters. Everything else (a backslash
/// too) is kept as it is.
pub fn escape(s: &str) -> String {
    if !s.chars().any(is_unsafe) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x1b' => out.push_str("\\e"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JSON text with the characters JSON leaves raw but a terminal acts on
/// (DEL, C1, bidi, separators) written as `\uXXXX` escapes. serde_json
/// already escapes C0; outside strings JSON is plain ASCII, so this stays
/// exact JSON that reads back to the same value.
pub fn json_safe(json: &str) -> String {
    // A raw C0 control here is the pretty form's newline: serde_json
    // escapes those in strings.
    let raw = |c: char| is_unsafe(c) && c >= ' ';
    if !json.chars().any(raw) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw(c) {
            // All of them are in the BMP: one \u escape each.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes a JSON body straight from its bytes, indented or on one line,
/// terminal-safe as [`json_safe`] makes it: the body is transcoded, never
/// built as a tree, so a large answer costs no more than its bytes (keys
/// stay in the server's order).
pub fn write_json(raw: &[u8], pretty: bool, out: impl std::io::Write) -> std::io::Result<()> {
    let mut safe = SafeJson(out);
    let mut input = serde_json::Deserializer::from_slice(raw);
    let result = if pretty {
        serde_transcode::transcode(&mut input, &mut serde_json::Serializer::pretty(&mut safe))
    } else {
        serde_transcode::transcode(&mut input, &mut serde_json::Serializer::new(&mut safe))
    };
    result.map_err(std::io::Error::other)?;
    safe.0.write_all(b"\n")?;
    safe.0.flush()
}

/// A writer of serde_json's output that escapes what [`json_safe`] does.
/// serde_json writes each string in whole UTF-8 fragments, so a character
/// is never split across two writes.
struct SafeJson<W>(W);

impl<W: std::io::Write> std::io::Write for SafeJson<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match std::str::from_utf8(buf) {
            Ok(text) if text.chars().any(|c| is_unsafe(c) && c >= ' ') => {
                self.0.write_all(json_safe(text).as_bytes())
            }
            _ => self.0.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A JSON value on one line, terminal-safe.
pub fn json_line(value: &serde_json::Value) -> String {
    json_safe(&value.to_string())
}

/// Whether stderr gets colour: only on a terminal, and not with `NO_COLOR`
/// set to anything but the empty string (<https://no-color.org>).
pub fn colour() -> bool {
    static COLOUR: OnceLock<bool> = OnceLock::new();
    *COLOUR.get_or_init(|| {
        colour_for(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    })
}

fn colour_for(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// A stderr line's kind (`warning`, `deprecation`, `error`), in bold
/// yellow or red when [`colour`] says so.
pub fn label(kind: &str) -> String {
    if !colour() {
        return kind.to_owned();
    }
    let code = if kind == "error" { "1;31" } else { "1;33" };
    format!("\x1b[{code}m{kind}\x1b[0m")
}

static JSON: AtomicBool = AtomicBool::new(false);

/// `--json`: stderr lines are JSON objects too.
pub fn set_json(on: bool) {
    JSON.store(on, Ordering::Relaxed);
}

/// Whether `--json` was given.
pub fn json_mode() -> bool {
    JSON.load(Ordering::Relaxed)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The lines printed so far, so that each warning is printed once.
static PRINTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
/// The API warnings the client logged that no result has delivered yet:
/// those of a failed operation, printed before its error.
static PENDING: Mutex<Vec<Warning>> = Mutex::new(Vec::new());

/// A warning's line: `mw: warning: module (code): text`, escaped, or its
/// JSON object with `--json`.
pub fn warning_line(w: &Warning) -> String {
    if json_mode() {
        return json_line(&json!({"warning": {
            "module": w.module, "code": w.code, "text": w.text,
            "deprecation": w.is_deprecation(),
        }}));
    }
    let kind = if w.is_deprecation() {
        "deprecation"
    } else {
        "warning"
    };
    format!("mw: {}: {}", label(kind), escape(&w.to_string()))
}

fn print_warning(w: &Warning) {
    let line = warning_line(w);
    if lock(&PRINTED).get_or_insert_default().insert(line.clone()) {
        eprintln!("{line}");
    }
}

/// Prints an operation's warnings to stderr, one per line, each once.
pub fn warnings(warnings: &[Warning]) {
    for w in warnings {
        print_warning(w);
    }
    // The client logged these (and no others) as the operation ended.
    lock(&PENDING).clear();
}

/// Keeps a warning the client logged until its operation's result comes.
pub fn pending(w: Warning) {
    lock(&PENDING).push(w);
}

/// Prints the warnings of an operation that failed (and so delivered none).
pub fn flush_pending() {
    let pending = std::mem::take(&mut *lock(&PENDING));
    for w in &pending {
        print_warning(w);
    }
}

/// A token's shape, never its value: `32 hex + 8 hex time + "+\"`.
pub fn token_shape(token: &Token) -> String {
    if token.is_anonymous() {
        return "the anonymous token \"+\\\"".into();
    }
    let len = token.secret().len();
    match token.timestamp() {
        Some(ts) => {
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(ts);
            format!("{len} characters, issued {}", httpdate::fmt_http_date(when))
        }
        None => format!("{len} characters"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_visibly() {
        assert_eq!(
            escape("a\nb\r\t\x1b[2J\x1b]52;c;eA==\x07\x00\x7f\u{9b}\u{202e}\u{2066}\u{2028}z\\n"),
            r"a\nb\r\t\e[2J\e]52;c;eA==\x07\x00\x7f\u{9b}\u{202e}\u{2066}\u{2028}z\n"
        );
        assert_eq!(escape("Grüße, 東京 +\\"), "Grüße, 東京 +\\");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(colour_for(true, None));
        assert!(colour_for(true, Some(OsStr::new(""))));
        assert!(!colour_for(true, Some(OsStr::new("1"))));
        assert!(!colour_for(false, None));
    }

    #[test]
    fn json_stays_exact() {
        let v = serde_json::json!({"s": "a\n\x1b\x7f\u{85}\u{9b}\u{202e}\u{2069}b"});
        let line = json_line(&v);
        assert!(!line.chars().any(is_unsafe), "{line}");
        assert!(line.contains(r"\u007f\u0085\u009b\u202e\u2069"), "{line}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&line).ok(),
            Some(v.clone())
        );
        let raw = v.to_string();
        for pretty in [true, false] {
            let mut out = Vec::new();
            write_json(raw.as_bytes(), pretty, &mut out).expect("written");
            let text = String::from_utf8(out).expect("UTF-8");
            assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&text).ok(),
                Some(v.clone())
            );
        }
    }
}
