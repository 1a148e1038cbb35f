//! `mw`'s global options reach the client: the required user agent,
//! `--timeout`, `--max-retries`, `--max-wait` and their environment
//! variables (against loopback doubles).

mod support;

use support::{Double, Reply, mw, text, wiki};

#[test]
fn a_missing_user_agent_is_refused_naming_the_env_var_and_an_example() {
    let double = Double::start(wiki("Bot"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .env_remove("MW_USER_AGENT")
        .args(["token", "csrf"])
        .output()
        .expect("mw runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("MW_USER_AGENT"), "{stderr}");
    assert!(
        stderr.contains("MyBot/1.0 (https://example.org/mybot; mybot@example.org)"),
        "{stderr}"
    );
    assert!(double.seen().is_empty(), "nothing is sent without one");

    // A blank one is no better.
    let out = mw(&double.api, &dir.path().join("s.json"))
        .env("MW_USER_AGENT", " ")
        .args(["token", "csrf"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(double.seen().is_empty());
}

#[test]
fn the_user_agent_reaches_the_wiki() {
    let double = Double::start(|_| {
        Reply::json(
            serde_json::json!({"batchcomplete": true, "query": {"tokens": {"csrftoken": "+\\"}}}),
        )
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args([
            "--user-agent",
            "OptBot/2.0 (https://example.org/optbot)",
            "token",
        ])
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "+\\\n");
    let seen = double.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].user_agent,
        "OptBot/2.0 (https://example.org/optbot)"
    );
}
