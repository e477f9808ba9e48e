//! Attachments: versioned binary files on a page or blog post.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Label;

/// File bytes: stored, or generated deterministically on demand (large generated sites).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobData {
    Stored {
        #[serde(serialize_with = "to_b64", deserialize_with = "from_b64")]
        base64: bytes::Bytes,
    },
    Generated {
        seed: u64,
        size: u64,
    },
    /// Uploaded bytes that are a generated stream (a copy of a generated attachment), kept as
    /// where the stream starts: the same bytes, byte for byte, without holding them. A copy of
    /// a million-page generated site would otherwise hold tens of gigabytes of attachments.
    Stream {
        first: u64,
        size: u64,
    },
}

fn to_b64<S: Serializer>(b: &bytes::Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
}

fn from_b64<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
    let s = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map(bytes::Bytes::from)
        .map_err(serde::de::Error::custom)
}

impl BlobData {
    pub fn size(&self) -> u64 {
        match self {
            BlobData::Stored { base64 } => base64.len() as u64,
            BlobData::Generated { size, .. } | BlobData::Stream { size, .. } => *size,
        }
    }

    /// The bytes; generated data is a deterministic pseudo-random stream.
    pub fn bytes(&self) -> bytes::Bytes {
        match self {
            BlobData::Stored { base64 } => base64.clone(),
            BlobData::Generated { seed, size } => stream(next(*seed | 1), *size),
            BlobData::Stream { first, size } => stream(*first, *size),
        }
    }

    /// What an upload of `bytes` keeps: where its stream starts when the bytes are a generated
    /// stream (checked in full), else the bytes.
    pub fn uploaded(bytes: bytes::Bytes) -> BlobData {
        let size = bytes.len() as u64;
        // Any word starts a stream: only a longer run says the bytes are generated.
        if size >= 64
            && let Some(head) = bytes.first_chunk::<8>()
        {
            let first = u64::from_le_bytes(*head);
            if first != 0 && is_stream(&bytes, first) {
                return BlobData::Stream { first, size };
            }
        }
        BlobData::Stored { base64: bytes }
    }
}

/// The generator's step (xorshift64).
fn next(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// `size` bytes of the stream whose first word is `first`, little-endian words.
fn stream(first: u64, size: u64) -> bytes::Bytes {
    let mut out = Vec::with_capacity(size as usize + 8);
    let mut x = first;
    while (out.len() as u64) < size {
        out.extend_from_slice(&x.to_le_bytes());
        x = next(x);
    }
    out.truncate(size as usize);
    bytes::Bytes::from(out)
}

/// Whether `bytes` are the stream whose first word is `first`, to the last (partial) word.
fn is_stream(bytes: &[u8], first: u64) -> bool {
    let mut x = first;
    let mut words = bytes.chunks_exact(8);
    // Whole words compare as integers: a slice comparison per word costs a `memcmp` call, which
    // made this check most of an upload's time in the sandbox.
    for word in &mut words {
        let word: [u8; 8] = word.try_into().expect("chunks_exact gives 8 bytes");
        if u64::from_le_bytes(word) != x {
            return false;
        }
        x = next(x);
    }
    let tail = words.remainder();
    tail == &x.to_le_bytes()[..tail.len()]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachmentVersion {
    pub number: u32,
    pub created_at: String,
    pub author_id: String,
    pub comment: String,
    pub minor_edit: bool,
    pub data: BlobData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attachment {
    pub id: u64,
    /// Page or blog post id.
    pub container_id: u64,
    pub title: String,
    pub media_type: String,
    pub file_id: String,
    pub status: super::ContentStatus,
    pub created_at: String,
    /// Oldest first; never empty.
    pub versions: Vec<AttachmentVersion>,
    pub labels: Vec<Label>,
    /// Content properties (v2 `/attachments/{id}/properties`); absent in older saved sites.
    #[serde(default)]
    pub properties: Vec<super::Property>,
}

impl Attachment {
    pub fn current(&self) -> &AttachmentVersion {
        self.versions.last().expect("attachment always has a version")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copied_generated_stream_is_kept_by_its_start_and_reads_back_the_same() {
        let generated = BlobData::Generated { seed: 42, size: 1_001 };
        let bytes = generated.bytes();
        let kept = BlobData::uploaded(bytes.clone());
        assert!(matches!(kept, BlobData::Stream { size: 1_001, .. }), "{kept:?}");
        assert_eq!(kept.bytes(), bytes);
        assert_eq!(kept.size(), 1_001);
        let mut changed = bytes.to_vec();
        changed[1_000] ^= 1;
        assert!(matches!(BlobData::uploaded(changed.into()), BlobData::Stored { .. }));
        let mut inside = bytes.to_vec();
        inside[504] ^= 0x80;
        assert!(matches!(BlobData::uploaded(inside.into()), BlobData::Stored { .. }));
        let small = BlobData::uploaded(bytes::Bytes::from_static(b"%PDF-1.7"));
        assert!(matches!(small, BlobData::Stored { .. }));
        assert!(matches!(BlobData::uploaded(bytes::Bytes::new()), BlobData::Stored { .. }));
    }
}
