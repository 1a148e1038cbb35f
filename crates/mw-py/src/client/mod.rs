//! `mwauth.Session` (synchronous, [`sync`]) and the native core of
//! `mwauth.AsyncSession` ([`aio`]), both driving `mw_transport::Client` on
//! the one multi-thread Tokio runtime of the process (see `runtime`: started
//! on first use, shut down at exit, replaced after a fork). The clients are
//! [`Local`] to the process that made them.
//!
//! Every method is one [`Command`], made from its arguments here and run by
//! [`execute`] into a [`Done`]: the sync session blocks on it with the GIL
//! released; the async core hands it to asyncio as an awaitable of a
//! [`Completed`], whose `result()` the Python wrapper (`mwauth/aio.py`)
//! takes, so that warnings are attributed to the caller's line. The two
//! classes differ only in that last step: their methods are the pyo3
//! signatures and one line each.

mod aio;
mod sync;

pub use aio::AsyncSessionCore;
pub use sync::{PyForeignWiki, PySession};

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use mw_protocol::{ActionCall, Password, Token, TokenType, Warning};
use mw_transport::{Client, ForeignWiki, WithWarnings};

use crate::completed::Completed;
use crate::errors::{Class, transport_err};
use crate::log;
use crate::options::{Options, Takes};
use crate::params::{CallKind, build_call, token_type};
use crate::runtime::{self, Local};
use crate::values::{IntoPyValue, PyValue, password_arg, str_repr, token_arg};

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
    Command::ClientLoginContinue(crate::accounts::sorted(fields))
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

/// The client of a `restore(path, api_url, username=, password=,
/// **options)` of either class (`what` names it in messages).
fn restored(
    py: Python<'_>,
    what: &str,
    path: PathBuf,
    api_url: &str,
    username: Option<String>,
    password: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Client> {
    let options = Options::from_kwargs(py, what, Takes::Client, options)?;
    options.restore(py, path, api_url, username, password)
}

/// The client of a constructor `(api_url, **options)` of either class.
fn built(
    py: Python<'_>,
    what: &str,
    api_url: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Client> {
    Options::from_kwargs(py, what, Takes::Client, options)?.build(py, api_url)
}

/// A call on a foreign wiki of the session (CentralAuth).
fn foreign_cmd(
    py: Python<'_>,
    wiki: ForeignWiki,
    action: &str,
    params: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Command> {
    let call = build_call(py, "call()", CallKind::Foreign, action, params, options)?;
    Ok(Command::Foreign(wiki, call))
}

fn repr(kind: &str, client: &Local<Client>) -> String {
    let client = client.peek();
    match client.user() {
        Some(u) => format!("<{kind} {} user={}>", client.endpoint(), str_repr(&u.name)),
        None => format!("<{kind} {} anonymous>", client.endpoint()),
    }
}
