//! A response the caller received, from Python's values to an
//! `http::Response` for the session.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::invalid_input;

/// The response of `status`, `headers` (a mapping or a list of pairs of
/// `str` or `bytes`) and `body`.
pub(super) fn from_python(
    py: Python<'_>,
    status: u16,
    headers: &Bound<'_, PyAny>,
    body: Vec<u8>,
) -> PyResult<http::Response<Vec<u8>>> {
    let status = http::StatusCode::from_u16(status)
        .map_err(|_| invalid_input(py, format!("invalid HTTP status {status}")))?;
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    let pairs = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    for pair in pairs.try_iter()? {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
        let (Some(name), Some(value)) = (header_bytes(&name), header_bytes(&value)) else {
            continue;
        };
        // A header the http crate rejects cannot matter to the API
        // protocol: skip it rather than fail the whole response.
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(&name),
            http::HeaderValue::from_bytes(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    Ok(response)
}

/// A header name or value given as `str` or `bytes`.
fn header_bytes(v: &Bound<'_, PyAny>) -> Option<Vec<u8>> {
    if let Ok(b) = v.cast::<PyBytes>() {
        return Some(b.as_bytes().to_vec());
    }
    v.extract::<String>().ok().map(String::into_bytes)
}
