//! The TLS settings: CA files, roots, and the unknown-issuer error.

use super::*;

use mw_test_support::tls_data::CA_PEM as CA;

struct TmpFile(PathBuf);

impl TmpFile {
    fn new(name: &str, contents: &[u8]) -> TmpFile {
        let path =
            std::env::temp_dir().join(format!("mw-transport-tls-{}-{name}", std::process::id()));
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
    let a = TlsChoice::default().resolve().expect("default");
    let b = TlsChoice::default().resolve().expect("default");
    assert!(Arc::ptr_eq(&a, &b));
    // The settings are rustls' defaults: TLS 1.2 and 1.3, no ALPN yet.
    assert!(a.alpn_protocols.is_empty());
}

#[test]
fn a_ca_file_is_trusted_on_top_of_the_mozilla_roots() {
    let ca = TmpFile::new("ca.pem", format!("a comment\n{CA}{CA}").as_bytes());
    let mut roots = mozilla_roots();
    let before = roots.len();
    add_ca_file(&mut roots, &ca.0).expect("CA file");
    assert_eq!(roots.len(), before + 2);
    let config = choice(TrustRoots::Mozilla, &[&ca.0]).resolve();
    assert!(config.is_ok(), "{config:?}");
    // Clients of the same roots and files share one configuration
    // (and with it a connection pool), while one of them holds it...
    let config = config.expect("config");
    let again = choice(TrustRoots::Mozilla, &[&ca.0])
        .resolve()
        .expect("again");
    assert!(Arc::ptr_eq(&config, &again));
    // ...not with the default, nor with other roots.
    let default = TlsChoice::default().resolve().expect("default");
    assert!(!Arc::ptr_eq(&config, &default));
    let system = choice(TrustRoots::System, &[&ca.0])
        .resolve()
        .expect("system");
    assert!(!Arc::ptr_eq(&config, &system));
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
    assert!(config.is_ok(), "{config:?}");
}

#[test]
fn a_custom_configuration_is_not_mixed_with_roots_or_files() {
    let custom = || config_with(mozilla_roots()).expect("config");
    let ok = TlsChoice {
        config: Some(custom()),
        ..TlsChoice::default()
    };
    let own = ok.resolve().expect("custom");
    // A caller's own configuration is never shared with another client.
    let default = TlsChoice::default().resolve().expect("default");
    assert!(!Arc::ptr_eq(&own, &default));
    let mixed = TlsChoice {
        roots: TrustRoots::System,
        config: Some(custom()),
        ..TlsChoice::default()
    };
    let err = mixed.resolve().expect_err("mixed");
    assert!(err.contains("cannot be combined"), "{err}");
    let mut alpn = custom();
    alpn.alpn_protocols = vec![b"h2".to_vec()];
    let err = TlsChoice {
        config: Some(alpn),
        ..TlsChoice::default()
    }
    .resolve()
    .expect_err("ALPN");
    assert!(err.contains("alpn_protocols"), "{err}");
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
