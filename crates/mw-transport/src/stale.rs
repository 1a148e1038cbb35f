//! Pooled connections that the server closed while they were idle.
//!
//! Servers close keep-alive connections after their own idle timeout
//! (Apache: 5 s), and some right after each answer without saying
//! `Connection: close`. hyper notices only when its connection task reads
//! the end of the stream, which Tokio reports only once its I/O driver has
//! run. A request handed to such a connection first is written, then fails
//! with "connection closed before message completed", unseen by the server.
//!
//! [`CheckStale`] wraps the connector. Its streams ([`Checked`]) sit above
//! TLS, so TLS records (such as TLS 1.3 session tickets) stay rustls'. When
//! a write begins a new request on a connection that has answered, the
//! stream polls a read once and, if that is pending, peeks the socket
//! (non-blocking `MSG_PEEK` on a duplicate descriptor). An end of stream,
//! an error or unsolicited bytes (an idle HTTP/1.1 server only sends
//! something, say a 408, as it closes) fail the write with
//! [`StaleConnection`] before any byte is written; `Http::hop` then sends
//! the request again, as it provably never left.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};

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

/// Whether `e` or one of its sources is [`StaleConnection`]
/// (`io::Error::source` skips the error it wraps: hence `get_ref`).
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
    /// Whether the kernel holds an end of stream, an error or unread bytes
    /// for the socket (`false` also when it cannot tell).
    fn kernel_has_news(&self) -> bool;
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

/// A stream that refuses to begin a request on a connection the server
/// has closed (see the module documentation).
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
    /// or is closing the connection. (A pending read registers the same
    /// task's waker, as hyper's own reads do.)
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

mod peek;
#[cfg(test)]
mod tests;
