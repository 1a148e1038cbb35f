//! `mw` against a real MediaWiki behind Apache over HTTPS whose certificate
//! a throw-away CA signed (`scripts/test-wiki.sh start-apache DIR`;
//! `scripts/test.sh` sets `MW_TEST_ENV_APACHE`): `--ca-file`,
//! `SSL_CERT_FILE`, `--system-roots`, and the error without the CA.

mod support;

use std::collections::HashMap;
use std::process::Output;

use support::{mw, text};

/// The Apache wiki's env file. Fails when it is missing: these tests must
/// never pass by not running.
fn wiki() -> HashMap<String, String> {
    let path = std::env::var("MW_TEST_ENV_APACHE").expect(
        "MW_TEST_ENV_APACHE must name the env file of a wiki behind Apache \
         (scripts/test-wiki.sh start-apache DIR)",
    );
    let text = std::fs::read_to_string(&path).expect("readable MW_TEST_ENV_APACHE file");
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// `mw ARGS` against the wiki with a fresh session file, the bot password
/// in the environment and nothing else from it but `extra_env`.
fn run(env: &HashMap<String, String>, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = mw(&env["MW_API_URL"], &dir.path().join("s.json"));
    cmd.env("MW_USERNAME", &env["MW_BOT_USER"])
        .env("MW_PASSWORD", &env["MW_BOT_PASSWORD"])
        .args(args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("mw runs")
}

fn assert_flow_ran(env: &HashMap<String, String>, out: &Output) {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    for expected in [
        "logged in as TestBot",
        "Valid",
        "LoggedOut",
        "done: 7 requests",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from {stdout}"
        );
    }
    assert!(!stdout.contains(&env["MW_BOT_PASSWORD"]));
}

fn assert_unknown_issuer(env: &HashMap<String, String>, out: &Output) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    assert!(stderr.contains("issuer is unknown"), "{stderr}");
    assert!(stderr.contains("--ca-file"), "{stderr}");
    assert!(!stderr.contains(&env["MW_BOT_PASSWORD"]));
}

#[test]
fn flow_over_https_with_ca_file() {
    let env = wiki();
    let out = run(&env, &["--ca-file", &env["MW_CA_FILE"], "flow"], &[]);
    assert_flow_ran(&env, &out);
}

#[test]
fn flow_over_https_with_ssl_cert_file() {
    let env = wiki();
    let out = run(&env, &["flow"], &[("SSL_CERT_FILE", &env["MW_CA_FILE"])]);
    assert_flow_ran(&env, &out);
    // An empty one names no file: the Mozilla roots alone, which do not
    // know the test CA.
    let out = run(&env, &["login"], &[("SSL_CERT_FILE", "")]);
    assert_unknown_issuer(&env, &out);
}

#[test]
fn without_the_ca_the_error_says_the_issuer_is_unknown() {
    let env = wiki();
    let out = run(&env, &["login"], &[]);
    assert_unknown_issuer(&env, &out);
    let out = run(&env, &["--json", "login"], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains(r#""kind":"transport""#), "{stderr}");
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
}

#[test]
fn system_roots_do_not_know_the_test_ca_unless_told() {
    let env = wiki();
    // The system's store (Debian's ca-certificates) alone.
    let out = run(&env, &["--system-roots", "login"], &[]);
    assert_unknown_issuer(&env, &out);
    // With the CA file on top of it; and MW_SYSTEM_ROOTS for the option.
    let out = run(
        &env,
        &["--ca-file", &env["MW_CA_FILE"], "flow"],
        &[("MW_SYSTEM_ROOTS", "1")],
    );
    assert_flow_ran(&env, &out);
}

#[test]
fn an_unreadable_ca_file_is_a_configuration_error_naming_it() {
    let env = wiki();
    let missing = format!("{}.missing", env["MW_CA_FILE"]);
    let out = run(&env, &["--ca-file", &missing, "login"], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&missing) && stderr.contains("cannot read it"),
        "{stderr}"
    );
}
