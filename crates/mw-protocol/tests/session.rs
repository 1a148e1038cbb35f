//! The [`Session`] driven end to end in memory: each test has a small fake
//! server (a closure that looks at each request's action and parameters),
//! counts the requests, and drives time with a fake `Instant`.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{
    Driver, ENDPOINT, FOREIGN, Reply, Sent, USER_AGENT, api_error, assert_no_secret, json,
    json_value, respond,
};
use mw_protocol::actions::checktoken::{TokenCheck, TokenValidity};
use mw_protocol::actions::logout::LogoutOutcome;
use mw_protocol::{
    ActionCall, ActionRequest, ClientLoginOutcome, Config, Error, Event, Password, Session,
    SessionSnapshot, Token, TokenApi, TokenType, TransportFailure, User,
};
use serde_json::json;

const PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
const USERNAME: &str = "Example@bot";
const LOGIN_TOKEN: &str = "9ed1499d99c0c34c73faa07157b3b6076b021573+\\";
const CSRF: &str = "d41d8cd98f00b204e9800998ecf8427e6b021575+\\";
const CSRF2: &str = "0cc175b9c0f1b6a831c399e269772661ffb02157+\\";
const ANON: &str = "+\\";

fn config() -> Config {
    Config::new(USER_AGENT)
}

fn session() -> Session {
    Session::new(ENDPOINT, config()).expect("valid endpoint")
}

/// A session that may write without a user (the anonymous token `+\`):
/// the tests of token mechanics that need no login.
fn anonymous_writer() -> Session {
    session_with(|c| c.allow_anonymous = true)
}

/// A session resumed as a logged-in user, with no request (foreign calls
/// need a user).
fn session_as_user() -> Session {
    let snapshot: SessionSnapshot = serde_json::from_value(json!({
        "version": 1,
        "endpoint": ENDPOINT,
        "user": {"name": "Example", "id": 42},
        "token_api": "meta_tokens",
        "tokens": {}
    }))
    .expect("snapshot");
    Session::from_snapshot(snapshot, config()).expect("restore")
}

fn session_with(f: impl FnOnce(&mut Config)) -> Session {
    let mut c = config();
    f(&mut c);
    Session::new(ENDPOINT, c).expect("valid endpoint")
}

fn tokens_body(key: &str, value: &str) -> Reply {
    json_value(json!({"batchcomplete": true, "query": {"tokens": {key: value}}}))
}

fn login_token() -> Reply {
    tokens_body("logintoken", LOGIN_TOKEN)
}

fn login_success() -> Reply {
    json_value(json!({
        "warnings": [{
            "code": "deprecation",
            "text": "Main-account login via \"action=login\" is deprecated.",
            "module": "login"
        }],
        "login": {"result": "Success", "lguserid": 42, "lgusername": "Example"}
    }))
}

fn ok_edit() -> Reply {
    json_value(json!({"edit": {"result": "Success", "pageid": 1, "title": "Sandbox"}}))
}

fn edit_call() -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", "Sandbox")
            .param("appendtext", "hi"),
    )
    .with_token(TokenType::CSRF)
}

/// A modern wiki: login token, login (checking the token and password),
/// csrf token `csrf` while logged in (`+\` otherwise), checktoken, logout.
/// Other actions go to `other`.
fn wiki(
    csrf: impl Fn() -> String + 'static,
    mut other: impl FnMut(&Sent) -> Reply + 'static,
) -> impl FnMut(&Sent) -> Reply {
    let logged_in = Rc::new(Cell::new(false));
    move |r: &Sent| {
        if r.is_meta_tokens() {
            return match r.param("type") {
                Some("login") => login_token(),
                Some("csrf") => {
                    let value = if logged_in.get() { csrf() } else { ANON.into() };
                    tokens_body("csrftoken", &value)
                }
                other => panic!("unexpected token type {other:?}"),
            };
        }
        match r.action() {
            "login" => {
                assert_eq!(r.method, "POST");
                assert_eq!(r.param("lgtoken"), Some(LOGIN_TOKEN));
                assert_eq!(r.param("lgpassword"), Some(PASSWORD));
                assert_eq!(r.param("lgname"), Some(USERNAME));
                logged_in.set(true);
                login_success()
            }
            "logout" => {
                logged_in.set(false);
                json("{}")
            }
            _ => other(r),
        }
    }
}

fn no_other(r: &Sent) -> Reply {
    panic!("unexpected request {}", r.rendered)
}

fn logged_in_driver<F: FnMut(&Sent) -> Reply>(session: Session, server: F) -> Driver<F> {
    let mut d = Driver::new(session, server);
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    match d.finish(op) {
        Ok(user) => assert_eq!(user.name, "Example"),
        other => panic!("login failed: {other:?}"),
    }
    d
}

fn assert_logged_in(result: Result<User, Error>, name: &str, id: Option<u64>) {
    match result {
        Ok(user) => {
            assert_eq!(user.name, name);
            assert_eq!(user.id, id);
        }
        other => panic!("expected a login, got {other:?}"),
    }
}

fn token_of(result: Result<Token, Error>) -> Token {
    match result {
        Ok(t) => t,
        other => panic!("expected a token, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The seed flows
// ---------------------------------------------------------------------------

/// Seed 000/001: login token → login → csrf token → checktoken → logout.
#[test]
fn seed_flow_login_csrf_checktoken_logout_is_five_requests() {
    let mut d = Driver::new(
        session(),
        wiki(
            || CSRF.into(),
            |r| {
                assert_eq!(r.action(), "checktoken");
                assert_eq!(r.method, "POST");
                assert_eq!(r.param("type"), Some("csrf"));
                assert_eq!(r.param("token"), Some(CSRF));
                json_value(
                    json!({"checktoken": {"result": "valid", "generated": "2026-11-21T22:04:37Z"}}),
                )
            },
        ),
    );
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    let done = d.finish_done(op);
    assert_logged_in(done.result, "Example", Some(42));
    assert!(
        done.warnings
            .iter()
            .any(|w| w.module == "login" && w.is_deprecation()),
        "the main-account login deprecation reaches the caller: {:?}",
        done.warnings
    );

    let op = d.session.token(TokenType::CSRF);
    let csrf = token_of(d.finish(op));
    assert_eq!(csrf.secret(), CSRF);

    let op = d.session.check_token(TokenType::CSRF, csrf, None);
    match d.finish(op) {
        Ok(TokenCheck {
            result, generated, ..
        }) => {
            assert_eq!(result, TokenValidity::Valid);
            assert_eq!(generated.as_deref(), Some("2026-11-21T22:04:37Z"));
        }
        other => panic!("{other:?}"),
    }

    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::LoggedOut));
    assert_eq!(d.count(), 5);
    assert_eq!(
        d.actions_since(0),
        [
            "query+tokens(login)",
            "login",
            "query+tokens(csrf)",
            "checktoken",
            "logout"
        ]
    );
    assert_eq!(d.sent[4].param("token"), Some(CSRF));
    assert!(d.session.user().is_none());
}

/// Seed 000 (API:Logout): login token → login → csrf token → logout.
#[test]
fn seed_flow_logout_is_four_requests() {
    let mut d = logged_in_driver(session(), wiki(|| CSRF.into(), no_other));
    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::LoggedOut));
    assert_eq!(
        d.actions_since(0),
        [
            "query+tokens(login)",
            "login",
            "query+tokens(csrf)",
            "logout"
        ]
    );
    let logout = &d.sent[3];
    assert_eq!(logout.method, "POST");
    assert_eq!(logout.url, ENDPOINT, "nothing in the logout URL");
    assert_eq!(
        logout.form.last(),
        Some(&("token".to_owned(), CSRF.to_owned()))
    );
}

// ---------------------------------------------------------------------------
// The token cache
// ---------------------------------------------------------------------------

#[test]
fn a_cached_token_is_reused() {
    let mut d = logged_in_driver(
        session(),
        wiki(
            || CSRF.into(),
            |r| {
                assert_eq!(r.param("token"), Some(CSRF));
                ok_edit()
            },
        ),
    );
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(d.actions_since(2), ["query+tokens(csrf)", "edit"]);
    let before = d.count();
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), CSRF);
    assert_eq!(
        d.actions_since(before),
        ["edit"],
        "0 extra token requests for the second call and the token()"
    );
    assert_eq!(
        d.session.cached_token(&TokenType::CSRF).map(Token::secret),
        Some(CSRF)
    );
}

#[test]
fn one_hundred_concurrent_ops_share_one_token_request() {
    let mut d = Driver::new(anonymous_writer(), |r: &Sent| {
        if r.is_meta_tokens() {
            assert_eq!(r.param("type"), Some("csrf"));
            tokens_body("csrftoken", ANON)
        } else {
            assert_eq!(r.param("token"), Some(ANON));
            ok_edit()
        }
    });
    let ops: Vec<_> = (0..100).map(|_| d.session.call(edit_call())).collect();
    d.run();
    assert_eq!(d.done.len(), 100);
    for op in ops {
        assert!(d.done.contains(&op.id()), "finished");
        let done = d.take(op);
        assert!(done.result.is_ok(), "{:?}", done.result);
    }
    let token_requests = d.sent.iter().filter(|s| s.is_meta_tokens()).count();
    assert_eq!(token_requests, 1);
    assert_eq!(d.count(), 101);
    assert!(d.session.is_idle());
}

#[test]
fn concurrent_get_tokens_of_several_types_are_batched() {
    let mut d = Driver::new(session(), |r: &Sent| {
        assert!(r.is_meta_tokens());
        let types: Vec<&str> = r.param("type").unwrap_or("").split('|').collect();
        let mut tokens = serde_json::Map::new();
        for t in types {
            let value = if t == "login" { LOGIN_TOKEN } else { ANON };
            tokens.insert(format!("{t}token"), json!(value));
        }
        json_value(json!({"batchcomplete": true, "query": {"tokens": tokens}}))
    });
    let a = d.session.token(TokenType::CSRF);
    let b = d.session.token(TokenType::WATCH);
    let c = d.session.token(TokenType::LOGIN);
    let e = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(a)).secret(), ANON);
    assert_eq!(token_of(d.finish(b)).secret(), ANON);
    assert_eq!(token_of(d.finish(c)).secret(), LOGIN_TOKEN);
    assert_eq!(token_of(d.finish(e)).secret(), ANON);
    assert_eq!(d.count(), 1);
    assert_eq!(d.sent[0].param("type"), Some("csrf|login|watch"));
}

// ---------------------------------------------------------------------------
// badtoken
// ---------------------------------------------------------------------------

#[test]
fn badtoken_refreshes_the_token_and_retries_once() {
    let issued = Rc::new(Cell::new(0));
    let issued2 = issued.clone();
    let mut d = logged_in_driver(
        session(),
        wiki(
            move || {
                issued2.set(issued2.get() + 1);
                if issued2.get() == 1 { CSRF } else { CSRF2 }.into()
            },
            |r| match r.param("token") {
                Some(CSRF) => api_error("badtoken", "Invalid CSRF token."),
                Some(CSRF2) => ok_edit(),
                other => panic!("{other:?}"),
            },
        ),
    );
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), CSRF);
    let before = d.count();
    let op = d.session.call(edit_call());
    match d.finish(op) {
        Ok(env) => {
            assert_eq!(
                env.get(&["edit", "result"]).and_then(|v| v.as_str()),
                Some("Success")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.actions_since(before),
        ["edit", "query+tokens(csrf)", "edit"],
        "exactly 2 extra requests: refresh + retry"
    );
    assert_eq!(d.sent.last().and_then(|s| s.param("token")), Some(CSRF2));
    assert_eq!(
        d.session.cached_token(&TokenType::CSRF).map(Token::secret),
        Some(CSRF2)
    );
}

#[test]
fn concurrent_badtokens_share_one_refresh() {
    let mut s = anonymous_writer();
    let t0 = Instant::now();
    // A cached token, then two calls sent with it.
    let get = s.token(TokenType::CSRF);
    let fetch = s.poll_transmit().expect("fetch");
    let Reply::Response(r) = tokens_body("csrftoken", CSRF) else {
        unreachable!()
    };
    s.handle_response(fetch.id, r, t0);
    assert!(matches!(s.poll_event(), Some(Event::Completed { op, .. }) if op == get));
    let a = s.call(edit_call());
    let b = s.call(edit_call());
    let ta = s.poll_transmit().expect("call a");
    let tb = s.poll_transmit().expect("call b");
    for t in [ta, tb] {
        let Reply::Response(r) = api_error("badtoken", "Invalid CSRF token.") else {
            unreachable!()
        };
        s.handle_response(t.id, r, t0);
    }
    // One refresh for both, then both retried with the new token.
    let refresh = s.poll_transmit().expect("refresh");
    assert!(Sent::new(&refresh.request).is_meta_tokens());
    assert!(s.poll_transmit().is_none(), "a single refresh");
    let Reply::Response(r) = tokens_body("csrftoken", CSRF2) else {
        unreachable!()
    };
    s.handle_response(refresh.id, r, t0);
    let mut retried = 0;
    while let Some(t) = s.poll_transmit() {
        let sent = Sent::new(&t.request);
        assert_eq!(sent.action(), "edit");
        assert_eq!(sent.param("token"), Some(CSRF2));
        retried += 1;
        let Reply::Response(r) = ok_edit() else {
            unreachable!()
        };
        s.handle_response(t.id, r, t0);
    }
    assert_eq!(retried, 2);
    let mut done = Vec::new();
    while let Some(Event::Completed { op, .. }) = s.poll_event() {
        done.push(op);
    }
    done.sort();
    assert_eq!(done, [a.id(), b.id()]);
    for op in [a, b] {
        let result = s.take(op).expect("finished").result;
        assert!(result.is_ok(), "{result:?}");
    }
}

#[test]
fn duplicate_and_unknown_responses_are_ignored() {
    let mut s = session();
    let t0 = Instant::now();
    let op = s.call(ActionCall::new(ActionRequest::get("query")));
    let t = s.poll_transmit().expect("request");
    let id = t.id;
    let Reply::Response(r) = json(r#"{"batchcomplete":true}"#) else {
        unreachable!()
    };
    s.handle_response(id, r.clone(), t0);
    s.handle_response(id, r, t0);
    s.handle_transport_failure(id, TransportFailure::Other("late".into()), t0);
    assert!(matches!(s.poll_event(), Some(Event::Completed { op: done, .. }) if done == op));
    assert!(matches!(s.take(op).map(|d| d.result), Some(Ok(_))));
    assert!(s.poll_event().is_none(), "one event only");
    assert!(s.is_idle());
}

#[test]
fn a_second_badtoken_ends_in_the_error() {
    let mut d = logged_in_driver(
        session(),
        wiki(
            || CSRF.into(),
            |_| api_error("badtoken", "Invalid CSRF token."),
        ),
    );
    let before = d.count();
    let op = d.session.call(edit_call());
    let err = d.finish(op).expect_err("the operation must fail");
    assert_eq!(err.code(), Some("badtoken"));
    assert_eq!(
        d.actions_since(before),
        ["query+tokens(csrf)", "edit", "query+tokens(csrf)", "edit"]
    );
}

#[test]
fn badtoken_on_logout_is_retried_once_with_a_fresh_token() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let issued = Rc::new(Cell::new(0));
    let mut d = logged_in_driver(session(), move |r: &Sent| {
        if r.is_meta_tokens() && r.param("type") == Some("csrf") {
            issued.set(issued.get() + 1);
            return tokens_body("csrftoken", if issued.get() == 1 { CSRF } else { CSRF2 });
        }
        if r.action() == "logout" {
            calls2.set(calls2.get() + 1);
            return if r.param("token") == Some(CSRF2) {
                json("{}")
            } else {
                api_error("badtoken", "Invalid CSRF token.")
            };
        }
        wiki(|| CSRF.into(), no_other)(r)
    });
    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::LoggedOut));
    assert_eq!(calls.get(), 2);
    assert!(d.session.user().is_none());
}

// ---------------------------------------------------------------------------
// Old wikis
// ---------------------------------------------------------------------------

/// A MediaWiki 1.23: no `meta=tokens` (a warning), `action=tokens` with
/// legacy names, and the two-step `NeedToken` login.
fn wiki_1_23() -> impl FnMut(&Sent) -> Reply {
    let session_token = "c4ca4238a0b923820dcc509a6f75849b";
    move |r: &Sent| match r.action() {
        "query" if r.param("meta") == Some("tokens") => json(
            r#"{"warnings":{"main":{"*":"Unrecognized parameters: 'formatversion', 'errorformat'"},"query":{"*":"Unrecognized value for parameter 'meta': tokens"}}}"#,
        ),
        "tokens" => {
            let mut out = serde_json::Map::new();
            for name in r.param("type").unwrap_or("edit").split('|') {
                assert!(
                    ["edit", "watch", "patrol"].contains(&name),
                    "1.23 has no {name} type"
                );
                out.insert(format!("{name}token"), json!(format!("{session_token}+\\")));
            }
            json_value(json!({
                "warnings": {"main": {"*": "Unrecognized parameters: 'formatversion', 'errorformat'"}},
                "tokens": out
            }))
        }
        "login" => match r.param("lgtoken") {
            None => json_value(json!({"login": {
                "result": "NeedToken",
                "token": "b6d767d2f8ed5d21a44b0e5886680cb9",
                "cookieprefix": "wiki",
                "sessionid": "17ab96bd8ffbe8ca58a78657a918558"
            }})),
            Some("b6d767d2f8ed5d21a44b0e5886680cb9") => json_value(json!({"login": {
                "result": "Success",
                "lguserid": 7,
                "lgusername": "Example",
                "lgtoken": "remember-me-token-not-a-csrf",
                "cookieprefix": "wiki",
                "sessionid": "17ab96bd8ffbe8ca58a78657a918558"
            }})),
            Some(other) => panic!("wrong lgtoken {other}"),
        },
        "edit" => {
            assert_eq!(
                r.param("token"),
                Some("c4ca4238a0b923820dcc509a6f75849b+\\")
            );
            ok_edit()
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn legacy_wiki_login_uses_the_need_token_two_step_and_action_tokens() {
    let mut d = Driver::new(session(), wiki_1_23());
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    assert_logged_in(d.finish(op), "Example", Some(7));
    assert_eq!(
        d.actions_since(0),
        ["query+tokens(login)", "login", "login"]
    );
    assert_eq!(d.sent[1].param("lgtoken"), None);
    assert_eq!(
        d.sent[2].form.last().map(|(n, _)| n.as_str()),
        Some("lgtoken")
    );
    assert_eq!(d.session.token_api(), TokenApi::ActionTokens);

    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    let op = d.session.token(TokenType::WATCH);
    assert!(d.finish(op).is_ok());
    assert_eq!(
        d.actions_since(3),
        ["tokens", "edit", "tokens"],
        "later fetches go straight to action=tokens"
    );
    assert_eq!(d.sent[3].param("type"), Some("edit"));
    assert_eq!(d.sent[5].param("type"), Some("watch"));
    assert_eq!(
        d.sent.iter().filter(|s| s.is_meta_tokens()).count(),
        1,
        "meta=tokens is tried once per session"
    );
}

#[test]
fn legacy_wiki_anonymous_fetch_falls_back_once() {
    let mut d = Driver::new(session(), wiki_1_23());
    let op = d.session.token(TokenType::CSRF);
    let done = d.finish_done(op);
    assert_eq!(
        token_of(done.result).secret(),
        "c4ca4238a0b923820dcc509a6f75849b+\\"
    );
    assert_eq!(d.actions_since(0), ["query+tokens(csrf)", "tokens"]);
    assert!(
        done.warnings
            .iter()
            .any(|w| w.module == "query" && w.text.contains("'meta': tokens")),
        "{:?}",
        done.warnings
    );
    let op = d.session.token(TokenType::PATROL);
    assert!(d.finish(op).is_ok());
    assert_eq!(d.actions_since(2), ["tokens"]);
    // Types that action=tokens never had are unsupported, without a request.
    let op = d.session.token(TokenType::ROLLBACK);
    assert!(matches!(d.finish(op), Err(Error::Unsupported(_))));
    assert_eq!(d.count(), 3);
}

/// A MediaWiki 1.24–1.29 `action=tokens` answer: the deprecation warning
/// comes with the token to the caller.
#[test]
fn action_tokens_deprecation_warnings_reach_the_caller() {
    let mut d = Driver::new(session(), |r: &Sent| match r.action() {
        "query" => json(
            r#"{"warnings":{"query":{"*":"Unrecognized value for parameter 'meta': tokens"}}}"#,
        ),
        "tokens" => json(
            r#"{"warnings":{"main":{"*":"Subscribe to the mediawiki-api-announce mailing list at <https://lists.wikimedia.org/mailman/listinfo/mediawiki-api-announce> for notice of API deprecations and breaking changes. Use [[Special:ApiFeatureUsage]] to see usage of deprecated features by your application."},"tokens":{"*":"\"action=tokens\" has been deprecated. Please use \"action=query&meta=tokens\" instead."}},"tokens":{"edittoken":"0123456789abcdef0123456789abcdef+\\"}}"#,
        ),
        other => panic!("{other}"),
    });
    let op = d.session.token(TokenType::CSRF);
    let done = d.finish_done(op);
    assert_eq!(
        token_of(done.result).secret(),
        "0123456789abcdef0123456789abcdef+\\"
    );
    let deprecations: Vec<_> = done
        .warnings
        .iter()
        .filter(|w| w.is_deprecation())
        .collect();
    assert_eq!(deprecations.len(), 1, "{:?}", done.warnings);
    assert_eq!(deprecations[0].module, "tokens");
}

/// MediaWiki 1.24–1.26: `meta=tokens` exists, but without the `login`
/// type: the login posts without a token and follows `NeedToken`.
#[test]
fn wiki_without_login_tokens_follows_need_token() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            return match r.param("type") {
                Some("login") => json(
                    r#"{"warnings":{"tokens":{"*":"Unrecognized value for parameter 'type': login"}},"batchcomplete":"","query":{"tokens":[]}}"#,
                ),
                _ => tokens_body("csrftoken", CSRF),
            };
        }
        match (r.action(), r.param("lgtoken")) {
            ("login", None) => json_value(
                json!({"login": {"result": "NeedToken", "token": "b6d767d2f8ed5d21a44b0e5886680cb9", "cookieprefix": "wiki", "sessionid": "x"}}),
            ),
            ("login", Some("b6d767d2f8ed5d21a44b0e5886680cb9")) => json_value(
                json!({"login": {"result": "Success", "lguserid": 3, "lgusername": "Example"}}),
            ),
            _ => panic!("{}", r.rendered),
        }
    });
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    assert!(d.finish(op).is_ok());
    assert_eq!(
        d.actions_since(0),
        ["query+tokens(login)", "login", "login"]
    );
    assert_eq!(d.session.token_api(), TokenApi::MetaTokens);
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), CSRF);
    assert_eq!(d.actions_since(3), ["query+tokens(csrf)"]);
}

#[test]
fn need_token_twice_is_a_login_error() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            login_token()
        } else {
            // Cookies not kept: every post asks for a token again.
            json_value(
                json!({"login": {"result": "NeedToken", "token": "b6d767d2f8ed5d21a44b0e5886680cb9"}}),
            )
        }
    });
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    match d.finish(op) {
        Err(Error::Login { result, .. }) => assert_eq!(result, "NeedToken"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.count(), 3);
    assert!(d.session.user().is_none());
}

#[test]
fn login_failures_are_login_errors() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            login_token()
        } else {
            json_value(
                json!({"login": {"result": "Failed", "reason": {"code": "wrongpassword", "text": "Incorrect username or password entered. Please try again."}}}),
            )
        }
    });
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    match d.finish(op) {
        Err(Error::Login { result, reason, .. }) => {
            assert_eq!(result, "Failed");
            assert_eq!(
                reason.as_deref(),
                Some("Incorrect username or password entered. Please try again.")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(d.session.user().is_none());
}

// ---------------------------------------------------------------------------
// Lost sessions
// ---------------------------------------------------------------------------

/// A wiki whose session is lost once after the first login: the first csrf
/// fetch after it gives `+\`.
fn wiki_losing_the_session() -> (impl FnMut(&Sent) -> Reply, Rc<Cell<u32>>) {
    let logins = Rc::new(Cell::new(0u32));
    let logins2 = logins.clone();
    let csrf_fetches = Rc::new(Cell::new(0u32));
    let server = move |r: &Sent| {
        if r.is_meta_tokens() && r.param("type") == Some("login") {
            return login_token();
        }
        if r.is_meta_tokens() {
            csrf_fetches.set(csrf_fetches.get() + 1);
            let value = if logins2.get() >= 2 { CSRF } else { ANON };
            return tokens_body("csrftoken", value);
        }
        match r.action() {
            "login" => {
                assert_eq!(r.param("lgpassword"), Some(PASSWORD));
                logins2.set(logins2.get() + 1);
                login_success()
            }
            "edit" => {
                assert_eq!(r.param("token"), Some(CSRF));
                assert_eq!(r.param("assert"), Some("user"));
                ok_edit()
            }
            "logout" => json("{}"),
            other => panic!("{other}"),
        }
    };
    (server, logins)
}

#[test]
fn a_lost_session_is_restored_by_logging_in_again() {
    let (server, logins) = wiki_losing_the_session();
    let mut d = logged_in_driver(session(), server);
    assert_eq!(d.session.relogins(), 0, "the first login is not a relogin");
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(d.session.relogins(), 1, "what a driver logs");
    assert_eq!(
        d.actions_since(2),
        [
            "query+tokens(csrf)",
            "query+tokens(login)",
            "login",
            "query+tokens(csrf)",
            "edit"
        ]
    );
    assert_eq!(logins.get(), 2);
    assert_eq!(d.session.user().map(|u| u.name.as_str()), Some("Example"));
    assert_eq!(
        d.session.cached_token(&TokenType::CSRF).map(Token::secret),
        Some(CSRF)
    );
}

#[test]
fn a_lost_session_without_relogin_is_session_lost() {
    let (server, logins) = wiki_losing_the_session();
    let mut d = logged_in_driver(session_with(|c| c.relogin = false), server);
    let op = d.session.call(edit_call());
    assert!(matches!(d.finish(op), Err(Error::SessionLost(_))));
    assert_eq!(d.session.relogins(), 0);
    assert_eq!(d.actions_since(2), ["query+tokens(csrf)"]);
    assert_eq!(logins.get(), 1);
    assert!(d.session.cached_token(&TokenType::CSRF).is_none());
    assert!(
        d.session.user().is_some(),
        "the user stays, so that assert=user keeps protecting calls"
    );
}

#[test]
fn assertuserfailed_logs_in_again_and_retries() {
    let failed_once = Rc::new(Cell::new(false));
    let mut d = logged_in_driver(
        session(),
        wiki(
            || CSRF.into(),
            move |r| {
                assert_eq!(r.action(), "query");
                assert_eq!(r.param("assert"), Some("user"));
                if failed_once.replace(true) {
                    json_value(json!({"query": {"userinfo": {"id": 42, "name": "Example"}}}))
                } else {
                    api_error(
                        "assertuserfailed",
                        "You are no longer logged in, so the action could not be completed.",
                    )
                }
            },
        ),
    );
    let op = d.session.call(ActionCall::new(
        ActionRequest::get("query").param("meta", "userinfo"),
    ));
    match d.finish(op) {
        Ok(env) => assert_eq!(
            env.get(&["query", "userinfo", "name"])
                .and_then(|v| v.as_str()),
            Some("Example")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.actions_since(2),
        ["query", "query+tokens(login)", "login", "query"]
    );
}

#[test]
fn assertuserfailed_without_relogin_is_session_lost() {
    let mut d = logged_in_driver(
        session_with(|c| c.relogin = false),
        wiki(
            || CSRF.into(),
            |_| {
                api_error(
                    "assertuserfailed",
                    "You are no longer logged in, so the action could not be completed.",
                )
            },
        ),
    );
    let op = d.session.call(ActionCall::new(
        ActionRequest::get("query").param("meta", "userinfo"),
    ));
    assert!(matches!(d.finish(op), Err(Error::SessionLost(_))));
    assert_eq!(d.count(), 3);
}

#[test]
fn assertuserfailed_twice_is_session_lost() {
    let mut d = logged_in_driver(
        session(),
        wiki(
            || CSRF.into(),
            |_| {
                api_error(
                    "assertuserfailed",
                    "You are no longer logged in, so the action could not be completed.",
                )
            },
        ),
    );
    let op = d.session.call(ActionCall::new(
        ActionRequest::get("query").param("meta", "userinfo"),
    ));
    assert!(matches!(d.finish(op), Err(Error::SessionLost(_))));
    assert_eq!(
        d.actions_since(2),
        ["query", "query+tokens(login)", "login", "query"],
        "one relogin per operation"
    );
}

#[test]
fn a_failed_relogin_is_session_lost() {
    let logins = Rc::new(Cell::new(0));
    let mut d = logged_in_driver(session(), move |r: &Sent| {
        if r.is_meta_tokens() && r.param("type") == Some("login") {
            return login_token();
        }
        if r.is_meta_tokens() {
            return tokens_body("csrftoken", ANON);
        }
        assert_eq!(r.action(), "login");
        logins.set(logins.get() + 1);
        if logins.get() == 1 {
            login_success()
        } else {
            json_value(
                json!({"login": {"result": "Failed", "reason": "Incorrect username or password entered. Please try again."}}),
            )
        }
    });
    let op = d.session.call(edit_call());
    match d.finish(op) {
        Err(Error::SessionLost(msg)) => assert!(msg.contains("Incorrect username"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// CentralAuth
// ---------------------------------------------------------------------------

/// A home wiki that issues numbered single-use centralauthtokens, and a
/// foreign wiki that checks each is fresh and used once. `foreign` answers
/// the foreign call itself.
fn central_wiki(
    mut foreign: impl FnMut(&Sent) -> Reply + 'static,
) -> (impl FnMut(&Sent) -> Reply, Rc<RefCell<Vec<String>>>) {
    let issued = Rc::new(RefCell::new(Vec::<String>::new()));
    let issued2 = issued.clone();
    let used = Rc::new(RefCell::new(Vec::<String>::new()));
    let server = move |r: &Sent| {
        if !r.is_foreign() {
            assert_eq!(r.base, ENDPOINT);
            assert_eq!(r.action(), "centralauthtoken");
            assert_eq!(r.url_param("centralauthtoken"), None);
            let token = format!("{:032x}2a", issued2.borrow().len() + 1);
            issued2.borrow_mut().push(token.clone());
            return json_value(json!({"centralauthtoken": {"centralauthtoken": token}}));
        }
        let ca = r
            .url_param("centralauthtoken")
            .expect("a foreign request carries a centralauthtoken in its URL")
            .to_owned();
        assert!(
            !r.form.iter().any(|(n, _)| n == "centralauthtoken"),
            "never in the body"
        );
        assert_eq!(
            issued2.borrow().last(),
            Some(&ca),
            "a fresh token before each foreign request"
        );
        assert!(!used.borrow().contains(&ca), "single use");
        used.borrow_mut().push(ca);
        if r.is_meta_tokens() {
            return tokens_body("csrftoken", CSRF2);
        }
        foreign(r)
    };
    (server, issued)
}

#[test]
fn foreign_call_without_token_is_two_requests() {
    let (server, issued) = central_wiki(|r| {
        assert_eq!(r.method, "GET");
        assert_eq!(r.param("meta"), Some("userinfo"));
        json_value(json!({"query": {"userinfo": {"id": 7, "name": "Example"}}}))
    });
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ));
    assert!(d.finish(op).is_ok());
    assert_eq!(d.actions_since(0), ["centralauthtoken", "query"]);
    assert_eq!(issued.borrow().len(), 1);
    assert!(!d.sent[0].is_foreign());
    assert!(d.sent[1].is_foreign());
}

#[test]
fn foreign_call_with_token_is_four_requests() {
    let (server, issued) = central_wiki(|r| {
        assert_eq!(r.action(), "edit");
        assert_eq!(r.method, "POST");
        assert_eq!(r.form.last(), Some(&("token".to_owned(), CSRF2.to_owned())));
        assert_eq!(r.url_param("token"), None);
        ok_edit()
    });
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(edit_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(
        d.actions_since(0),
        [
            "centralauthtoken",
            "query+tokens(csrf)",
            "centralauthtoken",
            "edit"
        ]
    );
    assert_eq!(issued.borrow().len(), 2);
    // The foreign csrf token is not cached as a home-wiki token.
    assert!(d.session.cached_token(&TokenType::CSRF).is_none());
    // Only the centralauthtoken is ever in a URL.
    for s in &d.sent {
        let keys: Vec<&str> = s.query.iter().map(|(k, _)| k.as_str()).collect();
        assert!(!keys.contains(&"token"), "{}", s.url);
        if s.method == "POST" {
            assert_eq!(keys, ["centralauthtoken"]);
        }
    }
}

/// The foreign wiki's token is judged by the same rules as the home
/// wiki's: one too long to be a token is never used (before, only the
/// home wiki's fetch refused it).
#[test]
fn a_foreign_token_too_long_to_be_one_is_not_used() {
    let long = format!("{}+\\", "a".repeat(2000));
    let server = move |r: &Sent| {
        if !r.is_foreign() {
            return json_value(json!({"centralauthtoken": {"centralauthtoken": "0123abcd"}}));
        }
        if r.is_meta_tokens() {
            return tokens_body("csrftoken", &long);
        }
        panic!("the edit must not be sent: {}", r.action());
    };
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(edit_call());
    let err = d.finish(op).expect_err("a too-long token is refused");
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("too long"), "{err}");
    assert_eq!(
        d.actions_since(0),
        ["centralauthtoken", "query+tokens(csrf)"]
    );
}

#[test]
fn foreign_badtoken_restarts_once() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let (server, issued) = central_wiki(move |_| {
        calls2.set(calls2.get() + 1);
        if calls2.get() == 1 {
            api_error("badtoken", "The centralauthtoken is not valid.")
        } else {
            ok_edit()
        }
    });
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(edit_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(d.count(), 8);
    assert_eq!(issued.borrow().len(), 4);
}

#[test]
fn foreign_badtoken_twice_is_the_error() {
    let (server, _) = central_wiki(|_| api_error("badtoken", "The centralauthtoken is not valid."));
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ));
    assert_eq!(
        d.finish(op).expect_err("the operation must fail").code(),
        Some("badtoken")
    );
    assert_eq!(
        d.actions_since(0),
        ["centralauthtoken", "query", "centralauthtoken", "query"]
    );
}

#[test]
fn foreign_maxlag_retry_gets_a_fresh_centralauthtoken() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let (server, issued) = central_wiki(move |_| {
        calls2.set(calls2.get() + 1);
        if calls2.get() == 1 {
            maxlag_reply(Some("5"))
        } else {
            ok_edit()
        }
    });
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ));
    assert!(d.finish(op).is_ok());
    assert_eq!(
        d.actions_since(0),
        ["centralauthtoken", "query", "centralauthtoken", "query"]
    );
    assert_eq!(issued.borrow().len(), 2);
    assert_eq!(d.waits, [Duration::from_secs(5)]);
}

#[test]
fn centralauthtoken_errors_end_the_foreign_call() {
    let mut d = Driver::new(session_as_user(), |_r: &Sent| {
        api_error(
            "notloggedin",
            "Anonymous users cannot obtain a centralauthtoken.",
        )
    });
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ));
    assert_eq!(
        d.finish(op).expect_err("the operation must fail").code(),
        Some("notloggedin")
    );
    assert_eq!(d.count(), 1);
}

#[test]
fn foreign_call_rejects_bad_urls() {
    let mut s = session();
    assert!(matches!(
        s.foreign("not a url")
            .map(|f| f.call(ActionCall::new(ActionRequest::get("query")))),
        Err(Error::InvalidInput(_))
    ));
    assert!(s.is_idle());
}

// ---------------------------------------------------------------------------
// Retries and backoff
// ---------------------------------------------------------------------------

fn maxlag_reply(retry_after: Option<&str>) -> Reply {
    let body = json!({
        "errors": [{
            "code": "maxlag",
            "text": "Waiting for db1: 7 seconds lagged.",
            "data": {"host": "db1", "lag": 7, "type": "db"},
            "module": "main"
        }],
        "docref": "See https://w.example/w/api.php for API usage."
    })
    .to_string();
    let mut headers = vec![
        ("content-type", "application/json; charset=utf-8"),
        ("mediawiki-api-error", "maxlag"),
        ("x-database-lag", "7"),
    ];
    if let Some(r) = retry_after {
        headers.push(("retry-after", r));
    }
    respond(200, &headers, body)
}

#[test]
fn maxlag_waits_for_retry_after_then_retries() {
    let mut s = session();
    let t0 = Instant::now();
    let op = s.call(ActionCall::new(
        ActionRequest::get("query").param("meta", "siteinfo"),
    ));
    let first = s.poll_transmit().expect("a request");
    assert!(first.request.uri().to_string().contains("maxlag=5"));
    let Reply::Response(lag) = maxlag_reply(Some("7")) else {
        unreachable!()
    };
    s.handle_response(first.id, lag, t0);
    assert!(s.poll_transmit().is_none(), "nothing before the wait");
    assert!(s.poll_event().is_none());
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(7)));

    s.handle_timeout(t0 + Duration::from_secs(6));
    assert!(s.poll_transmit().is_none(), "too early");
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(7)));

    s.handle_timeout(t0 + Duration::from_secs(7));
    assert_eq!(s.poll_timeout(), None);
    let retry = s.poll_transmit().expect("the retry");
    assert_eq!(retry.request.uri(), first.request.uri());
    let Reply::Response(ok) = json(r#"{"batchcomplete":true,"query":{"general":{}}}"#) else {
        unreachable!()
    };
    s.handle_response(retry.id, ok, t0 + Duration::from_secs(8));
    match s.poll_event() {
        Some(Event::Completed { op: done, .. }) => assert_eq!(done, op),
        other => panic!("{other:?}"),
    }
    assert!(matches!(s.take(op).map(|d| d.result), Some(Ok(_))));
    assert!(s.is_idle());
}

#[test]
fn maxlag_retries_are_bounded_and_end_in_the_maxlag_error() {
    let mut d = Driver::new(session(), |_r: &Sent| maxlag_reply(Some("7")));
    let op = d.session.call(ActionCall::new(
        ActionRequest::get("query").param("meta", "siteinfo"),
    ));
    let err = d.finish(op).expect_err("the operation must fail");
    assert_eq!(err.code(), Some("maxlag"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.api().and_then(|e| e.lag()), Some(7.0));
    assert_eq!(d.count(), 4, "1 attempt + 3 retries");
    assert_eq!(d.waits, [Duration::from_secs(7); 3]);
}

#[test]
fn maxlag_without_retry_after_backs_off_exponentially() {
    let mut d = Driver::new(session(), |_r: &Sent| maxlag_reply(None));
    let op = d.session.call(ActionCall::new(ActionRequest::get("query")));
    assert_eq!(
        d.finish(op).expect_err("the operation must fail").code(),
        Some("maxlag")
    );
    assert_eq!(
        d.waits,
        [
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(20)
        ]
    );
}

#[test]
fn a_retry_after_longer_than_max_delay_is_not_waited_for() {
    let mut d = Driver::new(session(), |_r: &Sent| maxlag_reply(Some("3600")));
    let op = d.session.call(ActionCall::new(ActionRequest::get("query")));
    let err = d.finish(op).expect_err("the operation must fail");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(d.count(), 1);
    assert!(d.waits.is_empty());
}

#[test]
fn http_429_with_a_retry_after_date_is_waited_for() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let mut d = Driver::new(session(), move |_r: &Sent| {
        calls2.set(calls2.get() + 1);
        if calls2.get() == 1 {
            respond(
                429,
                &[
                    ("content-type", "text/html; charset=utf-8"),
                    ("date", "Sat, 21 Nov 2026 22:00:00 GMT"),
                    ("retry-after", "Sat, 21 Nov 2026 22:00:30 GMT"),
                ],
                "<html><body><h1>429 Too Many Requests</h1></body></html>",
            )
        } else {
            json(r#"{"batchcomplete":true}"#)
        }
    });
    let op = d.session.call(ActionCall::new(ActionRequest::get("query")));
    assert!(d.finish(op).is_ok());
    assert_eq!(calls.get(), 2);
    assert_eq!(d.waits, [Duration::from_secs(30)]);
}

#[test]
fn http_429_with_a_date_but_no_date_header_falls_back_to_backoff() {
    let mut d = Driver::new(session(), |_r: &Sent| {
        respond(
            429,
            &[("retry-after", "Sat, 21 Nov 2026 22:00:30 GMT")],
            "Too Many Requests",
        )
    });
    let op = d.session.call(ActionCall::new(ActionRequest::get("query")));
    match d.finish(op) {
        Err(Error::Http {
            status: 429,
            retry_after: None,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.waits,
        [
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(20)
        ]
    );
}

#[test]
fn a_token_fetch_hit_by_maxlag_is_retried_for_all_its_waiters() {
    let fetches = Rc::new(Cell::new(0));
    let fetches2 = fetches.clone();
    let mut d = Driver::new(anonymous_writer(), move |r: &Sent| {
        if r.is_meta_tokens() {
            fetches2.set(fetches2.get() + 1);
            if fetches2.get() == 1 {
                return maxlag_reply(Some("5"));
            }
            return tokens_body("csrftoken", ANON);
        }
        ok_edit()
    });
    let a = d.session.call(edit_call());
    let b = d.session.call(edit_call());
    d.run();
    for op in [a, b] {
        assert!(d.done.contains(&op.id()), "done");
        let done = d.take(op);
        assert!(done.result.is_ok(), "{:?}", done.result);
    }
    assert_eq!(fetches.get(), 2);
    assert_eq!(d.waits, [Duration::from_secs(5)]);
}

#[test]
fn ratelimited_and_503_are_retried() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let mut d = Driver::new(anonymous_writer(), move |r: &Sent| {
        calls2.set(calls2.get() + 1);
        match calls2.get() {
            1 => api_error(
                "ratelimited",
                "You've exceeded your rate limit. Please wait some time and try again.",
            ),
            2 => respond(503, &[("retry-after", "2")], "Service Unavailable"),
            _ if r.is_meta_tokens() => tokens_body("csrftoken", ANON),
            _ => ok_edit(),
        }
    });
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    // csrf fetch (ratelimited), retry (503), retry (ok), then the edit.
    assert_eq!(d.count(), 4);
    assert_eq!(d.waits, [Duration::from_secs(5), Duration::from_secs(2)]);
}

#[test]
fn transport_errors_are_not_retried_for_a_write() {
    let mut d = Driver::new(anonymous_writer(), |r: &Sent| {
        if r.is_meta_tokens() {
            return tokens_body("csrftoken", ANON);
        }
        Reply::Disconnected("connection reset by peer".into())
    });
    let op = d.session.call(edit_call());
    assert!(matches!(d.finish(op), Err(Error::Disconnected(_))));
    assert_eq!(d.actions_since(0), ["query+tokens(csrf)", "edit"]);
}

#[test]
fn a_repeatable_request_is_sent_once_more_after_a_transport_error() {
    // A GET, a login and a checktoken change nothing if they arrive twice
    // (before "Safe by default" no transport error was ever retried; a
    // server closing a kept-alive connection as the request crossed it
    // failed the login of `mw flow` 3 runs in 30).
    let failed = Rc::new(Cell::new(0));
    let failed2 = failed.clone();
    let mut d = Driver::new(session(), move |r: &Sent| {
        if failed2.get() < 2 && r.action() == "login" || failed2.get() == 0 {
            failed2.set(failed2.get() + 1);
            return Reply::Disconnected("connection closed before message completed".into());
        }
        if r.is_meta_tokens() {
            return login_token();
        }
        login_success()
    });
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    assert_logged_in(d.finish(op), "Example", Some(42));
    assert_eq!(
        d.actions_since(0),
        [
            "query+tokens(login)",
            "query+tokens(login)",
            "login",
            "login"
        ]
    );
    // Twice in a row is the error.
    let mut d = Driver::new(session(), |_r: &Sent| {
        Reply::Disconnected("connection reset by peer".into())
    });
    let op = d.session.token(TokenType::LOGIN);
    assert!(matches!(d.finish(op), Err(Error::Disconnected(_))));
    assert_eq!(d.count(), 2);
}

// ---------------------------------------------------------------------------
// User changes
// ---------------------------------------------------------------------------

#[test]
fn logout_clears_the_cache_and_the_user() {
    let mut d = logged_in_driver(session(), wiki(|| CSRF.into(), no_other));
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), CSRF);
    assert!(d.session.cached_token(&TokenType::CSRF).is_some());
    let op = d.session.logout();
    assert!(d.finish(op).is_ok());
    assert!(d.session.user().is_none());
    assert!(d.session.cached_token(&TokenType::CSRF).is_none());
    assert!(format!("{:?}", d.session).contains("cached_tokens: []"));
    // Anonymous again: `+\` is what an anonymous user gets, not a lost
    // session, and the credentials are forgotten (no relogin).
    let before = d.count();
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), ANON);
    assert_eq!(d.actions_since(before), ["query+tokens(csrf)"]);
}

#[test]
fn logout_of_an_anonymous_session_reports_not_logged_in() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            tokens_body("csrftoken", ANON)
        } else {
            assert_eq!(r.param("token"), Some(ANON));
            json(
                r#"{"warnings":[{"code":"notloggedin","text":"You must be logged in.","module":"logout"}]}"#,
            )
        }
    });
    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::NotLoggedIn));
}

/// Logging out of a session the wiki has already lost (its csrf token is
/// `+\`) just forgets it: logging in again only to log out would create a
/// new server session (and a login) for nothing.
#[test]
fn logout_of_a_lost_session_does_not_log_in_again() {
    let (server, logins) = wiki_losing_the_session();
    let mut d = logged_in_driver(session(), server);
    let before = d.count();
    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::NotLoggedIn));
    assert_eq!(d.actions_since(before), ["query+tokens(csrf)"]);
    assert_eq!(logins.get(), 1, "no second login");
    assert!(d.session.user().is_none());
    assert!(d.session.cached_token(&TokenType::CSRF).is_none());
}

#[test]
fn a_fetch_in_flight_during_login_is_not_cached_for_the_new_user() {
    let mut s = session();
    let t0 = Instant::now();
    let get = s.token(TokenType::CSRF);
    let anon_fetch = s.poll_transmit().expect("the anonymous csrf fetch");
    assert!(s.poll_transmit().is_none());

    let login = s.login(USERNAME, Password::new(PASSWORD));
    let lt = s.poll_transmit().expect("login token fetch");
    let Reply::Response(r) = login_token() else {
        unreachable!()
    };
    s.handle_response(lt.id, r, t0);
    let post = s.poll_transmit().expect("login post");
    let Reply::Response(r) = login_success() else {
        unreachable!()
    };
    s.handle_response(post.id, r, t0);
    assert!(matches!(
        s.poll_event(),
        Some(Event::Completed { op, .. }) if op == login
    ));
    assert!(matches!(s.take(login).map(|d| d.result), Some(Ok(_))));

    // The anonymous answer arrives after the login.
    let Reply::Response(r) = tokens_body("csrftoken", ANON) else {
        unreachable!()
    };
    s.handle_response(anon_fetch.id, r, t0);
    assert!(
        s.cached_token(&TokenType::CSRF).is_none(),
        "a token fetched for the previous user is not cached"
    );
    assert!(
        s.poll_event().is_none(),
        "the token() waits for a new fetch"
    );
    let refetch = s.poll_transmit().expect("a fetch for the new user");
    assert!(refetch.request.uri().to_string().contains("type=csrf"));
    let Reply::Response(r) = tokens_body("csrftoken", CSRF) else {
        unreachable!()
    };
    s.handle_response(refetch.id, r, t0);
    match s.poll_event() {
        Some(Event::Completed { op, .. }) => {
            assert_eq!(op, get);
            let t = s.take(get).expect("finished").result.expect("a token");
            assert_eq!(t.secret(), CSRF);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.cached_token(&TokenType::CSRF).map(Token::secret),
        Some(CSRF)
    );
    assert!(s.is_idle());
}

#[test]
fn login_clears_the_cache_of_the_previous_user() {
    let mut d = Driver::new(session(), wiki(|| CSRF.into(), no_other));
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), ANON);
    assert!(d.session.cached_token(&TokenType::CSRF).is_some());
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    assert!(d.finish(op).is_ok());
    assert!(d.session.cached_token(&TokenType::CSRF).is_none());
    let op = d.session.token(TokenType::CSRF);
    assert_eq!(token_of(d.finish(op)).secret(), CSRF);
}

#[test]
fn abandoned_operations_produce_no_event() {
    let mut s = session();
    let op = s.call(ActionCall::new(ActionRequest::get("query")));
    let t = s.poll_transmit().expect("request");
    s.abandon(op);
    let Reply::Response(r) = json("{}") else {
        unreachable!()
    };
    s.handle_response(t.id, r, Instant::now());
    assert!(s.poll_event().is_none());
    assert!(s.is_idle());
}

// ---------------------------------------------------------------------------
// clientlogin
// ---------------------------------------------------------------------------

#[test]
fn client_login_with_a_second_factor() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            return login_token();
        }
        assert_eq!(r.action(), "clientlogin");
        assert_eq!(r.param("logintoken"), Some(LOGIN_TOKEN));
        if r.param("logincontinue") == Some("1") {
            assert_eq!(r.param("OATHToken"), Some("123456"));
            json(r#"{"clientlogin":{"status":"PASS","username":"Example"}}"#)
        } else {
            assert_eq!(r.param("password"), Some(PASSWORD));
            json(
                r#"{"clientlogin":{"status":"UI","message":"Enter a verification code from your authentication app.","messagecode":"oathauth-auth-ui","requests":[{"id":"MediaWiki\\Extension\\OATHAuth\\Auth\\TOTPAuthenticationRequest","metadata":{},"required":"required","provider":"","account":"","fields":{"OATHToken":{"type":"string","label":"Token","help":"Two-factor authentication token"}}}]}}"#,
            )
        }
    });
    let op = d
        .session
        .client_login("Example", Password::new(PASSWORD), "https://w.example/");
    match d.finish(op) {
        Ok(ClientLoginOutcome::NeedsInput(resp)) => {
            assert_eq!(resp.message_code.as_deref(), Some("oathauth-auth-ui"));
            assert_eq!(resp.requests.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    let op = d
        .session
        .client_login_continue(vec![("OATHToken".into(), "123456".into())]);
    let logged_in = d.finish(op).map(|outcome| match outcome {
        ClientLoginOutcome::LoggedIn(user) => user,
        other => panic!("{other:?}"),
    });
    assert_logged_in(logged_in, "Example", None);
    assert_eq!(
        d.actions_since(0),
        ["query+tokens(login)", "clientlogin", "clientlogin"],
        "the login token is reused from the cache"
    );
    assert!(d.session.cached_token(&TokenType::LOGIN).is_none());
    assert_eq!(d.session.user().map(|u| u.name.as_str()), Some("Example"));
}

#[test]
fn client_login_fail_is_a_login_error() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            login_token()
        } else {
            json(
                r#"{"clientlogin":{"status":"FAIL","message":"Incorrect username or password entered. Please try again.","messagecode":"wrongpassword"}}"#,
            )
        }
    });
    let op = d
        .session
        .client_login("Example", Password::new(PASSWORD), "https://w.example/");
    match d.finish(op) {
        Err(Error::Login { result, reason, .. }) => {
            assert_eq!(result, "FAIL");
            assert!(reason.is_some_and(|r| r.contains("Incorrect")));
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

#[test]
fn snapshot_and_restore_round_trip() {
    let mut d = logged_in_driver(
        session(),
        wiki(
            || CSRF.into(),
            |r| {
                assert_eq!(r.param("token"), Some(CSRF));
                ok_edit()
            },
        ),
    );
    let op = d.session.token(TokenType::CSRF);
    assert!(d.finish(op).is_ok());

    let snap = d.session.snapshot();
    assert_eq!(snap.endpoint(), ENDPOINT);
    assert_eq!(snap.user().map(|u| u.name.as_str()), Some("Example"));
    assert_no_secret("snapshot Debug", &format!("{snap:?}"), CSRF);
    let json = serde_json::to_string(&snap).expect("serializes");
    assert_no_secret("snapshot JSON", &json, PASSWORD);
    assert!(json.contains("d41d8cd98f00b204e9800998ecf8427e6b021575+\\\\"));
    let back: SessionSnapshot = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, snap);

    let restored = Session::from_snapshot(back, config()).expect("restores");
    assert_eq!(restored.endpoint().as_str(), ENDPOINT);
    assert_eq!(restored.user(), d.session.user());
    assert_eq!(restored.token_api(), TokenApi::MetaTokens);
    assert_eq!(
        restored.cached_token(&TokenType::CSRF).map(Token::secret),
        Some(CSRF)
    );
    assert_eq!(restored.snapshot(), snap);

    // The restored session uses its cached token: one request.
    let mut d2 = Driver::new(restored, d.server);
    let op = d2.session.call(edit_call());
    assert!(d2.finish(op).is_ok());
    assert_eq!(d2.actions_since(0), ["edit"]);
}

#[test]
fn a_restored_session_relogs_in_only_with_credentials() {
    let snap = {
        let (server, _) = wiki_losing_the_session();
        let d = logged_in_driver(session(), server);
        d.session.snapshot()
    };
    let json = serde_json::to_string(&snap).expect("serializes");
    assert_no_secret("snapshot JSON", &json, PASSWORD);

    // No credentials: a lost session cannot be restored.
    let (server, _) = wiki_losing_the_session();
    let restored = Session::from_snapshot(snap.clone(), config()).expect("restores");
    let mut d = Driver::new(restored, server);
    let op = d.session.call(edit_call());
    assert!(matches!(d.finish(op), Err(Error::SessionLost(_))));

    // With credentials it can.
    let (server, logins) = wiki_losing_the_session();
    logins.set(1);
    let mut restored = Session::from_snapshot(snap, config()).expect("restores");
    restored.set_credentials(USERNAME, Password::new(PASSWORD));
    let mut d = Driver::new(restored, server);
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(
        d.actions_since(0),
        [
            "query+tokens(csrf)",
            "query+tokens(login)",
            "login",
            "query+tokens(csrf)",
            "edit"
        ]
    );
}

#[test]
fn snapshots_of_another_version_or_with_unknown_fields_are_rejected() {
    let snap = session().snapshot();
    let mut value = serde_json::to_value(&snap).expect("serializes");
    value["version"] = json!(99);
    let other: SessionSnapshot = serde_json::from_value(value.clone()).expect("deserializes");
    assert!(matches!(
        Session::from_snapshot(other, config()),
        Err(Error::InvalidInput(_))
    ));
    value["version"] = json!(1);
    value["password"] = json!("x");
    assert!(serde_json::from_value::<SessionSnapshot>(value).is_err());
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

/// Runs every flow (login, tokens, checktoken, calls, badtoken, relogin,
/// clientlogin, a foreign call, logout) and checks that no token or
/// password is in any URL (other than a `centralauthtoken`), nor in the
/// `Debug` of the session, its transmits, events and errors.
#[test]
fn secrets_never_appear_in_urls_or_debug_output() {
    const CENTRAL: &str = "5f4dcc3b5aa765d61d8327deb882cf992a";
    let relogged = Rc::new(Cell::new(false));
    let badtoken_sent = Rc::new(Cell::new(false));
    let mut d = Driver::new(session(), move |r: &Sent| {
        if r.is_foreign() {
            assert_eq!(r.url_param("centralauthtoken"), Some(CENTRAL));
            return if r.is_meta_tokens() {
                tokens_body("csrftoken", CSRF2)
            } else {
                ok_edit()
            };
        }
        if r.is_meta_tokens() {
            return match r.param("type") {
                Some("login") => login_token(),
                _ if !relogged.get() => {
                    // Lose the session once.
                    relogged.set(true);
                    tokens_body("csrftoken", ANON)
                }
                _ => tokens_body("csrftoken", CSRF),
            };
        }
        match r.action() {
            "login" => login_success(),
            "clientlogin" => json(
                r#"{"clientlogin":{"status":"FAIL","message":"Incorrect username or password entered. Please try again."}}"#,
            ),
            "checktoken" => json(r#"{"checktoken":{"result":"valid"}}"#),
            "centralauthtoken" => {
                json_value(json!({"centralauthtoken": {"centralauthtoken": CENTRAL}}))
            }
            "edit" if !badtoken_sent.replace(true) => api_error("badtoken", "Invalid CSRF token."),
            "edit" => ok_edit(),
            "logout" => json("{}"),
            other => panic!("{other}"),
        }
    });
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    assert!(d.finish(op).is_ok());
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok(), "relogin then badtoken recovery");
    let op = d.session.token(TokenType::CSRF);
    let t = token_of(d.finish(op));
    let op = d.session.check_token(TokenType::CSRF, t, Some(60));
    assert!(d.finish(op).is_ok());
    let op = d
        .session
        .client_login("Example", Password::new(PASSWORD), "https://w.example/");
    assert!(d.finish(op).is_err());
    let op = d
        .session
        .client_login_continue(vec![("OATHToken".into(), "987654".into())]);
    assert!(d.finish(op).is_err());
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid URL")
        .call(edit_call());
    assert!(d.finish(op).is_ok());
    let op = d.session.logout();
    assert!(d.finish(op).is_ok());
    d.debug.push_str(&format!("{:?}", d.session));

    for s in &d.sent {
        for secret in [PASSWORD, LOGIN_TOKEN, CSRF, CSRF2, "987654"] {
            assert_no_secret("a URL", &s.url, secret);
        }
    }
    for secret in [PASSWORD, LOGIN_TOKEN, CSRF, CSRF2, CENTRAL, "987654"] {
        assert_no_secret("Debug output", &d.debug, secret);
    }
    // The flows did carry the secrets (in bodies), so the check means something.
    assert!(
        d.sent
            .iter()
            .any(|s| s.param("lgpassword") == Some(PASSWORD))
    );
    assert!(d.sent.iter().any(|s| s.param("token") == Some(CSRF)));
    assert!(
        d.sent
            .iter()
            .any(|s| s.param("OATHToken") == Some("987654"))
    );
}

#[test]
fn transmit_debug_hides_the_body_and_the_centralauthtoken() {
    let mut s = session_as_user();
    let _ = s.login(USERNAME, Password::new(PASSWORD));
    let t = s.poll_transmit().expect("login token fetch");
    let Reply::Response(r) = login_token() else {
        unreachable!()
    };
    s.handle_response(t.id, r, Instant::now());
    let post = s.poll_transmit().expect("login post");
    let debug = format!("{post:?}");
    assert_no_secret("Transmit Debug", &debug, PASSWORD);
    assert_no_secret("Transmit Debug", &debug, LOGIN_TOKEN);
    assert!(debug.contains("POST"), "{debug}");
    assert!(debug.contains(ENDPOINT), "{debug}");

    let mut s = session_as_user();
    let _ = s
        .foreign(FOREIGN)
        .expect("valid URL")
        .call(ActionCall::new(ActionRequest::get("query")));
    let ca = s.poll_transmit().expect("centralauthtoken request");
    let Reply::Response(r) = json_value(
        json!({"centralauthtoken": {"centralauthtoken": "5f4dcc3b5aa765d61d8327deb882cf992a"}}),
    ) else {
        unreachable!()
    };
    s.handle_response(ca.id, r, Instant::now());
    let foreign = s.poll_transmit().expect("foreign request");
    assert!(
        foreign
            .request
            .uri()
            .to_string()
            .contains("centralauthtoken=5f4dcc3b5aa765d61d8327deb882cf992a")
    );
    let debug = format!("{foreign:?}");
    assert_no_secret(
        "Transmit Debug",
        &debug,
        "5f4dcc3b5aa765d61d8327deb882cf992a",
    );
    assert!(debug.contains("meta.example"), "{debug}");
}

#[test]
fn errors_never_echo_the_body() {
    let mut d = Driver::new(anonymous_writer(), |_r: &Sent| {
        respond(
            200,
            &[("content-type", "text/html")],
            format!("<html>{PASSWORD} {CSRF}</html>"),
        )
    });
    let op = d.session.call(edit_call());
    let err = d.finish(op).expect_err("the operation must fail");
    // An HTML page is not an API response (it was a Decode error before
    // "Safe by default" gave it its own variant); the body stays out.
    assert!(matches!(err, Error::NotApi { .. }), "{err:?}");
    assert_no_secret("Error", &format!("{err:?} {err}"), PASSWORD);
    assert_no_secret("Error", &format!("{err:?} {err}"), CSRF);
}

// ---------------------------------------------------------------------------
// Tokens mangled on the way (a proxy that decodes `+` as a space, or
// strips the `+\` suffix): never used, never cached.
// ---------------------------------------------------------------------------

fn mangled_csrf_case(mangled: &'static str) {
    let mut d = logged_in_driver(anonymous_writer(), wiki(move || mangled.into(), no_other));
    let before = d.count();
    let op = d.session.call(edit_call());
    match d.finish(op) {
        Err(Error::Decode(m)) => {
            assert!(m.contains("csrf token"), "{m}");
            assert!(!m.contains(mangled), "the message shows the token: {m}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // The edit was never sent with the mangled token; nothing was cached.
    assert_eq!(d.actions_since(before), ["query+tokens(csrf)"]);
    assert_eq!(d.session.cached_token(&TokenType::CSRF), None);
    let op = d.session.token(TokenType::CSRF);
    assert!(matches!(d.finish(op), Err(Error::Decode(_))));
}

#[test]
fn a_csrf_token_whose_plus_became_a_space_is_never_used() {
    mangled_csrf_case("d41d8cd98f00b204e9800998ecf8427e6b021575 \\");
}

#[test]
fn a_csrf_token_without_its_suffix_is_never_used() {
    mangled_csrf_case("1cd7c5b5b2baf27ecca6cfd40ded34c667d946c0");
}

#[test]
fn a_foreign_csrf_token_mangled_on_the_way_is_never_used() {
    let server = |r: &Sent| {
        if !r.is_foreign() {
            return json_value(
                json!({"centralauthtoken": {"centralauthtoken": "0123456789abcdef0123456789abcdef2a"}}),
            );
        }
        if r.is_meta_tokens() {
            return tokens_body("csrftoken", "0cc175b9c0f1b6a831c399e269772661ffb02157 \\");
        }
        panic!("the foreign edit must not be sent: {}", r.rendered)
    };
    let mut d = Driver::new(session_as_user(), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(edit_call());
    match d.finish(op) {
        Err(Error::Decode(m)) => {
            assert!(m.contains("malformed csrf token"), "{m}");
            assert!(!m.contains("0cc175b9"), "{m}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(
        d.actions_since(0),
        ["centralauthtoken", "query+tokens(csrf)"]
    );
}
