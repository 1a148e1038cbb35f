//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

/// Log in to a MediaWiki wiki, get and check tokens, call the API, log out.
///
/// Credentials are read from MW_USERNAME and MW_PASSWORD (a bot password
/// "User@App" and its password), or asked for on the terminal; never from
/// arguments. The session (cookies and tokens) is kept in --session.
#[derive(Debug, Parser)]
#[command(name = "mw", version, about, long_about = None)]
pub struct Args {
    /// The wiki's api.php URL.
    #[arg(long, env = "MW_API_URL")]
    pub api: String,

    /// The session file (created with mode 0600).
    #[arg(long, env = "MW_SESSION_FILE", default_value = ".mw-session.json")]
    pub session: PathBuf,

    /// The User-Agent (required): name/version (contact), as Wikimedia's
    /// policy asks, such as `MyBot/1.0 (https://example.org/mybot;
    /// mybot@example.org)`.
    #[arg(long, env = "MW_USER_AGENT", value_name = "UA")]
    pub user_agent: Option<String>,

    /// The longest one HTTP request may take, in seconds (default 30). A
    /// request that takes longer fails (exit 5) and is not retried.
    #[arg(long, env = "MW_TIMEOUT", value_name = "SECONDS", value_parser = positive_secs, global = true)]
    pub timeout: Option<Duration>,

    /// Retries after the first attempt for maxlag, ratelimited and HTTP
    /// 429/502/503/504 (default 3; 0: never retry).
    #[arg(long, env = "MW_MAX_RETRIES", value_name = "N", global = true)]
    pub max_retries: Option<u32>,

    /// The longest total time one command may spend waiting before
    /// retries, in seconds (default 120). A wiki asking for a longer wait
    /// ends the command with its error.
    #[arg(long, env = "MW_MAX_WAIT", value_name = "SECONDS", value_parser = secs, global = true)]
    pub max_wait: Option<Duration>,

    /// Also trust the certificate authorities in this PEM file, for a
    /// wiki whose certificate a private CA signed (on top of the Mozilla
    /// roots built into mw, or of the system's store with --system-roots).
    /// An empty value is none.
    #[arg(long, env = "SSL_CERT_FILE", value_name = "FILE", global = true, value_parser = path_or_empty)]
    pub ca_file: Option<PathBuf>,

    /// Trust the operating system's certificate store instead of the
    /// Mozilla roots built into mw (SSL_CERT_FILE and SSL_CERT_DIR, when
    /// set, are read instead of it, as OpenSSL does).
    #[arg(long, env = "MW_SYSTEM_ROOTS", value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub system_roots: bool,

    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,

    /// More on stderr: -v one line per HTTP request, -vv every debug event
    /// (MW_LOG takes a tracing filter instead). Never shows tokens or
    /// passwords.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in and save the session: a bot password with action=login, or
    /// with --client-login a main account with action=clientlogin (asking
    /// for a two-factor code when the wiki wants one).
    Login {
        /// Log in a main account with action=clientlogin: needed for a
        /// two-factor account and for cross-wiki (CentralAuth) calls. The
        /// code comes from MW_OATH_CODE, the terminal, or standard input.
        #[arg(long, env = "MW_CLIENT_LOGIN", value_parser = clap::builder::BoolishValueParser::new())]
        client_login: bool,
    },
    /// Print tokens (default: csrf). Types: csrf, watch, patrol, rollback,
    /// userrights, login, createaccount, or any type an extension adds.
    Token {
        /// Token types.
        #[arg(default_value = "csrf")]
        types: Vec<String>,
    },
    /// Check a token read from standard input with action=checktoken.
    CheckToken {
        /// The token's type.
        #[arg(default_value = "csrf")]
        r#type: String,
        /// Maximum age in seconds (older tokens are "expired").
        #[arg(long)]
        max_age: Option<u64>,
    },
    /// Call any API module and print the response.
    Call {
        /// The module (action=...).
        action: String,
        /// Parameters as name=value.
        params: Vec<String>,
        /// Send a POST (implied by --token).
        #[arg(long)]
        post: bool,
        /// Inject a token of this type (refreshed and retried once on badtoken).
        #[arg(long)]
        token: Option<String>,
        /// Send a write with a user-bound token (csrf, …) even when not
        /// logged in: the wiki records it under this machine's IP address.
        #[arg(long, env = "MW_ALLOW_ANONYMOUS", value_parser = clap::builder::BoolishValueParser::new())]
        allow_anonymous: bool,
    },
    /// Log out (POST with a csrf token) and delete the session file.
    Logout,
    /// Create an account with action=createaccount. The new password comes
    /// from MW_NEW_PASSWORD or an unechoed prompt on the terminal, never
    /// from an argument; a captcha's answer from MW_CAPTCHA_ANSWER, the
    /// terminal, or standard input.
    CreateAccount {
        /// The new account's name.
        #[arg(env = "MW_NEW_USERNAME")]
        name: String,
        /// An e-mail address for the account (some wikis require one).
        #[arg(long)]
        email: Option<String>,
        /// A real name for the account.
        #[arg(long)]
        real_name: Option<String>,
    },
    /// Run the whole token flow and print each step: login, tokens,
    /// checktoken, logout, and a check that the old token is rejected.
    Flow,
}

/// The default of `--max-wait`.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(120);

/// Seconds, such as `30` or `0.5`.
fn secs(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(v).map_err(|_| format!("{s:?} is not a number of seconds"))
}

/// A path, or an empty one (which `PathBuf`'s own parser refuses): an
/// empty `SSL_CERT_FILE` names no file.
fn path_or_empty(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

/// Seconds, more than zero.
fn positive_secs(s: &str) -> Result<Duration, String> {
    let d = secs(s)?;
    if d.is_zero() {
        return Err("it must be more than 0 seconds".into());
    }
    Ok(d)
}

/// An example of a descriptive user agent, for the error messages.
pub const EXAMPLE_USER_AGENT: &str = "MyBot/1.0 (https://example.org/mybot; mybot@example.org)";

impl Args {
    /// Parses the arguments; exits with clap's usage error (code 2) when
    /// no user agent is given.
    pub fn parse_checked() -> Args {
        let args = Args::parse();
        if args
            .user_agent
            .as_deref()
            .is_none_or(|ua| ua.trim().is_empty())
        {
            Args::command()
                .error(
                    clap::error::ErrorKind::MissingRequiredArgument,
                    format!(
                        "a descriptive user agent is required: pass --user-agent or set \
                         MW_USER_AGENT, such as\n\n    export MW_USER_AGENT='{EXAMPLE_USER_AGENT}'\n\n\
                         (a name and version for your tool, and a URL or e-mail address to \
                         contact you; see https://meta.wikimedia.org/wiki/User-Agent_policy)"
                    ),
                )
                .exit();
        }
        args
    }

    /// The user agent (checked by [`Args::parse_checked`]).
    pub fn user_agent(&self) -> &str {
        self.user_agent.as_deref().unwrap_or_default()
    }
}
