//! A storage-format body: literal text, or a deterministic generated body rendered on demand.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Storage-format body of a content version.
///
/// Generated bodies keep only their generator parameters, so a 100,000-page generated site
/// stays small in memory; they render to the same text every time. Written bodies (every copy
/// on a destination, with each of its versions) are kept compressed: they are most of a large
/// destination's memory, and are read far less often than they are held.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    Text {
        #[serde(serialize_with = "ser_packed", deserialize_with = "de_packed")]
        value: Packed,
    },
    /// Page `page` of space `space` of a generated site (see `sandbox::generate`).
    Generated { seed: u64, space: u32, page: u32, spaces: u32, pages_per_space: u32, users: u32 },
}

impl Body {
    pub fn text(value: impl AsRef<str>) -> Body {
        Body::Text { value: Packed::new(value.as_ref()) }
    }
}

/// Text kept LZ4-compressed (storage format shrinks to a third or less). Saved state holds the
/// text itself, so a state file reads the same whatever the memory form.
#[derive(Clone)]
pub struct Packed(Arc<[u8]>);

impl Packed {
    pub fn new(text: &str) -> Packed {
        Packed(lz4_flex::block::compress_prepend_size(text.as_bytes()).into())
    }

    /// The text, unpacked.
    pub fn text(&self) -> Arc<str> {
        // Packed only by `new`, from valid UTF-8: neither step can fail on what it made.
        let bytes = lz4_flex::block::decompress_size_prepended(&self.0).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default().into()
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Packed({} bytes)", self.0.len())
    }
}

fn ser_packed<S: Serializer>(v: &Packed, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.text())
}

fn de_packed<'de, D: Deserializer<'de>>(d: D) -> Result<Packed, D::Error> {
    String::deserialize(d).map(|text| Packed::new(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_text_reads_back_as_written_and_saves_as_text() {
        let text = "<p>caf\u{e9} &amp; \u{1F600}</p>".repeat(50);
        let body = Body::text(&text);
        let Body::Text { value } = &body else { panic!("a text body") };
        assert_eq!(&*value.text(), text);
        assert!(value.0.len() < text.len() / 4, "repeated markup packs small: {value:?}");
        let saved = serde_json::to_value(&body).unwrap();
        assert_eq!(saved["text"]["value"], serde_json::Value::String(text.clone()));
        let back: Body = serde_json::from_value(saved).unwrap();
        let Body::Text { value } = back else { panic!("a text body") };
        assert_eq!(&*value.text(), text);
        assert_eq!(&*Packed::new("").text(), "");
    }
}
