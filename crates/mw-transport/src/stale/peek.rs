//! The socket peek of [`Peek`] for hyper-rustls' streams over Tokio TCP.

use std::io;

use hyper_rustls::MaybeHttpsStream;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::Peek;

impl Peek for MaybeHttpsStream<TokioIo<TcpStream>> {
    fn kernel_has_news(&self) -> bool {
        match self {
            MaybeHttpsStream::Http(tcp) => peek(tcp.inner()),
            // Bytes rustls has not seen may be a TLS record that carries no
            // data; taking them for a close only costs a new connection.
            MaybeHttpsStream::Https(tls) => peek(tls.inner().get_ref().0.inner().inner()),
        }
    }
}

/// A non-blocking `MSG_PEEK` of one byte on a duplicate descriptor
/// (closing it leaves the connection open).
pub(super) fn peek(tcp: &TcpStream) -> bool {
    let Ok(socket) = duplicate(tcp) else {
        return false;
    };
    if socket.set_nonblocking(true).is_err() {
        return false;
    }
    match socket.peek(&mut [0u8; 1]) {
        Ok(_) => true, // 0: end of stream; 1: unsolicited bytes
        Err(e) => !matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ),
    }
}

#[cfg(unix)]
fn duplicate(tcp: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::fd::AsFd;
    tcp.as_fd().try_clone_to_owned().map(Into::into)
}

#[cfg(windows)]
fn duplicate(tcp: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::windows::io::AsSocket;
    tcp.as_socket().try_clone_to_owned().map(Into::into)
}

#[cfg(not(any(unix, windows)))]
fn duplicate(_: &TcpStream) -> io::Result<std::net::TcpStream> {
    Err(io::ErrorKind::Unsupported.into())
}
