//! What makes a body unreadable before any member is read (not UTF-8,
//! nested too deep, not JSON, not an object), and how that is told
//! without echoing the body.

/// The deepest nesting accepted: serde_json's own limit for a tree, so
/// that [`Envelope::body`](super::Envelope::body) can always build one
/// (the envelope's scanner counts it as it goes; serde_json's
/// `ignore_value`, which skips what the serde pass does not read, has no
/// depth limit: it keeps its stack on the heap, one byte a level).
pub(super) const MAX_DEPTH: usize = 128;

/// What makes a body unreadable before any member is read.
pub(crate) enum BadText {
    /// Not UTF-8 at this byte (the envelope pass reads the body as a
    /// `&str`, checked once up front).
    Utf8(usize),
    /// Nested deeper than [`MAX_DEPTH`] at this byte.
    TooDeep(usize),
}

/// Why a body is not an API response.
pub(crate) enum BadBody {
    /// Malformed JSON.
    Json(serde_json::Error),
    /// JSON, but not an object.
    NotObject,
    /// Not UTF-8, or too deep.
    Text(BadText),
}

/// The body as text: refuses one that is not UTF-8 (the bytes come back
/// with the reason).
pub(super) fn into_text(raw: Vec<u8>) -> Result<String, (Vec<u8>, BadBody)> {
    String::from_utf8(raw).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (e.into_bytes(), BadBody::Text(BadText::Utf8(at)))
    })
}

/// [`into_text`] for a borrowed body: checked with `simdutf8` (several
/// bytes a step; std's check then only says where a bad body goes wrong).
pub(super) fn as_text(raw: &[u8]) -> Result<&str, BadBody> {
    simdutf8::basic::from_utf8(raw).or_else(|_| {
        std::str::from_utf8(raw).map_err(|e| BadBody::Text(BadText::Utf8(e.valid_up_to())))
    })
}

/// Refuses a body nested deeper than [`MAX_DEPTH`] (a linear scan,
/// strings skipped).
pub(super) fn check_depth(raw: &[u8]) -> Result<(), BadBody> {
    // Fewer brackets than the limit cannot nest past it: almost every
    // answer is decided here, by a count the compiler vectorises.
    let mut brackets = 0;
    let few = raw.chunks(64).all(|chunk| {
        // At most 64 in a chunk: a byte-wide sum cannot overflow.
        let n: u8 = chunk
            .iter()
            .map(|&b| u8::from(b == b'[' || b == b'{'))
            .sum();
        brackets += usize::from(n);
        brackets <= MAX_DEPTH
    });
    if few {
        return Ok(());
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, &b) in raw.iter().enumerate() {
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
                    return Err(BadBody::Text(BadText::TooDeep(at)));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A short description of a body that is not a JSON object, without
/// echoing it (it may hold anything).
pub(super) fn describe_bad_body(headers: &http::HeaderMap, body: &[u8], err: BadBody) -> String {
    let ctype = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type");
    if body.iter().all(u8::is_ascii_whitespace) {
        return format!("empty body ({ctype})");
    }
    let not_json = !ctype.contains("json");
    match err {
        BadBody::Json(e) if e.is_eof() => {
            format!("truncated JSON ({} bytes, {ctype})", body.len())
        }
        BadBody::Json(e) if e.is_syntax() && not_json => {
            format!("expected JSON, got {ctype} ({} bytes)", body.len())
        }
        BadBody::Text(_) if not_json => {
            format!("expected JSON, got {ctype} ({} bytes)", body.len())
        }
        BadBody::Json(e) => format!("malformed JSON: {e}"),
        BadBody::Text(BadText::Utf8(at)) => {
            let (line, column) = position(body, at);
            format!("malformed JSON: invalid unicode code point at line {line} column {column}")
        }
        BadBody::Text(BadText::TooDeep(at)) => {
            let (line, column) = position(body, at);
            format!("malformed JSON: recursion limit exceeded at line {line} column {column}")
        }
        BadBody::NotObject => format!("expected a JSON object ({} bytes)", body.len()),
    }
}

/// The line and column (both from 1) of a byte, as serde_json counts them.
fn position(body: &[u8], at: usize) -> (usize, usize) {
    let head = &body[..at.min(body.len())];
    let line = 1 + head.iter().filter(|&&b| b == b'\n').count();
    let line_start = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, at - line_start + 1)
}
