//! No secret of the AuthManager flows leaks, against the real wikis of
//! `real_wiki_auth.rs`: account creation (`MW_TEST_ENV`), two-factor login
//! (`MW_TEST_ENV_OATH`) and the captcha (`MW_TEST_ENV_CAPTCHA`), as
//! `secrets.rs` does for the token flows: a `tracing` subscriber at TRACE
//! that keeps every field, a recording TCP proxy in front of each wiki. No
//! password (the new accounts' too), two-factor code, captcha answer or
//! session cookie may appear in a log line, a request line (URL), the
//! `Debug`/`Display` of a result or an error message; and each did go out,
//! in a POST body.

mod capture;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use capture::tap::{Tap, cookie_values, tap};
use capture::{Capture, assert_clean};
use mw_test_support::totp;
use mw_transport::mw_protocol::actions::auth_step::{CAPTCHA_ANSWER_FIELD, TWO_FACTOR_FIELD};
use mw_transport::{Client, ClientLoginOutcome, Config, CreateAccountOutcome, Password};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";
const RETURN_URL: &str = "http://127.0.0.1/";

/// The env file named by `var`; `None` only with `MW_SKIP_REAL_WIKI=1`.
fn wiki(var: &str) -> Option<HashMap<String, String>> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: scripts/test.sh starts the wikis (MW_SKIP_REAL_WIKI=1 skips)")
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

/// A client for the wiki `w`, through a new recording proxy.
async fn client(w: &HashMap<String, String>) -> (Client, Tap) {
    let api = url::Url::parse(&w["MW_API_URL"]).expect("MW_API_URL");
    let upstream = format!(
        "{}:{}",
        api.host_str().expect("host"),
        api.port_or_known_default().expect("port")
    );
    let (proxy, tap) = tap(upstream).await;
    let mut via = api.clone();
    via.set_port(proxy.rsplit(':').next().and_then(|p| p.parse().ok()))
        .expect("port");
    let client = Client::builder(via.as_str())
        .user_agent(UA)
        .config(Config::new(UA))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    (client, tap)
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos}", std::process::id())
}

fn form(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_auth_flow_leaks_a_secret() {
    let (Some(main), Some(oath), Some(captcha)) = (
        wiki("MW_TEST_ENV"),
        wiki("MW_TEST_ENV_OATH"),
        wiki("MW_TEST_ENV_CAPTCHA"),
    ) else {
        return;
    };
    let capture = Capture::default();
    // Global, so that events of every runtime thread are seen (this test
    // binary has this one test).
    tracing::subscriber::set_global_default(capture.clone()).expect("the only subscriber");
    let mut shown: Vec<String> = Vec::new();
    let mut taps: Vec<Tap> = Vec::new();

    // Account creation, then the same name again (FAIL userexists).
    let new_password = format!("Np-{}-secret", unique("a"));
    let (c, t) = client(&main).await;
    let name = unique("Sec");
    let created = c
        .create_account(
            &name,
            Password::new(new_password.clone()),
            RETURN_URL,
            vec![],
        )
        .await
        .expect("create");
    assert!(matches!(
        created.value,
        CreateAccountOutcome::Created { .. }
    ));
    shown.push(format!("{created:?}"));
    let err = c
        .create_account(
            &name,
            Password::new(new_password.clone()),
            RETURN_URL,
            vec![],
        )
        .await
        .expect_err("userexists");
    shown.push(format!("{err} {err:?}"));
    shown.push(format!("{c:?}"));
    taps.push(t);

    // Two-factor login: a refused code, then a fresh one.
    let (c, t) = client(&oath).await;
    let step = c
        .client_login(
            &oath["MW_OATH_USER"],
            Password::new(oath["MW_OATH_PASSWORD"].clone()),
            RETURN_URL,
        )
        .await
        .expect("clientlogin");
    shown.push(format!("{step:?}"));
    let wrong_code = totp::expired_code(&oath["MW_OATH_SECRET"]);
    let err = c
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), wrong_code.clone())])
        .await
        .expect_err("an expired code");
    shown.push(format!("{err} {err:?}"));
    let turn = totp::fresh_code(&oath["MW_OATH_SECRET"], Path::new(&oath["MW_WIKI_DIR"]));
    let code = turn.code.clone();
    let done = c
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), code.clone())])
        .await
        .expect("a fresh code");
    assert!(matches!(done.value, ClientLoginOutcome::LoggedIn(_)));
    drop(turn);
    shown.push(format!("{done:?} {c:?}"));
    let oath_tap = t.clone();
    taps.push(t);

    // The captcha: a wrong answer (FAIL), then the right one.
    let (c, t) = client(&captcha).await;
    let wrong_answer = format!("wrong-{}", unique("answer"));
    let mut answers = Vec::new();
    for answer in [wrong_answer.clone(), captcha["MW_CAPTCHA_ANSWER"].clone()] {
        let step = c
            .create_account(
                &unique("Cap"),
                Password::new(new_password.clone()),
                RETURN_URL,
                vec![],
            )
            .await
            .expect("authmanagerinfo");
        shown.push(format!("{step:?}"));
        let result = c
            .create_account_continue(vec![(CAPTCHA_ANSWER_FIELD.into(), answer.clone())])
            .await;
        shown.push(match &result {
            Ok(r) => format!("{r:?}"),
            Err(e) => format!("{e} {e:?}"),
        });
        answers.push(result.is_ok());
    }
    assert_eq!(
        answers,
        [false, true],
        "the wrong answer failed, the right one passed"
    );
    let captcha_tap = t.clone();
    taps.push(t);

    // ---- the checks ----
    let mut secrets: Vec<(&str, String)> = vec![
        ("a new account's password", new_password.clone()),
        (
            "the two-factor account's password",
            oath["MW_OATH_PASSWORD"].clone(),
        ),
        ("the TOTP secret", oath["MW_OATH_SECRET"].clone()),
        ("a refused two-factor code", wrong_code.clone()),
        ("the two-factor code", code.clone()),
        ("a wrong captcha answer", wrong_answer.clone()),
        ("the captcha answer", captcha["MW_CAPTCHA_ANSWER"].clone()),
    ];
    for t in &taps {
        // (`wiki_UserName` holds the user name: no secret.)
        for c in cookie_values(&t.received()) {
            if c != oath["MW_OATH_USER"] {
                secrets.push(("a session cookie", c));
            }
        }
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
    for t in &taps {
        let sent = t.sent();
        let request_lines: Vec<&str> = ["GET /", "POST /"]
            .iter()
            .flat_map(|m| sent.match_indices(m).map(|(i, _)| i))
            .filter_map(|i| sent[i..].split(" HTTP/1.1\r\n").next())
            .collect();
        assert!(!request_lines.is_empty());
        for line in &request_lines {
            assert_clean("a URL", line, &secrets);
        }
    }
    // Not vacuous: each secret did go out, in a POST body.
    assert!(taps[0].sent().contains(&form(&new_password)));
    let sent = oath_tap.sent();
    assert!(sent.contains(&form(&code)) && sent.contains(&form(&wrong_code)));
    let sent = captcha_tap.sent();
    assert!(sent.contains(&form(&wrong_answer)));
    assert!(sent.contains(&form(&captcha["MW_CAPTCHA_ANSWER"])));
}
