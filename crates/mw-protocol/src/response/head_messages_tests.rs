//! The bc error and warnings, read typed (by the scanner and by serde),
//! give what the former reading gave: every member kept as a [`Value`]
//! ([`BoundedMap`]), then sorted out.

use serde_json::Value;

use super::super::bounded::{Bounded, BoundedMap, ErrorFields, ListOrMap};
use super::super::message::{bc_block_text, into_text};
use super::super::scan::Scan;
use super::super::scan_read::FromScan;
use super::super::wire::MAX_MESSAGES;
use super::{ApiError, Warning, parse_error, parse_warnings};

/// `T` read by the scanner from `text`, if it accepts it.
fn scanned<T: FromScan>(text: &str) -> Option<T> {
    let mut s = Scan::new(text);
    T::scan(&mut s).and_then(|t| s.end().map(|()| t)).ok()
}

/// The former reading of a bc `error` member: its members kept as values
/// (`*` and `docref` counted), then sorted out.
fn error_as_before(text: &str) -> Option<ApiError> {
    let fields = serde_json::from_str::<ErrorFieldsBefore>(text)
        .expect("JSON")
        .0?;
    let (mut code, mut info, mut data) = (None, None, serde_json::Map::new());
    for (k, v) in fields {
        match k.as_str() {
            "code" => code = Some(into_text(v)),
            "info" => info = Some(into_text(v)),
            "*" | "docref" => {}
            _ => {
                data.insert(k, v);
            }
        }
    }
    let mut err = ApiError::new(
        code.unwrap_or_else(|| "unknown".into()),
        info.unwrap_or_default(),
    );
    err.data = (!data.is_empty()).then_some(Value::Object(data));
    Some(err)
}

/// The [`BoundedMap`] that the former `ErrorFields` was.
struct ErrorFieldsBefore(Option<Vec<(String, Value)>>);

impl<'de> serde::Deserialize<'de> for ErrorFieldsBefore {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = super::super::bounded::BoundedMapVisitor {
            unread: &["*", "docref"],
        };
        d.deserialize_any(visitor)
            .map(|BoundedMap(m)| ErrorFieldsBefore(m))
    }
}

/// The former reading of bc `warnings`: each block kept as a value, its
/// text split into lines.
fn warnings_as_before(text: &str) -> Vec<Warning> {
    let Some(mut modules) = serde_json::from_str::<BoundedMap>(text).expect("JSON").0 else {
        return Vec::new();
    };
    modules.sort_by(|a, b| a.0.cmp(&b.0));
    let lines = modules.iter().flat_map(|(module, block)| {
        let text = bc_block_text(block).unwrap_or_default();
        let lines = text.split('\n').filter(|l| !l.trim().is_empty());
        lines.map(move |line| Warning::new(module.as_str(), None, line))
    });
    lines.take(MAX_MESSAGES).collect()
}

/// Whether the scanner read it (else serde would).
fn error_agrees(text: &str) -> bool {
    let before = error_as_before(text).map(Box::new);
    let slow = serde_json::from_str::<ErrorFields>(text).expect("JSON");
    assert_eq!(
        parse_error(slow, Bounded::default()),
        before,
        "serde: {text}"
    );
    if let Some(fast) = scanned::<ErrorFields>(text) {
        assert_eq!(
            parse_error(fast, Bounded::default()),
            before,
            "scan: {text}"
        );
        return true;
    }
    false
}

/// Whether the scanner read it (else serde would).
fn warnings_agree(text: &str) -> bool {
    let before = warnings_as_before(text);
    let slow = serde_json::from_str::<ListOrMap>(text).expect("JSON");
    assert_eq!(parse_warnings(slow), before, "serde: {text}");
    if let Some(fast) = scanned::<ListOrMap>(text) {
        assert_eq!(parse_warnings(fast), before, "scan: {text}");
        return true;
    }
    false
}

#[test]
fn bc_errors_read_as_before() {
    let docref = "See http://127.0.0.1/api.php for API usage. ".repeat(8);
    let many = |n: usize, tail: &str| {
        let extra: Vec<String> = (0..n).map(|i| format!(r#""x{i}":{i}"#)).collect();
        format!("{{{},{tail}}}", extra.join(","))
    };
    let huge = format!(r#"{{"code":"{}","info":"i"}}"#, "a".repeat(70_000));
    let huge_docref = format!(r#"{{"docref":"{}","code":"c"}}"#, "d".repeat(70_000));
    let mut read = 0;
    for text in [
        format!(r#"{{"code":"badtoken","info":"Invalid CSRF token.","docref":"{docref}"}}"#),
        r#"{"code":"a\u00e9\n\"","info":"\"q\" \\ \/ \t"}"#.into(),
        r#"{"code":"é日本","info":"\ud83d\ude00 😀"}"#.into(),
        r#"{"code":12,"info":true}"#.into(),
        r#"{"code":null,"info":{"a":[1,"x"]}}"#.into(),
        r#"{"code":[1,"x"],"info":1.5,"*":"help"}"#.into(),
        r#"{"code":-7,"info":1e400}"#.into(),
        r#"{"code":"a","code":"b","info":"x","info":null}"#.into(),
        r#"{"code":"a","code":null,"info":"x","info":7}"#.into(),
        r#"{"code":"maxlag","info":"Waiting","host":"db","lag":3,"type":"db","*":"see"}"#.into(),
        r#"{"x":1,"x":2,"y":null,"z":{"q":"\u00e9"},"code":"c"}"#.into(),
        r#"{"*":null,"docref":5,"code":"c","*":"s"}"#.into(),
        r#"{"c\u006fde":"escaped key","inf\u006f":"i","d\u006fcref":"d"}"#.into(),
        r#"{"code":"\ud800","info":"lone surrogate"}"#.into(),
        r#"{"code":"c","bad":"\ud800"}"#.into(),
        "{}".into(),
        r#""not an object""#.into(),
        "[1,2]".into(),
        "null".into(),
        many(70, r#""code":"late""#),
        many(62, r#""docref":"d","code":"c63","info":"i65""#),
        many(62, r#""docref":null,"*":null,"code":"c","info":"i""#),
        many(63, r#""code":"c64","code":"c65""#),
        huge,
        huge_docref,
    ] {
        read += usize::from(error_agrees(&text));
    }
    assert_eq!(
        read, 24,
        "the scanner reads all but a code with a lone surrogate"
    );
}

#[test]
fn bc_warnings_read_as_before() {
    let lines = |n: usize, prefix: &str| {
        let lines: Vec<String> = (0..n).map(|i| format!("{prefix} {i}")).collect();
        lines.join("\\n")
    };
    let blocks = |n: usize| {
        let blocks: Vec<String> = (0..n)
            .map(|i| format!(r#""m{:02}":{{"*":"{}"}}"#, 99 - i, lines(2, "w")))
            .collect();
        format!("{{{}}}", blocks.join(","))
    };
    let long = "x".repeat(3000);
    let mut read = 0;
    for text in [
        r#"{"tokens":{"*":"action=tokens has been deprecated.\nAction 'edit' is not allowed"}}"#
            .into(),
        r#"{"b":{"*":"x\ny"},"a":{"warnings":"z","*":"w"},"c":"bare"}"#.into(),
        r#"{"main":{"warnings":"\n\n  \n\tline\n \u3000 \nlast  \n"}}"#.into(),
        r#"{"main":{"*":"\u00a0\n\u000b\n\u2028\n\r\nreal\r\n\u0085"}}"#.into(),
        r#"{"main":{"*":"é first\n日本\n\ud83d\ude00"}}"#.into(),
        r#"{"main":{"*":"not\\na newline\u000asplit\u000Aagain"}}"#.into(),
        r#"{"main":{"*":"plain, no escapes"}}"#.into(),
        r#"{"main":"bare\nstring","login":{"*":""}}"#.into(),
        r#"{"a":{"*":"1\n2"},"a":{"*":"3"},"A":{"*":"4"}}"#.into(),
        r#"{"a":{"*":"1"},"b":{"*":"2\n3"},"b":{"*":"4"},"c":null,"d":{}}"#.into(),
        r#"{"a":{"*":"1"},"c":{"*":""},"b":{"*":"2"}}"#.into(),
        r#"{"a":{"warnings":1,"*":"w"},"a":{"*":"v","*":"u"},"b":null}"#.into(),
        r#"{"a":[{"*":"x"}],"b":7,"c":{"warnings":{"x":"y"}},"d":{"*":"\u00e9\n"}}"#.into(),
        r#"{"m\u006fdule":{"*":"escaped key"},"q":{"*":null},"r":{"other":"x"}}"#.into(),
        r#"{"a":{"*":"x","n":1e400},"b":{"*":"\ud800"}}"#.into(),
        r#"{"a":{"*":"\ud800","*":"taken"}}"#.into(),
        r#"{"a":{"warnings":"taken","*":"\ud800"}}"#.into(),
        r#"{"a":{"*":"taken","other":"\ud800"}}"#.into(),
        format!(r#"{{"a":{{"*":"{}\ud800"}}}}"#, "a".repeat(70_000)),
        format!(r#"{{"main":{{"*":"{}\n\ud800"}}}}"#, lines(100, "line")),
        r#"{"main":{"*":"\"quoted\" first\r\n\\back\n\/slash\t\n\u00e9 \ud83d\ude00"}}"#.into(),
        r#"{"main":{"warnings":"a\n\u00e9b\n\n\tc\u000a\u0009\u000A"}}"#.into(),
        format!(r#"{{"main":{{"*":"{}"}}}}"#, lines(100, "line")),
        format!(
            r#"{{"z":{{"*":"{}"}},"a":{{"*":"{}"}}}}"#,
            lines(60, "z"),
            lines(10, "a")
        ),
        blocks(70),
        format!(r#"{{"main":{{"*":"{long}\nshort"}}}}"#),
        format!(r#"{{"main":{{"*":"short\n{long}"}}}}"#),
        format!(r#"{{"main":{{"*":"{long}\n{long}\n"}}}}"#),
        format!(r#"{{"main":{{"*":"{}"}}}}"#, "a".repeat(70_000)),
        "{}".into(),
        "[]".into(),
        r#""text""#.into(),
    ] {
        read += usize::from(warnings_agree(&text));
    }
    assert_eq!(read, 26, "the scanner reads all but the lone surrogates");
}
