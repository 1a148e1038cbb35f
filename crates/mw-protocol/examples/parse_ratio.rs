//! The `parse/` rows timed in turns: for each row, rounds of `N` typed
//! parses and `N` `serde_json::Value` parses of the same bytes, the order
//! swapped every round, and the median of the per-round ratios (with the
//! lowest and highest). A change of the machine's state (another
//! process, a core woken up or halted) then hits both sides of a ratio
//! alike, which criterion's one-side-then-the-other runs do not.
//!
//! ```text
//! cargo run --release -p mw-protocol --example parse_ratio [ROUNDS [N]]
//! ```
//!
//! Prints one line per row and `RESULT parse_ratio_over_target=K` (rows
//! whose median is above 0.5). `scripts/bench.sh` runs it after
//! criterion; results: docs/performance.md.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mw_test_support::fixture;

#[path = "../benches/support/parse_rows.rs"]
mod parse_rows;

use parse_rows::{CASES, Parser};

/// `n` typed parses of `response`.
#[inline(never)]
fn typed(response: &http::Response<Vec<u8>>, parse: Parser, n: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(parse(black_box(response)));
    }
    start.elapsed()
}

/// `n` parses of the same bytes into a `Value`.
#[inline(never)]
fn value(body: &[u8], n: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(body)).is_ok());
    }
    start.elapsed()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(21, |a| a.parse().expect("ROUNDS"));
    let n: usize = args.next().map_or(20_000, |a| a.parse().expect("N"));
    println!("parse/ rows in turns: {rounds} rounds of {n} typed and {n} Value parses each");
    println!(
        "    {:<32} {:>10} {:>10} {:>8} {:>14}",
        "response", "typed", "Value", "median", "[min .. max]"
    );
    let mut over = 0;
    for (name, rel, parse) in CASES {
        let response = fixture::load(rel).response;
        assert!(parse(&response), "{name}: the typed parser fails on {rel}");
        // Warm up both sides.
        typed(&response, *parse, n / 4 + 1);
        value(response.body(), n / 4 + 1);
        let mut ratios = Vec::with_capacity(rounds);
        let (mut t_sum, mut v_sum) = (Duration::ZERO, Duration::ZERO);
        for round in 0..rounds {
            let (t, v) = if round % 2 == 0 {
                let t = typed(&response, *parse, n);
                (t, value(response.body(), n))
            } else {
                let v = value(response.body(), n);
                (typed(&response, *parse, n), v)
            };
            t_sum += t;
            v_sum += v;
            ratios.push(t.as_secs_f64() / v.as_secs_f64().max(1e-12));
        }
        ratios.sort_by(f64::total_cmp);
        let median = ratios.get(rounds / 2).copied().unwrap_or(f64::NAN);
        let (lo, hi) = (ratios.first().copied(), ratios.last().copied());
        let per = |d: Duration| d.as_secs_f64() * 1e9 / (rounds * n) as f64;
        let verdict = if median <= 0.5 { "PASS" } else { "FAIL" };
        over += usize::from(median > 0.5);
        println!(
            "    {name:<32} {:>7.0} ns {:>7.0} ns {median:>8.3} [{:.3} .. {:.3}]  {verdict}",
            per(t_sum),
            per(v_sum),
            lo.unwrap_or(f64::NAN),
            hi.unwrap_or(f64::NAN),
        );
    }
    println!("RESULT parse_ratio_over_target={over}");
}
