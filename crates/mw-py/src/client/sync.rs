//! `mwauth.Session` and its `ForeignWiki`: each method makes its
//! [`Command`] and blocks on it with the GIL released.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use mw_transport::{Client, ForeignWiki};

use super::{
    Command, block_on, built, check_cmd, client_login_cmd, continue_cmd, execute, foreign_cmd,
    login_cmd, repr, restored,
};
use crate::errors::{Class, WarnAt, transport_err};
use crate::params::{CallKind, build_call, token_type};
use crate::runtime::Local;
use crate::values::PyUser;

/// A synchronous session: each method sends its requests and waits, with
/// the GIL released. A context manager that closes the session on exit
/// (logging out is explicit).
///
/// Example:
///
/// ```python
/// import mwauth
/// with mwauth.Session("https://test.wikipedia.org/w/api.php",
///                     user_agent="MyBot/1.0 (https://example.org; me@example.org)") as s:
///     s.login("MyBot@tool", "bot-password")
///     s.post("edit", {"title": "Sandbox", "appendtext": "hi"}, token_type="csrf")
///     s.logout()
/// ```
#[pyclass(frozen, module = "mwauth._native", name = "Session")]
pub struct PySession {
    client: Local<Client>,
    closed: AtomicBool,
}

impl PySession {
    fn of(client: Client) -> Self {
        PySession {
            client: Local::new(client),
            closed: AtomicBool::new(false),
        }
    }

    fn run(&self, py: Python<'_>, command: Command) -> PyResult<Py<PyAny>> {
        if self.closed.load(Ordering::Relaxed) && !matches!(command, Command::Save(_)) {
            return Err(Class::MWError.err(
                py,
                "this session is closed (it left its `with` block, or close() was called)",
                |_| Ok(()),
            ));
        }
        let done = block_on(py, execute(self.client.get(py)?.clone(), command))?;
        done.into_completed(py)?.take(py, &WarnAt::Stack(1))
    }
}

#[pymethods]
impl PySession {
    #[new]
    #[pyo3(signature = (api_url, **options),
           text_signature = "(api_url, *, user_agent=None, timeout=30.0, connect_timeout=10.0, maxlag=5, assert_user=True, relogin=True, max_retries=3, max_body_bytes=None, bearer_token=None, ca_file=None, allow_anonymous=False)")]
    fn new(py: Python<'_>, api_url: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(PySession::of(built(py, "Session()", api_url, options)?))
    }

    /// Resumes a session saved with `save()` (no request is made). With
    /// `username` and `password`, a session the wiki forgot logs in again.
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
            "Session.restore()",
            path,
            api_url,
            username,
            password,
            options,
        )?;
        Ok(PySession::of(client))
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

    /// Logs in with `action=login` (a bot password `User@App`).
    fn login(
        &self,
        py: Python<'_>,
        username: &str,
        password: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, login_cmd(username, password)?)
    }

    /// Logs in a main account with `action=clientlogin`: a `User`, or a
    /// `ClientLoginStep` when the wiki needs more.
    #[pyo3(signature = (username, password, return_url="http://127.0.0.1/"))]
    fn client_login(
        &self,
        py: Python<'_>,
        username: &str,
        password: &Bound<'_, PyAny>,
        return_url: &str,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, client_login_cmd(username, password, return_url)?)
    }

    /// Continues a client login with the fields the last step asked for.
    fn client_login_continue(
        &self,
        py: Python<'_>,
        fields: HashMap<String, String>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, continue_cmd(fields))
    }

    /// Creates an account with `action=createaccount`: an
    /// `AccountCreated`, or an `AuthStep` when the wiki needs more (a
    /// captcha).
    #[pyo3(signature = (username, password, return_url="http://127.0.0.1/", fields=None))]
    fn create_account(
        &self,
        py: Python<'_>,
        username: &str,
        password: &Bound<'_, PyAny>,
        return_url: &str,
        fields: Option<HashMap<String, String>>,
    ) -> PyResult<Py<PyAny>> {
        let cmd = crate::accounts::create_cmd(username, password, return_url, fields)?;
        self.run(py, cmd)
    }

    /// Continues an account creation with the fields its step asked for.
    fn create_account_continue(
        &self,
        py: Python<'_>,
        fields: HashMap<String, String>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, crate::accounts::continue_cmd(fields))
    }

    /// A token of a type, from the cache or with one request.
    #[pyo3(signature = (r#type="csrf"))]
    fn token(&self, py: Python<'_>, r#type: &str) -> PyResult<Py<PyAny>> {
        self.run(py, Command::Token(token_type(py, r#type)?))
    }

    /// Checks a token with `action=checktoken`.
    #[pyo3(signature = (r#type, token, max_age=None))]
    fn check_token(
        &self,
        py: Python<'_>,
        r#type: &str,
        token: &Bound<'_, PyAny>,
        max_age: Option<u64>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, check_cmd(py, r#type, token, max_age)?)
    }

    /// Calls any module; with `token_type`, the token is injected (and
    /// refreshed once on `badtoken`).
    #[pyo3(signature = (action, params=None, **options),
           text_signature = "($self, action, params=None, *, method='GET', token_type=None, token_param='token', allow_anonymous=False)")]
    fn call(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.run(
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

    /// `call(..., method="POST")`.
    #[pyo3(signature = (action, params=None, **options),
           text_signature = "($self, action, params=None, *, token_type=None, token_param='token', allow_anonymous=False)")]
    fn post(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.run(
            py,
            Command::Call(build_call(
                py,
                "post()",
                CallKind::Post,
                action,
                params,
                options,
            )?),
        )
    }

    /// Logs out and forgets the user, the credentials and the tokens.
    fn logout(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.run(py, Command::Logout)
    }

    /// A wiki of the same CentralAuth single sign-on.
    fn foreign(&self, py: Python<'_>, api_url: &str) -> PyResult<PyForeignWiki> {
        let client = self.client.get(py)?;
        let wiki = client.foreign(api_url).map_err(|e| transport_err(py, &e))?;
        Ok(PyForeignWiki {
            client: Local::new(client.clone()),
            wiki: Local::new(wiki),
        })
    }

    /// Saves the session (user, tokens, cookies) to a file (mode 0600).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        self.run(py, Command::Save(path)).map(drop)
    }

    /// Closes the session: later requests raise `MWError` (`save()` still
    /// works). It does not log out, so a saved session stays usable.
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the session (it does not log out: call `logout()`).
    #[pyo3(signature = (_exc_type=None, _exc_value=None, _traceback=None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) {
        self.close();
    }

    fn __repr__(&self) -> String {
        repr("Session", &self.client)
    }
}

/// A foreign wiki of a `Session` (CentralAuth): each call is authenticated
/// by a fresh `centralauthtoken`.
#[pyclass(frozen, module = "mwauth._native", name = "ForeignWiki")]
pub struct PyForeignWiki {
    client: Local<Client>,
    wiki: Local<ForeignWiki>,
}

#[pymethods]
impl PyForeignWiki {
    /// The foreign wiki's `api.php` URL.
    #[getter]
    fn api_url(&self) -> String {
        self.wiki.peek().endpoint().to_string()
    }

    /// Calls a module on the foreign wiki.
    #[pyo3(signature = (action, params=None, **options),
           text_signature = "($self, action, params=None, *, method='GET', token_type=None, token_param='token')")]
    fn call(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let command = foreign_cmd(py, self.wiki.get(py)?.clone(), action, params, options)?;
        let done = block_on(py, execute(self.client.get(py)?.clone(), command))?;
        done.into_completed(py)?.take(py, &WarnAt::Stack(1))
    }

    fn __repr__(&self) -> String {
        format!("<ForeignWiki {}>", self.wiki.peek().endpoint())
    }
}
