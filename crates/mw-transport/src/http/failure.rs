//! Why an exchange failed, and how an error of hyper or the OS is read:
//! a timeout, a lost connection, or anything else.

use std::time::Duration;

/// Why an exchange failed, for `Session::handle_transport_failure`.
#[derive(Debug)]
pub(crate) enum Failure {
    Timeout(String),
    Transport(String),
    /// The connection closed or was reset before an answer came.
    Disconnected(String),
}

impl Failure {
    pub fn into_protocol(self) -> mw_protocol::TransportFailure {
        use mw_protocol::TransportFailure as F;
        match self {
            Failure::Timeout(m) => F::Timeout(m),
            Failure::Transport(m) => F::Other(m),
            Failure::Disconnected(m) => F::Disconnected(m),
        }
    }
}

pub(crate) fn transport(msg: impl Into<String>) -> Failure {
    Failure::Transport(msg.into())
}

/// The connection closed or was reset before an answer came: hyper's
/// incomplete message, or a reset, abort, broken pipe or early end of
/// stream anywhere in the chain.
pub(crate) fn disconnected(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(h) = err.downcast_ref::<hyper::Error>()
            && h.is_incomplete_message()
        {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        current = err.source();
    }
    false
}

/// A timeout anywhere in the chain.
pub(crate) fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        current = err.source();
    }
    false
}

/// An error and its sources, `: `-joined.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut current = e.source();
    while let Some(err) = current {
        let part = err.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = err.source();
    }
    text
}

/// A duration for messages: `30 s`, `1.500 s`.
pub(crate) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.3} s", d.as_secs_f64())
    }
}
