//! The login captcha (ConfirmEdit's `badlogin` trigger) driven in memory
//! against the answers recorded from the real MediaWiki 1.39 captcha wiki
//! (`fixtures/clientlogin/mw139-captcha-*` and
//! `mw139-authmanagerinfo-login-captcha-*`, by
//! `scripts/record-auth-fixtures.py --login-captcha`): a login without the
//! captcha fails as `wrongpassword` even with the right password, and only
//! `meta=authmanagerinfo&amirequestsfor=login` lists the captcha. The live
//! suite proves the same against the server (mw-transport's
//! `real_wiki_login_captcha.rs`).

mod common;

use common::{Driver, ENDPOINT, Reply, Sent, USER_AGENT, assert_no_secret, json};
use mw_protocol::actions::auth_step::{AuthStatus, CAPTCHA_ANSWER_FIELD, CAPTCHA_ID_FIELD};
use mw_protocol::actions::clientlogin;
use mw_protocol::response::parse_envelope;
use mw_protocol::{ClientLoginOutcome, Config, Error, Password, Session};
use mw_test_support::fixture;

const PASSWORD: &str = "Correct-horse-battery-staple-42";
const ANSWER: &str = "TestWiki";
const WRONG: &str = "not-the-answer-4711";
const QUESTION: &str = "What is the name of this test wiki, in one word?";
/// The `captchaId`s of the two recorded `authmanagerinfo` answers.
const FIRST_ID: &str = "9190820317081673402";
const SECOND_ID: &str = "3935743016489410273";
const RETURN_URL: &str = "http://127.0.0.1/";

fn recorded(name: &str) -> Reply {
    let f = fixture::load(
        fixture::dir()
            .join("clientlogin")
            .join(format!("mw139-{name}.http")),
    );
    Reply::Response(f.response)
}

fn tokens() -> Reply {
    json(
        r#"{"batchcomplete":true,"query":{"tokens":{"logintoken":"9ed1499d99c0c34c73faa07157b3b6076b021573+\\"}}}"#,
    )
}

fn session() -> Session {
    Session::new(ENDPOINT, Config::new(USER_AGENT)).expect("valid endpoint")
}

/// The captcha wiki after a failed login: a login passes only with the
/// captcha answered; each `authmanagerinfo` gives the next recorded
/// captcha.
fn captcha_wiki() -> impl FnMut(&Sent) -> Reply {
    let mut infos = vec![
        "authmanagerinfo-login-captcha-fv2",
        "authmanagerinfo-login-captcha-again-fv2",
    ]
    .into_iter();
    move |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else if r.param("meta") == Some("authmanagerinfo") {
            assert_eq!(r.param("amirequestsfor"), Some("login"));
            recorded(infos.next().expect("two authmanagerinfo requests"))
        } else {
            match r.param(CAPTCHA_ANSWER_FIELD) {
                Some(ANSWER) if r.param("password") == Some(PASSWORD) => {
                    recorded("captcha-pass-fv2")
                }
                Some(_) => recorded("captcha-wrong-fv2"),
                None => recorded("captcha-missing-fv2"),
            }
        }
    }
}

fn needs_input(r: Result<ClientLoginOutcome, Error>) -> mw_protocol::actions::auth_step::AuthStep {
    match r {
        Ok(ClientLoginOutcome::NeedsInput(step)) => step,
        other => panic!("not NeedsInput: {other:?}"),
    }
}

#[test]
fn a_login_captcha_is_asked_then_answered_wrong_then_right() {
    let mut d = Driver::new(session(), captcha_wiki());
    let op = d
        .session
        .client_login("Fixture1", Password::new(PASSWORD), RETURN_URL);
    let step = needs_input(d.finish(op));
    assert_eq!(
        d.actions_since(0),
        ["query+tokens(login)", "clientlogin", "query"]
    );
    assert_eq!(step.status, AuthStatus::Ui);
    assert_eq!(step.message_code.as_deref(), Some("wrongpassword"));
    let captcha = step.captcha().expect("a captcha");
    assert_eq!(captcha.id, FIRST_ID);
    assert_eq!(captcha.info.as_deref(), Some(QUESTION));
    assert!(
        captcha
            .prompt
            .is_some_and(|p| p.contains("automated password cracking"))
    );
    // Only the captcha's request: the session fills the name and password.
    let inputs: Vec<&str> = step.inputs().map(|f| f.name.as_str()).collect();
    assert_eq!(inputs, [CAPTCHA_ANSWER_FIELD]);
    assert!(d.session.user().is_none());
    // The kept password is in no snapshot.
    let snap = serde_json::to_string(&d.session.snapshot()).expect("snapshot");
    assert_no_secret("the snapshot", &snap, PASSWORD);

    // A wrong answer: a fresh clientlogin (not logincontinue), then the
    // next captcha, and no loop.
    let from = d.count();
    let op = d
        .session
        .client_login_continue(vec![(CAPTCHA_ANSWER_FIELD.into(), WRONG.into())]);
    let again = needs_input(d.finish(op));
    assert_eq!(d.actions_since(from), ["clientlogin", "query"]);
    let login = &d.sent[from];
    assert_eq!(login.method, "POST");
    assert_eq!(login.param("logincontinue"), None);
    assert_eq!(login.form_param("username"), Some("Fixture1"));
    assert_eq!(login.form_param("password"), Some(PASSWORD));
    assert_eq!(login.form_param("loginreturnurl"), Some(RETURN_URL));
    assert_eq!(login.form_param(CAPTCHA_ID_FIELD), Some(FIRST_ID));
    assert_eq!(login.form_param(CAPTCHA_ANSWER_FIELD), Some(WRONG));
    assert!(login.form_param("logintoken").is_some());
    assert_eq!(again.captcha().map(|c| c.id).as_deref(), Some(SECOND_ID));

    // The right answer, with the second captcha's id.
    let from = d.count();
    let op = d
        .session
        .client_login_continue(vec![(CAPTCHA_ANSWER_FIELD.into(), ANSWER.into())]);
    match d.finish(op) {
        Ok(ClientLoginOutcome::LoggedIn(u)) => assert_eq!(u.name, "Fixture446206902"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.actions_since(from), ["clientlogin"]);
    let login = &d.sent[from];
    assert_eq!(login.form_param(CAPTCHA_ID_FIELD), Some(SECOND_ID));
    assert_eq!(login.form_param(CAPTCHA_ANSWER_FIELD), Some(ANSWER));
    assert!(d.session.user().is_some());
    for s in &d.sent {
        assert_no_secret("a URL", &s.url, PASSWORD);
        assert_no_secret("a URL", &s.url, ANSWER);
        assert_no_secret("a URL", &s.url, WRONG);
    }
    assert_no_secret("the session's Debug", &d.debug, PASSWORD);
    assert_no_secret("the session's Debug", &d.debug, ANSWER);
    assert_no_secret("the session's Debug", &d.debug, WRONG);

    // Nothing is pending any more: a continuation is logincontinue.
    let from = d.count();
    let op = d.session.client_login_continue(vec![]);
    let _ = d.finish(op);
    let sent = d.sent[from..].iter().find(|s| s.action() == "clientlogin");
    assert_eq!(sent.and_then(|s| s.param("logincontinue")), Some("1"));
}

#[test]
fn a_wrong_password_without_a_captcha_stays_the_login_error() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else if r.param("meta") == Some("authmanagerinfo") {
            recorded("authmanagerinfo-login-fv2")
        } else {
            recorded("fail-fv2")
        }
    });
    let op = d
        .session
        .client_login("TestBot", Password::new(PASSWORD), RETURN_URL);
    match d.finish(op) {
        Err(Error::Login { result, reason, .. }) => {
            assert_eq!(result, "FAIL");
            assert!(reason.is_some_and(|r| r.contains("Incorrect username or password")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.actions_since(0),
        ["query+tokens(login)", "clientlogin", "query"]
    );
    // Nothing kept: a continuation is logincontinue.
    let from = d.count();
    let op = d.session.client_login_continue(vec![]);
    let _ = d.finish(op);
    let sent = d.sent[from..].iter().find(|s| s.action() == "clientlogin");
    assert_eq!(sent.and_then(|s| s.param("logincontinue")), Some("1"));
}

#[test]
fn a_passing_login_asks_no_authmanagerinfo() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else {
            assert_eq!(r.action(), "clientlogin", "nothing else is asked");
            recorded("pass-fv2")
        }
    });
    let op = d
        .session
        .client_login("TestBot", Password::new(PASSWORD), RETURN_URL);
    assert!(matches!(d.finish(op), Ok(ClientLoginOutcome::LoggedIn(_))));
    assert_eq!(d.actions_since(0), ["query+tokens(login)", "clientlogin"]);
}

#[test]
fn other_failures_ask_no_authmanagerinfo() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else {
            assert_eq!(r.action(), "clientlogin", "nothing else is asked");
            json(
                r#"{"clientlogin":{"status":"FAIL","message":"Too many recent login attempts.","messagecode":"login-throttled"}}"#,
            )
        }
    });
    let op = d
        .session
        .client_login("TestBot", Password::new(PASSWORD), RETURN_URL);
    assert!(matches!(d.finish(op), Err(Error::Login { .. })));
    assert_eq!(d.actions_since(0), ["query+tokens(login)", "clientlogin"]);
}

#[test]
fn an_unreadable_authmanagerinfo_leaves_the_login_error() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens()
        } else if r.param("meta") == Some("authmanagerinfo") {
            json(r#"{"batchcomplete":true}"#)
        } else {
            recorded("captcha-missing-fv2")
        }
    });
    let op = d
        .session
        .client_login("TestBot", Password::new(PASSWORD), RETURN_URL);
    assert!(matches!(d.finish(op), Err(Error::Login { .. })));
}

#[test]
fn the_recorded_login_captcha_reads_in_both_formats() {
    for fv in ["1", "2"] {
        let f = fixture::load(
            fixture::dir()
                .join("clientlogin")
                .join(format!("mw139-authmanagerinfo-login-captcha-fv{fv}.http")),
        );
        let requests =
            clientlogin::parse_info(&parse_envelope(&f.response).expect("envelope")).expect("info");
        let captcha = mw_protocol::actions::auth_step::captcha_of(&requests).expect("a captcha");
        assert_eq!(captcha.info.as_deref(), Some(QUESTION), "fv{fv}");
        assert!(!captcha.id.is_empty());
    }
}
