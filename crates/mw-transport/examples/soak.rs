//! Soak test: N concurrent sessions, each running the seed flow (login
//! token, login, csrf token, checktoken, logout) in a loop for M minutes
//! against a real wiki. Reports flows, errors, request rate and RSS, and
//! fails if any flow failed or the RSS grew past the bound.
//!
//! ```text
//! cargo run --release -p mw-transport --example soak -- ENV_FILE [SESSIONS] [MINUTES] [MAX_RSS_GROWTH_MIB]
//! ```
//!
//! `ENV_FILE` is the env file of `scripts/test-wiki.sh start DIR`
//! (`DIR/env`). `scripts/soak.sh` starts a wiki and runs this.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mw_transport::{Client, Config, LogoutOutcome, Password, TokenType, TokenValidity};

const UA: &str = "mw-soak/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)";

/// The process's resident set, in KiB, from /proc/self/status.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[derive(Default)]
struct Stats {
    flows: AtomicU64,
    errors: AtomicU64,
    flow_micros: AtomicU64,
    max_flow_micros: AtomicU64,
}

/// One seed flow on its own client (its own cookie jar and session).
async fn flow(client: &Client, user: &str, password: &str) -> Result<(), String> {
    let me = client
        .login(user, Password::new(password))
        .await
        .map_err(|e| format!("login: {e}"))?;
    if me.name.is_empty() {
        return Err("login: no user name".into());
    }
    let csrf = client
        .token(TokenType::CSRF)
        .await
        .map_err(|e| format!("csrf: {e}"))?;
    if csrf.is_anonymous() {
        return Err("csrf: anonymous token after login".into());
    }
    let check = client
        .check_token(TokenType::CSRF, &csrf, Some(600))
        .await
        .map_err(|e| format!("checktoken: {e}"))?;
    if check.result != TokenValidity::Valid {
        return Err(format!("checktoken: {:?}", check.result));
    }
    let out = client.logout().await.map_err(|e| format!("logout: {e}"))?;
    if out.value != LogoutOutcome::LoggedOut {
        return Err(format!("logout: {:?}", out.value));
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(env_file) = args.get(1) else {
        eprintln!("usage: soak ENV_FILE [SESSIONS] [MINUTES] [MAX_RSS_GROWTH_MIB]");
        std::process::exit(2);
    };
    let sessions: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let minutes: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let max_growth_mib: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(64);
    let text = std::fs::read_to_string(env_file).unwrap_or_else(|e| {
        eprintln!("soak: cannot read {env_file}: {e}");
        std::process::exit(2);
    });
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| -> String {
        vars.get(k).map(|v| (*v).to_owned()).unwrap_or_else(|| {
            eprintln!("soak: {env_file} has no {k}");
            std::process::exit(2);
        })
    };
    let api = get("MW_API_URL");
    let user = Arc::new(get("MW_BOT_USER"));
    let password = Arc::new(get("MW_BOT_PASSWORD"));

    let rss_start = rss_kib();
    let stats = Arc::new(Stats::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(minutes * 60.0);
    // The RSS once every session has finished its first flow (buffers,
    // pools and allocator arenas warmed up).
    let warm = Arc::new(AtomicU64::new(0));
    let first_round = Arc::new(tokio::sync::Barrier::new(sessions + 1));

    println!("soak: {sessions} sessions x {minutes} min against {api}");
    let mut tasks = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        let (stats, user, password) = (stats.clone(), user.clone(), password.clone());
        let first_round = first_round.clone();
        let mut config = Config::new(UA);
        config.relogin = false;
        // The PHP built-in server queues connections: be patient, but
        // bounded.
        let client = Client::builder(api.as_str())
            .user_agent(UA)
            .config(config)
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|e| {
                eprintln!("soak: cannot build a client: {e}");
                std::process::exit(2);
            });
        tasks.push(tokio::spawn(async move {
            let mut first = true;
            loop {
                let t = Instant::now();
                match flow(&client, &user, &password).await {
                    Ok(()) => {
                        let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                        stats.flows.fetch_add(1, Ordering::Relaxed);
                        stats.flow_micros.fetch_add(us, Ordering::Relaxed);
                        stats.max_flow_micros.fetch_max(us, Ordering::Relaxed);
                    }
                    Err(e) => {
                        let n = stats.errors.fetch_add(1, Ordering::Relaxed);
                        if n < 10 {
                            eprintln!("soak: error: {e}");
                        }
                    }
                }
                if first {
                    first = false;
                    first_round.wait().await;
                }
                if Instant::now() >= deadline {
                    break;
                }
            }
        }));
    }
    first_round.wait().await;
    warm.store(rss_kib(), Ordering::Relaxed);
    let rss_warm = warm.load(Ordering::Relaxed);
    println!(
        "soak: first round done after {:.1} s; RSS {} KiB",
        started.elapsed().as_secs_f64(),
        rss_warm
    );
    let reporter = {
        let stats = stats.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                println!(
                    "soak: t={:.0}s flows={} errors={} RSS={} KiB",
                    started.elapsed().as_secs_f64(),
                    stats.flows.load(Ordering::Relaxed),
                    stats.errors.load(Ordering::Relaxed),
                    rss_kib()
                );
            }
        })
    };
    for t in tasks {
        if t.await.is_err() {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("soak: a session task panicked");
        }
    }
    reporter.abort();
    let elapsed = started.elapsed().as_secs_f64();
    let rss_end = rss_kib();
    let flows = stats.flows.load(Ordering::Relaxed);
    let errors = stats.errors.load(Ordering::Relaxed);
    let mean_ms = if flows == 0 {
        0.0
    } else {
        stats.flow_micros.load(Ordering::Relaxed) as f64 / flows as f64 / 1000.0
    };
    println!("soak: sessions          {sessions}");
    println!("soak: duration          {elapsed:.1} s");
    println!(
        "soak: flows completed   {flows} ({:.1}/s)",
        flows as f64 / elapsed
    );
    println!(
        "soak: requests          {} ({:.1}/s; 5 per flow)",
        flows * 5,
        (flows * 5) as f64 / elapsed
    );
    println!(
        "soak: flow latency      mean {mean_ms:.0} ms, max {:.0} ms",
        stats.max_flow_micros.load(Ordering::Relaxed) as f64 / 1000.0
    );
    println!("soak: errors            {errors}");
    println!("soak: RSS start         {rss_start} KiB");
    println!("soak: RSS after round 1 {rss_warm} KiB");
    println!("soak: RSS end           {rss_end} KiB");
    let growth = rss_end.saturating_sub(rss_warm);
    println!(
        "soak: RSS growth        {growth} KiB since round 1 (bound {} KiB)",
        max_growth_mib * 1024
    );
    let mut failed = false;
    if errors > 0 {
        eprintln!("soak: FAILED: {errors} errors");
        failed = true;
    }
    if flows == 0 {
        eprintln!("soak: FAILED: no flow completed");
        failed = true;
    }
    if growth > max_growth_mib * 1024 {
        eprintln!("soak: FAILED: RSS grew by {growth} KiB");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
    println!("soak: OK");
}
