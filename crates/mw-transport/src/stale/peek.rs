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

/// A `MSG_PEEK` of one byte on the connection's own socket, which Tokio
/// keeps non-blocking: one system call (a duplicate descriptor, made
/// non-blocking and closed again, took four more per request).
#[cfg(any(unix, windows))]
pub(super) fn peek(tcp: &TcpStream) -> bool {
    let socket = socket2::SockRef::from(tcp);
    match socket.peek(&mut [std::mem::MaybeUninit::<u8>::uninit(); 1]) {
        Ok(_) => true, // 0: end of stream; 1: unsolicited bytes
        Err(e) => !matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ),
    }
}

#[cfg(not(any(unix, windows)))]
pub(super) fn peek(_: &TcpStream) -> bool {
    false
}
