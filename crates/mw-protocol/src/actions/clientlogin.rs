//! `action=clientlogin` (AuthManager, MediaWiki 1.27+): main-account
//! login, with continuation for two-factor and redirect flows.

use crate::response::Envelope;
use crate::{ActionRequest, Error, Password, Token};

use super::auth_step::{self, AuthStep};

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
    ActionRequest::post("clientlogin")
        .param("loginreturnurl", return_url)
        .param("username", username)
        .password("password", password.clone())
        .token("logintoken", token.clone())
}

/// Continues a client login (`logincontinue=1`) with the fields the `UI`
/// or `REDIRECT` step asked for (for example `OATHToken`). Field values are
/// treated as secrets: sent in the body, never shown by `Debug`.
pub fn continue_request(fields: &[(String, String)], token: &Token) -> ActionRequest {
    let mut req = ActionRequest::post("clientlogin").param("logincontinue", "1");
    for (name, value) in fields {
        req = req.password(name.as_str(), Password::new(value.as_str()));
    }
    req.token("logintoken", token.clone())
}

/// Reads `clientlogin.status` and its fields (the shared
/// [`AuthStep`] of AuthManager).
pub fn parse(env: &Envelope) -> Result<AuthStep, Error> {
    auth_step::parse_step(env, "clientlogin")
}
