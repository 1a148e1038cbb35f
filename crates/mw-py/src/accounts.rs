//! The arguments of `create_account` / `create_account_continue` (the
//! same on `Session`, `AsyncSession` and `SansIOSession`).

use std::collections::HashMap;

use pyo3::prelude::*;

use mw_protocol::Password;

use crate::client::Command;
use crate::values::password_arg;

/// An account to create: what `Session::create_account` takes.
pub(crate) struct NewAccount {
    pub username: String,
    pub password: Password,
    pub return_url: String,
    pub fields: Vec<(String, String)>,
}

impl NewAccount {
    pub fn new(
        username: &str,
        password: &Bound<'_, PyAny>,
        return_url: &str,
        fields: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        Ok(NewAccount {
            username: username.to_owned(),
            password: password_arg(password)?,
            return_url: return_url.to_owned(),
            fields: sorted(fields.unwrap_or_default()),
        })
    }
}

/// The fields in a stable order (by name).
pub(crate) fn sorted(fields: HashMap<String, String>) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = fields.into_iter().collect();
    fields.sort();
    fields
}

pub(crate) fn create_cmd(
    username: &str,
    password: &Bound<'_, PyAny>,
    return_url: &str,
    fields: Option<HashMap<String, String>>,
) -> PyResult<Command> {
    Ok(Command::CreateAccount(NewAccount::new(
        username, password, return_url, fields,
    )?))
}

pub(crate) fn continue_cmd(fields: HashMap<String, String>) -> Command {
    Command::CreateAccountContinue(sorted(fields))
}
