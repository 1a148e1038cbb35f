//! `mwauth.SansIOSession`: the sans-IO core for Python users who bring
//! their own HTTP library.
//!
//! The order of calls is the core's: commands → `poll_transmit()` → send →
//! `handle_response()` / `handle_transport_error()` → `poll_event()`, and
//! `handle_timeout()` once `poll_timeout()` has passed. Times are
//! `time.monotonic()` seconds; cookies are the caller's.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use mw_protocol::{Error, Event, Session, SessionSnapshot, TransportFailure};

use crate::completed::Completed;
use crate::errors::{invalid_input, to_py_err};
use crate::options::{Options, Takes};
use crate::params::{CallKind, build_call, token_type};
mod clock;
mod foreign;
mod ops;
mod response;
mod transmit;

use clock::Clock;
pub use foreign::SansIOForeignWiki;
use ops::Inner;
pub use transmit::Transmit;

use crate::values::{PyUser, password_arg, str_repr, token_arg};

/// The sans-IO session.
#[pyclass(frozen, module = "mwauth._native", name = "SansIOSession")]
pub struct SansIOSession {
    inner: Mutex<Inner>,
    clock: Clock,
}

impl SansIOSession {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while locked cannot leave the core half-updated in a way
        // that matters more than losing the session: keep going.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn with(py: Python<'_>, session: Session) -> PyResult<SansIOSession> {
        Ok(SansIOSession {
            inner: Mutex::new(Inner::new(session)),
            clock: Clock::new(py)?,
        })
    }
}

#[pymethods]
impl SansIOSession {
    #[new]
    #[pyo3(signature = (api_url, **options),
           text_signature = "(api_url, *, user_agent=None, maxlag=5, assert_user=True, relogin=True, max_retries=3, allow_anonymous=False)")]
    fn new(py: Python<'_>, api_url: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let options = Options::from_kwargs(py, "SansIOSession()", Takes::Protocol, options)?;
        let session = Session::new(api_url, options.config()).map_err(|e| to_py_err(py, &e))?;
        Self::with(py, session)
    }

    /// Resumes a session from `snapshot()`'s JSON.
    #[classmethod]
    #[pyo3(signature = (snapshot, **options),
           text_signature = "(snapshot, *, user_agent=None, maxlag=5, assert_user=True, relogin=True, max_retries=3, allow_anonymous=False)")]
    fn from_snapshot(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        snapshot: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = Options::from_kwargs(
            py,
            "SansIOSession.from_snapshot()",
            Takes::Protocol,
            options,
        )?;
        let snap: SessionSnapshot = serde_json::from_str(snapshot)
            .map_err(|e| invalid_input(py, format!("invalid session snapshot: {e}")))?;
        let session =
            Session::from_snapshot(snap, options.config()).map_err(|e| to_py_err(py, &e))?;
        Self::with(py, session)
    }

    /// The session as JSON: endpoint, user, token API and cached tokens
    /// (never credentials). It holds tokens: store it like a cookie jar.
    fn snapshot(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.lock().session.snapshot())
            .map_err(|e| to_py_err(py, &Error::Decode(format!("cannot serialize: {e}"))))
    }

    /// The `api.php` URL.
    #[getter]
    fn api_url(&self) -> String {
        self.lock().session.endpoint().to_string()
    }

    /// The logged-in user, or None.
    #[getter]
    fn user(&self) -> Option<PyUser> {
        self.lock().session.user().map(PyUser::from)
    }

    /// True when no operation is running.
    #[getter]
    fn is_idle(&self) -> bool {
        self.lock().session.is_idle()
    }

    // ---- commands ----

    /// Logs in with `action=login` (bot password `User@App`); returns the op id.
    fn login(&self, username: &str, password: &Bound<'_, PyAny>) -> PyResult<u64> {
        let password = password_arg(password)?;
        let mut inner = self.lock();
        let op = inner.session.login(username, password);
        Ok(inner.op(op))
    }

    /// Logs in with `action=clientlogin` (main accounts); returns the op id.
    #[pyo3(signature = (username, password, return_url="http://127.0.0.1/"))]
    fn client_login(
        &self,
        username: &str,
        password: &Bound<'_, PyAny>,
        return_url: &str,
    ) -> PyResult<u64> {
        let password = password_arg(password)?;
        let mut inner = self.lock();
        let op = inner.session.client_login(username, password, return_url);
        Ok(inner.op(op))
    }

    /// Continues a client login with the fields the last step asked for.
    fn client_login_continue(&self, fields: HashMap<String, String>) -> u64 {
        let fields = crate::accounts::sorted(fields);
        let mut inner = self.lock();
        let op = inner.session.client_login_continue(fields);
        inner.op(op)
    }

    /// Creates an account with `action=createaccount`; returns the op id.
    #[pyo3(signature = (username, password, return_url="http://127.0.0.1/", fields=None))]
    fn create_account(
        &self,
        username: &str,
        password: &Bound<'_, PyAny>,
        return_url: &str,
        fields: Option<HashMap<String, String>>,
    ) -> PyResult<u64> {
        let a = crate::accounts::NewAccount::new(username, password, return_url, fields)?;
        let mut inner = self.lock();
        let op = inner
            .session
            .create_account(&a.username, a.password, &a.return_url, a.fields);
        Ok(inner.op(op))
    }

    /// Continues an account creation with the fields its step asked for.
    fn create_account_continue(&self, fields: HashMap<String, String>) -> u64 {
        let mut inner = self.lock();
        let op = inner
            .session
            .create_account_continue(crate::accounts::sorted(fields));
        inner.op(op)
    }

    /// Gets a token of a type (from the cache, or one shared fetch).
    #[pyo3(signature = (r#type="csrf"))]
    fn token(&self, py: Python<'_>, r#type: &str) -> PyResult<u64> {
        let ty = token_type(py, r#type)?;
        let mut inner = self.lock();
        let op = inner.session.token(ty);
        Ok(inner.op(op))
    }

    /// Checks a token with `action=checktoken`.
    #[pyo3(signature = (r#type, token, max_age=None))]
    fn check_token(
        &self,
        py: Python<'_>,
        r#type: &str,
        token: &Bound<'_, PyAny>,
        max_age: Option<u64>,
    ) -> PyResult<u64> {
        let ty = token_type(py, r#type)?;
        let token = token_arg(token)?;
        let mut inner = self.lock();
        let op = inner.session.check_token(ty, token, max_age);
        Ok(inner.op(op))
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
    ) -> PyResult<u64> {
        let call = build_call(py, "call()", CallKind::Call, action, params, options)?;
        let mut inner = self.lock();
        let op = inner.session.call(call);
        Ok(inner.op(op))
    }

    /// Logs out (`action=logout`, POST with a csrf token).
    fn logout(&self) -> u64 {
        let mut inner = self.lock();
        let op = inner.session.logout();
        inner.op(op)
    }

    /// A wiki of the same CentralAuth single sign-on, whose `call()`s
    /// start operations of this session.
    fn foreign(slf: Py<Self>, py: Python<'_>, api_url: &str) -> PyResult<SansIOForeignWiki> {
        SansIOForeignWiki::new(py, slf, api_url)
    }

    /// Gives a restored session the credentials to log in again if lost.
    fn set_credentials(&self, username: &str, password: &Bound<'_, PyAny>) -> PyResult<()> {
        let password = password_arg(password)?;
        self.lock().session.set_credentials(username, password);
        Ok(())
    }

    /// Forgets an operation; it will produce no event.
    fn abandon(&self, op: u64) {
        let mut inner = self.lock();
        let found = inner
            .ops
            .iter()
            .find(|(_, (id, _))| *id == op)
            .map(|(k, _)| *k);
        if let Some(core) = found {
            inner.ops.remove(&core);
            inner.session.abandon(core);
        }
    }

    // ---- outputs ----

    /// The next request to send, or None.
    fn poll_transmit(&self) -> Option<Transmit> {
        let mut inner = self.lock();
        let t = inner.session.poll_transmit()?;
        let id = inner.request(t.id);
        Some(Transmit::new(id, t.request))
    }

    /// When `handle_timeout` must next be called (`time.monotonic()`
    /// seconds), or None.
    fn poll_timeout(&self) -> Option<f64> {
        let at = self.lock().session.poll_timeout()?;
        Some(self.clock.seconds(at))
    }

    /// The next finished operation, or None.
    fn poll_event(&self, py: Python<'_>) -> PyResult<Option<Completed>> {
        let mut inner = self.lock();
        while let Some(event) = inner.session.poll_event() {
            let Event::Completed { op } = event else {
                continue;
            };
            // An op the caller abandoned: drop silently.
            let Some((id, take)) = inner.ops.remove(&op) else {
                continue;
            };
            let Some(taken) = take(&mut inner.session) else {
                continue;
            };
            drop(inner);
            let outcome = taken.result.map_err(|e| to_py_err(py, &e));
            return Completed::new(py, id, outcome, &taken.warnings).map(Some);
        }
        Ok(None)
    }

    // ---- inputs ----

    /// Feeds the response to a request. `headers` is a mapping or a list of
    /// pairs; `now` is `time.monotonic()` (default: now). Unknown ids are
    /// ignored.
    #[pyo3(signature = (id, status, headers, body, now=None))]
    fn handle_response(
        &self,
        py: Python<'_>,
        id: u64,
        status: u16,
        headers: &Bound<'_, PyAny>,
        body: std::borrow::Cow<'_, [u8]>,
        now: Option<f64>,
    ) -> PyResult<()> {
        let now = self.clock.instant(py, now)?;
        let response = response::from_python(py, status, headers, body.into_owned())?;
        let mut inner = self.lock();
        if let Some(rid) = inner.requests.remove(&id) {
            inner.session.handle_response(rid, response, now);
        }
        Ok(())
    }

    /// Reports that a request could not be completed; `timeout=True` for a
    /// connect or read timeout (raised as `mwauth.TimeoutError`).
    #[pyo3(signature = (id, message, timeout=false, now=None))]
    fn handle_transport_error(
        &self,
        py: Python<'_>,
        id: u64,
        message: String,
        timeout: bool,
        now: Option<f64>,
    ) -> PyResult<()> {
        let now = self.clock.instant(py, now)?;
        let error = if timeout {
            TransportFailure::Timeout(message)
        } else {
            TransportFailure::Other(message)
        };
        let mut inner = self.lock();
        if let Some(rid) = inner.requests.remove(&id) {
            inner.session.handle_transport_failure(rid, error, now);
        }
        Ok(())
    }

    /// Wakes operations whose backoff has passed.
    #[pyo3(signature = (now=None))]
    fn handle_timeout(&self, py: Python<'_>, now: Option<f64>) -> PyResult<()> {
        let now = self.clock.instant(py, now)?;
        self.lock().session.handle_timeout(now);
        Ok(())
    }

    fn __repr__(&self) -> String {
        let inner = self.lock();
        match inner.session.user() {
            Some(u) => format!(
                "<SansIOSession {} user={}>",
                inner.session.endpoint(),
                str_repr(&u.name)
            ),
            None => format!("<SansIOSession {} anonymous>", inner.session.endpoint()),
        }
    }
}
