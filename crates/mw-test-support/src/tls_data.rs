//! A throw-away test CA and a certificate for `127.0.0.1` that it signed
//! (openssl, P-256, valid for 100 years), for TLS test doubles and the
//! tests of CA files. Test data, not a secret: the key was made for these
//! tests and guards nothing.
//!
//! ```
//! assert!(mw_test_support::tls_data::CA_PEM.starts_with("-----BEGIN CERTIFICATE-----"));
//! ```

/// The throw-away test CA's certificate (PEM).
pub const CA_PEM: &str = concat!(
    "-----BEGIN CERTIFICATE-----\n",
    "MIIBlDCCATugAwIBAgIUHTHRtPKuIOH0JiK8+4UpPN6t3OcwCgYIKoZIzj0EAwIw\n",
    "HzEdMBsGA1UEAwwUbXctdHJhbnNwb3J0IHRlc3QgQ0EwIBcNMjYxMjAxMjA0MTEw\n",
    "WhgPMjEyNjExMDcyMDQxMTBaMB8xHTAbBgNVBAMMFG13LXRyYW5zcG9ydCB0ZXN0\n",
    "IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEd4J+uK+cq7uaZwL+QayyJ4N1\n",
    "ChNWmfsTB2V4sLn/tn8QU4m/0gB0BMk3ZmLxIdxdcNHBIR/pP8jM9+A8pSd76KNT\n",
    "MFEwHQYDVR0OBBYEFM8thDD22VPqnHWlMw3Bf4CclYiYMB8GA1UdIwQYMBaAFM8t\n",
    "hDD22VPqnHWlMw3Bf4CclYiYMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\n",
    "RwAwRAIgLD1cu7q4w+W/4KizGO3vuQTEVfjVJlJUGVwDhsSNsxoCIEmOkeBBU0qc\n",
    "lsQx3bQa62n6+C/PDKHLCBNfeLgVQzoE\n",
    "-----END CERTIFICATE-----\n",
);
/// A certificate for `127.0.0.1` (and no name) that the CA signed (PEM).
pub const CERT_PEM: &str = concat!(
    "-----BEGIN CERTIFICATE-----\n",
    "MIIBwDCCAWWgAwIBAgIUYgKZpsscfEqi6LNLkeXTJg8DsVswCgYIKoZIzj0EAwIw\n",
    "HzEdMBsGA1UEAwwUbXctdHJhbnNwb3J0IHRlc3QgQ0EwIBcNMjYxMjAxMjA0MTEw\n",
    "WhgPMjEyNjExMDcyMDQxMTBaMBQxEjAQBgNVBAMMCTEyNy4wLjAuMTBZMBMGByqG\n",
    "SM49AgEGCCqGSM49AwEHA0IABHdgvmlqKdNFc1KdVMCRSZr8nFXkpcUN2Mmbs2u/\n",
    "wC6d2uv/zbii2L+LeId1DjDtIzAXw66w3Aqnru6XAwr++YKjgYcwgYQwDwYDVR0R\n",
    "BAgwBocEfwAAATAMBgNVHRMBAf8EAjAAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMA4G\n",
    "A1UdDwEB/wQEAwIHgDAdBgNVHQ4EFgQUVuRGOZFLzqD7DfcSTcIO5tTVPNwwHwYD\n",
    "VR0jBBgwFoAUzy2EMPbZU+qcdaUzDcF/gJyViJgwCgYIKoZIzj0EAwIDSQAwRgIh\n",
    "ANP366K/J5UI6kUgcRTDQLNgs/+XV5EW7VcnYJhEL5xLAiEA/eXS7KZIlfZEdT9e\n",
    "bxij99yk1rlBM/uneY4xHhC9cr4=\n",
    "-----END CERTIFICATE-----\n",
);
/// The private key of [`CERT_PEM`] (PKCS #8 PEM).
pub const KEY_PEM: &str = concat!(
    "-----BEGIN PRIVATE KEY-----\n",
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWbQHsqTFtOtixwHv\n",
    "buuplYEKcm2DMBJhwgYouH5prwKhRANCAAR3YL5painTRXNSnVTAkUma/JxV5KXF\n",
    "DdjJm7Nrv8Aundrr/824oti/i3iHdQ4w7SMwF8OusNwKp67ulwMK/vmC\n",
    "-----END PRIVATE KEY-----\n",
);
