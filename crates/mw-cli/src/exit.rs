//! The CLI's error type and its exit codes.

use mw_transport::Error;
use mw_transport::mw_protocol::Error as ProtocolError;

/// The exit codes of `mw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// Any other failure (a bad argument, unreadable input).
    Other = 1,
    // 2 is clap's usage error.
    /// The login was refused.
    Login = 3,
    /// The API answered with an error.
    Api = 4,
    /// The wiki could not be reached, timed out, or answered with an HTTP
    /// error or a body that is not an API response.
    Network = 5,
    /// The session file is unusable.
    SessionFile = 6,
    /// The session was lost and could not be restored.
    SessionLost = 7,
}

impl From<Code> for std::process::ExitCode {
    fn from(c: Code) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// Everything `mw` can fail with.
#[derive(Debug)]
pub enum CliError {
    /// From the client.
    Client(Error),
    /// A bad argument or input.
    Usage(String),
    /// Reading standard input or the terminal.
    Io(std::io::Error),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Client(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
            CliError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Client(e)
    }
}

impl From<ProtocolError> for CliError {
    fn from(e: ProtocolError) -> Self {
        CliError::Client(Error::Protocol(e))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

/// The exit code for an error.
pub fn classify(e: &CliError) -> Code {
    match e {
        CliError::Client(Error::Protocol(p)) => match p {
            ProtocolError::Api(_) => Code::Api,
            ProtocolError::Login { .. } => Code::Login,
            ProtocolError::SessionLost(_) => Code::SessionLost,
            ProtocolError::Http { .. }
            | ProtocolError::Decode(_)
            | ProtocolError::Transport(_)
            | ProtocolError::Timeout(_) => Code::Network,
            _ => Code::Other,
        },
        CliError::Client(Error::SessionFile { .. }) => Code::SessionFile,
        CliError::Client(_) | CliError::Usage(_) | CliError::Io(_) => Code::Other,
    }
}
