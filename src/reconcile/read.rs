//! Reads what a destination space holds by confcopy's markers: pages and blog posts in one
//! listing each (their markers expanded), then the comments and attachments of each copied page
//! that has some on the source.

use std::collections::{BTreeMap, HashMap};

use futures_util::TryStreamExt;

use crate::client::{ClientError, MarkedItem, SiteClient};
use crate::snapshot::SpaceSnapshot;
use crate::state::{EntityKind, JournalState, Mapping, RunId, SourceRef};

use super::marker::{MARKER_KEY, Origin};

/// A source entity's copy, found by its marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundItem {
    pub destination_id: String,
    /// The source version the copy holds, when the marker says and the copy is finished.
    pub source_version: Option<u64>,
    pub destination_version: Option<u64>,
}

/// Everything found on the destination, by source entity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub items: BTreeMap<SourceRef, FoundItem>,
    /// Destination ids of every item read that carries a marker (of any source): never taken
    /// for the copy of anything else.
    pub claimed: crate::snapshot::IdMap<()>,
}

impl Found {
    /// Notes the plan's own destination space (found by its marker in the inventory).
    pub fn space(&mut self, source_space_id: &str, destination_id: &str) {
        self.items.insert(
            SourceRef::new(EntityKind::Space, source_space_id),
            FoundItem {
                destination_id: destination_id.to_string(),
                source_version: None,
                destination_version: None,
            },
        );
    }

    /// Reads one destination space (by its key) that the plan copies `space` into.
    pub async fn read_space(
        &mut self,
        destination: &SiteClient,
        source_site: &str,
        space: &SpaceSnapshot,
        destination_key: &str,
    ) -> Result<(), ClientError> {
        let archived: HashMap<&str, bool> = space
            .pages
            .iter()
            .chain(&space.blog_posts)
            .map(|c| (c.id.as_str(), c.status == "archived"))
            .collect();
        let mut copies: HashMap<String, String> = HashMap::new();
        for kind in ["page", "blogpost"] {
            let mut listed = destination.marked_content(destination_key, kind, MARKER_KEY);
            while let Some(item) = listed.try_next().await? {
                let Some(source) = self.note(source_site, &item, &[EntityKind::Page, EntityKind::BlogPost])
                else {
                    continue;
                };
                // A copy of archived content that is not archived yet was cut short before its
                // last write: leave its version unknown so the run finishes it.
                let unfinished = archived.get(source.id.as_str()) == Some(&true)
                    && item.status.as_deref() != Some("archived");
                if unfinished && let Some(found) = self.items.get_mut(&source) {
                    found.source_version = None;
                }
                copies.insert(source.id.clone(), item.id.clone());
            }
        }
        // Folders are not in v1 listings; their run finds them under their parent by title
        // and checks the marker there.
        let comments = space.comments.iter().map(|c| c.container_id.as_str());
        self.read_children(destination, source_site, &copies, comments, EntityKind::Comment).await?;
        let files = space.attachments.iter().map(|a| a.container_id.as_str());
        self.read_children(destination, source_site, &copies, files, EntityKind::Attachment).await?;
        Ok(())
    }

    /// Reads the comments or attachments (`kind`) of each copied page among `containers`.
    async fn read_children<'a>(
        &mut self,
        destination: &SiteClient,
        source_site: &str,
        copies: &HashMap<String, String>,
        containers: impl Iterator<Item = &'a str>,
        kind: EntityKind,
    ) -> Result<(), ClientError> {
        let mut containers: Vec<&str> = containers.collect();
        containers.sort_unstable();
        containers.dedup();
        for container in containers {
            let Some(copy) = copies.get(container) else { continue };
            let child = if kind == EntityKind::Comment { "comment" } else { "attachment" };
            let mut listed = destination.marked_children(copy, child, MARKER_KEY);
            while let Some(item) = listed.try_next().await? {
                self.note(source_site, &item, &[kind]);
            }
        }
        Ok(())
    }

    /// Records an item whose marker names a source entity of one of `kinds` from `source_site`.
    fn note(&mut self, source_site: &str, item: &MarkedItem, kinds: &[EntityKind]) -> Option<SourceRef> {
        let origin = item.property(MARKER_KEY).and_then(|p| Origin::parse(&p.value));
        if origin.is_some() {
            self.claimed.insert_str(&item.id, ());
        }
        let source =
            origin.as_ref().and_then(|o| o.source_from(source_site)).filter(|s| kinds.contains(&s.kind));
        let source = source?;
        self.items.insert(
            source.clone(),
            FoundItem {
                destination_id: item.id.clone(),
                source_version: origin.and_then(|o| o.source_version),
                destination_version: item.version.as_ref().map(|v| v.number),
            },
        );
        Some(source)
    }

    /// Puts what was found into the state a run starts from: the destination wins over the
    /// journal where both know an entity.
    pub fn merge_into(&self, state: &mut JournalState, run: &RunId) {
        for (source, found) in &self.items {
            state.mappings.insert(
                source.clone(),
                Mapping {
                    destination_id: found.destination_id.clone(),
                    source_version: found.source_version,
                    destination_version: found.destination_version,
                    run: run.clone(),
                },
            );
        }
    }
}
