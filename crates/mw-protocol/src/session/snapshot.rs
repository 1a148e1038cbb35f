//! Saving and resuming a session.

use std::collections::BTreeMap;

use super::Config;
use super::state::{Ctx, TokenApi, User};
use super::token_cache::TokenCache;
use crate::{Error, Token, TokenType};

const VERSION: u32 = 1;

/// What a session can be resumed from: the endpoint, the user, the token
/// API found and the cached tokens. Credentials are never part of it.
/// Serialize it with serde (the transport writes it beside the cookies);
/// `Debug` shows no token.
///
/// ```
/// use mw_protocol::{Config, Session, SessionSnapshot};
/// let session = Session::new("https://w.example/w/api.php", Config::new("demo/1.0"))?;
/// let json = serde_json::to_string(&session.snapshot()).unwrap();
/// let back: SessionSnapshot = serde_json::from_str(&json).unwrap();
/// let resumed = Session::from_snapshot(back, Config::new("demo/1.0"))?;
/// assert_eq!(resumed.endpoint().as_str(), "https://w.example/w/api.php");
/// # Ok::<(), mw_protocol::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSnapshot {
    version: u32,
    endpoint: String,
    user: Option<User>,
    token_api: TokenApi,
    tokens: BTreeMap<TokenType, Token>,
}

impl SessionSnapshot {
    pub(crate) fn of(cx: &Ctx) -> Self {
        SessionSnapshot {
            version: VERSION,
            endpoint: cx.endpoint.to_string(),
            user: cx.user.clone(),
            token_api: cx.token_api,
            tokens: cx.cache.to_map(),
        }
    }

    /// The `api.php` URL the snapshot belongs to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    pub(crate) fn into_ctx(self, config: Config) -> Result<Ctx, Error> {
        if self.version != VERSION {
            return Err(Error::InvalidInput(format!(
                "unsupported session snapshot version {}",
                self.version
            )));
        }
        let endpoint = crate::request::parse_endpoint(&self.endpoint)?;
        let mut cx = Ctx::new(endpoint, config);
        cx.user = self.user;
        cx.set_token_api(self.token_api);
        cx.cache = TokenCache::from_map(self.tokens);
        Ok(cx)
    }
}
