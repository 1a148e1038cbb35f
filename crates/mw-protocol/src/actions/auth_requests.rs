//! AuthManager's `requests` list (of a `clientlogin` or `createaccount`
//! step, and of `meta=authmanagerinfo`), read typed from the scanner
//! instead of through a bounded `Value` tree; serde's reading keeps the
//! tree (`Kept`, then [`requests_of`]) and gives the same list.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::auth_step::{AuthField, AuthRequest, MAX_REQUESTS_BYTES, requests_of};
use super::message_text;
use crate::response::scan::{Fallback, Res, Scan};
use crate::response::scan_read::{FromScan, number, strict};
use crate::response::wire::{Kept, MAX_KEPT_BYTES};

/// A `requests` list: empty when it is absent, not a list, or larger than
/// [`MAX_REQUESTS_BYTES`] of JSON.
#[derive(Debug, Default, PartialEq)]
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

/// A message member of a step read as its text: what a [`Kept`] member
/// and then [`message_text`] give (a string, or a message object's text;
/// `None` when absent, of another type, or larger than [`MAX_KEPT_BYTES`]
/// of JSON), the string moved instead of copied.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Text(pub Option<String>);

impl Text {
    /// The text of a kept value.
    fn of(kept: Kept) -> Text {
        Text(match kept.0 {
            Some(Value::String(s)) => Some(s),
            Some(other) => message_text(&other),
            None => None,
        })
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Kept::<MAX_KEPT_BYTES>::deserialize(d).map(Text::of)
    }
}

impl FromScan for Text {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        if s.peek()? != b'"' {
            return Kept::<MAX_KEPT_BYTES>::scan(s).map(Text::of);
        }
        // A string: its value, unless its JSON text is over the limit.
        let start = s.offset();
        let value = s.string()?.value()?;
        let kept = s.offset() - start <= MAX_KEPT_BYTES;
        Ok(Text(kept.then(|| value.into_owned())))
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
    // The fields as read; the members that are no field (rare) apart,
    // each with the number of fields read before it.
    let mut read = Vec::new();
    let mut others = Vec::new();
    s.object(|s, key| {
        let name = key.value()?.into_owned();
        match field(s, name)? {
            (true, f) => read.push(f),
            (false, f) => others.push((read.len(), f)),
        }
        Ok(())
    })?;
    let sorted = read.windows(2).all(|w| w[0].name < w[1].name);
    if sorted && others.is_empty() {
        // Already as a map keeps them (the usual case: one field, or
        // fields sent by name).
        return Ok(read);
    }
    // In the order read again, for the map's rules.
    let mut all = Vec::with_capacity(read.len() + others.len());
    let mut others = others.into_iter().peekable();
    for (at, f) in read.into_iter().enumerate() {
        while let Some((_, other)) = others.next_if(|(before, _)| *before == at) {
            all.push((false, other));
        }
        all.push((true, f));
    }
    all.extend(others.map(|(_, other)| (false, other)));
    Ok(by_name(all))
}

/// The fields of `read` sorted by name, the last of each name kept
/// (dropped when it is no field), as a map by name keeps them.
fn by_name(mut read: Vec<(bool, AuthField)>) -> Vec<AuthField> {
    // Stable: of one name, the last read stays last.
    read.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let mut fields = Vec::with_capacity(read.len());
    let mut entries = read.into_iter().peekable();
    while let Some((is_field, field)) = entries.next() {
        let replaced = entries.peek().is_some_and(|next| next.1.name == field.name);
        if is_field && !replaced {
            fields.push(field);
        }
    }
    fields
}

fn field(s: &mut Scan<'_>, name: String) -> Res<(bool, AuthField)> {
    let mut f = AuthField {
        name,
        ..AuthField::default()
    };
    if s.peek()? != b'{' {
        return strict(s).map(|_| (false, f));
    }
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
    Ok((true, f))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::auth_step::Fields;

    /// The scanner's reading of `text` as `T`, if it reads it all.
    fn scanned<T: FromScan>(text: &str) -> Option<T> {
        let mut s = Scan::new(text);
        T::scan(&mut s).and_then(|t| s.end().map(|()| t)).ok()
    }

    /// What the scanner reads is what serde reads, where the scanner
    /// reads at all (else serde's pass decides).
    fn agree<T>(text: &str) -> Option<T>
    where
        T: FromScan + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
    {
        let slow = serde_json::from_str::<T>(text).ok();
        if let Some(fast) = scanned::<T>(text) {
            assert_eq!(Some(fast), slow, "{text}");
        }
        slow
    }

    #[test]
    fn text_reads_as_a_kept_message() {
        let long = format!(r#""{}""#, "a".repeat(MAX_KEPT_BYTES - 2));
        let longer = format!(r#""{}""#, "a".repeat(MAX_KEPT_BYTES - 1));
        let escaped = format!(r#""{}\n""#, "a".repeat(MAX_KEPT_BYTES - 4));
        for text in [
            r#""a""#,
            r#""""#,
            r#""a\nb\u00e9\"""#,
            "\"caf\u{e9} \u{1F600}\"",
            r#""\ud83d\ude00""#,
            r#""\ud800""#,
            r#"{"key":"k","text":"t"}"#,
            r#"{"code":"c","text":"t\u00e9"}"#,
            r#"{"key":"k","params":[1]}"#,
            r#"{"*":"x"}"#,
            "{}",
            "[]",
            r#"["a"]"#,
            "1",
            "-1.5",
            "1e400",
            "true",
            "null",
            &long,
            &longer,
            &escaped,
        ] {
            let read = agree::<Text>(text);
            let kept = serde_json::from_str::<Kept>(text).ok();
            let old = kept.map(|k| Text(k.0.as_ref().and_then(message_text)));
            assert_eq!(read, old, "{text}");
        }
        assert_eq!(
            scanned::<Text>(&long).and_then(|t| t.0).map(|t| t.len()),
            Some(MAX_KEPT_BYTES - 2)
        );
        assert_eq!(scanned::<Text>(&longer), Some(Text(None)));
    }

    #[test]
    fn fields_read_as_a_map_keeps_them() {
        for fields in [
            r#"{}"#,
            r#"{"b":{"type":"string"},"a":{"type":"password"}}"#,
            r#"{"a":{"type":"password"},"b":{"type":"string"},"c":{}}"#,
            r#"{"OATHToken":{"type":"string","label":"L","optional":false}}"#,
            r#"{"a":{"type":"x"},"a":{"type":"y"}}"#,
            r#"{"a":{"type":"x"},"a":7}"#,
            r#"{"a":7,"a":{"type":"x"}}"#,
            r#"{"c":1,"b":{"label":"L"},"a":{"value":2},"b":null,"c":{"help":"h"}}"#,
            r#"{"\u00e9":{"type":"e"},"z":{},"\u0061":{"type":"a"},"Z":{},"":{}}"#,
            r#"{"x":{"optional":true,"sensitive":""},"x":{"optional":""},"y":[1]}"#,
            r#"[]"#,
            r#""none""#,
        ] {
            let list = format!(r#"[{{"id":"i","fields":{fields}}},{{"fields":{fields}}}]"#);
            let read = agree::<Requests>(&list);
            let tree: Value = serde_json::from_str(&list).expect("JSON");
            assert_eq!(read, Some(Requests(requests_of(tree))), "{list}");
            assert!(scanned::<Requests>(&list).is_some(), "{list}");
        }
    }

    #[test]
    fn a_step_reads_as_serde_reads_it() {
        for step in [
            r#"{"status":"PASS","username":"A\u00e9"}"#,
            r#"{"status":"PASS","username":{"key":"k","text":"T"}}"#,
            r#"{"status":"UI","message":"m","messagecode":"c","requests":[{"id":"x"}]}"#,
            r#"{"status":"REDIRECT","redirecttarget":"https://x/","redirectdata":"d"}"#,
            r#"{"status":"FAIL","message":{"text":"t"},"canpreservestate":true}"#,
            r#"{"status":"RESTART","canpreservestate":"","x":[1,{"y":2}]}"#,
            r#"{"status":"P\u0041SS","username":7}"#,
            r#"{"status":"PASS","status":"FAIL"}"#,
            r#"{"status":1,"message":null,"messagecode":["a"]}"#,
            r#"{}"#,
        ] {
            agree::<Box<Fields>>(step);
        }
    }
}
