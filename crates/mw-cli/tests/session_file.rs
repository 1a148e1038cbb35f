//! A successful command never leaves a session file the next command
//! refuses ("Safe by default", item 6): a wiki answering a 5 MB token, or
//! thousands of unrequested `<name>token` keys.

mod support;

use serde_json::json;
use support::{Double, Reply, mw, text};

fn sane(_: &support::Seen) -> Reply {
    Reply::json(json!({"batchcomplete": true, "query": {"tokens": {"csrftoken": "+\\"}}}))
}

#[test]
fn a_huge_token_is_refused_and_the_next_command_works() {
    let huge = format!("{}+\\", "a".repeat(5 << 20));
    let bad = Double::start(move |_| {
        Reply::json(json!({"batchcomplete": true, "query": {"tokens": {"csrftoken": huge}}}))
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let out = mw(&bad.api, &session)
        .args(["token"])
        .output()
        .expect("mw runs");
    assert_ne!(out.status.code(), Some(0), "a 5 MB token is no token");
    let good = Double::start(sane);
    let out = mw(&good.api, &session)
        .args(["token"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn unrequested_token_keys_are_not_saved() {
    let bad = Double::start(|_| {
        let mut tokens = serde_json::Map::new();
        tokens.insert("csrftoken".into(), json!("+\\"));
        for i in 0..50_000 {
            tokens.insert(
                format!("x{i}token"),
                json!("d41d8cd98f00b204e9800998ecf8427e6b021575+\\"),
            );
        }
        Reply::json(json!({"batchcomplete": true, "query": {"tokens": tokens}}))
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let out = mw(&bad.api, &session)
        .args(["token"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    if let Ok(meta) = std::fs::metadata(&session) {
        assert!(meta.len() < 64 * 1024, "{} bytes saved", meta.len());
    }
    let out = mw(&bad.api, &session)
        .args(["token"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
