//! Maps keyed by a source id.

use std::collections::HashMap;

/// A map keyed by source id that keeps a decimal id (what Confluence Cloud's ids are) as a
/// number rather than as a string of its own: a 100,000-page copy holds a few hundred thousand
/// keys, and each string would cost a heap allocation besides. Any other id is kept as text.
#[derive(Debug)]
pub struct IdMap<V> {
    numbers: HashMap<u64, V>,
    others: HashMap<Box<str>, V>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { numbers: HashMap::new(), others: HashMap::new() }
    }
}

impl<V> IdMap<V> {
    /// The id as a number when the number reads back as exactly the same text ("007" or "+7"
    /// stay text, so two ids never share a key).
    fn number(id: &str) -> Option<u64> {
        let canonical = !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && (id.len() == 1 || !id.starts_with('0'));
        if canonical { id.parse().ok() } else { None }
    }

    /// Puts `value` under `id`; the value it replaces, if any.
    pub fn insert(&mut self, id: String, value: V) -> Option<V> {
        match Self::number(&id) {
            Some(n) => self.numbers.insert(n, value),
            None => self.others.insert(id.into_boxed_str(), value),
        }
    }

    /// [`IdMap::insert`] of a borrowed id: a decimal id takes no allocation of its own.
    pub fn insert_str(&mut self, id: &str, value: V) -> Option<V> {
        match Self::number(id) {
            Some(n) => self.numbers.insert(n, value),
            None => self.others.insert(id.into(), value),
        }
    }

    pub fn get(&self, id: &str) -> Option<&V> {
        match Self::number(id) {
            Some(n) => self.numbers.get(&n),
            None => self.others.get(id),
        }
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    pub fn len(&self) -> usize {
        self.numbers.len() + self.others.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn id_map_keeps_numeric_and_other_ids_apart_and_exact() {
        let mut map = IdMap::default();
        assert_eq!(map.insert("98765".to_string(), "a"), None);
        assert_eq!(map.insert("007".to_string(), "b"), None, "leading zeros are not the number 7");
        assert_eq!(map.insert("7".to_string(), "c"), None);
        assert_eq!(map.insert("0".to_string(), "d"), None);
        assert_eq!(map.insert("page-x".to_string(), "e"), None);
        assert_eq!(map.insert("99999999999999999999".to_string(), "f"), None, "past u64: kept as text");
        assert_eq!(map.insert("+7".to_string(), "g"), None);
        assert_eq!(map.insert("".to_string(), "h"), None);
        assert_eq!(map.len(), 8);
        for (id, value) in [
            ("98765", "a"),
            ("007", "b"),
            ("7", "c"),
            ("0", "d"),
            ("page-x", "e"),
            ("99999999999999999999", "f"),
            ("+7", "g"),
            ("", "h"),
        ] {
            assert_eq!(map.get(id), Some(&value), "{id}");
        }
        assert_eq!(map.get("07"), None);
        assert!(!map.contains_key("98766"));
        assert_eq!(map.insert("98765".to_string(), "z"), Some("a"), "a second insert replaces");
        assert_eq!(map.get("98765"), Some(&"z"));
        assert_eq!(map.insert_str("98765", "y"), Some("z"), "a borrowed id is the same key");
        assert_eq!(map.insert_str("007", "x"), Some("b"));
        assert_eq!(map.insert_str("new-id", "w"), None);
        assert_eq!(map.get("new-id"), Some(&"w"));
        map.insert_str("new-id", "e");
        assert_eq!(map.len(), 9);
    }
}
