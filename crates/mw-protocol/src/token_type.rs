//! Token types: the names `action=query&meta=tokens` knows, and the legacy names.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use crate::Error;

/// A token type as `meta=tokens` names it (`csrf`, `login`, …).
///
/// Core types have constants; extensions add more (CentralAuth's
/// [`TokenType::SET_GLOBAL_ACCOUNT_STATUS`] and
/// [`TokenType::DELETE_GLOBAL_ACCOUNT`]), and any other name is accepted
/// through [`TokenType::new`].
///
/// ```
/// use mw_protocol::TokenType;
/// assert_eq!(TokenType::CSRF.response_key(), "csrftoken");
/// assert_eq!(TokenType::new("oathtoken")?.as_str(), "oathtoken");
/// assert!(TokenType::new("a b").is_err());
/// // Legacy names of MediaWiki ≤1.23 map to current types.
/// assert_eq!(TokenType::from_legacy_name("edit"), Some(TokenType::CSRF));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct TokenType(Cow<'static, str>);

/// By name, as the names' bytes compare.
impl Ord for TokenType {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        // Most types differ in their first letter (a map of tokens
        // compares them often): that is compared before the names.
        match (a.first(), b.first()) {
            (Some(x), Some(y)) if x != y => x.cmp(y),
            _ => a.cmp(b),
        }
    }
}

impl PartialOrd for TokenType {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl TokenType {
    /// `csrf`: every write action, and logout.
    pub const CSRF: TokenType = TokenType(Cow::Borrowed("csrf"));
    /// `watch`.
    pub const WATCH: TokenType = TokenType(Cow::Borrowed("watch"));
    /// `patrol`.
    pub const PATROL: TokenType = TokenType(Cow::Borrowed("patrol"));
    /// `rollback`.
    pub const ROLLBACK: TokenType = TokenType(Cow::Borrowed("rollback"));
    /// `userrights`.
    pub const USER_RIGHTS: TokenType = TokenType(Cow::Borrowed("userrights"));
    /// `login` (MediaWiki 1.27+).
    pub const LOGIN: TokenType = TokenType(Cow::Borrowed("login"));
    /// `createaccount` (MediaWiki 1.27+).
    pub const CREATE_ACCOUNT: TokenType = TokenType(Cow::Borrowed("createaccount"));
    /// CentralAuth's `setglobalaccountstatus`.
    pub const SET_GLOBAL_ACCOUNT_STATUS: TokenType =
        TokenType(Cow::Borrowed("setglobalaccountstatus"));
    /// CentralAuth's `deleteglobalaccount`.
    pub const DELETE_GLOBAL_ACCOUNT: TokenType = TokenType(Cow::Borrowed("deleteglobalaccount"));

    /// A token type by name. Names are what MediaWiki accepts in `type=`:
    /// ASCII lowercase letters, digits, `-` and `_`.
    pub fn new(name: &str) -> Result<TokenType, Error> {
        // The known types first: they are valid names.
        match name {
            "csrf" => return Ok(TokenType::CSRF),
            "watch" => return Ok(TokenType::WATCH),
            "patrol" => return Ok(TokenType::PATROL),
            "rollback" => return Ok(TokenType::ROLLBACK),
            "userrights" => return Ok(TokenType::USER_RIGHTS),
            "login" => return Ok(TokenType::LOGIN),
            "createaccount" => return Ok(TokenType::CREATE_ACCOUNT),
            "setglobalaccountstatus" => return Ok(TokenType::SET_GLOBAL_ACCOUNT_STATUS),
            "deleteglobalaccount" => return Ok(TokenType::DELETE_GLOBAL_ACCOUNT),
            _ => {}
        }
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            return Err(Error::InvalidInput(format!(
                "invalid token type name {name:?}"
            )));
        }
        Ok(TokenType(Cow::Owned(name.to_owned())))
    }

    /// The type's name (`csrf`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of this type in `query.tokens` (`csrftoken`).
    pub fn response_key(&self) -> String {
        format!("{}token", self.0)
    }

    /// `true` for types whose salt is a string, which MediaWiki answers with
    /// the logged-out token `+\` for anonymous users. `login` and
    /// `createaccount` are real tokens even for anonymous users.
    pub fn is_user_bound(&self) -> bool {
        *self != TokenType::LOGIN && *self != TokenType::CREATE_ACCOUNT
    }

    /// The name to ask `action=tokens` of MediaWiki 1.20–1.23 for, when
    /// that API has this type (`csrf` → `edit`). `None` for types it does
    /// not have (`rollback`, `userrights`, `login`, `createaccount`).
    pub fn legacy_name(&self) -> Option<&'static str> {
        Some(match self.as_str() {
            "csrf" => "edit",
            "watch" => "watch",
            "patrol" => "patrol",
            "setglobalaccountstatus" => "setglobalaccountstatus",
            "deleteglobalaccount" => "deleteglobalaccount",
            _ => return None,
        })
    }
}

/// [`TokenType::from_legacy_name`] and [`LEGACY_KEYS`] from one list, so
/// that the scanner's pass and the serde walk know the same names.
macro_rules! legacy_names {
    ($($name:literal => $ty:ident),* $(,)?) => {
        impl TokenType {
            /// Maps a token name of the deprecated APIs (`action=tokens` of
            /// MediaWiki 1.20–1.36, `intoken`, `rvtoken`, `rctoken`,
            /// `ustoken`, `preferencestoken`) to the current type. Since
            /// 1.24 `edit`, `delete`, `protect`, `move`, `block`,
            /// `unblock`, `email`, `import` and `options` (`preferences`)
            /// are all the csrf token.
            pub fn from_legacy_name(name: &str) -> Option<TokenType> {
                Some(match name {
                    $($name => TokenType::$ty,)*
                    _ => return None,
                })
            }
        }

        /// The response keys of the legacy names (`<name>token`), so that
        /// a kept token names its key without a copy.
        pub(crate) const LEGACY_KEYS: &[&str] = &[$(concat!($name, "token")),*];
    };
}

legacy_names! {
    "edit" => CSRF,
    "delete" => CSRF,
    "protect" => CSRF,
    "move" => CSRF,
    "block" => CSRF,
    "unblock" => CSRF,
    "email" => CSRF,
    "import" => CSRF,
    "options" => CSRF,
    "preferences" => CSRF,
    "csrf" => CSRF,
    "watch" => WATCH,
    "patrol" => PATROL,
    "rollback" => ROLLBACK,
    "userrights" => USER_RIGHTS,
    "setglobalaccountstatus" => SET_GLOBAL_ACCOUNT_STATUS,
    "deleteglobalaccount" => DELETE_GLOBAL_ACCOUNT,
}

impl fmt::Debug for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenType({})", self.0)
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for TokenType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        TokenType::new(s)
    }
}

impl From<TokenType> for String {
    fn from(t: TokenType) -> String {
        t.0.into_owned()
    }
}

impl TryFrom<String> for TokenType {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        TokenType::new(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_order_as_their_names() {
        let names = [
            "",
            "a",
            "b",
            "ab",
            "csrf",
            "createaccount",
            "c",
            "login",
            "patrol",
            "rollback",
            "userrights",
            "watch",
            "watch2",
            "w",
            "deleteglobalaccount",
            "é",
        ];
        for a in names {
            for b in names {
                let (x, y) = (TokenType(Cow::Borrowed(a)), TokenType(Cow::Owned(b.into())));
                assert_eq!(x.cmp(&y), a.cmp(b), "{a} {b}");
                assert_eq!(x.partial_cmp(&y), Some(a.cmp(b)), "{a} {b}");
            }
        }
    }
}
