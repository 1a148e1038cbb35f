//! What the client's methods return: values with the warnings of the
//! responses that produced them.

use std::ops::Deref;

use mw_protocol::{Envelope, Warning};

/// A result and every warning of every response that produced it (token
/// fetches and logins done on the way included). Dereferences to the
/// value.
///
/// ```
/// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
/// let csrf = client.token(mw_transport::TokenType::CSRF).await?;
/// if csrf.warnings.iter().any(|w| w.is_deprecation()) {
///     eprintln!("this wiki deprecates something we use: {:?}", csrf.warnings);
/// }
/// let token: mw_transport::Token = csrf.into_value();
/// # let _ = token; Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WithWarnings<T> {
    /// The value.
    pub value: T,
    /// The warnings, in the order the responses came.
    pub warnings: Vec<Warning>,
}

impl<T> WithWarnings<T> {
    pub(crate) fn new(value: T, warnings: Vec<Warning>) -> Self {
        WithWarnings { value, warnings }
    }

    /// The value, without the warnings.
    pub fn into_value(self) -> T {
        self.value
    }

    /// `true` when a warning announces a deprecation (such as
    /// `action=tokens` on MediaWiki 1.24–1.36, or a main-account
    /// `action=login`).
    pub fn has_deprecation(&self) -> bool {
        self.warnings.iter().any(Warning::is_deprecation)
    }
}

impl<T> Deref for WithWarnings<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// The answer to an API call: the decoded response and every warning of
/// the call (including those of the token fetch it needed).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Response {
    /// The decoded response (its own warnings are in `envelope.warnings`).
    pub envelope: Envelope,
    /// Every warning of every response the call used.
    pub warnings: Vec<Warning>,
}

impl Response {
    /// The whole JSON body, built as a tree on the first call (see
    /// [`Envelope::body`]; [`Envelope::read`] reads it typed instead).
    pub fn body(&self) -> &serde_json::Value {
        self.envelope.body()
    }

    /// The value at a path of object keys (`["edit", "result"]`).
    pub fn get(&self, path: &[&str]) -> Option<&serde_json::Value> {
        self.envelope.get(path)
    }

    /// `true` when a warning announces a deprecation.
    pub fn has_deprecation(&self) -> bool {
        self.warnings.iter().any(Warning::is_deprecation)
    }
}
