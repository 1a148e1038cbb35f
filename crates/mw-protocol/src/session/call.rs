//! [`ActionCall`]: a call of any module, with an optional token.

use crate::{ActionRequest, TokenType};

/// A generic API call: any module, with an optional token to inject.
///
/// ```
/// use mw_protocol::{ActionCall, ActionRequest, TokenType};
/// let call = ActionCall::new(ActionRequest::post("edit").param("title", "Sandbox").param("appendtext", "hi"))
///     .with_token(TokenType::CSRF);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActionCall {
    pub(crate) request: ActionRequest,
    pub(crate) token: Option<(TokenType, String)>,
    pub(crate) anonymous: bool,
}

impl ActionCall {
    /// A call without a token.
    pub fn new(request: ActionRequest) -> Self {
        ActionCall {
            request,
            token: None,
            anonymous: false,
        }
    }

    /// Lets this call go out with a user-bound token while no user is
    /// logged in (the anonymous token `+\`: MediaWiki records the
    /// machine's IP address as the author of what it does). Without it, or
    /// [`Config::allow_anonymous`](super::Config::allow_anonymous), such a call fails with
    /// [`Error::NotLoggedIn`](crate::Error::NotLoggedIn) and sends nothing.
    ///
    /// ```
    /// use mw_protocol::{ActionCall, ActionRequest, TokenType};
    /// let call = ActionCall::new(ActionRequest::post("edit").param("title", "Sandbox"))
    ///     .with_token(TokenType::CSRF)
    ///     .allow_anonymous();
    /// ```
    pub fn allow_anonymous(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Injects a token of this type as `token` (last in a POST body),
    /// refreshed and retried once on `badtoken`.
    pub fn with_token(self, ty: TokenType) -> Self {
        self.with_token_param(ty, "token")
    }

    /// Like [`with_token`](Self::with_token), for a module whose token
    /// parameter has another name.
    pub fn with_token_param(mut self, ty: TokenType, param: &str) -> Self {
        self.token = Some((ty, param.to_owned()));
        self
    }
}
