//! Which certificate authorities a client trusts: the Mozilla roots (the
//! default), or the system's store, and extra CA files on top of either.
//! [`ClientBuilder::tls_config`](crate::ClientBuilder::tls_config) replaces
//! all of this with a configuration of the caller's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{self, PemObject};

use crate::http::TLS_RESUMPTION_SERVERS;

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
    /// The configuration to build the client with; `None` for the shared
    /// default (Mozilla roots, no CA file). Reads the CA files (and the
    /// system's store), so that a missing or unusable one fails the build.
    pub fn resolve(self) -> Result<Option<rustls::ClientConfig>, String> {
        if let Some(config) = self.config {
            if self.roots != TrustRoots::Mozilla || !self.ca_files.is_empty() {
                return Err(
                    "a custom TLS configuration (tls_config) cannot be combined \
                            with trust_roots or add_ca_file: put the roots in it"
                        .into(),
                );
            }
            return Ok(Some(config));
        }
        if self.roots == TrustRoots::Mozilla && self.ca_files.is_empty() {
            return Ok(None);
        }
        let mut roots = match self.roots {
            TrustRoots::Mozilla => mozilla_roots(),
            TrustRoots::System => system_roots()?,
        };
        for path in &self.ca_files {
            add_ca_file(&mut roots, path)?;
        }
        config_with(roots).map(Some)
    }
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

/// Adds every certificate of a PEM file. The file must hold at least one,
/// and each must be a certificate rustls can use as a trust anchor.
fn add_ca_file(roots: &mut RootCertStore, path: &Path) -> Result<(), String> {
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
    for (i, cert) in certs.into_iter().enumerate() {
        roots
            .add(cert)
            .map_err(|e| format!("CA file {shown}: certificate {} is unusable: {e}", i + 1))?;
    }
    Ok(())
}

/// The default settings (ring, TLS 1.2 and 1.3, the crate's small session
/// cache) with these roots.
fn config_with(roots: RootCertStore) -> Result<rustls::ClientConfig, String> {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("cannot set up TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.resumption = rustls::client::Resumption::in_memory_sessions(TLS_RESUMPTION_SERVERS * 8);
    Ok(config)
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
mod tests {
    use super::*;

    use mw_test_support::tls_data::CA_PEM as CA;

    struct TmpFile(PathBuf);

    impl TmpFile {
        fn new(name: &str, contents: &[u8]) -> TmpFile {
            let path = std::env::temp_dir()
                .join(format!("mw-transport-tls-{}-{name}", std::process::id()));
            std::fs::write(&path, contents).expect("write");
            TmpFile(path)
        }
    }

    impl Drop for TmpFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn choice(roots: TrustRoots, files: &[&Path]) -> TlsChoice {
        TlsChoice {
            roots,
            ca_files: files.iter().map(|p| p.to_path_buf()).collect(),
            config: None,
        }
    }

    #[test]
    fn the_default_needs_no_configuration_of_its_own() {
        assert!(matches!(TlsChoice::default().resolve(), Ok(None)));
    }

    #[test]
    fn a_ca_file_is_trusted_on_top_of_the_mozilla_roots() {
        let ca = TmpFile::new("ca.pem", format!("a comment\n{CA}{CA}").as_bytes());
        let mut roots = mozilla_roots();
        let before = roots.len();
        add_ca_file(&mut roots, &ca.0).expect("CA file");
        assert_eq!(roots.len(), before + 2);
        let config = choice(TrustRoots::Mozilla, &[&ca.0]).resolve();
        assert!(matches!(config, Ok(Some(_))), "{config:?}");
    }

    #[test]
    fn an_unusable_ca_file_fails_with_its_path_and_why() {
        let missing = std::env::temp_dir().join("mw-transport-tls-no-such-file.pem");
        let err = choice(TrustRoots::Mozilla, &[&missing])
            .resolve()
            .expect_err("missing");
        assert!(
            err.contains("no-such-file.pem") && err.contains("cannot read it"),
            "{err}"
        );

        let empty = TmpFile::new("empty.pem", b"no PEM here\n");
        let err = choice(TrustRoots::Mozilla, &[&empty.0])
            .resolve()
            .expect_err("empty");
        assert!(err.contains("no certificate in it"), "{err}");

        let garbage = TmpFile::new(
            "garbage.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let err = choice(TrustRoots::Mozilla, &[&garbage.0])
            .resolve()
            .expect_err("garbage");
        assert!(err.contains("certificate 1 is unusable"), "{err}");
    }

    #[test]
    fn the_system_store_is_read_and_takes_ca_files_too() {
        // Debian's ca-certificates bundle (CI installs it with curl).
        let system = system_roots().expect("the system's trust store");
        assert!(system.len() > 10, "{} roots", system.len());
        let ca = TmpFile::new("ca-system.pem", CA.as_bytes());
        let config = choice(TrustRoots::System, &[&ca.0]).resolve();
        assert!(matches!(config, Ok(Some(_))), "{config:?}");
    }

    #[test]
    fn a_custom_configuration_is_not_mixed_with_roots_or_files() {
        let custom = || config_with(mozilla_roots()).expect("config");
        let ok = TlsChoice {
            config: Some(custom()),
            ..TlsChoice::default()
        };
        assert!(matches!(ok.resolve(), Ok(Some(_))));
        let mixed = TlsChoice {
            roots: TrustRoots::System,
            config: Some(custom()),
            ..TlsChoice::default()
        };
        let err = mixed.resolve().expect_err("mixed");
        assert!(err.contains("cannot be combined"), "{err}");
    }

    #[test]
    fn unknown_issuers_are_found_inside_io_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        // As hyper-rustls hands it on: tokio-rustls' io::Error in another.
        let io = std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, tls));
        let text = unknown_issuer(&io).expect("found");
        assert!(text.contains("UnknownIssuer") && text.contains("issuer is unknown"));
        let other = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        assert!(unknown_issuer(&other).is_none());
    }
}
