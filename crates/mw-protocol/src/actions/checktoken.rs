//! `action=checktoken` (MediaWiki 1.25+).

use serde::Deserialize;

use crate::response::wire::{Object, Scalar};
use crate::response::word::{Word, Words};
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Token, TokenType, Warning};

use super::{Module, required};

/// Checks a token. Sent as a POST with the token in the body (the server
/// accepts both methods; the token never goes into a URL).
///
/// ```
/// use mw_protocol::{actions::checktoken, Token, TokenType};
/// let req = checktoken::request(&TokenType::CSRF, &Token::new("+\\"), Some(60));
/// assert_eq!(req.param_value("maxtokenage"), Some("60"));
/// ```
pub fn request(ty: &TokenType, token: &Token, max_age_secs: Option<u64>) -> ActionRequest {
    // A POST only to keep the token out of the URL: it reads, so it may be
    // sent again when the connection failed before the answer.
    let mut req = ActionRequest::post("checktoken")
        .param("type", ty.as_str())
        .repeatable();
    if let Some(age) = max_age_secs {
        req = req.param("maxtokenage", age.to_string());
    }
    req.token("token", token.clone())
}

/// What the server said of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenValidity {
    /// The token is valid.
    Valid,
    /// The token is not valid for this session and type.
    Invalid,
    /// The token matches but is older than `maxtokenage`.
    Expired,
}

/// The result of `action=checktoken`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct TokenCheck {
    /// Valid, invalid or expired.
    pub result: TokenValidity,
    /// When the token was made (ISO 8601), when the server could read it
    /// from the token.
    pub generated: Option<String>,
}

/// Reads `checktoken.result` and `checktoken.generated`. The errors of
/// both generations (`notoken`/`notype`/`unknown_type` up to 1.34,
/// `missingparam`/`badvalue` after) arrive as [`Error::Api`]; see
/// [`ApiError::missing_param`](crate::ApiError::missing_param).
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<TokenCheck, Error> {
    CheckToken::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
///
/// ```
/// use mw_protocol::actions::checktoken;
/// let res = http::Response::new(br#"{"checktoken":{"result":"expired"}}"#.to_vec());
/// let check = checktoken::parse_response(&res)?.value;
/// assert_eq!(check.result, checktoken::TokenValidity::Expired);
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<TokenCheck>, Error> {
    CheckToken::parse_response(response)
}

/// The parser of `checktoken`.
pub(crate) struct CheckToken;

impl Module for CheckToken {
    const KEY: &'static str = "checktoken";
    type Member = Object<Fields>;
    type Output = TokenCheck;

    fn finish(obj: Object<Fields>, _: &[Warning]) -> Result<TokenCheck, Error> {
        finish(required(obj, "checktoken")?)
    }
}

fn finish(obj: Fields) -> Result<TokenCheck, Error> {
    let result = match &*obj.result.required_str("result")? {
        "valid" => TokenValidity::Valid,
        "invalid" => TokenValidity::Invalid,
        "expired" => TokenValidity::Expired,
        other => {
            return Err(Error::Decode(format!(
                "unknown checktoken result {other:?}"
            )));
        }
    };
    let generated = obj.generated.into_string();
    Ok(TokenCheck { result, generated })
}

/// The members of `checktoken` the parser reads.
#[derive(Deserialize, Default)]
pub(crate) struct Fields {
    #[serde(default)]
    result: Word<Results>,
    #[serde(default)]
    generated: Scalar,
}

/// The results [`parse`] knows.
pub(crate) struct Results;

impl Words for Results {
    const ALL: &'static [&'static str] = &["valid", "invalid", "expired"];
}

crate::response::scan_read::struct_from_scan!(Fields { "result" => result, "generated" => generated });
