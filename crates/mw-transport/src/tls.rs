//! Which certificate authorities a client trusts: the Mozilla roots (the
//! default), or the system's store, and extra CA files on top of either.
//! [`ClientBuilder::tls_config`](crate::ClientBuilder::tls_config) replaces
//! all of this with a configuration of the caller's.
//!
//! A configuration is shared by every client that asked for the same
//! roots and CA files (the default one by all clients of the process), so
//! that they can share a connection pool (`http/pool.rs`) and a TLS session
//! cache; a caller's own configuration is never shared with another
//! client (clones aside).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use hyper_rustls::ConfigBuilderExt;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{self, PemObject};

/// The certificate authorities whose certificates a client accepts for
/// HTTPS, before any CA file added with
/// [`ClientBuilder::add_ca_file`](crate::ClientBuilder::add_ca_file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The Mozilla roots compiled into the crate (`webpki-roots`): the
    /// same on every machine, and no file is read. The default.
    #[default]
    Mozilla,
    /// The operating system's store, read when the client is built
    /// (`rustls-native-certs`): on Linux the distribution's bundle (found
    /// where OpenSSL looks, such as `/etc/ssl/certs/ca-certificates.crt`),
    /// on macOS the keychains, on Windows the system store. As with
    /// OpenSSL, the environment variables `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR`, when set, are read instead of it.
    System,
}

/// What a builder was told about TLS.
#[derive(Debug, Default)]
pub(crate) struct TlsChoice {
    pub roots: TrustRoots,
    pub ca_files: Vec<PathBuf>,
    pub config: Option<rustls::ClientConfig>,
}

impl TlsChoice {
    /// The configuration to build the client with: the process's shared
    /// default (Mozilla roots, no CA file), the shared one of the same
    /// roots and CA files, or the caller's own. Reads the CA files (and
    /// the system's store), so that a missing or unusable one fails the
    /// build.
    pub fn resolve(self) -> Result<Arc<rustls::ClientConfig>, String> {
        if let Some(config) = self.config {
            if self.roots != TrustRoots::Mozilla || !self.ca_files.is_empty() {
                return Err(
                    "a custom TLS configuration (tls_config) cannot be combined \
                            with trust_roots or add_ca_file: put the roots in it"
                        .into(),
                );
            }
            // hyper-rustls sets ALPN itself, and panics on a configuration
            // that has some: refused here, when the client is built, not
            // when its first connection is opened.
            if !config.alpn_protocols.is_empty() {
                return Err("a custom TLS configuration (tls_config) must leave \
                            alpn_protocols empty: the client sets it (HTTP/1.1)"
                    .into());
            }
            return Ok(Arc::new(config));
        }
        if self.roots == TrustRoots::Mozilla && self.ca_files.is_empty() {
            return default_config();
        }
        let files = self
            .ca_files
            .iter()
            .map(|path| read_ca_file(path).map(|certs| (path.as_path(), certs)))
            .collect::<Result<Vec<_>, _>>()?;
        let certs: Vec<CertificateDer<'static>> =
            files.iter().flat_map(|(_, c)| c.iter().cloned()).collect();
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        shared.retain(|s| s.config.strong_count() > 0);
        if let Some(config) = shared
            .iter()
            .find(|s| s.roots == self.roots && s.certs == certs)
            .and_then(|s| s.config.upgrade())
        {
            return Ok(config);
        }
        let mut roots = match self.roots {
            TrustRoots::Mozilla => mozilla_roots(),
            TrustRoots::System => system_roots()?,
        };
        for (path, certs) in files {
            add_certs(&mut roots, path, certs)?;
        }
        let config = Arc::new(config_with(roots)?);
        shared.push(Shared {
            roots: self.roots,
            certs,
            config: Arc::downgrade(&config),
        });
        Ok(config)
    }
}

/// A configuration of other roots than the default, shared by the clients
/// that asked for the same (while one of them holds it).
struct Shared {
    roots: TrustRoots,
    certs: Vec<CertificateDer<'static>>,
    config: Weak<rustls::ClientConfig>,
}

static SHARED: Mutex<Vec<Shared>> = Mutex::new(Vec::new());

/// The default settings: ring and the Mozilla roots, built once per
/// process and shared by every client that has no roots of its own (the
/// root store and the provider are immutable; about 16 KiB per client
/// otherwise; the session cache is rustls' default one, of 256 servers).
fn default_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static DEFAULT: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map(|b| Arc::new(b.with_webpki_roots().with_no_client_auth()))
            .map_err(|e| format!("cannot set up TLS: {e}"))
        })
        .clone()
}

fn mozilla_roots() -> RootCertStore {
    webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect()
}

/// The system's store, read once per process (reading and parsing it takes
/// a few milliseconds; rustls-native-certs advises calling it sparingly).
fn system_roots() -> Result<RootCertStore, String> {
    static SYSTEM: OnceLock<Result<RootCertStore, String>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            let (_, unusable) = roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                let why = match found.errors.first() {
                    Some(e) => format!(": {e}"),
                    None => String::new(),
                };
                return Err(format!(
                    "the system's trust store has no usable certificate{why}"
                ));
            }
            tracing::debug!(
                roots = roots.len(),
                unusable,
                errors = found.errors.len(),
                "read the system's trust store"
            );
            Ok(roots)
        })
        .clone()
}

/// The certificates of a PEM file; it must hold at least one.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<_, _>>())
        .map_err(|e| match e {
            pem::Error::Io(io) => format!("CA file {shown}: cannot read it: {io}"),
            other => format!("CA file {shown}: not a PEM certificate file: {other}"),
        })?;
    if certs.is_empty() {
        return Err(format!(
            "CA file {shown}: no certificate in it (a PEM file with \
             -----BEGIN CERTIFICATE----- blocks is expected)"
        ));
    }
    Ok(certs)
}

/// Adds the certificates of a CA file; each must be one rustls can use as
/// a trust anchor.
fn add_certs(
    roots: &mut RootCertStore,
    path: &Path,
    certs: Vec<CertificateDer<'static>>,
) -> Result<(), String> {
    for (i, cert) in certs.into_iter().enumerate() {
        roots.add(cert).map_err(|e| {
            format!(
                "CA file {}: certificate {} is unusable: {e}",
                path.display(),
                i + 1
            )
        })?;
    }
    Ok(())
}

/// Adds every certificate of a PEM file.
#[cfg(test)]
fn add_ca_file(roots: &mut RootCertStore, path: &Path) -> Result<(), String> {
    add_certs(roots, path, read_ca_file(path)?)
}

/// The default settings (ring, TLS 1.2 and 1.3, rustls' session cache)
/// with these roots.
fn config_with(roots: RootCertStore) -> Result<rustls::ClientConfig, String> {
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("cannot set up TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// What to say when a connection failed on a certificate whose issuer the
/// client does not trust (rustls' `UnknownIssuer`, found anywhere in the
/// error's chain, also inside `io::Error`s wrapping each other, as
/// tokio-rustls and hyper-rustls wrap it).
pub(crate) fn unknown_issuer(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    match rustls_error(e) {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            Some(UNKNOWN_ISSUER)
        }
        _ => None,
    }
}

fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    // `io::Error::source` skips the error it wraps: look inside.
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .and_then(|inner| rustls_error(inner))
    {
        return Some(inner);
    }
    e.source().and_then(rustls_error)
}

const UNKNOWN_ISSUER: &str = "invalid peer certificate: UnknownIssuer: the server's certificate \
    issuer is unknown (no trusted certificate authority signed it). For a wiki behind a private \
    CA, trust that CA's PEM file (Rust: ClientBuilder::add_ca_file; Python: ca_file=...; \
    mw: --ca-file or SSL_CERT_FILE), or the system's trust store (TrustRoots::System; \
    mw: --system-roots)";

#[cfg(test)]
mod tests;
