//! The scanner's pass gives what serde's gives, on every recorded answer
//! and on generated and mutated ones: the same envelope or error, and the
//! same result from every module parser.

use proptest::prelude::*;

use super::super::shared;
use super::{Envelope, borrow_envelope, parse_with};
use crate::Error;
use crate::actions::auth_step::{ClientLoginStep, CreateAccountStep};
use crate::actions::centralauth::CentralAuthToken;
use crate::actions::checktoken::CheckToken;
use crate::actions::createaccount::AuthInfo;
use crate::actions::legacy_tokens::{ActionTokens, ModuleTokenParser};
use crate::actions::login::Login;
use crate::actions::logout::Logout;
use crate::actions::tokens::MetaTokens;
use crate::actions::{
    Module, centralauth, checktoken, clientlogin, createaccount, legacy_tokens, login, logout,
    tokens,
};

fn json_headers() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers
}

fn envelope(body: &[u8], fast: bool) -> Result<Envelope, Error> {
    let headers = json_headers();
    let read = if fast {
        shared::read
    } else {
        shared::read_slow
    };
    parse_with(http::StatusCode::OK, &headers, body.to_vec(), read)
}

/// Both passes, and every parser on both envelopes, agree; so do a second
/// parse of each envelope, a parse of a clone and of an envelope that
/// borrows the body ([`borrow_envelope`]); and each module's one pass
/// gives what the envelope and its parser give ([`one_pass`]).
fn agree(body: &[u8]) {
    let (fast, slow) = (envelope(body, true), envelope(body, false));
    let shown = String::from_utf8_lossy(body);
    assert_eq!(fast, slow, "envelopes of {shown}");
    let mut response = http::Response::new(body.to_vec());
    *response.headers_mut() = json_headers();
    let lent = borrow_envelope(&response);
    match (&lent, &fast) {
        (Ok(lent), Ok(fast)) => assert!(lent == fast, "borrowed envelope of {shown}"),
        (Err(a), Err(b)) => assert_eq!(a, b, "borrowed envelope's error of {shown}"),
        _ => panic!("borrowed and owned envelopes disagree on {shown}"),
    }
    one_pass::<CheckToken>(&response, &fast);
    one_pass::<Login>(&response, &fast);
    one_pass::<Logout>(&response, &fast);
    one_pass::<MetaTokens>(&response, &fast);
    one_pass::<ActionTokens>(&response, &fast);
    one_pass::<ModuleTokenParser>(&response, &fast);
    one_pass::<CentralAuthToken>(&response, &fast);
    one_pass::<ClientLoginStep>(&response, &fast);
    one_pass::<CreateAccountStep>(&response, &fast);
    one_pass::<AuthInfo>(&response, &fast);
    let (Ok(fast), Ok(slow), Ok(lent)) = (fast, slow, lent) else {
        return;
    };
    let copy = fast.clone();
    macro_rules! same {
        ($($parse:path),*) => {
            $(
                let first = $parse(&slow);
                assert_eq!($parse(&fast), first, "{} of {shown}", stringify!($parse));
                assert_eq!($parse(&fast), first, "{} again, of {shown}", stringify!($parse));
                assert_eq!($parse(&slow), first, "{} again (serde), of {shown}", stringify!($parse));
                assert_eq!($parse(&copy), first, "{} of a clone, of {shown}", stringify!($parse));
                assert_eq!($parse(&lent), first, "{} borrowed, of {shown}", stringify!($parse));
                assert_eq!($parse(&lent), first, "{} borrowed again, of {shown}", stringify!($parse));
            )*
        };
    }
    same!(
        tokens::parse,
        login::parse,
        checktoken::parse,
        logout::parse,
        clientlogin::parse,
        clientlogin::parse_info,
        createaccount::parse,
        createaccount::parse_info,
        centralauth::parse,
        centralauth::parse_legacy,
        legacy_tokens::parse,
        legacy_tokens::parse_module_tokens
    );
}

/// `M`'s parse in one pass gives what the envelope and then its parser
/// give, and so does its member read by serde's pass.
fn one_pass<M: Module>(response: &http::Response<Vec<u8>>, env: &Result<Envelope, Error>)
where
    M::Output: PartialEq + std::fmt::Debug,
{
    let shown = String::from_utf8_lossy(response.body());
    let reply = M::parse_response(response);
    let env = match (env, reply) {
        (Ok(env), reply) => {
            let reply = reply.map(|r| {
                assert_eq!(r.warnings, env.warnings, "warnings of {shown}");
                assert_eq!(r.servedby, env.servedby, "servedby of {shown}");
                assert_eq!(r.requestid, env.requestid, "requestid of {shown}");
                r.value
            });
            assert_eq!(reply, M::parse(env), "{} of {shown}", M::KEY);
            env
        }
        (Err(e), reply) => {
            assert_eq!(
                reply.err().as_ref(),
                Some(e),
                "{}'s error of {shown}",
                M::KEY
            );
            return;
        }
    };
    let text = std::str::from_utf8(env.raw()).expect("UTF-8");
    let mut member = M::Member::default();
    if shared::read_slow(text, Some(M::KEY), None, &mut member).is_ok() {
        let serde = M::finish(member, &env.warnings);
        assert_eq!(serde, M::parse(env), "{} by serde, of {shown}", M::KEY);
    }
}

fn recorded() -> Vec<Vec<u8>> {
    let dir = mw_test_support::fixture::dir();
    let mut bodies = Vec::new();
    for folder in std::fs::read_dir(&dir).expect("fixtures").flatten() {
        for (_, f) in mw_test_support::fixture::all_in(folder.path()) {
            bodies.push(f.response.into_body());
        }
    }
    assert!(bodies.len() > 50, "the recorded answers");
    bodies
}

#[test]
fn recorded_answers_agree() {
    for body in recorded() {
        agree(&body);
    }
}

#[test]
fn hostile_shapes_agree() {
    let long = format!(
        r#"{{"errors":[{}]}}"#,
        vec![r#"{"code":"x","text":"y"}"#; 70].join(",")
    );
    for body in [
        r#"{"login":{"result":"Success","result":"x"}}"#,
        r#"{"login":{},"login":{}}"#,
        r#"{"\u006cogin":{"result":"Success","lgusername":"A"}}"#,
        r#"{"login":{"result":"Su\u0063cess","lguserid":-0,"lgusername":"\ud800"}}"#,
        r#"{"login":{"result":"Success","lguserid":1e400}}"#,
        r#"{"login":{"result":"NeedToken","token":"a+\\"}}"#,
        r#"{"query":{"tokens":{"csrftoken":"a+\\","csrftoken":"b+\\","x":1}}}"#,
        r#"{"query":{"tokens":{"csrftoken":1,"watchtoken":"w"}}}"#,
        r#"{"query":{"tokens":[]}}"#,
        r#"{"query":{"tokens":[1]}}"#,
        r#"{"tokens":{"edittoken":"e+\\"},"warnings":{"tokens":{"*":"a\nb"}}}"#,
        r#"{"error":{"code":"x","info":"y","*":"z","extra":{"a":[1]}},"servedby":"h"}"#,
        r#"{"errors":[{"code":"x","text":"y","module":"m"}],"requestid":7}"#,
        r#"{"warnings":[{"code":"w","text":"t"}],"batchcomplete":true}"#,
        r#"{"clientlogin":{"status":"UI","requests":[{"id":"a","fields":{"b":{"type":"string"}}}]}}"#,
        r#"{"checktoken":{"result":"valid","generated":"2026"}} "#,
        r#"{"centralauthtoken":{"centralauthtoken":"abc"}}"#,
        r#"{"warnings":{"b":{"*":"x\ny"},"a":{"warnings":"z","*":"w"},"c":"bare"}}"#,
        r#"{"warnings":{"a":{"warnings":1,"*":"w"},"a":{"*":"v","*":"u"},"b":null}}"#,
        r#"{"warnings":{"a":{"*":"x","n":1e400},"b":{"*":"\ud800"},"c":{"*":"y","f":1.5}}}"#,
        r#"{"warnings":{"a":[{"*":"x"}],"b":7,"c":{"warnings":{"x":"y"}},"d":{"*":"\u00e9\n"}}}"#,
        r#"{"clientlogin":{"status":"UI","requests":[1,{"id":"a","id":"b","required":{"key":"k","params":[]},"fields":{"z":{"type":"hidden","value":12,"optional":"","sensitive":true},"a":{"type":"string","value":-1.5,"label":"L","label":"M","help":{"text":"h"}},"a":{"type":"x"},"m":7}}]}}"#,
        r#"{"clientlogin":{"status":"UI","requests":[{"id":"a","fields":{"f":{"value":1e400}}}]}}"#,
        r#"{"clientlogin":{"status":"UI","requests":[{"id":"\ud800"}]}}"#,
        r#"{"clientlogin":{"status":"UI","requests":[{"id":"a","x":[1.5,{"y":null}],"fields":[]}]}}"#,
        r#"{"clientlogin":{"status":"UI","requests":"none"}}"#,
        r#"{"clientlogin":{"status":"UI","requests": null }}"#,
        r#"{"query":{"authmanagerinfo":{"cancreateaccounts":"","requests":[{"id":"c","fields":{"w":{"type":"null","value":"q\u00e9"}}}]}}}"#,
        r#"{"createaccount":{"status":"UI","requests":[{"id":"c","provider":7,"account":["x"],"fields":{"f":{"optional":false,"sensitive":"x"}}}]}}"#,
        "[]",
        "[1]",
        "\u{c}{}",
        r#"{"a":1e400}"#,
        r#"{"a":"\ud800"}"#,
        &long,
    ] {
        agree(body.as_bytes());
    }
}

fn member() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("7".to_owned()),
        Just("-1.5e3".to_owned()),
        prop::sample::select(vec![
            "Success",
            "NeedToken",
            "valid",
            "PASS",
            "UI",
            "FAIL",
            "a+\\\\",
            "\\u00e9",
            "",
        ])
        .prop_map(|s| format!("\"{s}\"")),
    ];
    let keys = vec![
        "result",
        "lguserid",
        "lgusername",
        "token",
        "reason",
        "status",
        "username",
        "message",
        "requests",
        "id",
        "fields",
        "type",
        "value",
        "csrftoken",
        "watchtoken",
        "edittoken",
        "tokens",
        "authmanagerinfo",
        "centralauthtoken",
        "generated",
        "code",
        "info",
        "text",
        "*",
        "module",
        "x",
    ];
    leaf.prop_recursive(4, 32, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((prop::sample::select(keys.clone()), inner), 0..5).prop_map(
                |kv| {
                    let kv: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", kv.join(","))
                }
            ),
        ]
    })
}

fn body() -> impl Strategy<Value = String> {
    let top = prop::sample::select(vec![
        "error",
        "errors",
        "warnings",
        "servedby",
        "requestid",
        "login",
        "checktoken",
        "clientlogin",
        "createaccount",
        "centralauthtoken",
        "tokens",
        "query",
        "batchcomplete",
    ]);
    prop::collection::vec((top, member()), 0..4).prop_map(|kv| {
        let kv: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", kv.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn generated_answers_agree(body in body()) {
        agree(body.as_bytes());
    }

    #[test]
    fn mutated_answers_agree(
        body in body(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = body.into_bytes();
        for (at, byte) in edits {
            let at = at % (bytes.len() + 1);
            let byte = b"{}[]\":,0-1.e\\nu \x01"[usize::from(byte) % 17];
            if at < bytes.len() && byte % 2 == 0 {
                bytes[at] = byte;
            } else {
                bytes.insert(at, byte);
            }
        }
        agree(&bytes);
    }
}

/// The shortcut for a body without members (`{}`, `[]`) gives what the
/// full pass gives for the same body spelled with a space.
#[test]
fn member_less_bodies_as_the_full_pass() {
    let headers = json_headers();
    for (short, long) in [("{}", "{ }"), ("[]", "[ ]")] {
        for status in [200, 404, 503] {
            let status = http::StatusCode::from_u16(status).expect("status");
            let parse =
                |body: &str| parse_with(status, &headers, body.as_bytes().to_vec(), shared::read);
            match (parse(short), parse(long)) {
                (Ok(a), Ok(b)) => {
                    assert!(status.is_success());
                    assert_eq!(a.raw(), short.as_bytes());
                    assert_eq!((&a.warnings, &a.servedby), (&b.warnings, &b.servedby));
                    assert_eq!(logout::parse(&a).ok(), logout::parse(&b).ok());
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{short} with {status}"),
                (a, b) => panic!("{short} with {status}: {a:?} against {b:?}"),
            }
        }
    }
}
