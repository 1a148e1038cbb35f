//! Runs one parser of the `parse/` benchmark `N` times, for instruction
//! counts under callgrind (load-independent, unlike criterion's times):
//!
//! ```text
//! cargo build --release -p mw-protocol --example parse_counts
//! valgrind --tool=callgrind --toggle-collect='parse_counts::run' \
//!     target/release/examples/parse_counts checktoken typed 1000
//! ```
//!
//! The instructions collected, divided by `N`, are one parse's. The kind
//! is `typed` (the row's parser: the module's one pass over the borrowed
//! body, as the session's and the criterion bench's),
//! `value` (`serde_json::Value`) or `skip`
//! (`from_utf8` and serde_json's `IgnoredAny`: the floor of any parse with
//! serde_json). Without arguments it lists the rows.
#![allow(missing_docs)]

use std::hint::black_box;

use mw_test_support::fixture;

#[path = "../benches/support/parse_rows.rs"]
mod parse_rows;

use parse_rows::{CASES, Parser};

#[inline(never)]
fn run(response: &http::Response<Vec<u8>>, kind: &str, typed: Parser, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        let body = black_box(response.body());
        ok += usize::from(match kind {
            // The session's path: the module's one pass.
            "typed" => typed(black_box(response)),
            // The floor of any serde_json parse: a check and a skip.
            "skip" => std::str::from_utf8(body)
                .is_ok_and(|s| serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()),
            _ => serde_json::from_slice::<serde_json::Value>(body).is_ok(),
        });
    }
    ok
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, kind, n] = &args[..] else {
        for (name, ..) in CASES {
            println!("{name}");
        }
        return;
    };
    let (_, rel, parse) = CASES
        .iter()
        .find(|(name, ..)| name == row)
        .expect("a row of the parse/ benchmark");
    let response = fixture::load(rel).response;
    let n: usize = n.parse().expect("a count");
    assert_eq!(
        run(&response, kind, *parse, n),
        n,
        "{row}: every parse succeeds"
    );
}
