//! Decoding a response into an [`Envelope`] or an [`Error`], straight from
//! the body bytes: only the members every response shares (errors,
//! warnings, `servedby`, `requestid`) are read, in bounded number and size;
//! the rest is skipped without being built, for the module parsers to read
//! typed from the same bytes.

use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::message::{self, Message};
use super::wire::{Bounded, BoundedMap, ListOrMap, Scalar};
use super::{ApiError, Warning, parse_retry_after};
use crate::Error;

/// The body of a successful API response, with its warnings.
///
/// The body is kept as the bytes the server sent: the module parsers read
/// what they need from them typed ([`read`](Self::read)), and the generic
/// JSON tree of [`body`](Self::body) is only built when someone asks.
#[derive(Clone)]
#[non_exhaustive]
pub struct Envelope {
    raw: Vec<u8>,
    value: OnceLock<Value>,
    /// Every warning, one per message, in order (at most 64 messages are
    /// kept).
    pub warnings: Vec<Warning>,
    /// The `servedby` host, when the wiki shows host names.
    pub servedby: Option<String>,
    /// The echoed `requestid`.
    pub requestid: Option<String>,
}

impl PartialEq for Envelope {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
            && self.warnings == other.warnings
            && self.servedby == other.servedby
            && self.requestid == other.requestid
    }
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("body", &format_args!("<{} bytes>", self.raw.len()))
            .field("warnings", &self.warnings)
            .field("servedby", &self.servedby)
            .field("requestid", &self.requestid)
            .finish()
    }
}

impl Envelope {
    /// The body as the server sent it (a JSON object, or PHP's empty
    /// array `[]` of old logouts).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The whole JSON body as a tree, built on the first call (a large
    /// answer costs several times its size as a tree: prefer
    /// [`read`](Self::read) or [`raw`](Self::raw) for those).
    pub fn body(&self) -> &Value {
        self.value.get_or_init(|| {
            // The envelope was read from these bytes: they are JSON.
            serde_json::from_slice(&self.raw).unwrap_or(Value::Null)
        })
    }

    /// The value at a path of object keys (`["query", "tokens"]`), from
    /// [`body`](Self::body).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(self.body(), |v, k| v.get(*k))
    }

    /// Reads the body typed, straight from its bytes: members `T` does not
    /// name are skipped without being built.
    ///
    /// ```
    /// use mw_protocol::response::parse_envelope;
    /// #[derive(serde::Deserialize)]
    /// struct Edit { edit: EditResult }
    /// #[derive(serde::Deserialize)]
    /// struct EditResult { result: String }
    /// let res = http::Response::new(br#"{"edit":{"result":"Success","pageid":1}}"#.to_vec());
    /// let edit: Edit = parse_envelope(&res)?.read()?;
    /// assert_eq!(edit.edit.result, "Success");
    /// # Ok::<(), mw_protocol::Error>(())
    /// ```
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.read_borrowed()
    }

    /// [`read`](Self::read), borrowing from the body where `T` does.
    pub(crate) fn read_borrowed<'a, T: Deserialize<'a>>(&'a self) -> Result<T, Error> {
        serde_json::from_slice(&self.raw).map_err(|e| Error::Decode(format!("malformed JSON: {e}")))
    }
}

/// The members every response may carry, read from the bytes; all others
/// are skipped.
#[derive(Deserialize)]
struct Shared {
    #[serde(default)]
    error: BoundedMap,
    #[serde(default)]
    errors: Bounded,
    /// By module in the bc format, a list in the others.
    #[serde(default)]
    warnings: ListOrMap,
    #[serde(default)]
    servedby: Scalar,
    #[serde(default)]
    requestid: Scalar,
}

/// Decodes a response: HTTP status, then content, then JSON, then the
/// envelope.
///
/// * An API error, in any format, becomes [`Error::Api`] (with
///   `Retry-After` and the HTTP status).
/// * An HTTP error status without an API error becomes [`Error::Http`].
/// * An empty, truncated, non-JSON or non-object body becomes
///   [`Error::Decode`], with a short description of what was received.
///
/// ```
/// use mw_protocol::response::parse_envelope;
/// let res = http::Response::new(br#"{"batchcomplete":true,"warnings":{"main":{"warnings":"a\nb"}}}"#.to_vec());
/// let env = parse_envelope(&res)?;
/// assert_eq!(env.warnings.len(), 2);
/// let res = http::Response::new(br#"{"error":{"code":"badtoken","info":"Invalid CSRF token."}}"#.to_vec());
/// assert_eq!(parse_envelope(&res).unwrap_err().code(), Some("badtoken"));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn parse_envelope(response: &http::Response<Vec<u8>>) -> Result<Envelope, Error> {
    parse_body(
        response.status(),
        response.headers(),
        response.body().clone(),
    )
}

/// [`parse_envelope`] of a response the caller gives up: its body becomes
/// the envelope's without a copy.
pub(crate) fn parse_owned(response: http::Response<Vec<u8>>) -> Result<Envelope, Error> {
    let (parts, body) = response.into_parts();
    parse_body(parts.status, &parts.headers, body)
}

fn parse_body(
    status: http::StatusCode,
    headers: &http::HeaderMap,
    raw: Vec<u8>,
) -> Result<Envelope, Error> {
    let retry_after = parse_retry_after(headers);
    let shared = match check_text(&raw).and_then(|()| read_shared(&raw)) {
        Ok(shared) => shared,
        Err(err) => {
            if !status.is_success() {
                return Err(Error::Http {
                    status: status.as_u16(),
                    retry_after,
                    url: None,
                });
            }
            return Err(Error::Decode(describe_bad_body(headers, &raw, err)));
        }
    };
    let warnings = parse_warnings(shared.warnings);
    let servedby = shared.servedby.into_string();
    let requestid = shared.requestid.text();
    if let Some(mut err) = parse_error(shared.error, shared.errors) {
        err.servedby = servedby;
        err.requestid = requestid;
        err.http_status = status.as_u16();
        err.retry_after = retry_after;
        err.warnings = warnings;
        return Err(err.into());
    }
    if !status.is_success() {
        return Err(Error::Http {
            status: status.as_u16(),
            retry_after,
            url: None,
        });
    }
    Ok(Envelope {
        raw,
        value: OnceLock::new(),
        warnings,
        servedby,
        requestid,
    })
}

/// The deepest nesting accepted: serde_json's own limit for a tree, so
/// that [`Envelope::body`] can always build one (the envelope pass skips
/// what it does not read without a depth limit).
const MAX_DEPTH: usize = 128;

/// What makes a body unreadable before any member is read.
enum BadText {
    /// Not UTF-8 at this byte (the members the envelope pass skips are not
    /// checked by serde_json).
    Utf8(usize),
    /// Nested deeper than [`MAX_DEPTH`] at this byte.
    TooDeep(usize),
}

/// Refuses a body that is not UTF-8, or nested deeper than [`MAX_DEPTH`]
/// (linear scans of the bytes, strings skipped for the depth).
fn check_text(raw: &[u8]) -> Result<(), BadBody> {
    if let Err(e) = std::str::from_utf8(raw) {
        return Err(BadBody::Text(BadText::Utf8(e.valid_up_to())));
    }
    check_depth(raw).map_err(|at| BadBody::Text(BadText::TooDeep(at)))
}

fn check_depth(raw: &[u8]) -> Result<(), usize> {
    // Fewer brackets than the limit cannot nest past it: almost every
    // answer is decided here, by a vectorised count.
    if memchr::memchr2_iter(b'[', b'{', raw)
        .nth(MAX_DEPTH)
        .is_none()
    {
        return Ok(());
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, &b) in raw.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Why a body is not an API response.
enum BadBody {
    /// Malformed JSON.
    Json(serde_json::Error),
    /// JSON, but not an object.
    NotObject,
    /// Not UTF-8, or too deep.
    Text(BadText),
}

/// The shared members of a JSON object body; PHP's empty array `[]` (old
/// versions answered logout with it) has none.
fn read_shared(raw: &[u8]) -> Result<Shared, BadBody> {
    match raw.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice(raw).map_err(BadBody::Json),
        Some(b'[') => match serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(raw) {
            Ok(items) if items.is_empty() => Ok(Shared {
                error: BoundedMap(None),
                errors: Bounded(None),
                warnings: ListOrMap::Neither,
                servedby: Scalar::Missing,
                requestid: Scalar::Missing,
            }),
            Ok(_) => Err(BadBody::NotObject),
            Err(e) => Err(BadBody::Json(e)),
        },
        _ => match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
            Ok(_) => Err(BadBody::NotObject),
            Err(e) => Err(BadBody::Json(e)),
        },
    }
}

/// A short description of a body that is not a JSON object, without
/// echoing it (it may hold anything).
fn describe_bad_body(headers: &http::HeaderMap, body: &[u8], err: BadBody) -> String {
    let ctype = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    if body.iter().all(u8::is_ascii_whitespace) {
        return format!("empty body ({ctype})");
    }
    let not_json = !ctype.contains("json");
    match err {
        BadBody::Json(e) if e.is_eof() => {
            format!("truncated JSON ({} bytes, {ctype})", body.len())
        }
        BadBody::Json(e) if e.is_syntax() && not_json => {
            format!("expected JSON, got {ctype} ({} bytes)", body.len())
        }
        BadBody::Text(_) if not_json => {
            format!("expected JSON, got {ctype} ({} bytes)", body.len())
        }
        BadBody::Json(e) => format!("malformed JSON: {e}"),
        BadBody::Text(BadText::Utf8(at)) => {
            let (line, column) = position(body, at);
            format!("malformed JSON: invalid unicode code point at line {line} column {column}")
        }
        BadBody::Text(BadText::TooDeep(at)) => {
            let (line, column) = position(body, at);
            format!("malformed JSON: recursion limit exceeded at line {line} column {column}")
        }
        BadBody::NotObject => format!("expected a JSON object ({} bytes)", body.len()),
    }
}

/// The line and column (both from 1) of a byte, as serde_json counts them.
fn position(body: &[u8], at: usize) -> (usize, usize) {
    let head = &body[..at.min(body.len())];
    let line = 1 + head.iter().filter(|&&b| b == b'\n').count();
    let line_start = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, at - line_start + 1)
}

fn parse_error(error: BoundedMap, errors: Bounded) -> Option<ApiError> {
    // bc format: {"error": {"code", "info", "*"|"docref", ...data}}
    if let BoundedMap(Some(fields)) = error {
        let mut code = None;
        let mut text = None;
        let mut data = serde_json::Map::new();
        for (k, v) in fields {
            match k.as_str() {
                "code" => code = Some(message::value_text(&v)),
                "info" => text = Some(message::value_text(&v)),
                "*" | "docref" => {}
                _ => {
                    data.insert(k, v);
                }
            }
        }
        let mut err = ApiError::new(
            code.unwrap_or_else(|| "unknown".into()),
            text.unwrap_or_default(),
        );
        err.data = (!data.is_empty()).then_some(Value::Object(data));
        return Some(err);
    }
    // Other formats: {"errors": [{code, text|html|*|key, data?, module}]}
    let list = errors.0?;
    let mut msgs = list.iter().filter_map(message::from_list_item);
    let first: Message = msgs.next()?;
    let mut err = ApiError::new(first.code.unwrap_or_else(|| "unknown".into()), first.text);
    err.module = first.module;
    err.data = first.data;
    err.others = msgs.map(|m| (m.code.unwrap_or_default(), m.text)).collect();
    Some(err)
}

fn parse_warnings(warnings: ListOrMap) -> Vec<Warning> {
    match warnings {
        // bc format: {"<module>": {"*"|"warnings": "line\nline"}}
        ListOrMap::Map(mut modules) => {
            // In the order serde_json's map gives them: by module name.
            modules.sort_by(|a, b| a.0.cmp(&b.0));
            modules
                .iter()
                .flat_map(|(module, block)| {
                    let text = message::bc_block_text(block).unwrap_or_default();
                    text.split('\n')
                        .filter(|l| !l.trim().is_empty())
                        .map(|line| Warning::new(module.as_str(), None, line))
                        .collect::<Vec<_>>()
                })
                .take(super::wire::MAX_MESSAGES)
                .collect()
        }
        // Other formats: [{code, text|html|*|key, data?, module}]
        ListOrMap::List(items) => items
            .iter()
            .filter_map(message::from_list_item)
            .map(|m| Warning {
                module: m.module.unwrap_or_else(|| "main".into()),
                code: m.code,
                text: m.text,
                data: m.data,
            })
            .collect(),
        ListOrMap::Neither => Vec::new(),
    }
}
