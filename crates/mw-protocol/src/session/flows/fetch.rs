//! The token fetch the broker runs for every waiting operation:
//! `meta=tokens&type=a|b|…`, or `action=tokens` on a wiki without it, and
//! what a fetched token must look like to be used.

use std::collections::BTreeMap;

use super::super::state::{Ctx, TokenApi};
use super::{Flow, Step, Target};
use crate::actions::{legacy_tokens, tokens};
use crate::response::Envelope;
use crate::{ActionRequest, Error, Token, TokenType, Warning};

/// The result of a token fetch, for the operations waiting on it.
pub(crate) struct Fetched {
    pub tokens: BTreeMap<TokenType, Token>,
    /// Types answered with `+\` although logged in: the session is lost.
    pub lost: Vec<TokenType>,
    /// Types answered with a token that does not end in `+\` or whose `+`
    /// became a space (a proxy altered it): never used, never cached.
    pub mangled: Vec<TokenType>,
    /// Types answered with a token longer than [`MAX_TOKEN_LEN`]: never
    /// used, never cached (nor saved in a session file).
    pub too_long: Vec<TokenType>,
    pub error: Option<Error>,
}

/// The longest token accepted. MediaWiki's are 42 characters (32 hex of
/// HMAC, 8 hex of time, `+\`); extension tokens are of the same kind.
pub(crate) const MAX_TOKEN_LEN: usize = 1024;

/// The core token types, for messages (extensions add more).
const KNOWN_TYPES: &[&str] = &[
    "csrf",
    "watch",
    "patrol",
    "rollback",
    "userrights",
    "login",
    "createaccount",
];

impl Fetched {
    /// A fetch that failed as a whole: every waiter gets `error`.
    pub fn failed(error: Error) -> Self {
        Fetched {
            tokens: BTreeMap::new(),
            lost: Vec::new(),
            mangled: Vec::new(),
            too_long: Vec::new(),
            error: Some(error),
        }
    }

    /// A fetch that found the session lost for all its types.
    fn lost(types: Vec<TokenType>) -> Self {
        Fetched {
            tokens: BTreeMap::new(),
            lost: types,
            mangled: Vec::new(),
            too_long: Vec::new(),
            error: None,
        }
    }
}

/// The error for a token that does not end in `+\` or whose `+` became a
/// space: it was altered on the way (a proxy), so it is never used.
pub(crate) fn mangled_token(who: &str, ty: &TokenType) -> Error {
    Error::Decode(format!(
        "{who} sent a malformed {ty} token (it does not end in `+\\`); \
         a proxy may have altered it, so it is not used"
    ))
}

/// The error for a token longer than [`MAX_TOKEN_LEN`].
pub(crate) fn too_long_token(ty: &TokenType) -> Error {
    Error::Decode(format!(
        "the server sent a {ty} token too long to be one (more than {MAX_TOKEN_LEN} bytes); \
         it is not used"
    ))
}

/// The error for a token type the wiki did not answer: a typo, or a type
/// of an extension the wiki does not have. The server's own
/// "Unrecognized value" warning goes with it.
pub(crate) fn unknown_token_type(ty: &TokenType, warnings: &[Warning]) -> Error {
    let name = ty.as_str();
    let said = warnings
        .iter()
        .find(|w| w.text.contains(name))
        .map(|w| format!("; the wiki said: {}", w.text))
        .unwrap_or_default();
    let hint = KNOWN_TYPES
        .iter()
        .filter(|k| edit_distance(k, name) <= 2)
        .min_by_key(|k| edit_distance(k, name))
        .map(|k| format!("; did you mean \"{k}\"?"))
        .unwrap_or_default();
    Error::Unsupported(format!(
        "the wiki does not know the token type \"{name}\" (MediaWiki knows {}, and \
         extensions add more){hint}{said}",
        KNOWN_TYPES.join(", ")
    ))
}

/// The Levenshtein distance of two short ASCII names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (prev + cost).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

pub(crate) struct FetchTokens {
    types: Vec<TokenType>,
}

impl FetchTokens {
    pub fn new(types: Vec<TokenType>) -> Self {
        FetchTokens { types }
    }

    fn legacy_request(&self, cx: &Ctx) -> Step {
        let mappable: Vec<TokenType> = self
            .types
            .iter()
            .filter(|t| t.legacy_name().is_some())
            .cloned()
            .collect();
        if mappable.is_empty() {
            let names: Vec<&str> = self.types.iter().map(TokenType::as_str).collect();
            return Step::Fetched(Fetched::failed(Error::Unsupported(format!(
                "no {} token on a wiki without meta=tokens",
                names.join("|")
            ))));
        }
        match legacy_tokens::request(&mappable) {
            Ok(req) => Step::Send(Target::Home, self.decorate(cx, req)),
            Err(e) => Step::Fetched(Fetched::failed(e)),
        }
    }

    /// `maxlag`, and `assert` unless the fetch is for a login (which must
    /// work on a lost session).
    fn decorate(&self, cx: &Ctx, req: ActionRequest) -> ActionRequest {
        if self.types.iter().any(|t| !t.is_user_bound()) {
            cx.with_maxlag(req)
        } else {
            cx.decorate(req)
        }
    }

    fn fetched(&self, cx: &Ctx, mut tokens: BTreeMap<TokenType, Token>) -> Step {
        // Every token of meta=tokens and action=tokens ends in `+\` (the
        // login tokens without it come from action=login's NeedToken of
        // MediaWiki <=1.26, not from here). One that does not, or whose
        // `+` became a space, was altered on the way and would be refused
        // (or worse, match nothing silently): it is never used.
        let mut mangled = Vec::new();
        let mut lost = Vec::new();
        let mut too_long = Vec::new();
        let logged_in = cx.user.is_some();
        tokens.retain(|ty, token| {
            if !self.types.contains(ty) {
                // Only what was asked for is cached (and saved).
                false
            } else if token.secret().len() > MAX_TOKEN_LEN {
                too_long.push(ty.clone());
                false
            } else if token.is_mangled() {
                mangled.push(ty.clone());
                false
            } else if logged_in && ty.is_user_bound() && token.is_anonymous() {
                lost.push(ty.clone());
                false
            } else {
                true
            }
        });
        Step::Fetched(Fetched {
            tokens,
            lost,
            mangled,
            too_long,
            error: None,
        })
    }
}

impl Flow for FetchTokens {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        match cx.token_api {
            TokenApi::ActionTokens => self.legacy_request(cx),
            _ => Step::Send(
                Target::Home,
                self.decorate(cx, tokens::request(&self.types)),
            ),
        }
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let env = match res {
            Ok(env) => env,
            Err(e) => {
                return Step::Fetched(Fetched::failed(e));
            }
        };
        let parsed = if cx.token_api == TokenApi::ActionTokens {
            legacy_tokens::parse(&env)
        } else {
            tokens::parse(&env)
        };
        match parsed {
            Ok(set) if cx.token_api != TokenApi::ActionTokens && !set.meta_tokens_available => {
                cx.set_token_api(TokenApi::ActionTokens);
                self.legacy_request(cx)
            }
            Ok(set) => {
                if cx.token_api == TokenApi::Unknown {
                    cx.set_token_api(TokenApi::MetaTokens);
                }
                self.fetched(cx, set.tokens)
            }
            Err(e) => Step::Fetched(Fetched::failed(e)),
        }
    }

    fn on_session_lost(&mut self, _cx: &mut Ctx) -> Step {
        Step::Fetched(Fetched::lost(self.types.clone()))
    }

    /// A lost session is for the waiters to restore (each logs in again
    /// once), not for the fetch.
    fn relogin_when_lost(&self) -> bool {
        false
    }

    fn fetch_types(&self) -> Vec<TokenType> {
        self.types.clone()
    }
}
