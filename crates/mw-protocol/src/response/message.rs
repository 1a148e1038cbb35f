//! Reading one error or warning message in any of MediaWiki's formats.

use serde_json::Value;

use super::Warning;
use super::wire::MAX_MESSAGES;

/// The parts common to an error and a warning.
pub(crate) struct Message {
    pub code: Option<String>,
    pub text: String,
    pub module: Option<String>,
    pub data: Option<Value>,
}

/// Reads one element of a non-bc `errors[]` / `warnings[]` list:
/// `{code, text|html|*|key+params, data?, module}`.
pub(crate) fn from_list_item(item: &Value) -> Option<Message> {
    let obj = item.as_object()?;
    let code = obj.get("code").and_then(Value::as_str).map(str::to_owned);
    let text = ["text", "html", "*"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
        .or_else(|| raw_key_text(obj))
        .unwrap_or_default();
    if code.is_none() && text.is_empty() {
        return None;
    }
    Some(Message {
        code,
        text,
        module: obj.get("module").and_then(Value::as_str).map(str::to_owned),
        data: obj.get("data").cloned(),
    })
}

/// `errorformat=raw` gives a message key and its parameters instead of text.
fn raw_key_text(obj: &serde_json::Map<String, Value>) -> Option<String> {
    let key = obj.get("key")?.as_str()?;
    let params: Vec<String> = obj
        .get("params")
        .and_then(Value::as_array)
        .map(|ps| ps.iter().map(param_text).collect())
        .unwrap_or_default();
    if params.is_empty() {
        Some(key.to_owned())
    } else {
        Some(format!("{key}: {}", params.join(", ")))
    }
}

/// A raw-format message parameter as text. Since 1.35 parameters are
/// MessageValue objects (`{"plaintext": "token"}`, `{"num": 1}`,
/// `{"list": [...], "type": "comma"}`): their value is the text.
fn param_text(v: &Value) -> String {
    match v {
        Value::Object(o) => {
            if let Some(list) = o.get("list") {
                let items: Vec<String> = match list {
                    Value::Array(a) => a.iter().map(param_text).collect(),
                    Value::Object(m) => m.values().map(param_text).collect(),
                    other => vec![param_text(other)],
                };
                return items.join(", ");
            }
            match o.values().next() {
                Some(inner) if o.len() == 1 => param_text(inner),
                _ => value_text(v),
            }
        }
        other => value_text(other),
    }
}

/// A JSON value as message text (strings bare, anything else as JSON).
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// [`value_text`] of a value given up: a string is moved, not copied.
pub(crate) fn into_text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The text of a bc-format warning block, `{"*": "…"}` (fv1) or
/// `{"warnings": "…"}` (fv2), or a bare string.
pub(crate) fn bc_block_text(block: &Value) -> Option<&str> {
    match block {
        Value::String(s) => Some(s),
        Value::Object(o) => ["warnings", "*"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str)),
        _ => None,
    }
}

/// Appends the warnings of one bc block to `out`: one for each line of
/// `text` that is not blank (as `str::trim` sees it), with `module` and
/// no code; at most [`MAX_MESSAGES`] (no block gives more to the kept
/// ones). The last one takes `module`.
/// (serde's pass; the scanner's decodes the raw string: `bc_lines.rs`).
pub(crate) fn push_bc_lines(out: &mut Vec<Warning>, module: String, text: &str) {
    let mut last = None;
    let mut count = 0;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for end in ends {
        let line = &text[start..end];
        if !is_blank(line) {
            if let Some((s, e)) = last.replace((start, end)) {
                out.push(Warning::new(module.as_str(), None, &text[s..e]));
            }
            count += 1;
            if count == MAX_MESSAGES {
                break;
            }
        }
        start = end + 1;
    }
    let Some((s, e)) = last else {
        return;
    };
    out.push(Warning {
        module,
        code: None,
        text: text[s..e].to_owned(),
        data: None,
    });
}

/// `line.trim().is_empty()`, at a glance for most lines.
pub(crate) fn is_blank(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => line.trim_start().is_empty(),
    }
}
