//! The modules that consume each token type, in memory, from answers
//! recorded on the real test wiki (MediaWiki 1.39.17) by
//! `scripts/record-token-fixtures.py`, which makes the calls of the live
//! tests in `crates/mw-transport/tests/real_wiki_tokens.rs` in the client's
//! own format (`errorformat=plaintext`, `formatversion=2`; each fixture's
//! header names its source): `fixtures/token_modules` for edit,
//! watch, patrol, rollback, userrights and createaccount, plus
//! `tokens/mw139-anon-createaccount-plaintext-fv2.http` and the two
//! `login/mw139-createaccount-token-*` answers.
//!
//! What the live tests proved, proved here without a wiki: every answer is
//! read (snapshots); the right token type's answer is a success; a token of
//! another type gets `badtoken` (whatever the type, its text says "Invalid
//! CSRF token."), which the session answers with one refresh and one retry
//! and then a typed error; `action=login` answers a wrong type with
//! `WrongToken` or `Failed`/`sessionlost`, never retried.

mod common;

use common::{Driver, ENDPOINT, Reply, Sent, USER_AGENT};
use mw_protocol::response::parse_envelope;
use mw_protocol::{ActionCall, ActionRequest, Config, Error, Password, Session, TokenType};
use mw_test_support::fixture::{self, Fixture};
use serde::Serialize;
use serde_json::Value;

const BOT: &str = "TestBot@client";
const BOT_PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";

fn load(relative: &str) -> Fixture {
    fixture::load(fixture::dir().join(relative))
}

fn answer(relative: &str) -> Reply {
    Reply::Response(load(relative).response)
}

fn module(name: &str) -> String {
    format!("token_modules/mw139-{name}-plaintext-fv2.http")
}

// ---------------------------------------------------------------------------
// Snapshots: every recorded answer, read
// ---------------------------------------------------------------------------

#[derive(Serialize)]
struct ErrorView {
    code: String,
    text: String,
    module: Option<String>,
    is_badtoken: bool,
}

#[derive(Serialize)]
struct Rendered {
    http_status: u16,
    result: Result<Value, ErrorView>,
    warnings: usize,
}

fn render(f: &Fixture) -> Rendered {
    let result = match parse_envelope(&f.response) {
        Ok(env) => Ok(env.body().clone()),
        Err(Error::Api(e)) => Err(ErrorView {
            is_badtoken: e.is_badtoken(),
            code: e.code.clone(),
            text: e.text.clone(),
            module: e.module.clone(),
        }),
        Err(e) => panic!("not an API answer: {e}"),
    };
    let warnings = match parse_envelope(&f.response) {
        Ok(env) => env.warnings.len(),
        Err(Error::Api(e)) => e.warnings.len(),
        Err(_) => 0,
    };
    Rendered {
        http_status: f.response.status().as_u16(),
        result,
        warnings,
    }
}

#[test]
fn token_modules() {
    insta::glob!("fixtures/token_modules/*.http", |path| {
        let f = fixture::load(path);
        assert!(
            f.comment.starts_with("recorded from MediaWiki 1.39"),
            "{} does not name its source",
            path.display()
        );
        insta::with_settings!({
            description => f.comment.clone(),
            omit_expression => true,
        }, {
            insta::assert_yaml_snapshot!(render(&f));
        });
    });
}

// ---------------------------------------------------------------------------
// The sessions
// ---------------------------------------------------------------------------

/// The recorded wiki: meta=tokens (every type, logged in), a bot-password
/// login, and `answer` for every other request.
fn wiki(answer: impl Fn(&Sent) -> Reply) -> impl FnMut(&Sent) -> Reply {
    move |r: &Sent| {
        if r.is_meta_tokens() {
            return if r.param("type") == Some("login") {
                self::answer("tokens/mw139-anon-login-fv2.http")
            } else {
                self::answer("tokens/mw139-bot-all-fv2.http")
            };
        }
        match r.action() {
            "login" => self::answer("login/mw139-botpw-success-fv2.http"),
            _ => answer(r),
        }
    }
}

fn anonymous<F: FnMut(&Sent) -> Reply>(server: F) -> Driver<F> {
    Driver::new(
        Session::new(ENDPOINT, Config::new(USER_AGENT)).expect("endpoint"),
        server,
    )
}

fn logged_in(server: impl FnMut(&Sent) -> Reply) -> Driver<impl FnMut(&Sent) -> Reply> {
    let session = Session::new(ENDPOINT, Config::new(USER_AGENT)).expect("endpoint");
    let mut d = Driver::new(session, server);
    let op = d.session.login(BOT, Password::new(BOT_PASSWORD.to_owned()));
    let user = d.finish(op).expect("login");
    assert_eq!(user.name, "TestBot");
    d
}

/// Each module with the token type the live test gave it by mistake, its
/// recorded `badtoken`, and the right type with its recorded success.
const CASES: &[(&str, &str, &str, &str)] = &[
    // action, wrong type, badtoken fixture, success fixture
    ("edit", "watch", "edit-watch-token-badtoken", "edit"),
    ("watch", "csrf", "watch-csrf-token-badtoken", "watch"),
    ("patrol", "csrf", "patrol-csrf-token-badtoken", "patrol"),
    (
        "rollback",
        "csrf",
        "rollback-csrf-token-badtoken",
        "rollback",
    ),
    (
        "userrights",
        "csrf",
        "userrights-csrf-token-badtoken",
        "userrights-add",
    ),
];

fn right_type(action: &str) -> TokenType {
    match action {
        "edit" => TokenType::CSRF,
        "watch" => TokenType::WATCH,
        "patrol" => TokenType::PATROL,
        "rollback" => TokenType::ROLLBACK,
        "userrights" => TokenType::USER_RIGHTS,
        other => panic!("{other}"),
    }
}

#[test]
fn a_token_of_another_type_is_refused_after_one_refresh_and_one_retry() {
    for &(action, wrong, refused, _) in CASES {
        let refused = module(refused);
        let mut d = logged_in(wiki(move |r: &Sent| {
            assert_eq!(r.action(), action);
            answer(&refused)
        }));
        let before = d.count();
        let op = d.session.call(
            ActionCall::new(ActionRequest::post(action).param("title", "X"))
                .with_token(TokenType::new(wrong).expect("a token type")),
        );
        let err = d.finish(op).expect_err("refused");
        match &err {
            Error::Api(e) => {
                assert!(e.is_badtoken(), "{action}: {err}");
                assert_eq!(e.text, "Invalid CSRF token.", "{action}");
                assert_eq!(e.module.as_deref(), Some(action));
            }
            other => panic!("{action}: {other:?}"),
        }
        assert_eq!(
            d.actions_since(before),
            [
                format!("query+tokens({wrong})"),
                action.to_owned(),
                format!("query+tokens({wrong})"),
                action.to_owned(),
            ],
            "{action}: one refresh, one retry, then the error"
        );
        // The session is idle: nothing more is sent.
        d.run();
        assert_eq!(d.count(), before + 4, "{action}");
    }
}

#[test]
fn the_right_token_type_gets_the_recorded_success() {
    for &(action, _, _, success) in CASES {
        let success = module(success);
        let mut d = logged_in(wiki(move |_: &Sent| answer(&success)));
        let before = d.count();
        let op = d.session.call(
            ActionCall::new(ActionRequest::post(action).param("title", "X"))
                .with_token(right_type(action)),
        );
        let env = d.finish(op).expect("success");
        assert_eq!(
            d.actions_since(before),
            [
                format!("query+tokens({})", right_type(action)),
                action.to_owned()
            ]
        );
        let body = env.body();
        match action {
            "edit" => assert_eq!(body["edit"]["result"], "Success"),
            "watch" => assert_eq!(body["watch"][0]["watched"], true),
            "patrol" => assert!(body["patrol"]["rcid"].as_u64().is_some()),
            "rollback" => {
                assert!(body["rollback"]["revid"].as_u64() > body["rollback"]["old_revid"].as_u64())
            }
            "userrights" => assert_eq!(body["userrights"]["added"][0], "tokentest"),
            other => panic!("{other}"),
        }
    }
}

#[test]
fn createaccount_with_a_login_token_is_refused_and_with_its_own_passes() {
    let create = |ty: TokenType| {
        ActionCall::new(
            ActionRequest::post("createaccount")
                .param("username", "Tokens fixture")
                .param("createreturnurl", "http://127.0.0.1/")
                .password("password", Password::new("Acc-x".to_owned()))
                .password("retype", Password::new("Acc-x".to_owned())),
        )
        .with_token_param(ty, "createtoken")
    };
    let mut d = anonymous(|r: &Sent| match r.param("type") {
        Some("login") if r.is_meta_tokens() => answer("tokens/mw139-anon-login-fv2.http"),
        _ => answer(&module("createaccount-login-token-badtoken")),
    });
    let op = d.session.call(create(TokenType::LOGIN));
    let err = d.finish(op).expect_err("refused");
    assert_eq!(err.code(), Some("badtoken"), "{err}");
    assert_eq!(
        d.actions_since(0),
        [
            "query+tokens(login)",
            "createaccount",
            "query+tokens(login)",
            "createaccount"
        ]
    );

    let mut d = anonymous(|r: &Sent| {
        if r.is_meta_tokens() {
            assert_eq!(r.param("type"), Some("createaccount"));
            answer("tokens/mw139-anon-createaccount-plaintext-fv2.http")
        } else {
            assert!(r.param("createtoken").is_some_and(|t| t.len() == 42));
            answer(&module("createaccount-pass"))
        }
    });
    let op = d.session.call(create(TokenType::CREATE_ACCOUNT));
    let env = d.finish(op).expect("PASS");
    assert_eq!(env.body()["createaccount"]["status"], "PASS");
    assert!(d.session.user().is_none(), "the creator is not logged in");
}

#[test]
fn login_with_another_token_type_is_wrongtoken_or_sessionlost_and_not_retried() {
    for (fixture, result) in [
        (
            "login/mw139-createaccount-token-wrongtoken-plaintext-fv2.http",
            "WrongToken",
        ),
        (
            "login/mw139-createaccount-token-sessionlost-plaintext-fv2.http",
            "Failed",
        ),
    ] {
        // Sent by hand as a generic call: the answer is the caller's.
        let mut d = anonymous(|r: &Sent| {
            if r.is_meta_tokens() {
                answer("tokens/mw139-anon-createaccount-plaintext-fv2.http")
            } else {
                answer(fixture)
            }
        });
        let op = d.session.call(
            ActionCall::new(
                ActionRequest::post("login")
                    .param("lgname", BOT)
                    .password("lgpassword", Password::new(BOT_PASSWORD.to_owned())),
            )
            .with_token_param(TokenType::CREATE_ACCOUNT, "lgtoken"),
        );
        let env = d.finish(op).expect("an answer");
        assert_eq!(env.body()["login"]["result"], result);
        assert_eq!(d.actions_since(0), ["query+tokens(createaccount)", "login"]);
        assert!(d.session.user().is_none());

        // The typed login given this answer: a typed failure, no loop.
        let mut d = anonymous(|r: &Sent| {
            if r.is_meta_tokens() {
                answer("tokens/mw139-anon-login-fv2.http")
            } else {
                answer(fixture)
            }
        });
        let op = d.session.login(BOT, Password::new(BOT_PASSWORD.to_owned()));
        match d.finish(op) {
            Err(Error::Login { result: r, .. }) => assert_eq!(r, result),
            other => panic!("{other:?}"),
        }
        assert_eq!(d.actions_since(0), ["query+tokens(login)", "login"]);
    }
}
