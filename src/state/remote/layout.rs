//! Where things live under the state URL's prefix; the local layout, with the journal cut into
//! segments:
//!
//! ```text
//! <prefix>/
//!   state-format                          the format version ("1"); a newer one is refused
//!   plans/<plan-name>/
//!     record.json                         the plan's record, uploaded after each registry update
//!     lock.json                           the lock with its lease (see `lease`)
//!     journal/<start>.jsonl               a stretch of journal.jsonl starting at byte <start>
//!     journal/<start>-<end>.jsonl         a compacted stretch covering bytes <start>..<end>
//!     runs/<run-id>/<file>                one run's reports
//! ```
//!
//! Offsets are zero-padded to 20 digits, so names sort as the offsets do.

use object_store::path::Path;

use super::error::RemoteError;
use crate::state::StateError;
use crate::state::dir::is_plan_name;

pub(crate) const FORMAT_KEY: &str = "state-format";
const PLANS: &str = "plans";
pub(crate) const RECORD: &str = "record.json";
pub(crate) const LOCK: &str = "lock.json";
pub(crate) const JOURNAL: &str = "journal";

/// Keys under one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: Path,
}

impl Layout {
    pub(crate) fn new(prefix: &[String]) -> Layout {
        Layout { root: Path::from_iter(prefix.iter().map(String::as_str)) }
    }

    pub(crate) fn format(&self) -> Path {
        self.root.clone().join(FORMAT_KEY)
    }

    pub(crate) fn plans(&self) -> Path {
        self.root.clone().join(PLANS)
    }

    /// `plans/<name>`, once the name is known to be a plan name.
    pub(crate) fn plan(&self, name: &str) -> Result<Path, RemoteError> {
        if !is_plan_name(name) {
            return Err(StateError::PlanName { name: name.to_string() }.into());
        }
        Ok(self.plans().join(name))
    }

    pub(crate) fn lock(&self, plan: &str) -> Result<Path, RemoteError> {
        Ok(self.plan(plan)?.join(LOCK))
    }

    pub(crate) fn journal(&self, plan: &str) -> Result<Path, RemoteError> {
        Ok(self.plan(plan)?.join(JOURNAL))
    }

    /// `plans/<name>/<relative>`: `relative` is made of plain names (letters, digits, '-', '_',
    /// '.', not starting with '.') joined by '/', so it stays inside the plan.
    pub(crate) fn plan_file(&self, plan: &str, relative: &str) -> Result<Path, RemoteError> {
        let mut path = self.plan(plan)?;
        let parts: Vec<&str> = relative.split('/').collect();
        if relative.is_empty() || !parts.iter().all(|part| is_file_name(part)) {
            return Err(RemoteError::Invalid(format!(
                "{relative:?} cannot name a file of plan \"{plan}\" in the state store (use names of \
                 letters, digits, '-', '_' and '.', joined by '/')"
            )));
        }
        for part in parts {
            path = path.join(part);
        }
        Ok(path)
    }
}

/// A plain file or folder name.
pub(crate) fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A journal segment's name: its start offset, and its end when it was compacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentName {
    pub start: u64,
    /// Set for a compacted segment, whose name says where it ends.
    pub end: Option<u64>,
}

impl SegmentName {
    pub(crate) fn plain(start: u64) -> SegmentName {
        SegmentName { start, end: None }
    }

    pub(crate) fn compacted(start: u64, end: u64) -> SegmentName {
        SegmentName { start, end: Some(end) }
    }

    pub(crate) fn file_name(self) -> String {
        match self.end {
            None => format!("{:020}.jsonl", self.start),
            Some(end) => format!("{:020}-{end:020}.jsonl", self.start),
        }
    }

    pub(crate) fn parse(name: &str) -> Option<SegmentName> {
        let stem = name.strip_suffix(".jsonl")?;
        let number = |text: &str| {
            (text.len() == 20 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
        };
        match stem.split_once('-') {
            None => Some(SegmentName::plain(number(stem)?)),
            Some((start, end)) => {
                let (start, end) = (number(start)?, number(end)?);
                (end > start).then_some(SegmentName::compacted(start, end))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_mirror_the_local_layout() {
        let layout = Layout::new(&["ci".to_string(), "nightly".to_string()]);
        assert_eq!(layout.format().as_ref(), "ci/nightly/state-format");
        assert_eq!(layout.lock("eu").unwrap().as_ref(), "ci/nightly/plans/eu/lock.json");
        assert_eq!(
            layout.plan_file("eu", "runs/20260501T093000Z-3f9a1c/users.csv").unwrap().as_ref(),
            "ci/nightly/plans/eu/runs/20260501T093000Z-3f9a1c/users.csv"
        );
        assert!(layout.plan_file("eu", "../other/record.json").is_err());
        assert!(layout.plan_file("eu", "runs//x").is_err());
        assert!(layout.plan("../eu").is_err());
        assert_eq!(Layout::new(&[]).format().as_ref(), "state-format");
    }

    #[test]
    fn segment_names_sort_as_their_offsets() {
        let a = SegmentName::plain(9).file_name();
        let b = SegmentName::plain(10).file_name();
        assert_eq!(a, "00000000000000000009.jsonl");
        assert!(a < b);
        assert_eq!(SegmentName::parse(&b), Some(SegmentName::plain(10)));
        let compacted = SegmentName::compacted(0, 4096);
        assert_eq!(SegmentName::parse(&compacted.file_name()), Some(compacted));
        for bad in ["1.jsonl", "00000000000000000009.json", "00000000000000000009-00000000000000000009.jsonl"]
        {
            assert_eq!(SegmentName::parse(bad), None, "{bad}");
        }
    }
}
