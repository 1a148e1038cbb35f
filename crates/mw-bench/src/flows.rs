//! The seed flow (login token, login, csrf token, checktoken, logout)
//! through mw-transport's `Client` against the floor, a bare hyper-util
//! client sending the same five requests, in turns (`mw-bench flows`), with
//! the server's CPU per request and utilisation measured in the same rounds
//! so that a slow server shows instead of hiding in both sides of a ratio.

use std::time::{Duration, Instant};

use mw_bench::{BOT, BOT_PASSWORD, UA, cpu_time, median};
use mw_protocol::{Password, TokenType};
use mw_transport::{Client, LogoutOutcome, TokenValidity};

use crate::floor::Floor;
use crate::{Res, server};
pub(crate) fn client(url: &str, record: bool) -> Res<Client> {
    Ok(Client::builder(url)
        .user_agent(UA)
        .record_requests(record)
        .build()?)
}

pub(crate) async fn client_flow(client: &Client) -> Res<()> {
    client.login(BOT, Password::new(BOT_PASSWORD)).await?;
    let csrf = client.token(TokenType::CSRF).await?;
    let check = client.check_token(TokenType::CSRF, &csrf, None).await?;
    if check.result != TokenValidity::Valid {
        return Err(format!("checktoken: {:?}", check.result).into());
    }
    if client.logout().await?.value != LogoutOutcome::LoggedOut {
        return Err("logout".into());
    }
    Ok(())
}

/// The targets of "Performance at the floor": the client's flows/s at
/// least this share of the floor's, on either placement...
const RATE_TARGET: f64 = 0.9;
/// ...and its CPU per flow at most this multiple of the floor's.
const CPU_TARGET: f64 = 1.15;
/// Above this share of one core the server, not the client, may set the
/// pace: the round is flagged.
const SERVER_BUSY: f64 = 0.9;

/// What one contender did in one round.
#[derive(Clone, Copy)]
struct Rate {
    flows_per_s: f64,
    /// This process's CPU time per flow, µs.
    cpu_us: f64,
    /// The server's CPU per request, µs (NaN without its pid).
    server_us: f64,
    /// The server's CPU time over the wall time: its share of one core.
    server_busy: f64,
}

/// `flow` run back to back for `secs`, with the CPU of this process and of
/// the server `server_pid` over the same span.
async fn rate<F, Fut>(secs: f64, server_pid: Option<u32>, mut flow: F) -> Res<Rate>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Res<()>>,
{
    // Warm up the connection and the allocator.
    for _ in 0..20 {
        flow().await?;
    }
    let cpu0 = cpu_time(None);
    let server0 = server_pid.and_then(|p| cpu_time(Some(p)));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut n = 0u64;
    while n == 0 || Instant::now() < deadline {
        flow().await?;
        n += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let per = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => f64::NAN,
    };
    let server = per(server0, server_pid.and_then(|p| cpu_time(Some(p))));
    Ok(Rate {
        flows_per_s: n as f64 / elapsed,
        cpu_us: per(cpu0, cpu_time(None)) * 1e6 / n as f64,
        server_us: server * 1e6 / (n as f64 * REQUESTS_PER_FLOW as f64),
        server_busy: server / elapsed,
    })
}

/// The seed flow's requests.
const REQUESTS_PER_FLOW: usize = 5;

/// Which contender `mw-bench flows` runs alone (for a profile), if any.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Only {
    /// All three, in turns, for the ratios.
    All,
    Client,
    Floor,
    DutyFloor,
}

impl Only {
    /// From the command's flags (at most one).
    pub(crate) fn of(client: bool, floor: bool, duty_floor: bool) -> Res<Only> {
        Ok(match (client, floor, duty_floor) {
            (false, false, false) => Only::All,
            (true, false, false) => Only::Client,
            (false, true, false) => Only::Floor,
            (false, false, true) => Only::DutyFloor,
            _ => {
                return Err(
                    "--only-client, --only-floor and --only-duty-floor exclude each other".into(),
                );
            }
        })
    }
}

/// `mw-bench flows`: the client against the floor (and the floor with the
/// client's unavoidable duties, for reference), in turns.
pub(crate) fn flows(
    url: Option<&str>,
    server_pid: Option<u32>,
    secs: f64,
    rounds: usize,
    only: Only,
) -> Res<()> {
    let (url, child) = server(url)?;
    let server_pid = server_pid.or(child.as_ref().map(|c| c.pid()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        // The flow is the seed's five requests and nothing else.
        let check = client(&url, true)?;
        client_flow(&check).await?;
        client_flow(&check).await?;
        let log: Vec<String> = check
            .request_log()
            .iter()
            .map(|r| format!("{} {} {}", r.method, r.action, r.meta.as_deref().unwrap_or("")))
            .collect();
        if log.len() != 2 * REQUESTS_PER_FLOW {
            return Err(format!("the seed flow sent {} requests: {log:?}", log.len()).into());
        }

        let client = client(&url, false)?;
        let floor = Floor::bare(&url)?;
        let duty = Floor::with_duties(&url)?;
        duty.flow().await?;
        if duty.requests_with_cookies() == Some(0) {
            return Err("the duty floor sent no cookies: the server set none".into());
        }
        // For profiles (callgrind): one contender alone, `secs` once.
        let alone = match only {
            Only::All => None,
            Only::Floor => Some(("floor", rate(secs, None, || floor.flow()).await?)),
            Only::DutyFloor => Some(("duty_floor", rate(secs, None, || duty.flow()).await?)),
            Only::Client => Some(("rust_client", rate(secs, None, || client_flow(&client)).await?)),
        };
        if let Some((name, r)) = alone {
            println!(
                "RESULT {name}_flows_per_s={:.1} cpu_us_per_flow={:.1}",
                r.flows_per_s, r.cpu_us
            );
            return Ok(());
        }
        let (mut fs, mut cs, mut ds) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let f = rate(secs, server_pid, || floor.flow()).await?;
            let d = rate(secs, server_pid, || duty.flow()).await?;
            let c = rate(secs, server_pid, || client_flow(&client)).await?;
            let busy = if f.server_busy.max(c.server_busy) > SERVER_BUSY {
                "  SERVER BUSY"
            } else {
                ""
            };
            println!(
                "  round {round}: floor {:.0} flows/s ({:.0} µs CPU/flow; server {:.1} µs/request, {:.0}% of a core), \
                 floor+duties {:.0} flows/s ({:.0} µs CPU/flow), \
                 mw-transport {:.0} flows/s ({:.0} µs CPU/flow; server {:.1} µs/request, {:.0}%), ratio {:.3}, CPU {:.2}x{busy}",
                f.flows_per_s,
                f.cpu_us,
                f.server_us,
                f.server_busy * 100.0,
                d.flows_per_s,
                d.cpu_us,
                c.flows_per_s,
                c.cpu_us,
                c.server_us,
                c.server_busy * 100.0,
                c.flows_per_s / f.flows_per_s,
                c.cpu_us / f.cpu_us,
            );
            fs.push(f);
            ds.push(d);
            cs.push(c);
        }
        let med = |v: &[Rate], pick: fn(&Rate) -> f64| median(&mut v.iter().map(pick).collect::<Vec<_>>());
        let ratio = median(
            &mut fs.iter().zip(&cs).map(|(f, c)| c.flows_per_s / f.flows_per_s).collect::<Vec<_>>(),
        );
        let cpu_ratio =
            median(&mut fs.iter().zip(&cs).map(|(f, c)| c.cpu_us / f.cpu_us).collect::<Vec<_>>());
        let busy = med(&fs, |r| r.server_busy).max(med(&cs, |r| r.server_busy));
        println!(
            "flows ({REQUESTS_PER_FLOW} requests each, sequential, one keep-alive connection, current-thread runtime; {rounds} rounds of {secs}s, medians):"
        );
        for (label, v) in [
            ("hyper-util floor", &fs),
            ("floor + cookies + timeout", &ds),
            ("mw-transport Client", &cs),
        ] {
            let r = med(v, |r| r.flows_per_s);
            println!(
                "  {label:<26} {r:>9.0} flows/s  {:>7.1} µs/flow  {:>6.1} µs client CPU/flow  server {:>5.1} µs/request, {:>3.0}% of a core",
                1e6 / r,
                med(v, |r| r.cpu_us),
                med(v, |r| r.server_us),
                med(v, |r| r.server_busy) * 100.0,
            );
        }
        let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
        println!(
            "  ratio client/floor    {ratio:.3} flows/s (median of per-round ratios; target >= {RATE_TARGET}: {})",
            verdict(ratio >= RATE_TARGET)
        );
        println!(
            "  client CPU/floor CPU  {cpu_ratio:.2}x per flow (target <= {CPU_TARGET}: {})",
            verdict(cpu_ratio <= CPU_TARGET)
        );
        let duty_ratio = median(
            &mut ds.iter().zip(&cs).map(|(d, c)| c.flows_per_s / d.flows_per_s).collect::<Vec<_>>(),
        );
        let duty_cpu =
            median(&mut ds.iter().zip(&cs).map(|(d, c)| c.cpu_us / d.cpu_us).collect::<Vec<_>>());
        println!(
            "  against the floor with cookies and a timeout (no target: what a correct client cannot skip): {duty_ratio:.3} flows/s, {duty_cpu:.2}x CPU"
        );
        if busy > SERVER_BUSY {
            println!(
                "  the server used {:.0}% of a core: it may be the bottleneck, the ratio understates the client",
                busy * 100.0
            );
        }
        println!(
            "RESULT floor_flows_per_s={:.1} client_flows_per_s={:.1} ratio={ratio:.3} cpu_ratio={cpu_ratio:.2} server_busy={busy:.2}",
            med(&fs, |r| r.flows_per_s),
            med(&cs, |r| r.flows_per_s),
        );
        Ok(())
    })
}
