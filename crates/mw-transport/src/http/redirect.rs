//! Redirects: which answers are followed, and only on the same host.

use hyper::header;
use url::Url;

use super::failure::{Failure, transport};

/// The target of a 301/302/303/307/308 with a `Location`.
pub(crate) fn redirect_location<B>(response: &hyper::Response<B>) -> Option<String> {
    let status = response.status();
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get(header::LOCATION)?;
    Some(String::from_utf8_lossy(location.as_bytes()).into_owned())
}

/// A redirect may only stay on the host of the first request: same scheme
/// and port, or an upgrade from http to https.
pub(crate) fn check_same_host(first: &Url, next: &Url) -> Result<(), Failure> {
    if next.host() != first.host() {
        return Err(transport(format!(
            "refused a redirect to another host ({})",
            next.host_str().unwrap_or("none")
        )));
    }
    match (first.scheme(), next.scheme()) {
        (a, b) if a == b => {
            if next.port_or_known_default() != first.port_or_known_default() {
                return Err(transport("refused a redirect to another port"));
            }
            Ok(())
        }
        ("http", "https") => Ok(()),
        (_, b) => Err(transport(format!(
            "refused a redirect from {} to {b}",
            first.scheme()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn redirects_stay_on_the_host() {
        let first = url("http://w.example/w/api.php");
        assert!(check_same_host(&first, &url("http://w.example/api.php")).is_ok());
        assert!(check_same_host(&first, &url("https://w.example/w/api.php")).is_ok());
        assert!(check_same_host(&first, &url("http://evil.example/w/api.php")).is_err());
        assert!(check_same_host(&first, &url("http://w.example:8080/w/api.php")).is_err());
        let tls = url("https://w.example/w/api.php");
        assert!(check_same_host(&tls, &url("http://w.example/w/api.php")).is_err());
        assert!(check_same_host(&tls, &url("ftp://w.example/w/api.php")).is_err());
    }
}
