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

/// What [`redact`] puts in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// The shortest secret [`redact`] looks for: shorter strings would match
/// ordinary text (and `+\`, the anonymous token, is public).
const MIN_SECRET_LEN: usize = 4;

/// Replaces every occurrence of each secret in `text`, as is and
/// percent-encoded (as a server quoting a form body would show it), with
/// `<redacted>`. The session runs every text a server sends back (errors,
/// warnings, login reasons) through it with the passwords and tokens it
/// holds, so that none of them reaches a message, a log or an exception.
/// Secrets shorter than 4 characters and the anonymous token `+\` are
/// left alone.
///
/// ```
/// let shown = mw_protocol::redact("bad password hunter2hunter2", &["hunter2hunter2"]);
/// assert_eq!(shown, "bad password <redacted>");
/// assert_eq!(mw_protocol::redact("token +\\ is public", &["+\\"]), "token +\\ is public");
/// ```
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    redact_in_place(&mut out, secrets);
    out
}

/// [`redact`] in place; `true` when something was replaced.
pub(crate) fn redact_in_place(text: &mut String, secrets: &[&str]) -> bool {
    let mut changed = false;
    for secret in secrets {
        if secret.len() < MIN_SECRET_LEN || *secret == TOKEN_SUFFIX {
            continue;
        }
        let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for form in [*secret, encoded.as_str()] {
            if text.contains(form) {
                *text = text.replace(form, REDACTED);
                changed = true;
            }
        }
    }
    changed
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
    fn redaction_covers_encoded_forms_and_skips_public_values() {
        let secret = "ab+c/d e\\";
        let text = format!("raw {secret} form {}", "ab%2Bc%2Fd+e%5C");
        let shown = redact(&text, &[secret, "+\\", "ab"]);
        assert_eq!(shown, "raw <redacted> form <redacted>");
        assert_eq!(redact("a +\\ b", &[TOKEN_SUFFIX]), "a +\\ b");
    }

    #[test]
    fn mangled_tokens_are_detected() {
        assert!(Token::new("0123456789abcdef0123456789abcdef \\").is_mangled());
        assert!(Token::new("0123456789abcdef0123456789abcdef").is_mangled());
        assert!(!Token::new("0123456789abcdef0123456789abcdef+\\").is_mangled());
    }
}
