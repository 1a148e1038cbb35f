//! Benchmark support (not published): a fast loopback server answering with
//! the recorded MediaWiki 1.39 responses of `crates/mw-protocol/tests/fixtures`,
//! and the measuring helpers of the `mw-bench` binary.
//!
//! The server decides by substring of the query and body (`action=login`,
//! `meta=tokens` with `type=login`, …) and answers with the recorded status,
//! headers (`Set-Cookie` included) and body, `formatversion=2` variants to
//! requests that ask for them. It keeps no state, so it costs as little as a
//! hyper server can: it is the fast server the client overhead is measured
//! against, not a test double.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The user agent of every benchmark client.
pub const UA: &str = "mw-bench/0.0 (https://github.com/mw-auth/mw-auth; bench@example.org)";
/// The bot password user the server accepts (it accepts anything).
pub const BOT: &str = "TestBot@client";
/// Its password.
pub const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";

/// A recorded response: status, headers and body.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP status.
    pub status: u16,
    /// Headers as recorded, `Content-Length` left out.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Recorded {
    /// As an `http::Response`, for driving a sans-IO session in memory.
    pub fn to_http(&self) -> http::Response<Vec<u8>> {
        let mut builder = http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(self.body.to_vec())
            .unwrap_or_else(|_| http::Response::new(self.body.to_vec()))
    }
}

/// The fixtures directory of mw-protocol.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mw-protocol/tests/fixtures")
}

/// Reads a fixture: `# comment` lines, a status line, headers, a blank
/// line, the body.
pub fn fixture(rel: &str) -> Result<Recorded, String> {
    let path = fixtures_dir().join(rel);
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("fixture {}: {e}", path.display()))?;
    let mut rest = text.as_str();
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    let (head, body) = rest
        .split_once("\n\n")
        .ok_or_else(|| format!("fixture {rel}: no blank line"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("fixture {rel}: bad status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(k, _)| k != "content-length")
        .collect();
    Ok(Recorded {
        status,
        headers,
        body: Bytes::from(body.to_owned()),
    })
}

/// The recorded answers of the seed flow, in both format versions.
#[derive(Debug, Clone)]
pub struct SeedReplies {
    /// `[formatversion=1, formatversion=2]` of each.
    pub login_token: [Recorded; 2],
    /// `action=login` with a bot password: Success.
    pub login: [Recorded; 2],
    /// A logged-in csrf token.
    pub csrf: [Recorded; 2],
    /// `action=checktoken`: valid.
    pub checktoken: [Recorded; 2],
    /// `action=logout`: `{}`.
    pub logout: [Recorded; 2],
    /// Anything else: `{"batchcomplete":true}`.
    pub other: Recorded,
}

impl SeedReplies {
    /// Loads the MediaWiki 1.39 recordings.
    pub fn load() -> Result<SeedReplies, String> {
        let pair = |stem: &str| -> Result<[Recorded; 2], String> {
            Ok([
                fixture(&format!("{stem}-fv1.http"))?,
                fixture(&format!("{stem}-fv2.http"))?,
            ])
        };
        Ok(SeedReplies {
            login_token: pair("tokens/mw139-anon-login")?,
            login: pair("login/mw139-botpw-success")?,
            csrf: pair("tokens/mw139-bot-csrf-post")?,
            checktoken: pair("checktoken/mw139-valid")?,
            logout: pair("logout/mw139-botpw-success")?,
            other: Recorded {
                status: 200,
                headers: vec![(
                    "content-type".into(),
                    "application/json; charset=utf-8".into(),
                )],
                body: Bytes::from_static(br#"{"batchcomplete":true}"#),
            },
        })
    }

    /// The answer to a request with this query string and body.
    pub fn route(&self, query: &[u8], body: &[u8]) -> &Recorded {
        let has = |needle: &[u8]| contains(query, needle) || contains(body, needle);
        let v = usize::from(has(b"formatversion=2"));
        if has(b"action=login") {
            &self.login[v]
        } else if has(b"action=checktoken") {
            &self.checktoken[v]
        } else if has(b"action=logout") {
            &self.logout[v]
        } else if has(b"meta=tokens") {
            if has(b"type=login") {
                &self.login_token[v]
            } else {
                &self.csrf[v]
            }
        } else {
            &self.other
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn response(rec: &Recorded) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(rec.status);
    for (name, value) in &rec.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(rec.body.clone()))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(rec.body.clone())))
}

/// Serves the seed replies on `listener` until the runtime stops
/// (HTTP/1.1; keep-alive unless `close`, which answers each request with
/// `Connection: close`).
pub async fn serve(listener: TcpListener, replies: Arc<SeedReplies>, close: bool) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        let replies = Arc::clone(&replies);
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                let replies = Arc::clone(&replies);
                async move {
                    let (parts, body) = req.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let query = parts.uri.query().unwrap_or_default().as_bytes();
                    Ok::<_, Infallible>(response(replies.route(query, &body)))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(!close)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Binds `127.0.0.1:port` (0: any free port).
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// The resident set size of this process, in bytes (`/proc/self/statm`).
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// User plus system CPU time of a process (`/proc/PID/stat`), or of this
/// one with `None`.
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which may contain spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// The median of some figures (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_the_seed_flow() {
        let r = SeedReplies::load().expect("fixtures");
        let q = |s: &str| r.route(s.as_bytes(), b"").body.clone();
        assert!(
            String::from_utf8_lossy(&q("action=query&meta=tokens&type=login&format=json"))
                .contains("logintoken")
        );
        assert!(
            String::from_utf8_lossy(&q("action=query&meta=tokens&format=json"))
                .contains("csrftoken")
        );
        let login = r.route(b"", b"action=login&lgname=x&format=json&formatversion=2");
        assert!(String::from_utf8_lossy(&login.body).contains("Success"));
        assert_eq!(&r.route(b"", b"action=logout&token=x").body[..], b"{}");
        assert!(
            String::from_utf8_lossy(&r.route(b"", b"action=checktoken").body).contains("valid")
        );
    }
}
