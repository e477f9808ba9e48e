//! Where the answers of offset-paged lists ended, so that the next page of a long v1 list
//! (`start`/`limit`) resumes after the last item the page before gave, instead of counting
//! `start` readable items from the beginning again (a 50,000-page space listed 250 at a time
//! would otherwise cost the sandbox a pass over up to 50,000 items, each checked for read
//! access, for every page: quadratic in the space).
//!
//! The answers stay exactly those of counting: a position is kept only while nothing is
//! written. Any write, reset or direct change of the world forgets every position, and the next
//! page counts from the beginning as before.

use std::collections::VecDeque;

/// How many list positions are kept (the oldest goes first): a few concurrent listings each.
const KEPT: usize = 256;

#[derive(Debug, Clone, Default)]
pub struct ListPositions {
    /// (site, the list's key, the offset a page ended at, the id of the last item it gave).
    ends: VecDeque<(usize, String, usize, u64)>,
}

impl ListPositions {
    /// The id of the item just before offset `start` of the list named `key`, if a page of it
    /// ended there since the last write.
    pub fn resume(&self, site: usize, key: &str, start: usize) -> Option<u64> {
        self.ends.iter().rev().find(|(s, k, end, _)| *s == site && k == key && *end == start).map(|e| e.3)
    }

    /// Notes that a page of the list `key` ended at offset `end` with the item `last`.
    pub fn remember(&mut self, site: usize, key: String, end: usize, last: u64) {
        if self.ends.len() == KEPT {
            self.ends.pop_front();
        }
        self.ends.push_back((site, key, end, last));
    }

    /// Something was written: no position is known any more.
    pub fn forget(&mut self) {
        self.ends.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_is_found_by_site_list_and_offset_until_forgotten() {
        let mut positions = ListPositions::default();
        positions.remember(0, "pages of A".into(), 250, 9_001);
        positions.remember(1, "pages of A".into(), 250, 7);
        assert_eq!(positions.resume(0, "pages of A", 250), Some(9_001));
        assert_eq!(positions.resume(1, "pages of A", 250), Some(7));
        assert_eq!(positions.resume(0, "pages of A", 500), None);
        assert_eq!(positions.resume(0, "pages of B", 250), None);
        positions.forget();
        assert_eq!(positions.resume(0, "pages of A", 250), None);
        for end in 0..KEPT + 1 {
            positions.remember(0, "long".into(), end, end as u64);
        }
        assert_eq!(positions.resume(0, "long", 0), None, "the oldest went first");
        assert_eq!(positions.resume(0, "long", KEPT), Some(KEPT as u64));
    }
}
