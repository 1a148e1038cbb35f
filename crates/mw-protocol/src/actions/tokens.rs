//! `action=query&meta=tokens` (MediaWiki 1.24+).

use serde::Deserialize;
use serde_json::Value;

use crate::response::wire::Object;
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Token, TokenType, Warning};

use super::Module;
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
    /// The tokens, sorted by type, one of each.
    tokens: Vec<(TokenType, Token)>,
    /// `false` when the wiki does not have `meta=tokens` at all
    /// (MediaWiki ≤1.23): use [`legacy_tokens`](super::legacy_tokens).
    pub meta_tokens_available: bool,
}

impl TokenSet {
    /// The token of a type, if the response had it.
    pub fn get(&self, ty: &TokenType) -> Option<&Token> {
        let at = self.tokens.binary_search_by(|(t, _)| t.cmp(ty)).ok()?;
        self.tokens.get(at).map(|(_, token)| token)
    }

    /// The tokens, by type (in order).
    ///
    /// ```
    /// use mw_protocol::{actions::tokens, TokenType};
    /// let res = http::Response::new(
    ///     br#"{"query":{"tokens":{"watchtoken":"w+\\","csrftoken":"c+\\"}}}"#.to_vec(),
    /// );
    /// let set = tokens::parse_response(&res)?.value;
    /// let types: Vec<&TokenType> = set.iter().map(|(ty, _)| ty).collect();
    /// assert_eq!(types, [&TokenType::CSRF, &TokenType::WATCH]);
    /// assert_eq!(set.len(), 2);
    /// # Ok::<(), mw_protocol::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&TokenType, &Token)> {
        self.tokens.iter().map(|(ty, token)| (ty, token))
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The tokens, by type (in order).
    pub fn into_tokens(self) -> Vec<(TokenType, Token)> {
        self.tokens
    }

    /// A set of `tokens` (sorted by type, each once).
    pub(crate) fn new(tokens: Vec<(TokenType, Token)>, meta_tokens_available: bool) -> TokenSet {
        TokenSet {
            tokens,
            meta_tokens_available,
        }
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
    MetaTokens::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
///
/// ```
/// use mw_protocol::{actions::tokens, TokenType};
/// let res = http::Response::new(br#"{"query":{"tokens":{"csrftoken":"c+\\"}}}"#.to_vec());
/// let set = tokens::parse_response(&res)?.value;
/// assert_eq!(set.get(&TokenType::CSRF).map(|t| t.secret()), Some("c+\\"));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<TokenSet>, Error> {
    MetaTokens::parse_response(response)
}

/// What the parser reads of `query`.
#[derive(Deserialize, Default)]
pub(crate) struct Query {
    #[serde(default)]
    tokens: TokenMap<Current>,
}

crate::response::scan_read::struct_from_scan!(Query { "tokens" => tokens });

/// The parser of `meta=tokens`.
pub(crate) struct MetaTokens;

impl Module for MetaTokens {
    const KEY: &'static str = "query";
    type Member = Object<Query>;
    type Output = TokenSet;

    fn finish(query: Object<Query>, warnings: &[Warning]) -> Result<TokenSet, Error> {
        finish(query.0.map(|q| q.tokens).unwrap_or_default(), warnings)
    }
}

fn finish(tokens: TokenMap<Current>, warnings: &[Warning]) -> Result<TokenSet, Error> {
    if let TokenMap::Missing = tokens {
        if warnings.iter().any(is_meta_tokens_unknown) {
            return Ok(TokenSet::new(Vec::new(), false));
        }
        if warnings.iter().any(|w| {
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
    Ok(TokenSet::new(tokens.into_tokens()?, true))
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
