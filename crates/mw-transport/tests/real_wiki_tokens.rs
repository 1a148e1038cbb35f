//! Each token type with the module that consumes it, on a real MediaWiki
//! 1.39 (`MW_TEST_ENV`, from `scripts/test-wiki.sh start DIR`): csrf →
//! `action=edit`, watch → `action=watch` (and unwatch), patrol →
//! `action=patrol`, rollback → `action=rollback`, userrights →
//! `action=userrights`, createaccount → `action=createaccount`, login →
//! `action=login`.
//!
//! Each test checks the wiki's state after the call, and that a token of
//! another type is refused: given through `with_token_param` (the client
//! refreshes it once and retries once, then the `badtoken` error comes back
//! typed, after exactly three requests) and given by hand (one request, no
//! refresh). `action=login` answers a wrong token with the result
//! `WrongToken`, not with `badtoken`: the client returns it after one POST.
//!
//! The wiki's bot password has the grants these modules need and the bot
//! group may patrol, roll back and add or remove the group `tokentest`
//! (`scripts/test-wiki.sh`); `MW_OTHER_USER` is a second account, the author
//! of the edits that are patrolled and rolled back. Without `MW_TEST_ENV`
//! the tests fail; `MW_SKIP_REAL_WIKI=1` skips them on purpose.

#[macro_use]
mod tokens_support;

use mw_transport::{ActionCall, ActionRequest, Password, TokenType};
use serde_json::Value;
use tokens_support::*;

#[tokio::test]
async fn csrf_token_edits_and_a_watch_token_is_refused() {
    let w = wiki!();
    let bot = bot(&w).await;
    let marker = unique("csrf");
    let edit = ActionRequest::post("edit")
        .param("title", PAGE)
        .param("appendtext", format!("\n{marker}"))
        .param("summary", "mw-transport token test");
    refused_with_badtoken(&bot, &edit, "token", TokenType::WATCH).await;
    assert!(!text_of(&bot, PAGE).await.contains(&marker));

    let done = bot
        .call(ActionCall::new(edit).with_token(TokenType::CSRF))
        .await
        .expect("edit");
    assert_eq!(str_at(done.body(), "/edit/result"), "Success");
    let revid = done
        .body()
        .pointer("/edit/newrevid")
        .cloned()
        .expect("newrevid");
    let rev = get(
        &bot,
        &[
            ("prop", "revisions"),
            ("revids", &revid.to_string()),
            ("rvprop", "user|content"),
            ("rvslots", "main"),
        ],
    )
    .await;
    let rev = &rev["query"]["pages"][0]["revisions"][0];
    assert_eq!(str_at(rev, "/user"), w.main_user);
    assert!(str_at(rev, "/slots/main/content").contains(&marker));
}

#[tokio::test]
async fn watch_token_watches_and_unwatches_and_a_csrf_token_is_refused() {
    let w = wiki!();
    let bot = bot(&w).await;
    // A missing page can be watched too; a fresh title is this test's alone.
    let title = unique("Tokens watch");
    let watch = ActionRequest::post("watch").param("titles", title.as_str());
    refused_with_badtoken(&bot, &watch, "token", TokenType::CSRF).await;
    assert!(
        !watched(&bot, &title).await,
        "watched after a refused watch"
    );

    let done = bot
        .call(ActionCall::new(watch.clone()).with_token(TokenType::WATCH))
        .await
        .expect("watch");
    assert_eq!(done.body()["watch"][0]["watched"], Value::Bool(true));
    assert!(watched(&bot, &title).await);

    let unwatch = watch.param("unwatch", "1");
    refused_with_badtoken(&bot, &unwatch, "token", TokenType::CSRF).await;
    assert!(
        watched(&bot, &title).await,
        "unwatched by a refused unwatch"
    );
    let done = bot
        .call(ActionCall::new(unwatch).with_token(TokenType::WATCH))
        .await
        .expect("unwatch");
    assert_eq!(done.body()["watch"][0]["unwatched"], Value::Bool(true));
    assert!(!watched(&bot, &title).await);
}

#[tokio::test]
async fn patrol_token_patrols_another_users_change_and_a_csrf_token_is_refused() {
    let w = wiki!();
    let other = other(&w).await;
    let title = unique("Tokens patrol");
    create_page(&other, &title, "to be patrolled").await;
    let bot = bot(&w).await;
    let rc = recent_change(&bot, &title, &w.other_user).await;
    let rcid = rc["rcid"].as_u64().expect("rcid");
    assert_eq!(rc["patrolled"], Value::Bool(false), "{rc}");

    let patrol = ActionRequest::post("patrol").param("rcid", rcid.to_string());
    refused_with_badtoken(&bot, &patrol, "token", TokenType::CSRF).await;
    let rc = recent_change(&bot, &title, &w.other_user).await;
    assert_eq!(rc["patrolled"], Value::Bool(false), "{rc}");

    let done = bot
        .call(ActionCall::new(patrol).with_token(TokenType::PATROL))
        .await
        .expect("patrol");
    assert_eq!(done.body()["patrol"]["rcid"].as_u64(), Some(rcid));
    assert_eq!(str_at(done.body(), "/patrol/title"), title);
    let rc = recent_change(&bot, &title, &w.other_user).await;
    assert_eq!(rc["patrolled"], Value::Bool(true), "{rc}");
}

#[tokio::test]
async fn rollback_token_reverts_another_users_edit_and_a_csrf_token_is_refused() {
    let w = wiki!();
    let other = other(&w).await;
    let bot = bot(&w).await;
    let title = unique("Tokens rollback");
    create_page(&other, &title, "one").await;
    let bots = append(&bot, &title, "\ntwo").await;
    let others = append(&other, &title, "\nthree").await;
    assert_eq!(last_revid(&bot, &title).await, others);

    let rollback = ActionRequest::post("rollback")
        .param("title", title.as_str())
        .param("user", w.other_user.as_str());
    refused_with_badtoken(&bot, &rollback, "token", TokenType::CSRF).await;
    assert_eq!(last_revid(&bot, &title).await, others);

    let done = bot
        .call(ActionCall::new(rollback).with_token(TokenType::ROLLBACK))
        .await
        .expect("rollback");
    let body = done.body();
    assert_eq!(body["rollback"]["old_revid"].as_u64(), Some(others));
    assert_eq!(body["rollback"]["last_revid"].as_u64(), Some(bots));
    let new = body["rollback"]["revid"].as_u64().expect("revid");
    assert_eq!(last_revid(&bot, &title).await, new);
    assert_eq!(text_of(&bot, &title).await, "one\ntwo");
}

#[tokio::test]
async fn userrights_token_adds_and_removes_a_group_and_a_csrf_token_is_refused() {
    let w = wiki!();
    let name = unique("Tokens rights");
    let anon = client(&w);
    let created = anon
        .call(
            ActionCall::new(create_account(&name))
                .with_token_param(TokenType::CREATE_ACCOUNT, "createtoken"),
        )
        .await
        .expect("createaccount");
    assert_eq!(str_at(created.body(), "/createaccount/status"), "PASS");
    let bot = bot(&w).await;
    assert!(!groups(&bot, &name).await.contains(&GROUP.to_owned()));

    let add = ActionRequest::post("userrights")
        .param("user", name.as_str())
        .param("add", GROUP)
        .param("reason", "mw-transport token test");
    refused_with_badtoken(&bot, &add, "token", TokenType::CSRF).await;
    assert!(!groups(&bot, &name).await.contains(&GROUP.to_owned()));
    let done = bot
        .call(ActionCall::new(add).with_token(TokenType::USER_RIGHTS))
        .await
        .expect("userrights add");
    assert_eq!(done.body()["userrights"]["added"][0], GROUP);
    assert!(groups(&bot, &name).await.contains(&GROUP.to_owned()));

    let remove = ActionRequest::post("userrights")
        .param("user", name.as_str())
        .param("remove", GROUP);
    refused_with_badtoken(&bot, &remove, "token", TokenType::CSRF).await;
    assert!(groups(&bot, &name).await.contains(&GROUP.to_owned()));
    let done = bot
        .call(ActionCall::new(remove).with_token(TokenType::USER_RIGHTS))
        .await
        .expect("userrights remove");
    assert_eq!(done.body()["userrights"]["removed"][0], GROUP);
    assert!(!groups(&bot, &name).await.contains(&GROUP.to_owned()));
}

#[tokio::test]
async fn createaccount_token_creates_an_account_and_a_login_token_is_refused() {
    let w = wiki!();
    let anon = client(&w);
    let name = unique("Tokens account");
    let request = create_account(&name);
    refused_with_badtoken(&anon, &request, "createtoken", TokenType::LOGIN).await;
    assert!(!user_exists(&anon, &name).await);

    let done = anon
        .call(
            ActionCall::new(create_account(&name))
                .with_token_param(TokenType::CREATE_ACCOUNT, "createtoken"),
        )
        .await
        .expect("createaccount");
    assert_eq!(str_at(done.body(), "/createaccount/status"), "PASS");
    assert_eq!(str_at(done.body(), "/createaccount/username"), name);
    assert!(user_exists(&anon, &name).await);
    // Creating an account through the API does not log the creator in.
    assert!(anon.user().is_none());
    let me = get(&anon, &[("meta", "userinfo")]).await;
    assert_eq!(me["query"]["userinfo"]["anon"], Value::Bool(true), "{me}");

    // A bot password with the createaccount grant may create accounts too.
    let bot = bot(&w).await;
    let name = unique("Tokens account by bot");
    let done = bot
        .call(
            ActionCall::new(create_account(&name))
                .with_token_param(TokenType::CREATE_ACCOUNT, "createtoken"),
        )
        .await
        .expect("createaccount by the bot");
    assert_eq!(str_at(done.body(), "/createaccount/status"), "PASS");
    assert!(user_exists(&bot, &name).await);
    assert_eq!(bot.user().map(|u| u.name), Some(w.main_user.clone()));
}

#[tokio::test]
async fn login_token_logs_in_and_another_type_gets_wrongtoken_once() {
    let w = wiki!();
    let client = client(&w);
    // action=login sent by hand with a createaccount token as lgtoken (a real
    // token of this session, of the wrong type).
    let login = || {
        ActionCall::new(
            ActionRequest::post("login")
                .param("lgname", w.bot_user.as_str())
                .password("lgpassword", Password::new(w.bot_password.clone())),
        )
        .with_token_param(TokenType::CREATE_ACCOUNT, "lgtoken")
    };
    // While the session has never held a login token, MediaWiki does not
    // compare at all: Failed, sessionlost.
    let answer = client.call(login()).await.expect("an answer, not an error");
    assert_eq!(str_at(answer.body(), "/login/result"), "Failed");
    assert_eq!(str_at(answer.body(), "/login/reason/code"), "sessionlost");
    // Once it holds one, a token of another type is WrongToken.
    client.token(TokenType::LOGIN).await.expect("login token");
    let answer = client.call(login()).await.expect("an answer, not an error");
    assert_eq!(str_at(answer.body(), "/login/result"), "WrongToken");
    assert_eq!(
        summary(&client.request_log()),
        [
            "GET query tokens createaccount",
            "POST login",
            "GET query tokens login",
            "POST login",
        ],
        "Failed and WrongToken are not badtoken: no refresh, no retry"
    );
    assert!(client.user().is_none());
    let me = get(&client, &[("meta", "userinfo")]).await;
    assert_eq!(me["query"]["userinfo"]["anon"], Value::Bool(true), "{me}");

    let before = client.request_log().len();
    let user = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    assert_eq!(user.name, w.main_user);
    assert_eq!(
        summary(&client.request_log()[before..]),
        ["GET query tokens login", "POST login"],
        "login fetches its own login token, whatever is cached"
    );
    let me = get(&client, &[("meta", "userinfo")]).await;
    assert_eq!(str_at(&me, "/query/userinfo/name"), w.main_user);
}
