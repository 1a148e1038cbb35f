//! `mwauth.Session` (synchronous) and the native core of
//! `mwauth.AsyncSession`, both driving `mw_transport::Client` on the one
//! multi-thread Tokio runtime of the process (see `runtime`: started on
//! first use, shut down at exit, replaced after a fork). The clients are
//! [`Local`] to the process that made them.
//!
//! Every method is one [`Command`], run by [`execute`] into a [`Done`]:
//! the sync session blocks on it with the GIL released; the async core
//! hands it to asyncio as an awaitable of a [`Completed`], whose `result()`
//! the Python wrapper (`mwauth/aio.py`) takes, so that warnings are
//! attributed to the caller's line.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use mw_protocol::{ActionCall, Password, Token, TokenType, Warning};
use mw_transport::{Client, ForeignWiki, WithWarnings};

use crate::awaitable;
use crate::completed::Completed;
use crate::errors::{Class, WarnAt, transport_err};
use crate::log;
use crate::options::{Options, Takes};
use crate::params::{build_call, token_type};
use crate::runtime::{self, Local};
use crate::values::{IntoPyValue, PyUser, PyValue, password_arg, str_repr, token_arg};

/// How often a blocking call wakes up to let Ctrl-C through.
const SIGNAL_POLL: Duration = Duration::from_millis(200);

/// One operation of a client.
pub(crate) enum Command {
    Login(String, Password),
    ClientLogin(String, Password, String),
    ClientLoginContinue(Vec<(String, String)>),
    CreateAccount(crate::accounts::NewAccount),
    CreateAccountContinue(Vec<(String, String)>),
    Token(TokenType),
    CheckToken(TokenType, Token, Option<u64>),
    Call(ActionCall),
    Foreign(ForeignWiki, ActionCall),
    Logout,
    Save(PathBuf),
}

/// What a command produced: its value (waiting for the GIL to become a
/// Python object) or its error, with its warnings.
pub(crate) struct Done {
    outcome: Result<PyValue, mw_transport::Error>,
    warnings: Vec<Warning>,
}

impl Done {
    fn with<T: IntoPyValue + 'static>(result: mw_transport::Result<WithWarnings<T>>) -> Done {
        match result {
            Ok(w) => Done {
                outcome: Ok(Box::new(w.value)),
                warnings: w.warnings,
            },
            Err(e) => Done {
                outcome: Err(e),
                warnings: Vec::new(),
            },
        }
    }

    fn into_completed(self, py: Python<'_>) -> PyResult<Completed> {
        let outcome = self.outcome.map_err(|e| transport_err(py, &e));
        Completed::new(py, 0, outcome, &self.warnings)
    }
}

impl<'py> IntoPyObject<'py> for Done {
    type Target = Completed;
    type Output = Bound<'py, Completed>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, Completed>> {
        Bound::new(py, self.into_completed(py)?)
    }
}

/// Runs one command.
pub(crate) async fn execute(client: Client, command: Command) -> Done {
    match command {
        Command::Login(user, password) => Done::with(client.login(&user, password).await),
        Command::ClientLogin(user, password, return_url) => {
            Done::with(client.client_login(&user, password, &return_url).await)
        }
        Command::ClientLoginContinue(fields) => {
            Done::with(client.client_login_continue(fields).await)
        }
        Command::CreateAccount(a) => Done::with(
            client
                .create_account(&a.username, a.password, &a.return_url, a.fields)
                .await,
        ),
        Command::CreateAccountContinue(fields) => {
            Done::with(client.create_account_continue(fields).await)
        }
        Command::Token(ty) => Done::with(client.token(ty).await),
        Command::CheckToken(ty, token, max_age) => {
            Done::with(client.check_token(ty, &token, max_age).await)
        }
        Command::Call(call) => response(client.call(call).await),
        Command::Foreign(wiki, call) => response(wiki.call(call).await),
        Command::Logout => Done::with(client.logout().await),
        Command::Save(path) => Done {
            outcome: client.save(path).await.map(|()| Box::new(()) as PyValue),
            warnings: Vec::new(),
        },
    }
}

fn response(result: mw_transport::Result<mw_transport::Response>) -> Done {
    match result {
        Ok(r) => Done {
            outcome: Ok(Box::new(r.envelope)),
            warnings: r.warnings,
        },
        Err(e) => Done {
            outcome: Err(e),
            warnings: Vec::new(),
        },
    }
}

/// Blocks on a future on the shared runtime with the GIL released, waking
/// up every [`SIGNAL_POLL`] to let `KeyboardInterrupt` through (the
/// operation is then abandoned) and to emit the log records so far.
fn block_on<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Class::MWError.err(
            py,
            "a synchronous mwauth.Session cannot be used on a thread of its Tokio runtime",
            |_| Ok(()),
        ));
    }
    let runtime = runtime::handle(py)?;
    let mut future = std::pin::pin!(future);
    log::refresh(py);
    let call = log::SyncCall::start();
    let output = loop {
        // The timer must be made inside the runtime: in an async block.
        let step = py.detach(|| {
            runtime.block_on(async { tokio::time::timeout(SIGNAL_POLL, future.as_mut()).await })
        });
        match step {
            Ok(out) => break Ok(out),
            Err(_) => {
                log::drain(py);
                if let Err(e) = py.check_signals() {
                    break Err(e);
                }
            }
        }
    };
    drop(call);
    log::drain(py);
    output
}

/// The methods' arguments → commands, shared by both sessions.
fn login_cmd(username: &str, password: &Bound<'_, PyAny>) -> PyResult<Command> {
    Ok(Command::Login(username.to_owned(), password_arg(password)?))
}

fn client_login_cmd(
    username: &str,
    password: &Bound<'_, PyAny>,
    return_url: &str,
) -> PyResult<Command> {
    Ok(Command::ClientLogin(
        username.to_owned(),
        password_arg(password)?,
        return_url.to_owned(),
    ))
}

fn continue_cmd(fields: HashMap<String, String>) -> Command {
    let mut fields: Vec<(String, String)> = fields.into_iter().collect();
    fields.sort();
    Command::ClientLoginContinue(fields)
}

fn check_cmd(
    py: Python<'_>,
    ty: &str,
    token: &Bound<'_, PyAny>,
    max_age: Option<u64>,
) -> PyResult<Command> {
    Ok(Command::CheckToken(
        token_type(py, ty)?,
        token_arg(token)?,
        max_age,
    ))
}

fn repr(kind: &str, client: &Local<Client>) -> String {
    let client = client.peek();
    match client.user() {
        Some(u) => format!("<{kind} {} user={}>", client.endpoint(), str_repr(&u.name)),
        None => format!("<{kind} {} anonymous>", client.endpoint()),
    }
}

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
        let options = Options::from_kwargs(py, "Session()", Takes::Client, options)?;
        Ok(PySession::of(options.build(py, api_url)?))
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
        let options = Options::from_kwargs(py, "Session()", Takes::Client, options)?;
        Ok(PySession::of(
            options.restore(py, path, api_url, username, password)?,
        ))
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
    #[pyo3(signature = (action, params=None, *, method="GET", token_type=None, token_param="token", allow_anonymous=false))]
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        method: &str,
        token_type: Option<&str>,
        token_param: &str,
        allow_anonymous: bool,
    ) -> PyResult<Py<PyAny>> {
        let call = build_call(
            py,
            action,
            params,
            method,
            token_type,
            token_param,
            allow_anonymous,
        )?;
        self.run(py, Command::Call(call))
    }

    /// `call(..., method="POST")`.
    #[pyo3(signature = (action, params=None, *, token_type=None, token_param="token", allow_anonymous=false))]
    fn post(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        token_type: Option<&str>,
        token_param: &str,
        allow_anonymous: bool,
    ) -> PyResult<Py<PyAny>> {
        let call = build_call(
            py,
            action,
            params,
            "POST",
            token_type,
            token_param,
            allow_anonymous,
        )?;
        self.run(py, Command::Call(call))
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
    #[pyo3(signature = (action, params=None, *, method="GET", token_type=None, token_param="token"))]
    fn call(
        &self,
        py: Python<'_>,
        action: &str,
        params: Option<&Bound<'_, PyAny>>,
        method: &str,
        token_type: Option<&str>,
        token_param: &str,
    ) -> PyResult<Py<PyAny>> {
        let call = build_call(py, action, params, method, token_type, token_param, false)?;
        let command = Command::Foreign(self.wiki.get(py)?.clone(), call);
        let done = block_on(py, execute(self.client.get(py)?.clone(), command))?;
        done.into_completed(py)?.take(py, &WarnAt::Stack(1))
    }

    fn __repr__(&self) -> String {
        format!("<ForeignWiki {}>", self.wiki.peek().endpoint())
    }
}

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
        let options = Options::from_kwargs(py, "AsyncSession()", Takes::Client, options)?;
        Ok(AsyncSessionCore {
            client: Local::new(options.build(py, api_url)?),
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
        let options = Options::from_kwargs(py, "AsyncSession()", Takes::Client, options)?;
        Ok(AsyncSessionCore {
            client: Local::new(options.restore(py, path, api_url, username, password)?),
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

    #[pyo3(signature = (action, params=None, *, method="GET", token_type=None, token_param="token", allow_anonymous=false))]
    #[allow(clippy::too_many_arguments)]
    fn call<'py>(
        &self,
        py: Python<'py>,
        action: &str,
        params: Option<&Bound<'py, PyAny>>,
        method: &str,
        token_type: Option<&str>,
        token_param: &str,
        allow_anonymous: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let call = build_call(
            py,
            action,
            params,
            method,
            token_type,
            token_param,
            allow_anonymous,
        )?;
        self.spawn(py, Command::Call(call))
    }

    #[pyo3(signature = (api_url, action, params=None, *, method="GET", token_type=None, token_param="token"))]
    #[allow(clippy::too_many_arguments)]
    fn foreign_call<'py>(
        &self,
        py: Python<'py>,
        api_url: &str,
        action: &str,
        params: Option<&Bound<'py, PyAny>>,
        method: &str,
        token_type: Option<&str>,
        token_param: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let wiki = self
            .client
            .get(py)?
            .foreign(api_url)
            .map_err(|e| transport_err(py, &e))?;
        let call = build_call(py, action, params, method, token_type, token_param, false)?;
        self.spawn(py, Command::Foreign(wiki, call))
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
