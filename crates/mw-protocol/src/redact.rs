//! Redaction: no secret the client holds or sent may reach a message, a
//! log or an exception, whatever the server or an HTTP library says back.

use crate::TOKEN_SUFFIX;

/// What [`redact`] puts in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// The shortest secret [`redact`] looks for: shorter strings would match
/// ordinary text (and `+\`, the anonymous token, is public).
const MIN_SECRET_LEN: usize = 4;

/// Replaces every occurrence of each secret in `text`, as is and
/// percent-encoded (as a server quoting a form body would show it), with
/// `<redacted>`. The session runs every text a server sends back (errors,
/// warnings, login reasons) through it with the passwords and tokens it
/// holds, so that none of them reaches a message, a log or an exception.
/// Secrets shorter than 4 characters and the anonymous token `+\` are
/// left alone.
///
/// ```
/// let shown = mw_protocol::redact("bad password hunter2hunter2", &["hunter2hunter2"]);
/// assert_eq!(shown, "bad password <redacted>");
/// assert_eq!(mw_protocol::redact("token +\\ is public", &["+\\"]), "token +\\ is public");
/// ```
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    redact_in_place(&mut out, secrets);
    out
}

/// [`redact`] in place; `true` when something was replaced.
pub(crate) fn redact_in_place(text: &mut String, secrets: &[&str]) -> bool {
    let mut changed = false;
    for secret in secrets {
        if secret.len() < MIN_SECRET_LEN || *secret == TOKEN_SUFFIX {
            continue;
        }
        // Neither form fits in a shorter text (a user name, most warnings):
        // no encoded copy is made for them.
        if text.len() < secret.len() {
            continue;
        }
        if text.contains(*secret) {
            *text = text.replace(*secret, REDACTED);
            changed = true;
        }
        let plain = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
        if secret.bytes().all(|b| plain(&b)) {
            // Its encoded form is itself.
            continue;
        }
        let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if text.contains(encoded.as_str()) {
            *text = text.replace(encoded.as_str(), REDACTED);
            changed = true;
        }
    }
    changed
}

/// Names of the parameters whose values are secrets, as they appear in a
/// URL or body that an HTTP library quotes: the token parameters of every
/// module and `centralauthtoken`, and the passwords of `action=login` and
/// `action=clientlogin`.
const SECRET_PARAMS: &[&str] = &[
    "centralauthtoken=",
    "token=",
    "lgtoken=",
    "logintoken=",
    "lgpassword=",
    "password=",
];

/// Replaces the value of every secret parameter (`token=`, `lgpassword=`,
/// `centralauthtoken=`, …) in a message with `<redacted>`, for the texts
/// of a driver's HTTP library, which may quote a URL or a body (`requests`
/// puts the URL in its exceptions, and a foreign request's URL holds a
/// `centralauthtoken`). The session applies it to every transport error
/// it is handed.
///
/// ```
/// let shown = mw_protocol::redact_secret_params("url: /w/api.php?centralauthtoken=abc123&x=1");
/// assert_eq!(shown, "url: /w/api.php?centralauthtoken=<redacted>&x=1");
/// ```
pub fn redact_secret_params(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'outer: while !rest.is_empty() {
        for name in SECRET_PARAMS {
            if let Some(tail) = rest.strip_prefix(name) {
                let at_boundary = out
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
                if at_boundary {
                    out.push_str(name);
                    // A quoted value ends at its closing quote.
                    let (quote, value) = match tail.chars().next() {
                        Some(q @ ('\'' | '"')) => (Some(q), &tail[1..]),
                        _ => (None, tail),
                    };
                    let end = match quote {
                        Some(q) => value.find(q),
                        None => value.find(|c: char| {
                            c == '&' || c == '#' || c.is_whitespace() || "'\")>,;".contains(c)
                        }),
                    }
                    .unwrap_or(value.len());
                    if let Some(q) = quote {
                        out.push(q);
                    }
                    out.push_str(REDACTED);
                    rest = &value[end..];
                    continue 'outer;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_covers_encoded_forms_and_skips_public_values() {
        let secret = "ab+c/d e\\";
        let text = format!("raw {secret} form {}", "ab%2Bc%2Fd+e%5C");
        let shown = redact(&text, &[secret, "+\\", "ab"]);
        assert_eq!(shown, "raw <redacted> form <redacted>");
        assert_eq!(redact("a +\\ b", &[TOKEN_SUFFIX]), "a +\\ b");
        // A secret the length of the text, one longer, one that encodes as
        // itself, and one whose encoded form is all the text holds.
        assert_eq!(redact("hunter22", &["hunter22"]), "<redacted>");
        assert_eq!(redact("hunter2", &["hunter22"]), "hunter2");
        assert_eq!(redact("x a-b.c_d*e y", &["a-b.c_d*e"]), "x <redacted> y");
        assert_eq!(redact("q=p%40ss+word", &["p@ss word"]), "q=<redacted>");
    }

    #[test]
    fn secrets_are_scrubbed_from_transport_messages() {
        assert_eq!(
            redact_secret_params(
                "Max retries exceeded with url: /w/api.php?action=query&centralauthtoken=abc123&x=1 (Caused by X)"
            ),
            "Max retries exceeded with url: /w/api.php?action=query&centralauthtoken=<redacted>&x=1 (Caused by X)"
        );
        assert_eq!(
            redact_secret_params("body token=ab%2B%5C"),
            "body token=<redacted>"
        );
        assert_eq!(
            redact_secret_params("mytoken=1 csrftoken"),
            "mytoken=1 csrftoken"
        );
        assert_eq!(redact_secret_params("connection reset"), "connection reset");
        assert_eq!(
            redact_secret_params("é token='x y' ü"),
            "é token='<redacted>' ü"
        );
        assert_eq!(
            redact_secret_params("password=\"unterminated"),
            "password=\"<redacted>"
        );
    }
}
