//! [`Foreign`]: a wiki of the same CentralAuth single sign-on, borrowed
//! from a [`Session`] to start calls on it.

use url::Url;

use super::{ActionCall, Op, Session, flows};
use crate::response::Envelope;

/// A foreign wiki of the same CentralAuth single sign-on as the session's,
/// made by [`Session::foreign`]. Each [`call`](Self::call) is authenticated
/// by a fresh, single-use `centralauthtoken` from the home wiki.
///
/// ```
/// use mw_protocol::{ActionCall, ActionRequest, Config, Session};
/// let mut s = Session::new("https://en.wikipedia.org/w/api.php", Config::new("demo/1.0"))?;
/// let commons = s.foreign("https://commons.wikimedia.org/w/api.php")?;
/// assert_eq!(commons.endpoint().host_str(), Some("commons.wikimedia.org"));
/// let op = commons.call(ActionCall::new(ActionRequest::get("query").param("meta", "userinfo")));
/// // Without a login there is no central session to vouch for the call:
/// // it fails at once, without a request.
/// assert!(s.poll_transmit().is_none());
/// assert!(s.take(op).expect("finished").result.is_err());
/// # Ok::<(), mw_protocol::Error>(())
/// ```
#[derive(Debug)]
pub struct Foreign<'s> {
    pub(super) session: &'s mut Session,
    pub(super) endpoint: Url,
}

impl Foreign<'_> {
    /// The foreign wiki's `api.php` URL.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Calls a module on the foreign wiki. With a token type, the token is
    /// fetched on the foreign wiki first (with its own `centralauthtoken`);
    /// a `badtoken` from the foreign wiki restarts the flow once.
    pub fn call(self, call: ActionCall) -> Op<Envelope> {
        self.session
            .command(Box::new(flows::Foreign::new(self.endpoint, call)))
    }
}
