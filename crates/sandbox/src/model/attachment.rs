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
            BlobData::Generated { size, .. } => *size,
        }
    }

    /// The bytes; generated data is a deterministic pseudo-random stream.
    pub fn bytes(&self) -> bytes::Bytes {
        match self {
            BlobData::Stored { base64 } => base64.clone(),
            BlobData::Generated { seed, size } => {
                let mut x = *seed | 1;
                let mut out = Vec::with_capacity(*size as usize);
                while (out.len() as u64) < *size {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    out.extend_from_slice(&x.to_le_bytes());
                }
                out.truncate(*size as usize);
                bytes::Bytes::from(out)
            }
        }
    }
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
