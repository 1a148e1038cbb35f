//! Every recorded or constructed response fixture, parsed through
//! `parse_envelope` and its group's parser, snapshotted as YAML; plus
//! explicit assertions for the cases that matter most.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::response;
use mw_protocol::actions::{
    auth_step, centralauth, checktoken, clientlogin, createaccount, legacy_tokens, login, logout,
    tokens,
};
use mw_protocol::response::parse_envelope;
use mw_protocol::{Envelope, Error, Token, TokenType, Warning};
use mw_test_support::fixture::{self, Fixture};
use serde::Serialize;
use serde_json::Value;

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// What a snapshot shows of one fixture.
#[derive(Serialize)]
struct Rendered<T> {
    http_status: u16,
    result: Result<T, ErrorView>,
    /// The response's warnings (also those that came with an API error).
    warnings: Vec<WarningView>,
}

#[derive(Serialize)]
struct WarningView {
    module: String,
    code: Option<String>,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
    is_deprecation: bool,
}

impl From<&Warning> for WarningView {
    fn from(w: &Warning) -> Self {
        WarningView {
            module: w.module.clone(),
            code: w.code.clone(),
            text: w.text.clone(),
            data: w.data.clone(),
            is_deprecation: w.is_deprecation(),
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ErrorView {
    Api {
        code: String,
        text: String,
        module: Option<String>,
        data: Option<Value>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        others: Vec<(String, String)>,
        #[serde(skip_serializing_if = "Option::is_none")]
        servedby: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        requestid: Option<String>,
        http_status: u16,
        retry_after_secs: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        missing_param: Option<String>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        is_bad_value: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        lag: Option<f64>,
    },
    Http {
        status: u16,
        retry_after_secs: Option<u64>,
    },
    Decode {
        message: String,
    },
    Login {
        result: String,
        reason: Option<String>,
        wait: Option<u64>,
    },
    SessionLost {
        message: String,
    },
    Unsupported {
        message: String,
    },
    InvalidInput {
        message: String,
    },
    Transport {
        message: String,
    },
    Timeout {
        message: String,
    },
    Other {
        message: String,
    },
}

impl From<&Error> for ErrorView {
    fn from(e: &Error) -> Self {
        match e {
            Error::Api(a) => ErrorView::Api {
                code: a.code.clone(),
                text: a.text.clone(),
                module: a.module.clone(),
                data: a.data.clone(),
                others: a.others.clone(),
                servedby: a.servedby.clone(),
                requestid: a.requestid.clone(),
                http_status: a.http_status,
                retry_after_secs: a.retry_after.map(|d| d.as_secs()),
                missing_param: a.missing_param().map(str::to_owned),
                is_bad_value: a.is_bad_value(),
                lag: a.lag(),
            },
            Error::Http {
                status,
                retry_after,
                ..
            } => ErrorView::Http {
                status: *status,
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            Error::Decode(m) => ErrorView::Decode { message: m.clone() },
            Error::Login {
                result,
                reason,
                wait,
            } => ErrorView::Login {
                result: result.clone(),
                reason: reason.clone(),
                wait: *wait,
            },
            Error::SessionLost(m) => ErrorView::SessionLost { message: m.clone() },
            Error::Unsupported(m) => ErrorView::Unsupported { message: m.clone() },
            Error::InvalidInput(m) => ErrorView::InvalidInput { message: m.clone() },
            Error::Transport(m) => ErrorView::Transport { message: m.clone() },
            Error::Timeout(m) => ErrorView::Timeout { message: m.clone() },
            other => ErrorView::Other {
                message: other.to_string(),
            },
        }
    }
}

#[derive(Serialize)]
struct TokenView {
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    anonymous: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    mangled: bool,
}

impl From<&Token> for TokenView {
    fn from(t: &Token) -> Self {
        TokenView {
            value: t.secret().to_owned(),
            timestamp: t.timestamp(),
            anonymous: t.is_anonymous(),
            mangled: t.is_mangled(),
        }
    }
}

fn token_map<'a>(
    tokens: impl IntoIterator<Item = (&'a TokenType, &'a Token)>,
) -> BTreeMap<String, TokenView> {
    tokens
        .into_iter()
        .map(|(ty, t)| (ty.as_str().to_owned(), t.into()))
        .collect()
}

#[derive(Serialize)]
struct TokenSetView {
    meta_tokens_available: bool,
    tokens: BTreeMap<String, TokenView>,
}

impl From<tokens::TokenSet> for TokenSetView {
    fn from(set: tokens::TokenSet) -> Self {
        TokenSetView {
            meta_tokens_available: set.meta_tokens_available,
            tokens: token_map(set.iter()),
        }
    }
}

#[derive(Serialize)]
struct LegacyView {
    parse: Result<TokenSetView, ErrorView>,
    parse_module_tokens: Result<BTreeMap<String, TokenView>, ErrorView>,
}

#[derive(Serialize)]
struct CheckView {
    result: checktoken::TokenValidity,
    generated: Option<String>,
}

#[derive(Serialize)]
#[serde(tag = "result")]
enum LoginView {
    Success {
        user_id: Option<u64>,
        username: String,
    },
    NeedToken {
        token: Option<TokenView>,
    },
    Other {
        debug: String,
    },
}

#[derive(Serialize)]
struct AuthStepView {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_data: Option<String>,
    message: Option<String>,
    message_code: Option<String>,
    can_preserve_state: bool,
    requests: Vec<AuthRequestView>,
}

#[derive(Serialize)]
struct CreateInfoView {
    can_create_accounts: bool,
    missing_fields: Vec<String>,
    hidden_fields: Vec<String>,
    requests: Vec<AuthRequestView>,
}

#[derive(Serialize)]
struct AuthRequestView {
    id: String,
    required: Option<String>,
    provider: Option<String>,
    account: Option<String>,
    fields: Vec<AuthFieldView>,
}

#[derive(Serialize)]
struct AuthFieldView {
    name: String,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    label: Option<String>,
    help: Option<String>,
    optional: bool,
    sensitive: bool,
}

fn view_auth_requests(requests: &[auth_step::AuthRequest]) -> Vec<AuthRequestView> {
    requests
        .iter()
        .map(|r| AuthRequestView {
            id: r.id.clone(),
            required: r.required.clone(),
            provider: r.provider.clone(),
            account: r.account.clone(),
            fields: r
                .fields
                .iter()
                .map(|f| AuthFieldView {
                    name: f.name.clone(),
                    kind: f.kind.clone(),
                    value: f.value.clone(),
                    label: f.label.clone(),
                    help: f.help.clone(),
                    optional: f.optional,
                    sensitive: f.sensitive,
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct EnvelopeView {
    top_level_keys: Vec<String>,
    servedby: Option<String>,
    requestid: Option<String>,
}

fn render<T, U: Serialize>(
    fixture: &Fixture,
    parse: impl FnOnce(&Envelope) -> Result<T, Error>,
    view: impl FnOnce(T) -> U,
) -> Rendered<U> {
    let env = parse_envelope(&fixture.response);
    let warnings = match &env {
        Ok(env) => env.warnings.iter().map(WarningView::from).collect(),
        Err(Error::Api(e)) => e.warnings.iter().map(WarningView::from).collect(),
        Err(_) => Vec::new(),
    };
    let result = env
        .and_then(|env| parse(&env))
        .map(view)
        .map_err(|e| ErrorView::from(&e));
    Rendered {
        http_status: fixture.response.status().as_u16(),
        result,
        warnings,
    }
}

/// Runs `check` on every fixture of a group, inside the fixture's settings
/// (its comment as the snapshot's description).
fn each_fixture(path: &Path, check: impl FnOnce(&Fixture)) {
    let fixture = fixture::load(path);
    insta::with_settings!({
        description => fixture.comment.clone(),
        omit_expression => true,
    }, {
        check(&fixture);
    });
}

fn view_auth_step(r: auth_step::AuthStep) -> AuthStepView {
    use auth_step::AuthStatus as S;
    let (status, username, redirect_target, redirect_data) = match r.status {
        S::Pass { username } => ("PASS", Some(username), None, None),
        S::Fail => ("FAIL", None, None, None),
        S::Ui => ("UI", None, None, None),
        S::Redirect {
            redirect_target,
            redirect_data,
        } => ("REDIRECT", None, Some(redirect_target), redirect_data),
        S::Restart => ("RESTART", None, None, None),
        _ => ("unknown", None, None, None),
    };
    AuthStepView {
        status,
        username,
        redirect_target,
        redirect_data,
        message: r.message,
        message_code: r.message_code,
        can_preserve_state: r.can_preserve_state,
        requests: view_auth_requests(&r.requests),
    }
}

fn view_login(r: login::LoginResponse) -> LoginView {
    match r {
        login::LoginResponse::Success { user_id, username } => {
            LoginView::Success { user_id, username }
        }
        login::LoginResponse::NeedToken { token } => LoginView::NeedToken {
            token: token.as_ref().map(TokenView::from),
        },
        other => LoginView::Other {
            debug: format!("{other:?}"),
        },
    }
}

// ---------------------------------------------------------------------------
// The fixture groups
// ---------------------------------------------------------------------------

#[test]
fn tokens() {
    insta::glob!("fixtures/tokens/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(f, tokens::parse, TokenSetView::from));
        })
    });
}

#[test]
fn checktoken() {
    insta::glob!("fixtures/checktoken/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(f, checktoken::parse, |c| CheckView {
                result: c.result,
                generated: c.generated,
            }));
        })
    });
}

#[test]
fn login() {
    insta::glob!("fixtures/login/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(f, login::parse, view_login));
        })
    });
}

#[test]
fn clientlogin() {
    insta::glob!("fixtures/clientlogin/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(f, clientlogin::parse, view_auth_step));
        })
    });
}

#[test]
fn createaccount() {
    insta::glob!("fixtures/createaccount/*.http", |path| {
        each_fixture(path, |f| {
            if path.to_string_lossy().contains("authmanagerinfo") {
                insta::assert_yaml_snapshot!(render(f, createaccount::parse_info, |info| {
                    CreateInfoView {
                        can_create_accounts: info.can_create_accounts,
                        missing_fields: info.missing_fields(&[]),
                        hidden_fields: info.hidden_values().into_iter().map(|(n, _)| n).collect(),
                        requests: view_auth_requests(&info.requests),
                    }
                }));
            } else {
                insta::assert_yaml_snapshot!(render(f, createaccount::parse, view_auth_step));
            }
        })
    });
}

#[test]
fn logout() {
    insta::glob!("fixtures/logout/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(f, logout::parse, |o| o));
        })
    });
}

#[test]
fn legacy_tokens() {
    insta::glob!("fixtures/legacy_tokens/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(
                f,
                |env| {
                    Ok(LegacyView {
                        parse: legacy_tokens::parse(env)
                            .map(TokenSetView::from)
                            .map_err(|e| ErrorView::from(&e)),
                        parse_module_tokens: legacy_tokens::parse_module_tokens(env)
                            .map(|m| token_map(&m))
                            .map_err(|e| ErrorView::from(&e)),
                    })
                },
                |v| v,
            ));
        })
    });
}

#[test]
fn centralauthtoken() {
    insta::glob!("fixtures/centralauthtoken/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(f, centralauth::parse, |t| TokenView::from(&t)));
        })
    });
}

#[test]
fn envelope() {
    insta::glob!("fixtures/envelope/*.http", |path| {
        each_fixture(path, |f| {
            insta::assert_yaml_snapshot!(render(
                f,
                |env| Ok(env.clone()),
                |env| EnvelopeView {
                    top_level_keys: env
                        .body()
                        .as_object()
                        .map(|o| o.keys().cloned().collect())
                        .unwrap_or_default(),
                    servedby: env.servedby,
                    requestid: env.requestid,
                }
            ));
        })
    });
}

// ---------------------------------------------------------------------------
// Explicit assertions
// ---------------------------------------------------------------------------

fn ok(body: &str) -> http::Response<Vec<u8>> {
    response(
        200,
        &[("content-type", "application/json; charset=utf-8")],
        body.as_bytes().to_vec(),
    )
}

fn env_of(body: &str) -> Envelope {
    parse_envelope(&ok(body)).expect("a valid envelope")
}

fn api_error(res: &http::Response<Vec<u8>>) -> mw_protocol::ApiError {
    match parse_envelope(res) {
        Err(Error::Api(e)) => *e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Seed 002: `action=tokens&type=csrf` on a wiki where it is deprecated.
const SEED_002: &str = r#"{"warnings":{"main":{"*":"Subscribe to the mediawiki-api-announce mailing list at <https://lists.wikimedia.org/mailman/listinfo/mediawiki-api-announce> for notice of API deprecations and breaking changes. Use [[Special:ApiFeatureUsage]] to see usage of deprecated features by your application."},"tokens":{"*":"\"action=tokens\" has been deprecated. Please use \"action=query&meta=tokens\" instead."}},"tokens":{"csrftoken":"dc7f408e414a6932fe74f90c469197fb60f0b37f+\\"}}"#;

#[test]
fn seed_002_action_tokens_gives_typed_deprecation_warnings() {
    let env = env_of(SEED_002);
    assert_eq!(env.warnings.len(), 2);
    let tokens_warning = env
        .warnings
        .iter()
        .find(|w| w.module == "tokens")
        .expect("a tokens warning");
    assert!(tokens_warning.is_deprecation());
    assert_eq!(tokens_warning.code, None, "the bc format has no codes");
    assert_eq!(
        tokens_warning.text,
        "\"action=tokens\" has been deprecated. Please use \"action=query&meta=tokens\" instead."
    );
    let main = env
        .warnings
        .iter()
        .find(|w| w.module == "main")
        .expect("a main warning");
    assert!(
        !main.is_deprecation(),
        "the mailing-list notice is not itself a deprecation"
    );

    let set = legacy_tokens::parse(&env).expect("tokens");
    assert!(!set.meta_tokens_available);
    assert_eq!(
        set.get(&TokenType::CSRF).map(Token::secret),
        Some("dc7f408e414a6932fe74f90c469197fb60f0b37f+\\")
    );
}

#[test]
fn action_tokens_edittoken_maps_to_csrf() {
    let env = env_of(
        r#"{"warnings":{"tokens":{"*":"action=tokens has been deprecated. Please use action=query&meta=tokens instead."}},"tokens":{"edittoken":"0123456789abcdef0123456789abcdef+\\","watchtoken":"fedcba9876543210fedcba9876543210+\\","bogustoken":"x"}}"#,
    );
    assert!(
        env.warnings
            .iter()
            .all(|w| w.module == "tokens" && w.is_deprecation())
    );
    let set = legacy_tokens::parse(&env).expect("tokens");
    assert_eq!(
        set.get(&TokenType::CSRF).map(Token::secret),
        Some("0123456789abcdef0123456789abcdef+\\")
    );
    assert_eq!(
        set.get(&TokenType::WATCH).map(Token::secret),
        Some("fedcba9876543210fedcba9876543210+\\")
    );
    assert_eq!(set.len(), 2, "unknown legacy names are skipped");
    // ≤1.24 tokens have no timestamp.
    assert_eq!(set.get(&TokenType::CSRF).and_then(Token::timestamp), None);
}

#[test]
fn action_tokens_deprecation_in_plaintext_format_has_a_code_and_feature() {
    let env = env_of(
        r#"{"warnings":[{"code":"deprecation","text":"\"action=tokens\" has been deprecated. Please use \"action=query&meta=tokens\" instead.","data":{"feature":"action=tokens"},"module":"tokens"},{"code":"deprecation-help","text":"Subscribe to the mediawiki-api-announce mailing list at <https://lists.wikimedia.org/…> for notice of API deprecations and breaking changes.","module":"main"}],"tokens":{"edittoken":"0123456789abcdef0123456789abcdef6543210f+\\"}}"#,
    );
    let w = &env.warnings[0];
    assert_eq!(w.module, "tokens");
    assert_eq!(w.code.as_deref(), Some("deprecation"));
    assert!(w.is_deprecation());
    assert_eq!(w.deprecated_feature(), Some("action=tokens"));
    assert!(!env.warnings[1].is_deprecation());
    let set = legacy_tokens::parse(&env).expect("tokens");
    assert_eq!(
        set.get(&TokenType::CSRF).and_then(Token::timestamp),
        Some(0x6543210f)
    );
}

#[test]
fn checktoken_old_error_codes() {
    let notoken = api_error(&ok(
        r#"{"error":{"code":"notoken","info":"The token parameter must be set"}}"#,
    ));
    assert_eq!(notoken.missing_param(), Some("token"));
    assert!(!notoken.is_bad_value());

    let notype = api_error(&ok(
        r#"{"error":{"code":"notype","info":"The type parameter must be set"}}"#,
    ));
    assert_eq!(notype.missing_param(), Some("type"));

    let unknown = api_error(&ok(
        r#"{"error":{"code":"unknown_type","info":"Unrecognized value for parameter 'type': foo"}}"#,
    ));
    assert!(unknown.is_bad_value());
    assert_eq!(unknown.missing_param(), None);
}

#[test]
fn checktoken_new_error_codes() {
    let missing = api_error(&ok(
        r#"{"error":{"code":"missingparam","info":"The \"token\" parameter must be set.","docref":"See"}}"#,
    ));
    assert_eq!(missing.missing_param(), Some("token"));
    assert!(missing.data.is_none(), "docref is not data");

    let missing_type = api_error(&ok(
        r#"{"errors":[{"code":"missingparam","text":"The \"type\" parameter must be set.","module":"checktoken"}],"docref":"See"}"#,
    ));
    assert_eq!(missing_type.missing_param(), Some("type"));
    assert_eq!(missing_type.module.as_deref(), Some("checktoken"));

    let with_data = api_error(&ok(
        r#"{"errors":[{"code":"missingparam","text":"The \"x\" parameter must be set.","data":{"param":"token"},"module":"checktoken"}]}"#,
    ));
    assert_eq!(
        with_data.missing_param(),
        Some("token"),
        "data.param wins over the text"
    );

    let bad = api_error(&ok(
        r#"{"errors":[{"code":"badvalue","text":"Unrecognized value for parameter \"type\": foo.","module":"checktoken"}]}"#,
    ));
    assert!(bad.is_bad_value());
    assert_eq!(bad.missing_param(), None);
}

#[test]
fn checktoken_results() {
    let check = |body: &str| checktoken::parse(&env_of(body));
    let valid = check(r#"{"checktoken":{"result":"valid","generated":"2026-11-21T22:04:37Z"}}"#)
        .expect("valid");
    assert_eq!(valid.result, checktoken::TokenValidity::Valid);
    assert_eq!(valid.generated.as_deref(), Some("2026-11-21T22:04:37Z"));
    let anon = check(r#"{"checktoken":{"result":"valid"}}"#).expect("valid");
    assert_eq!(anon.generated, None);
    assert_eq!(
        check(r#"{"checktoken":{"result":"expired","generated":"2026-11-21T22:04:35Z"}}"#)
            .expect("expired")
            .result,
        checktoken::TokenValidity::Expired
    );
    assert!(matches!(
        check(r#"{"checktoken":{"result":"maybe"}}"#),
        Err(Error::Decode(_))
    ));
    assert!(matches!(check(r#"{}"#), Err(Error::Decode(_))));
}

#[test]
fn maxlag_gives_retry_after_and_lag() {
    let bc = api_error(&response(
        200,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("retry-after", "7"),
            ("x-database-lag", "7"),
            ("mediawiki-api-error", "maxlag"),
        ],
        br#"{"error":{"code":"maxlag","info":"Waiting for db1: 7 seconds lagged.","host":"db1","lag":7,"type":"db","docref":"See"},"servedby":"mw1234"}"#.to_vec(),
    ));
    assert_eq!(bc.code, "maxlag");
    assert_eq!(bc.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(bc.lag(), Some(7.0));
    assert_eq!(bc.servedby.as_deref(), Some("mw1234"));
    assert_eq!(
        bc.data.as_ref().and_then(|d| d.get("host")),
        Some(&Value::from("db1"))
    );
    assert_eq!(
        Error::from(bc.clone()).retry_after(),
        Some(Duration::from_secs(7))
    );

    // Before 1.29 the data was not there: the lag comes from the text.
    let old = api_error(&response(
        200,
        &[("retry-after", "5")],
        br#"{"error":{"code":"maxlag","info":"Waiting for 10.64.16.8: 3.5 seconds lagged","*":"See"}}"#.to_vec(),
    ));
    assert_eq!(old.lag(), Some(3.5));
    assert_eq!(old.retry_after, Some(Duration::from_secs(5)));
    assert!(old.data.is_none());

    // errorformat=plaintext.
    let plain = api_error(&response(
        200,
        &[("retry-after", "5")],
        br#"{"errors":[{"code":"maxlag","text":"Waiting for a database server: 12 seconds lagged.","data":{"host":"db2","lag":12.25,"type":"db"},"module":"main"}],"docref":"See"}"#.to_vec(),
    ));
    assert_eq!(plain.lag(), Some(12.25));

    // Other codes have no lag.
    assert_eq!(
        api_error(&ok(
            r#"{"error":{"code":"badtoken","info":"Waiting for x: 5 seconds lagged"}}"#
        ))
        .lag(),
        None
    );
}

/// `lag()` reads the number before " seconds lagged" in the text: a
/// non-ASCII character right before it (a localized or garbled message)
/// must not make it panic by slicing inside a UTF-8 character.
#[test]
fn maxlag_lag_from_non_ascii_text_does_not_panic() {
    for text in [
        "Waiting for db1:é5 seconds lagged",
        "Waiting for db1:\u{a0}5 seconds lagged",
        "…7 seconds lagged",
        "日本語 seconds lagged",
        "é seconds lagged",
    ] {
        let e = mw_protocol::ApiError::new("maxlag", text);
        let lag = std::panic::catch_unwind(|| e.lag());
        assert!(lag.is_ok(), "lag() panicked on {text:?}");
    }
    assert_eq!(
        mw_protocol::ApiError::new("maxlag", "Waiting for db1:é5 seconds lagged").lag(),
        Some(5.0)
    );
    assert_eq!(
        mw_protocol::ApiError::new("maxlag", "…7 seconds lagged").lag(),
        Some(7.0)
    );
}

#[test]
fn html_empty_and_truncated_bodies_are_decode_errors() {
    let html = response(
        200,
        &[("content-type", "text/html; charset=utf-8")],
        b"<!DOCTYPE html><html><body>Login required</body></html>".to_vec(),
    );
    match parse_envelope(&html) {
        Err(Error::Decode(m)) => assert!(m.contains("text/html"), "{m}"),
        other => panic!("{other:?}"),
    }

    for empty in [&b""[..], b"   \n"] {
        match parse_envelope(&ok(std::str::from_utf8(empty).expect("ascii"))) {
            Err(Error::Decode(m)) => assert!(m.contains("empty"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    match parse_envelope(&ok(
        r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"ab"#,
    )) {
        Err(Error::Decode(m)) => assert!(m.contains("truncated"), "{m}"),
        other => panic!("{other:?}"),
    }

    // JSONP is not JSON.
    let jsonp = response(
        200,
        &[("content-type", "text/javascript; charset=utf-8")],
        b"/**/cb({\"batchcomplete\":true})".to_vec(),
    );
    assert!(matches!(parse_envelope(&jsonp), Err(Error::Decode(_))));

    // A JSON value that is not an object.
    assert!(matches!(
        parse_envelope(&ok("[1,2]")),
        Err(Error::Decode(_))
    ));
    assert!(matches!(
        parse_envelope(&ok("\"x\"")),
        Err(Error::Decode(_))
    ));
    // Not UTF-8.
    let latin1 = response(200, &[], b"{\"a\":\"\xe9\"}".to_vec());
    assert!(matches!(parse_envelope(&latin1), Err(Error::Decode(_))));

    // The body is never echoed into the error.
    let secret = response(
        200,
        &[("content-type", "text/html")],
        b"<html>hunter2hunter2</html>".to_vec(),
    );
    let err = parse_envelope(&secret).expect_err("not JSON");
    assert!(!format!("{err:?} {err}").contains("hunter2"));
}

#[test]
fn http_errors_without_an_api_error_are_http_errors() {
    let res = response(
        503,
        &[("content-type", "text/html"), ("retry-after", "30")],
        b"<html>Service Unavailable</html>".to_vec(),
    );
    assert_eq!(
        parse_envelope(&res).expect_err("503"),
        Error::Http {
            status: 503,
            retry_after: Some(Duration::from_secs(30)),
            url: None,
        }
    );
    let res = response(
        429,
        &[
            ("date", "Sat, 21 Nov 2026 22:00:00 GMT"),
            ("retry-after", "Sat, 21 Nov 2026 22:01:00 GMT"),
        ],
        Vec::new(),
    );
    assert_eq!(
        parse_envelope(&res).expect_err("429").retry_after(),
        Some(Duration::from_secs(60))
    );
    // A JSON object with an error status but no API error.
    let res = response(502, &[], b"{}".to_vec());
    assert!(matches!(
        parse_envelope(&res),
        Err(Error::Http { status: 502, .. })
    ));
    // An API error keeps its HTTP status.
    let res = response(
        405,
        &[],
        br#"{"error":{"code":"mustbeposted","info":"The \"logout\" module requires a POST request."}}"#
            .to_vec(),
    );
    let e = api_error(&res);
    assert_eq!(e.http_status, 405);
}

#[test]
fn php_empty_array_is_an_empty_envelope() {
    let env = env_of("[]");
    assert!(env.warnings.is_empty());
    assert_eq!(
        logout::parse(&env).expect("logout"),
        logout::LogoutOutcome::LoggedOut
    );
}

#[test]
fn login_throttled_gives_wait() {
    let res = ok(
        r#"{"login":{"result":"Throttled","wait":300,"cookieprefix":"wiki","sessionid":"17ab96bd8ffbe8ca58a78657a918558"}}"#,
    );
    match login::parse(&parse_envelope(&res).expect("envelope")) {
        Err(Error::Login {
            result,
            reason,
            wait,
        }) => {
            assert_eq!(result, "Throttled");
            assert_eq!(reason, None);
            assert_eq!(wait, Some(300));
        }
        other => panic!("{other:?}"),
    }
    // fv1 and some proxies turn numbers into strings.
    let res = ok(r#"{"login":{"result":"Throttled","wait":"42"}}"#);
    match login::parse(&parse_envelope(&res).expect("envelope")) {
        Err(Error::Login { wait, .. }) => assert_eq!(wait, Some(42)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn login_results() {
    let parse = |body: &str| login::parse(&env_of(body));
    match parse(
        r#"{"login":{"result":"NeedToken","token":"b6d767d2f8ed5d21a44b0e5886680cb9","cookieprefix":"wiki","sessionid":"x"}}"#,
    ) {
        Ok(login::LoginResponse::NeedToken { token: Some(t) }) => {
            assert_eq!(t.secret(), "b6d767d2f8ed5d21a44b0e5886680cb9")
        }
        other => panic!("{other:?}"),
    }
    match parse(
        r#"{"login":{"result":"Failed","reason":{"code":"wrongpassword","text":"Incorrect username or password entered. Please try again."}}}"#,
    ) {
        Err(Error::Login { result, reason, .. }) => {
            assert_eq!(result, "Failed");
            assert_eq!(
                reason.as_deref(),
                Some("Incorrect username or password entered. Please try again.")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse(r#"{"login":{"result":"WrongToken"}}"#),
        Err(Error::Login { .. })
    ));
}

#[test]
fn tokens_shapes() {
    // Same-origin failure: no tokens, an Unsupported error.
    let env = env_of(
        r#"{"batchcomplete":true,"warnings":{"tokens":{"warnings":"Tokens may not be obtained when the same-origin policy is not applied."}}}"#,
    );
    assert!(matches!(tokens::parse(&env), Err(Error::Unsupported(_))));
    // A wiki without meta=tokens (1.23).
    let env =
        env_of(r#"{"warnings":{"query":{"*":"Unrecognized value for parameter 'meta': tokens"}}}"#);
    let set = tokens::parse(&env).expect("no tokens, no error");
    assert!(!set.meta_tokens_available);
    // Extension types.
    let env = env_of(
        r#"{"batchcomplete":true,"query":{"tokens":{"setglobalaccountstatustoken":"+\\","deleteglobalaccounttoken":"+\\","oathtoken":"abc+\\"}}}"#,
    );
    let set = tokens::parse(&env).expect("tokens");
    assert!(set.get(&TokenType::SET_GLOBAL_ACCOUNT_STATUS).is_some());
    assert!(set.get(&TokenType::DELETE_GLOBAL_ACCOUNT).is_some());
    assert_eq!(
        set.get(&TokenType::new("oath").expect("valid"))
            .map(Token::secret),
        Some("abc+\\")
    );
    // A token that is not a string.
    let env = env_of(r#"{"query":{"tokens":{"csrftoken":1}}}"#);
    assert!(matches!(tokens::parse(&env), Err(Error::Decode(_))));
}

/// A real 1.39 server names the same-origin warning `tokens-origin` in
/// non-bc formats: the parser must recognize it by its code, whatever the
/// language of the text (`errorlang` follows the user's language) or with
/// `errorformat=none` (no text at all).
#[test]
fn tokens_withheld_is_recognized_by_its_code() {
    for text in [
        "Tokens may not be obtained when the same-origin policy is not applied.",
        "Tokens können nicht abgerufen werden, wenn die Same-Origin-Policy nicht angewendet wird.",
        "",
    ] {
        let body = serde_json::json!({
            "batchcomplete": true,
            "warnings": [{"code": "tokens-origin", "text": text, "module": "query+tokens"}]
        });
        let env = env_of(&body.to_string());
        assert!(
            matches!(tokens::parse(&env), Err(Error::Unsupported(_))),
            "{text:?}: {:?}",
            tokens::parse(&env)
        );
    }
}

/// `errorformat=raw` gives a message key and MessageValue parameters
/// (`{"plaintext": "token"}`); the missing parameter is the parameter's
/// value, not the JSON key around it.
#[test]
fn missing_param_in_the_raw_error_format() {
    let raw = api_error(&ok(
        r#"{"errors":[{"code":"missingparam","key":"paramvalidator-missingparam","params":[{"plaintext":"token"}],"module":"logout"}],"docref":"See"}"#,
    ));
    assert_eq!(raw.missing_param(), Some("token"));
    assert_eq!(raw.text, "paramvalidator-missingparam: token");
    // 1.29-1.34 raw: plain string parameters.
    let old = api_error(&ok(
        r#"{"errors":[{"code":"notoken","key":"apierror-missingparam","params":["token"],"module":"logout"}]}"#,
    ));
    assert_eq!(old.missing_param(), Some("token"));
    // "At least one of" names several parameters: none is *the* missing one.
    let several = api_error(&ok(
        r#"{"errors":[{"code":"missingparam","key":"apierror-missingparam-at-least-one-of","params":[{"list":["<var>text</var>","<var>appendtext</var>"],"type":"text"},2],"module":"edit"}]}"#,
    ));
    assert_eq!(several.missing_param(), None);
    // Lists and numbers read as text.
    let env = env_of(
        r#"{"warnings":[{"code":"unrecognizedvalues","key":"paramvalidator-unrecognizedvalues","params":[{"plaintext":"type"},{"plaintext":"csrf|foo"},{"list":[{"plaintext":"foo"}],"type":"comma"},{"num":1}],"data":{"values":["foo"]},"module":"query+tokens"},{"code":"unrecognizedparams","key":"apierror-unrecognizedparams","params":[{"list":{"2":"intoken"},"type":"comma"},1],"module":"main"}]}"#,
    );
    assert_eq!(
        env.warnings[0].text,
        "paramvalidator-unrecognizedvalues: type, csrf|foo, foo, 1"
    );
    assert_eq!(
        env.warnings[1].text,
        "apierror-unrecognizedparams: intoken, 1"
    );
}

#[test]
fn centralauthtoken_shapes() {
    let env = env_of(
        r#"{"centralauthtoken":{"centralauthtoken":"138aa2df87605832076ac89c207f37ed1c3b01b"}}"#,
    );
    assert_eq!(
        centralauth::parse(&env).expect("token").secret(),
        "138aa2df87605832076ac89c207f37ed1c3b01b"
    );
    let err = api_error(&ok(
        r#"{"error":{"code":"notloggedin","info":"Anonymous users cannot obtain a centralauthtoken."}}"#,
    ));
    assert_eq!(err.code, "notloggedin");
    assert!(matches!(
        centralauth::parse(&env_of(r#"{"centralauthtoken":{"centralauthtoken":""}}"#)),
        Err(Error::Decode(_))
    ));
}

#[test]
fn warnings_in_every_format() {
    // bc fv1: one string per module, lines split.
    let env = env_of(r#"{"warnings":{"main":{"*":"a\nb"},"login":{"*":"c"}}}"#);
    let texts: Vec<(&str, &str)> = env
        .warnings
        .iter()
        .map(|w| (w.module.as_str(), w.text.as_str()))
        .collect();
    assert_eq!(texts, [("login", "c"), ("main", "a"), ("main", "b")]);
    // bc fv2.
    let env = env_of(r#"{"warnings":{"logout":{"warnings":"You must be logged in."}}}"#);
    assert_eq!(
        logout::parse(&env).expect("logout"),
        logout::LogoutOutcome::NotLoggedIn
    );
    // html and raw formats.
    let env = env_of(
        r#"{"warnings":[{"code":"x","html":"<b>bold</b>","module":"main"},{"code":"apiwarn-deprecation-withreplacement","key":"apiwarn-deprecation-withreplacement","params":["action=tokens","action=query&meta=tokens"],"module":"tokens"}]}"#,
    );
    assert_eq!(env.warnings[0].text, "<b>bold</b>");
    assert_eq!(
        env.warnings[1].text,
        "apiwarn-deprecation-withreplacement: action=tokens, action=query&meta=tokens"
    );
    assert!(env.warnings[1].is_deprecation());
}

#[test]
fn errors_with_several_messages_keep_the_others() {
    let e = api_error(&ok(
        r#"{"errors":[{"code":"badtoken","text":"Invalid CSRF token.","module":"main"},{"code":"mustpostparams","text":"The following parameter was found in the query string, but must be in the POST body: token.","module":"main"}],"requestid":"abc"}"#,
    ));
    assert!(e.is_badtoken());
    assert_eq!(e.others.len(), 1);
    assert_eq!(e.others[0].0, "mustpostparams");
    assert_eq!(e.requestid.as_deref(), Some("abc"));
}

// ---------------------------------------------------------------------------
// The fixtures
// ---------------------------------------------------------------------------

#[test]
fn every_fixture_group_has_fixtures_and_every_fixture_loads() {
    let dir = fixture::dir();
    for group in [
        "tokens",
        "checktoken",
        "login",
        "clientlogin",
        "createaccount",
        "logout",
        "legacy_tokens",
        "centralauthtoken",
        "envelope",
        "token_modules",
    ] {
        let files: Vec<_> = std::fs::read_dir(dir.join(group))
            .unwrap_or_else(|e| panic!("fixtures/{group}: {e}"))
            .flatten()
            .filter(|f| f.path().extension().is_some_and(|e| e == "http"))
            .collect();
        assert!(!files.is_empty(), "fixtures/{group} is empty");
        for f in files {
            let fixture = fixture::load(f.path());
            assert!(
                !fixture.comment.is_empty(),
                "{} has no comment saying where its shape comes from",
                f.path().display()
            );
        }
    }
}

#[test]
fn warnings_that_come_with_an_error_are_kept() {
    let res = http::Response::new(
        br#"{"warnings":{"main":{"*":"Unrecognized parameter: foo."}},"error":{"code":"badtoken","info":"Invalid CSRF token."}}"#.to_vec(),
    );
    let err = parse_envelope(&res).expect_err("an error response");
    let api = err.api().expect("an API error");
    assert_eq!(api.code, "badtoken");
    assert_eq!(api.warnings.len(), 1);
    assert_eq!(api.warnings[0].module, "main");
    assert_eq!(api.warnings[0].text, "Unrecognized parameter: foo.");
}

/// A huge errors or warnings list keeps a bounded number of messages (the
/// envelope pass reads at most 64 and skips the rest unbuilt), and the
/// first error is still the error.
#[test]
fn huge_error_and_warning_lists_are_bounded() {
    let item = r#"{"code":"x","text":"t","module":"main"},"#;
    let many = item.repeat(150_000);
    let many = many.trim_end_matches(',');
    let errors = format!(r#"{{"errors":[{{"code":"badtoken","text":"Invalid."}},{many}]}}"#);
    match parse_envelope(&ok(&errors)) {
        Err(Error::Api(e)) => {
            assert_eq!(e.code, "badtoken");
            assert!(e.others.len() < 64, "{} others kept", e.others.len());
        }
        other => panic!("expected the API error, got {other:?}"),
    }
    let warnings = format!(r#"{{"batchcomplete":true,"warnings":[{many}]}}"#);
    let env = parse_envelope(&ok(&warnings)).expect("an envelope");
    assert_eq!(env.warnings.len(), 64);
}

/// A `TokenSet` keeps one token a type, sorted by type whatever the
/// body's order (`watchlist` sorts before `watchtoken` by key, after
/// `watch` by type), a later member of a type replacing an earlier one;
/// both parsers agree.
#[test]
fn token_sets_are_sorted_by_type_the_last_of_a_type_kept() {
    let body = br#"{"query":{"tokens":{"watchlisttoken":"l+\\","watchtoken":"w1+\\","csrftoken":"c+\\","watchtoken":"w2+\\"}}}"#;
    let res = http::Response::new(body.to_vec());
    let set = tokens::parse_response(&res).expect("tokens").value;
    let seen: Vec<(&str, &str)> = set
        .iter()
        .map(|(ty, t)| (ty.as_str(), t.secret()))
        .collect();
    assert_eq!(
        seen,
        [("csrf", "c+\\"), ("watch", "w2+\\"), ("watchlist", "l+\\")]
    );
    assert_eq!(set.get(&TokenType::WATCH).map(Token::secret), Some("w2+\\"));
    let env = parse_envelope(&res).expect("envelope");
    assert_eq!(tokens::parse(&env).expect("tokens"), set);
}
