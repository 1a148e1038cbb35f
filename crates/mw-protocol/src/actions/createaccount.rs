//! `action=createaccount` (AuthManager, MediaWiki 1.27+), and the
//! `meta=authmanagerinfo&amirequestsfor=create` query that says which
//! fields a creation needs (a captcha's, on a wiki with ConfirmEdit).

use serde::Deserialize;

use crate::response::wire::{Object, Scalar, Shape};
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Password, Token, Warning};

use super::auth_post;
use super::auth_requests::Requests;
use super::auth_step::{AuthRequest, AuthStep, CreateAccountStep};
use super::{Module, required};

/// The fields a creation fills in itself from the user name and password.
pub const OWN_FIELDS: &[&str] = &["username", "password", "retype"];

/// Asks which fields an account creation needs:
/// `action=query&meta=authmanagerinfo&amirequestsfor=create` (GET).
///
/// ```
/// use mw_protocol::actions::createaccount;
/// let req = createaccount::info_request();
/// assert_eq!(req.param_value("amirequestsfor"), Some("create"));
/// ```
pub fn info_request() -> ActionRequest {
    ActionRequest::get("query")
        .param("meta", "authmanagerinfo")
        .param("amirequestsfor", "create")
}

/// What `meta=authmanagerinfo` says about account creation.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct CreateInfo {
    /// Whether the wiki lets this session create accounts at all
    /// (`cancreateaccounts`).
    pub can_create_accounts: bool,
    /// The requests a creation is made of (the password's, the user
    /// data's, a captcha's, …).
    pub requests: Vec<AuthRequest>,
}

impl CreateInfo {
    /// The fields a creation needs beyond [`OWN_FIELDS`] and those in
    /// `given`: the required, non-optional inputs of every request that is
    /// not `optional` (a captcha's answer, an e-mail address the wiki
    /// insists on).
    pub fn missing_fields(&self, given: &[(String, String)]) -> Vec<String> {
        self.requests
            .iter()
            .filter(|r| r.required.as_deref() != Some("optional"))
            .flat_map(|r| r.fields.iter())
            .filter(|f| !f.optional && f.kind != "hidden" && f.kind != "null")
            .filter(|f| !OWN_FIELDS.contains(&f.name.as_str()))
            .filter(|f| !given.iter().any(|(n, _)| *n == f.name))
            .map(|f| f.name.clone())
            .collect()
    }

    /// The `hidden` fields with their values (a captcha's id), sent back
    /// with the creation.
    pub fn hidden_values(&self) -> Vec<(String, String)> {
        self.requests
            .iter()
            .flat_map(|r| r.fields.iter())
            .filter(|f| f.kind == "hidden")
            .filter_map(|f| Some((f.name.clone(), f.value.clone()?)))
            .collect()
    }
}

/// Reads `query.authmanagerinfo`.
pub fn parse_info(env: &Envelope<impl AsRef<str>>) -> Result<CreateInfo, Error> {
    AuthInfo::parse(env)
}

/// [`parse_info`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
pub fn parse_info_response(response: &http::Response<Vec<u8>>) -> Result<Reply<CreateInfo>, Error> {
    AuthInfo::parse_response(response)
}

/// What the parser reads of `query`.
#[derive(Deserialize, Default)]
pub(crate) struct Query {
    #[serde(default)]
    authmanagerinfo: Object<Box<Info>>,
}

crate::response::scan_read::struct_from_scan!(Query { "authmanagerinfo" => authmanagerinfo });

/// The parser of `meta=authmanagerinfo` (for a login or a creation).
pub(crate) struct AuthInfo;

impl Module for AuthInfo {
    const KEY: &'static str = "query";
    type Member = Object<Query>;
    type Output = CreateInfo;

    fn finish(query: Object<Query>, _: &[Warning]) -> Result<CreateInfo, Error> {
        info_of(required(query, "query")?.authmanagerinfo)
    }
}

fn info_of(info: Object<Box<Info>>) -> Result<CreateInfo, Error> {
    let info = required(info, "authmanagerinfo")?;
    Ok(CreateInfo {
        // fv2 sends a boolean; fv1 drops `false` and turns `true` into "".
        can_create_accounts: match info.cancreateaccounts {
            Scalar::Other(Shape::Bool(b)) => b,
            Scalar::Str(_) => true,
            _ => false,
        },
        requests: info.requests.0,
    })
}

/// Starts an account creation: the user name, the password twice
/// (`password`, `retype`), the other fields (a captcha's id and answer,
/// `email`, `realname`), and the `createaccount` token. `return_url` must
/// be absolute. The password and every other field are secrets: in the
/// body, never shown by `Debug`.
///
/// ```
/// use mw_protocol::{actions::createaccount, Password, Token};
/// let req = createaccount::start_request("Alice", &Password::new("pw"), "http://127.0.0.1/",
///     &[], &Token::new("t+\\"));
/// assert_eq!(req.param_value("createreturnurl"), Some("http://127.0.0.1/"));
/// assert!(!format!("{req:?}").contains("pw"));
/// ```
pub fn start_request(
    username: &str,
    password: &Password,
    return_url: &str,
    fields: &[(String, String)],
    token: &Token,
) -> ActionRequest {
    auth_post::Start::CREATE.request(username, password, return_url, fields, token)
}

/// Continues an account creation (`createcontinue=1`) with the fields a
/// `UI` step asked for. Field values are secrets.
pub fn continue_request(fields: &[(String, String)], token: &Token) -> ActionRequest {
    auth_post::continue_request(
        "createaccount",
        "createcontinue",
        "createtoken",
        fields,
        token,
    )
}

/// Reads `createaccount.status` and its fields (the shared [`AuthStep`]).
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<AuthStep, Error> {
    CreateAccountStep::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<AuthStep>, Error> {
    CreateAccountStep::parse_response(response)
}

/// The members of `query.authmanagerinfo` the parser reads.
#[derive(Deserialize, Default)]
pub(crate) struct Info {
    #[serde(default)]
    cancreateaccounts: Scalar,
    #[serde(default)]
    requests: Requests,
}

crate::response::scan_read::struct_from_scan!(Info { "cancreateaccounts" => cancreateaccounts, "requests" => requests });
