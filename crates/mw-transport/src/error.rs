//! The crate's error type.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong.
///
/// Messages never contain a token, a password or a cookie value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// What the protocol reported: an API error (`badtoken`, `readonly`,
    /// `maxlag` after the retries, …), a failed login, a lost session, an
    /// HTTP error status, an undecodable body, and the transport failures
    /// that the driver reported to it ([`mw_protocol::Error::Transport`],
    /// [`mw_protocol::Error::Timeout`]).
    #[error(transparent)]
    Protocol(#[from] mw_protocol::Error),
    /// The [`ClientBuilder`](crate::ClientBuilder) was given something
    /// unusable (no descriptive user agent, a bad URL, a zero timeout, …).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A session file could not be written or resumed.
    #[error("session file {}: {problem}", path.display())]
    SessionFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: SessionFileProblem,
    },
    /// The client was used outside a Tokio runtime, or the runtime shut
    /// down while an operation was running.
    #[error("no Tokio runtime to run the client's requests on")]
    NoRuntime,
}

/// What is wrong with a session file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionFileProblem {
    /// It could not be read (missing, a directory, no permission).
    #[error("cannot read it: {0}")]
    Unreadable(std::io::Error),
    /// It could not be written.
    #[error("cannot write it: {0}")]
    Unwritable(std::io::Error),
    /// It is not a session file of this crate, or it is truncated or
    /// damaged. The description says where, never what (the file holds
    /// secrets).
    #[error("not a valid session file: {0}")]
    Corrupt(String),
    /// It was written by a newer (or unknown) version of this crate.
    #[error("unsupported session file version {0}")]
    UnsupportedVersion(u64),
    /// It belongs to another wiki than the one the client was built for.
    #[error("it belongs to {found}, not to {expected}")]
    ForeignEndpoint {
        /// The `api.php` URL of the builder.
        expected: String,
        /// The `api.php` URL in the file.
        found: String,
    },
    /// Other users may read or write it (its mode has group or other
    /// bits): it holds the session's cookies and tokens, so it is refused.
    #[error("its permissions are {mode:04o}; it must not be accessible to other users (use 0600)")]
    Permissions {
        /// The file's permission bits.
        mode: u32,
    },
}

impl Error {
    /// The protocol error, when this is one.
    pub fn protocol(&self) -> Option<&mw_protocol::Error> {
        match self {
            Error::Protocol(e) => Some(e),
            _ => None,
        }
    }

    /// The API error code (`badtoken`, `readonly`, …), when this is an API
    /// error.
    pub fn code(&self) -> Option<&str> {
        self.protocol().and_then(mw_protocol::Error::code)
    }

    pub(crate) fn session_file(path: &std::path::Path, problem: SessionFileProblem) -> Self {
        Error::SessionFile {
            path: path.to_path_buf(),
            problem,
        }
    }
}
