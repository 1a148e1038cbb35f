//! A TCP proxy in front of a wiki that keeps every byte in each direction,
//! and the session cookies read from what the wiki sent.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy in front of the wiki that keeps every byte in each
/// direction.
#[derive(Clone, Default)]
pub struct Tap {
    sent: Arc<Mutex<Vec<u8>>>,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    fn text(buf: &Mutex<Vec<u8>>) -> String {
        String::from_utf8_lossy(&buf.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
    pub fn sent(&self) -> String {
        Self::text(&self.sent)
    }
    pub fn received(&self) -> String {
        Self::text(&self.received)
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    log: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = [0u8; 16384];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(&buf[..n]);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

pub async fn tap(upstream: String) -> (String, Tap) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tap = Tap::default();
    let t = tap.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pipe(cr, sw, Arc::clone(&t.sent)));
            tokio::spawn(pipe(sr, cw, Arc::clone(&t.received)));
        }
    });
    (addr.to_string(), tap)
}

/// The values of every `Set-Cookie` the wiki sent.
pub fn cookie_values(received: &str) -> Vec<String> {
    received
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            if !name.eq_ignore_ascii_case("set-cookie") {
                return None;
            }
            let pair = value.trim().split(';').next()?;
            let (_, v) = pair.split_once('=')?;
            (v.len() >= 8 && v != "deleted").then(|| v.to_owned())
        })
        .collect()
}
