//! What an AuthManager flow keeps in memory between a step and its
//! continuation: the name, the password and the fields to send again.

use crate::Password;

/// A login or account creation waiting for more fields: its name,
/// password and return URL, and the fields it sends with them (a login's
/// captcha id; a creation's hidden and given fields). Never saved; its
/// `Debug` shows the name only.
#[derive(Clone)]
pub(crate) struct PendingAuth {
    pub(super) username: String,
    pub(super) password: Password,
    pub(super) return_url: String,
    pub(super) fields: Vec<(String, String)>,
}

impl std::fmt::Debug for PendingAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}
