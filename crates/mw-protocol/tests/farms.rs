//! The session against what real CentralAuth farms and old MediaWiki
//! releases do (mediawiki-protocol.md §11): `badsession` for sessions that
//! are not CentralAuth's, the `action=tokens&type=centralauth` of 1.21–1.23
//! farms, the login `NeedToken` rules of each generation, and the
//! anonymous logout of every version.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::{Driver, ENDPOINT, FOREIGN, Reply, Sent, USER_AGENT, json, json_value};
use mw_protocol::actions::logout::LogoutOutcome;
use mw_protocol::{
    ActionCall, ActionRequest, Config, Error, Password, Session, SessionSnapshot, TokenApi,
    TokenType, User,
};
use serde_json::json;

const PASSWORD: &str = "0123456789abcdefghijklmnopqrstuv";
const USERNAME: &str = "Example";

fn session() -> Session {
    Session::new(ENDPOINT, Config::new(USER_AGENT)).expect("valid endpoint")
}

/// A session resumed as a logged-in user of a wiki whose token API is
/// known to be `token_api`.
fn session_as_user(token_api: &str) -> Session {
    let snapshot: SessionSnapshot = serde_json::from_value(json!({
        "version": 1,
        "endpoint": ENDPOINT,
        "user": {"name": "Example", "id": 42},
        "token_api": token_api,
        "tokens": {}
    }))
    .expect("snapshot");
    Session::from_snapshot(snapshot, Config::new(USER_AGENT)).expect("restore")
}

/// The response of a fixture file.
fn fixture(rel: &str) -> Reply {
    Reply::Response(mw_test_support::fixture::load(rel).response)
}

fn userinfo_call() -> ActionCall {
    ActionCall::new(ActionRequest::get("query").param("meta", "userinfo"))
}

fn userinfo() -> Reply {
    json_value(json!({"query": {"userinfo": {"id": 7, "name": "Example"}}}))
}

// ---------------------------------------------------------------------------
// CentralAuth: badsession
// ---------------------------------------------------------------------------

/// CentralAuth answers `badsession` to a bot-password (or OAuth) session:
/// a typed error that names the way out, and nothing goes to the foreign
/// wiki.
#[test]
fn badsession_is_a_typed_error_that_asks_for_a_main_account_login() {
    let mut d = Driver::new(session_as_user("meta_tokens"), |r: &Sent| {
        assert!(!r.is_foreign(), "nothing may reach the foreign wiki");
        assert_eq!(r.action(), "centralauthtoken");
        fixture("centralauthtoken/ca-mw143-centralauthtoken-badsession.http")
    });
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(userinfo_call());
    match d.finish(op) {
        Err(e @ Error::CentralAuthSession(_)) => {
            let text = e.to_string();
            assert!(text.contains("main-account login"), "{text}");
            assert!(text.contains("client_login"), "{text}");
            assert!(text.contains("CentralAuth sessions"), "{text}");
        }
        other => panic!("expected CentralAuthSession, got {other:?}"),
    }
    assert_eq!(d.count(), 1, "no retry, no foreign request");
    assert!(d.session.user().is_some(), "the home session stays");
}

// ---------------------------------------------------------------------------
// CentralAuth on 1.21–1.23: action=tokens&type=centralauth
// ---------------------------------------------------------------------------

/// A 1.21–1.23 farm: `action=tokens&type=centralauth` on the home wiki
/// (the fixture's token), `action=tokens&type=edit` on the foreign wiki.
fn farm_1_23(home_unknown_action: bool) -> (impl FnMut(&Sent) -> Reply, Rc<RefCell<Vec<String>>>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let seen2 = seen.clone();
    let server = move |r: &Sent| {
        // A session that does not know the wiki's age sends formatversion
        // until the wiki shows it is old; from then on, never.
        if r.is_foreign() || !home_unknown_action {
            assert_eq!(
                r.param("formatversion"),
                None,
                "1.23 knows no formatversion"
            );
        }
        seen2.borrow_mut().push(r.action().to_owned());
        if !r.is_foreign() {
            return match r.action() {
                "centralauthtoken" if home_unknown_action => json(
                    r#"{"error":{"code":"unknown_action","info":"Unrecognized value for parameter 'action': centralauthtoken"}}"#,
                ),
                "tokens" => {
                    assert_eq!(r.param("type"), Some("centralauth"));
                    fixture("centralauthtoken/ca-mw123-action-tokens-centralauth.http")
                }
                other => panic!("unexpected home request {other}: {}", r.rendered),
            };
        }
        assert_eq!(
            r.url_param("centralauthtoken"),
            Some("7f34ecd86a5a49f2ae3134a279b4ea2abc614e")
        );
        match r.action() {
            "tokens" => {
                assert_eq!(r.param("type"), Some("edit"));
                json(r#"{"tokens":{"edittoken":"aa1a17bf75e46273db40ea65ec12c2ae+\\"}}"#)
            }
            "edit" => {
                assert_eq!(
                    r.param("token"),
                    Some("aa1a17bf75e46273db40ea65ec12c2ae+\\")
                );
                json(r#"{"edit":{"result":"Success","pageid":1,"title":"Sandbox"}}"#)
            }
            "query" => userinfo(),
            other => panic!("unexpected foreign request {other}"),
        }
    };
    (server, seen)
}

#[test]
fn a_1_23_farm_gives_the_centralauth_token_through_action_tokens() {
    let (server, _) = farm_1_23(false);
    let mut d = Driver::new(session_as_user("action_tokens"), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(userinfo_call());
    assert!(d.finish(op).is_ok(), "{:?}", d.sent);
    assert_eq!(d.actions_since(0), ["tokens", "query"]);
    assert!(!d.sent[0].is_foreign());
    assert!(d.sent[1].is_foreign());
}

#[test]
fn a_1_23_farm_foreign_write_gets_its_token_from_action_tokens_too() {
    let (server, _) = farm_1_23(false);
    let mut d = Driver::new(session_as_user("action_tokens"), server);
    let call = ActionCall::new(ActionRequest::post("edit").param("title", "Sandbox"))
        .with_token(TokenType::CSRF);
    // The fixture's token is the same every time: the fake farm accepts it.
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(call);
    assert!(d.finish(op).is_ok(), "{:?}", d.sent);
    assert_eq!(d.actions_since(0), ["tokens", "tokens", "tokens", "edit"]);
}

/// A session that does not know the wiki's age yet learns it from the
/// unknown action, and asks `action=tokens` once from then on.
#[test]
fn an_unknown_centralauthtoken_action_falls_back_to_action_tokens() {
    let (server, _) = farm_1_23(true);
    let mut d = Driver::new(session_as_user("unknown"), server);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(userinfo_call());
    let done = d.finish_done(op);
    assert!(done.result.is_ok(), "{:?}", done);
    assert_eq!(d.actions_since(0), ["centralauthtoken", "tokens", "query"]);
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(userinfo_call());
    assert!(d.finish(op).is_ok());
    assert_eq!(d.actions_since(3), ["tokens", "query"]);
}

/// A modern wiki without CentralAuth: unsupported, without trying the
/// 1.23 way (a wiki with `meta=tokens` is 1.24 or later, where CentralAuth
/// has `action=centralauthtoken`).
#[test]
fn a_modern_wiki_without_centralauth_is_unsupported_at_once() {
    let mut d = Driver::new(session_as_user("meta_tokens"), |r: &Sent| {
        assert_eq!(r.action(), "centralauthtoken");
        fixture("envelope/mw139-unknown-action-fv2.http")
    });
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(userinfo_call());
    assert!(matches!(d.finish(op), Err(Error::Unsupported(_))));
    assert_eq!(d.count(), 1);
}

/// A 1.23 wiki without CentralAuth: `type=centralauth` is dropped with a
/// warning and no token comes back.
#[test]
fn a_1_23_wiki_without_centralauth_is_unsupported() {
    let mut d = Driver::new(session_as_user("action_tokens"), |r: &Sent| {
        assert_eq!(r.action(), "tokens");
        json(
            r#"{"warnings":{"tokens":{"*":"Unrecognized value for parameter 'type': centralauth"}},"tokens":[]}"#,
        )
    });
    let op = d
        .session
        .foreign(FOREIGN)
        .expect("valid foreign URL")
        .call(userinfo_call());
    match d.finish(op) {
        Err(Error::Unsupported(m)) => assert!(m.contains("CentralAuth"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.count(), 1);
}

// ---------------------------------------------------------------------------
// Logout of an anonymous session, on every version
// ---------------------------------------------------------------------------

/// 1.45 warns `notloggedin`; 1.25–1.44 answer `{}`: the same outcome, and
/// no warning the client's own call caused.
#[test]
fn an_anonymous_logout_is_not_logged_in_on_every_version() {
    let answers = [
        // 1.45: the warning, in the format the session asks for.
        r#"{"warnings":[{"code":"notloggedin","text":"You must be logged in.","module":"logout"}]}"#,
        // 1.45 in bc format.
        r#"{"warnings":{"logout":{"warnings":"You must be logged in."}}}"#,
        // 1.25–1.44.
        "{}",
    ];
    for answer in answers {
        let mut d = Driver::new(session(), move |r: &Sent| {
            if r.is_meta_tokens() {
                json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#)
            } else {
                assert_eq!(r.action(), "logout");
                json(answer)
            }
        });
        let op = d.session.logout();
        let done = d.finish_done(op);
        assert_eq!(done.result, Ok(LogoutOutcome::NotLoggedIn), "{answer}");
        assert!(done.warnings.is_empty(), "{answer}: {:?}", done.warnings);
    }
}

/// The 1.45 fixture through the session.
#[test]
fn the_1_45_anonymous_logout_fixture_is_not_logged_in_without_a_warning() {
    let mut d = Driver::new(session(), |r: &Sent| {
        if r.is_meta_tokens() {
            json(r#"{"batchcomplete":true,"query":{"tokens":{"csrftoken":"+\\"}}}"#)
        } else {
            fixture("logout/mw145-logout-anonymous-notloggedin-plaintext-fv2.http")
        }
    });
    let op = d.session.logout();
    let done = d.finish_done(op);
    assert_eq!(done.result, Ok(LogoutOutcome::NotLoggedIn));
    assert!(done.warnings.is_empty(), "{:?}", done.warnings);
}

/// 1.20–1.24 (no token, `[]`): anonymous is not logged in either; a
/// logged-in session is logged out.
#[test]
fn a_1_23_logout_is_tokenless_and_its_outcome_follows_the_user() {
    let server = |r: &Sent| {
        assert_eq!(r.action(), "logout");
        assert_eq!(r.param("token"), None);
        fixture("logout/mw123-logout-get-tokenless.http")
    };
    let mut d = Driver::new(session_as_user("action_tokens"), server);
    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::LoggedOut));
    let op = d.session.logout();
    assert_eq!(d.finish(op), Ok(LogoutOutcome::NotLoggedIn));
    assert_eq!(d.count(), 2);
}

// ---------------------------------------------------------------------------
// Login: the NeedToken rules of each generation
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Generation {
    /// 1.20–1.23: no meta=tokens; LoginForm.
    Mw123,
    /// 1.24–1.26: meta=tokens without the login type; LoginForm.
    Mw126,
    /// 1.28–1.34: AuthManager; NeedToken on a new session.
    Mw134,
    /// 1.35+: a new session with a token is `Failed` (`sessionlost`).
    Mw139,
}

/// A wiki of a generation, with the server-side session of §11. With
/// `keep_cookies` false every request starts a new session (a client
/// that loses its cookies).
fn login_wiki(generation: Generation, keep_cookies: bool) -> impl FnMut(&Sent) -> Reply {
    // The login token held by the session, if any.
    let held: Rc<Cell<Option<u32>>> = Rc::new(Cell::new(None));
    let next = Rc::new(Cell::new(0u32));
    move |r: &Sent| {
        let new_session = !keep_cookies || (held.get().is_none() && next.get() == 0);
        if !keep_cookies {
            held.set(None);
        }
        let mut issue = || {
            next.set(next.get() + 1);
            held.set(Some(next.get()));
            next.get()
        };
        let old = matches!(generation, Generation::Mw123 | Generation::Mw126);
        let token_text = |n: u32| {
            if old {
                format!("{n:032x}")
            } else {
                format!("{n:032x}6b021573+\\")
            }
        };
        if r.is_meta_tokens() {
            return match generation {
                Generation::Mw123 => json(
                    r#"{"warnings":{"query":{"*":"Unrecognized value for parameter 'meta': tokens"}}}"#,
                ),
                Generation::Mw126 => json(
                    r#"{"batchcomplete":true,"warnings":{"tokens":{"warnings":"Unrecognized value for parameter 'type': login"}},"query":{"tokens":{}}}"#,
                ),
                _ => {
                    let n = issue();
                    json_value(
                        json!({"batchcomplete": true, "query": {"tokens": {"logintoken": token_text(n)}}}),
                    )
                }
            };
        }
        assert_eq!(r.action(), "login", "{}", r.rendered);
        assert_eq!(r.param("lgpassword"), Some(PASSWORD));
        let sent = r.param("lgtoken").map(str::to_owned);
        let need_token =
            |n: u32| json_value(json!({"login": {"result": "NeedToken", "token": token_text(n)}}));
        let success = || {
            json_value(
                json!({"login": {"result": "Success", "lguserid": 7, "lgusername": "Example"}}),
            )
        };
        match generation {
            Generation::Mw123 | Generation::Mw126 => match held.get() {
                // NeedToken whenever the session holds no token, even if
                // one was sent.
                None => need_token(issue()),
                Some(n) if sent.as_deref() == Some(token_text(n).as_str()) => success(),
                Some(_) => json(r#"{"login":{"result":"WrongToken"}}"#),
            },
            Generation::Mw134 => match (held.get(), sent) {
                (_, _) if new_session => need_token(issue()),
                (_, None) => need_token(held.get().unwrap_or_else(&mut issue)),
                (Some(n), Some(t)) if t == token_text(n) => success(),
                _ => json(r#"{"login":{"result":"WrongToken"}}"#),
            },
            Generation::Mw139 => match (held.get(), sent) {
                (_, None) => need_token(held.get().unwrap_or_else(&mut issue)),
                (_, Some(_)) if new_session => json(
                    r#"{"login":{"result":"Failed","reason":"Unable to continue login. Your session most likely timed out."}}"#,
                ),
                (Some(n), Some(t)) if t == token_text(n) => success(),
                _ => json(r#"{"login":{"result":"WrongToken"}}"#),
            },
        }
    }
}

fn login_on(generation: Generation, keep_cookies: bool) -> (Result<User, Error>, Vec<String>) {
    let mut d = Driver::new(session(), login_wiki(generation, keep_cookies));
    let op = d.session.login(USERNAME, Password::new(PASSWORD));
    let result = d.finish(op);
    (result, d.actions_since(0))
}

#[test]
fn login_ends_in_success_on_every_generation_when_cookies_are_kept() {
    for (generation, actions) in [
        (
            Generation::Mw123,
            &["query+tokens(login)", "login", "login"][..],
        ),
        (
            Generation::Mw126,
            &["query+tokens(login)", "login", "login"][..],
        ),
        (Generation::Mw134, &["query+tokens(login)", "login"][..]),
        (Generation::Mw139, &["query+tokens(login)", "login"][..]),
    ] {
        let (result, sent) = login_on(generation, true);
        assert!(result.is_ok(), "{generation:?}: {result:?}");
        assert_eq!(sent, actions, "{generation:?}");
    }
}

/// Without cookies every generation refuses, each in its own way, and the
/// flow follows `NeedToken` at most once: no loop.
#[test]
fn login_without_cookies_ends_in_a_bounded_login_error_on_every_generation() {
    for (generation, result_code, actions) in [
        (
            Generation::Mw123,
            "NeedToken",
            &["query+tokens(login)", "login", "login"][..],
        ),
        (
            Generation::Mw126,
            "NeedToken",
            &["query+tokens(login)", "login", "login"][..],
        ),
        (
            Generation::Mw134,
            "NeedToken",
            &["query+tokens(login)", "login", "login"][..],
        ),
        (
            Generation::Mw139,
            "Failed",
            &["query+tokens(login)", "login"][..],
        ),
    ] {
        let (result, sent) = login_on(generation, false);
        match result {
            Err(Error::Login { result, reason, .. }) => {
                assert_eq!(result, result_code, "{generation:?}");
                let reason = reason.unwrap_or_default();
                if generation == Generation::Mw139 {
                    assert!(reason.contains("session most likely timed out"), "{reason}");
                } else {
                    assert!(reason.contains("cookies"), "{generation:?}: {reason}");
                }
            }
            other => panic!("{generation:?}: {other:?}"),
        }
        assert_eq!(sent, actions, "{generation:?}");
    }
}

/// The token API each generation's login taught the session.
#[test]
fn login_learns_the_token_api_of_each_generation() {
    for (generation, api) in [
        (Generation::Mw123, TokenApi::ActionTokens),
        (Generation::Mw126, TokenApi::MetaTokens),
        (Generation::Mw134, TokenApi::MetaTokens),
    ] {
        let mut d = Driver::new(session(), login_wiki(generation, true));
        let op = d.session.login(USERNAME, Password::new(PASSWORD));
        assert!(d.finish(op).is_ok());
        assert_eq!(d.session.token_api(), api, "{generation:?}");
    }
}
