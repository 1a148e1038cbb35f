//! `action=query&meta=tokens` (MediaWiki 1.24+).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::response::Envelope;
use crate::{ActionRequest, Error, Token, TokenType};

use super::token_map::{Current, TokenMap};

/// Asks for one or more token types in one GET request.
///
/// ```
/// use mw_protocol::{actions::tokens, TokenType};
/// let req = tokens::request(&[TokenType::CSRF, TokenType::WATCH]);
/// assert_eq!(req.param_value("type"), Some("csrf|watch"));
/// ```
pub fn request(types: &[TokenType]) -> ActionRequest {
    let names: Vec<&str> = types.iter().map(TokenType::as_str).collect();
    ActionRequest::get("query")
        .param("meta", "tokens")
        .param("type", names.join("|"))
}

/// The tokens a response held.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct TokenSet {
    /// The tokens, by type.
    pub tokens: BTreeMap<TokenType, Token>,
    /// `false` when the wiki does not have `meta=tokens` at all
    /// (MediaWiki ≤1.23): use [`legacy_tokens`](super::legacy_tokens).
    pub meta_tokens_available: bool,
}

impl TokenSet {
    /// The token of a type, if the response had it.
    pub fn get(&self, ty: &TokenType) -> Option<&Token> {
        self.tokens.get(ty)
    }
}

/// Reads `query.tokens`.
///
/// * Every `<type>token` key becomes an entry (extension types included);
///   a value that is not a string is a decode error.
/// * A wiki without `meta=tokens` (its "Unrecognized value for parameter
///   'meta': tokens" warning, or `unrecognizedvalues` on `meta`) gives
///   `meta_tokens_available: false` and no tokens.
/// * Tokens withheld for lack of same-origin security
///   (`apiwarn-tokens-origin`) give [`Error::Unsupported`].
/// * Unknown types are dropped by the server with a warning: they are simply
///   absent here.
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<TokenSet, Error> {
    #[derive(Deserialize)]
    struct Query {
        #[serde(default)]
        tokens: TokenMap<Current>,
    }
    let tokens = env
        .query_member(|m| m.query_tokens().map(Some), |q: Query| q.tokens)?
        .unwrap_or_default();
    if let TokenMap::Missing = tokens {
        if env.warnings.iter().any(is_meta_tokens_unknown) {
            return Ok(TokenSet {
                tokens: BTreeMap::new(),
                meta_tokens_available: false,
            });
        }
        if env.warnings.iter().any(|w| {
            // `tokens-origin` is the code non-bc formats give (the message
            // key is `apiwarn-tokens-origin`); the bc format has only text.
            matches!(
                w.code.as_deref(),
                Some("tokens-origin" | "apiwarn-tokens-origin")
            ) || w.text.starts_with("Tokens may not be obtained")
        }) {
            return Err(Error::Unsupported(
                "tokens withheld: the same-origin policy is not applied to this request".into(),
            ));
        }
        return Err(Error::Decode("missing object query.tokens".into()));
    }
    Ok(TokenSet {
        tokens: tokens.into_tokens()?,
        meta_tokens_available: true,
    })
}

/// The warning of a wiki that has no `meta=tokens` module.
fn is_meta_tokens_unknown(w: &crate::Warning) -> bool {
    if w.code.as_deref() == Some("unrecognizedvalues") {
        let values = w
            .data
            .as_ref()
            .and_then(|d| d.get("values"))
            .and_then(Value::as_array);
        return w.text.contains("\"meta\"")
            && values.is_some_and(|v| v.iter().any(|x| x.as_str() == Some("tokens")));
    }
    let t = &w.text;
    t.contains("Unrecognized value for parameter")
        && (t.contains("'meta'") || t.contains("\"meta\""))
        && t.contains("tokens")
}
