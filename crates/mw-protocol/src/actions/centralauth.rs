//! CentralAuth's `action=centralauthtoken` and the foreign-wiki request that
//! carries it.

use std::time::Duration;

use crate::response::Envelope;
use crate::{ActionRequest, Error, Token};

use super::{object_at, str_field};

/// How long a `centralauthtoken` lives on the server:
/// `CentralAuthTokenManager::EXPIRY` is one minute (the "10 seconds" of the
/// old help text was wrong). It is also single-use: get a fresh one for
/// every foreign request.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// `action=centralauthtoken` on the home wiki (no parameters).
pub fn request() -> ActionRequest {
    ActionRequest::get("centralauthtoken")
}

/// Reads `centralauthtoken.centralauthtoken` (a hex string, or a JWT on
/// wikis with `$wgUseSessionCookieJwt`). Errors (`notloggedin`,
/// `badsession`, `notattached`, `hascallback`) arrive as [`Error::Api`].
pub fn parse(env: &Envelope) -> Result<Token, Error> {
    let obj = object_at(env, &["centralauthtoken"])?;
    let value = str_field(obj, "centralauthtoken")?;
    if value.is_empty() {
        return Err(Error::Decode("empty centralauthtoken".into()));
    }
    Ok(Token::new(value))
}

/// Makes `call` a request for the foreign wiki, authenticated by `token`
/// in its URL (the one token that must be there).
///
/// ```
/// use mw_protocol::{actions::centralauth, ActionRequest, Token};
/// let call = centralauth::foreign_request(ActionRequest::get("query").param("meta", "userinfo"), &Token::new("138aa2df"));
/// let http = call.to_http(&"https://meta.example/w/api.php".parse().unwrap(), "demo/1.0")?;
/// assert!(http.uri().to_string().ends_with("&centralauthtoken=138aa2df"));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn foreign_request(call: ActionRequest, token: &Token) -> ActionRequest {
    call.centralauthtoken(token)
}
