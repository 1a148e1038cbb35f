//! `mw login --client-login` and `mw create-account` against real
//! MediaWiki 1.39 wikis (`scripts/test.sh` starts them):
//!
//! * `MW_TEST_ENV_OATH`: OATHAuth with a TOTP key enrolled for
//!   `MW_OATH_USER` (`crates/mw-transport/tests/wiki/oath-setup.sh`): the
//!   second factor from `MW_OATH_CODE` and from standard input, a wrong
//!   code;
//! * `MW_TEST_ENV`: a main account without a second factor, account
//!   creation and a taken name;
//! * `MW_TEST_ENV_CAPTCHA`: ConfirmEdit's QuestyCaptcha on account
//!   creation, answered from standard input and from `MW_CAPTCHA_ANSWER`,
//!   and a wrong answer.
//!
//! Each checks the wiki's own state (`meta=userinfo`, `list=users`) with
//! `mw call`, and that no password, code or answer reaches the output.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use mw_test_support::totp;
use support::{mw, run, text};

/// The env file named by `var`. Fails when it is missing: these tests
/// must never pass by not running.
fn wiki(var: &str) -> HashMap<String, String> {
    let path = std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} must name a test wiki's env file (scripts/test.sh starts them)")
    });
    let text = std::fs::read_to_string(&path).expect("readable env file");
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos}", std::process::id())
}

/// `mw` on the wiki `w` with the session file `session`.
fn cmd(w: &HashMap<String, String>, session: &Path) -> Command {
    mw(&w["MW_API_URL"], session)
}

/// A main-account `login --client-login` of the OATH wiki's user.
fn two_factor_login(w: &HashMap<String, String>, session: &Path) -> Command {
    let mut c = cmd(w, session);
    c.env("MW_USERNAME", &w["MW_OATH_USER"])
        .env("MW_PASSWORD", &w["MW_OATH_PASSWORD"])
        .args(["login", "--client-login"]);
    c
}

/// The wiki's own idea of who the saved session is.
fn wiki_user(w: &HashMap<String, String>, session: &Path) -> String {
    let out = cmd(w, session)
        .args(["--json", "call", "query", "meta=userinfo"])
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["query"]["userinfo"]["name"]
        .as_str()
        .expect("a name")
        .to_owned()
}

/// Whether the wiki has an account `name` (`list=users`).
fn account_exists(w: &HashMap<String, String>, name: &str) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cmd(w, &dir.path().join("s.json"))
        .args(["--json", "call", "query", "list=users"])
        .arg(format!("ususers={name}"))
        .output()
        .expect("mw runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["query"]["users"][0].get("userid").is_some()
}

/// Panics when any of `secrets` is in the output.
fn assert_no_secret(out: &Output, secrets: &[&str]) {
    for s in secrets {
        for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !text(bytes).contains(s),
                "{what} holds a secret: {}",
                text(bytes)
            );
        }
    }
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn two_factor_login_with_the_code_from_the_environment() {
    let w = wiki("MW_TEST_ENV_OATH");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let turn = totp::fresh_code(&w["MW_OATH_SECRET"], Path::new(&w["MW_WIKI_DIR"]));
    let code = turn.code.clone();
    let out = two_factor_login(&w, &session)
        .env("MW_OATH_CODE", &code)
        .output()
        .expect("mw runs");
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("logged in as OathUser"));
    assert_no_secret(&out, &[&w["MW_OATH_PASSWORD"], &code]);
    assert_eq!(wiki_user(&w, &session), w["MW_OATH_USER"]);
}

#[test]
fn two_factor_login_with_the_code_from_standard_input() {
    let w = wiki("MW_TEST_ENV_OATH");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let turn = totp::fresh_code(&w["MW_OATH_SECRET"], Path::new(&w["MW_WIKI_DIR"]));
    let code = turn.code.clone();
    let out = run(&mut two_factor_login(&w, &session), &format!("{code}\n"));
    assert_exit(&out, 0);
    assert_no_secret(&out, &[&w["MW_OATH_PASSWORD"], &code]);
    assert_eq!(wiki_user(&w, &session), w["MW_OATH_USER"]);
}

#[test]
fn a_wrong_code_is_exit_3_and_logs_nobody_in() {
    let w = wiki("MW_TEST_ENV_OATH");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let code = totp::expired_code(&w["MW_OATH_SECRET"]);
    let out = two_factor_login(&w, &session)
        .env("MW_OATH_CODE", &code)
        .output()
        .expect("mw runs");
    assert_exit(&out, 3);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("second factor refused (oathauth-login-failed)"),
        "{stderr}"
    );
    assert_no_secret(&out, &[&w["MW_OATH_PASSWORD"], &code]);
    assert!(!session.exists(), "a refused login saved a session");

    let out = two_factor_login(&w, &session)
        .arg("--json")
        .env("MW_OATH_CODE", &code)
        .output()
        .expect("mw runs");
    assert_exit(&out, 3);
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("a JSON error");
    assert_eq!(v["error"]["kind"], "second-factor");
    assert_eq!(v["error"]["code"], "oathauth-login-failed");
}

#[test]
fn no_code_and_no_terminal_names_the_variable() {
    let w = wiki("MW_TEST_ENV_OATH");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = two_factor_login(&w, &dir.path().join("s.json"))
        .output()
        .expect("mw runs");
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("MW_OATH_CODE"),
        "{}",
        text(&out.stderr)
    );
    assert_no_secret(&out, &[&w["MW_OATH_PASSWORD"]]);
}

#[test]
fn a_main_account_without_a_second_factor_logs_in_with_client_login() {
    let w = wiki("MW_TEST_ENV");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let out = cmd(&w, &session)
        .env("MW_USERNAME", &w["MW_MAIN_USER"])
        .env("MW_PASSWORD", &w["MW_MAIN_PASSWORD"])
        .args(["login", "--client-login"])
        .output()
        .expect("mw runs");
    assert_exit(&out, 0);
    assert_no_secret(&out, &[&w["MW_MAIN_PASSWORD"]]);
    assert_eq!(wiki_user(&w, &session), w["MW_MAIN_USER"]);
}

#[test]
fn create_account_then_the_same_name_again() {
    let w = wiki("MW_TEST_ENV");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let name = unique("Cli");
    let password = "a-new-Pa55word-for-the-test";
    let create = || {
        let mut c = cmd(&w, &session);
        c.env("MW_NEW_PASSWORD", password)
            .args(["create-account", &name]);
        c.output().expect("mw runs")
    };
    let out = create();
    assert_exit(&out, 0);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("created the account {name}")
    );
    assert_no_secret(&out, &[password]);
    assert!(account_exists(&w, &name));
    assert!(
        !session.exists(),
        "an anonymous creation left a session file"
    );

    let out = create();
    assert_exit(&out, 13);
    assert!(
        text(&out.stderr).contains("(userexists)"),
        "{}",
        text(&out.stderr)
    );
    assert_no_secret(&out, &[password]);
}

#[test]
fn create_account_reads_the_new_password_from_no_argument() {
    let w = wiki("MW_TEST_ENV");
    let dir = tempfile::tempdir().expect("tempdir");
    let name = unique("Cli");
    let out = cmd(&w, &dir.path().join("s.json"))
        .args(["create-account", &name])
        .output()
        .expect("mw runs");
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("MW_NEW_PASSWORD"));
    assert!(!account_exists(&w, &name));
}

fn captcha_creation(
    w: &HashMap<String, String>,
    dir: &tempfile::TempDir,
    name: &str,
    password: &str,
) -> Command {
    let mut c = cmd(w, &dir.path().join("s.json"));
    c.env("MW_NEW_PASSWORD", password)
        .args(["create-account", name]);
    c
}

#[test]
fn create_account_shows_the_captcha_and_reads_the_answer() {
    let w = wiki("MW_TEST_ENV_CAPTCHA");
    let dir = tempfile::tempdir().expect("tempdir");
    let password = "a-new-Pa55word-for-the-test";
    let name = unique("Cap");
    let out = run(
        &mut captcha_creation(&w, &dir, &name, password),
        &format!("{}\n", w["MW_CAPTCHA_ANSWER"]),
    );
    assert_exit(&out, 0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "mw: captcha question: {}",
            w["MW_CAPTCHA_QUESTION"]
        )),
        "{stderr}"
    );
    assert_no_secret(&out, &[password, &w["MW_CAPTCHA_ANSWER"]]);
    assert!(account_exists(&w, &name));

    let name = unique("Cap");
    let out = captcha_creation(&w, &dir, &name, password)
        .env("MW_CAPTCHA_ANSWER", &w["MW_CAPTCHA_ANSWER"])
        .output()
        .expect("mw runs");
    assert_exit(&out, 0);
    assert!(account_exists(&w, &name));
}

#[test]
fn a_wrong_captcha_answer_is_exit_13() {
    let w = wiki("MW_TEST_ENV_CAPTCHA");
    let dir = tempfile::tempdir().expect("tempdir");
    let password = "a-new-Pa55word-for-the-test";
    let wrong = "not-the-answer-4711";
    let name = unique("Cap");
    let out = run(
        &mut captcha_creation(&w, &dir, &name, password),
        &format!("{wrong}\n"),
    );
    assert_exit(&out, 13);
    assert!(
        text(&out.stderr).contains("(captcha-createaccount-fail)"),
        "{}",
        text(&out.stderr)
    );
    assert_no_secret(&out, &[password, wrong]);
    assert!(!account_exists(&w, &name));
}

#[test]
fn client_login_answers_the_login_captcha() {
    let w = wiki("MW_TEST_ENV_CAPTCHA");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("s.json");
    let password = "a-new-Pa55word-for-the-test";
    let name = unique("Capl");
    let out = captcha_creation(&w, &dir, &name, password)
        .env("MW_CAPTCHA_ANSWER", &w["MW_CAPTCHA_ANSWER"])
        .output()
        .expect("mw runs");
    assert_exit(&out, 0);
    let login = |pw: &str| {
        cmd(&w, &session)
            .env("MW_USERNAME", &name)
            .env("MW_PASSWORD", pw)
            .env("MW_CAPTCHA_ANSWER", &w["MW_CAPTCHA_ANSWER"])
            .args(["login", "--client-login"])
            .output()
            .expect("mw runs")
    };
    // A wrong password: the wiki then wants the captcha; answered, the
    // login fails again, and mw stops (exit 3) instead of asking again.
    let wrong = "Wrong-password-1234";
    let out = login(wrong);
    assert_exit(&out, 3);
    assert_no_secret(&out, &[wrong, &w["MW_CAPTCHA_ANSWER"]]);
    // The right password: the captcha shown, answered, logged in.
    let out = login(password);
    assert_exit(&out, 0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "mw: captcha question: {}",
            w["MW_CAPTCHA_QUESTION"]
        )),
        "{stderr}"
    );
    assert_no_secret(&out, &[password, &w["MW_CAPTCHA_ANSWER"]]);
    assert_eq!(wiki_user(&w, &session), name);
}
