//! AuthManager's `requests` list (of a `clientlogin` or `createaccount`
//! step, and of `meta=authmanagerinfo`), read typed from the scanner
//! instead of through a bounded `Value` tree; serde's reading keeps the
//! tree (`Kept`, then [`requests_of`]) and gives the same list.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::auth_step::{AuthField, AuthRequest, MAX_REQUESTS_BYTES, requests_of};
use super::message_text;
use crate::response::scan::{Fallback, Res, Scan};
use crate::response::scan_read::{FromScan, number, strict};
use crate::response::wire::Kept;

/// A `requests` list: empty when it is absent, not a list, or larger than
/// [`MAX_REQUESTS_BYTES`] of JSON.
#[derive(Debug, Default)]
pub(crate) struct Requests(pub Vec<AuthRequest>);

impl<'de> Deserialize<'de> for Requests {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kept = Kept::<MAX_REQUESTS_BYTES>::deserialize(d)?;
        Ok(Requests(kept.0.map(requests_of).unwrap_or_default()))
    }
}

impl FromScan for Requests {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        let first = s.peek()?;
        let start = s.offset();
        let mut list = Vec::new();
        if first == b'[' {
            s.array(|s| {
                list.extend(request(s)?);
                Ok(())
            })?;
        } else {
            strict(s)?;
        }
        if s.offset() - start > MAX_REQUESTS_BYTES {
            list.clear();
        }
        Ok(Requests(list))
    }
}

/// One entry: `None` unless it is an object. A member given twice is
/// read as the tree keeps it: the last one.
fn request(s: &mut Scan<'_>) -> Res<Option<AuthRequest>> {
    if s.peek()? != b'{' {
        return strict(s).map(|_| None);
    }
    let mut r = AuthRequest::default();
    // One capture, not one for each field.
    let into = &mut r;
    s.object(move |s, key| {
        let r = &mut *into;
        match &*key.value()? {
            "id" => r.id = strict(s)?.unwrap_or_default(),
            "required" => r.required = text(s)?,
            "provider" => r.provider = text(s)?,
            "account" => r.account = text(s)?,
            "fields" => r.fields = fields(s)?,
            _ => drop(strict(s)?),
        }
        Ok(())
    })?;
    Ok(Some(r))
}

/// The fields by name (sorted, as the tree's map keeps them; the last of
/// a name wins, even when it is not an object and so no field).
fn fields(s: &mut Scan<'_>) -> Res<Vec<AuthField>> {
    if s.peek()? != b'{' {
        return strict(s).map(|_| Vec::new());
    }
    let mut by_name = BTreeMap::new();
    s.object(|s, key| {
        let name = key.value()?.into_owned();
        let field = field(s, name.clone())?;
        by_name.insert(name, field);
        Ok(())
    })?;
    Ok(by_name.into_values().flatten().collect())
}

fn field(s: &mut Scan<'_>, name: String) -> Res<Option<AuthField>> {
    if s.peek()? != b'{' {
        return strict(s).map(|_| None);
    }
    let mut f = AuthField {
        name,
        ..AuthField::default()
    };
    let into = &mut f;
    s.object(move |s, key| {
        let f = &mut *into;
        match &*key.value()? {
            "type" => f.kind = strict(s)?.unwrap_or_default(),
            "value" => f.value = value(s)?,
            "label" => f.label = text(s)?,
            "help" => f.help = text(s)?,
            "optional" => f.optional = flag(s)?,
            "sensitive" => f.sensitive = flag(s)?,
            _ => drop(strict(s)?),
        }
        Ok(())
    })?;
    Ok(Some(f))
}

/// fv2 sends booleans; fv1 drops `false` and turns `true` into "".
fn flag(s: &mut Scan<'_>) -> Res<bool> {
    match s.peek()? {
        b't' | b'f' => {
            let word = s.span()?;
            Ok(word == "true")
        }
        _ => strict(s).map(|text| text.is_some()),
    }
}

/// A string, or a number as its JSON text.
fn value(s: &mut Scan<'_>) -> Res<Option<String>> {
    match s.peek()? {
        b'-' | b'0'..=b'9' => Ok(Some(number(s.span()?)?.to_string())),
        _ => strict(s),
    }
}

/// A message: a string, or the text of a message object.
fn text(s: &mut Scan<'_>) -> Res<Option<String>> {
    if s.peek()? != b'{' {
        return strict(s);
    }
    let start = s.offset();
    strict(s)?;
    let tree: Value = serde_json::from_str(s.since(start)?).map_err(|_| Fallback)?;
    Ok(message_text(&tree))
}
