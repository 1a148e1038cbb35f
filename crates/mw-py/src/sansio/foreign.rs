//! `mwauth.SansIOForeignWiki`: a wiki of the same CentralAuth single
//! sign-on, whose calls are operations of the home `SansIOSession`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::SansIOSession;
use crate::errors::to_py_err;
use crate::params::{CallKind, build_call};

/// A foreign wiki, made by `SansIOSession.foreign(api_url)`.
#[pyclass(frozen, module = "mwauth._native", name = "SansIOForeignWiki")]
pub struct SansIOForeignWiki {
    session: Py<SansIOSession>,
    /// Checked by `parse_endpoint` when made.
    endpoint: String,
}

impl SansIOForeignWiki {
    pub(super) fn new(
        py: Python<'_>,
        session: Py<SansIOSession>,
        api_url: &str,
    ) -> PyResult<SansIOForeignWiki> {
        let endpoint =
            mw_protocol::request::parse_endpoint(api_url).map_err(|e| to_py_err(py, &e))?;
        Ok(SansIOForeignWiki {
            session,
            endpoint: endpoint.to_string(),
        })
    }
}

#[pymethods]
impl SansIOForeignWiki {
    /// The foreign wiki's `api.php` URL.
    #[getter]
    fn api_url(&self) -> String {
        self.endpoint.clone()
    }

    /// Starts a call of a module on the foreign wiki; returns its op id.
    #[pyo3(signature = (action, params=None, **options),
           text_signature = "($self, action, params=None, *, method='GET', token_type=None, token_param='token')")]
    fn call(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u64> {
        let call = build_call(py, "call()", CallKind::Foreign, action, params, options)?;
        let session = self.session.get();
        let mut inner = session.lock();
        let op = inner
            .session
            .foreign(&self.endpoint)
            .map_err(|e| to_py_err(py, &e))?
            .call(call);
        Ok(inner.op(op))
    }

    fn __repr__(&self) -> String {
        format!("<SansIOForeignWiki {}>", self.endpoint)
    }
}
