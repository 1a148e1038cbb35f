//! What a session knows between requests.

use std::collections::BTreeMap;

use url::Url;

use super::{Assert, Config};
use crate::{ActionRequest, Password, Token, TokenType};

/// The logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The canonical user name (for a bot password, the account's name).
    pub name: String,
    /// The user id, when the login response gave it.
    pub id: Option<u64>,
}

/// Which token API a wiki has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TokenApi {
    /// Not known yet: `meta=tokens` is tried first.
    Unknown,
    /// `action=query&meta=tokens` (MediaWiki 1.24+).
    MetaTokens,
    /// Only the deprecated `action=tokens` (MediaWiki 1.20–1.23).
    ActionTokens,
}

/// The credentials of the last login, for logging in again.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub username: String,
    pub password: Password,
}

impl Credentials {
    pub fn new(username: &str, password: Password) -> Self {
        Credentials {
            username: username.to_owned(),
            password,
        }
    }
}

/// The session's shared state, which flows read and change.
pub(crate) struct Ctx {
    pub endpoint: Url,
    pub config: Config,
    pub user: Option<User>,
    pub credentials: Option<Credentials>,
    pub token_api: TokenApi,
    pub cache: BTreeMap<TokenType, Token>,
    /// Bumped at every change of user, so that a token fetched for the
    /// previous user is never cached for the next.
    pub generation: u64,
}

impl Ctx {
    pub fn new(endpoint: Url, config: Config) -> Self {
        Ctx {
            endpoint,
            config,
            user: None,
            credentials: None,
            token_api: TokenApi::Unknown,
            cache: BTreeMap::new(),
            generation: 0,
        }
    }

    pub fn can_relogin(&self) -> bool {
        self.config.relogin && self.credentials.is_some()
    }

    pub fn logged_in(&mut self, user: User) {
        self.cache.clear();
        self.user = Some(user);
        self.generation += 1;
    }

    pub fn logged_out(&mut self) {
        self.cache.clear();
        self.user = None;
        self.credentials = None;
        self.generation += 1;
    }

    /// The session was lost and cannot be restored: the cached tokens are
    /// worthless, but the user stays, so that `assert=user` keeps calls
    /// from running anonymously.
    pub fn lost(&mut self) {
        self.cache.clear();
        self.generation += 1;
    }

    /// Adds `maxlag`, unless the caller set one.
    pub fn with_maxlag(&self, mut req: ActionRequest) -> ActionRequest {
        if let (Some(lag), None) = (self.config.maxlag, req.param_value("maxlag")) {
            req.set_param("maxlag", lag.to_string());
        }
        req
    }

    /// Adds `maxlag` and, while logged in, the configured `assert`, unless
    /// the caller set them.
    pub fn decorate(&self, req: ActionRequest) -> ActionRequest {
        let mut req = self.with_maxlag(req);
        let assert = match self.config.assert {
            _ if self.user.is_none() => None,
            Assert::None => None,
            Assert::User => Some("user"),
            Assert::Bot => Some("bot"),
        };
        if let (Some(a), None) = (assert, req.param_value("assert")) {
            req.set_param("assert", a);
        }
        req
    }
}
