//! A storage-format body: literal text, or a deterministic generated body rendered on demand.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Storage-format body of a content version.
///
/// Generated bodies keep only their generator parameters, so a 100,000-page generated site
/// stays small in memory; they render to the same text every time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    Text {
        #[serde(serialize_with = "ser_arc", deserialize_with = "de_arc")]
        value: Arc<str>,
    },
    /// Page `page` of space `space` of a generated site (see `sandbox::generate`).
    Generated { seed: u64, space: u32, page: u32, spaces: u32, pages_per_space: u32, users: u32 },
}

impl Body {
    pub fn text(value: impl Into<Arc<str>>) -> Body {
        Body::Text { value: value.into() }
    }
}

fn ser_arc<S: Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

fn de_arc<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    String::deserialize(d).map(Arc::from)
}
