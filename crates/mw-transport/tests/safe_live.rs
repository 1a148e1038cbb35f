//! "Safe by default" against a real MediaWiki 1.39 (`MW_TEST_ENV`, as in
//! `real_wiki.rs`): no anonymous write goes out unless asked for, and the
//! messages of a wrong URL or a mistyped token type say what to do.

use std::collections::HashMap;
use std::time::Duration;

use mw_transport::{ActionCall, ActionRequest, Client, ClientBuilder, Error, Password, TokenType};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";
// "Main Page" exists on a fresh wiki: the bot password may edit, not create.
const PAGE: &str = "Main Page";

struct Wiki {
    api: String,
    bot_user: String,
    bot_password: String,
}

/// The wiki of `MW_TEST_ENV` (the tests fail without it, unless
/// `MW_SKIP_REAL_WIKI=1`).
fn wiki() -> Option<Wiki> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        return None;
    }
    let path = std::env::var("MW_TEST_ENV").expect(
        "MW_TEST_ENV is not set: start a wiki with scripts/test-wiki.sh start DIR \
         (or set MW_SKIP_REAL_WIKI=1 to skip on purpose)",
    );
    let text = std::fs::read_to_string(&path).expect("the env file");
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| (*vars.get(k).unwrap_or_else(|| panic!("no {k}"))).to_owned();
    Some(Wiki {
        api: get("MW_API_URL"),
        bot_user: get("MW_BOT_USER"),
        bot_password: get("MW_BOT_PASSWORD"),
    })
}

macro_rules! wiki {
    () => {
        match wiki() {
            Some(w) => w,
            None => return,
        }
    };
}

fn builder(api: &str) -> ClientBuilder {
    Client::builder(api)
        .user_agent(UA)
        .timeout(Duration::from_secs(30))
        .record_requests(true)
}

fn edit(text: &str) -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", PAGE)
            .param("appendtext", text)
            .param("summary", "mw-transport safe_live test"),
    )
    .with_token(TokenType::CSRF)
}

fn is_not_logged_in(e: &Error) -> bool {
    matches!(
        e.protocol(),
        Some(mw_transport::mw_protocol::Error::NotLoggedIn(_))
    )
}

#[tokio::test]
async fn an_edit_without_a_login_is_refused_before_anything_is_sent() {
    let w = wiki!();
    let client = builder(&w.api).build().expect("client");
    let err = client
        .call(edit("\nanonymous?"))
        .await
        .expect_err("refused");
    assert!(is_not_logged_in(&err), "{err:?}");
    assert!(
        client.request_log().is_empty(),
        "{:?}",
        client.request_log()
    );
}

#[tokio::test]
async fn an_edit_after_logout_is_refused_before_anything_is_sent() {
    let w = wiki!();
    let client = builder(&w.api).build().expect("client");
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    client
        .call(edit("\nlogged in"))
        .await
        .expect("edit as the bot");
    client.logout().await.expect("logout");
    let before = client.request_log().len();
    let err = client
        .call(edit("\nafter logout"))
        .await
        .expect_err("refused");
    assert!(is_not_logged_in(&err), "{err:?}");
    assert_eq!(client.request_log().len(), before, "nothing may be sent");
}

#[tokio::test]
async fn an_anonymous_edit_goes_out_only_when_asked_for_and_is_saved_as_the_ip() {
    let w = wiki!();
    let client = builder(&w.api).build().expect("client");
    let marker = format!("\nanonymous on purpose {}", std::process::id());
    let saved = client
        .call(edit(&marker).allow_anonymous())
        .await
        .expect("an anonymous edit, asked for");
    let revid = saved
        .get(&["edit", "newrevid"])
        .and_then(|v| v.as_u64())
        .expect("a new revision");
    // What the opt-in means: the wiki records the machine's address.
    let rev = client
        .call(ActionCall::new(
            ActionRequest::get("query")
                .param("prop", "revisions")
                .param("revids", revid.to_string())
                .param("rvprop", "user"),
        ))
        .await
        .expect("revision");
    let user = rev
        .get(&["query", "pages"])
        .and_then(|p| p.get(0))
        .and_then(|p| p.get("revisions"))
        .and_then(|r| r.get(0))
        .and_then(|r| r.get("user"))
        .and_then(|u| u.as_str())
        .map(str::to_owned);
    assert_eq!(user.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_wrong_url_says_to_check_for_api_php() {
    let w = wiki!();
    let base = w.api.trim_end_matches("api.php");
    // A path that is not there: 404.
    let missing = format!("{base}no-such-api.php");
    let err = builder(&missing)
        .build()
        .expect("client")
        .token(TokenType::LOGIN)
        .await
        .expect_err("404");
    let text = err.to_string();
    assert!(text.contains("404") && text.contains(&missing), "{text}");
    assert!(text.contains("api.php?"), "{text}");
    // A page of the wiki instead of its API: an HTML page with status 200
    // (index.php answers an unknown action with a 404 page; the installer's
    // page answers 200).
    let index = format!("{base}mw-config/index.php");
    let err = builder(&index)
        .build()
        .expect("client")
        .token(TokenType::LOGIN)
        .await
        .expect_err("an HTML page");
    assert!(
        matches!(
            err.protocol(),
            Some(mw_transport::mw_protocol::Error::NotApi { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("api.php?"), "{err}");
}

#[tokio::test]
async fn a_mistyped_token_type_names_the_known_ones_and_keeps_the_wikis_warning() {
    let w = wiki!();
    let client = builder(&w.api).build().expect("client");
    let err = client
        .token("crsf".parse().expect("a valid name"))
        .await
        .expect_err("no such type");
    let text = err.to_string();
    assert!(text.contains("\"crsf\""), "{text}");
    assert!(text.contains("csrf, watch, patrol"), "{text}");
    assert!(text.contains("did you mean \"csrf\""), "{text}");
    assert!(text.contains("the wiki said: Unrecognized value"), "{text}");
}
