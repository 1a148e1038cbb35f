//! A large but legal answer costs about its size, not the size of a JSON
//! tree of it: `mw call` with a 16 MB body padded with two million small
//! objects (`{"a":0}`, the shape that made a `serde_json::Value` of 1.4 GB)
//! stays within the body cap plus 32 MiB of peak RSS, in both output forms.
//!
//! The peak is the child's `ru_maxrss`, read by Python's `resource` module
//! (Python is on every machine the suite runs on): the test runs `mw`
//! through a small Python wrapper that waits for it.

mod support;

use std::process::Command;

use support::{Double, Reply, UA};

/// The client's default body cap (mw-transport's `DEFAULT_MAX_BODY_BYTES`).
const CAP: usize = 16 * 1024 * 1024;

/// The allowance on top of the cap.
const ALLOWANCE: usize = 32 * 1024 * 1024;

/// A body just under the cap, padded with `{"a":0}` objects.
fn padded_body() -> String {
    let head = r#"{"batchcomplete":true,"query":{"padding":["#;
    let tail = "]}}";
    let item = r#"{"a":0},"#;
    let count = (CAP - 4096 - head.len() - tail.len()) / item.len();
    let mut body = String::with_capacity(CAP);
    body.push_str(head);
    for _ in 0..count {
        body.push_str(item);
    }
    body.pop();
    body.push_str(tail);
    assert!(
        body.len() < CAP && body.len() > 16_000_000,
        "{}",
        body.len()
    );
    body
}

/// Runs `mw` with `args` under Python, which prints the child's exit code
/// and peak RSS in KiB.
fn peak_rss_kib(args: &[&str]) -> (i32, usize) {
    let wrapper = "import resource, subprocess, sys\n\
        p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
        print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(wrapper)
        .arg(env!("CARGO_BIN_EXE_mw"))
        .args(args)
        .env_clear()
        .env("MW_USER_AGENT", UA)
        .output()
        .expect("python3 runs (the suite needs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    let code = fields.next().and_then(|c| c.parse().ok());
    let rss = fields.next().and_then(|r| r.parse().ok());
    match (code, rss) {
        (Some(code), Some(rss)) => (code, rss),
        _ => panic!(
            "the wrapper printed {text:?}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[test]
fn a_padded_16_mb_answer_stays_within_the_cap_plus_32_mib() {
    let body = padded_body();
    let double = Double::start(move |req| match req.action() {
        "query" => Reply {
            body: body.clone(),
            ..Reply::json(serde_json::json!({}))
        },
        other => panic!("unexpected action {other}"),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let session = dir.path().join("session.json");
    let session = session.to_str().expect("UTF-8 path");
    let limit_kib = (CAP + ALLOWANCE) / 1024;
    for json in [false, true] {
        let mut args = vec!["--api", double.api.as_str(), "--session", session];
        if json {
            args.push("--json");
        }
        args.extend(["call", "query", "meta=siteinfo"]);
        let (code, rss) = peak_rss_kib(&args);
        assert_eq!(code, 0, "mw call (json: {json}) failed");
        eprintln!("mw call (json: {json}): peak RSS {rss} KiB (limit {limit_kib} KiB)");
        assert!(
            rss <= limit_kib,
            "mw call (json: {json}) peaked at {rss} KiB, over {limit_kib} KiB"
        );
    }
}
