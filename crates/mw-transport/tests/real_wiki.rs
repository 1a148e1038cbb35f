//! Integration tests against a real MediaWiki (1.39, from
//! `scripts/test-wiki.sh`).
//!
//! The wikis come from env files written by `scripts/test-wiki.sh start DIR
//! [EXTRA.php]`:
//!
//! * `MW_TEST_ENV`: a plain wiki;
//! * `MW_TEST_ENV_READONLY`: one started with `tests/wiki/readonly.php`;
//! * `MW_TEST_ENV_SHORTSESSION`: one started with `tests/wiki/shortsession.php`
//!   (sessions forgotten after 3 idle seconds).
//!
//! `tests/wiki/run.sh` starts all three, runs these tests and stops them.
//! Without the variables the tests FAIL: they are not skipped silently. Set
//! `MW_SKIP_REAL_WIKI=1` to skip them on purpose.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use mw_transport::{
    ActionCall, ActionRequest, Client, ClientBuilder, ClientLoginOutcome, Config, Error,
    LogoutOutcome, Password, RequestRecord, RetryPolicy, SessionFileProblem, Token, TokenType,
    TokenValidity, Warning,
};

const UA: &str = "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

struct Wiki {
    api: String,
    bot_user: String,
    bot_password: String,
    main_user: String,
    main_password: String,
    dir: PathBuf,
}

/// The wiki named by `var`; `None` only when `MW_SKIP_REAL_WIKI=1`.
fn wiki(var: &str) -> Option<Wiki> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set. These tests need a real MediaWiki: run \
             crates/mw-transport/tests/wiki/run.sh, or start one with \
             `scripts/test-wiki.sh start DIR [EXTRA.php]` and set {var}=DIR/env. \
             Set MW_SKIP_REAL_WIKI=1 to skip them on purpose."
        )
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{var}={path}: cannot read the env file: {e}"));
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| -> String {
        vars.get(k)
            .map(|v| (*v).to_owned())
            .unwrap_or_else(|| panic!("{path} has no {k}"))
    };
    Some(Wiki {
        api: get("MW_API_URL"),
        bot_user: get("MW_BOT_USER"),
        bot_password: get("MW_BOT_PASSWORD"),
        main_user: get("MW_MAIN_USER"),
        main_password: get("MW_MAIN_PASSWORD"),
        dir: PathBuf::from(get("MW_WIKI_DIR")),
    })
}

macro_rules! wiki {
    ($var:expr) => {
        match wiki($var) {
            Some(w) => w,
            None => return,
        }
    };
}

fn config() -> Config {
    let mut config = Config::new(UA);
    let mut retry = RetryPolicy::default();
    retry.base_delay = Duration::from_millis(200);
    retry.max_delay = Duration::from_secs(2);
    config.retry = retry;
    config
}

fn builder(w: &Wiki) -> ClientBuilder {
    Client::builder(&w.api)
        .user_agent(UA)
        .config(config())
        .timeout(Duration::from_secs(30))
        .record_requests(true)
}

fn client(w: &Wiki) -> Client {
    builder(w).build().expect("client")
}

/// `(method, action, meta/type)` of each request, for exact comparisons.
fn summary(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .map(|r| {
            let mut s = format!("{} {}", r.method, r.action);
            if let Some(meta) = &r.meta {
                s.push_str(&format!(" {meta}"));
            }
            if let Some(types) = &r.types {
                s.push_str(&format!(" {types}"));
            }
            s
        })
        .collect()
}

fn no_mustpost(warnings: &[Warning]) {
    for w in warnings {
        assert_ne!(w.code.as_deref(), Some("mustpostparams"), "{w}");
        assert!(!w.text.contains("must be in the POST body"), "{w}");
    }
}

fn no_mustpost_err(e: &Error) {
    assert_ne!(e.code(), Some("mustpostparams"), "{e}");
}

/// How long the wiki keeps an idle session: its `$wgObjectCacheSessionExpiry`
/// (the last one in its LocalSettings.php), plus a margin.
fn session_expiry_wait(w: &Wiki) -> Duration {
    let settings = std::fs::read_to_string(w.dir.join("LocalSettings.php"))
        .expect("the wiki's LocalSettings.php");
    let secs = settings
        .lines()
        .rev()
        .filter_map(|l| l.trim().strip_prefix("$wgObjectCacheSessionExpiry"))
        .filter_map(|rest| {
            rest.trim_start_matches([' ', '='])
                .trim_end_matches([';', ' '])
                .parse::<u64>()
                .ok()
        })
        .next()
        .unwrap_or_else(|| {
            panic!(
                "the MW_TEST_ENV_SHORTSESSION wiki sets no $wgObjectCacheSessionExpiry; \
                 start it with crates/mw-transport/tests/wiki/shortsession.php"
            )
        });
    assert!(secs <= 60, "sessions of {secs} s are too long for a test");
    Duration::from_secs(secs + 2)
}

/// A temporary directory, deleted when dropped (also when a test fails).
struct TmpDir(PathBuf);

impl TmpDir {
    fn new(name: &str) -> TmpDir {
        let dir = std::env::temp_dir().join(format!(
            "mw-transport-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TmpDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A page that exists on a fresh wiki: bot passwords with the `editpage`
/// grant may edit pages but not create them.
const PAGE: &str = "Main Page";

fn edit(title: &str, text: &str) -> ActionCall {
    ActionCall::new(
        ActionRequest::post("edit")
            .param("title", title)
            .param("appendtext", text)
            .param("summary", "mw-transport test"),
    )
    .with_token(TokenType::CSRF)
}

fn edit_result(response: &mw_transport::Response) -> Option<&str> {
    response.get(&["edit", "result"]).and_then(|v| v.as_str())
}

#[tokio::test]
async fn bot_password_login_and_every_token_type() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    let user = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    assert_eq!(user.name, w.main_user);
    assert!(user.id.is_some());
    no_mustpost(&user.warnings);
    assert!(!user.has_deprecation(), "{:?}", user.warnings);
    assert_eq!(
        summary(&client.request_log()),
        ["GET query tokens login", "POST login"]
    );
    for ty in [
        TokenType::CSRF,
        TokenType::WATCH,
        TokenType::PATROL,
        TokenType::ROLLBACK,
        TokenType::USER_RIGHTS,
        TokenType::LOGIN,
        TokenType::CREATE_ACCOUNT,
    ] {
        let token = client.token(ty.clone()).await.expect("token");
        no_mustpost(&token.warnings);
        assert!(!token.is_anonymous(), "{ty} token is +\\ while logged in");
        assert!(!token.is_mangled(), "{ty}");
        assert!(token.timestamp().is_some(), "{ty}");
        // A second request for the same type comes from the cache.
        let before = client.request_log().len();
        let again = client.token(ty.clone()).await.expect("cached token");
        assert_eq!(again.value, token.value);
        assert_eq!(client.request_log().len(), before, "{ty} was fetched twice");
    }
    // 2 for the login, then one fetch per type.
    assert_eq!(client.request_log().len(), 2 + 7);
    let out = client.logout().await.expect("logout");
    assert_eq!(out.value, LogoutOutcome::LoggedOut);
    no_mustpost(&out.warnings);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_fetch() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    // The main account may create pages.
    client
        .client_login(&w.main_user, Password::new(w.main_password.clone()), &w.api)
        .await
        .expect("clientlogin");
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .call(edit(&format!("Concurrent {i}"), "\nx"))
                    .await
                    .map(|r| edit_result(&r).map(str::to_owned))
            })
        })
        .collect();
    for task in tasks {
        let result = task.await.expect("task").expect("edit");
        assert_eq!(result.as_deref(), Some("Success"));
    }
    let log = summary(&client.request_log());
    assert_eq!(
        log.iter().filter(|s| *s == "GET query tokens csrf").count(),
        1,
        "{log:?}"
    );
    assert_eq!(log.iter().filter(|s| *s == "POST edit").count(), 4);
}

#[tokio::test]
async fn checktoken_valid_invalid_and_expired() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    let valid = client
        .check_token(TokenType::CSRF, &csrf, None)
        .await
        .expect("checktoken");
    assert_eq!(valid.result, TokenValidity::Valid);
    assert!(valid.generated.is_some());
    no_mustpost(&valid.warnings);

    let bogus = Token::new("0123456789abcdef0123456789abcdef6543210f+\\");
    let invalid = client
        .check_token(TokenType::CSRF, &bogus, None)
        .await
        .expect("checktoken");
    assert_eq!(invalid.result, TokenValidity::Invalid);

    // The right token of another type is invalid too.
    let watch = client
        .check_token(TokenType::WATCH, &csrf, None)
        .await
        .expect("checktoken");
    assert_eq!(watch.result, TokenValidity::Invalid);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = client
        .check_token(TokenType::CSRF, &csrf, Some(0))
        .await
        .expect("checktoken");
    assert_eq!(expired.result, TokenValidity::Expired);
    let still = client
        .check_token(TokenType::CSRF, &csrf, Some(3600))
        .await
        .expect("checktoken");
    assert_eq!(still.result, TokenValidity::Valid);
    // Every checktoken is a POST with the token in the body.
    for r in client.request_log() {
        if r.action == "checktoken" {
            assert_eq!(r.method, "POST");
        }
    }
}

#[tokio::test]
async fn logout_invalidates_the_old_csrf_token() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let old = client
        .token(TokenType::CSRF)
        .await
        .expect("csrf")
        .into_value();
    let out = client.logout().await.expect("logout");
    assert_eq!(out.value, LogoutOutcome::LoggedOut);
    assert!(client.user().is_none());

    let check = client
        .check_token(TokenType::CSRF, &old, None)
        .await
        .expect("checktoken");
    assert_eq!(check.result, TokenValidity::Invalid);

    // A call with the old token, given by hand (so not refreshed): badtoken.
    let raw = ActionCall::new(
        ActionRequest::post("edit")
            .param("title", "Logged out")
            .param("appendtext", "x")
            .token("token", old),
    );
    let err = client
        .call(raw)
        .await
        .expect_err("the old token must be refused");
    assert_eq!(err.code(), Some("badtoken"), "{err}");
    no_mustpost_err(&err);
    // The anonymous csrf token is +\ now.
    let anon = client.token(TokenType::CSRF).await.expect("csrf");
    assert!(anon.is_anonymous());
}

/// The server forgets the session the client's cached login token belongs
/// to (another client sharing its cookies logs in, which replaces the
/// session): the next use of the token gets `badtoken`, and the client
/// fetches exactly one fresh token and retries exactly once.
#[tokio::test]
async fn badtoken_after_a_server_side_session_reset_is_cured_once() {
    let w = wiki!("MW_TEST_ENV");
    let a = client(&w);
    let stale = a.token(TokenType::LOGIN).await.expect("login token");
    assert!(!stale.is_anonymous());

    // B shares A's session cookie through a session file, and logs in on
    // that session: MediaWiki gives it a new id and drops the old one.
    let dir = TmpDir::new("reset");
    let file = dir.join("a.json");
    a.save(&file).await.expect("save");
    let b = Client::restore(&file, builder(&w)).expect("resume");
    let step = b
        .client_login(&w.main_user, Password::new(w.main_password.clone()), &w.api)
        .await
        .expect("B logs in");
    assert!(matches!(step.value, ClientLoginOutcome::LoggedIn(_)));
    assert_eq!(summary(&b.request_log()), ["POST clientlogin"]);

    let before = a.request_log().len();
    let step = a
        .client_login(&w.main_user, Password::new(w.main_password.clone()), &w.api)
        .await
        .expect("A logs in after one refresh");
    assert!(
        matches!(step.value, ClientLoginOutcome::LoggedIn(_)),
        "{step:?}"
    );
    no_mustpost(&step.warnings);
    assert_eq!(
        summary(&a.request_log()[before..]),
        [
            "POST clientlogin",       // refused: badtoken
            "GET query tokens login", // the one refresh
            "POST clientlogin",       // the one retry
        ]
    );
    let csrf = a.token(TokenType::CSRF).await.expect("csrf");
    assert!(!csrf.is_anonymous());
}

#[tokio::test]
async fn an_expired_session_is_logged_in_again() {
    let w = wiki!("MW_TEST_ENV_SHORTSESSION");
    let client = client(&w);
    client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let first = client.call(edit(PAGE, "\none")).await.expect("edit");
    assert_eq!(edit_result(&first), Some("Success"));
    let before = client.request_log().len();

    tokio::time::sleep(session_expiry_wait(&w)).await;
    let second = client
        .call(edit(PAGE, "\ntwo"))
        .await
        .expect("edit after relogin");
    assert_eq!(edit_result(&second), Some("Success"));
    no_mustpost(&second.warnings);
    assert_eq!(
        summary(&client.request_log()[before..]),
        [
            "POST edit",              // assertuserfailed: the wiki forgot us
            "GET query tokens login", // relogin
            "POST login",
            "GET query tokens csrf", // the old cache is worthless
            "POST edit",
        ]
    );
    assert!(client.user().is_some());
}

#[tokio::test]
async fn a_resumed_session_with_credentials_logs_in_again_when_expired() {
    let w = wiki!("MW_TEST_ENV_SHORTSESSION");
    let dir = TmpDir::new("expired-resume");
    let file = dir.join("session.json");
    {
        let client = client(&w);
        client
            .login(&w.bot_user, Password::new(w.bot_password.clone()))
            .await
            .expect("login");
        client.token(TokenType::CSRF).await.expect("csrf");
        client.save(&file).await.expect("save");
    }
    tokio::time::sleep(session_expiry_wait(&w)).await;

    // Without credentials: the lost session is an error, not an anonymous edit.
    let bare = Client::restore(&file, builder(&w)).expect("resume");
    let err = bare
        .call(edit(PAGE, "\nx"))
        .await
        .expect_err("no credentials");
    assert!(
        matches!(
            err,
            Error::Protocol(mw_transport::mw_protocol::Error::SessionLost(_))
        ),
        "{err}"
    );

    let resumed = Client::restore(
        &file,
        builder(&w).credentials(&w.bot_user, Password::new(w.bot_password.clone())),
    )
    .expect("resume");
    let response = resumed.call(edit(PAGE, "\ny")).await.expect("edit");
    assert_eq!(edit_result(&response), Some("Success"));
    assert_eq!(
        summary(&resumed.request_log()),
        [
            "POST edit",
            "GET query tokens login",
            "POST login",
            "GET query tokens csrf",
            "POST edit",
        ]
    );
}

#[tokio::test]
async fn a_saved_session_resumes_without_logging_in() {
    let w = wiki!("MW_TEST_ENV");
    let dir = TmpDir::new("persist");
    let file = dir.join("session.json");
    let first = client(&w);
    first
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let csrf = first
        .token(TokenType::CSRF)
        .await
        .expect("csrf")
        .into_value();
    first.save(&file).await.expect("save");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("wiki_session") || text.contains("wiki_BPsession"));
    // Saving again replaces the file atomically and leaves no temporary file.
    first.save(&file).await.expect("save again");
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    let resumed = Client::restore(&file, builder(&w)).expect("resume");
    assert_eq!(resumed.user().map(|u| u.name), Some(w.main_user.clone()));
    let token = resumed.token(TokenType::CSRF).await.expect("cached csrf");
    assert_eq!(token.value, csrf);
    let response = resumed.call(edit(PAGE, "\nhello")).await.expect("edit");
    assert_eq!(edit_result(&response), Some("Success"));
    let info = resumed
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ))
        .await
        .expect("userinfo");
    assert_eq!(
        info.get(&["query", "userinfo", "name"])
            .and_then(|v| v.as_str()),
        Some(w.main_user.as_str())
    );
    // No login: the edit (with the saved token) and the userinfo query.
    assert_eq!(
        summary(&resumed.request_log()),
        ["POST edit", "GET query userinfo"]
    );

    // Wrong permissions, another wiki, a truncated file: refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = Client::restore(&file, builder(&w)).expect_err("0644");
        assert!(
            matches!(
                &err,
                Error::SessionFile {
                    problem: SessionFileProblem::Permissions { mode: 0o644 },
                    ..
                }
            ),
            "{err}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let other = Client::builder("http://127.0.0.1:1/api.php").user_agent(UA);
    let err = Client::restore(&file, other).expect_err("another wiki");
    assert!(
        matches!(
            &err,
            Error::SessionFile {
                problem: SessionFileProblem::ForeignEndpoint { .. },
                ..
            }
        ),
        "{err}"
    );
    let bytes = std::fs::read(&file).expect("read");
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&truncated, std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }
    let err = Client::restore(&truncated, builder(&w)).expect_err("truncated");
    assert!(
        matches!(
            &err,
            Error::SessionFile {
                problem: SessionFileProblem::Corrupt(_),
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains(&w.bot_password));
    let err = Client::restore(dir.join("missing.json"), builder(&w)).expect_err("missing");
    assert!(matches!(
        &err,
        Error::SessionFile {
            problem: SessionFileProblem::Unreadable(_),
            ..
        }
    ));
}

/// The problem of a refused session file.
fn file_problem(err: &Error) -> &SessionFileProblem {
    match err {
        Error::SessionFile { problem, .. } => problem,
        other => panic!("expected a session file error, got {other:?}"),
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// Hostile session files: another version, damaged content, a huge file,
/// symlinks, a directory. A refused file gives no client at all (there is
/// no half-restored client to misuse), is never modified, and a good file
/// still resumes afterwards; a failed save leaves nothing behind.
#[cfg(unix)]
#[tokio::test]
async fn hostile_session_files_are_refused_whole() {
    use std::os::unix::fs::PermissionsExt;
    let w = wiki!("MW_TEST_ENV");
    let dir = TmpDir::new("hostile-files");
    let good = dir.join("good.json");
    let first = client(&w);
    first
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    let csrf = first
        .token(TokenType::CSRF)
        .await
        .expect("csrf")
        .into_value();
    first.save(&good).await.expect("save");
    let bytes = std::fs::read(&good).expect("read");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let secrets = [csrf.secret().to_owned(), w.bot_password.clone()];
    let refused = |name: &str, content: &[u8]| -> Error {
        let path = dir.join(name);
        write_private(&path, content);
        let err = Client::restore(&path, builder(&w)).expect_err(name);
        for s in &secrets {
            assert!(!err.to_string().contains(s.as_str()), "{name}: {err}");
            assert!(!format!("{err:?}").contains(s.as_str()), "{name}: {err:?}");
        }
        assert_eq!(
            std::fs::read(&path).expect("read"),
            content,
            "{name} modified"
        );
        err
    };

    // Another version, or a version that is not a number.
    let mut v2 = value.clone();
    v2["version"] = serde_json::json!(2);
    let err = refused("v2.json", &serde_json::to_vec(&v2).expect("json"));
    assert!(
        matches!(
            file_problem(&err),
            SessionFileProblem::UnsupportedVersion(2)
        ),
        "{err}"
    );
    let mut vs = value.clone();
    vs["version"] = serde_json::json!("1");
    let err = refused("vs.json", &serde_json::to_vec(&vs).expect("json"));
    assert!(
        matches!(file_problem(&err), SessionFileProblem::Corrupt(_)),
        "{err}"
    );
    // The right header, damaged content: the session, a cookie, a field
    // too many, a token cache of the wrong type.
    for (name, path, replacement) in [
        ("session.json", "session", serde_json::json!({"x": 1})),
        (
            "cookies.json",
            "cookies",
            serde_json::json!([{"raw_cookie": 5}]),
        ),
        ("extra.json", "extra", serde_json::json!(true)),
        ("format.json", "format", serde_json::json!("something-else")),
    ] {
        let mut damaged = value.clone();
        damaged[path] = replacement;
        let err = refused(name, &serde_json::to_vec(&damaged).expect("json"));
        assert!(
            matches!(file_problem(&err), SessionFileProblem::Corrupt(_)),
            "{name}: {err}"
        );
    }
    // Truncated at every tenth byte, and binary junk.
    for cut in (0..bytes.len()).step_by(bytes.len() / 10 + 1) {
        let err = refused("cut.json", &bytes[..cut]);
        assert!(
            matches!(file_problem(&err), SessionFileProblem::Corrupt(_)),
            "{cut}: {err}"
        );
    }
    let err = refused("junk.json", b"\xff\xfe\x00garbage");
    assert!(matches!(file_problem(&err), SessionFileProblem::Corrupt(_)));
    // A huge file is not read whole.
    let mut huge = bytes.clone();
    huge.extend(std::iter::repeat_n(b' ', 5 << 20));
    let err = refused("huge.json", &huge);
    assert!(err.to_string().contains("larger than"), "{err}");

    // A directory.
    let err = Client::restore(&dir.0, builder(&w)).expect_err("a directory");
    assert!(
        matches!(file_problem(&err), SessionFileProblem::Unreadable(_)),
        "{err}"
    );
    // A symlink is followed, and its target's permissions are checked.
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&good, &link).expect("symlink");
    Client::restore(&link, builder(&w)).expect("a symlink to a private file");
    let open = dir.join("open.json");
    std::fs::write(&open, &bytes).expect("write");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let open_link = dir.join("open-link.json");
    std::os::unix::fs::symlink(&open, &open_link).expect("symlink");
    let err = Client::restore(&open_link, builder(&w)).expect_err("0644 target");
    assert!(
        matches!(
            file_problem(&err),
            SessionFileProblem::Permissions { mode: 0o644 }
        ),
        "{err}"
    );
    // Saving over a symlink replaces the link, never writes its target.
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"not yours").expect("write");
    let trap = dir.join("trap.json");
    std::os::unix::fs::symlink(&victim, &trap).expect("symlink");
    first.save(&trap).await.expect("save over a symlink");
    assert_eq!(std::fs::read(&victim).expect("read"), b"not yours");
    let meta = std::fs::symlink_metadata(&trap).expect("metadata");
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    // A failed save (no such directory) leaves nothing behind.
    let before: Vec<_> = std::fs::read_dir(&dir.0)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let err = first
        .save(dir.join("missing/session.json"))
        .await
        .expect_err("no directory");
    assert!(
        matches!(file_problem(&err), SessionFileProblem::Unwritable(_)),
        "{err}"
    );
    let after: Vec<_> = std::fs::read_dir(&dir.0)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(before.len(), after.len());

    // After all that, the good file is unchanged and still resumes, with
    // its user and token, without a request.
    assert_eq!(std::fs::read(&good).expect("read"), bytes);
    let resumed = Client::restore(&good, builder(&w)).expect("resume");
    assert_eq!(resumed.user().map(|u| u.name), Some(w.main_user.clone()));
    assert_eq!(
        resumed.token(TokenType::CSRF).await.expect("csrf").value,
        csrf
    );
    assert!(resumed.request_log().is_empty());
}

#[tokio::test]
async fn a_read_only_wiki_gives_readonly_errors() {
    let w = wiki!("MW_TEST_ENV_READONLY");
    let settings = std::fs::read_to_string(w.dir.join("LocalSettings.php")).expect("settings");
    assert!(
        settings.contains("writable.flag"),
        "the MW_TEST_ENV_READONLY wiki must be started with \
         crates/mw-transport/tests/wiki/readonly.php: this test logs in while \
         DIR/writable.flag exists, then meets the read-only wiki"
    );
    let flag = w.dir.join("writable.flag");
    let _ = std::fs::remove_file(&flag);
    let client = client(&w);
    // On 1.39 even action=login is a write: it is refused.
    let err = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect_err("login on a read-only wiki");
    assert_eq!(err.code(), Some("readonly"), "{err}");
    let api = err.protocol().and_then(|e| e.api()).expect("api error");
    assert_eq!(
        api.data
            .as_ref()
            .and_then(|d| d.get("readonlyreason"))
            .and_then(|v| v.as_str()),
        Some("mw-transport tests: read-only mode")
    );
    assert!(client.user().is_none());
    // An anonymous edit (opted in) is refused the same way.
    let err = client
        .call(edit(PAGE, "\nx").allow_anonymous())
        .await
        .expect_err("anonymous edit on a read-only wiki");
    assert_eq!(err.code(), Some("readonly"), "{err}");

    // Log in while the wiki is writable, then it goes read-only.
    std::fs::write(&flag, b"").expect("flag");
    let login = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await;
    let csrf = client.token(TokenType::CSRF).await;
    std::fs::remove_file(&flag).expect("flag");
    login.expect("login while writable");
    assert!(!csrf.expect("csrf").is_anonymous());
    let before = client.request_log().len();

    let err = client
        .call(edit(PAGE, "\nx"))
        .await
        .expect_err("edit on a read-only wiki");
    assert_eq!(err.code(), Some("readonly"), "{err}");
    no_mustpost_err(&err);
    // `action=logout` is not a write on 1.39 (`ApiLogout::isWriteMode` came
    // later; 1.43 refuses it with `readonly`, which tests/doubles.rs
    // covers): it still works here.
    let out = client
        .logout()
        .await
        .expect("logout on a 1.39 read-only wiki");
    assert_eq!(out.value, LogoutOutcome::LoggedOut);
    assert!(client.user().is_none());
    // The edit was tried once (readonly is not retried), with the cached
    // token; the logout used it too.
    assert_eq!(
        summary(&client.request_log()[before..]),
        ["POST edit", "POST logout"]
    );
}

#[tokio::test]
async fn client_login_with_the_main_account() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    let step = client
        .client_login(&w.main_user, Password::new(w.main_password.clone()), &w.api)
        .await
        .expect("clientlogin");
    match &step.value {
        ClientLoginOutcome::LoggedIn(user) => assert_eq!(user.name, w.main_user),
        other => panic!("{other:?}"),
    }
    no_mustpost(&step.warnings);
    assert_eq!(
        summary(&client.request_log()),
        ["GET query tokens login", "POST clientlogin"]
    );
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    assert!(!csrf.is_anonymous());
    let response = client
        .call(edit("Client login", "\nx"))
        .await
        .expect("edit");
    assert_eq!(edit_result(&response), Some("Success"));

    let wrong = client
        .client_login(
            &w.main_user,
            Password::new("not the password at all 123"),
            &w.api,
        )
        .await
        .expect_err("a wrong password");
    assert!(
        matches!(&wrong, Error::Protocol(mw_transport::mw_protocol::Error::Login { result, .. }) if result == "FAIL"),
        "{wrong}"
    );
    assert!(!wrong.to_string().contains("not the password"));
    client.logout().await.expect("logout");
}

#[tokio::test]
async fn main_account_action_login_warns_of_its_deprecation() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    let user = client
        .login(&w.main_user, Password::new(w.main_password.clone()))
        .await
        .expect("main-account login");
    assert_eq!(user.name, w.main_user);
    assert!(user.has_deprecation(), "{:?}", user.warnings);
    assert!(
        user.warnings
            .iter()
            .any(|w| w.module == "login" && w.is_deprecation()),
        "{:?}",
        user.warnings
    );
    no_mustpost(&user.warnings);
    client.logout().await.expect("logout");
}

#[tokio::test]
async fn a_bad_bot_password_is_a_login_error_without_the_password() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    let secret = "0123456789abcdefghijklmnopqrstuv";
    let err = client
        .login(&w.bot_user, Password::new(secret))
        .await
        .expect_err("wrong bot password");
    assert!(
        matches!(&err, Error::Protocol(mw_transport::mw_protocol::Error::Login { result, .. }) if result == "Failed"),
        "{err}"
    );
    assert!(!err.to_string().contains(secret));
    assert!(!format!("{err:?}").contains(secret));
    assert!(!format!("{client:?}").contains(secret));
    assert!(client.user().is_none());
}

#[tokio::test]
async fn edits_with_a_csrf_token_succeed_and_nothing_asks_for_post_parameters() {
    let w = wiki!("MW_TEST_ENV");
    let client = client(&w);
    let mut warnings = Vec::new();
    let user = client
        .login(&w.bot_user, Password::new(w.bot_password.clone()))
        .await
        .expect("login");
    warnings.extend(user.warnings);
    let response = client
        .call(edit(PAGE, "\nHello from mw-transport"))
        .await
        .expect("edit");
    assert_eq!(edit_result(&response), Some("Success"));
    warnings.extend(response.warnings.clone());
    let csrf = client.token(TokenType::CSRF).await.expect("csrf");
    warnings.extend(csrf.warnings.clone());
    let check = client
        .check_token(TokenType::CSRF, &csrf, Some(60))
        .await
        .expect("checktoken");
    warnings.extend(check.warnings);
    let again = client
        .call(edit(PAGE, "\nAgain"))
        .await
        .expect("second edit");
    assert_eq!(edit_result(&again), Some("Success"));
    warnings.extend(again.warnings);
    let out = client.logout().await.expect("logout");
    warnings.extend(out.warnings);
    no_mustpost(&warnings);
    // Every request that carried a secret was a POST.
    for r in client.request_log() {
        if matches!(
            r.action.as_str(),
            "login" | "edit" | "checktoken" | "logout"
        ) {
            assert_eq!(r.method, "POST", "{r:?}");
        }
    }
}
