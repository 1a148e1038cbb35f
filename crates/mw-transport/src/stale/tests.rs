//! The stream wrapper against a scripted stream, and the socket peek
//! against real loopback sockets.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use hyper::rt::{Read, ReadBufCursor, Write};

use super::peek::peek;
use super::{Checked, Peek, is_stale};

/// Reads come from a script (pending once it is empty); writes are kept.
#[derive(Default)]
struct Script {
    reads: VecDeque<io::Result<Vec<u8>>>,
    news: bool,
    written: Vec<u8>,
    reads_polled: usize,
}

impl Read for Script {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        self.reads_polled += 1;
        match self.reads.pop_front() {
            None => Poll::Pending,
            Some(Ok(bytes)) => {
                buf.put_slice(&bytes);
                Poll::Ready(Ok(()))
            }
            Some(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl Write for Script {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        b: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.extend_from_slice(b);
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Peek for Script {
    fn kernel_has_news(&self) -> bool {
        self.news
    }
}

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

fn write(s: &mut Checked<Script>, bytes: &[u8]) -> Poll<io::Result<usize>> {
    Pin::new(s).poll_write(&mut cx(), bytes)
}

fn flush(s: &mut Checked<Script>) {
    assert!(matches!(
        Pin::new(s).poll_flush(&mut cx()),
        Poll::Ready(Ok(()))
    ));
}

/// Reads once (as hyper reads an answer).
fn read(s: &mut Checked<Script>) -> Poll<io::Result<()>> {
    let mut space = [0u8; 256];
    let mut buf = hyper::rt::ReadBuf::new(&mut space);
    Pin::new(s).poll_read(&mut cx(), buf.unfilled())
}

/// A connection that sent a request and read its answer.
fn answered(then: Vec<io::Result<Vec<u8>>>, news: bool) -> Checked<Script> {
    let mut s = Checked::new(Script::default());
    assert!(matches!(
        write(&mut s, b"GET / HTTP/1.1\r\n\r\n"),
        Poll::Ready(Ok(18))
    ));
    flush(&mut s);
    s.inner
        .reads
        .push_back(Ok(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".to_vec()));
    assert!(read(&mut s).is_ready());
    assert!(read(&mut s).is_pending()); // idle, as hyper leaves it
    s.inner.reads.extend(then);
    s.inner.news = news;
    s.inner.written.clear();
    s
}

fn refused(s: &mut Checked<Script>) {
    match write(s, b"POST / HTTP/1.1\r\n") {
        Poll::Ready(Err(e)) => assert!(is_stale(&e), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(s.inner.written.is_empty(), "a byte was written");
}

#[test]
fn a_new_connection_writes_without_a_check() {
    let mut s = Checked::new(Script::default());
    assert!(matches!(write(&mut s, b"GET"), Poll::Ready(Ok(3))));
    assert_eq!(s.inner.reads_polled, 0);
}

#[test]
fn a_live_connection_takes_the_next_request() {
    let mut s = answered(Vec::new(), false);
    let polled = s.inner.reads_polled;
    assert!(matches!(write(&mut s, b"POST"), Poll::Ready(Ok(4))));
    assert_eq!(s.inner.reads_polled, polled + 1, "one read polled first");
    assert_eq!(s.inner.written, b"POST");
    // The rest of the same request is not checked again.
    assert!(matches!(write(&mut s, b" /"), Poll::Ready(Ok(2))));
    assert_eq!(s.inner.reads_polled, polled + 1);
}

#[test]
fn an_end_of_stream_refuses_the_next_request_and_all_later_writes() {
    let mut s = answered(vec![Ok(Vec::new())], false);
    refused(&mut s);
    refused(&mut s);
}

#[test]
fn unsolicited_bytes_or_an_error_refuse_the_next_request() {
    let timeout = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n".to_vec();
    refused(&mut answered(vec![Ok(timeout)], false));
    let reset = io::Error::from(io::ErrorKind::ConnectionReset);
    refused(&mut answered(vec![Err(reset)], false));
}

#[test]
fn a_close_only_the_kernel_knows_of_refuses_the_next_request() {
    // The read is pending (Tokio has not been told yet); the peek knows.
    refused(&mut answered(Vec::new(), true));
}

#[test]
fn a_request_written_in_part_before_an_answer_is_never_refused() {
    // A server may answer (and close) before it has read a whole request:
    // the rest of that request is written, never refused as unsent.
    let mut s = Checked::new(Script::default());
    assert!(matches!(
        write(&mut s, b"POST / HTTP/1.1\r\n"),
        Poll::Ready(Ok(_))
    ));
    s.inner
        .reads
        .push_back(Ok(b"HTTP/1.1 413 Too Large\r\n\r\n".to_vec()));
    s.inner.reads.push_back(Ok(Vec::new()));
    s.inner.news = true;
    assert!(read(&mut s).is_ready());
    assert!(matches!(write(&mut s, b"body"), Poll::Ready(Ok(4))));
}

#[test]
fn the_marker_is_found_through_wrapping_errors() {
    #[derive(Debug)]
    struct Outer(io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let stale = io::Error::new(io::ErrorKind::ConnectionAborted, super::StaleConnection);
    assert!(is_stale(&Outer(stale)));
    assert!(!is_stale(&Outer(io::Error::from(
        io::ErrorKind::ConnectionReset
    ))));
    let other = io::Error::other("connection closed before message completed");
    assert!(!is_stale(&Outer(other)));
}

#[tokio::test]
async fn the_peek_sees_a_close_and_nothing_on_a_live_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let client = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    assert!(!peek(&client), "an idle open connection");
    drop(server);
    for _ in 0..100 {
        if peek(&client) {
            // The peek took nothing: the socket still reads its end.
            let mut byte = [0u8; 1];
            client.readable().await.expect("readable");
            assert_eq!(client.try_read(&mut byte).expect("read"), 0);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the peek never saw the close");
}
