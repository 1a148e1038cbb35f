//! `tracing` output on stderr.

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
