//! Session files: the protocol's snapshot and the cookies, as JSON.
//!
//! ```text
//! {"format": "mw-transport-session", "version": 1,
//!  "session": <mw_protocol::SessionSnapshot>,
//!  "cookies": [<cookie_store::Cookie>, ...]}
//! ```
//!
//! Written atomically with mode 0600; read only when no other user can
//! read it, and only for the wiki it was saved for.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use mw_protocol::SessionSnapshot;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Error, Result, SessionFileProblem};

const FORMAT: &str = "mw-transport-session";
const VERSION: u64 = 1;
/// A session file is a few kilobytes; anything far larger is not one.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'a str,
    version: u64,
    session: &'a SessionSnapshot,
    cookies: &'a [cookie_store::Cookie<'static>],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u64,
    session: SessionSnapshot,
    cookies: Vec<cookie_store::Cookie<'static>>,
}

/// What a session file holds.
pub(crate) struct Saved {
    pub snapshot: SessionSnapshot,
    pub cookies: Vec<cookie_store::Cookie<'static>>,
}

pub(crate) fn encode(
    snapshot: &SessionSnapshot,
    cookies: &[cookie_store::Cookie<'static>],
) -> std::result::Result<Vec<u8>, String> {
    let file = FileOut {
        format: FORMAT,
        version: VERSION,
        session: snapshot,
        cookies,
    };
    let bytes =
        serde_json::to_vec_pretty(&file).map_err(|e| format!("cannot encode the session: {e}"))?;
    // Never write what `load` would refuse to read.
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "the session would be larger than {MAX_FILE_BYTES} bytes; not written"
        ));
    }
    Ok(bytes)
}

/// Reads and checks a session file for the wiki at `endpoint`.
pub(crate) fn load(path: &Path, endpoint: &Url) -> Result<Saved> {
    let fail = |problem| Error::session_file(path, problem);
    let file = File::open(path).map_err(|e| fail(SessionFileProblem::Unreadable(e)))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(SessionFileProblem::Unreadable(e)))?;
    if !meta.is_file() {
        return Err(fail(SessionFileProblem::Unreadable(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ))));
    }
    check_permissions(&meta).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(SessionFileProblem::Unreadable(e)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(SessionFileProblem::Corrupt(format!(
            "larger than {MAX_FILE_BYTES} bytes"
        ))));
    }
    decode(&bytes, endpoint).map_err(fail)
}

fn decode(bytes: &[u8], endpoint: &Url) -> std::result::Result<Saved, SessionFileProblem> {
    // First the header, so that a newer version is reported as such and
    // not as corruption.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(json_problem)?;
    let Some(obj) = value.as_object() else {
        return Err(SessionFileProblem::Corrupt("not a JSON object".into()));
    };
    if obj.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
        return Err(SessionFileProblem::Corrupt(format!(
            "no \"format\": \"{FORMAT}\" marker"
        )));
    }
    match obj.get("version").and_then(serde_json::Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => return Err(SessionFileProblem::UnsupportedVersion(other)),
        None => return Err(SessionFileProblem::Corrupt("no version".into())),
    }
    let file: FileIn = serde_json::from_value(value).map_err(json_problem)?;
    let found = Url::parse(file.session.endpoint())
        .map_err(|_| SessionFileProblem::Corrupt("its endpoint is not a URL".into()))?;
    if &found != endpoint {
        return Err(SessionFileProblem::ForeignEndpoint {
            expected: shown(endpoint),
            found: shown(&found),
        });
    }
    Ok(Saved {
        snapshot: file.session,
        cookies: file.cookies,
    })
}

/// A URL without user info or query, for messages.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Describes a JSON error by kind and position only: serde messages can
/// quote the offending value, and the file holds secrets.
fn json_problem(e: serde_json::Error) -> SessionFileProblem {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "unreadable",
        Category::Syntax => "invalid JSON",
        Category::Data => "unexpected content",
        Category::Eof => "truncated JSON",
    };
    if e.line() == 0 {
        SessionFileProblem::Corrupt(what.into())
    } else {
        SessionFileProblem::Corrupt(format!("{what} at line {} column {}", e.line(), e.column()))
    }
}

#[cfg(unix)]
fn check_permissions(meta: &fs::Metadata) -> std::result::Result<(), SessionFileProblem> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SessionFileProblem::Permissions { mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_meta: &fs::Metadata) -> std::result::Result<(), SessionFileProblem> {
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file (mode 0600) in
/// the same directory, synced, renamed over `path`, and the directory
/// synced. On failure `path` is untouched and the temporary file removed.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (tmp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".{}.{}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        match create_private(&tmp) {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1_000_000 => continue,
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, path)
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir)
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mw_protocol::{Config, Session};

    fn endpoint() -> Url {
        Url::parse("https://w.example/w/api.php").expect("URL")
    }

    fn file() -> Vec<u8> {
        let session = Session::new(endpoint().as_str(), Config::new("t/1")).expect("session");
        encode(&session.snapshot(), &[]).expect("encode")
    }

    #[test]
    fn round_trip() {
        let saved = decode(&file(), &endpoint()).expect("decode");
        assert_eq!(saved.snapshot.endpoint(), "https://w.example/w/api.php");
    }

    #[test]
    fn truncated_garbage_foreign_and_future_files_are_refused() {
        let bytes = file();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 2] {
            assert!(matches!(
                decode(&bytes[..cut], &endpoint()),
                Err(SessionFileProblem::Corrupt(_))
            ));
        }
        assert!(matches!(
            decode(b"[1,2]", &endpoint()),
            Err(SessionFileProblem::Corrupt(_))
        ));
        let other = Url::parse("https://other.example/w/api.php").expect("URL");
        assert!(matches!(
            decode(&bytes, &other),
            Err(SessionFileProblem::ForeignEndpoint { .. })
        ));
        let text = String::from_utf8(bytes).expect("utf-8");
        let future = text.replace("\"version\": 1", "\"version\": 7");
        assert!(matches!(
            decode(future.as_bytes(), &endpoint()),
            Err(SessionFileProblem::UnsupportedVersion(7))
        ));
        let extra = text.replacen('{', "{\"surprise\": 1,", 1);
        assert!(matches!(
            decode(extra.as_bytes(), &endpoint()),
            Err(SessionFileProblem::Corrupt(_))
        ));
    }

    #[test]
    fn corrupt_messages_do_not_quote_the_file() {
        let bytes = br#"{"format":"mw-transport-session","version":1,"session":"sekrit-cookie-value","cookies":[]}"#;
        match decode(bytes, &endpoint()) {
            Err(SessionFileProblem::Corrupt(m)) => assert!(!m.contains("sekrit"), "{m}"),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("accepted"),
        }
    }
}
