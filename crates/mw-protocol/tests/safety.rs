//! "Safe by default", in memory: no anonymous writes, no POST retried after
//! an answer that may mean it was applied, `assert=bot` recovery, secrets
//! never echoed, bounded token caches, typed `Unsupported`, old wikis left
//! alone, and messages a user can act on.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::{
    Driver, ENDPOINT, Reply, Sent, USER_AGENT, api_error, assert_no_secret, json, json_value,
    respond,
};
use mw_protocol::{
    ActionCall, ActionRequest, Assert, Config, Error, Password, Session, Token, TokenType,
};
use serde_json::json;

const PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
const USERNAME: &str = "Example@bot";
const LOGIN_TOKEN: &str = "9ed1499d99c0c34c73faa07157b3b6076b021573+\\";
const CSRF: &str = "d41d8cd98f00b204e9800998ecf8427e6b021575+\\";
const ANON: &str = "+\\";

fn session_with(f: impl FnOnce(&mut Config)) -> Session {
    let mut c = Config::new(USER_AGENT);
    f(&mut c);
    Session::new(ENDPOINT, c).expect("valid endpoint")
}

fn session() -> Session {
    session_with(|_| {})
}

fn tokens_body(key: &str, value: &str) -> Reply {
    json_value(json!({"batchcomplete": true, "query": {"tokens": {key: value}}}))
}

fn edit_call() -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", "Sandbox")
            .param("appendtext", "hi"),
    )
    .with_token(TokenType::CSRF)
}

fn ok_edit() -> Reply {
    json_value(json!({"edit": {"result": "Success", "pageid": 1, "title": "Sandbox"}}))
}

/// A 1.39-like wiki: login token, login, csrf (`+\` while logged out),
/// logout; every other action goes to `other`.
fn wiki(mut other: impl FnMut(&Sent) -> Reply + 'static) -> impl FnMut(&Sent) -> Reply {
    let logged_in = Rc::new(Cell::new(false));
    move |r: &Sent| {
        if r.is_meta_tokens() {
            return match r.param("type") {
                Some("login") => tokens_body("logintoken", LOGIN_TOKEN),
                Some("csrf") if logged_in.get() => tokens_body("csrftoken", CSRF),
                Some("csrf") => tokens_body("csrftoken", ANON),
                t => panic!("unexpected token type {t:?}"),
            };
        }
        match r.action() {
            "login" => {
                logged_in.set(true);
                json_value(
                    json!({"login": {"result": "Success", "lguserid": 42, "lgusername": "Example"}}),
                )
            }
            "logout" => {
                logged_in.set(false);
                json("{}")
            }
            _ => other(r),
        }
    }
}

fn login<F: FnMut(&Sent) -> Reply>(d: &mut Driver<F>) {
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    assert!(d.finish(op).is_ok());
}

// ---------------------------------------------------------------------------
// 1. Anonymous writes
// ---------------------------------------------------------------------------

#[test]
fn a_csrf_write_without_a_login_fails_and_sends_nothing() {
    let mut d = Driver::new(session(), wiki(|_| ok_edit()));
    let op = d.session.call(edit_call());
    match d.finish(op) {
        Err(Error::NotLoggedIn(msg)) => {
            assert!(msg.contains("csrf"), "{msg}");
            assert!(msg.contains("allow_anonymous"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.count(), 0, "nothing may be sent");
}

#[test]
fn a_csrf_write_after_logout_fails_and_sends_nothing() {
    let mut d = Driver::new(session(), wiki(|_| ok_edit()));
    login(&mut d);
    let op = d.session.logout();
    assert!(d.finish(op).is_ok());
    let before = d.count();
    let op = d.session.call(edit_call());
    assert!(matches!(d.finish(op), Err(Error::NotLoggedIn(_))));
    assert_eq!(d.count(), before);
}

#[test]
fn a_write_without_a_user_bound_token_is_not_refused() {
    // A login-token module, or no token at all, is not an edit as the IP.
    let mut d = Driver::new(session(), wiki(|_| json(r#"{"purge":[]}"#)));
    let op = d.session.call(ActionCall::new(
        ActionRequest::post("purge").param("titles", "A"),
    ));
    assert!(d.finish(op).is_ok());
}

#[test]
fn anonymous_writes_can_be_allowed_per_call() {
    let mut d = Driver::new(
        session(),
        wiki(|r| {
            assert_eq!(r.param("token"), Some(ANON));
            assert_eq!(r.param("assert"), None, "no user: no assert=user");
            ok_edit()
        }),
    );
    let op = d.session.call(edit_call().allow_anonymous());
    assert!(d.finish(op).is_ok());
    assert_eq!(d.actions_since(0), ["query+tokens(csrf)", "edit"]);
}

#[test]
fn anonymous_writes_can_be_allowed_per_session() {
    let mut d = Driver::new(
        session_with(|c| c.allow_anonymous = true),
        wiki(|_| ok_edit()),
    );
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
}

#[test]
fn credentials_without_a_user_log_in_before_the_write() {
    let mut s = session();
    s.set_credentials(USERNAME, Password::new(PASSWORD));
    let mut d = Driver::new(
        s,
        wiki(|r| {
            assert_eq!(r.param("token"), Some(CSRF));
            assert_eq!(r.param("assert"), Some("user"));
            ok_edit()
        }),
    );
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok(), "{:?}", d.sent);
    assert_eq!(
        d.actions_since(0),
        ["query+tokens(login)", "login", "query+tokens(csrf)", "edit"]
    );
}

#[test]
fn assert_user_goes_with_every_request_of_a_resumed_session() {
    let mut d = Driver::new(session(), wiki(|_| ok_edit()));
    login(&mut d);
    let snapshot = d.session.snapshot();
    let resumed = Session::from_snapshot(snapshot, Config::new(USER_AGENT)).expect("restore");
    let mut d = Driver::new(
        resumed,
        wiki(|r| {
            json_value(
                json!({"checktoken": {"result": "valid"}, "edit": {"result": "Success"}, "r": r.action()}),
            )
        }),
    );
    let op = d.session.token(TokenType::CSRF);
    let _ = d.finish(op);
    let op = d.session.call(edit_call());
    let _ = d.finish(op);
    let op = d
        .session
        .check_token(TokenType::CSRF, Token::new(CSRF), None);
    let _ = d.finish(op);
    assert!(d.count() >= 3);
    for r in &d.sent {
        assert_eq!(r.param("assert"), Some("user"), "{}", r.rendered);
    }
}

// ---------------------------------------------------------------------------
// 2. POST retries
// ---------------------------------------------------------------------------

fn gateway(status: u16) -> Reply {
    respond(
        status,
        &[("content-type", "text/html"), ("retry-after", "5")],
        "<html><body><h1>Bad Gateway</h1></body></html>",
    )
}

#[test]
fn a_post_answered_502_or_504_is_not_retried_and_may_have_been_applied() {
    for status in [502, 504, 500] {
        let edits = Rc::new(Cell::new(0));
        let edits2 = edits.clone();
        let mut d = Driver::new(
            session(),
            wiki(move |_| {
                edits2.set(edits2.get() + 1);
                gateway(status)
            }),
        );
        login(&mut d);
        let op = d.session.call(edit_call());
        match d.finish(op) {
            Err(Error::MaybeApplied { status: s, url }) => {
                assert_eq!(s, status);
                assert_eq!(url, ENDPOINT);
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(edits.get(), 1, "{status}: the POST was sent again");
        assert!(d.waits.is_empty());
    }
}

#[test]
fn a_post_is_retried_when_the_server_said_it_did_not_act() {
    let replies: Vec<Reply> = vec![
        respond(429, &[("retry-after", "2")], "Too Many Requests"),
        api_error("maxlag", "Waiting for db1: 7 seconds lagged."),
        api_error(
            "ratelimited",
            "You've exceeded your rate limit. Please wait some time and try again.",
        ),
    ];
    for first in replies {
        let calls = Rc::new(Cell::new(0));
        let calls2 = calls.clone();
        let mut d = Driver::new(
            session(),
            wiki(move |_| {
                calls2.set(calls2.get() + 1);
                if calls2.get() == 1 {
                    first.clone()
                } else {
                    ok_edit()
                }
            }),
        );
        login(&mut d);
        let op = d.session.call(edit_call());
        assert!(d.finish(op).is_ok());
        assert_eq!(calls.get(), 2);
    }
}

#[test]
fn a_get_answered_502_is_still_retried() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let mut d = Driver::new(session(), move |_r: &Sent| {
        calls2.set(calls2.get() + 1);
        if calls2.get() == 1 {
            gateway(502)
        } else {
            json(r#"{"batchcomplete":true}"#)
        }
    });
    let op = d.session.call(ActionCall::new(ActionRequest::get("query")));
    assert!(d.finish(op).is_ok());
    assert_eq!(calls.get(), 2);
}

#[test]
fn waits_are_reported_and_bounded_in_total() {
    let mut d = Driver::new(
        session_with(|c| c.retry.max_total_wait = Duration::from_secs(12)),
        |_r: &Sent| api_error("maxlag", "Waiting for db1: 7 seconds lagged."),
    );
    let op = d.session.call(ActionCall::new(ActionRequest::get("query")));
    let err = d.finish(op).expect_err("maxlag");
    assert_eq!(err.code(), Some("maxlag"));
    // 5 s, then 10 s would pass the 12 s budget: one wait only.
    assert_eq!(d.waits, [Duration::from_secs(5)]);
    assert!(
        d.debug.contains("Wait {"),
        "a wait is an event: {}",
        d.debug
    );
}

// ---------------------------------------------------------------------------
// 3. assert=bot on a lost session
// ---------------------------------------------------------------------------

fn bot_failed() -> Reply {
    api_error(
        "assertbotfailed",
        "You do not have the \"bot\" right, so the action could not be completed.",
    )
}

#[test]
fn assertbotfailed_logs_in_again_once_and_retries() {
    let calls = Rc::new(Cell::new(0));
    let calls2 = calls.clone();
    let mut d = Driver::new(
        session_with(|c| c.assert = Assert::Bot),
        wiki(move |r| {
            assert_eq!(r.param("assert"), Some("bot"));
            calls2.set(calls2.get() + 1);
            if calls2.get() == 1 {
                bot_failed()
            } else {
                ok_edit()
            }
        }),
    );
    login(&mut d);
    let op = d.session.call(edit_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(
        d.actions_since(2),
        [
            "query+tokens(csrf)",
            "edit",
            "query+tokens(login)",
            "login",
            "query+tokens(csrf)",
            "edit"
        ]
    );
}

#[test]
fn assertbotfailed_without_relogin_is_session_lost() {
    let mut d = Driver::new(
        session_with(|c| {
            c.assert = Assert::Bot;
            c.relogin = false;
        }),
        wiki(|_| bot_failed()),
    );
    login(&mut d);
    let op = d.session.call(edit_call());
    match d.finish(op) {
        Err(Error::SessionLost(msg)) => assert!(msg.contains("bot"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn assertbotfailed_after_a_relogin_is_the_missing_right() {
    let mut d = Driver::new(
        session_with(|c| c.assert = Assert::Bot),
        wiki(|_| bot_failed()),
    );
    login(&mut d);
    let op = d.session.call(edit_call());
    assert_eq!(
        d.finish(op).expect_err("no bot right").code(),
        Some("assertbotfailed")
    );
}

// ---------------------------------------------------------------------------
// 5. Secrets quoted back
// ---------------------------------------------------------------------------

#[test]
fn a_login_reason_quoting_the_password_is_redacted() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            return tokens_body("logintoken", LOGIN_TOKEN);
        }
        json_value(json!({
            "warnings": [{"code": "x", "text": format!("you sent {PASSWORD}"), "module": "login"}],
            "login": {"result": "Failed", "reason": format!("The password \"{PASSWORD}\" is wrong (token {LOGIN_TOKEN})")}
        }))
    });
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    let done = d.finish_done(op);
    let err = done.result.expect_err("failed");
    let shown = format!("{err} {err:?} {:?}", done.warnings);
    assert_no_secret("the error", &shown, PASSWORD);
    assert_no_secret("the error", &shown, LOGIN_TOKEN);
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn an_api_error_quoting_the_csrf_token_is_redacted() {
    let mut d = Driver::new(
        session(),
        wiki(|r| {
            let token = r.param("token").unwrap_or_default().to_owned();
            json_value(json!({
                "errors": [{"code": "badthing", "text": format!("bad token {token}"), "data": {"token": token}, "module": "edit"}],
                "warnings": [{"code": "echo", "text": format!("echo {token} and {PASSWORD}"), "module": "main"}]
            }))
        }),
    );
    login(&mut d);
    let op = d.session.call(edit_call());
    let done = d.finish_done(op);
    let err = done.result.expect_err("api error");
    let shown = format!("{err} {err:?} {:?} {}", done.warnings, d.debug);
    assert_no_secret("the error", &shown, CSRF);
    assert_no_secret("the error", &shown, PASSWORD);
}

// ---------------------------------------------------------------------------
// 6. Bounded token caches
// ---------------------------------------------------------------------------

#[test]
fn only_the_asked_token_types_are_cached() {
    let mut d = Driver::new(session(), |r: &Sent| {
        assert!(r.is_meta_tokens());
        let mut tokens = serde_json::Map::new();
        tokens.insert("csrftoken".into(), json!(ANON));
        for i in 0..10_000 {
            tokens.insert(format!("junk{i}token"), json!(CSRF));
        }
        json_value(json!({"query": {"tokens": tokens}}))
    });
    let op = d.session.token(TokenType::CSRF);
    assert!(d.finish(op).is_ok());
    let snapshot = serde_json::to_string(&d.session.snapshot()).expect("json");
    assert!(snapshot.len() < 1_000, "{} bytes", snapshot.len());
}

#[test]
fn a_huge_token_is_refused_and_not_cached() {
    let huge = format!("{}+\\", "a".repeat(5 << 20));
    let mut d = Driver::new(session(), move |_r: &Sent| tokens_body("csrftoken", &huge));
    let op = d.session.token(TokenType::CSRF);
    match d.finish(op) {
        Err(Error::Decode(msg)) => assert!(msg.contains("long"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(d.session.cached_token(&TokenType::CSRF).is_none());
}

// ---------------------------------------------------------------------------
// 9. Unsupported modules
// ---------------------------------------------------------------------------

#[test]
fn checktoken_on_a_wiki_without_it_is_unsupported() {
    for reply in [
        api_error(
            "unknown_action",
            "Unrecognized value for parameter 'action': checktoken",
        ),
        api_error(
            "badvalue",
            "Unrecognized value for parameter \"action\": checktoken.",
        ),
    ] {
        let mut d = Driver::new(session(), move |_r: &Sent| reply.clone());
        let op = d
            .session
            .check_token(TokenType::CSRF, Token::new(CSRF), None);
        match d.finish(op) {
            Err(Error::Unsupported(msg)) => assert!(msg.contains("1.25"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_bad_type_value_on_checktoken_is_still_an_api_error() {
    let mut d = Driver::new(session(), |_r: &Sent| {
        api_error(
            "badvalue",
            "Unrecognized value for parameter \"type\": crsf.",
        )
    });
    let op = d
        .session
        .check_token("crsf".parse().expect("type"), Token::new(CSRF), None);
    assert_eq!(d.finish(op).expect_err("badvalue").code(), Some("badvalue"));
}

// ---------------------------------------------------------------------------
// 10. Old wikis
// ---------------------------------------------------------------------------

#[test]
fn an_old_wiki_stops_getting_parameters_it_does_not_know() {
    let unknown = "Unrecognized parameters: 'formatversion', 'errorformat'";
    let mut d = Driver::new(session(), move |r: &Sent| {
        let mut warnings = Vec::new();
        let mine: Vec<&str> = ["formatversion", "errorformat"]
            .into_iter()
            .filter(|p| r.param(p).is_some())
            .collect();
        if !mine.is_empty() {
            warnings.push(unknown.to_owned());
        }
        json_value(json!({
            "warnings": {"main": {"*": warnings.join("\n")}},
            "query": {"general": {"generator": "MediaWiki 1.23.17"}}
        }))
    });
    for _ in 0..3 {
        let op = d.session.call(ActionCall::new(
            ActionRequest::get("query").param("meta", "siteinfo"),
        ));
        let done = d.finish_done(op);
        assert!(done.result.is_ok());
        assert!(
            done.warnings
                .iter()
                .all(|w| !w.text.contains("Unrecognized")),
            "a warning the client caused: {:?}",
            done.warnings
        );
    }
    assert!(
        d.sent[1].param("formatversion").is_none(),
        "{}",
        d.sent[1].rendered
    );
    assert!(d.sent[2].param("errorformat").is_none());
}

// ---------------------------------------------------------------------------
// 11. Messages
// ---------------------------------------------------------------------------

#[test]
fn a_token_type_typo_names_the_known_types_and_keeps_the_warning() {
    let mut d = Driver::new(session(), |_r: &Sent| {
        json_value(json!({
            "warnings": [{"code": "unrecognizedvalues", "text": "Unrecognized value for parameter \"type\": crsf", "module": "query+tokens"}],
            "batchcomplete": true, "query": {"tokens": {}}
        }))
    });
    let op = d.session.token("crsf".parse().expect("type"));
    let done = d.finish_done(op);
    match done.result {
        Err(Error::Unsupported(msg)) => {
            assert!(msg.contains("crsf"), "{msg}");
            assert!(msg.contains("csrf, watch, patrol"), "{msg}");
            assert!(msg.contains("did you mean \"csrf\""), "{msg}");
            assert!(msg.contains("the wiki said: Unrecognized value"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        done.warnings.iter().any(|w| w.text.contains("crsf")),
        "{:?}",
        done.warnings
    );
}

#[test]
fn an_http_404_names_the_url_and_asks_for_api_php() {
    let mut d = Driver::new(session(), |_r: &Sent| {
        respond(
            404,
            &[("content-type", "text/html")],
            "<html>Not Found</html>",
        )
    });
    let op = d.session.token(TokenType::LOGIN);
    let err = d.finish(op).expect_err("404");
    let text = err.to_string();
    assert!(text.contains(ENDPOINT), "{text}");
    assert!(text.contains("api.php?"), "{text}");
}

#[test]
fn an_html_page_is_not_an_api_response() {
    let mut d = Driver::new(session(), |_r: &Sent| {
        respond(
            200,
            &[("content-type", "text/html; charset=UTF-8")],
            "<!DOCTYPE html><html><body>Main Page</body></html>",
        )
    });
    let op = d.session.token(TokenType::LOGIN);
    match d.finish(op) {
        Err(e @ Error::NotApi { .. }) => {
            assert!(e.to_string().contains(ENDPOINT), "{e}");
            assert!(e.to_string().contains("api.php"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn session_lost_says_how_to_recover() {
    let mut d = Driver::new(
        session_with(|c| c.relogin = false),
        wiki(|_| {
            api_error(
                "assertuserfailed",
                "You are no longer logged in, so the action could not be completed.",
            )
        }),
    );
    login(&mut d);
    let op = d.session.call(edit_call());
    match d.finish(op) {
        Err(Error::SessionLost(msg)) => assert!(msg.contains("log in again"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_user_agent_rule_is_the_protocols() {
    for bad in [
        "",
        "   ",
        "curl/8.0",
        "python-requests/2.31",
        "Mozilla/5.0 (X11)",
    ] {
        assert!(
            matches!(
                Session::new(ENDPOINT, Config::new(bad)),
                Err(Error::InvalidInput(_))
            ),
            "{bad:?}"
        );
    }
    assert!(
        mw_protocol::check_user_agent("MyBot/1.0 (https://example.org; me@example.org)").is_ok()
    );
}

#[test]
fn a_1_23_wiki_logs_out_without_a_token_or_parameters_it_does_not_know() {
    let unknown = "Unrecognized parameters: 'formatversion', 'errorformat'";
    let mut d = Driver::new(session(), move |r: &Sent| {
        let warn = if r.param("formatversion").is_some() {
            unknown
        } else {
            ""
        };
        match r.action() {
            "query" => json_value(json!({
                "warnings": {"main": {"*": warn}, "query": {"*": "Unrecognized value for parameter 'meta': tokens"}}
            })),
            "login" if r.param("lgtoken").is_none() => json_value(json!({"login": {
                "result": "NeedToken", "token": "b6d767d2f8ed5d21a44b0e5886680cb9",
                "cookieprefix": "wiki", "sessionid": "17ab96bd8ffbe8ca58a78657a918558"
            }})),
            "login" => json_value(
                json!({"login": {"result": "Success", "lguserid": 7, "lgusername": "Example"}}),
            ),
            "logout" => {
                let extra = if r.param("token").is_some() {
                    "Unrecognized parameter: 'token'"
                } else {
                    ""
                };
                let text = [warn, extra].join("\n");
                json_value(json!({"warnings": {"main": {"*": text}}}))
            }
            other => panic!("unexpected {other}"),
        }
    });
    login(&mut d);
    let op = d.session.logout();
    let done = d.finish_done(op);
    assert!(done.result.is_ok(), "{:?}", done.result);
    assert!(done.warnings.is_empty(), "{:?}", done.warnings);
    let logout = d.sent.last().expect("the logout");
    assert_eq!(logout.action(), "logout");
    assert_eq!(logout.param("token"), None, "{}", logout.rendered);
    assert_eq!(logout.param("formatversion"), None, "{}", logout.rendered);
    assert!(
        !d.sent.iter().any(|s| s.action() == "tokens"),
        "no csrf token is fetched for a logout that takes none"
    );
}
