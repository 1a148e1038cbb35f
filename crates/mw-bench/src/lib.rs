//! Benchmark support (not published): a fast loopback server answering with
//! the recorded MediaWiki 1.39 responses of `crates/mw-protocol/tests/fixtures`
//! (loaded and served with `mw_test_support`), and the measuring helpers of
//! the `mw-bench` binary.
//!
//! The server decides by substring of the query and body (`action=login`,
//! `meta=tokens` with `type=login`, …) and answers with the recorded status,
//! headers (`Set-Cookie` included) and body, `formatversion=2` variants to
//! requests that ask for them. It keeps no state, so it costs as little as a
//! hyper server can: it is the fast server the client overhead is measured
//! against, not a test double.

use std::net::SocketAddr;
use std::time::Duration;

use mw_test_support::fixture;
use mw_test_support::server::{self, Bytes, Connections, Response};
use tokio::net::TcpListener;

/// The user agent of every benchmark client.
pub const UA: &str = "mw-bench/0.0 (https://github.com/mw-auth/mw-auth; bench@example.org)";
/// The bot password user the server accepts (it accepts anything).
pub const BOT: &str = "TestBot@client";
/// Its password.
pub const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";

/// The recorded answers of the seed flow, in both format versions, as the
/// server sends them (`server::replay`: the recorded status, headers but
/// `Content-Length`, and body).
#[derive(Debug, Clone)]
pub struct SeedReplies {
    /// `[formatversion=1, formatversion=2]` of each.
    pub login_token: [Response; 2],
    /// `action=login` with a bot password: Success.
    pub login: [Response; 2],
    /// A logged-in csrf token.
    pub csrf: [Response; 2],
    /// `action=checktoken`: valid.
    pub checktoken: [Response; 2],
    /// `action=logout`: `{}`.
    pub logout: [Response; 2],
    /// Anything else: `{"batchcomplete":true}`.
    pub other: Response,
}

impl SeedReplies {
    /// Loads the MediaWiki 1.39 recordings.
    pub fn load() -> Result<SeedReplies, String> {
        let recorded = |rel: String| -> Result<Response, String> {
            Ok(server::replay(&fixture::read(rel)?.response))
        };
        let pair = |stem: &str| -> Result<[Response; 2], String> {
            Ok([
                recorded(format!("{stem}-fv1.http"))?,
                recorded(format!("{stem}-fv2.http"))?,
            ])
        };
        Ok(SeedReplies {
            login_token: pair("tokens/mw139-anon-login")?,
            login: pair("login/mw139-botpw-success")?,
            csrf: pair("tokens/mw139-bot-csrf-post")?,
            checktoken: pair("checktoken/mw139-valid")?,
            logout: pair("logout/mw139-botpw-success")?,
            other: http::Response::builder()
                .header("content-type", "application/json; charset=utf-8")
                .body(Bytes::from_static(br#"{"batchcomplete":true}"#))
                .map_err(|e| e.to_string())?,
        })
    }

    /// The answer to a request with this query string and body.
    pub fn route(&self, query: &[u8], body: &[u8]) -> &Response {
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

/// Serves the seed replies on `listener` until the runtime stops
/// (HTTP/1.1; keep-alive unless `close`, which answers each request with
/// `Connection: close`).
pub async fn serve(listener: TcpListener, replies: SeedReplies, close: bool) {
    let connections = if close {
        Connections::CloseAfterAnswer
    } else {
        Connections::KeepAlive
    };
    server::serve(listener, connections, move |request: server::Request| {
        let query = request.uri().query().unwrap_or_default().as_bytes();
        std::future::ready(replies.route(query, request.body()).clone())
    })
    .await;
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
        let q = |s: &str| r.route(s.as_bytes(), b"").body().clone();
        assert!(
            String::from_utf8_lossy(&q("action=query&meta=tokens&type=login&format=json"))
                .contains("logintoken")
        );
        assert!(
            String::from_utf8_lossy(&q("action=query&meta=tokens&format=json"))
                .contains("csrftoken")
        );
        let login = r.route(b"", b"action=login&lgname=x&format=json&formatversion=2");
        assert!(String::from_utf8_lossy(login.body()).contains("Success"));
        assert_eq!(&r.route(b"", b"action=logout&token=x").body()[..], b"{}");
        assert!(
            String::from_utf8_lossy(r.route(b"", b"action=checktoken").body()).contains("valid")
        );
    }
}
