//! `action=clientlogin` (AuthManager, MediaWiki 1.27+): main-account
//! login, with continuation for two-factor and redirect flows.

use serde_json::Value;

use crate::response::Envelope;
use crate::{ActionRequest, Error, Password, Token};

use super::{message_text, object_at, str_field};

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

/// The status of a client login step.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientLoginStatus {
    /// Logged in as `username`.
    Pass {
        /// The user name.
        username: String,
    },
    /// Failed; start again.
    Fail,
    /// More input is needed (`requests` says which fields); continue.
    Ui,
    /// Send the user to `redirect_target`, then continue.
    Redirect {
        /// Where to send the user.
        redirect_target: String,
        /// Data the continuation needs.
        redirect_data: Option<String>,
    },
    /// The authentication worked but no local account is linked; start an
    /// account creation or link.
    Restart,
}

/// A parsed `clientlogin` response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientLoginResponse {
    /// The status.
    pub status: ClientLoginStatus,
    /// The message (FAIL, UI, RESTART).
    pub message: Option<String>,
    /// The message code.
    pub message_code: Option<String>,
    /// The authentication requests the next step needs (UI, REDIRECT,
    /// RESTART), as MediaWiki describes them.
    pub requests: Vec<Value>,
    /// Whether `loginpreservestate` can be used (fv1's `""`/absent and
    /// fv2's booleans both read right).
    pub can_preserve_state: bool,
}

/// Reads `clientlogin.status` and its fields.
pub fn parse(env: &Envelope) -> Result<ClientLoginResponse, Error> {
    let obj = object_at(env, &["clientlogin"])?;
    let text = |k: &str| obj.get(k).and_then(message_text);
    let status = match str_field(obj, "status")? {
        "PASS" => ClientLoginStatus::Pass {
            username: text("username").unwrap_or_default(),
        },
        "FAIL" => ClientLoginStatus::Fail,
        "UI" => ClientLoginStatus::Ui,
        "REDIRECT" => ClientLoginStatus::Redirect {
            redirect_target: str_field(obj, "redirecttarget")?.to_owned(),
            redirect_data: text("redirectdata"),
        },
        "RESTART" => ClientLoginStatus::Restart,
        other => {
            return Err(Error::Decode(format!(
                "unknown clientlogin status {other:?}"
            )));
        }
    };
    let can_preserve_state = match obj.get("canpreservestate") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(_)) => true,
        _ => false,
    };
    Ok(ClientLoginResponse {
        status,
        message: text("message"),
        message_code: text("messagecode"),
        requests: obj
            .get("requests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        can_preserve_state,
    })
}
