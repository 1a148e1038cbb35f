//! A loopback HTTP/1.1 server (hyper) that answers every request with what
//! a closure returns: the test doubles of mw-transport and the fast server
//! of mw-bench.
//!
//! The closure gets the whole request, body collected, and returns a
//! future of the response, so a double can log the request and decide at
//! once, then wait before it answers:
//!
//! ```no_run
//! # async fn example() {
//! use mw_test_support::server::{Response, Server, replay};
//! use mw_test_support::fixture;
//!
//! let login_token = replay(&fixture::load("tokens/mw139-anon-login-fv2.http").response);
//! let server = Server::start("127.0.0.1", move |_request| {
//!     std::future::ready(login_token.clone())
//! })
//! .await;
//! let api = server.api(); // http://127.0.0.1:PORT/w/api.php
//! # }
//! ```
//!
//! [`Server::start`] binds a free port and serves from a task of the
//! current Tokio runtime, until that runtime ends; [`serve`] runs the same
//! server on a listener of the caller's (a chosen port, or answers that
//! close the connection).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The body type of [`Request`] and [`Response`] (hyper's, from the
/// `bytes` crate): cheap to clone, so a recorded answer can be sent again
/// and again.
pub use hyper::body::Bytes;

/// A request as the server's closure gets it: the body read to its end.
pub type Request = http::Request<Bytes>;

/// What the server's closure answers.
pub type Response = http::Response<Bytes>;

/// A server on a loopback address, started with [`Server::start`]; it keeps
/// serving after this handle is dropped.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    addr: SocketAddr,
}

impl Server {
    /// Binds a free port of `ip` (`"127.0.0.1"`, or `"127.0.0.2"` for a
    /// second host) and serves `answer` there with keep-alive connections,
    /// from a task of the current Tokio runtime. Panics if it cannot bind.
    pub async fn start<F, A>(ip: &str, answer: F) -> Server
    where
        F: Fn(Request) -> A + Send + Sync + 'static,
        A: Future<Output = Response> + Send + 'static,
    {
        let listener = TcpListener::bind((ip, 0))
            .await
            .unwrap_or_else(|e| panic!("cannot bind {ip}: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no address for {ip}: {e}"));
        tokio::spawn(serve(listener, Connections::KeepAlive, answer));
        Server { addr }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its `http://ADDR/w/api.php` URL.
    pub fn api(&self) -> String {
        format!("http://{}/w/api.php", self.addr)
    }
}

/// What the server does with a connection after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    /// Keeps it open for the next request (HTTP/1.1's default).
    KeepAlive,
    /// Answers with `Connection: close` and closes it.
    CloseAfterAnswer,
}

/// Serves `answer` on `listener` until accepting fails: each connection in
/// its own task (`TCP_NODELAY` set), each request answered by `answer`
/// once its body has been read (a body that breaks off counts as empty).
pub async fn serve<F, A>(listener: TcpListener, connections: Connections, answer: F)
where
    F: Fn(Request) -> A + Send + Sync + 'static,
    A: Future<Output = Response> + Send + 'static,
{
    let answer = Arc::new(answer);
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        let answer = Arc::clone(&answer);
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<Incoming>| {
                let answer = Arc::clone(&answer);
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let response = answer(Request::from_parts(parts, body)).await;
                    Ok::<_, Infallible>(response.map(Full::new))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(connections == Connections::KeepAlive)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A recorded response (a [`fixture`](crate::fixture)'s) as the server
/// sends it again: its status, its headers but `Content-Length` (hyper
/// writes the length of the body it sends), each name's values in their
/// recorded order, and its body; HTTP/1.1 whatever the recording said.
pub fn replay(recorded: &http::Response<Vec<u8>>) -> Response {
    let mut response = Response::new(Bytes::copy_from_slice(recorded.body()));
    *response.status_mut() = recorded.status();
    for (name, value) in recorded.headers() {
        if name != http::header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Sends one request over a new connection and reads until the server
    /// closes it.
    async fn exchange(addr: SocketAddr, request: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("request");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("answer");
        String::from_utf8_lossy(&answer).to_ascii_lowercase()
    }

    #[tokio::test]
    async fn answers_with_the_closure_and_its_own_content_length() {
        let mut recorded = http::Response::new(b"{\"ok\":1}".to_vec());
        *recorded.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
        let headers = recorded.headers_mut();
        headers.insert("content-length", http::HeaderValue::from_static("999"));
        headers.append("set-cookie", http::HeaderValue::from_static("a=1"));
        headers.append("set-cookie", http::HeaderValue::from_static("b=2"));
        let reply = replay(&recorded);
        let server = Server::start("127.0.0.1", move |request: Request| {
            let mut reply = reply.clone();
            reply.headers_mut().insert(
                "x-seen",
                http::HeaderValue::from_bytes(request.body()).expect("value"),
            );
            std::future::ready(reply)
        })
        .await;
        assert!(server.api().starts_with("http://127.0.0.1:"));
        let answer = exchange(
            server.addr(),
            "POST /w/api.php HTTP/1.1\r\nhost: x\r\ncontent-length: 9\r\n\
             connection: close\r\n\r\naction=go",
        )
        .await;
        assert!(answer.starts_with("http/1.1 429 "), "{answer}");
        assert!(answer.contains("content-length: 8\r\n"), "{answer}");
        assert!(!answer.contains("999"), "{answer}");
        assert!(answer.contains("set-cookie: a=1\r\nset-cookie: b=2\r\n"));
        assert!(answer.contains("x-seen: action=go\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n{\"ok\":1}"), "{answer}");
    }

    #[tokio::test]
    async fn close_after_answer_says_so_and_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener, Connections::CloseAfterAnswer, |_| {
            std::future::ready(Response::new(Bytes::from_static(b"{}")))
        }));
        // A keep-alive request: the server closes anyway, or this never ends.
        let answer = exchange(addr, "GET /w/api.php HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert!(answer.contains("connection: close\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n{}"), "{answer}");
    }
}
