//! The AuthManager flows (`client_login` with a second factor,
//! `create_account` with and without a captcha) driven in memory against
//! the answers recorded from the real MediaWiki 1.39 wikis with OATHAuth
//! and ConfirmEdit (`fixtures/clientlogin/mw139-oath-*`,
//! `fixtures/createaccount/mw139-*`): the live suite proves the same
//! against the servers themselves (mw-transport's `real_wiki_auth.rs`).

mod common;

use common::{Driver, ENDPOINT, Reply, Sent, USER_AGENT, assert_no_secret, json};
use mw_protocol::actions::auth_step::{AuthStatus, CAPTCHA_ANSWER_FIELD, TWO_FACTOR_FIELD};
use mw_protocol::{ClientLoginOutcome, Config, CreateAccountOutcome, Error, Password, Session};
use mw_test_support::fixture;

const PASSWORD: &str = "Correct-horse-battery-staple-42";
const CODE: &str = "493027";
const ANSWER: &str = "TestWiki";

fn recorded(group: &str, name: &str) -> Reply {
    let f = fixture::load(
        fixture::dir()
            .join(group)
            .join(format!("mw139-{name}.http")),
    );
    Reply::Response(f.response)
}

fn tokens() -> Reply {
    json(
        r#"{"batchcomplete":true,"query":{"tokens":{"logintoken":"9ed1499d99c0c34c73faa07157b3b6076b021573+\\","createaccounttoken":"9ed1499d99c0c34c73faa07157b3b6076b021573+\\"}}}"#,
    )
}

fn session() -> Session {
    Session::new(ENDPOINT, Config::new(USER_AGENT)).expect("valid endpoint")
}

#[test]
fn two_factor_ui_wrong_code_then_the_right_one() {
    let mut answers = vec!["oath-ui-fv2", "oath-wrong-code-fv2", "oath-pass-fv2"].into_iter();
    let mut d = Driver::new(session(), move |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else {
            recorded(
                "clientlogin",
                answers.next().expect("three clientlogin requests"),
            )
        }
    });
    let op = d
        .session
        .client_login("OathUser", Password::new(PASSWORD), "http://127.0.0.1/");
    let step = match d.finish(op) {
        Ok(ClientLoginOutcome::NeedsInput(step)) => step,
        other => panic!("{other:?}"),
    };
    assert_eq!(step.status, AuthStatus::Ui);
    assert!(step.asks_for_two_factor());
    let field = step.field(TWO_FACTOR_FIELD).expect("OATHToken");
    assert_eq!(field.kind, "string");
    assert_eq!(
        field.label.as_deref(),
        Some("Two-factor token or recovery code")
    );
    assert_eq!(step.message_code.as_deref(), Some("oathauth-auth-ui"));

    // A wrong code: a typed error, and the login is still pending.
    let op = d
        .session
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), "000000".into())]);
    match d.finish(op) {
        Err(Error::SecondFactor { code, reason }) => {
            assert_eq!(code.as_deref(), Some("oathauth-login-failed"));
            assert_eq!(reason.as_deref(), Some("Verification failed."));
        }
        other => panic!("{other:?}"),
    }
    assert!(d.session.user().is_none());
    let op = d
        .session
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), CODE.into())]);
    match d.finish(op) {
        Ok(ClientLoginOutcome::LoggedIn(user)) => assert_eq!(user.name, "OathUser"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.session.user().map(|u| u.name.as_str()), Some("OathUser"));
    let last = d.sent.last().expect("sent");
    assert_eq!(last.param("logincontinue"), Some("1"));
    assert_eq!(
        last.url_param(TWO_FACTOR_FIELD),
        None,
        "the code only in the body"
    );
    assert_no_secret("the session's Debug", &d.debug, CODE);
}

#[test]
fn the_first_ui_step_is_not_a_refusal() {
    // The UI step that first asks for the code is NeedsInput even when a
    // continuation (of another field) led to it.
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else {
            recorded("clientlogin", "oath-ui-fv1")
        }
    });
    let op = d
        .session
        .client_login_continue(vec![("password".into(), PASSWORD.into())]);
    assert!(
        matches!(d.finish(op), Ok(ClientLoginOutcome::NeedsInput(s)) if s.asks_for_two_factor())
    );
}

#[test]
fn create_account_without_a_captcha() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.param("meta") == Some("authmanagerinfo") {
            recorded("createaccount", "authmanagerinfo-create-fv2")
        } else if r.is_meta_tokens() {
            tokens()
        } else {
            recorded("createaccount", "pass-fv2")
        }
    });
    let op = d.session.create_account(
        "fixture1",
        Password::new(PASSWORD),
        "http://127.0.0.1/",
        vec![],
    );
    match d.finish(op) {
        Ok(CreateAccountOutcome::Created { username }) => assert!(username.starts_with("Fixture")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.actions_since(0),
        ["query", "query+tokens(createaccount)", "createaccount"]
    );
    let create = d.sent.last().expect("sent");
    assert_eq!(create.param("password"), Some(PASSWORD));
    assert_eq!(create.param("retype"), Some(PASSWORD));
    assert_eq!(create.param("createreturnurl"), Some("http://127.0.0.1/"));
    assert!(create.url_param("password").is_none());
    assert!(
        d.session.user().is_none(),
        "creating an account does not log in"
    );
}

#[test]
fn create_account_failures_are_typed() {
    for (name, code) in [
        ("userexists-fv1", "userexists"),
        ("userexists-fv2", "userexists"),
        ("common-password-fv2", "passwordincommonlist"),
        (
            "password-is-username-fv2",
            "password-substring-username-match",
        ),
        ("throttled-fv2", "acct_creation_throttle_hit"),
        ("captcha-wrong-fv2", "captcha-createaccount-fail"),
    ] {
        let mut d = Driver::new(session(), move |r: &Sent| {
            if r.param("meta") == Some("authmanagerinfo") {
                recorded("createaccount", "authmanagerinfo-create-fv1")
            } else if r.is_meta_tokens() {
                tokens()
            } else {
                recorded("createaccount", name)
            }
        });
        let op = d.session.create_account(
            "TestBot",
            Password::new(PASSWORD),
            "http://127.0.0.1/",
            vec![],
        );
        match d.finish(op) {
            Err(e @ Error::CreateAccount { .. }) => {
                let Error::CreateAccount { code: c, reason } = &e else {
                    unreachable!()
                };
                assert_eq!(c.as_deref(), Some(code), "{name}");
                assert!(reason.is_some(), "{name}");
                assert!(!e.to_string().contains(PASSWORD));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn create_account_with_a_captcha_asks_then_sends_the_answer() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.param("meta") == Some("authmanagerinfo") {
            recorded("createaccount", "authmanagerinfo-captcha-fv2")
        } else if r.is_meta_tokens() {
            tokens()
        } else if r.param(CAPTCHA_ANSWER_FIELD) == Some(ANSWER) {
            recorded("createaccount", "captcha-pass-fv2")
        } else {
            recorded("createaccount", "captcha-wrong-fv2")
        }
    });
    let op = d.session.create_account(
        "Fixture1",
        Password::new(PASSWORD),
        "http://127.0.0.1/",
        vec![],
    );
    let step = match d.finish(op) {
        Ok(CreateAccountOutcome::NeedsInput(step)) => step,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        d.actions_since(0),
        ["query"],
        "nothing was sent to createaccount yet"
    );
    let captcha = step.captcha().expect("a captcha");
    assert_eq!(
        captcha.info.as_deref(),
        Some("What is the name of this test wiki, in one word?")
    );
    assert!(
        captcha
            .prompt
            .is_some_and(|p| p.contains("answer the question"))
    );
    let inputs: Vec<&str> = step.inputs().map(|f| f.name.as_str()).collect();
    assert!(inputs.contains(&CAPTCHA_ANSWER_FIELD), "{inputs:?}");

    let op = d
        .session
        .create_account_continue(vec![(CAPTCHA_ANSWER_FIELD.into(), ANSWER.into())]);
    match d.finish(op) {
        Ok(CreateAccountOutcome::Created { username }) => assert!(username.starts_with("Fixture")),
        other => panic!("{other:?}"),
    }
    let create = d.sent.last().expect("sent");
    assert_eq!(create.action(), "createaccount");
    assert_eq!(create.param("username"), Some("Fixture1"));
    assert_eq!(create.param("password"), Some(PASSWORD));
    assert_eq!(create.param("captchaId"), Some(captcha.id.as_str()));
    assert_eq!(create.param(CAPTCHA_ANSWER_FIELD), Some(ANSWER));
    assert!(create.param("createcontinue").is_none());
    assert_no_secret("the session's Debug", &d.debug, PASSWORD);
    assert_no_secret("the session's Debug", &d.debug, ANSWER);
}

#[test]
fn continuing_with_nothing_pending_is_the_wikis_createcontinue() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else {
            recorded("createaccount", "continue-not-in-progress-fv2")
        }
    });
    let op = d.session.create_account_continue(vec![]);
    match d.finish(op) {
        Err(Error::CreateAccount { code, .. }) => {
            assert_eq!(code.as_deref(), Some("authmanager-create-not-in-progress"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.sent.last().and_then(|s| s.param("createcontinue")),
        Some("1")
    );
}
