//! Decoding a response into an [`Envelope`] or an [`Error`].

use serde_json::{Map, Value};

use super::message::{self, Message};
use super::{ApiError, Warning, parse_retry_after};
use crate::Error;

/// The decoded body of a successful API response, with its warnings.
///
/// Built by [`parse_envelope`]; the module parsers read `body`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Envelope {
    /// The whole JSON object, warnings included.
    pub body: Value,
    /// Every warning, one per message, in order.
    pub warnings: Vec<Warning>,
    /// The `servedby` host, when the wiki shows host names.
    pub servedby: Option<String>,
    /// The echoed `requestid`.
    pub requestid: Option<String>,
}

impl Envelope {
    /// The value at a path of object keys (`["query", "tokens"]`).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.body, |v, k| v.get(*k))
    }
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
    let status = response.status();
    let retry_after = parse_retry_after(response.headers());
    let body = response.body();
    let parsed: Result<Value, serde_json::Error> = serde_json::from_slice(body);
    let obj = match parsed {
        Ok(Value::Object(obj)) => obj,
        // PHP's empty array: old versions answered logout with `[]`.
        Ok(Value::Array(items)) if items.is_empty() && status.is_success() => Map::new(),
        other => {
            if !status.is_success() {
                return Err(Error::Http {
                    status: status.as_u16(),
                    retry_after,
                    url: None,
                });
            }
            return Err(Error::Decode(describe_bad_body(response, other.err())));
        }
    };
    let warnings = parse_warnings(obj.get("warnings"));
    let servedby = obj
        .get("servedby")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let requestid = obj.get("requestid").map(message::value_text);
    if let Some(mut err) = parse_error(&obj) {
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
        body: Value::Object(obj),
        warnings,
        servedby,
        requestid,
    })
}

/// A short description of a body that is not a JSON object, without
/// echoing it (it may hold anything).
fn describe_bad_body(response: &http::Response<Vec<u8>>, err: Option<serde_json::Error>) -> String {
    let body = response.body();
    let ctype = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    if body.iter().all(u8::is_ascii_whitespace) {
        return format!("empty body ({ctype})");
    }
    match err {
        Some(e) if e.is_eof() => format!("truncated JSON ({} bytes, {ctype})", body.len()),
        Some(e) if e.is_syntax() && !ctype.contains("json") => {
            format!("expected JSON, got {ctype} ({} bytes)", body.len())
        }
        Some(e) => format!("malformed JSON: {e}"),
        None => format!("expected a JSON object ({} bytes)", body.len()),
    }
}

fn parse_error(obj: &Map<String, Value>) -> Option<ApiError> {
    // bc format: {"error": {"code", "info", "*"|"docref", ...data}}
    if let Some(Value::Object(e)) = obj.get("error") {
        let code = e
            .get("code")
            .map(message::value_text)
            .unwrap_or_else(|| "unknown".into());
        let text = e.get("info").map(message::value_text).unwrap_or_default();
        let data: Map<String, Value> = e
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "code" | "info" | "*" | "docref"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut err = ApiError::new(code, text);
        err.data = (!data.is_empty()).then_some(Value::Object(data));
        return Some(err);
    }
    // Other formats: {"errors": [{code, text|html|*|key, data?, module}]}
    let list = obj.get("errors")?.as_array()?;
    let mut msgs = list.iter().filter_map(message::from_list_item);
    let first: Message = msgs.next()?;
    let mut err = ApiError::new(first.code.unwrap_or_else(|| "unknown".into()), first.text);
    err.module = first.module;
    err.data = first.data;
    err.others = msgs.map(|m| (m.code.unwrap_or_default(), m.text)).collect();
    Some(err)
}

fn parse_warnings(value: Option<&Value>) -> Vec<Warning> {
    match value {
        // bc format: {"<module>": {"*"|"warnings": "line\nline"}}
        Some(Value::Object(modules)) => modules
            .iter()
            .flat_map(|(module, block)| {
                let text = message::bc_block_text(block).unwrap_or_default();
                text.split('\n')
                    .filter(|l| !l.trim().is_empty())
                    .map(|line| Warning::new(module.as_str(), None, line))
                    .collect::<Vec<_>>()
            })
            .collect(),
        // Other formats: [{code, text|html|*|key, data?, module}]
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(message::from_list_item)
            .map(|m| Warning {
                module: m.module.unwrap_or_else(|| "main".into()),
                code: m.code,
                text: m.text,
                data: m.data,
            })
            .collect(),
        _ => Vec::new(),
    }
}
