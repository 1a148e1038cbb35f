//! The `mw` command against a real MediaWiki (see `scripts/test-wiki.sh`;
//! `scripts/test.sh` sets `MW_TEST_ENV`).

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The test wiki's env file (`KEY=value` lines). Fails when it is missing:
/// these tests must never pass by not running.
fn wiki() -> HashMap<String, String> {
    let path = std::env::var("MW_TEST_ENV")
        .expect("MW_TEST_ENV must name a test wiki's env file (scripts/test-wiki.sh start DIR)");
    let text = std::fs::read_to_string(&path).expect("readable MW_TEST_ENV file");
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn mw(
    env: &HashMap<String, String>,
    session: &Path,
    args: &[&str],
    stdin: Option<&str>,
    login: bool,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mw"));
    cmd.arg("--api")
        .arg(&env["MW_API_URL"])
        .arg("--session")
        .arg(session)
        .args(args)
        .env_remove("MW_USERNAME")
        .env_remove("MW_PASSWORD")
        .env_remove("MW_API_URL")
        .env_remove("MW_SESSION_FILE")
        .env("MW_USER_AGENT", UA)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if login {
        cmd.env("MW_USERNAME", &env["MW_BOT_USER"])
            .env("MW_PASSWORD", &env["MW_BOT_PASSWORD"]);
    }
    let mut child = cmd.spawn().expect("mw runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("mw finishes")
}

/// A descriptive user agent, as `mw` requires.
const UA: &str = "mw-cli-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn flow_runs_the_seed_flow_and_prints_each_step() {
    let env = wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(&env, &dir.path().join("s.json"), &["flow"], None, true);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    for expected in [
        "1. login as",
        "logged in as TestBot",
        "Valid",
        "Invalid",
        "LoggedOut",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from {stdout}"
        );
    }
    // No secret is printed: tokens only by their shape.
    assert!(!stdout.contains("+\\"), "a token was printed: {stdout}");
    assert!(!stdout.contains(&env["MW_BOT_PASSWORD"]));
    // login token, login, one meta=tokens for all six types, three
    // checktokens, logout.
    assert!(stdout.contains("done: 7 requests"), "{stdout}");
}

#[test]
fn login_token_check_call_logout_with_a_session_file() {
    let env = wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("session.json");

    let out = mw(&env, &session, &["login"], None, true);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("logged in as TestBot"));
    let mode = std::fs::metadata(&session)
        .expect("session file")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // The token comes from the resumed session: no credentials given now.
    let out = mw(&env, &session, &["token", "csrf"], None, false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    assert!(
        token.ends_with("+\\") && token.len() == 42,
        "not a logged-in csrf token: {token:?}"
    );

    let out = mw(
        &env,
        &session,
        &["check-token", "csrf"],
        Some(&format!("{token}\n")),
        false,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("valid"),
        "{}",
        text(&out.stdout)
    );

    let out = mw(
        &env,
        &session,
        &["--json", "token", "csrf", "watch"],
        None,
        false,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(
        json["csrftoken"].as_str(),
        Some(token.as_str()),
        "the cached token is reused"
    );
    assert!(
        json["watchtoken"]
            .as_str()
            .is_some_and(|t| t.ends_with("+\\"))
    );

    let out = mw(
        &env,
        &session,
        &["--json", "call", "query", "meta=userinfo"],
        None,
        false,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["query"]["userinfo"]["name"], "TestBot");

    let out = mw(&env, &session, &["logout"], None, false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!session.exists(), "logout deletes the session file");

    // The old token is now rejected (checked from a fresh anonymous session).
    let out = mw(
        &env,
        &session,
        &["check-token", "csrf"],
        Some(&token),
        false,
    );
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "mw: the wiki says the token is invalid\n"
    );
    assert!(
        text(&out.stdout).starts_with("invalid"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn the_checktoken_seed_example_is_invalid() {
    let env = wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = mw(
        &env,
        &dir.path().join("s.json"),
        &["--json", "check-token", "csrf"],
        Some("123ABC"),
        false,
    );
    // Exit 10: the wiki says invalid; the verdict on stdout, the error as
    // JSON on stderr.
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["checktoken"]["result"], "invalid");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON on stderr");
    assert_eq!(err["error"]["kind"], "token-rejected");
    assert_eq!(err["error"]["result"], "invalid");
    assert_eq!(err["error"]["exit"], 10);
}

#[test]
fn a_wrong_password_exits_3_without_echoing_it() {
    let env = wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mw"));
    let out = cmd
        .env("MW_USER_AGENT", UA)
        .args(["--api", &env["MW_API_URL"], "--session"])
        .arg(dir.path().join("s.json"))
        .arg("login")
        .env("MW_USERNAME", &env["MW_BOT_USER"])
        .env("MW_PASSWORD", "wrong-password-0123456789abcdef")
        .stdin(Stdio::null())
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("login failed: Failed"), "{stderr}");
    assert!(!stderr.contains("wrong-password"), "{stderr}");
    // The same with --json: the error as JSON on stderr, the same code.
    let out = Command::new(env!("CARGO_BIN_EXE_mw"))
        .env("MW_USER_AGENT", UA)
        .args(["--json", "--api", &env["MW_API_URL"], "--session"])
        .arg(dir.path().join("s.json"))
        .arg("login")
        .env("MW_USERNAME", &env["MW_BOT_USER"])
        .env("MW_PASSWORD", "wrong-password-0123456789abcdef")
        .stdin(Stdio::null())
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON on stderr");
    assert_eq!(err["error"]["kind"], "login");
    assert_eq!(err["error"]["result"], "Failed");
    assert_eq!(err["error"]["exit"], 3);
    assert!(!text(&out.stderr).contains("wrong-password"));
}

#[test]
fn an_unreachable_wiki_exits_5() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_mw"))
        .env("MW_USER_AGENT", UA)
        .args([
            "--api",
            &format!("http://127.0.0.1:{port}/api.php"),
            "--session",
        ])
        .arg(dir.path().join("s.json"))
        .args(["token", "csrf"])
        .stdin(Stdio::null())
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
}

#[test]
fn passwords_are_never_taken_from_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_mw"))
        .env("MW_USER_AGENT", UA)
        .args([
            "--api",
            "http://127.0.0.1:1/api.php",
            "login",
            "--password",
            "x",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(2), "clap rejects the unknown flag");
}

#[test]
fn login_without_credentials_or_terminal_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_mw"))
        .env("MW_USER_AGENT", UA)
        .args(["--api", "http://127.0.0.1:1/api.php", "--session"])
        .arg(dir.path().join("s.json"))
        .arg("login")
        .env_remove("MW_USERNAME")
        .env_remove("MW_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .expect("mw runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("set MW_USERNAME and MW_PASSWORD"));
}

#[test]
fn a_csrf_call_without_a_login_exits_8_and_sends_nothing_unless_allowed() {
    let env = wiki();
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let edit = [
        "call",
        "edit",
        "title=Mw-cli anonymous",
        "appendtext=x",
        "--token",
        "csrf",
    ];
    let out = mw(&env, &session, &edit, None, false);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not logged in"),
        "{}",
        text(&out.stderr)
    );
    // After a login and a logout, the same.
    let out = mw(&env, &session, &["login"], None, true);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = mw(&env, &session, &["logout"], None, false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = mw(&env, &session, &edit, None, false);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    // Asked for: it goes out (and the wiki saves it as the machine's IP).
    let mut allowed = edit.to_vec();
    allowed.push("--allow-anonymous");
    let out = mw(&env, &session, &allowed, None, false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Success"),
        "{}",
        text(&out.stdout)
    );
}
