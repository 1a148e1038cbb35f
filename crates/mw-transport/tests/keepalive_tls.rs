//! Pooled HTTPS keep-alive connections that the server closes (with a TLS
//! close_notify, then a FIN) while they idle in the pool, and HTTPS
//! connections it keeps open: the stale check sits above TLS, so that TLS
//! 1.3 session tickets are rustls' and never taken for a close
//! (docs/reliability.md, "Pooled connections").

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

mod seed;
use seed::double::{BOT, BOT_PASSWORD, Close, Server};
use seed::{Idle, Target, runtime};

use mw_test_support::tls_data::{CA_PEM as CA, CERT_PEM as CERT, KEY_PEM as KEY};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let cert = CertificateDer::from_pem_slice(CERT.as_bytes()).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    // rustls' default: two TLS 1.3 session tickets after each handshake.
    assert_eq!(config.send_tls13_tickets, 2);
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn client_tls() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(CA.as_bytes()).expect("CA"))
        .expect("root");
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

const RUNS: usize = 20;

fn runs(server: &Server, multi_thread: bool, idle: impl Fn(usize) -> [Idle; 4]) {
    let api = server.api();
    let to = Target {
        api: &api,
        user: BOT,
        password: BOT_PASSWORD,
        tls: Some(client_tls()),
    };
    seed::runs(&to, &runtime(multi_thread), RUNS, idle);
    assert_eq!(server.requests().len(), RUNS * 5);
}

#[test]
fn https_connections_kept_open_are_reused_despite_session_tickets() {
    let server = Server::start(Some(acceptor()), Close::Never);
    let gap = Idle::Blocked(Duration::from_millis(20));
    runs(&server, false, |_| [Idle::No, gap, gap, gap]);
    // One connection per flow: no ticket was taken for a close.
    assert_eq!(server.connections.load(Ordering::SeqCst), RUNS);
}

#[test]
fn an_https_server_closing_after_every_answer_never_fails_a_flow() {
    let server = Server::start(Some(acceptor()), Close::AfterAnswer);
    runs(&server, true, |_| [Idle::No; 4]);
}

#[test]
fn an_https_server_closing_50_ms_after_each_answer_never_fails_a_blocking_flow() {
    let server = Server::start(Some(acceptor()), Close::WhenIdle(Duration::from_millis(50)));
    let gap = Idle::Blocked(Duration::from_millis(100));
    runs(&server, false, |_| [Idle::No, gap, gap, gap]);
}
