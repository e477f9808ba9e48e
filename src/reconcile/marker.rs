//! The marker on everything apply creates: a property `confcopy-origin` whose value names the
//! source site, the kind and id of the source entity, the plan and run that made it, and the
//! source version it holds. A marker that names another source site, or no marker at all, makes
//! an item someone else's: confcopy never adopts it.

use serde::{Deserialize, Serialize};

use crate::client::model::property::NewContentProperty;
use crate::state::{EntityKind, SourceRef};

/// The property key of the marker (on spaces, pages, blog posts, folders, comments and
/// attachments alike).
pub const MARKER_KEY: &str = "confcopy-origin";

/// The marker format this confcopy writes; a marker of a later format is read for its source
/// and id only when those fields are still there.
pub const MARKER_FORMAT: u32 = 1;

/// A marker's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub format: u32,
    /// The source site as the plan names it ([`SiteRef::identity`](crate::plan::SiteRef::identity)).
    pub source_site: String,
    pub kind: EntityKind,
    /// The source entity's id (for a group: its lower-case name).
    pub id: String,
    /// The plan that made the copy (informational: another plan copying the same source
    /// entity to the same destination recognises it too).
    #[serde(default)]
    pub plan: String,
    /// The run that made or last updated the copy.
    #[serde(default)]
    pub run: String,
    /// The source version the copy holds (pages and blog posts), so a later run copies only
    /// what was edited since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<u64>,
}

impl Origin {
    pub fn new(source_site: &str, source: &SourceRef, plan: &str, run: &str) -> Origin {
        Origin {
            format: MARKER_FORMAT,
            source_site: source_site.to_ascii_lowercase(),
            kind: source.kind,
            id: source.id.clone(),
            plan: plan.to_string(),
            run: run.to_string(),
            source_version: None,
        }
    }

    pub fn at_version(mut self, version: u64) -> Origin {
        self.source_version = Some(version);
        self
    }

    /// The marker in a property's value; `None` for anything that is not one.
    pub fn parse(value: &serde_json::Value) -> Option<Origin> {
        let origin: Origin = serde_json::from_value(value.clone()).ok()?;
        (origin.format >= 1 && !origin.id.is_empty() && !origin.source_site.is_empty()).then_some(origin)
    }

    /// The source entity the marker names, when it was copied from `source_site`.
    pub fn source_from(&self, source_site: &str) -> Option<SourceRef> {
        self.source_site.eq_ignore_ascii_case(source_site).then(|| SourceRef::new(self.kind, self.id.clone()))
    }

    /// Whether the marker says: a copy of `source` from `source_site`.
    pub fn names(&self, source_site: &str, source: &SourceRef) -> bool {
        self.source_from(source_site).is_some_and(|s| &s == source)
    }

    /// The property to create on the copy.
    pub fn property(&self) -> NewContentProperty {
        NewContentProperty {
            key: MARKER_KEY.to_string(),
            value: serde_json::to_value(self).expect("a marker serializes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_round_trips_and_names_only_its_own_source() {
        let page = SourceRef::new(EntityKind::Page, "123");
        let origin = Origin::new("https://Acme.atlassian.net", &page, "move", "run-1").at_version(4);
        let value = origin.property().value;
        assert_eq!(value["source_site"], "https://acme.atlassian.net");
        assert_eq!(value["kind"], "page");
        let parsed = Origin::parse(&value).expect("parses");
        assert_eq!(parsed, origin);
        assert!(parsed.names("https://acme.atlassian.net", &page));
        assert!(!parsed.names("https://other.atlassian.net", &page), "another source site");
        assert!(!parsed.names("https://acme.atlassian.net", &SourceRef::new(EntityKind::BlogPost, "123")));
        assert!(!parsed.names("https://acme.atlassian.net", &SourceRef::new(EntityKind::Page, "124")));
    }

    #[test]
    fn anything_else_is_not_a_marker() {
        for value in [
            serde_json::json!("confcopy"),
            serde_json::json!({}),
            serde_json::json!({"format": 1, "source_site": "", "kind": "page", "id": "1"}),
            serde_json::json!({"format": 1, "source_site": "x", "kind": "page", "id": ""}),
            serde_json::json!({"format": 0, "source_site": "x", "kind": "page", "id": "1"}),
            serde_json::json!({"format": 1, "source_site": "x", "kind": "planet", "id": "1"}),
        ] {
            assert_eq!(Origin::parse(&value), None, "{value}");
        }
    }
}
