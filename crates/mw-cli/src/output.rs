//! Printing results, warnings and logs.

use mw_transport::{Token, Warning};

/// Sends `tracing` output (requests, warnings; never secrets) to stderr.
pub fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // An error means a subscriber is already set: keep it.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
}

/// Prints warnings to stderr, one per line.
pub fn warnings(warnings: &[Warning]) {
    for w in warnings {
        let kind = if w.is_deprecation() {
            "deprecation"
        } else {
            "warning"
        };
        eprintln!("mw: {kind}: {w}");
    }
}

/// A token's shape, never its value: `32 hex + 8 hex time + "+\"`.
pub fn token_shape(token: &Token) -> String {
    if token.is_anonymous() {
        return "the anonymous token \"+\\\"".into();
    }
    let len = token.secret().len();
    match token.timestamp() {
        Some(ts) => {
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(ts);
            format!("{len} characters, issued {}", httpdate::fmt_http_date(when))
        }
        None => format!("{len} characters"),
    }
}
