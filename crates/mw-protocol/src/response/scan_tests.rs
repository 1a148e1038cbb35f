//! The scanner accepts exactly what serde_json accepts when it skips a
//! value (`IgnoredAny`: the envelope's pass over the members it does not
//! read) within the depth limit.

use proptest::prelude::*;
use serde::de::IgnoredAny;

use super::{MAX_DEPTH, Scan, validate};

/// Nested deeper than the limit, counted outside strings (for JSON
/// serde_json accepts, where strings are well formed).
fn too_deep(text: &str) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in text.bytes() {
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
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn serde_accepts(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok() && !too_deep(text)
}

fn agree(text: &str) {
    assert_eq!(validate(text), serde_accepts(text), "on {text:?}");
}

#[test]
fn agrees_with_serde_json_on_edge_cases() {
    let cases = [
        "",
        " ",
        "{}",
        "[]",
        " {} ",
        "{} x",
        "{}{}",
        "\u{c}{}",
        "{\u{c}}",
        "[1,]",
        "[,1]",
        "{,}",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{"a":}"#,
        r#"{1:2}"#,
        r#"{"a":1 "b":2}"#,
        "[1 2]",
        "0",
        "-0",
        "-",
        "01",
        "-01",
        "1.",
        "1.5",
        ".5",
        "1e",
        "1e+",
        "1e+5",
        "1E-5",
        "1.5e3",
        "1e400",
        "-1e400",
        "123456789012345678901234567890",
        "+1",
        "0x1",
        "1.5.3",
        "true",
        "tru",
        "truex",
        "[true,false,null]",
        "nul",
        "NaN",
        "Infinity",
        r#""""#,
        r#"""#,
        r#""a"#,
        r#""\""#,
        r#""\"""#,
        r#""\\""#,
        r#""\/""#,
        r#""\b\f\n\r\t""#,
        r#""\x""#,
        r#""\u00e9""#,
        r#""\u00g9""#,
        r#""\u00""#,
        r#""\ud800""#,
        r#""\udc00\ud800""#,
        "\"a\tb\"",
        "\"a\u{1f}b\"",
        "\"a\u{7f}b\"",
        "\"é\u{10ffff}\"",
        "\"aaaaaaaaaaaaaaaa\\nbbbbbbbbbbbbbbbbbbbb\"",
        r#"{"a":{"b":[1,{"c":"d"}]}}"#,
        "[[[[[[]]]]]]",
        "[[[[[[]]]]]",
        "[[[[[[]]]]]]]",
        r#"{"a":"b"}}"#,
        "\t\r\n[1]\t\r\n",
    ];
    for text in cases {
        agree(text);
    }
    let deep = |n| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for n in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 10_000] {
        agree(&deep(n));
    }
    assert!(validate(&deep(MAX_DEPTH)));
    assert!(!validate(&deep(MAX_DEPTH + 1)));
}

#[test]
fn every_short_string_of_json_bytes_agrees() {
    // Every string of up to 4 bytes from an alphabet of JSON's own.
    let alphabet = b"{}[]\":,0-1.e\\ntu ";
    let mut texts = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for t in &texts {
            for &b in alphabet {
                let mut t = t.clone();
                t.push(char::from(b));
                next.push(t);
            }
        }
        for t in &next {
            agree(t);
        }
        texts = next;
    }
}

/// A string's value as the scanner decodes it, against serde_json's.
fn same_string(quoted: &str) {
    let mut scan = Scan::new(quoted);
    let fast = scan.string().and_then(|s| s.value());
    let fast = fast.and_then(|v| scan.end().map(|()| v)).ok();
    let slow = serde_json::from_str::<String>(quoted).ok();
    assert_eq!(fast.as_deref(), slow.as_deref(), "on {quoted:?}");
}

#[test]
fn strings_decode_as_serde_json_decodes_them() {
    for quoted in [
        r#""""#,
        r#""abc""#,
        r#""a\"b""#,
        r#""\\\/\b\f\n\r\t""#,
        r#""\u00e9\u0000\uFFFF""#,
        r#""\ud83d\ude00""#,
        r#""\ud83d""#,
        r#""\ude00""#,
        r#""\ud83d\u0041""#,
        r#""\ud83dx""#,
        r#""\ud83d\ud83d\ude00""#,
        r#""x\ud83d\""#,
        r#""é\u00e9é""#,
        r#""+\\""#,
        // The one escape is the last: a token's `+\\`, borrowed.
        r#""\\""#,
        r#""5d171d86ced4f6c7422d7d11141b7d72+\\""#,
        r#""a\\\\""#,
        r#""a\"\\""#,
        r#""a\n""#,
        r#""a\/""#,
        r#""\u005c""#,
        r#""a\u005c""#,
        r#""é\\""#,
    ] {
        same_string(quoted);
    }
}

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| serde_json::Value::from(f).to_string()),
        "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
        ".{0,12}".prop_map(|s| serde_json::Value::from(s).to_string()),
        "\"([a-z]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}|é){0,8}\"",
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        let ws = "[ \t\n\r]{0,2}";
        prop_oneof![
            prop::collection::vec((inner.clone(), ws), 0..5).prop_map(|items| {
                let items: Vec<String> = items.into_iter().map(|(v, w)| w + &v).collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec(("[a-z]{0,4}", ws, inner), 0..5).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, w, v)| format!("{w}\"{k}\"{w}:{w}{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// One edit at a place in the text: a byte replaced, removed, or inserted.
fn mutate(text: &str, at: usize, op: u8, byte: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = at % (bytes.len() + 1);
    let byte = b"{}[]\":,0-1.eE+\\ntuf \x01\x1f"[usize::from(byte) % 22];
    match op % 3 {
        0 if at < bytes.len() => bytes[at] = byte,
        1 if at < bytes.len() => {
            bytes.remove(at);
        }
        _ => bytes.insert(at, byte),
    }
    // Edits are ASCII: a char boundary may be split; such texts are not
    // UTF-8 and never reach the scanner.
    String::from_utf8(bytes).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn generated_json_agrees(text in json_text()) {
        prop_assert!(validate(&text), "{text:?}");
        agree(&text);
    }

    #[test]
    fn mutated_json_agrees(
        text in json_text(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let mut text = text;
        for (at, op, byte) in edits {
            text = mutate(&text, at, op, byte);
        }
        agree(&text);
    }

    #[test]
    fn escaped_strings_agree(
        text in r#""([a-zé+]|\\["\\/bfnrtx]|\\u(d[89ab]|d[c-f]|00)[0-9a-f]{2}){0,6}""#,
    ) {
        agree(&text);
        same_string(&text);
    }

    #[test]
    fn json_alphabet_soup_agrees(text in "[{}\\[\\]\":,0-9.eE+\\-\\\\ntrufals é]{0,24}") {
        agree(&text);
    }
}

#[test]
fn long_strings_agree_wherever_their_special_byte_is() {
    // The scanner reads a string eight bytes at a time up to 48 bytes from
    // its quote (the last bytes of the text one at a time), then past the
    // first sixteen bytes with `memchr2`.
    for len in [7, 8, 9, 15, 16, 17, 24, 40, 46, 47, 48, 49, 55, 56, 57, 100] {
        for at in 0..len {
            for special in [
                "\"", "\\", "\\n", "\\u00e9", "\\x", "\u{1}", "\u{1f}", "\n", "é",
            ] {
                let mut inner = "a".repeat(len);
                inner.replace_range(at..=at, special);
                agree(&format!("\"{inner}\""));
                agree(&format!("[\"{inner}\",1]"));
                agree(&format!("[\"{inner}\"]"));
                agree(&format!("{{\"{inner}\":0}}"));
                same_string(&format!("\"{inner}\""));
            }
        }
    }
}

proptest! {
    #[test]
    fn long_escaped_strings_agree(
        text in "\"([a-z ]{0,20}|\\\\[nt\"]|\\\\u00[0-9a-f]{2}|\u{1}|é){0,12}\"",
    ) {
        agree(&text);
        same_string(&text);
    }
}
