//! The response of `call()` and the warnings of every answer, as Python
//! objects.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList};
use serde_json::Value;

use mw_protocol::{Envelope, Warning};

use super::{opt_repr, str_repr};

/// One warning of an API response (data, not a warning category: the
/// categories are `mwauth.MWWarning` and `mwauth.MWDeprecationWarning`).
#[pyclass(frozen, module = "mwauth._native", name = "ResponseWarning")]
pub struct ResponseWarning {
    /// The module that warned (`main`, `login`, `query`, …).
    #[pyo3(get)]
    pub module: String,
    /// The message code (`deprecation`, `unrecognizedvalues`, …), if any.
    #[pyo3(get)]
    pub code: Option<String>,
    /// The text.
    #[pyo3(get)]
    pub text: String,
    /// Structured data MediaWiki attached, if any.
    #[pyo3(get)]
    pub data: Py<PyAny>,
    /// True for a deprecation notice.
    #[pyo3(get)]
    pub is_deprecation: bool,
    /// The deprecated feature's name, when the server said.
    #[pyo3(get)]
    pub deprecated_feature: Option<String>,
}

impl ResponseWarning {
    /// `module (code): text`, as the Rust `Warning` displays.
    pub(crate) fn display(&self) -> String {
        match &self.code {
            Some(code) => format!("{} ({}): {}", self.module, code, self.text),
            None => format!("{}: {}", self.module, self.text),
        }
    }
}

#[pymethods]
impl ResponseWarning {
    fn __repr__(&self) -> String {
        format!(
            "ResponseWarning(module={}, code={}, text={})",
            str_repr(&self.module),
            opt_repr(self.code.as_deref()),
            str_repr(&self.text)
        )
    }

    fn __str__(&self) -> String {
        self.display()
    }
}

/// Converts the core's warnings.
pub(crate) fn warnings_to_py(
    py: Python<'_>,
    warnings: &[Warning],
) -> PyResult<Vec<Py<ResponseWarning>>> {
    warnings
        .iter()
        .map(|w| {
            let data = match &w.data {
                Some(d) => json_to_py(py, d)?.unbind(),
                None => py.None(),
            };
            Py::new(
                py,
                ResponseWarning {
                    module: w.module.clone(),
                    code: w.code.clone(),
                    text: w.text.clone(),
                    data,
                    is_deprecation: w.is_deprecation(),
                    deprecated_feature: w.deprecated_feature().map(str::to_owned),
                },
            )
        })
        .collect()
}

/// The response of `call()`: the JSON body as Python objects.
#[pyclass(frozen, module = "mwauth._native", name = "Response")]
pub struct PyResponse {
    data: Py<PyAny>,
    warnings: Vec<Py<ResponseWarning>>,
    /// The `servedby` host, when the wiki shows host names.
    #[pyo3(get)]
    servedby: Option<String>,
    /// The echoed `requestid`.
    #[pyo3(get)]
    requestid: Option<String>,
}

#[pymethods]
impl PyResponse {
    /// The whole JSON body (a dict), warnings included.
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyAny> {
        self.data.clone_ref(py)
    }

    /// The warnings of the response.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.warnings.iter().map(|w| w.clone_ref(py)))
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.data.bind(py).get_item(key)
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.data.bind(py).contains(key)
    }

    /// `data.get(key, default)`.
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        self.data.bind(py).call_method1("get", (key, default))
    }

    /// Shows the top-level keys only: a body may hold tokens.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let keys: Vec<String> = match self.data.bind(py).cast::<PyDict>() {
            Ok(d) => d
                .keys()
                .iter()
                .map(|k| k.str().map(|s| s.to_string()))
                .collect::<PyResult<_>>()?,
            Err(_) => Vec::new(),
        };
        let keys: Vec<String> = keys.iter().map(|k| str_repr(k)).collect();
        Ok(format!(
            "<Response keys=[{}] warnings={}>",
            keys.join(", "),
            self.warnings.len()
        ))
    }
}

/// A JSON value as Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A JSON body as Python objects, by Python's own `json.loads` straight
/// from the bytes (no Rust tree is built on the way).
fn json_loads(py: Python<'_>, raw: &[u8]) -> PyResult<Py<PyAny>> {
    static LOADS: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let loads = LOADS.import(py, "json", "loads")?;
    Ok(loads.call1((pyo3::types::PyBytes::new(py, raw),))?.unbind())
}

pub(crate) fn response_to_py(
    py: Python<'_>,
    env: &Envelope,
    warnings: &[Warning],
) -> PyResult<PyResponse> {
    Ok(PyResponse {
        data: json_loads(py, env.raw())?,
        warnings: warnings_to_py(py, warnings)?,
        servedby: env.servedby.clone(),
        requestid: env.requestid.clone(),
    })
}
