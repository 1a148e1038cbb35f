//! The user-agent rule, shared by every layer (Rust, the CLI, Python).

use crate::Error;

/// Generic user agents of HTTP libraries and tools: they say nothing about
/// who runs the client.
const GENERIC_AGENTS: &[&str] = &[
    "curl",
    "wget",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "java",
    "okhttp",
    "reqwest",
    "hyper",
    "libwww-perl",
    "node-fetch",
    "axios",
];

/// An example of a good user agent, for messages.
const EXAMPLE: &str = "\"MyBot/1.0 (https://example.org/mybot; mybot@example.org)\"";

/// Checks a `User-Agent` against the rule every layer applies: Wikimedia's
/// policy asks every client for a descriptive agent that names the client
/// and a way to contact its operator, and blocks generic ones. Required:
/// not empty (after trimming), a valid header value, not a bare HTTP
/// library's or a browser's agent. Fails with [`Error::InvalidInput`].
///
/// ```
/// use mw_protocol::check_user_agent;
/// assert!(check_user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)").is_ok());
/// assert!(check_user_agent("").is_err());
/// assert!(check_user_agent("python-requests/2.31.0").is_err());
/// ```
pub fn check_user_agent(ua: &str) -> Result<(), Error> {
    let ua = ua.trim();
    if ua.is_empty() {
        return Err(Error::InvalidInput(format!(
            "a descriptive user agent is required (Wikimedia's policy), such as {EXAMPLE}"
        )));
    }
    if http::HeaderValue::from_str(ua).is_err() {
        return Err(Error::InvalidInput(
            "the user agent is not a valid header value".into(),
        ));
    }
    let product = ua
        .split(['/', ' '])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let only_product = !ua.contains(' ');
    if (only_product && GENERIC_AGENTS.contains(&product.as_str())) || product == "mozilla" {
        return Err(Error::InvalidInput(format!(
            "the user agent {ua:?} is a generic one; name the client and a way to \
             contact its operator, such as {EXAMPLE}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents() {
        assert!(check_user_agent("MyBot/1.0 (https://example.org; me@example.org)").is_ok());
        assert!(check_user_agent("mw-transport-tests/0.1").is_ok());
        for bad in [
            "",
            "  ",
            "curl/8.5.0",
            "python-requests/2.31.0",
            "Mozilla/5.0 (X11; Linux x86_64)",
            "Go-http-client/1.1",
            "bad\nagent",
        ] {
            assert!(check_user_agent(bad).is_err(), "{bad:?}");
        }
    }
}
