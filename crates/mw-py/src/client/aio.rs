//! The native core of `mwauth.AsyncSession`: each method makes its
//! [`Command`] and hands it to asyncio as an awaitable.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use mw_transport::Client;

use super::{
    Command, built, check_cmd, client_login_cmd, continue_cmd, execute, foreign_cmd, login_cmd,
    repr, restored,
};
use crate::awaitable;
use crate::errors::transport_err;
use crate::log;
use crate::params::{CallKind, build_call, token_type};
use crate::runtime::Local;
use crate::values::PyUser;

/// The native core of `mwauth.AsyncSession`: each method returns an
/// awaitable of a `Completed` (use `mwauth.AsyncSession`).
#[pyclass(frozen, module = "mwauth._native", name = "AsyncSessionCore")]
pub struct AsyncSessionCore {
    client: Local<Client>,
}

impl AsyncSessionCore {
    fn spawn<'py>(&self, py: Python<'py>, command: Command) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.get(py)?.clone();
        log::refresh(py);
        log::drain(py);
        awaitable::spawn(py, execute(client, command))
    }
}

#[pymethods]
impl AsyncSessionCore {
    #[new]
    #[pyo3(signature = (api_url, **options),
           text_signature = "(api_url, *, user_agent=None, timeout=30.0, connect_timeout=10.0, maxlag=5, assert_user=True, relogin=True, max_retries=3, max_body_bytes=None, bearer_token=None, ca_file=None, allow_anonymous=False)")]
    fn new(py: Python<'_>, api_url: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(AsyncSessionCore {
            client: Local::new(built(py, "AsyncSession()", api_url, options)?),
        })
    }

    /// See `Session.restore`.
    #[classmethod]
    #[pyo3(signature = (path, api_url, *, username=None, password=None, **options),
           text_signature = "(path, api_url, *, username=None, password=None, user_agent=None, timeout=30.0, connect_timeout=10.0, maxlag=5, assert_user=True, relogin=True, max_retries=3, max_body_bytes=None, bearer_token=None, ca_file=None, allow_anonymous=False)")]
    fn restore(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: PathBuf,
        api_url: &str,
        username: Option<String>,
        password: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let client = restored(
            py,
            "AsyncSession.restore()",
            path,
            api_url,
            username,
            password,
            options,
        )?;
        Ok(AsyncSessionCore {
            client: Local::new(client),
        })
    }

    /// The `api.php` URL.
    #[getter]
    fn api_url(&self) -> String {
        self.client.peek().endpoint().to_string()
    }

    /// The logged-in user, or None.
    #[getter]
    fn user(&self) -> Option<PyUser> {
        self.client.peek().user().as_ref().map(PyUser::from)
    }

    fn login<'py>(
        &self,
        py: Python<'py>,
        username: &str,
        password: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, login_cmd(username, password)?)
    }

    #[pyo3(signature = (username, password, return_url="http://127.0.0.1/"))]
    fn client_login<'py>(
        &self,
        py: Python<'py>,
        username: &str,
        password: &Bound<'py, PyAny>,
        return_url: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, client_login_cmd(username, password, return_url)?)
    }

    fn client_login_continue<'py>(
        &self,
        py: Python<'py>,
        fields: HashMap<String, String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, continue_cmd(fields))
    }

    #[pyo3(signature = (username, password, return_url="http://127.0.0.1/", fields=None))]
    fn create_account<'py>(
        &self,
        py: Python<'py>,
        username: &str,
        password: &Bound<'py, PyAny>,
        return_url: &str,
        fields: Option<HashMap<String, String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cmd = crate::accounts::create_cmd(username, password, return_url, fields)?;
        self.spawn(py, cmd)
    }

    fn create_account_continue<'py>(
        &self,
        py: Python<'py>,
        fields: HashMap<String, String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, crate::accounts::continue_cmd(fields))
    }

    #[pyo3(signature = (r#type="csrf"))]
    fn token<'py>(&self, py: Python<'py>, r#type: &str) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, Command::Token(token_type(py, r#type)?))
    }

    #[pyo3(signature = (r#type, token, max_age=None))]
    fn check_token<'py>(
        &self,
        py: Python<'py>,
        r#type: &str,
        token: &Bound<'py, PyAny>,
        max_age: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, check_cmd(py, r#type, token, max_age)?)
    }

    #[pyo3(signature = (action, params=None, **options),
           text_signature = "($self, action, params=None, *, method='GET', token_type=None, token_param='token', allow_anonymous=False)")]
    fn call<'py>(
        &self,
        py: Python<'py>,
        action: &str,
        params: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(
            py,
            Command::Call(build_call(
                py,
                "call()",
                CallKind::Call,
                action,
                params,
                options,
            )?),
        )
    }

    #[pyo3(signature = (api_url, action, params=None, **options),
           text_signature = "($self, api_url, action, params=None, *, method='GET', token_type=None, token_param='token')")]
    fn foreign_call<'py>(
        &self,
        py: Python<'py>,
        api_url: &str,
        action: &str,
        params: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.get(py)?;
        let wiki = client.foreign(api_url).map_err(|e| transport_err(py, &e))?;
        self.spawn(py, foreign_cmd(py, wiki, action, params, options)?)
    }

    fn logout<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, Command::Logout)
    }

    fn save<'py>(&self, py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, Command::Save(path))
    }

    fn __repr__(&self) -> String {
        repr("AsyncSessionCore", &self.client)
    }
}
