//! `mwauth.Transmit`: one HTTP request for the caller to send.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// An HTTP request to send (the answer to `poll_transmit()`).
#[pyclass(frozen, module = "mwauth._native", name = "Transmit")]
pub struct Transmit {
    /// Pass this back to `handle_response` / `handle_transport_error`.
    #[pyo3(get)]
    pub(super) id: u64,
    /// `"GET"` or `"POST"`.
    #[pyo3(get)]
    pub(super) method: String,
    /// The full URL (GET parameters in its query string).
    #[pyo3(get)]
    pub(super) url: String,
    /// Header (name, value) pairs: User-Agent, Accept, and Content-Type for a POST.
    #[pyo3(get)]
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Transmit {
    /// The caller's view of the session's request `id`.
    pub(super) fn new(id: u64, request: http::Request<Vec<u8>>) -> Transmit {
        let (parts, body) = request.into_parts();
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Transmit {
            id,
            method: parts.method.as_str().to_owned(),
            url: parts.uri.to_string(),
            headers,
            body,
        }
    }
}

#[pymethods]
impl Transmit {
    /// The form-encoded body of a POST (`b""` for a GET). It may hold a
    /// token or a password.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    /// Shows no body and no query string (they may hold secrets).
    fn __repr__(&self) -> String {
        let bare = self.url.split('?').next().unwrap_or_default();
        format!("<Transmit id={} {} {bare}>", self.id, self.method)
    }
}
