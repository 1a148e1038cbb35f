//! Server text never reaches the terminal raw: a hostile wiki's user name,
//! warnings, error info and response values with newlines, CR, ESC/CSI/OSC
//! sequences (clear screen, an OSC 52 clipboard write), BEL, DEL, C1 and
//! bidi overrides are printed escaped, one line per message; `--json`
//! stays exact JSON.

mod support;

use serde_json::json;
use support::{Double, Reply, assert_no_controls, mw, text, wiki};

/// Forges a line, clears the screen, writes the clipboard, rings, returns
/// the carriage, reverses the text, and sends an 8-bit CSI.
const EVIL: &str =
    "x\nmw: logged in as Admin\x1b[2J\x1b]52;c;ZWNobyBwd25lZA==\x07\r\u{202e}gnp.exe\u{9b}31m\x7f";
/// EVIL as `mw` prints it.
const SHOWN: &str =
    r"x\nmw: logged in as Admin\e[2J\e]52;c;ZWNobyBwd25lZA==\x07\r\u{202e}gnp.exe\u{9b}31m\x7f";

fn hostile_wiki() -> Double {
    let honest = wiki(EVIL);
    Double::start(move |req| match req.action() {
        // errorformat=plaintext's shape: in the bc format a newline
        // separates warnings, so there it is two messages.
        "login" => Reply::json(json!({
            "warnings": [{"code": "evil", "text": EVIL, "module": "login"}],
            "login": {"result": "Success", "lguserid": 3, "lgusername": EVIL}
        })),
        "query" if req.param("meta") == Some("siteinfo") => Reply::json(json!({
            "batchcomplete": true,
            "warnings": [{"code": "evil", "text": EVIL, "module": "main"}],
            "query": {"general": {"sitename": EVIL}}
        })),
        "query" if req.param("meta") == Some("userinfo") => {
            Reply::error("internal_api_error", EVIL)
        }
        _ => honest(req),
    })
}

#[test]
fn a_hostile_user_name_and_warning_are_escaped_on_login() {
    let double = hostile_wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .env("MW_USERNAME", "Bot@app")
        .env("MW_PASSWORD", "0123456789abcdefghijklmnopqrstuv")
        .arg("login")
        .output()
        .expect("mw runs");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_no_controls("stdout", &out.stdout);
    assert_no_controls("stderr", &out.stderr);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains(&format!("logged in as {SHOWN} ")),
        "{stdout}"
    );
    assert_eq!(stderr, format!("mw: warning: login (evil): {SHOWN}\n"));
}

#[test]
fn a_hostile_error_info_is_escaped_on_one_line() {
    let double = hostile_wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["call", "query", "meta=userinfo"])
        .output()
        .expect("mw runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_no_controls("stderr", &out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(SHOWN), "{stderr}");
}

#[test]
fn hostile_values_are_escaped_in_the_human_format_and_exact_in_json() {
    let double = hostile_wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["call", "query", "meta=siteinfo"])
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_no_controls("stdout", &out.stdout);
    assert_no_controls("stderr", &out.stderr);
    assert_eq!(
        text(&out.stderr),
        format!("mw: warning: main (evil): {SHOWN}\n"),
        "one line per warning"
    );

    let out = mw(&double.api, &dir.path().join("s.json"))
        .args(["--json", "call", "query", "meta=siteinfo"])
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // JSON escapes C0; DEL, C1 and bidi overrides are escaped as \uXXXX too,
    // and the value reads back exactly.
    assert_no_controls("stdout", &out.stdout);
    assert_eq!(text(&out.stdout).lines().count(), 1);
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["query"]["general"]["sitename"], EVIL);
}
