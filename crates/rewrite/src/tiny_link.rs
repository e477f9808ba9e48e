//! Tiny links (`/wiki/x/{tiny}`) encode a content id: base64url (RFC 4648 §5, no padding) of the
//! id's little-endian bytes with trailing zero bytes trimmed.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The tiny-link code of a content id.
pub fn encode(id: u64) -> String {
    let bytes = id.to_le_bytes();
    let length = bytes.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
    let mut out = String::with_capacity(12);
    for chunk in bytes[..length].chunks(3) {
        let mut group = [0u8; 3];
        group[..chunk.len()].copy_from_slice(chunk);
        let bits = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        for k in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(bits >> (18 - 6 * k) & 63) as usize]));
        }
    }
    out
}

/// The content id a tiny-link code stands for; `None` when it is not a valid code. Trailing `=`
/// padding is accepted.
pub fn decode(code: &str) -> Option<u64> {
    let code = code.trim_end_matches('=');
    if code.is_empty() || code.len() % 4 == 1 || code.len() > 11 {
        return None;
    }
    let mut bytes = [0u8; 9];
    let mut written = 0;
    for chunk in code.as_bytes().chunks(4) {
        let mut bits = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            let value = ALPHABET.iter().position(|&a| a == c)? as u32;
            bits |= value << (18 - 6 * k);
        }
        for k in 0..chunk.len() - 1 {
            bytes[written] = (bits >> (16 - 8 * k)) as u8;
            written += 1;
        }
    }
    if written > 8 && bytes[8] != 0 {
        return None;
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[..8]);
    Some(u64::from_le_bytes(id))
}
