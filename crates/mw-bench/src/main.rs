//! `mw-bench`: client overhead, scale and concurrency of mw-transport
//! against a fast loopback server of recorded MediaWiki 1.39 responses.
//! `scripts/bench.sh` runs it all; see `docs/performance.md`.
//!
//! ```text
//! mw-bench serve [--port P] [--close]                    the fast server (prints its URL)
//! mw-bench flows [--url U [--server-pid P]] [--secs S] [--rounds R] [--only-client | --only-floor | --only-duty-floor]
//! mw-bench scale-protocol [--max N]
//! mw-bench scale-client [--url U] [--max N] [--close] [--built-only]
//! mw-bench concurrency [--url U] [--levels 1,10,100,1000] [--secs S]
//! mw-bench quick                                   everything, tiny (CI)
//! ```
//!
//! Without `--url` a command starts `mw-bench serve` as a child process, so
//! that the server's memory and CPU are never counted as the client's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mw_bench::{BOT, BOT_PASSWORD, SeedReplies, UA, cpu_time, median, rss_bytes};
use mw_protocol::{Config, Op, Outcome, Password, Session, TokenType};
use mw_transport::Client;

mod floor;
mod flows;
mod server;

use flows::{client, client_flow};
use server::{ServerChild, serve, server, server_with};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("mw-bench: {e}");
        std::process::exit(1);
    }
}

struct Args<'a>(&'a [String]);

impl Args<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }
    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|a| a == name)
    }
    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Res<T> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("bad {name}: {v}").into()),
        }
    }
}

fn run(argv: &[String]) -> Res<()> {
    let cmd = argv.first().map(String::as_str).unwrap_or("help");
    let args = Args(argv.get(1..).unwrap_or_default());
    match cmd {
        "serve" => serve(args.num("--port", 0)?, args.flag("--close")),
        "flows" => flows::flows(
            args.value("--url"),
            args.value("--server-pid").map(str::parse).transpose()?,
            args.num("--secs", 3.0)?,
            args.num("--rounds", 5)?,
            flows::Only::of(
                args.flag("--only-client"),
                args.flag("--only-floor"),
                args.flag("--only-duty-floor"),
            )?,
        ),
        "scale-protocol" => scale_protocol(args.num("--max", 10_000)?),
        "scale-client" => scale_client(
            args.value("--url"),
            args.num("--max", 10_000)?,
            args.flag("--built-only"),
            args.flag("--close"),
        ),
        "concurrency" => concurrency(
            args.value("--url"),
            &args
                .value("--levels")
                .unwrap_or("1,10,100,1000")
                .split(',')
                .map(str::parse)
                .collect::<Result<Vec<usize>, _>>()?,
            args.num("--secs", 3.0)?,
        ),
        "quick" => {
            flows::flows(None, None, 0.1, 1, flows::Only::All)?;
            scale_protocol(200)?;
            scale_client(None, 50, false, false)?;
            scale_client(None, 50, false, true)?;
            concurrency(None, &[1, 10], 0.1)
        }
        _ => {
            eprintln!(
                "usage: mw-bench serve|flows|scale-protocol|scale-client|concurrency|quick [options]; see docs/performance.md"
            );
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Scale: memory per logged-in session.

const CHECKPOINTS: [usize; 7] = [100, 500, 1_000, 2_000, 5_000, 7_500, 10_000];

fn checkpoints(max: usize) -> Vec<usize> {
    let mut v: Vec<usize> = CHECKPOINTS.iter().copied().filter(|&n| n < max).collect();
    v.push(max);
    v
}

fn report_rss(what: &str, base: u64, points: &[(usize, u64)]) {
    let title = match what {
        "session" => "mw-protocol Session (logged in, csrf cached)",
        "client" => "mw-transport Client (logged in, csrf cached, its keep-alive connection open)",
        "client_closed" => {
            "mw-transport Client (logged in, csrf cached, the server closed the connection)"
        }
        _ => "mw-transport Client (built, never used)",
    };
    println!(
        "{title}: RSS growth over the base process ({} KiB)",
        base / 1024
    );
    println!(
        "  {:>7}  {:>10}  {:>14}",
        "held", "growth KiB", "KiB/session"
    );
    for &(n, rss) in points {
        let growth = rss.saturating_sub(base);
        println!(
            "  {n:>7}  {:>10}  {:>14.2}",
            growth / 1024,
            growth as f64 / 1024.0 / n as f64
        );
    }
    // The issue's targets ("Performance at the floor"): an idle logged-in
    // client at most 8 KiB with its keep-alive connection open, 4 KiB
    // with it closed; the protocol session alone and a built client 16.
    let target = match what {
        "client" => 8.0,
        "client_closed" => 4.0,
        _ => 16.0,
    };
    if let Some(&(n, rss)) = points.last() {
        let per = rss.saturating_sub(base) as f64 / 1024.0 / n as f64;
        println!(
            "RESULT {what}_sessions={n} kib_per_session={per:.2} target<={target}: {}",
            if per <= target { "PASS" } else { "FAIL" }
        );
    }
}

/// Drives one operation of a session to its end with the recorded replies.
fn drive<T: Outcome>(session: &mut Session, op: Op<T>, replies: &SeedReplies) -> Res<T> {
    let now = Instant::now();
    loop {
        while let Some(t) = session.poll_transmit() {
            let query = t.request.uri().query().unwrap_or_default().as_bytes();
            let reply = replies.route(query, t.request.body());
            session.handle_response(t.id, reply.clone().map(|body| body.to_vec()), now);
        }
        if let Some(done) = session.take(op) {
            return Ok(done.result?);
        }
    }
}

fn scale_protocol(max: usize) -> Res<()> {
    let replies = SeedReplies::load()?;
    let url = "https://w.example/w/api.php";
    let base = rss_bytes().ok_or("no /proc/self/statm")?;
    let mut sessions = Vec::with_capacity(max);
    let mut points = Vec::new();
    for stop in checkpoints(max) {
        while sessions.len() < stop {
            let mut s = Session::new(url, Config::new(UA))?;
            let op = s.login(BOT, Password::new(BOT_PASSWORD));
            drive(&mut s, op, &replies)?;
            let op = s.token(TokenType::CSRF);
            drive(&mut s, op, &replies)?;
            if s.user().is_none() {
                return Err("not logged in".into());
            }
            sessions.push(s);
        }
        points.push((stop, rss_bytes().unwrap_or(0)));
    }
    report_rss("session", base, &points);
    drop(sessions);
    Ok(())
}

fn scale_client(url: Option<&str>, max: usize, built_only: bool, close: bool) -> Res<()> {
    let (url, _child) = server_with(url, close)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        // One client first, so that the runtime, TLS provider and the first
        // connection are in the base.
        let first = client(&url, false)?;
        first.login(BOT, Password::new(BOT_PASSWORD)).await?;
        first.token(TokenType::CSRF).await?;
        let base = rss_bytes().ok_or("no /proc/self/statm")?;
        let mut clients: Vec<Client> = Vec::with_capacity(max);
        let mut points = Vec::new();
        for stop in checkpoints(max) {
            while clients.len() < stop {
                let batch = (stop - clients.len()).min(100);
                let mut tasks = Vec::with_capacity(batch);
                for _ in 0..batch {
                    let c = client(&url, false)?;
                    tasks.push(tokio::spawn(async move {
                        if built_only {
                            return Ok(c);
                        }
                        c.login(BOT, Password::new(BOT_PASSWORD)).await?;
                        c.token(TokenType::CSRF).await?;
                        Ok::<_, mw_transport::Error>(c)
                    }));
                }
                for t in tasks {
                    clients.push(t.await??);
                }
            }
            points.push((stop, rss_bytes().unwrap_or(0)));
        }
        report_rss(
            match (built_only, close) {
                (true, _) => "client_built",
                (false, false) => "client",
                (false, true) => "client_closed",
            },
            base,
            &points,
        );
        drop(clients);
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Throughput with concurrent sessions.

fn concurrency(url: Option<&str>, levels: &[usize], secs: f64) -> Res<()> {
    let (url, child) = server(url)?;
    let server_pid = child.as_ref().map(ServerChild::pid);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!(
        "concurrency: N sessions (one Client each) running the seed flow back to back, {secs}s each; client runtime 2 workers, server {}",
        if server_pid.is_some() {
            "a child process (one thread)"
        } else {
            "given by --url (its CPU not measured)"
        }
    );
    println!(
        "  {:>6}  {:>10}  {:>10}  {:>12}  {:>12}  {:>12}",
        "N", "flows/s", "requests/s", "p50 flow ms", "client CPU", "server CPU"
    );
    rt.block_on(async {
        for &n in levels {
            let clients: Vec<Client> = (0..n).map(|_| client(&url, false)).collect::<Res<_>>()?;
            // Warm up: every client connects and runs one flow.
            let warm: Vec<_> = clients
                .iter()
                .cloned()
                .map(|c| {
                    tokio::spawn(async move { client_flow(&c).await.map_err(|e| e.to_string()) })
                })
                .collect();
            for w in warm {
                w.await??;
            }
            let done = Arc::new(AtomicU64::new(0));
            let cpu0 = (cpu_time(None), server_pid.and_then(|p| cpu_time(Some(p))));
            let start = Instant::now();
            let deadline = start + Duration::from_secs_f64(secs);
            let tasks: Vec<_> = clients
                .iter()
                .cloned()
                .map(|c| {
                    let done = Arc::clone(&done);
                    tokio::spawn(async move {
                        let mut latencies = Vec::new();
                        while Instant::now() < deadline {
                            let t = Instant::now();
                            client_flow(&c).await.map_err(|e| e.to_string())?;
                            latencies.push(t.elapsed().as_secs_f64() * 1e3);
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok::<_, String>(latencies)
                    })
                })
                .collect();
            let mut latencies = Vec::new();
            for t in tasks {
                latencies.extend(t.await??);
            }
            let elapsed = start.elapsed().as_secs_f64();
            let cpu1 = (cpu_time(None), server_pid.and_then(|p| cpu_time(Some(p))));
            let flows = done.load(Ordering::Relaxed) as f64 / elapsed;
            let share = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
                (Some(a), Some(b)) => format!("{:.2} cores", (b - a).as_secs_f64() / elapsed),
                _ => "-".into(),
            };
            println!(
                "  {n:>6}  {flows:>10.0}  {:>10.0}  {:>12.2}  {:>12}  {:>12}",
                flows * 5.0,
                median(&mut latencies),
                share(cpu0.0, cpu1.0),
                share(cpu0.1, cpu1.1),
            );
            println!("RESULT concurrency n={n} flows_per_s={flows:.1}");
        }
        Ok(())
    })
}
