//! Typed API warnings.

use serde_json::Value;

/// One warning from a response.
///
/// In the bc format MediaWiki gives only text, joined with `\n` per
/// module; each line becomes one `Warning` with `code: None`. With
/// `errorformat=plaintext` (what this crate asks for) every warning has its
/// code and data.
///
/// ```
/// use mw_protocol::Warning;
/// let w = Warning::new("tokens", None, "\"action=tokens\" has been deprecated. Please use \"action=query&meta=tokens\" instead.");
/// assert!(w.is_deprecation());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Warning {
    /// The module that warned (`main`, `tokens`, `login`, `query`, …).
    pub module: String,
    /// The message code (`deprecation`, `unrecognizedvalues`,
    /// `notloggedin`, …); `None` in the bc format, which has no codes.
    pub code: Option<String>,
    /// The warning text.
    pub text: String,
    /// Structured data MediaWiki attached (`{"feature": "action=tokens"}`).
    pub data: Option<Value>,
}

impl Warning {
    /// A warning with no data.
    pub fn new(module: impl Into<String>, code: Option<&str>, text: impl Into<String>) -> Self {
        Warning {
            module: module.into(),
            code: code.map(str::to_owned),
            text: text.into(),
            data: None,
        }
    }

    /// `true` when the warning announces a deprecated feature: the
    /// `deprecation` code (and `apiwarn-deprecation-*` keys), or, in the bc
    /// format, the deprecation texts of every MediaWiki version
    /// ("… has been deprecated", "… is deprecated").
    pub fn is_deprecation(&self) -> bool {
        match self.code.as_deref() {
            Some(code) => code == "deprecation" || code.starts_with("apiwarn-deprecation"),
            None => {
                let t = self.text.to_ascii_lowercase();
                t.contains("has been deprecated") || t.contains("is deprecated")
            }
        }
    }

    /// Replaces the given secrets in the warning's text and data.
    pub(crate) fn redact(&mut self, secrets: &[&str]) {
        crate::redact::redact_in_place(&mut self.text, secrets);
        if let Some(data) = &mut self.data {
            super::api_error::redact_value(data, secrets);
        }
    }

    /// The deprecated feature's name, when MediaWiki said it
    /// (`data.feature`, 1.29+ with a non-bc error format).
    pub fn deprecated_feature(&self) -> Option<&str> {
        self.data.as_ref()?.get("feature")?.as_str()
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} ({}): {}", self.module, code, self.text),
            None => write!(f, "{}: {}", self.module, self.text),
        }
    }
}
