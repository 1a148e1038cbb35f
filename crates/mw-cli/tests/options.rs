//! `mw`'s global options reach the client: the required user agent,
//! `--timeout`, `--max-retries`, `--max-wait` and their environment
//! variables (against loopback doubles).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
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

#[test]
fn timeout_bounds_a_request_to_a_wiki_that_never_answers() {
    let double = Double::start(|_| Reply::never());
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["--json", "--timeout", "1", "token"])
        .output()
        .expect("mw runs");
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON");
    assert_eq!(err["error"]["kind"], "timeout");

    // The same from MW_TIMEOUT.
    let start = Instant::now();
    let out = mw(&double.api, &dir.path().join("s.json"))
        .env("MW_TIMEOUT", "0.5")
        .arg("token")
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(start.elapsed() < Duration::from_secs(4));

    for bad in ["0", "-1", "soon"] {
        let out = mw(&double.api, &dir.path().join("s.json"))
            .args(["--timeout", bad, "token"])
            .output()
            .expect("mw runs");
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
    }
}

/// MediaWiki's maxlag answer (db1.test lagged 7 s, `Retry-After: 1`) for
/// the first `lagging` requests, then tokens.
fn lagging_wiki(lagging: usize) -> Double {
    let count = Arc::new(AtomicUsize::new(0));
    Double::start(move |_| {
        if count.fetch_add(1, Ordering::SeqCst) < lagging {
            Reply::json(json!({"error": {"code": "maxlag", "info": "Waiting for db1.test: 7 seconds lagged.",
                "host": "db1.test", "lag": 7, "type": "db",
                "docref": "See http://127.0.0.1/api.php for API usage."}, "servedby": "vm"}))
            .header("retry-after", "1")
            .header("x-database-lag", "7")
            .header("mediawiki-api-error", "maxlag")
        } else {
            Reply::json(json!({"batchcomplete": true, "query": {"tokens": {"csrftoken": "+\\"}}}))
        }
    })
}

#[test]
fn max_retries_reaches_the_retry_policy() {
    // By default a maxlag is waited out and retried.
    let double = lagging_wiki(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .arg("token")
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(double.seen().len(), 2);
    assert_eq!(double.seen()[0].param("maxlag"), Some("5"));

    for how in ["flag", "env"] {
        let double = lagging_wiki(1);
        let mut cmd = mw(&double.api, &dir.path().join("s.json"));
        if how == "flag" {
            cmd.args(["--max-retries", "0"]);
        } else {
            cmd.env("MW_MAX_RETRIES", "0");
        }
        let out = cmd.arg("token").output().expect("mw runs");
        assert_eq!(out.status.code(), Some(4), "{how}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("maxlag"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(double.seen().len(), 1, "{how}: no retry");
    }
}

#[test]
fn max_wait_bounds_the_waits() {
    // Retry-After: 1 is longer than the 0.5 s allowed: no wait, no retry.
    for how in ["flag", "env"] {
        let double = lagging_wiki(1);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cmd = mw(&double.api, &dir.path().join("s.json"));
        if how == "flag" {
            cmd.args(["--max-wait", "0.5"]);
        } else {
            cmd.env("MW_MAX_WAIT", "0.5");
        }
        let start = Instant::now();
        let out = cmd.args(["--json", "token"]).output().expect("mw runs");
        assert_eq!(out.status.code(), Some(4), "{how}: {}", text(&out.stderr));
        assert!(
            start.elapsed() < Duration::from_millis(900),
            "{how}: it waited"
        );
        assert_eq!(double.seen().len(), 1, "{how}");
        let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON");
        assert_eq!(err["error"]["code"], "maxlag");
        assert_eq!(err["error"]["retry_after_s"], 1);
    }
}

#[test]
fn allow_anonymous_is_a_flag_of_call_and_an_env_var() {
    let double = Double::start(wiki("Bot"));
    let dir = tempfile::tempdir().expect("tempdir");
    for (flag, env) in [(true, None), (false, Some("1")), (false, Some("false"))] {
        let mut cmd = mw(&double.api, &dir.path().join("s.json"));
        cmd.args(["call", "checktoken", "type=csrf", "token=x"]);
        if flag {
            cmd.arg("--allow-anonymous");
        }
        if let Some(v) = env {
            cmd.env("MW_ALLOW_ANONYMOUS", v);
        }
        let out = cmd.output().expect("mw runs");
        assert!(
            out.status.success(),
            "{flag} {env:?}: {}",
            text(&out.stderr)
        );
    }
    // Only `call` has it.
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["token", "--allow-anonymous"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn max_wait_zero_never_retries() {
    // A 503 without Retry-After would be retried after 5 s; with no time
    // to wait it is not retried at once either.
    let double = Double::start(|_| Reply {
        status: 503,
        headers: vec![("content-type".into(), "text/html".into())],
        body: "<html>Service Unavailable</html>".into(),
        delay: Duration::ZERO,
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["--max-wait", "0", "token"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(double.seen().len(), 1);
}
