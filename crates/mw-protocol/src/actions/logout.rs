//! `action=logout`: POST with a csrf token since MediaWiki 1.33.0 (and the
//! 1.32.2 security release, T25227). The answer is `[]` before 1.25, `{}`
//! from 1.25; from 1.45 an anonymous logout gets the warning `notloggedin`
//! instead.

use super::Module;
use crate::response::shared::Nothing;
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Token, Warning};

/// `action=logout` as a POST. With `None`, the tokenless form that wikis
/// before 1.33 (1.32.2) accepted (newer ones answer
/// `missingparam`/`notoken`).
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
    /// The session was not logged in (the `notloggedin` warning of 1.45+:
    /// "You must be logged in."; a [`Session`](crate::Session) says so on
    /// every version, from the anonymous token it sent).
    NotLoggedIn,
}

/// Reads a logout response: `{}` (or `[]` on old versions), possibly with the
/// `notloggedin` warning. `badtoken`, `mustpostparams`, `cannotlogout` and
/// the others arrive as [`Error::Api`].
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<LogoutOutcome, Error> {
    Logout::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
///
/// ```
/// use mw_protocol::actions::logout;
/// let res = http::Response::new(b"{}".to_vec());
/// assert_eq!(logout::parse_response(&res)?.value, logout::LogoutOutcome::LoggedOut);
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<LogoutOutcome>, Error> {
    Logout::parse_response(response)
}

/// The parser of a logout's answer, which has no member of its own.
pub(crate) struct Logout;

impl Module for Logout {
    const KEY: &'static str = "logout";
    type Member = Nothing;
    type Output = LogoutOutcome;

    fn finish(_: Nothing, warnings: &[Warning]) -> Result<LogoutOutcome, Error> {
        let not_logged_in = warnings.iter().any(is_not_logged_in_warning);
        Ok(if not_logged_in {
            LogoutOutcome::NotLoggedIn
        } else {
            LogoutOutcome::LoggedOut
        })
    }
}

/// `true` for the `notloggedin` warning of an anonymous logout (MediaWiki
/// 1.45+): "You must be logged in." of module `logout`, in any format.
pub fn is_not_logged_in_warning(w: &Warning) -> bool {
    w.module == "logout"
        && (w.code.as_deref() == Some("notloggedin") || w.text == "You must be logged in.")
}
