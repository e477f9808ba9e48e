//! Site ids held compactly: one id ([`Id`]) and maps keyed by an id ([`IdMap`]), for callers
//! that keep hundreds of thousands of them.

use std::collections::HashMap;

/// One site id, as compact as it can be held: a decimal id (what Confluence Cloud's ids are) as
/// a number, anything else as text. It reads back as exactly the text it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    Number(u64),
    Text(Box<str>),
}

impl Id {
    pub fn new(id: &str) -> Id {
        match number(id) {
            Some(n) => Id::Number(n),
            None => Id::Text(id.into()),
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::Text(t) => f.write_str(t),
        }
    }
}

/// The id as a number when the number reads back as exactly the same text ("007" or "+7" stay
/// text, so two ids never share a key).
fn number(id: &str) -> Option<u64> {
    let canonical =
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && (id.len() == 1 || !id.starts_with('0'));
    if canonical { id.parse().ok() } else { None }
}

/// A map keyed by source id that keeps a decimal id (what Confluence Cloud's ids are) as a
/// number rather than as a string of its own: a 100,000-page copy holds a few hundred thousand
/// keys, and each string would cost a heap allocation besides. Any other id is kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Puts `value` under `id`; the value it replaces, if any.
    pub fn insert(&mut self, id: String, value: V) -> Option<V> {
        match number(&id) {
            Some(n) => self.numbers.insert(n, value),
            None => self.others.insert(id.into_boxed_str(), value),
        }
    }

    /// [`IdMap::insert`] of a borrowed id: a decimal id takes no allocation of its own.
    pub fn insert_str(&mut self, id: &str, value: V) -> Option<V> {
        match number(id) {
            Some(n) => self.numbers.insert(n, value),
            None => self.others.insert(id.into(), value),
        }
    }

    pub fn get(&self, id: &str) -> Option<&V> {
        match number(id) {
            Some(n) => self.numbers.get(&n),
            None => self.others.get(id),
        }
    }

    /// [`IdMap::get`] of an [`Id`].
    pub fn get_id(&self, id: &Id) -> Option<&V> {
        match id {
            Id::Number(n) => self.numbers.get(n),
            Id::Text(t) => self.others.get(t),
        }
    }

    /// [`IdMap::insert`] of an [`Id`].
    pub fn insert_id(&mut self, id: Id, value: V) -> Option<V> {
        match id {
            Id::Number(n) => self.numbers.insert(n, value),
            Id::Text(t) => self.others.insert(t, value),
        }
    }

    /// Takes the value under `id` out of the map.
    pub fn remove(&mut self, id: &str) -> Option<V> {
        match number(id) {
            Some(n) => self.numbers.remove(&n),
            None => self.others.remove(id),
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
    use super::{Id, IdMap};

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
        assert_eq!(map.get_id(&Id::new("007")), Some(&"x"), "an Id finds what its text finds");
        assert_eq!(map.insert_id(Id::new("98765"), "v"), Some("y"));
        assert_eq!(map.get("98765"), Some(&"v"));
        assert_eq!(map.remove("98765"), Some("v"));
        assert_eq!(map.remove("007"), Some("x"), "removed by its own key, not the number 7");
        assert_eq!(map.get("7"), Some(&"c"));
        assert_eq!(map.remove("98765"), None);
        assert_eq!(map.len(), 7);
    }

    #[test]
    fn an_id_reads_back_as_the_text_it_was_made_from() {
        for text in ["98765", "007", "0", "+7", "", "page-x", "99999999999999999999"] {
            assert_eq!(Id::new(text).to_string(), text);
        }
        assert_eq!(Id::new("98765"), Id::Number(98765));
        assert!(matches!(Id::new("007"), Id::Text(_)));
        assert_eq!(std::mem::size_of::<Option<Id>>(), 24, "no larger than a String");
    }
}
