//! The wiki, the clients and the queries of `real_wiki_tokens.rs`.

use std::collections::HashMap;
use std::time::Duration;

use mw_transport::{
    ActionCall, ActionRequest, Client, Config, Error, Password, RequestRecord, RetryPolicy,
    TokenType,
};
use serde_json::Value;

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

/// A page that exists on a fresh wiki (a bot password with the `editpage`
/// grant may edit pages but not create them).
pub const PAGE: &str = "Main Page";

/// The group the test wiki lets the bot group add and remove.
pub const GROUP: &str = "tokentest";

pub struct Wiki {
    pub api: String,
    pub bot_user: String,
    pub bot_password: String,
    pub main_user: String,
    pub other_user: String,
    pub other_password: String,
}

/// The wiki of `MW_TEST_ENV`; `None` only when `MW_SKIP_REAL_WIKI=1`.
pub fn wiki() -> Option<Wiki> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var("MW_TEST_ENV").unwrap_or_else(|_| {
        panic!(
            "MW_TEST_ENV is not set. These tests need a real MediaWiki: start one with \
             `scripts/test-wiki.sh start DIR` and set MW_TEST_ENV=DIR/env. \
             Set MW_SKIP_REAL_WIKI=1 to skip them on purpose."
        )
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("MW_TEST_ENV={path}: cannot read the env file: {e}"));
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| -> String {
        vars.get(k).map(|v| (*v).to_owned()).unwrap_or_else(|| {
            panic!("{path} has no {k}: restart the wiki with this scripts/test-wiki.sh")
        })
    };
    Some(Wiki {
        api: get("MW_API_URL"),
        bot_user: get("MW_BOT_USER"),
        bot_password: get("MW_BOT_PASSWORD"),
        main_user: get("MW_MAIN_USER"),
        other_user: get("MW_OTHER_USER"),
        other_password: get("MW_OTHER_PASSWORD"),
    })
}

macro_rules! wiki {
    () => {
        match $crate::tokens_support::wiki() {
            Some(w) => w,
            None => return,
        }
    };
}

/// A client that records its requests.
pub fn client(w: &Wiki) -> Client {
    let mut config = Config::new(UA);
    let mut retry = RetryPolicy::default();
    retry.base_delay = Duration::from_millis(200);
    retry.max_delay = Duration::from_secs(2);
    config.retry = retry;
    Client::builder(&w.api)
        .user_agent(UA)
        .config(config)
        .timeout(Duration::from_secs(30))
        .record_requests(true)
        .build()
        .expect("client")
}

/// A client logged in with the bot password.
pub async fn bot(w: &Wiki) -> Client {
    let c = client(w);
    c.login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("bot-password login");
    c
}

/// A client logged in as the second account (a main account, so
/// `clientlogin`; it may create pages).
pub async fn other(w: &Wiki) -> Client {
    let c = client(w);
    c.client_login(
        &w.other_user,
        Password::new(w.other_password.clone()),
        &w.api,
    )
    .await
    .expect("clientlogin of the second account");
    assert_eq!(c.user().map(|u| u.name), Some(w.other_user.clone()));
    c
}

/// A title (or user name) no other test run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix} {} {nanos}", std::process::id())
}

/// `(method, action, meta/type)` of each request.
pub fn summary(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .map(|r| {
            let mut s = format!("{} {}", r.method, r.action);
            if let Some(meta) = &r.meta {
                s.push_str(&format!(" {meta}"));
            }
            if let Some(types) = &r.types {
                s.push_str(&format!(" {types}"));
            }
            s
        })
        .collect()
}

/// The string at a JSON pointer (panics, naming it, when there is none).
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v}"))
}

/// A `GET action=query` with these parameters; its body.
pub async fn get(c: &Client, params: &[(&str, &str)]) -> Value {
    let mut req = ActionRequest::get("query");
    for (k, v) in params {
        req = req.param(*k, *v);
    }
    c.call(ActionCall::new(req))
        .await
        .expect("query")
        .body()
        .clone()
}

/// Proves that `request` with a token of the `wrong` type in `param` is
/// refused with a typed `badtoken` and that the client does not loop:
/// through `with_token_param` it refreshes the token once and retries once
/// (three requests, the token already cached), and with the token given by
/// hand it sends one request. No error text carries the token.
pub async fn refused_with_badtoken(
    c: &Client,
    request: &ActionRequest,
    param: &str,
    wrong: TokenType,
) {
    let action = request.action().to_owned();
    let token = c.token(wrong.clone()).await.expect("token").into_value();
    assert!(!token.is_anonymous() || wrong.is_user_bound());

    let before = c.request_log().len();
    let err = c
        .call(ActionCall::new(request.clone()).with_token_param(wrong.clone(), param))
        .await
        .expect_err("a token of the wrong type must be refused");
    is_badtoken(&err, token.secret());
    assert_eq!(
        summary(&c.request_log()[before..]),
        [
            format!("POST {action}"),
            format!("GET query tokens {wrong}"),
            format!("POST {action}"),
        ],
        "one refresh and one retry, then the error"
    );

    let fresh = c.token(wrong).await.expect("token").into_value();
    let before = c.request_log().len();
    let err = c
        .call(ActionCall::new(request.clone().token(param, fresh.clone())))
        .await
        .expect_err("a token of the wrong type given by hand must be refused");
    is_badtoken(&err, fresh.secret());
    assert_eq!(
        summary(&c.request_log()[before..]),
        [format!("POST {action}")],
        "a token given by hand is not refreshed"
    );
}

fn is_badtoken(err: &Error, secret: &str) {
    match err.protocol() {
        Some(mw_transport::mw_protocol::Error::Api(e)) => {
            assert!(e.is_badtoken(), "{err}");
            assert_eq!(e.code, "badtoken");
        }
        other => panic!("not an API error: {other:?}"),
    }
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(secret), "the token leaked: {text}");
    }
}

/// `action=createaccount` for `name` with a random password (the token is
/// added by the caller).
pub fn create_account(name: &str) -> ActionRequest {
    let password = format!("Acc-{}", unique("pw").replace(' ', "-"));
    ActionRequest::post("createaccount")
        .param("username", name)
        .param("createreturnurl", "http://127.0.0.1/")
        .password("password", Password::new(password.clone()))
        .password("retype", Password::new(password))
}

/// Creates `title` (the client's user must have `createpage`).
pub async fn create_page(c: &Client, title: &str, text: &str) -> u64 {
    let done = c
        .call(
            ActionCall::new(
                ActionRequest::post("edit")
                    .param("title", title)
                    .param("text", text)
                    .param("createonly", "1")
                    .param("summary", "mw-transport token test"),
            )
            .with_token(TokenType::CSRF),
        )
        .await
        .expect("create the page");
    done.body()["edit"]["newrevid"].as_u64().expect("newrevid")
}

/// Appends `text` to `title`; the new revision's id.
pub async fn append(c: &Client, title: &str, text: &str) -> u64 {
    let done = c
        .call(
            ActionCall::new(
                ActionRequest::post("edit")
                    .param("title", title)
                    .param("appendtext", text)
                    .param("nocreate", "1")
                    .param("summary", "mw-transport token test"),
            )
            .with_token(TokenType::CSRF),
        )
        .await
        .expect("edit");
    done.body()["edit"]["newrevid"].as_u64().expect("newrevid")
}

pub async fn last_revid(c: &Client, title: &str) -> u64 {
    let info = get(c, &[("prop", "info"), ("titles", title)]).await;
    info["query"]["pages"][0]["lastrevid"]
        .as_u64()
        .unwrap_or_else(|| panic!("no lastrevid: {info}"))
}

/// The text of the page's latest revision.
pub async fn text_of(c: &Client, title: &str) -> String {
    let q = get(
        c,
        &[
            ("prop", "revisions"),
            ("titles", title),
            ("rvprop", "content"),
            ("rvslots", "main"),
        ],
    )
    .await;
    str_at(&q, "/query/pages/0/revisions/0/slots/main/content").to_owned()
}

/// Whether the client's user watches `title`.
pub async fn watched(c: &Client, title: &str) -> bool {
    let q = get(
        c,
        &[("prop", "info"), ("inprop", "watched"), ("titles", title)],
    )
    .await;
    q["query"]["pages"][0]["watched"]
        .as_bool()
        .unwrap_or_else(|| panic!("no watched flag: {q}"))
}

/// `user`'s recent change of `title` (ids, patrolled).
pub async fn recent_change(c: &Client, title: &str, user: &str) -> Value {
    let q = get(
        c,
        &[
            ("list", "recentchanges"),
            ("rctitle", title),
            ("rcuser", user),
            ("rcprop", "ids|patrolled|user"),
        ],
    )
    .await;
    q["query"]["recentchanges"][0].clone()
}

/// The groups of `user`.
pub async fn groups(c: &Client, user: &str) -> Vec<String> {
    let q = get(
        c,
        &[("list", "users"), ("ususers", user), ("usprop", "groups")],
    )
    .await;
    q["query"]["users"][0]["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups: {q}"))
        .iter()
        .filter_map(|g| g.as_str().map(str::to_owned))
        .collect()
}

pub async fn user_exists(c: &Client, user: &str) -> bool {
    let q = get(c, &[("list", "users"), ("ususers", user)]).await;
    let u = &q["query"]["users"][0];
    assert!(u.is_object(), "{q}");
    u.get("missing").is_none()
}
