//! SHA-256 as lowercase hex, for the ids and fingerprints the sandbox derives. The sandbox keeps
//! its own few lines rather than share the product's: it stands in for the server, and a helper
//! shared by both sides would hide a bug from the tests.

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
