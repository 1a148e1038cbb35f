//! What the envelope makes of a body's `error`, `errors` and `warnings`
//! members: one [`ApiError`] (with the further errors' codes and texts)
//! and the [`Warning`]s, one per message.

use serde_json::Value;

use super::bounded::{Bounded, BoundedMap, ErrorFields, ListOrMap};
use super::message::{self, Message};
use super::{ApiError, Warning};

pub(super) fn parse_error(error: ErrorFields, errors: Bounded) -> Option<ApiError> {
    // bc format: {"error": {"code", "info", "*"|"docref", ...data}}
    if let ErrorFields(BoundedMap(Some(fields))) = error {
        let mut code = None;
        let mut text = None;
        let mut data = serde_json::Map::new();
        for (k, v) in fields {
            match k.as_str() {
                "code" => code = Some(message::into_text(v)),
                "info" => text = Some(message::into_text(v)),
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

pub(super) fn parse_warnings(warnings: ListOrMap) -> Vec<Warning> {
    match warnings {
        // bc format: {"<module>": {"*"|"warnings": "line\nline"}}
        ListOrMap::Blocks(mut modules) => {
            // In the order serde_json's map gives them: by module name.
            modules.sort_by(|a, b| a.0.cmp(&b.0));
            let lines = modules.iter().flat_map(|(module, text)| {
                let text = text.as_deref().unwrap_or_default();
                let lines = text.split('\n').filter(|l| !l.trim().is_empty());
                lines.map(move |line| Warning::new(module.as_str(), None, line))
            });
            lines.take(super::wire::MAX_MESSAGES).collect()
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
