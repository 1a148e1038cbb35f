//! AuthManager's answer to one step of `action=clientlogin` and
//! `action=createaccount` (and the `requests` of
//! `meta=authmanagerinfo`): a status, a message, and the fields the next
//! step asks for, read typed.

use serde::Deserialize;
use serde_json::Value;

use crate::response::wire::{Object, Scalar, Shape};
use crate::response::word::{Word, Words};
use crate::{Error, Warning};

use super::auth_requests::{Requests, Text};
use super::{Module, message_text, required};

/// The field a two-factor step asks for (OATHAuth's
/// `TOTPAuthenticationRequest`): a code from the authenticator app, or a
/// recovery code.
pub const TWO_FACTOR_FIELD: &str = "OATHToken";

/// The status of an AuthManager step.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AuthStatus {
    /// Done: logged in, or the account was created, as `username`.
    Pass {
        /// The user name.
        username: String,
    },
    /// Failed; start again.
    Fail,
    /// More input is needed ([`AuthStep::requests`] says which fields);
    /// continue.
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

/// One field an authentication request asks for (AuthManager's field
/// info, as `ApiAuthManagerHelper::formatFields` sends it).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AuthField {
    /// The parameter name to send it as (`OATHToken`, `captchaWord`, …).
    pub name: String,
    /// The field's type: `string`, `password`, `hidden`, `checkbox`,
    /// `select`, `multiselect`, `button`, or `null` (text to show only,
    /// such as a captcha question).
    pub kind: String,
    /// The value a `hidden` field must be sent back with, or the text of a
    /// `null` field (QuestyCaptcha's question).
    pub value: Option<String>,
    /// What to show next to it.
    pub label: Option<String>,
    /// A longer explanation.
    pub help: Option<String>,
    /// Whether it may be left empty.
    pub optional: bool,
    /// Whether it is a secret (sent in the POST body only, never shown).
    pub sensitive: bool,
}

/// One authentication request of a step (a second factor, a captcha, …).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AuthRequest {
    /// The request's id (its PHP class, such as
    /// `MediaWiki\Extension\OATHAuth\Auth\TOTPAuthenticationRequest`, or
    /// `CaptchaAuthenticationRequest`).
    pub id: String,
    /// `required`, `optional` or `primary-required`.
    pub required: Option<String>,
    /// Who asks (a provider's description).
    pub provider: Option<String>,
    /// The account it is about.
    pub account: Option<String>,
    /// Its fields, sorted by name.
    pub fields: Vec<AuthField>,
}

/// A captcha to solve: the question to show, and where the answer goes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Captcha {
    /// The id to send back as `captchaId`.
    pub id: String,
    /// What to show: the label (what to do) and, for QuestyCaptcha, the
    /// question itself.
    pub prompt: Option<String>,
    /// The question (QuestyCaptcha) or image URL (FancyCaptcha): the
    /// `captchaInfo` field's value.
    pub info: Option<String>,
}

/// A parsed AuthManager step.
///
/// ```
/// use mw_protocol::actions::auth_step::{AuthStatus, TWO_FACTOR_FIELD};
/// use mw_protocol::{actions::clientlogin, response::parse_envelope};
/// let body = r#"{"clientlogin":{"status":"UI","messagecode":"oathauth-auth-ui","requests":[
///   {"id":"TOTP","required":"required","fields":{"OATHToken":{"type":"string","label":"Code",
///    "optional":false,"sensitive":false}}}]}}"#;
/// let response = http::Response::new(body.as_bytes().to_vec());
/// let step = clientlogin::parse(&parse_envelope(&response)?)?;
/// assert_eq!(step.status, AuthStatus::Ui);
/// assert!(step.asks_for(TWO_FACTOR_FIELD));
/// assert_eq!(step.field("OATHToken").and_then(|f| f.label.as_deref()), Some("Code"));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthStep {
    /// The status.
    pub status: AuthStatus,
    /// The message (FAIL, UI, RESTART).
    pub message: Option<String>,
    /// The message code (`oathauth-auth-ui`, `oathauth-login-failed`,
    /// `wrongpassword`, `userexists`, `acct_creation_throttle_hit`, …).
    pub message_code: Option<String>,
    /// The authentication requests the next step needs (UI, REDIRECT,
    /// RESTART), read typed.
    pub requests: Vec<AuthRequest>,
    /// Whether `loginpreservestate`/`createpreservestate` can be used
    /// (fv1's `""`/absent and fv2's booleans both read right).
    pub can_preserve_state: bool,
}

impl AuthStep {
    /// Every field of every request (request by request, each one's
    /// sorted by name).
    pub fn fields(&self) -> impl Iterator<Item = &AuthField> {
        self.requests.iter().flat_map(|r| r.fields.iter())
    }

    /// The field named `name`, if a request asks for it.
    pub fn field(&self, name: &str) -> Option<&AuthField> {
        self.fields().find(|f| f.name == name)
    }

    /// Whether a request asks for the field `name`
    /// ([`TWO_FACTOR_FIELD`] for a second factor).
    pub fn asks_for(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    /// Whether this step asks for a two-factor code ([`TWO_FACTOR_FIELD`]).
    pub fn asks_for_two_factor(&self) -> bool {
        self.asks_for(TWO_FACTOR_FIELD)
    }

    /// The fields to fill in: those that are neither `hidden` (sent back
    /// as they came, [`hidden_values`](Self::hidden_values)) nor `null`
    /// (text only).
    pub fn inputs(&self) -> impl Iterator<Item = &AuthField> {
        self.fields()
            .filter(|f| f.kind != "hidden" && f.kind != "null")
    }

    /// The `hidden` fields with their values, to send back unchanged with
    /// the answers (a captcha's `captchaId`).
    pub fn hidden_values(&self) -> Vec<(String, String)> {
        self.fields()
            .filter(|f| f.kind == "hidden")
            .filter_map(|f| Some((f.name.clone(), f.value.clone()?)))
            .collect()
    }

    /// The captcha this step asks to solve (ConfirmEdit's
    /// `captchaId`/`captchaInfo`/`captchaWord` fields), if any. Answer it
    /// in the field [`CAPTCHA_ANSWER_FIELD`], with `captchaId` from
    /// [`hidden_values`](Self::hidden_values).
    pub fn captcha(&self) -> Option<Captcha> {
        captcha_of(&self.requests)
    }
}

/// The field a captcha's answer goes in (ConfirmEdit).
pub const CAPTCHA_ANSWER_FIELD: &str = "captchaWord";

/// The field of a captcha's id (ConfirmEdit; `hidden`).
pub const CAPTCHA_ID_FIELD: &str = "captchaId";

/// The captcha among `requests` (ConfirmEdit's fields), if any.
pub fn captcha_of(requests: &[AuthRequest]) -> Option<Captcha> {
    let fields = || requests.iter().flat_map(|r| r.fields.iter());
    let id = fields()
        .find(|f| f.name == CAPTCHA_ID_FIELD)?
        .value
        .clone()?;
    fields().find(|f| f.name == CAPTCHA_ANSWER_FIELD)?;
    let info = fields().find(|f| f.name == "captchaInfo");
    Some(Captcha {
        id,
        prompt: info.and_then(|f| f.label.clone()),
        info: info.and_then(|f| f.value.clone()),
    })
}

/// The parser of an AuthManager step under its module's member.
macro_rules! step_parser {
    ($name:ident, $key:literal) => {
        #[doc = concat!("The parser of a `", $key, "` step.")]
        pub(crate) struct $name;

        impl Module for $name {
            const KEY: &'static str = $key;
            type Member = Object<Box<Fields>>;
            type Output = AuthStep;

            fn finish(read: Object<Box<Fields>>, _: &[Warning]) -> Result<AuthStep, Error> {
                step_of(read, Self::KEY)
            }
        }
    };
}

step_parser!(ClientLoginStep, "clientlogin");
step_parser!(CreateAccountStep, "createaccount");

/// The step read under `module` (`clientlogin` or `createaccount`).
fn step_of(read: Object<Box<Fields>>, module: &str) -> Result<AuthStep, Error> {
    // Moved out of the box member by member (not copied out whole).
    let obj = required(read, module)?;
    let Fields {
        status,
        username,
        message,
        messagecode,
        redirecttarget,
        redirectdata,
        canpreservestate,
        requests,
    } = *obj;
    let status = match &*status.required_str("status")? {
        "PASS" => AuthStatus::Pass {
            username: username.0.unwrap_or_default(),
        },
        "FAIL" => AuthStatus::Fail,
        "UI" => AuthStatus::Ui,
        "REDIRECT" => AuthStatus::Redirect {
            redirect_target: redirecttarget.required_str("redirecttarget")?,
            redirect_data: redirectdata.0,
        },
        "RESTART" => AuthStatus::Restart,
        other => {
            return Err(Error::Decode(format!("unknown {module} status {other:?}")));
        }
    };
    let can_preserve_state = match canpreservestate {
        Scalar::Other(Shape::Bool(b)) => b,
        Scalar::Str(_) => true,
        _ => false,
    };
    Ok(AuthStep {
        status,
        message: message.0,
        message_code: messagecode.0,
        requests: requests.0,
        can_preserve_state,
    })
}

/// The members of a step the parser reads.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct Fields {
    #[serde(default)]
    status: Word<Statuses>,
    #[serde(default)]
    username: Text,
    #[serde(default)]
    message: Text,
    #[serde(default)]
    messagecode: Text,
    #[serde(default)]
    redirecttarget: Scalar,
    #[serde(default)]
    redirectdata: Text,
    #[serde(default)]
    canpreservestate: Scalar,
    #[serde(default)]
    requests: Requests,
}

/// The largest `requests` list kept (the fields a two-factor or captcha
/// step asks for are a few KiB).
pub(crate) const MAX_REQUESTS_BYTES: usize = 1024 * 1024;

/// Reads a `requests` list leniently: entries that are not objects are
/// skipped, missing members are empty. The list is consumed: its strings
/// become the fields' without a copy.
pub(crate) fn requests_of(v: Value) -> Vec<AuthRequest> {
    let Value::Array(items) = v else {
        return Vec::new();
    };
    items.into_iter().filter_map(request_of).collect()
}

/// A message that is a string (bc format) or a `{code, text}` object,
/// taken out of an object.
fn take_text(obj: &mut serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match obj.remove(key)? {
        Value::String(s) => Some(s),
        other => message_text(&other),
    }
}

/// A string member taken out of an object (`""` for anything else).
fn take_str(obj: &mut serde_json::Map<String, Value>, key: &str) -> String {
    match obj.remove(key) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn request_of(v: Value) -> Option<AuthRequest> {
    let Value::Object(mut obj) = v else {
        return None;
    };
    let mut fields: Vec<AuthField> = match obj.remove("fields") {
        Some(Value::Object(map)) => map.into_iter().filter_map(field_of).collect(),
        _ => Vec::new(),
    };
    // By name, as the scanner's pass gives them, whatever order
    // `serde_json::Map` keeps (`preserve_order` makes it the body's).
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    Some(AuthRequest {
        id: take_str(&mut obj, "id"),
        required: take_text(&mut obj, "required"),
        provider: take_text(&mut obj, "provider"),
        account: take_text(&mut obj, "account"),
        fields,
    })
}

fn field_of((name, v): (String, Value)) -> Option<AuthField> {
    let Value::Object(mut obj) = v else {
        return None;
    };
    // fv2 sends booleans; fv1 drops `false` and turns `true` into "".
    let flag = |k: &str| match obj.get(k) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(_)) => true,
        _ => false,
    };
    let (optional, sensitive) = (flag("optional"), flag("sensitive"));
    let value = match obj.remove("value") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Some(AuthField {
        name,
        kind: take_str(&mut obj, "type"),
        value,
        label: take_text(&mut obj, "label"),
        help: take_text(&mut obj, "help"),
        optional,
        sensitive,
    })
}

/// The statuses [`parse_step`] knows.
pub(crate) struct Statuses;

impl Words for Statuses {
    const ALL: &'static [&'static str] = &["PASS", "FAIL", "UI", "REDIRECT", "RESTART"];
}

// The envelope pass keeps it boxed, read straight into its box.
crate::response::scan_read::boxed_from_scan!(Fields {
    "status" => status,
    "username" => username,
    "message" => message,
    "messagecode" => messagecode,
    "redirecttarget" => redirecttarget,
    "redirectdata" => redirectdata,
    "canpreservestate" => canpreservestate,
    "requests" => requests,
});
