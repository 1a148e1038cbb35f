//! What the envelope makes of a body's `error`, `errors` and `warnings`
//! members: one [`ApiError`] (with the further errors' codes and texts)
//! and the [`Warning`]s, one per message.

use serde_json::Value;

use super::bounded::{Bounded, ErrorFields, ListOrMap};
use super::message::{self, Message};
use super::{ApiError, Warning};

/// The response's error, boxed as [`Error::Api`](crate::Error::Api) holds
/// it (built in its box: the envelope fills in the rest there). Most
/// answers have none: that is checked without a call.
#[inline]
pub(super) fn parse_error(error: ErrorFields, errors: Bounded) -> Option<Box<ApiError>> {
    match (error, errors) {
        (ErrorFields(None), Bounded(None)) => None,
        (error, errors) => error_of(error, errors),
    }
}

fn error_of(error: ErrorFields, errors: Bounded) -> Option<Box<ApiError>> {
    // bc format: {"error": {"code", "info", "*"|"docref", ...data}}
    if let ErrorFields(Some(bc)) = error {
        let mut err = Box::new(ApiError::new(
            bc.code.unwrap_or_else(|| "unknown".into()),
            bc.info.unwrap_or_default(),
        ));
        if !bc.data.is_empty() {
            // As `insert` in order: a later duplicate replaces.
            err.data = Some(Value::Object(bc.data.into_iter().collect()));
        }
        return Some(err);
    }
    // Other formats: {"errors": [{code, text|html|*|key, data?, module}]}
    let list = errors.0?;
    let mut msgs = list.iter().filter_map(message::from_list_item);
    let first: Message = msgs.next()?;
    let code = first.code.unwrap_or_else(|| "unknown".into());
    let mut err = Box::new(ApiError::new(code, first.text));
    err.module = first.module;
    err.data = first.data;
    err.others = msgs.map(|m| (m.code.unwrap_or_default(), m.text)).collect();
    Some(err)
}

/// The warnings, one per message. Most answers have none: that is
/// checked without a call.
#[inline]
pub(super) fn parse_warnings(warnings: ListOrMap) -> Vec<Warning> {
    match warnings {
        ListOrMap::Neither => Vec::new(),
        warnings => warnings_of(warnings),
    }
}

fn warnings_of(warnings: ListOrMap) -> Vec<Warning> {
    match warnings {
        // bc format: {"<module>": {"*"|"warnings": "line\nline"}}
        ListOrMap::Blocks(mut lines) => {
            // In the order serde_json's map gives the blocks: by module
            // name (a stable sort: each block's lines stay in order).
            lines.sort_by(|a, b| a.module.cmp(&b.module));
            lines.truncate(super::wire::MAX_MESSAGES);
            lines
        }
        ListOrMap::SortedBlocks(mut lines) => {
            lines.truncate(super::wire::MAX_MESSAGES);
            lines
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

#[cfg(test)]
#[path = "head_messages_tests.rs"]
mod tests;
