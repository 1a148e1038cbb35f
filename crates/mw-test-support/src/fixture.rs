//! The recorded-response fixtures: one `.http` file per response, in
//! folders by group (`tokens/`, `login/`, `envelope/`, …) under [`dir`].
//!
//! The format: leading `#` comment lines (where the response comes from),
//! a status line (`HTTP/1.1 200 OK`), header lines, a blank line, then the
//! body, kept byte for byte (it may be empty, binary or not UTF-8). Lines
//! may end in `\n` or `\r\n`.
//!
//! [`parse`] reads the format from bytes; [`read`] and [`load`] read a file
//! (a relative path is taken from [`dir`]); [`all_in`] loads every fixture
//! below a folder.

use std::path::{Path, PathBuf};

/// One `.http` fixture: its `# ` comment lines and the recorded response.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The comment lines, without their `# `, joined with `\n`.
    pub comment: String,
    /// The response, with the body exactly as in the file.
    pub response: http::Response<Vec<u8>>,
}

/// The folder of the recorded MediaWiki responses,
/// `crates/mw-protocol/tests/fixtures`, one subfolder per group.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .with_file_name("mw-protocol")
        .join("tests/fixtures")
}

/// Reads a fixture file; a relative `path` is taken from [`dir`]
/// (`"tokens/mw139-anon-login-fv2.http"`). The error names the file.
pub fn read(path: impl AsRef<Path>) -> Result<Fixture, String> {
    let path = dir().join(path);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&bytes).map_err(|e| format!("bad fixture {}: {e}", path.display()))
}

/// Like [`read`], but panics with the file's name on any error: for tests,
/// whose fixtures are part of the source.
pub fn load(path: impl AsRef<Path>) -> Fixture {
    read(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Every fixture (`*.http`) in `folder` and the folders below it, sorted
/// by path; a relative `folder` is taken from [`dir`]. Panics on a fixture
/// that does not load; a folder that cannot be listed counts as empty.
pub fn all_in(folder: impl AsRef<Path>) -> Vec<(PathBuf, Fixture)> {
    let mut paths = Vec::new();
    let mut folders = vec![dir().join(folder)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "http") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let fixture = load(&path);
            (path, fixture)
        })
        .collect()
}

/// Splits off one line (without its `\n` or `\r\n`); `None` at the end of
/// the input or when no newline is left.
fn split_line(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let nl = input.iter().position(|&b| b == b'\n')?;
    let line = &input[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, &input[nl + 1..]))
}

/// Parses the fixture format (see the [module](self) documentation).
pub fn parse(bytes: &[u8]) -> Result<Fixture, String> {
    let mut rest = bytes;
    let mut comments = Vec::new();
    loop {
        let (line, after) = split_line(rest).ok_or("no status line")?;
        if let Some(text) = line.strip_prefix(b"#") {
            let text = text.strip_prefix(b" ").unwrap_or(text);
            comments.push(String::from_utf8_lossy(text).into_owned());
            rest = after;
        } else {
            break;
        }
    }

    let (status_line, after) = split_line(rest).ok_or("no status line")?;
    rest = after;
    let status_line = std::str::from_utf8(status_line).map_err(|_| "status line is not UTF-8")?;
    let mut parts = status_line.splitn(3, ' ');
    let version = match parts.next() {
        Some("HTTP/1.0") => http::Version::HTTP_10,
        Some("HTTP/1.1") => http::Version::HTTP_11,
        Some("HTTP/2") | Some("HTTP/2.0") => http::Version::HTTP_2,
        other => return Err(format!("bad HTTP version {other:?}")),
    };
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;

    let mut builder = http::Response::builder().status(status).version(version);
    loop {
        let Some((line, after)) = split_line(rest) else {
            // Headers running to the end of the file: no body.
            if !rest.is_empty() {
                return Err("headers not terminated by a blank line".into());
            }
            break;
        };
        rest = after;
        if line.is_empty() {
            break;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| format!("bad header line {:?}", String::from_utf8_lossy(line)))?;
        let name = http::HeaderName::from_bytes(&line[..colon])
            .map_err(|e| format!("bad header name: {e}"))?;
        let value = line[colon + 1..].trim_ascii();
        let value =
            http::HeaderValue::from_bytes(value).map_err(|e| format!("bad header value: {e}"))?;
        builder = builder.header(name, value);
    }
    let response = builder
        .body(rest.to_vec())
        .map_err(|e| format!("cannot build response: {e}"))?;
    Ok(Fixture {
        comment: comments.join("\n"),
        response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_loader_keeps_the_body_byte_for_byte() {
        let raw = b"# first line\n#second\n# \nHTTP/1.1 429 Too Many Requests\r\nretry-after: 5\ncontent-type: text/plain\nx-multi: a\nx-multi: b\n\n\xff\xfe body\nwith\r\nlines\n";
        let f = parse(raw).expect("parses");
        assert_eq!(f.comment, "first line\nsecond\n");
        assert_eq!(f.response.status(), 429);
        assert_eq!(f.response.headers()["retry-after"], "5");
        assert_eq!(f.response.headers().get_all("x-multi").iter().count(), 2);
        assert_eq!(f.response.body(), b"\xff\xfe body\nwith\r\nlines\n");

        let f = parse(b"HTTP/1.1 200 OK\n\n").expect("parses");
        assert!(f.response.body().is_empty());
        assert_eq!(f.comment, "");

        assert!(parse(b"# only a comment\n").is_err());
        assert!(parse(b"HTTP/1.1 abc\n\n{}").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\nno colon\n\n{}").is_err());
    }

    #[test]
    fn a_relative_path_is_taken_from_the_fixtures_folder() {
        let relative = load("tokens/mw139-anon-login-fv2.http");
        let absolute = load(dir().join("tokens/mw139-anon-login-fv2.http"));
        assert_eq!(relative.response.body(), absolute.response.body());
        assert!(read("tokens/no-such-fixture.http").is_err());
        let tokens = all_in("tokens");
        assert!(!tokens.is_empty());
        assert!(tokens.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        assert!(all_in("").len() > tokens.len());
    }
}
