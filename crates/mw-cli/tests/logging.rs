//! What `mw` writes to stderr besides results: each warning once, no colour
//! when stderr is not a terminal, and with `-v` one line per request.

mod support;

use serde_json::json;
use support::{Double, Reply, assert_no_controls, mw, text, wiki};

/// A wiki whose answers to `meta=siteinfo` carry a (bc-format) warning.
fn warning_wiki() -> Double {
    let honest = wiki("Bot");
    Double::start(move |req| match req.param("meta") {
        Some("siteinfo") => Reply::json(json!({
            "batchcomplete": true,
            "warnings": {"main": {"warnings": "Unrecognized parameter: foo."}},
            "query": {"general": {"sitename": "Test"}}
        })),
        _ => honest(req),
    })
}

#[test]
fn each_warning_is_printed_once_and_without_colour_when_not_a_terminal() {
    let double = warning_wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    for verbose in [&[][..], &["-v"][..]] {
        let out = mw(&double.api, &dir.path().join("s.json"))
            .args(verbose)
            .args(["call", "query", "meta=siteinfo", "foo=1"])
            .output()
            .expect("mw runs");
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("\x1b["), "colour on a pipe: {stderr:?}");
        assert_no_controls("stderr", &out.stderr);
        let warnings: Vec<_> = stderr
            .lines()
            .filter(|l| l.contains("Unrecognized parameter"))
            .collect();
        assert_eq!(
            warnings,
            ["mw: warning: main: Unrecognized parameter: foo."],
            "{verbose:?}: {stderr}"
        );
    }
}

#[test]
fn verbose_prints_one_line_per_request() {
    let double = Double::start(wiki("Bot"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .env("MW_USERNAME", "Bot@app")
        .env("MW_PASSWORD", "0123456789abcdefghijklmnopqrstuv")
        .args(["-v", "login"])
        .output()
        .expect("mw runs");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_no_controls("stderr", &out.stderr);
    let host = double
        .api
        .trim_start_matches("http://")
        .trim_end_matches("/api.php");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            format!("mw: request: GET {host} action=query"),
            format!("mw: request: POST {host} action=login"),
        ],
        "{stderr}"
    );
    assert_eq!(double.seen().len(), 2);
    assert!(!stderr.contains("0123456789abcdefghijklmnopqrstuv"));

    // Without -v: none.
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["token"])
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

/// MediaWiki 1.39's answer to `meta=tokens&type=foo`.
fn unknown_token_type(_: &support::Seen) -> Reply {
    Reply::json(json!({
        "batchcomplete": true,
        "warnings": {"tokens": {"warnings": "Unrecognized value for parameter \"type\": foo"}},
        "query": {"tokens": {}}
    }))
}

#[test]
fn the_warnings_of_a_failed_command_are_printed_once_before_its_error() {
    let double = Double::start(unknown_token_type);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["token", "foo"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "mw: warning: tokens: Unrecognized value for parameter \"type\": foo\n\
         mw: unsupported by this wiki: the wiki does not know the token type \"foo\" \
         (MediaWiki knows csrf, watch, patrol, rollback, userrights, login, createaccount, \
         and extensions add more); the wiki said: Unrecognized value for parameter \"type\": foo\n"
    );
}

#[test]
fn with_json_every_stderr_line_is_json() {
    let double = Double::start(unknown_token_type);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["--json", "-v", "token", "foo"])
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["request"]["method"], "GET");
    assert_eq!(lines[0]["request"]["action"], "query");
    assert_eq!(
        lines[1],
        json!({"warning": {"module": "tokens", "code": null, "deprecation": false,
            "text": "Unrecognized value for parameter \"type\": foo"}})
    );
    assert_eq!(lines[2]["error"]["kind"], "unsupported");
    assert_eq!(lines[2]["error"]["exit"], 9);
}
