//! The deprecated token APIs: `action=tokens` (MediaWiki 1.20–1.36) and the
//! per-module parameters `intoken`, `rvtoken`, `rctoken`, `ustoken` and
//! `uiprop=preferencestoken` (deprecated in 1.24, removed in 1.37).
//!
//! Their deprecation warnings come out of every parser (and of
//! [`parse_envelope`](crate::response::parse_envelope)) as [`Warning`]s
//! whose [`is_deprecation`](crate::Warning::is_deprecation) is true.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Module;
use super::module_tokens::{PrunedQuery, QueryTokens};
use super::token_map::{Legacy, TokenMap};
use super::tokens::TokenSet;
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Token, TokenType, Warning};

/// `action=tokens&type=…` with the legacy names of the given types
/// (`csrf` → `edit`). Fails with [`Error::Unsupported`] for a type that API
/// never had (`rollback`, `userrights`, `login`, `createaccount`).
///
/// ```
/// use mw_protocol::{actions::legacy_tokens, TokenType};
/// let req = legacy_tokens::request(&[TokenType::CSRF, TokenType::WATCH])?;
/// assert_eq!(req.action(), "tokens");
/// assert_eq!(req.param_value("type"), Some("edit|watch"));
/// assert!(legacy_tokens::request(&[TokenType::LOGIN]).is_err());
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn request(types: &[TokenType]) -> Result<ActionRequest, Error> {
    let names = types
        .iter()
        .map(|t| {
            t.legacy_name().ok_or_else(|| {
                Error::Unsupported(format!("no {t} token on a wiki without meta=tokens"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ActionRequest::get("tokens").param("type", names.join("|")))
}

/// Reads `tokens.<name>token`, mapping legacy names to current types
/// (`edittoken` → csrf).
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<TokenSet, Error> {
    ActionTokens::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<TokenSet>, Error> {
    ActionTokens::parse_response(response)
}

/// The parser of `action=tokens`.
pub(crate) struct ActionTokens;

impl Module for ActionTokens {
    const KEY: &'static str = "tokens";
    type Member = TokenMap<Legacy>;
    type Output = TokenSet;

    fn finish(tokens: TokenMap<Legacy>, _: &[Warning]) -> Result<TokenSet, Error> {
        if let TokenMap::Missing = tokens {
            return Err(Error::Decode("missing object tokens".into()));
        }
        Ok(TokenSet::new(tokens.into_tokens()?, false))
    }
}

/// `action=query&prop=info&intoken=…&titles=…`: the oldest way to get
/// page-bound tokens (`edit`, `delete`, `protect`, `move`, `block`,
/// `unblock`, `email`, `import`, `watch`).
pub fn intoken_request(titles: &str, legacy_names: &[&str]) -> ActionRequest {
    ActionRequest::get("query")
        .param("prop", "info")
        .param("titles", titles)
        .param("intoken", legacy_names.join("|"))
}

/// Collects the tokens that the per-module parameters put in a `query`
/// result: `pages[*].<name>token` (`intoken`),
/// `pages[*].revisions[*].rollbacktoken` (`rvtoken`),
/// `recentchanges[*].patroltoken` (`rctoken`), `users[*].userrightstoken`
/// (`ustoken`) and `userinfo.preferencestoken`. Names map to current types;
/// the first token of each type wins. Only those members are built (such a
/// query answer holds whatever else was asked): the rest is skipped.
pub fn parse_module_tokens(
    env: &Envelope<impl AsRef<str>>,
) -> Result<BTreeMap<TokenType, Token>, Error> {
    ModuleTokenParser::parse(env)
}

/// [`parse_module_tokens`] straight from the response, in one pass.
pub fn parse_module_tokens_response(
    response: &http::Response<Vec<u8>>,
) -> Result<Reply<BTreeMap<TokenType, Token>>, Error> {
    ModuleTokenParser::parse_response(response)
}

/// The parser of the per-module tokens of `query`.
pub(crate) struct ModuleTokenParser;

impl Module for ModuleTokenParser {
    const KEY: &'static str = "query";
    type Member = QueryTokens;
    type Output = BTreeMap<TokenType, Token>;

    fn finish(read: QueryTokens, _: &[Warning]) -> Result<Self::Output, Error> {
        // What the scanner read, in the order of the walk below; else what
        // serde read, only what the walk reads built.
        match read {
            QueryTokens::Read(tokens) => {
                tokens.map_or_else(|| Ok(BTreeMap::new()), |t| t.into_tokens())
            }
            QueryTokens::Pruned(PrunedQuery(query)) => walk(query.as_ref()),
        }
    }
}

/// The tokens of a pruned `query` tree, in order: pages (each then its
/// revisions), recent changes, users, userinfo.
pub(crate) fn walk(query: Option<&Value>) -> Result<BTreeMap<TokenType, Token>, Error> {
    let mut out = BTreeMap::new();
    let Some(query) = query else {
        return Ok(out);
    };
    let mut add = |obj: &Value| -> Result<(), Error> {
        let Value::Object(members) = obj else {
            return Ok(());
        };
        for (key, v) in by_key(members) {
            let Some(ty) = key
                .strip_suffix("token")
                .and_then(TokenType::from_legacy_name)
            else {
                continue;
            };
            let Value::String(s) = v else {
                return Err(Error::Decode(format!("token {key} is not a string")));
            };
            out.entry(ty).or_insert_with(|| Token::new(s.as_str()));
        }
        Ok(())
    };
    for page in values_of(query.get("pages")) {
        add(page)?;
        for rev in values_of(page.get("revisions")) {
            add(rev)?;
        }
    }
    for list in ["recentchanges", "users"] {
        for item in values_of(query.get(list)) {
            add(item)?;
        }
    }
    if let Some(ui) = query.get("userinfo") {
        add(ui)?;
    }
    Ok(out)
}

/// The members of a list (fv2) or of an id-keyed object (fv1, by id as
/// the scanner's pass reads them).
fn values_of(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => by_key(o).into_iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    }
}

/// An object's members sorted by key, whatever order `serde_json::Map`
/// keeps (a crate that turns on serde_json's `preserve_order` makes it
/// the body's): the order the scanner's pass reads them in.
fn by_key(o: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut members: Vec<_> = o.iter().collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    members
}
