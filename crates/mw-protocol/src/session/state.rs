//! What a session knows between requests.

use std::collections::BTreeSet;

use url::Url;

use super::token_cache::TokenCache;
use super::{Assert, Config};
use crate::{ActionRequest, Password, Warning};

/// The parameters the client adds to requests by itself. An old wiki that
/// does not know one says so in a warning; the session then stops sending
/// it and drops the warning (the caller did not cause it).
const CLIENT_PARAMS: &[&str] = &["formatversion", "errorformat", "maxlag", "assert"];

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
    pub cache: TokenCache,
    /// Bumped at every change of user, so that a token fetched for the
    /// previous user is never cached for the next.
    pub generation: u64,
    /// Parameters of [`CLIENT_PARAMS`] the wiki said it does not know.
    pub unknown_params: BTreeSet<&'static str>,
    /// The wiki's logout takes no token (before MediaWiki 1.33; 1.32.2).
    pub logout_without_token: bool,
    /// An account creation waiting for more fields (a captcha's answer)
    /// before it is sent: in memory only, never in a snapshot.
    pub pending_account: Option<super::flows::PendingAuth>,
    /// A client login the wiki failed for want of a captcha, waiting for
    /// its answer: in memory only, never in a snapshot.
    pub pending_login: Option<super::flows::PendingAuth>,
    /// Relogins started, for a driver's log line.
    pub relogins: u64,
}

impl Ctx {
    pub fn new(endpoint: Url, config: Config) -> Self {
        Ctx {
            endpoint,
            config,
            user: None,
            credentials: None,
            token_api: TokenApi::Unknown,
            cache: TokenCache::default(),
            generation: 0,
            unknown_params: BTreeSet::new(),
            logout_without_token: false,
            pending_account: None,
            pending_login: None,
            relogins: 0,
        }
    }

    /// Records which token API the wiki has. One with only `action=tokens`
    /// (MediaWiki 1.20–1.23) knows neither `formatversion` (1.25) nor
    /// `errorformat` (1.29), and its logout takes no token (1.33): they
    /// are not sent to it again.
    pub fn set_token_api(&mut self, api: TokenApi) {
        self.token_api = api;
        if api == TokenApi::ActionTokens {
            self.unknown_params.insert("formatversion");
            self.unknown_params.insert("errorformat");
            self.logout_without_token = true;
        }
    }

    /// Removes the parameters the wiki said it does not know.
    pub fn strip_unknown_params(&self, req: &mut ActionRequest) {
        for name in &self.unknown_params {
            req.remove_param(name);
        }
    }

    /// Learns from "Unrecognized parameter(s): …" warnings which of the
    /// parameters the client adds by itself the wiki does not know, and
    /// drops those warnings when they name nothing else (the caller did
    /// not cause them). On `action=logout`, `token` counts as the client's,
    /// and so does the `notloggedin` warning of an anonymous logout (1.45+):
    /// the logout's outcome says it.
    pub fn learn_unknown_params(
        &mut self,
        warnings: &mut Vec<Warning>,
        sent: Option<&ActionRequest>,
    ) {
        let logout = sent.is_some_and(|r| r.action() == "logout");
        warnings.retain(|w| {
            if logout && crate::actions::logout::is_not_logged_in_warning(w) {
                return false;
            }
            let Some(names) = unrecognized_params(w) else {
                return true;
            };
            let mut all_ours = !names.is_empty();
            for name in names {
                if let Some(ours) = CLIENT_PARAMS.iter().find(|p| **p == name) {
                    self.unknown_params.insert(ours);
                } else if logout && name == "token" {
                    self.logout_without_token = true;
                } else {
                    all_ours = false;
                }
            }
            !all_ours
        });
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
        self.pending_login = None;
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
            req.set_static_param("maxlag", lag.to_string().into());
        }
        req
    }

    /// Adds `maxlag` and, while logged in, the configured `assert`, unless
    /// the caller set them. Every request of a session with a user goes
    /// through this but those of a login (which must work on a lost
    /// session).
    pub fn decorate(&self, req: ActionRequest) -> ActionRequest {
        let mut req = self.with_maxlag(req);
        let assert = match self.config.assert {
            _ if self.user.is_none() => None,
            Assert::None => None,
            Assert::User => Some("user"),
            Assert::Bot => Some("bot"),
        };
        if let (Some(a), None) = (assert, req.param_value("assert")) {
            req.set_static_param("assert", a.into());
        }
        req
    }
}

/// The parameter names of an "Unrecognized parameter(s): …" warning of
/// module `main`, in every version's wording (`'a', 'b'` up to 1.28,
/// `a, b.` from 1.29).
fn unrecognized_params(w: &Warning) -> Option<Vec<&str>> {
    if w.module != "main" {
        return None;
    }
    let coded = matches!(
        w.code.as_deref(),
        Some("unrecognizedparams" | "unrecognizedparam")
    );
    let rest = w
        .text
        .strip_prefix("Unrecognized parameters:")
        .or_else(|| w.text.strip_prefix("Unrecognized parameter:"));
    if rest.is_none() && !coded {
        return None;
    }
    let rest = rest?;
    Some(
        rest.split(',')
            .map(|n| n.trim().trim_end_matches('.').trim_matches(['\'', '"']))
            .filter(|n| !n.is_empty())
            .collect(),
    )
}
