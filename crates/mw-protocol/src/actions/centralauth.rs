//! CentralAuth's `action=centralauthtoken` and the foreign-wiki request that
//! carries it.

use std::time::Duration;

use serde::Deserialize;

use crate::response::wire::{Object, Scalar};
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Token, Warning};

use super::{Module, required};

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
/// `badsession`, `notattached`, `hascallback`) arrive as [`Error::Api`]; a
/// [`Session`](crate::Session) turns `badsession` (a session that is not
/// CentralAuth's: bot password, OAuth) into [`Error::CentralAuthSession`].
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<Token, Error> {
    CentralAuthToken::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<Token>, Error> {
    CentralAuthToken::parse_response(response)
}

/// The parser of `centralauthtoken`.
pub(crate) struct CentralAuthToken;

impl Module for CentralAuthToken {
    const KEY: &'static str = "centralauthtoken";
    type Member = Object<Fields>;
    type Output = Token;

    fn finish(obj: Object<Fields>, _: &[Warning]) -> Result<Token, Error> {
        let obj = required(obj, "centralauthtoken")?;
        let value = obj.centralauthtoken.required_str("centralauthtoken")?;
        if value.is_empty() {
            return Err(Error::Decode("empty centralauthtoken".into()));
        }
        Ok(Token::new(value))
    }
}

/// `action=tokens&type=centralauth` on the home wiki: how farms on
/// MediaWiki 1.21–1.23 handed out the token, before
/// `action=centralauthtoken` existed (CentralAuth's `ApiTokensGetTokenTypes`
/// hook).
///
/// ```
/// use mw_protocol::actions::centralauth;
/// let req = centralauth::legacy_request();
/// assert_eq!(req.action(), "tokens");
/// assert_eq!(req.param_value("type"), Some("centralauth"));
/// ```
pub fn legacy_request() -> ActionRequest {
    ActionRequest::get("tokens").param("type", "centralauth")
}

/// Reads `tokens.centralauthtoken` of an `action=tokens&type=centralauth`
/// answer; `None` when the wiki has no such type (no CentralAuth: the
/// value is dropped with an "Unrecognized value" warning).
pub fn parse_legacy(env: &Envelope<impl AsRef<str>>) -> Result<Option<Token>, Error> {
    LegacyCentralAuthToken::parse(env)
}

/// The parser of `action=tokens&type=centralauth`.
pub(crate) struct LegacyCentralAuthToken;

impl Module for LegacyCentralAuthToken {
    const KEY: &'static str = "tokens";
    type Member = Object<Box<Fields>>;
    type Output = Option<Token>;

    fn finish(tokens: Object<Box<Fields>>, _: &[Warning]) -> Result<Option<Token>, Error> {
        match tokens.0.map(|t| t.centralauthtoken) {
            None | Some(Scalar::Missing) => Ok(None),
            Some(Scalar::Str(s)) if !s.is_empty() => Ok(Some(Token::new(s))),
            Some(_) => Err(Error::Decode(
                "tokens.centralauthtoken is not a token".into(),
            )),
        }
    }
}

/// The one member of `centralauthtoken` (and of an old farm's `tokens`).
#[derive(Deserialize, Default)]
pub(crate) struct Fields {
    #[serde(default)]
    centralauthtoken: Scalar,
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

crate::response::scan_read::struct_from_scan!(Fields { "centralauthtoken" => centralauthtoken });
