//! `mw`: the MediaWiki token and session client on the command line.
//!
//! See `mw --help`. Credentials come from `MW_USERNAME` / `MW_PASSWORD` or
//! a prompt, never from the command line; a token to check is read from
//! standard input.

mod auth;
mod cli;
mod commands;
mod exit;
mod log;
mod output;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse_checked();
    output::set_json(args.json);
    log::init_tracing(args.verbose, args.json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mw: cannot start the async runtime: {e}");
            return exit::Code::Other.into();
        }
    };
    let json = args.json;
    match runtime.block_on(commands::run(args)) {
        Ok(()) => exit::Code::Ok.into(),
        Err(e) => {
            output::flush_pending();
            if json {
                eprintln!("{}", output::json_line(&exit::to_json(&e)));
            } else {
                eprintln!("mw: {}", output::escape(&e.to_string()));
            }
            exit::classify(&e).into()
        }
    }
}
