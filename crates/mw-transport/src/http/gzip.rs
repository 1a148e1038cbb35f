//! gzip bodies, decompressed up to the body cap.

use std::io::Read;

use super::failure::{Failure, transport};

/// Decompresses a gzip body, failing once it passes `max` bytes (a gzip
/// bomb stops at the cap).
pub(crate) fn gunzip(data: &[u8], max: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::MultiGzDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| transport(format!("the gzip response body is invalid: {e}")))?;
    if out.len() > max {
        return Err(transport(format!(
            "the decompressed response body is larger than {max} bytes"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gunzip_stops_at_the_cap() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(&vec![b'a'; 1 << 20]).expect("compress");
        let bomb = enc.finish().expect("compress");
        assert!(bomb.len() < 4096);
        assert_eq!(gunzip(&bomb, 1 << 20).map(|v| v.len()).ok(), Some(1 << 20));
        match gunzip(&bomb, (1 << 20) - 1) {
            Err(Failure::Transport(m)) => assert!(m.contains("larger than")),
            other => panic!("{other:?}"),
        }
        assert!(gunzip(b"not gzip", 100).is_err());
    }
}
