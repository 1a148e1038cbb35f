//! What crosses the sans-IO boundary: request ids and [`Transmit`]s out,
//! [`Event`]s and [`Wait`]s for the driver.

use std::time::Duration;

use url::Url;

use crate::Error;

/// Identifies an operation started by a command (the untyped part of its
/// [`Op`](super::Op) handle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpId(pub(crate) u64);

/// Identifies one HTTP request handed out by
/// [`Session::poll_transmit`](super::Session::poll_transmit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub(crate) u64);

/// An HTTP request to send.
///
/// `Debug` shows the method, the URL (with a `centralauthtoken` redacted)
/// and the body's length, never the body: it holds tokens and passwords.
#[non_exhaustive]
pub struct Transmit {
    /// Pass this back with the response.
    pub id: RequestId,
    /// The endpoint's URL the request goes to, parsed, for a driver that
    /// needs a [`Url`]: `request.uri()` is it with the request's parameters
    /// added to its query (a GET's; a POST's are in its body). Scheme,
    /// host, port and path, what cookies and a bearer token are matched
    /// against, are the request's own; a redirect's `Location` is resolved
    /// against `request.uri()`.
    pub url: Url,
    /// The request. Tokens and passwords are only ever in its body (a
    /// `centralauthtoken` is in the URL, where CentralAuth requires it).
    pub request: http::Request<Vec<u8>>,
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let uri = self.request.uri().to_string();
        let uri = match uri.split_once('?') {
            Some((base, query)) => {
                let query: Vec<&str> = query
                    .split('&')
                    .map(|pair| {
                        if pair.starts_with("centralauthtoken=") {
                            "centralauthtoken=<redacted>"
                        } else {
                            pair
                        }
                    })
                    .collect();
                format!("{base}?{}", query.join("&"))
            }
            None => uri,
        };
        f.debug_struct("Transmit")
            .field("id", &self.id)
            .field("method", self.request.method())
            .field("uri", &uri)
            .field(
                "body",
                &format_args!("<{} bytes>", self.request.body().len()),
            )
            .finish()
    }
}

/// Something the driver must hand to whoever started an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An operation finished: its result is ready for
    /// [`Session::take`](super::Session::take) with the operation's
    /// [`Op`](super::Op) handle.
    Completed {
        /// The operation.
        op: OpId,
    },
}

/// An operation that waits before it retries, from
/// [`Session::poll_wait`](super::Session::poll_wait): why, and for how long, for a log line (the
/// driver learns when to wake up from [`Session::poll_timeout`](super::Session::poll_timeout)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Wait {
    /// The operation; it may be an internal token fetch shared by several.
    pub op: OpId,
    /// How long it waits.
    pub delay: Duration,
    /// The answer that made it wait (`maxlag`, `ratelimited`, 429, …).
    pub reason: Error,
}

/// Why a request got no answer, for
/// [`Session::handle_transport_failure`](super::Session::handle_transport_failure).
/// Messages may quote URLs or bodies: the session redacts secret
/// parameters from them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The driver gave up waiting (connect or response timeout): becomes
    /// [`Error::Timeout`].
    Timeout(String),
    /// The connection closed or was reset before an answer came: becomes
    /// [`Error::Disconnected`], and a repeatable request is sent once more.
    Disconnected(String),
    /// Anything else (refused, TLS, a body too large, …): becomes
    /// [`Error::Transport`].
    Other(String),
}

/// The waits kept for [`Session::poll_wait`](super::Session::poll_wait)
/// (older ones are dropped if the driver does not read them).
pub(crate) const MAX_PENDING_WAITS: usize = 16;
