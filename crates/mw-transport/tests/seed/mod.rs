//! The seed flow (login with a bot password, csrf token, checktoken,
//! logout) run again and again, for the tests of pooled connections that
//! servers close (`keepalive.rs`, `real_wiki_keepalive.rs`).
#![allow(dead_code)]

use std::time::Duration;

use mw_transport::{Client, LogoutOutcome, Password, TokenType, TokenValidity};
use tokio::net::TcpStream;

pub mod double;

pub const UA: &str =
    "mw-transport-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

/// How the client idles before a step.
#[derive(Clone, Copy, PartialEq)]
pub enum Idle {
    /// Not at all.
    No,
    /// In `tokio::time::sleep`: the runtime keeps being driven.
    Async(Duration),
    /// With the client's runtime not driven at all (between two `block_on`
    /// calls of a current-thread runtime, as a synchronous program or a
    /// busy one does): the server's close stays unnoticed until the next
    /// request.
    Blocked(Duration),
}

/// Past the 1 s timeout of the idle-closing server.
pub const PAUSE: Duration = Duration::from_millis(1200);

/// The wiki the flow runs against.
pub struct Target<'a> {
    pub api: &'a str,
    /// A bot password's user name (`User@app`).
    pub user: &'a str,
    pub password: &'a str,
    /// TLS settings (a test CA), for an `https` API.
    pub tls: Option<rustls::ClientConfig>,
}

/// Login, csrf token, checktoken, logout, each step in its own `block_on`
/// of `rt`, with a new client; `idle[i]` before step `i`.
pub fn seed_flow(rt: &tokio::runtime::Runtime, to: &Target, idle: [Idle; 4]) -> Result<(), String> {
    let api = to.api;
    let client = rt.block_on(async {
        let builder = Client::builder(api)
            .user_agent(UA)
            .timeout(Duration::from_secs(10));
        match &to.tls {
            Some(tls) => builder.tls_config(tls.clone()).build(),
            None => builder.build(),
        }
    });
    let client = client.map_err(|e| format!("build: {e}"))?;
    let pause = |i: usize| match idle[i] {
        Idle::No => {}
        Idle::Async(d) => rt.block_on(async { tokio::time::sleep(d).await }),
        Idle::Blocked(d) => std::thread::sleep(d),
    };
    pause(0);
    let user = rt
        .block_on(client.login(to.user, Password::new(to.password)))
        .map_err(|e| format!("login: {e}"))?;
    if Some(user.name.as_str()) != to.user.split('@').next() {
        return Err(format!("logged in as {}", user.name));
    }
    pause(1);
    let csrf = rt
        .block_on(client.token(TokenType::CSRF))
        .map_err(|e| format!("csrf: {e}"))?;
    pause(2);
    let check = rt
        .block_on(client.check_token(TokenType::CSRF, &csrf, None))
        .map_err(|e| format!("checktoken: {e}"))?;
    if check.result != TokenValidity::Valid {
        return Err(format!("checktoken: {:?}", check.result));
    }
    pause(3);
    let out = rt
        .block_on(client.logout())
        .map_err(|e| format!("logout: {e}"))?;
    if out.value != LogoutOutcome::LoggedOut {
        return Err(format!("logout: {:?}", out.value));
    }
    Ok(())
}

/// A client runtime: multi-thread (2 workers, as `mw` has) or
/// current-thread (as a synchronous program's).
pub fn runtime(multi_thread: bool) -> tokio::runtime::Runtime {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs the flow `runs` times (`idle(run)` for each); panics with every
/// failure.
pub fn runs(
    to: &Target,
    rt: &tokio::runtime::Runtime,
    runs: usize,
    idle: impl Fn(usize) -> [Idle; 4],
) {
    let failures: Vec<String> = (0..runs)
        .filter_map(|run| {
            seed_flow(rt, to, idle(run))
                .err()
                .map(|e| format!("run {run}: {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Makes the answer and the end of the stream leave in one segment, as
/// they arrive over a real network. On loopback a client can otherwise
/// read the answer and write its next request before the server's thread
/// gets from `write` to `close`: that request was sent, and no client may
/// safely send it again. (Linux: `TCP_CORK` holds the answer until the
/// close, which puts its FIN on it.)
pub fn answer_and_fin_together(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    socket2::SockRef::from(stream)
        .set_tcp_cork(true)
        .expect("TCP_CORK");
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}
