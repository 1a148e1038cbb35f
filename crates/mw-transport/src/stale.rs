//! Pooled connections that the server closed while they were idle.
//!
//! A keep-alive connection waits in hyper-util's pool between requests.
//! Servers close such connections when they have idled for their own
//! keep-alive timeout (Apache: 5 s), and some close every connection right
//! after its answer without saying `Connection: close` (PHP's built-in
//! server behind some proxies). hyper notices the close only when its
//! connection task reads the end of the stream, and Tokio reports that a
//! socket became readable only when its I/O driver has run since. When the
//! next request is handed to such a connection first, hyper writes it, then
//! reads the end of the stream and fails the request with "connection
//! closed before message completed", although the server never saw it.
//!
//! [`CheckStale`] wraps the connector; its streams ([`Checked`]) sit above
//! TLS, so TLS records (such as TLS 1.3 session tickets) are rustls' and
//! never taken for HTTP data. When a write begins a new request on a
//! connection that has answered before, the stream first polls a read once
//! and, if that is pending, asks the kernel with a non-blocking `MSG_PEEK`
//! on (a duplicate of) the socket. An end of stream, a read error, or bytes
//! nobody asked for (an idle HTTP/1.1 server only sends something, say a
//! 408, when it closes) make the write fail with [`StaleConnection`]
//! before a single byte of the request is written. `Http::hop` then sends
//! the same request again, which is safe because it provably never left.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_rustls::MaybeHttpsStream;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The error inside the `io::Error` of a write refused on a connection the
/// server has closed or is closing: no byte of the request was written.
#[derive(Debug)]
pub(crate) struct StaleConnection;

impl std::fmt::Display for StaleConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server closed the idle pooled connection; the request was not sent")
    }
}

impl std::error::Error for StaleConnection {}

/// Whether `e` or one of its sources is a write refused with
/// [`StaleConnection`]. (`io::Error::source` skips the error it wraps, so
/// each `io::Error` of the chain is opened with `get_ref`.)
pub(crate) fn is_stale(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(err) = current {
        if err.is::<StaleConnection>() {
            return true;
        }
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(io::Error::get_ref)
            && inner.is::<StaleConnection>()
        {
            return true;
        }
        current = err.source();
    }
    false
}

/// A stream whose socket the kernel can be asked about.
pub(crate) trait Peek {
    /// Whether the kernel holds an end of stream, an error or bytes for the
    /// socket that have not been read. `false` when it holds nothing, and
    /// when it cannot tell.
    fn kernel_has_news(&self) -> bool;
}

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

/// A non-blocking `MSG_PEEK` of one byte on a duplicate of the socket's
/// descriptor (closing the duplicate leaves the connection open).
fn peek(tcp: &TcpStream) -> bool {
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

/// A connector whose connections check, before each new request on a
/// reused connection, that the server has not closed it.
#[derive(Clone, Debug)]
pub(crate) struct CheckStale<C>(pub C);

impl<C> tower_service::Service<Uri> for CheckStale<C>
where
    C: tower_service::Service<Uri>,
    C::Future: Unpin,
{
    type Response = Checked<C::Response>;
    type Error = C::Error;
    type Future = Connecting<C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Connecting(self.0.call(uri))
    }
}

/// The connect future of [`CheckStale`].
pub(crate) struct Connecting<F>(F);

impl<F, T, E> Future for Connecting<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
{
    type Output = Result<Checked<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map_ok(Checked::new)
    }
}

/// Where a connection is in its request/answer cycle, as seen from its I/O.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Bytes were written and hyper's buffer may not be empty yet.
    Writing,
    /// hyper flushed (its buffer is empty: the request went whole).
    Flushed,
    /// After a flush, a read completed (an answer, an end or an error):
    /// the next write begins a new request.
    Answered,
    /// The check failed: every write fails.
    Stale,
}

/// A connection's stream that refuses to begin a request on a connection
/// the server has closed (see the module documentation).
#[derive(Debug)]
pub(crate) struct Checked<T> {
    inner: T,
    phase: Phase,
}

impl<T> Checked<T> {
    fn new(inner: T) -> Checked<T> {
        Checked {
            inner,
            phase: Phase::Flushed,
        }
    }
}

impl<T: Read + Peek + Unpin> Checked<T> {
    /// Before the first write of a new request: `Err` if the server closed
    /// or is closing the connection. Polls with the write's context, so a
    /// pending read only registers the connection task's waker once more.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if self.phase == Phase::Answered {
            let mut scratch = [0u8; 64];
            let mut buf = ReadBuf::new(&mut scratch);
            let closing = match Pin::new(&mut self.inner).poll_read(cx, buf.unfilled()) {
                Poll::Ready(_) => true, // an end, an error or unsolicited bytes
                Poll::Pending => self.inner.kernel_has_news(),
            };
            self.phase = if closing {
                Phase::Stale
            } else {
                Phase::Writing
            };
        }
        if self.phase == Phase::Stale {
            tracing::debug!("the server closed an idle pooled connection; not writing to it");
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                StaleConnection,
            ));
        }
        Ok(())
    }

    fn wrote(&mut self, result: &Poll<io::Result<usize>>) {
        if let Poll::Ready(Ok(n)) = result
            && *n > 0
        {
            self.phase = Phase::Writing;
        }
    }
}

impl<T: Read + Unpin> Read for Checked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if result.is_ready() && self.phase == Phase::Flushed {
            self.phase = Phase::Answered;
        }
        result
    }
}

impl<T: Read + Write + Peek + Unpin> Write for Checked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Pin::new(&mut self.inner).poll_write(cx, buf);
        }
        self.check(cx)?;
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        }
        self.check(cx)?;
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_flush(cx);
        if matches!(result, Poll::Ready(Ok(()))) && self.phase == Phase::Writing {
            self.phase = Phase::Flushed;
        }
        result
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<T: Connection> Connection for Checked<T> {
    fn connected(&self) -> Connected {
        self.inner.connected()
    }
}
