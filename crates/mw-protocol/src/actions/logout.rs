//! `action=logout`: POST with a csrf token since MediaWiki 1.34.

use crate::response::Envelope;
use crate::{ActionRequest, Error, Token};

/// `action=logout` as a POST. With `None`, the tokenless form that wikis
/// before 1.34 accepted (newer ones answer `missingparam`/`notoken`).
///
/// ```
/// use mw_protocol::{actions::logout, Token};
/// let req = logout::request(Some(&Token::new("abc+\\")));
/// assert_eq!(req.method(), mw_protocol::request::Method::Post);
/// ```
pub fn request(token: Option<&Token>) -> ActionRequest {
    let req = ActionRequest::post("logout");
    match token {
        Some(t) => req.token("token", t.clone()),
        None => req,
    }
}

/// What a successful logout said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum LogoutOutcome {
    /// The session was logged out.
    LoggedOut,
    /// The session was not logged in (the `notloggedin` warning of newer
    /// versions: "You must be logged in.").
    NotLoggedIn,
}

/// Reads a logout response: `{}` (or `[]` on old versions), possibly with the
/// `notloggedin` warning. `badtoken`, `mustpostparams`, `cannotlogout` and
/// the others arrive as [`Error::Api`].
pub fn parse(env: &Envelope) -> Result<LogoutOutcome, Error> {
    let not_logged_in = env.warnings.iter().any(|w| {
        w.module == "logout"
            && (w.code.as_deref() == Some("notloggedin") || w.text == "You must be logged in.")
    });
    Ok(if not_logged_in {
        LogoutOutcome::NotLoggedIn
    } else {
        LogoutOutcome::LoggedOut
    })
}
