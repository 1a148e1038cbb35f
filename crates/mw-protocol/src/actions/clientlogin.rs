//! `action=clientlogin` (AuthManager, MediaWiki 1.27+): main-account
//! login, with continuation for two-factor and redirect flows.

use serde_json::Value;

use serde::Deserialize;

use crate::response::Envelope;
use crate::response::wire::{Kept, Object, Scalar, Shape};
use crate::{ActionRequest, Error, Password, Token};

use super::{message_text, required};

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
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        clientlogin: Object<Fields>,
    }
    #[derive(Deserialize)]
    struct Fields {
        #[serde(default)]
        status: Scalar,
        #[serde(default)]
        username: Kept,
        #[serde(default)]
        message: Kept,
        #[serde(default)]
        messagecode: Kept,
        #[serde(default)]
        redirecttarget: Scalar,
        #[serde(default)]
        redirectdata: Kept,
        #[serde(default)]
        canpreservestate: Scalar,
        #[serde(default)]
        requests: Kept<MAX_REQUESTS_BYTES>,
    }
    let body: Body = env.read()?;
    let obj = required(body.clientlogin, "clientlogin")?;
    let text = |k: &Kept| k.0.as_ref().and_then(message_text);
    let status = match obj.status.required_str("status")?.as_str() {
        "PASS" => ClientLoginStatus::Pass {
            username: text(&obj.username).unwrap_or_default(),
        },
        "FAIL" => ClientLoginStatus::Fail,
        "UI" => ClientLoginStatus::Ui,
        "REDIRECT" => ClientLoginStatus::Redirect {
            redirect_target: obj.redirecttarget.required_str("redirecttarget")?,
            redirect_data: text(&obj.redirectdata),
        },
        "RESTART" => ClientLoginStatus::Restart,
        other => {
            return Err(Error::Decode(format!(
                "unknown clientlogin status {other:?}"
            )));
        }
    };
    let can_preserve_state = match obj.canpreservestate {
        Scalar::Other(Shape::Bool(b)) => b,
        Scalar::Str(_) => true,
        _ => false,
    };
    let requests = match obj.requests.0 {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    Ok(ClientLoginResponse {
        status,
        message: text(&obj.message),
        message_code: text(&obj.messagecode),
        requests,
        can_preserve_state,
    })
}

/// The largest `requests` list kept (the fields a two-factor or captcha
/// step asks for are a few KiB).
const MAX_REQUESTS_BYTES: usize = 1024 * 1024;
