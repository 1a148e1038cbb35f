//! What the AuthManager live tests share (`real_wiki_auth.rs`,
//! `real_wiki_login_captcha.rs`): the wikis' env files, a client, and the
//! wiki's own view of users and accounts.

// Each test file uses a part.
#![allow(dead_code, unused_macros)]

use std::collections::HashMap;
use std::path::PathBuf;

use mw_transport::{ActionCall, ActionRequest, Client, Config, RetryPolicy};

pub const UA: &str =
    "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";
pub const RETURN_URL: &str = "http://127.0.0.1/";

pub struct Wiki(HashMap<String, String>);

impl Wiki {
    pub fn get(&self, k: &str) -> &str {
        self.0
            .get(k)
            .unwrap_or_else(|| panic!("the env file has no {k}"))
    }
    pub fn dir(&self) -> PathBuf {
        PathBuf::from(self.get("MW_WIKI_DIR"))
    }
}

pub fn wiki(var: &str) -> Option<Wiki> {
    if std::env::var("MW_SKIP_REAL_WIKI").as_deref() == Ok("1") {
        eprintln!("MW_SKIP_REAL_WIKI=1: skipping a real-wiki test");
        return None;
    }
    let path = std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set. These tests need real MediaWiki wikis: run \
             crates/mw-transport/tests/wiki/run.sh (or scripts/test.sh). \
             Set MW_SKIP_REAL_WIKI=1 to skip them on purpose."
        )
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{var}={path}: cannot read the env file: {e}"));
    Some(Wiki(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    ))
}

macro_rules! wiki {
    ($var:expr) => {
        match wiki($var) {
            Some(w) => w,
            None => return,
        }
    };
}

pub fn client(w: &Wiki) -> Client {
    let mut config = Config::new(UA);
    config.retry = RetryPolicy::default();
    Client::builder(w.get("MW_API_URL"))
        .config(config)
        .user_agent(UA)
        .build()
        .expect("client")
}

/// The wiki's own idea of who this client is (`meta=userinfo`).
pub async fn wiki_user(c: &Client) -> String {
    let r = c
        .call(ActionCall::new(
            ActionRequest::get("query").param("meta", "userinfo"),
        ))
        .await
        .expect("userinfo");
    r.body()["query"]["userinfo"]["name"]
        .as_str()
        .expect("a name")
        .to_owned()
}

/// Whether the wiki has an account named `name` (`list=users`).
pub async fn account_exists(c: &Client, name: &str) -> bool {
    let r = c
        .call(ActionCall::new(
            ActionRequest::get("query")
                .param("list", "users")
                .param("ususers", name),
        ))
        .await
        .expect("list=users");
    let user = &r.body()["query"]["users"][0];
    user.get("missing").is_none() && user.get("userid").is_some()
}

pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}{nanos}", std::process::id())
}
