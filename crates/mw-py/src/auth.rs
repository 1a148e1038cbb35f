//! AuthManager steps for Python: `AuthStep` (of `client_login` and
//! `create_account`), its `AuthField`s and `Captcha`, and the outcomes
//! that carry them. Every rule (which field is the second factor, where
//! the captcha is) is mw-protocol's; this only converts.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use mw_protocol::actions::auth_step::{AuthField, AuthStatus, AuthStep, Captcha};
use mw_protocol::{ClientLoginOutcome, CreateAccountOutcome, Warning};

use crate::values::{IntoPyValue, PyUser, str_repr};

/// One field an AuthManager step asks for.
#[pyclass(frozen, module = "mwauth._native", name = "AuthField")]
#[derive(Clone)]
pub struct PyAuthField {
    /// The parameter name to send it as (``OATHToken``, ``captchaWord``).
    #[pyo3(get)]
    name: String,
    /// ``string``, ``password``, ``hidden``, ``checkbox``, ``select``,
    /// ``multiselect``, ``button`` or ``null`` (text only).
    #[pyo3(get)]
    kind: String,
    /// A hidden field's value, or a ``null`` field's text.
    #[pyo3(get)]
    value: Option<String>,
    /// What to show next to it.
    #[pyo3(get)]
    label: Option<String>,
    /// A longer explanation.
    #[pyo3(get)]
    help: Option<String>,
    /// Whether it may be left empty.
    #[pyo3(get)]
    optional: bool,
    /// Whether it is a secret.
    #[pyo3(get)]
    sensitive: bool,
}

impl From<&AuthField> for PyAuthField {
    fn from(f: &AuthField) -> Self {
        PyAuthField {
            name: f.name.clone(),
            kind: f.kind.clone(),
            value: f.value.clone(),
            label: f.label.clone(),
            help: f.help.clone(),
            optional: f.optional,
            sensitive: f.sensitive,
        }
    }
}

#[pymethods]
impl PyAuthField {
    fn __repr__(&self) -> String {
        format!(
            "AuthField(name={}, kind={})",
            str_repr(&self.name),
            str_repr(&self.kind)
        )
    }
}

/// A captcha to solve (ConfirmEdit).
#[pyclass(frozen, module = "mwauth._native", name = "Captcha")]
pub struct PyCaptcha {
    /// The captcha's id (sent back as ``captchaId`` by the library).
    #[pyo3(get)]
    id: String,
    /// What to do (the ``captchaInfo`` field's label).
    #[pyo3(get)]
    prompt: Option<String>,
    /// The question (QuestyCaptcha) or image URL (FancyCaptcha).
    #[pyo3(get)]
    info: Option<String>,
}

impl From<Captcha> for PyCaptcha {
    fn from(c: Captcha) -> Self {
        PyCaptcha {
            id: c.id,
            prompt: c.prompt,
            info: c.info,
        }
    }
}

#[pymethods]
impl PyCaptcha {
    fn __repr__(&self) -> String {
        format!(
            "Captcha(info={})",
            self.info.as_deref().map(str_repr).unwrap_or("None".into())
        )
    }
}

/// One AuthManager step that needs more (``UI``, ``REDIRECT``,
/// ``RESTART``) of ``client_login`` or ``create_account``.
#[pyclass(frozen, module = "mwauth._native", name = "AuthStep")]
pub struct PyAuthStep {
    step: AuthStep,
    status: &'static str,
}

#[pymethods]
impl PyAuthStep {
    /// ``"UI"``, ``"REDIRECT"`` or ``"RESTART"``.
    #[getter]
    fn status(&self) -> &'static str {
        self.status
    }

    /// The server's message.
    #[getter]
    fn message(&self) -> Option<String> {
        self.step.message.clone()
    }

    /// The message code (``oathauth-auth-ui``, …).
    #[getter]
    fn message_code(&self) -> Option<String> {
        self.step.message_code.clone()
    }

    /// Whether ``loginpreservestate``/``createpreservestate`` can be used.
    #[getter]
    fn can_preserve_state(&self) -> bool {
        self.step.can_preserve_state
    }

    /// For ``REDIRECT``: where to send the user.
    #[getter]
    fn redirect_target(&self) -> Option<String> {
        match &self.step.status {
            AuthStatus::Redirect {
                redirect_target, ..
            } => Some(redirect_target.clone()),
            _ => None,
        }
    }

    /// For ``REDIRECT``: data the continuation needs.
    #[getter]
    fn redirect_data(&self) -> Option<String> {
        match &self.step.status {
            AuthStatus::Redirect { redirect_data, .. } => redirect_data.clone(),
            _ => None,
        }
    }

    /// The requests, as dicts: ``id``, ``required``, ``provider``,
    /// ``account`` and ``fields`` (name → dict of ``type``, ``value``,
    /// ``label``, ``help``, ``optional``, ``sensitive``).
    #[getter]
    fn requests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in &self.step.requests {
            let d = PyDict::new(py);
            d.set_item("id", &r.id)?;
            d.set_item("required", &r.required)?;
            d.set_item("provider", &r.provider)?;
            d.set_item("account", &r.account)?;
            let fields = PyDict::new(py);
            for f in &r.fields {
                let fd = PyDict::new(py);
                fd.set_item("type", &f.kind)?;
                fd.set_item("value", &f.value)?;
                fd.set_item("label", &f.label)?;
                fd.set_item("help", &f.help)?;
                fd.set_item("optional", f.optional)?;
                fd.set_item("sensitive", f.sensitive)?;
                fields.set_item(&f.name, fd)?;
            }
            d.set_item("fields", fields)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Every field of every request.
    #[getter]
    fn fields(&self) -> Vec<PyAuthField> {
        self.step.fields().map(PyAuthField::from).collect()
    }

    /// The fields to fill in (neither hidden nor text-only).
    #[getter]
    fn inputs(&self) -> Vec<PyAuthField> {
        self.step.inputs().map(PyAuthField::from).collect()
    }

    /// The field named ``name``, or ``None``.
    fn field(&self, name: &str) -> Option<PyAuthField> {
        self.step.field(name).map(PyAuthField::from)
    }

    /// Whether the step asks for the field ``name``.
    fn asks_for(&self, name: &str) -> bool {
        self.step.asks_for(name)
    }

    /// Whether the step asks for a two-factor code (``OATHToken``).
    #[getter]
    fn asks_for_two_factor(&self) -> bool {
        self.step.asks_for_two_factor()
    }

    /// The captcha to solve, or ``None``: answer it as ``captchaWord``.
    #[getter]
    fn captcha(&self) -> Option<PyCaptcha> {
        self.step.captcha().map(PyCaptcha::from)
    }

    fn __repr__(&self) -> String {
        let names: Vec<String> = self.step.inputs().map(|f| str_repr(&f.name)).collect();
        format!(
            "AuthStep(status={}, inputs=[{}])",
            str_repr(self.status),
            names.join(", ")
        )
    }
}

fn py_step(py: Python<'_>, step: AuthStep) -> PyResult<Py<PyAny>> {
    let status = match &step.status {
        AuthStatus::Pass { .. } => "PASS",
        AuthStatus::Fail => "FAIL",
        AuthStatus::Ui => "UI",
        AuthStatus::Redirect { .. } => "REDIRECT",
        AuthStatus::Restart => "RESTART",
        _ => "UNKNOWN",
    };
    Ok(Py::new(py, PyAuthStep { step, status })?.into_any())
}

/// The result of ``create_account``: the account exists.
#[pyclass(frozen, module = "mwauth._native", name = "AccountCreated")]
pub struct PyAccountCreated {
    /// The account's name, as the wiki normalized it.
    #[pyo3(get)]
    username: String,
}

#[pymethods]
impl PyAccountCreated {
    fn __repr__(&self) -> String {
        format!("AccountCreated(username={})", str_repr(&self.username))
    }
}

impl IntoPyValue for ClientLoginOutcome {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        match *self {
            ClientLoginOutcome::LoggedIn(user) => Ok(Py::new(py, PyUser::from(&user))?.into_any()),
            ClientLoginOutcome::NeedsInput(step) => py_step(py, step),
        }
    }
}

impl IntoPyValue for CreateAccountOutcome {
    fn into_py_value(self: Box<Self>, py: Python<'_>, _: &[Warning]) -> PyResult<Py<PyAny>> {
        match *self {
            CreateAccountOutcome::Created { username } => {
                Ok(Py::new(py, PyAccountCreated { username })?.into_any())
            }
            CreateAccountOutcome::NeedsInput(step) => py_step(py, step),
        }
    }
}
