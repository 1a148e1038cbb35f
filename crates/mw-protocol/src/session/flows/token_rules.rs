//! The token rules, in one place for the home wiki and a foreign one:
//! which request fetches tokens on which token API, how its answer is read,
//! and what a fetched token must look like to be used.

use super::super::state::{Ctx, TokenApi};
use super::{Answer, Kept};
use crate::actions::legacy_tokens::{self, ActionTokens};
use crate::actions::tokens::{self, MetaTokens, TokenSet};
use crate::{ActionRequest, Error, Token, TokenType, Warning};

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

/// What a fetched token is good for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Use it (and cache it).
    Usable,
    /// Longer than [`MAX_TOKEN_LEN`]: never used, never cached (nor saved
    /// in a session file).
    TooLong,
    /// It does not end in `+\` or its `+` became a space: a proxy altered
    /// it, so it would be refused (or worse, match nothing silently).
    Mangled,
    /// The anonymous `+\` of a user-bound type although logged in: the
    /// wiki lost the session.
    Lost,
}

/// Judges a token of `ty` fetched with `meta=tokens` or `action=tokens`
/// (every one of them ends in `+\`; the login tokens without it come from
/// `action=login`'s `NeedToken` of MediaWiki ≤1.26, not from here).
pub(crate) fn judge(ty: &TokenType, token: &Token, logged_in: bool) -> Verdict {
    if token.secret().len() > MAX_TOKEN_LEN {
        Verdict::TooLong
    } else if token.is_mangled() {
        Verdict::Mangled
    } else if logged_in && ty.is_user_bound() && token.is_anonymous() {
        Verdict::Lost
    } else {
        Verdict::Usable
    }
}

/// The request for tokens of `types` on a wiki with this token API:
/// `meta=tokens`, or `action=tokens` for the types it has (a wiki without
/// `meta=tokens` has no token of another type).
pub(crate) fn token_request(api: TokenApi, types: &[TokenType]) -> Result<ActionRequest, Error> {
    if api != TokenApi::ActionTokens {
        return Ok(tokens::request(types));
    }
    let mappable: Vec<TokenType> = types
        .iter()
        .filter(|t| t.legacy_name().is_some())
        .cloned()
        .collect();
    if mappable.is_empty() {
        let names: Vec<&str> = types.iter().map(TokenType::as_str).collect();
        return Err(Error::Unsupported(format!(
            "no {} token on a wiki without meta=tokens",
            names.join("|")
        )));
    }
    legacy_tokens::request(&mappable)
}

/// Learns the wiki's token API from a `meta=tokens` answer (the login
/// flow's and the broker's): `true` when the wiki has no `meta=tokens`
/// (MediaWiki ≤1.23), which is recorded, so that the caller asks again the
/// old way.
pub(crate) fn learn_token_api(cx: &mut Ctx, set: &TokenSet) -> bool {
    match cx.token_api {
        TokenApi::ActionTokens => false,
        _ if !set.meta_tokens_available => {
            cx.set_token_api(TokenApi::ActionTokens);
            true
        }
        TokenApi::Unknown => {
            cx.set_token_api(TokenApi::MetaTokens);
            false
        }
        TokenApi::MetaTokens => false,
    }
}

/// The answer to [`token_request`], read for the token API it was sent
/// to.
#[derive(Default)]
pub(crate) struct KeptTokens {
    meta: Kept<MetaTokens>,
    legacy: Kept<ActionTokens>,
    /// The answer was read as `action=tokens`'.
    read_legacy: bool,
}

impl KeptTokens {
    /// Reads the answer on the wiki's token API.
    pub fn read(
        &mut self,
        api: TokenApi,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Answer, Error> {
        self.read_legacy = api == TokenApi::ActionTokens;
        match self.read_legacy {
            true => self.legacy.read(response),
            false => self.meta.read(response),
        }
    }

    /// The tokens of the answer read.
    pub fn parse(&mut self, res: Result<Answer, Error>) -> Result<TokenSet, Error> {
        match self.read_legacy {
            true => self.legacy.parse(res),
            false => self.meta.parse(res),
        }
    }
}
