//! Exit codes and `--json` errors against loopback doubles.

mod support;

use serde_json::json;
use support::{Double, Reply, mw, text};

fn json_err(stderr: &[u8]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(stderr)
        .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", text(stderr)));
    assert_eq!(text(stderr).lines().count(), 1, "one line");
    v
}

#[test]
fn json_errors_come_as_json_on_stderr_with_the_same_exit_codes() {
    let double = Double::start(|req| match req.action() {
        "edit" => Reply::error("badtoken", "Invalid CSRF token.\nmw: forged"),
        "parse" => Reply {
            status: 404,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html>Not Found</html>".into(),
            delay: std::time::Duration::ZERO,
        },
        _ => Reply::json(json!({"batchcomplete": true})),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");

    let out = mw(&double.api, &session)
        .args(["--json", "call", "edit", "--post", "title=X"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let err = json_err(&out.stderr);
    assert_eq!(err["error"]["kind"], "api");
    assert_eq!(err["error"]["code"], "badtoken");
    assert_eq!(err["error"]["exit"], 4);
    assert_eq!(
        err["error"]["message"],
        "api error: badtoken: Invalid CSRF token.\nmw: forged"
    );

    let out = mw(&double.api, &session)
        .args(["call", "--json", "parse"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let err = json_err(&out.stderr);
    assert_eq!(err["error"]["kind"], "http");
    assert_eq!(err["error"]["status"], 404);

    // Without --json: the same codes, one plain line.
    let out = mw(&double.api, &session)
        .args(["call", "edit", "--post", "title=X"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        text(&out.stderr),
        "mw: api error: badtoken: Invalid CSRF token.\\nmw: forged\n"
    );
}

#[test]
fn an_invalid_or_expired_token_check_exits_10() {
    for verdict in ["invalid", "expired"] {
        let double = Double::start(move |_| {
            Reply::json(
                json!({"checktoken": {"result": verdict, "generated": "2026-12-01T20:00:00Z"}}),
            )
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let out = support::run(
            mw(&double.api, &dir.path().join("s.json")).args(["check-token", "csrf"]),
            "0123456789abcdef0123456789abcdef69a1b2c3+\\\n",
        );
        assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).starts_with(verdict),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(
            text(&out.stderr),
            format!("mw: the wiki says the token is {verdict}\n")
        );
    }
}
