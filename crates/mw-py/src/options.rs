//! The one options type of the three session classes: read once from their
//! keyword arguments (`Session(api_url, **options)`, `AsyncSession`,
//! `SansIOSession`, and each one's `restore`/`from_snapshot`), checked with a
//! typed error that names the option.
//!
//! `SansIOSession` takes the protocol's options only: timeouts, the body
//! cap and the bearer token are its driver's.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use mw_protocol::{Assert, Config, RetryPolicy, Token};
use mw_transport::{Client, ClientBuilder};

use crate::errors::{invalid_input, transport_err};
use crate::values::{password_arg, token_arg};

/// Which constructor reads the options.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// `Session` and `AsyncSession`: every option.
    Client,
    /// `SansIOSession`: the protocol's options only (its driver has the
    /// transport's, `ca_file` among them: `requests`' `verify=`).
    Protocol,
}

/// Every option, with its default.
pub(crate) struct Options {
    user_agent: Option<String>,
    maxlag: Option<u32>,
    assert_user: bool,
    relogin: bool,
    max_retries: u32,
    allow_anonymous: bool,
    timeout: f64,
    connect_timeout: f64,
    max_body_bytes: Option<usize>,
    bearer_token: Option<Token>,
    /// A PEM file of CAs to trust on top of the Mozilla roots.
    ca_file: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            user_agent: None,
            maxlag: Some(5),
            assert_user: true,
            relogin: true,
            max_retries: 3,
            allow_anonymous: false,
            timeout: 30.0,
            connect_timeout: 10.0,
            max_body_bytes: None,
            bearer_token: None,
            ca_file: None,
        }
    }
}

/// The options only a driver has (`Session`, `AsyncSession`).
const CLIENT_ONLY: &[&str] = &[
    "timeout",
    "connect_timeout",
    "max_body_bytes",
    "bearer_token",
    "ca_file",
];

impl Options {
    /// Reads the keyword arguments of `what` (for messages: `"Session()"`).
    /// An unknown name is a `TypeError`, as Python gives for any function;
    /// a bad value an `InvalidInputError` naming the option.
    pub(crate) fn from_kwargs(
        py: Python<'_>,
        what: &str,
        takes: Takes,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Options> {
        let mut options = Options::default();
        let Some(kwargs) = kwargs else {
            return Ok(options);
        };
        for (key, value) in kwargs.iter() {
            let name: String = key.extract()?;
            if takes == Takes::Protocol && CLIENT_ONLY.contains(&name.as_str()) {
                return Err(PyTypeError::new_err(format!(
                    "{what} got an unexpected keyword argument '{name}' (the sans-IO session \
                     sends nothing: timeouts, the body cap, the bearer token and the CA file are its driver's)"
                )));
            }
            let bad = |expected: &str| invalid_input(py, format!("{name} must be {expected}"));
            match name.as_str() {
                "user_agent" => {
                    options.user_agent = value.extract().map_err(|_| bad("a string"))?
                }
                "maxlag" => {
                    options.maxlag = value
                        .extract()
                        .map_err(|_| bad("a non-negative whole number of seconds, or None"))?;
                }
                "assert_user" => {
                    options.assert_user = value.extract().map_err(|_| bad("a bool"))?
                }
                "relogin" => options.relogin = value.extract().map_err(|_| bad("a bool"))?,
                "max_retries" => {
                    options.max_retries = value
                        .extract()
                        .map_err(|_| bad("a non-negative whole number"))?;
                }
                "allow_anonymous" => {
                    options.allow_anonymous = value.extract().map_err(|_| bad("a bool"))?;
                }
                "timeout" => options.timeout = value.extract().map_err(|_| bad("a number"))?,
                "connect_timeout" => {
                    options.connect_timeout = value.extract().map_err(|_| bad("a number"))?;
                }
                "max_body_bytes" => {
                    options.max_body_bytes = value
                        .extract()
                        .map_err(|_| bad("a positive whole number of bytes, or None"))?;
                }
                "ca_file" => {
                    options.ca_file = value
                        .extract()
                        .map_err(|_| bad("a path (str or os.PathLike), or None"))?;
                }
                "bearer_token" if value.is_none() => options.bearer_token = None,
                "bearer_token" => options.bearer_token = Some(token_arg(&value)?),
                _ => {
                    return Err(PyTypeError::new_err(format!(
                        "{what} got an unexpected keyword argument '{name}'"
                    )));
                }
            }
        }
        Ok(options)
    }

    /// The protocol's configuration.
    pub(crate) fn config(&self) -> Config {
        // No default: the core refuses a missing or generic user agent, the
        // same rule as in Rust and the CLI.
        let mut config = Config::new(self.user_agent.clone().unwrap_or_default());
        config.maxlag = self.maxlag;
        config.assert = if self.assert_user {
            Assert::User
        } else {
            Assert::None
        };
        config.relogin = self.relogin;
        config.allow_anonymous = self.allow_anonymous;
        let mut retry = RetryPolicy::default();
        retry.max_retries = self.max_retries;
        config.retry = retry;
        config
    }

    fn builder(&self, py: Python<'_>, api_url: &str) -> PyResult<ClientBuilder> {
        let mut builder = Client::builder(api_url)
            .config(self.config())
            .timeout(duration(py, "timeout", self.timeout)?)
            .connect_timeout(duration(py, "connect_timeout", self.connect_timeout)?);
        if let Some(bytes) = self.max_body_bytes {
            builder = builder.max_body_bytes(bytes);
        }
        if let Some(token) = &self.bearer_token {
            builder = builder.bearer_token(token.clone());
        }
        if let Some(path) = &self.ca_file {
            builder = builder.add_ca_file(path);
        }
        Ok(builder)
    }

    /// A new client of `api_url`.
    pub(crate) fn build(&self, py: Python<'_>, api_url: &str) -> PyResult<Client> {
        self.builder(py, api_url)?
            .build()
            .map_err(|e| transport_err(py, &e))
    }

    /// A client resumed from a session file.
    pub(crate) fn restore(
        &self,
        py: Python<'_>,
        path: PathBuf,
        api_url: &str,
        username: Option<String>,
        password: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Client> {
        let mut builder = self.builder(py, api_url)?;
        match (username, password) {
            (Some(u), Some(p)) => builder = builder.credentials(u, password_arg(p)?),
            (None, None) => {}
            _ => {
                return Err(invalid_input(
                    py,
                    "give both username and password, or neither",
                ));
            }
        }
        // Reading a small file: no need to release the GIL.
        Client::restore(path, builder).map_err(|e| transport_err(py, &e))
    }
}

fn duration(py: Python<'_>, what: &str, secs: f64) -> PyResult<Duration> {
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(invalid_input(
            py,
            format!("{what} must be a positive number of seconds"),
        )),
    }
}
