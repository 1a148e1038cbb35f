//! `application/x-www-form-urlencoded`, as `form_urlencoded` writes it.

/// Appends `name=value` (and a `&` before it unless `out` is empty),
/// `application/x-www-form-urlencoded` byte for byte as `form_urlencoded`
/// writes it: `*-._` and ASCII letters and digits as they are, a space as
/// `+`, every other byte as `%XX`.
pub(super) fn push_pair(out: &mut Vec<u8>, name: &str, value: &str) {
    if !out.is_empty() {
        out.push(b'&');
    }
    push_encoded(out, name);
    out.push(b'=');
    push_encoded(out, value);
}

fn push_encoded(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        // The run of bytes that stay as they are, copied at once.
        let run = rest
            .iter()
            .position(|&b| !KEPT[usize::from(b)])
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        let Some((&b, tail)) = rest[run..].split_first() else {
            break;
        };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        }
        rest = tail;
    }
}

/// The bytes `push_encoded` keeps as they are.
const KEPT: [bool; 256] = {
    let mut kept = [false; 256];
    let mut b = 0;
    while b < 256 {
        kept[b] =
            matches!(b as u8, b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z');
        b += 1;
    }
    kept
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_encoded_as_form_urlencoded_does() {
        let samples = [
            "",
            "plain",
            "a b+c&d=e",
            "ab+\\",
            "TestBot@client",
            "*-._~!'()/?#[]%",
            "Ünïcødé ✓ 𝄞",
            "\u{0}\u{7f}\t\n",
        ];
        for name in samples {
            for value in samples {
                let mut ours = b"x=1".to_vec();
                push_pair(&mut ours, name, value);
                let mut theirs = form_urlencoded::Serializer::new(String::from("x=1"));
                theirs.append_pair(name, value);
                assert_eq!(String::from_utf8_lossy(&ours), theirs.finish());
            }
        }
    }
}
