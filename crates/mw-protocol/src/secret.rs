//! Secrets: [`Token`] and [`Password`], whose `Debug` and `Display` never show the value.

use std::fmt;

/// The suffix MediaWiki appends to every token (`+\`).
pub const TOKEN_SUFFIX: &str = "+\\";

/// A MediaWiki token (csrf, login, watch, …, or a `centralauthtoken`).
///
/// The value is only reachable through [`Token::secret`]; `Debug` and
/// `Display` print a redacted placeholder.
///
/// ```
/// use mw_protocol::Token;
/// let t = Token::new("0123456789abcdef0123456789abcdef6543210f+\\");
/// assert_eq!(format!("{t:?}"), "Token(<redacted>)");
/// assert_eq!(t.to_string(), "<redacted>");
/// assert_eq!(t.timestamp(), Some(0x6543210f));
/// assert!(!t.is_anonymous());
/// assert!(Token::new("+\\").is_anonymous());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Token(value.into())
    }

    /// The token value, to put in a request body.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// `true` for the logged-out token `+\` that MediaWiki gives anonymous
    /// users for every string-salted type (csrf, watch, patrol, …).
    pub fn is_anonymous(&self) -> bool {
        self.0 == TOKEN_SUFFIX
    }

    /// `true` when the token does not end in `+\`, or ends in ` \` (a `+`
    /// that a proxy or a careless client decoded as a space). Such a token
    /// will be rejected by the server.
    pub fn is_mangled(&self) -> bool {
        !self.0.ends_with(TOKEN_SUFFIX) || self.0.ends_with(" \\")
    }

    /// The Unix time the token was issued, for the timestamped tokens of
    /// MediaWiki 1.25 and later (32 hex digits of HMAC, then the time in
    /// lowercase hex, then `+\`), as `Token::getTimestamp` reads it.
    pub fn timestamp(&self) -> Option<u64> {
        let body = self.0.strip_suffix(TOKEN_SUFFIX)?;
        if self.0.len() <= 34 || !body.is_ascii() {
            return None;
        }
        let hex = body.get(32..)?;
        if hex.is_empty()
            || hex.len() > 16
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        u64::from_str_radix(hex, 16).ok()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A password (main-account or bot password).
///
/// Never serialized; `Debug` and `Display` are redacted.
///
/// ```
/// use mw_protocol::Password;
/// let p = Password::new("hunter2hunter2");
/// assert_eq!(format!("{p:?}"), "Password(<redacted>)");
/// assert_eq!(p.secret(), "hunter2hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Self {
        Password(value.into())
    }

    /// The password, to put in a request body.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_requires_lowercase_hex_and_suffix() {
        assert_eq!(
            Token::new("0123456789abcdef0123456789abcdef6543210F+\\").timestamp(),
            None
        );
        assert_eq!(
            Token::new("0123456789abcdef0123456789abcdef6543210f").timestamp(),
            None
        );
        // ≤1.24 tokens have no timestamp.
        assert_eq!(
            Token::new("0123456789abcdef0123456789abcdef+\\").timestamp(),
            None
        );
        assert_eq!(Token::new("é".repeat(30) + "+\\").timestamp(), None);
    }

    #[test]
    fn mangled_tokens_are_detected() {
        assert!(Token::new("0123456789abcdef0123456789abcdef \\").is_mangled());
        assert!(Token::new("0123456789abcdef0123456789abcdef").is_mangled());
        assert!(!Token::new("0123456789abcdef0123456789abcdef+\\").is_mangled());
    }
}
