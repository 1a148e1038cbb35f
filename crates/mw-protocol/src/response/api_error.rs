//! Typed API errors.

use std::time::Duration;

use serde_json::Value;

use super::Warning;

/// An API error (`{"error": {...}}` or `{"errors": [...]}`).
///
/// ```
/// use mw_protocol::ApiError;
/// let e = ApiError::new("badtoken", "Invalid CSRF token.");
/// assert!(e.is_badtoken());
/// assert_eq!(e.to_string(), "badtoken: Invalid CSRF token.");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The error code (`badtoken`, `maxlag`, `missingparam`, …).
    pub code: String,
    /// The human-readable text (`info` in the bc format).
    pub text: String,
    /// The module that failed, when the format says it (non-bc formats).
    pub module: Option<String>,
    /// Extra fields: in the bc format every field of `error` other than
    /// `code`, `info`, `*` and `docref` (for `maxlag`: `host`, `lag`,
    /// `type`); in other formats the error's `data`.
    pub data: Option<Value>,
    /// Further errors of the same response (non-bc formats can carry
    /// several); the first one is this error.
    pub others: Vec<(String, String)>,
    /// The `servedby` host, when the wiki shows host names.
    pub servedby: Option<String>,
    /// The echoed `requestid`.
    pub requestid: Option<String>,
    /// The HTTP status the error came with (200 for most API errors).
    pub http_status: u16,
    /// The wait the server asked for in `Retry-After` (maxlag).
    pub retry_after: Option<Duration>,
    /// The warnings the response carried beside the error (MediaWiki
    /// keeps the warnings added before the module failed).
    pub warnings: Vec<Warning>,
}

impl ApiError {
    /// An error with only a code and a text.
    pub fn new(code: impl Into<String>, text: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            text: text.into(),
            module: None,
            data: None,
            others: Vec::new(),
            servedby: None,
            requestid: None,
            http_status: 200,
            retry_after: None,
            warnings: Vec::new(),
        }
    }

    /// `badtoken`: the token is invalid (or, on a foreign wiki, the
    /// `centralauthtoken` is).
    pub fn is_badtoken(&self) -> bool {
        self.kind() == super::ErrorKind::BadToken
    }

    /// The name of the missing parameter, for `missingparam` (1.35+) and
    /// the older `no<param>` codes (`notoken`, `notype`, …).
    pub fn missing_param(&self) -> Option<&str> {
        if self.code == "missingparam" {
            return self
                .data
                .as_ref()
                .and_then(|d| d.get("param"))
                .and_then(Value::as_str)
                .or_else(|| quoted_name(&self.text))
                .or_else(|| raw_missing_param(&self.text));
        }
        match self.code.as_str() {
            "notoken" => Some("token"),
            "notype" => Some("type"),
            _ => None,
        }
    }

    /// `true` when the wiki has no module of the requested `action`:
    /// `unknown_action` up to 1.34, `badvalue` for the `action` parameter
    /// from 1.35 ("Unrecognized value for parameter "action": …").
    pub fn is_unknown_action(&self) -> bool {
        self.kind() == super::ErrorKind::UnknownAction
    }

    /// Replaces the given secrets in every text of the error (its text,
    /// the other errors, its data, its warnings).
    pub(crate) fn redact(&mut self, secrets: &[&str]) {
        crate::redact::redact_in_place(&mut self.text, secrets);
        for (_, text) in &mut self.others {
            crate::redact::redact_in_place(text, secrets);
        }
        if let Some(data) = &mut self.data {
            redact_value(data, secrets);
        }
        for w in &mut self.warnings {
            w.redact(secrets);
        }
    }

    /// `true` for `badvalue` (1.35+) and the older `unknown_<param>` codes:
    /// a parameter value the wiki does not know.
    pub fn is_bad_value(&self) -> bool {
        self.code == "badvalue" || self.code.starts_with("unknown_")
    }

    /// The replication lag in seconds, for `maxlag` (from its data,
    /// 1.29+, or from the text "Waiting for …: N seconds lagged").
    pub fn lag(&self) -> Option<f64> {
        if self.kind() != super::ErrorKind::MaxLag {
            return None;
        }
        if let Some(lag) = self
            .data
            .as_ref()
            .and_then(|d| d.get("lag"))
            .and_then(Value::as_f64)
        {
            return Some(lag);
        }
        let idx = self.text.find(" seconds lagged")?;
        let head = &self.text[..idx];
        let start = head
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        head[start..].parse().ok()
    }
}

/// Replaces the given secrets in every string of a JSON value.
pub(crate) fn redact_value(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(s) => {
            crate::redact::redact_in_place(s, secrets);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_value(v, secrets)),
        _ => {}
    }
}

/// The first `"…"`-quoted name in a message text.
fn quoted_name(text: &str) -> Option<&str> {
    let start = text.find('"')? + 1;
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

/// The parameter of an `errorformat=raw` text, `<key>missingparam: <name>`.
fn raw_missing_param(text: &str) -> Option<&str> {
    let (key, name) = text.split_once(": ")?;
    let valid = key.ends_with("missingparam")
        && !name.is_empty()
        && !name.contains(|c: char| c.is_whitespace() || c == ',');
    valid.then_some(name)
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.text)
    }
}
