//! Configuring a [`Client`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use mw_protocol::{Config, Password, Session, Token};
use url::Url;

use crate::client::Client;
use crate::cookies::Jar;
use crate::http::HttpSettings;
use crate::tls::{TlsChoice, TrustRoots};
use crate::{Error, Result};

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on a response body, compressed and decompressed: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The default cap on the idle keep-alive connections a connection pool
/// keeps per host; see [`ClientBuilder::max_idle_connections`].
pub const DEFAULT_MAX_IDLE_CONNECTIONS: usize = 64;

/// Builds a [`Client`]. A descriptive user agent is required.
///
/// ```
/// use std::time::Duration;
/// let client = mw_transport::Client::builder("https://test.wikipedia.org/w/api.php")
///     .user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)")
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), mw_transport::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    api_url: String,
    user_agent: Option<String>,
    config: Option<Config>,
    timeout: Duration,
    connect_timeout: Duration,
    max_body_bytes: usize,
    max_idle: usize,
    bearer: Option<Token>,
    credentials: Option<(String, Password)>,
    tls: TlsChoice,
    record_requests: bool,
}

/// A validated builder.
pub(crate) struct Parts {
    pub endpoint: Url,
    pub config: Config,
    pub credentials: Option<(String, Password)>,
    pub http: HttpSettings,
    pub record_requests: bool,
}

impl ClientBuilder {
    pub(crate) fn new(api_url: impl Into<String>) -> Self {
        ClientBuilder {
            api_url: api_url.into(),
            user_agent: None,
            config: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_idle: DEFAULT_MAX_IDLE_CONNECTIONS,
            bearer: None,
            credentials: None,
            tls: TlsChoice::default(),
            record_requests: false,
        }
    }

    /// The `User-Agent` of every request (required). Wikimedia's policy
    /// asks for a name, a version and contact information, such as
    /// `MyBot/1.0 (https://example.org/mybot; mybot@example.org)`. A blank
    /// one, or an HTTP library's default (`curl/8.0`, `python-requests/2`,
    /// …), is refused by [`build`](Self::build). Overrides the user agent
    /// of [`config`](Self::config).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The protocol's configuration: `assert`, `maxlag`, the retry policy,
    /// relogin (default: [`Config::new`] with the user agent).
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// The longest one request may take, from sending it to the last byte
    /// of its body, redirects included (default 30 s). A request that
    /// takes longer fails with [`mw_protocol::Error::Timeout`]; it is not
    /// retried (a POST may have reached the server).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest a TCP connection may take to open (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest response body accepted, both as received and after
    /// gzip decompression (default 16 MiB). A larger one fails the request
    /// with a transport error.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The most idle keep-alive connections kept open per host (scheme,
    /// host and port) for reuse (default
    /// [`DEFAULT_MAX_IDLE_CONNECTIONS`]); a connection returned to a full
    /// pool is closed. `0` keeps none: every request opens a connection.
    ///
    /// The pool is shared: the clients of a process that run on the same
    /// Tokio runtime and have the same TLS settings (the default ones, or
    /// the same [roots](Self::trust_roots) and
    /// [CA files](Self::add_ca_file); never a
    /// [`tls_config`](Self::tls_config) of another client's), the same
    /// connect timeout and the same cap use one pool. A wiki's session is
    /// in each client's cookies, which stay the client's own, not in its
    /// connections: 10,000 clients of one wiki hold at most this many idle
    /// connections to it, not 10,000. An idle connection is closed after
    /// 4 s in any case.
    pub fn max_idle_connections(mut self, max: usize) -> Self {
        self.max_idle = max;
        self
    }

    /// An OAuth 2 access token (an owner-only consumer's), sent as
    /// `Authorization: Bearer …` to the wiki's own host (over HTTPS, or to
    /// exactly the endpoint's origin). No login is needed with it.
    pub fn bearer_token(mut self, token: Token) -> Self {
        self.bearer = Some(token);
        self
    }

    /// The credentials to log in again with when the wiki forgets a
    /// session (for a client made by [`Client::restore`], which has no
    /// credentials of its own). Building does not log in.
    pub fn credentials(mut self, username: impl Into<String>, password: Password) -> Self {
        self.credentials = Some((username.into(), password));
        self
    }

    /// Also trusts the certificate authorities in a PEM file (one or more
    /// `-----BEGIN CERTIFICATE-----` blocks), on top of the
    /// [roots](Self::trust_roots): for a wiki whose certificate a private
    /// CA signed. Each call adds a file. The file is read by
    /// [`build`](Self::build), which fails with [`Error::InvalidConfig`] if
    /// it cannot be read or holds no usable certificate.
    ///
    /// Without the CA, connecting fails with a
    /// [`mw_protocol::Error::Transport`] saying that the certificate's
    /// issuer is unknown (`UnknownIssuer`).
    ///
    /// ```no_run
    /// let client = mw_transport::Client::builder("https://wiki.internal.example/w/api.php")
    ///     .user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)")
    ///     .add_ca_file("/etc/ssl/private-ca.pem")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), mw_transport::Error>(())
    /// ```
    pub fn add_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls.ca_files.push(path.into());
        self
    }

    /// Which certificate authorities to trust: [`TrustRoots::Mozilla`]
    /// (the default: the roots of `webpki-roots`, compiled in) or
    /// [`TrustRoots::System`] (the operating system's store, read by
    /// [`build`](Self::build); `SSL_CERT_FILE`/`SSL_CERT_DIR` instead when
    /// set). CA files added with [`add_ca_file`](Self::add_ca_file) are
    /// trusted on top of either.
    pub fn trust_roots(mut self, roots: TrustRoots) -> Self {
        self.tls.roots = roots;
        self
    }

    /// A TLS configuration to use instead of the default (rustls with
    /// `ring` and the Mozilla roots of `webpki-roots`): for client
    /// certificates, pinned roots, other protocol versions. It cannot be
    /// combined with [`trust_roots`](Self::trust_roots) or
    /// [`add_ca_file`](Self::add_ca_file) (building fails): its roots are
    /// its own. Its `alpn_protocols` must be empty (building fails
    /// otherwise): the client sets them. A client with its own
    /// configuration has a connection pool of its own too (see
    /// [`max_idle_connections`](Self::max_idle_connections)).
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls.config = Some(config);
        self
    }

    /// Test support: remember a summary of every request (method, host,
    /// action; never a secret) for [`Client::request_log`].
    #[doc(hidden)]
    pub fn record_requests(mut self, on: bool) -> Self {
        self.record_requests = on;
        self
    }

    /// Builds the client. Fails with [`Error::InvalidConfig`] without a
    /// descriptive user agent, with an endpoint that is not an http(s)
    /// URL, a zero timeout or body cap, an unusable CA file, or a TLS
    /// set-up error. Needs no runtime; the client's methods need a Tokio
    /// runtime with its time driver (`#[tokio::main]`, or
    /// `Builder::enable_all`).
    pub fn build(self) -> Result<Client> {
        let parts = self.validate()?;
        let session = Session::new(parts.endpoint.as_str(), parts.config.clone())?;
        Client::from_parts(parts, session, Jar::new())
    }

    /// Resumes a saved session; see [`Client::restore`].
    pub fn restore(self, path: impl AsRef<Path>) -> Result<Client> {
        Client::restore(path, self)
    }

    pub(crate) fn validate(self) -> Result<Parts> {
        let endpoint = mw_protocol::request::parse_endpoint(&self.api_url)
            .map_err(|e| Error::InvalidConfig(e.to_string()))?;
        let mut config = self.config.unwrap_or_else(|| Config::new(String::new()));
        if let Some(ua) = self.user_agent {
            config.user_agent = ua;
        }
        config.user_agent = config.user_agent.trim().to_owned();
        check_user_agent(&config.user_agent)?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::InvalidConfig(
                "timeouts must be longer than zero".into(),
            ));
        }
        if self.max_body_bytes == 0 {
            return Err(Error::InvalidConfig(
                "the body size cap must be larger than zero".into(),
            ));
        }
        let http = HttpSettings {
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_body_bytes: self.max_body_bytes,
            bearer: self.bearer,
            endpoint: endpoint.clone(),
            tls: self.tls.resolve().map_err(Error::InvalidConfig)?,
            max_idle: self.max_idle,
        };
        Ok(Parts {
            endpoint,
            config,
            credentials: self.credentials,
            http,
            record_requests: self.record_requests,
        })
    }
}

fn check_user_agent(ua: &str) -> Result<()> {
    mw_protocol::check_user_agent(ua).map_err(|e| match e {
        mw_protocol::Error::InvalidInput(m) => Error::InvalidConfig(m),
        other => Error::InvalidConfig(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_needs_a_user_agent_and_a_good_url() {
        let err = Client::builder("https://w.example/w/api.php").build();
        assert!(matches!(err, Err(Error::InvalidConfig(m)) if m.contains("user agent")));
        let err = Client::builder("https://w.example/w/api.php")
            .user_agent("   ")
            .build();
        assert!(matches!(err, Err(Error::InvalidConfig(_))));
        let err = Client::builder("ftp://w.example/api.php")
            .user_agent("t/1 (t@example.org)")
            .build();
        assert!(matches!(err, Err(Error::InvalidConfig(_))));
        let ok = Client::builder("https://w.example/w/api.php")
            .config(Config::new("t/1 (t@example.org)"))
            .build();
        assert!(ok.is_ok());
        let err = Client::builder("https://w.example/w/api.php")
            .user_agent("t/1 (t@example.org)")
            .timeout(Duration::ZERO)
            .build();
        assert!(matches!(err, Err(Error::InvalidConfig(_))));
    }
}
