//! Every response parser of mw-protocol on arbitrary bytes.
//!
//! The first byte chooses the parser (and, in its high bits, the HTTP
//! status); the rest is the body, or for `parse_retry_after` the header
//! values (`Retry-After`, then after a `\n` the `Date`). A panic, a hang
//! or an out-of-memory is a finding, and so is a body the envelope accepts
//! where serde_json rejects it (the envelope's pass is a hand-written
//! scanner: it must never accept malformed JSON, even in members nobody
//! reads), or two entry points that disagree (the envelope and a module
//! parser on it against the module's one pass, `parse_response`): errors
//! are expected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mw_protocol::actions::{
    centralauth, checktoken, clientlogin, legacy_tokens, login, logout, tokens,
};
use mw_protocol::response::{parse_envelope, parse_retry_after, take_envelope};

const STATUSES: [u16; 8] = [200, 200, 200, 429, 503, 502, 500, 404];

fn response(status: u16, retry_after: bool, body: &[u8]) -> http::Response<Vec<u8>> {
    let mut res = http::Response::new(body.to_vec());
    if let Ok(s) = http::StatusCode::from_u16(status) {
        *res.status_mut() = s;
    }
    if retry_after {
        res.headers_mut()
            .insert("retry-after", http::HeaderValue::from_static("5"));
    }
    res
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(selector >> 5)];
    let retry_after = selector & 0x10 != 0;
    let which = selector & 0x0f;
    if which == 0x0f {
        // Header bytes: Retry-After, then (after a newline) Date.
        let mut parts = rest.splitn(2, |&b| b == b'\n');
        let mut headers = http::HeaderMap::new();
        if let Some(Ok(v)) = parts.next().map(http::HeaderValue::from_bytes) {
            headers.insert("retry-after", v);
        }
        if let Some(Ok(v)) = parts.next().map(http::HeaderValue::from_bytes) {
            headers.insert("date", v);
        }
        let _ = parse_retry_after(&headers);
        return;
    }
    let res = response(status, retry_after, rest);
    let taken = take_envelope(&mut res.clone());
    let parsed = parse_envelope(&res);
    assert_eq!(taken, parsed, "take_envelope and parse_envelope disagree");
    if parsed.is_ok() {
        // What the envelope accepts is JSON: serde_json accepts it too
        // (skipping it, as the envelope skips what it does not read).
        assert!(
            serde_json::from_slice::<serde::de::IgnoredAny>(rest).is_ok(),
            "the envelope accepted a body serde_json rejects"
        );
    }
    let env = match parsed {
        Ok(env) => env,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"), e.code(), e.retry_after());
            let one_pass = checktoken::parse_response(&res).err();
            assert_eq!(
                one_pass.as_ref(),
                Some(&e),
                "the one pass and the envelope disagree"
            );
            return;
        }
    };
    // The envelope and then a parser, against the parser's one pass.
    macro_rules! same {
        ($parse:expr, $one_pass:expr) => {{
            let two = $parse(&env);
            let one = $one_pass(&res).map(|reply| reply.value);
            assert_eq!(one, two, "{} in one pass", stringify!($parse));
            two
        }};
    }
    for w in &env.warnings {
        let _ = (w.is_deprecation(), w.deprecated_feature(), w.to_string());
    }
    let shown = match which {
        0 => format!("{:?}", env),
        1 => match same!(tokens::parse, tokens::parse_response) {
            Ok(set) => {
                for (_, t) in set.iter() {
                    let _ = (t.timestamp(), t.is_mangled(), t.is_anonymous());
                }
                format!("{set:?}")
            }
            Err(e) => e.to_string(),
        },
        2 => format!(
            "{:?}",
            same!(legacy_tokens::parse, legacy_tokens::parse_response)
        ),
        3 => format!(
            "{:?}",
            same!(
                legacy_tokens::parse_module_tokens,
                legacy_tokens::parse_module_tokens_response
            )
        ),
        4 => format!("{:?}", same!(checktoken::parse, checktoken::parse_response)),
        5 => format!("{:?}", same!(login::parse, login::parse_response)),
        6 => format!(
            "{:?}",
            same!(clientlogin::parse, clientlogin::parse_response)
        ),
        7 => format!("{:?}", same!(logout::parse, logout::parse_response)),
        8 => format!(
            "{:?}",
            same!(centralauth::parse, centralauth::parse_response)
        ),
        // The rest: all of them, as the session would try them in turn.
        _ => format!(
            "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
            tokens::parse(&env),
            legacy_tokens::parse(&env),
            legacy_tokens::parse_module_tokens(&env),
            checktoken::parse(&env),
            login::parse(&env),
            clientlogin::parse(&env),
            logout::parse(&env),
            centralauth::parse(&env),
        ),
    };
    std::hint::black_box(shown);
});
