//! `action=clientlogin` (AuthManager, MediaWiki 1.27+): main-account
//! login, with continuation for two-factor and redirect flows, and the
//! `meta=authmanagerinfo&amirequestsfor=login` query that lists a login
//! captcha (ConfirmEdit, after failed logins).

use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Password, Token};

use super::Module;
use super::auth_post;
use super::auth_step::{AuthRequest, AuthStep, ClientLoginStep};
use super::createaccount::{self, AuthInfo};

/// The message code of a `FAIL` for a wrong password, which ConfirmEdit
/// also gives for a missing or wrong login captcha ("Make brute force
/// attacks harder by not telling whether the password or the captcha
/// failed").
pub const WRONG_PASSWORD: &str = "wrongpassword";

/// Starts a client login with a user name and password. `return_url` must be
/// absolute (MediaWiki answers `badurl_loginreturnurl` otherwise).
///
/// ```
/// use mw_protocol::{actions::clientlogin, Password, Token};
/// let req = clientlogin::start_request("Alice", &Password::new("pw"), "http://127.0.0.1/", &Token::new("t+\\"));
/// assert_eq!(req.param_value("loginreturnurl"), Some("http://127.0.0.1/"));
/// ```
pub fn start_request(
    username: &str,
    password: &Password,
    return_url: &str,
    token: &Token,
) -> ActionRequest {
    start_request_with(username, password, return_url, &[], token)
}

/// Starts a client login with more fields than the name and password (a
/// login captcha's `captchaId` and `captchaWord`). Field values are
/// secrets: in the body, never shown by `Debug`.
///
/// ```
/// use mw_protocol::{actions::clientlogin, Password, Token};
/// let fields = [("captchaId".to_owned(), "42".to_owned()), ("captchaWord".to_owned(), "TestWiki".to_owned())];
/// let req = clientlogin::start_request_with("Alice", &Password::new("pw"), "http://127.0.0.1/",
///     &fields, &Token::new("t+\\"));
/// assert_eq!(req.param_value("logincontinue"), None);
/// assert!(!format!("{req:?}").contains("TestWiki"));
/// ```
pub fn start_request_with(
    username: &str,
    password: &Password,
    return_url: &str,
    fields: &[(String, String)],
    token: &Token,
) -> ActionRequest {
    auth_post::Start::LOGIN.request(username, password, return_url, fields, token)
}

/// Asks which requests a login is made of:
/// `action=query&meta=authmanagerinfo&amirequestsfor=login` (GET). After
/// failed logins, ConfirmEdit lists its captcha here, and only here.
///
/// ```
/// use mw_protocol::actions::clientlogin;
/// assert_eq!(clientlogin::info_request().param_value("amirequestsfor"), Some("login"));
/// ```
pub fn info_request() -> ActionRequest {
    ActionRequest::get("query")
        .param("meta", "authmanagerinfo")
        .param("amirequestsfor", "login")
}

/// Reads the `requests` of `query.authmanagerinfo` (for a login).
pub fn parse_info(env: &Envelope<impl AsRef<str>>) -> Result<Vec<AuthRequest>, Error> {
    createaccount::parse_info(env).map(|info| info.requests)
}

/// [`parse_info`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
pub fn parse_info_response(
    response: &http::Response<Vec<u8>>,
) -> Result<Reply<Vec<AuthRequest>>, Error> {
    Ok(AuthInfo::parse_response(response)?.map(|info| info.requests))
}

/// Continues a client login (`logincontinue=1`) with the fields the `UI`
/// or `REDIRECT` step asked for (for example `OATHToken`). Field values are
/// treated as secrets: sent in the body, never shown by `Debug`.
pub fn continue_request(fields: &[(String, String)], token: &Token) -> ActionRequest {
    auth_post::continue_request("clientlogin", "logincontinue", "logintoken", fields, token)
}

/// Reads `clientlogin.status` and its fields (the shared
/// [`AuthStep`] of AuthManager).
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<AuthStep, Error> {
    ClientLoginStep::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
///
/// ```
/// use mw_protocol::actions::{auth_step::AuthStatus, clientlogin};
/// let res = http::Response::new(br#"{"clientlogin":{"status":"PASS","username":"Alice"}}"#.to_vec());
/// let step = clientlogin::parse_response(&res)?.value;
/// assert_eq!(step.status, AuthStatus::Pass { username: "Alice".into() });
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<AuthStep>, Error> {
    ClientLoginStep::parse_response(response)
}
