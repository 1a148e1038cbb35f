//! No secret leaks, against a real MediaWiki (`MW_TEST_ENV`, as in
//! `real_wiki.rs`): every flow runs with a `tracing` subscriber at TRACE
//! that keeps every event and span field, behind a recording TCP proxy
//! that sees every byte sent. No password, token or session cookie may
//! appear in any log line, any request line (URL), any `Debug`/`Display`
//! of the public types, or any error message. (The CentralAuth double's
//! version, where a `centralauthtoken` may appear in its own URL only, is
//! `centralauth_leaks_nothing_at_trace_level` in `doubles.rs`.)

mod capture;

use std::collections::HashMap;
use std::time::Duration;

use capture::tap::{cookie_values, tap};
use capture::{Capture, assert_clean};
use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, ClientLoginOutcome, Config, Password,
    RetryPolicy, Token, TokenType, TokenValidity,
};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

struct Wiki {
    api: url::Url,
    bot_user: String,
    bot_password: String,
    main_user: String,
    main_password: String,
}

fn wiki() -> Option<Wiki> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var("MW_TEST_ENV").unwrap_or_else(|_| {
        panic!(
            "MW_TEST_ENV is not set: start a wiki with `scripts/test-wiki.sh start DIR` and \
             set MW_TEST_ENV=DIR/env (MW_SKIP_REAL_WIKI=1 skips this test on purpose)"
        )
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| -> String {
        vars.get(k)
            .map(|v| (*v).to_owned())
            .unwrap_or_else(|| panic!("{path} has no {k}"))
    };
    Some(Wiki {
        api: url::Url::parse(&get("MW_API_URL")).expect("MW_API_URL"),
        bot_user: get("MW_BOT_USER"),
        bot_password: get("MW_BOT_PASSWORD"),
        main_user: get("MW_MAIN_USER"),
        main_password: get("MW_MAIN_PASSWORD"),
    })
}

fn builder(api: &str) -> ClientBuilder {
    let mut config = Config::new(UA);
    let mut retry = RetryPolicy::default();
    retry.max_retries = 1;
    retry.base_delay = Duration::from_millis(100);
    config.retry = retry;
    Client::builder(api)
        .user_agent(UA)
        .config(config)
        .timeout(Duration::from_secs(30))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_flow_leaks_a_secret_into_logs_urls_debug_or_errors() {
    let Some(w) = wiki() else { return };
    let capture = Capture::default();
    // Global, so that events of every runtime thread are seen (this test
    // binary has this one test).
    tracing::subscriber::set_global_default(capture.clone()).expect("the only subscriber");
    let upstream = format!(
        "{}:{}",
        w.api.host_str().expect("host"),
        w.api.port_or_known_default().expect("port")
    );
    let (proxy, tap) = tap(upstream).await;
    let mut api = w.api.clone();
    api.set_port(proxy.rsplit(':').next().and_then(|p| p.parse().ok()))
        .expect("port");
    let api = api.to_string();
    let dir = std::env::temp_dir().join(format!("mw-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let session_file = dir.join("session.json");

    let wrong = "wrongwrongwrongwrongwrongwrong00".to_owned();
    let bogus_token = "0123456789abcdef0123456789abcdef6543210f+\\".to_owned();
    let mut shown: Vec<String> = Vec::new(); // every Debug/Display and error
    let mut tokens: Vec<(String, Token)> = Vec::new();

    let builder_with_credentials =
        || builder(&api).credentials(&w.bot_user, Password::new(w.bot_password.clone()));
    shown.push(format!("{:?}", builder_with_credentials()));
    let client = builder_with_credentials()
        .record_requests(true)
        .build()
        .expect("client");

    // Anonymous login token, bot-password login.
    let login_token = client.token(TokenType::LOGIN).await.expect("login token");
    shown.push(format!("{login_token:?} {}", *login_token));
    tokens.push(("login token".into(), login_token.value.clone()));
    let user = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    shown.push(format!("{user:?} {}", user.name));

    // Tokens, one by one and several at once; checktoken valid and invalid.
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    tokens.push(("csrf".into(), csrf.value.clone()));
    let several = client
        .tokens(&[TokenType::WATCH, TokenType::PATROL, TokenType::ROLLBACK])
        .await
        .expect("tokens");
    shown.push(format!("{several:?}"));
    for (ty, t) in several.value.iter() {
        tokens.push((format!("{ty}"), t.clone()));
    }
    let check = client
        .check_token(TokenType::CSRF, &csrf, Some(600))
        .await
        .expect("checktoken");
    assert_eq!(check.result, TokenValidity::Valid);
    shown.push(format!("{check:?}"));
    let check = client
        .check_token(TokenType::CSRF, &Token::new(bogus_token.clone()), None)
        .await
        .expect("checktoken");
    assert_eq!(check.result, TokenValidity::Invalid);

    // An edit with the cached token, a read, and an edit with a bad token
    // the caller supplied (an API error).
    let edit = client
        .call(
            ActionCall::new(
                ActionRequest::post("edit")
                    .param("title", "Main Page")
                    .param("appendtext", "\nsecrets test")
                    .param("summary", "test"),
            )
            .with_token(TokenType::CSRF),
        )
        .await
        .expect("edit");
    shown.push(format!("{edit:?}"));
    let me = client
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ))
        .await
        .expect("userinfo");
    shown.push(format!("{me:?}"));
    let err = client
        .call(ActionCall::new(
            ActionRequest::post("edit")
                .param("title", "Secrets test")
                .param("appendtext", "x")
                .token("token", Token::new(bogus_token.clone())),
        ))
        .await
        .expect_err("badtoken");
    assert_eq!(err.code(), Some("badtoken"));
    shown.push(format!("{err} {err:?}"));

    // Save and resume; a corrupt file's error.
    client.save(&session_file).await.expect("save");
    let resumed = Client::restore(&session_file, builder_with_credentials()).expect("resume");
    shown.push(format!("{resumed:?} {:?}", resumed.user()));
    std::fs::write(&session_file, b"{\"version\":1,\"cookies\":[").expect("write");
    let err = Client::restore(&session_file, builder_with_credentials()).expect_err("corrupt");
    shown.push(format!("{err} {err:?}"));
    shown.push(format!("{client:?}"));

    // Logout.
    let out = client.logout().await.expect("logout");
    shown.push(format!("{out:?}"));

    // A wrong password: the error, and a wrong main-account clientlogin.
    let other = builder(&api).build().expect("client");
    let err = other
        .login(&w.bot_user, Password::new(wrong.clone()))
        .await
        .expect_err("wrong password");
    shown.push(format!("{err} {err:?}"));
    let failed = other
        .client_login(
            &w.main_user,
            Password::new(wrong.clone()),
            "https://example.org/",
        )
        .await;
    shown.push(format!("{failed:?}"));
    if let Err(e) = &failed {
        shown.push(e.to_string());
    }
    // The main account through clientlogin.
    let main = builder(&api).build().expect("client");
    let outcome = main
        .client_login(
            &w.main_user,
            Password::new(w.main_password.clone()),
            "https://example.org/",
        )
        .await
        .expect("clientlogin");
    assert!(matches!(outcome.value, ClientLoginOutcome::LoggedIn(_)));
    shown.push(format!("{outcome:?}"));
    let main_csrf = main.token(TokenType::CSRF).await.expect("csrf");
    tokens.push(("main csrf".into(), main_csrf.value.clone()));
    shown.push(format!("{main:?} {main_csrf:?} {}", *main_csrf));
    main.logout().await.expect("logout");
    // Password and Token themselves.
    let p = Password::new(w.bot_password.clone());
    shown.push(format!("{p:?} {p}"));
    shown.push(format!("{:?}", client.request_log()));

    // ---- the checks ----
    let mut secrets: Vec<(&str, String)> = vec![
        ("the bot password", w.bot_password.clone()),
        ("the main password", w.main_password.clone()),
        ("a wrong password", wrong.clone()),
        ("a caller's token", bogus_token.clone()),
    ];
    let token_secrets: Vec<(String, String)> = tokens
        .iter()
        .map(|(n, t)| (n.clone(), t.secret().to_owned()))
        .filter(|(_, t)| t != "+\\")
        .collect();
    for (n, t) in &token_secrets {
        secrets.push((n.as_str(), t.clone()));
    }
    let received = tap.received();
    let cookies = cookie_values(&received);
    assert!(!cookies.is_empty(), "the wiki set no session cookie?");
    for c in &cookies {
        secrets.push(("a session cookie", c.clone()));
    }

    let lines = capture.lines();
    assert!(
        lines.len() > 20,
        "the subscriber saw too little: {lines:#?}"
    );
    for line in &lines {
        assert_clean("a log line", line, &secrets);
    }
    for text in &shown {
        assert_clean("a Debug/Display/error", text, &secrets);
    }
    // The request lines (method and URL) of everything sent.
    let sent = tap.sent();
    // (Anywhere in the stream: on a reused connection a request line
    // follows the previous body without a line break.)
    let request_lines: Vec<&str> = ["GET /", "POST /"]
        .iter()
        .flat_map(|m| sent.match_indices(m).map(|(i, _)| i))
        .filter_map(|i| sent[i..].split(" HTTP/1.1\r\n").next())
        .collect();
    assert!(request_lines.len() >= 15, "{request_lines:#?}");
    for line in &request_lines {
        assert_clean("a URL", line, &secrets);
    }
    // The check is not vacuous: the password and the token did go out,
    // in POST bodies.
    let encoded =
        |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    assert!(sent.contains(&encoded(&w.bot_password)));
    assert!(sent.contains(&encoded(csrf.secret())));

    let _ = std::fs::remove_dir_all(&dir);
}
