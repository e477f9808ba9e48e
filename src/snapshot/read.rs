//! Reads the plan's source content: per space a handful of list requests (250 items each),
//! plus the site-wide comment and attachment lists — never a request per page.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

use super::IdMap;
use super::model::*;
use super::spool::Spool;
use super::store::{StowError, Stower};
use crate::client::model::comment::{ThreadLink, Threads};
use crate::client::model::page::Page;
use crate::client::model::restriction::Restricted;
use crate::client::{ClientError, CommentKind, SiteClient};
use crate::inventory::Inventory;
use crate::plan::Plan;

/// Why the snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot spool bodies in {dir}: {source}")]
    Spool { dir: String, source: std::io::Error },
    #[error(transparent)]
    Stow(#[from] StowError),
    #[error(
        "cannot keep the source's attachment and comment lists in the run's work folder: {0} (free space there, or use another --state-dir)"
    )]
    Pending(#[source] std::io::Error),
}

fn subjects(restricted: &Restricted) -> Box<[Subject]> {
    let mut out: Vec<Subject> =
        restricted.users().iter().map(|u| Subject::User(u.account_id.clone())).collect();
    out.extend(restricted.groups().iter().map(|g| Subject::Group(g.name.clone())));
    out.sort();
    out.into_boxed_slice()
}

/// Pages and blog posts of the spaces read side by side, at most (by the inventory's counts; a
/// larger space is read alone): a space's records are held only until its read ends and its
/// content is stowed.
pub const READ_ITEMS: usize = 100_000;

/// Attachments or comments gathered for one space before they are stowed as one part.
const PART_ITEMS: usize = 4_096;

/// Reads every selected space that the inventory found on the source, and stows each space's
/// content in `work_dir` as soon as its read ends, so memory holds the spaces being read (up to
/// [`READ_ITEMS`] pages and blog posts), not the site. The site-wide attachment and comment
/// lists are read beside them into files of their own, then sorted into their spaces.
pub async fn read(
    plan: &Plan,
    inventory: &Inventory,
    client: &SiteClient,
    work_dir: &Path,
) -> Result<Snapshot, SnapshotError> {
    let spool = Spool::new(work_dir)
        .map_err(|source| SnapshotError::Spool { dir: work_dir.display().to_string(), source })?;
    let history = plan.content.history.value == crate::plan::History::All;
    let statuses = if plan.content.archived.value { "current,archived" } else { "current" };
    let concurrency = client.concurrency().max(1);
    let groups = async {
        let groups: HashMap<String, String> =
            client.groups().map_ok(|g| (g.id, g.name)).try_collect().await?;
        Ok::<_, SnapshotError>(groups)
    };
    let selected: Vec<_> = plan
        .spaces
        .iter()
        .zip(&inventory.spaces)
        .filter_map(|(selection, found)| found.as_ref().map(|found| (selection, found)))
        .collect();
    let stower = Stower::new(work_dir, selected.len())?;
    // Every page and blog post of the plan, by the space it is in.
    let containers: Mutex<IdMap<u32>> = Mutex::default();
    let budget = tokio::sync::Semaphore::new(READ_ITEMS);
    let spaces =
        futures_util::future::try_join_all(selected.iter().enumerate().map(|(index, (selection, found))| {
            let (stower, containers, budget, spool) = (&stower, &containers, &budget, &spool);
            async move {
                let weight = (found.counts.pages + found.counts.blog_posts).clamp(1, READ_ITEMS as u64);
                // The semaphore is never closed; spaces take their turn in plan order.
                let _turn = budget.acquire_many(weight as u32).await.ok();
                let (mut space, permissions) =
                    read_space(client, spool, selection, found, statuses, history, concurrency).await?;
                {
                    let mut containers = containers.lock().unwrap_or_else(|e| e.into_inner());
                    for content in space.pages.iter().chain(&space.blog_posts) {
                        containers.insert_str(&content.id, index as u32);
                    }
                }
                let content = space.take_content();
                stower.put(index, &content)?;
                Ok::<_, SnapshotError>((space, permissions))
            }
        }));
    // The site-wide lists are read only when the inventory's counts leave room for something in
    // the selected spaces (or when no inventory listing stands behind them).
    let listed = selected.iter().all(|(_, found)| found.listed.is_some());
    let none = |count: fn(&crate::inventory::SourceSpace) -> u64| {
        listed && selected.iter().all(|(_, found)| count(found) == 0)
    };
    let (no_attachments, no_comments) = (none(|f| f.counts.attachments), none(|f| f.counts.comments));
    let attachments = async {
        if no_attachments { Pending::new(work_dir) } else { read_attachments(client, work_dir).await }
    };
    let comments = async {
        if no_comments {
            let empty = || Ok::<_, SnapshotError>((Pending::new(work_dir)?, Threads::default()));
            return Ok((empty()?, empty()?));
        }
        let (footer, inline) = futures_util::try_join!(
            read_comments(client, &spool, work_dir, CommentKind::Footer),
            read_comments(client, &spool, work_dir, CommentKind::Inline)
        )?;
        Ok::<_, SnapshotError>((footer, inline))
    };
    let (groups, spaces, attachments, (footer, inline)) =
        futures_util::try_join!(groups, spaces, attachments, comments)?;
    let spaces: Vec<SpaceSnapshot> = spaces
        .into_iter()
        .map(|(mut space, permissions)| {
            space.permissions = permission_subjects(permissions, &groups);
            space
        })
        .collect();
    let containers = containers.into_inner().unwrap_or_else(|e| e.into_inner());

    let mut parts = Parts { stower: &stower, pending: vec![SpaceContent::default(); spaces.len()] };
    for attachment in attachments.records::<Attachment>()? {
        let attachment = attachment?;
        if let Some(&space) = containers.get(&attachment.container_id) {
            parts.pending[space as usize].attachments.push(attachment);
            parts.full(space as usize)?;
        }
    }
    for (kind, (listed, threads)) in [(CommentType::Footer, footer), (CommentType::Inline, inline)] {
        for c in listed.records::<Listed>()? {
            let c = c?;
            let own = ThreadLink::new(c.page_id.as_deref(), c.parent_id.as_deref());
            let Some(container) = threads.container(&own) else { continue };
            let Some(&space) = containers.get_id(&container) else { continue };
            parts.pending[space as usize].comments.push(Comment {
                id: c.id,
                kind,
                container_id: container.to_string(),
                parent_id: c.parent_id,
                body: c.body,
                marker_ref: c.marker_ref,
                selection: c.selection,
                resolution: c.resolution,
            });
            parts.full(space as usize)?;
        }
    }
    parts.flush()?;
    Ok(Snapshot::stowed(spaces, spool, stower))
}

/// Attachments and comments sorted into their spaces, stowed a part at a time.
struct Parts<'a> {
    stower: &'a Stower,
    pending: Vec<SpaceContent>,
}

impl Parts<'_> {
    /// Stows what space `space` gathered once it is a part's worth.
    fn full(&mut self, space: usize) -> Result<(), StowError> {
        let pending = &mut self.pending[space];
        if pending.attachments.len() + pending.comments.len() >= PART_ITEMS {
            self.stower.put(space, pending)?;
            *pending = SpaceContent::default();
        }
        Ok(())
    }

    fn flush(self) -> Result<(), StowError> {
        for (space, pending) in self.pending.iter().enumerate() {
            self.stower.put(space, pending)?;
        }
        Ok(())
    }
}

/// Records of one kind written to a temporary file as they are listed, and read back in the
/// same order once every list is in.
struct Pending {
    file: std::io::BufWriter<File>,
}

impl Pending {
    fn new(dir: &Path) -> Result<Pending, SnapshotError> {
        let file = tempfile::tempfile_in(dir).map_err(SnapshotError::Pending)?;
        Ok(Pending { file: std::io::BufWriter::new(file) })
    }

    fn push(&mut self, record: &impl serde::Serialize) -> Result<(), SnapshotError> {
        serde_json::to_writer(&mut self.file, record).map_err(|e| SnapshotError::Pending(e.into()))?;
        self.file.write_all(b"\n").map_err(SnapshotError::Pending)
    }

    fn records<T: serde::de::DeserializeOwned>(
        self,
    ) -> Result<impl Iterator<Item = Result<T, SnapshotError>>, SnapshotError> {
        let mut file = self.file.into_inner().map_err(|e| SnapshotError::Pending(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(SnapshotError::Pending)?;
        let records = serde_json::Deserializer::from_reader(std::io::BufReader::new(file)).into_iter::<T>();
        Ok(records.map(|r| r.map_err(|e| SnapshotError::Pending(e.into()))))
    }
}

/// Every attachment on the site (its space is known once every space is read).
async fn read_attachments(client: &SiteClient, dir: &Path) -> Result<Pending, SnapshotError> {
    let mut pending = Pending::new(dir)?;
    let mut listed = client.all_attachments();
    while let Some(a) = listed.try_next().await? {
        let Some(container_id) = a.page_id.or(a.blog_post_id) else { continue };
        pending.push(&Attachment {
            id: a.id,
            container_id,
            file_name: a.title,
            media_type: a.media_type,
            size: a.file_size,
            comment: a.comment,
            versions: a.version.as_ref().map_or(1, |v| v.number.max(1)),
        })?;
    }
    Ok(pending)
}

/// A comment as listed, its body already spooled.
#[derive(serde::Serialize, serde::Deserialize)]
struct Listed {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_id: Option<String>,
    body: crate::snapshot::BodyRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    marker_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resolution: Option<String>,
}

/// Every comment of one kind on the site, bodies spooled as they arrive; the comments wait on
/// disk, their threads in memory.
async fn read_comments(
    client: &SiteClient,
    spool: &Spool,
    dir: &Path,
    kind: CommentKind,
) -> Result<(Pending, Threads), SnapshotError> {
    let mut pending = Pending::new(dir)?;
    let mut threads = Threads::default();
    let mut listed = client.all_comments(kind);
    while let Some(c) = listed.try_next().await? {
        let body = spool
            .put(c.storage().unwrap_or(""))
            .map_err(|source| SnapshotError::Spool { dir: "the spool".into(), source })?;
        let listed = Listed {
            page_id: c.page_id.or(c.blog_post_id),
            parent_id: c.parent_comment_id,
            marker_ref: c.properties.as_ref().and_then(|p| p.inline_marker_ref.clone()),
            selection: c.properties.and_then(|p| p.inline_original_selection),
            resolution: c.resolution_status,
            id: c.id,
            body,
        };
        threads.add(&listed.id, ThreadLink::new(listed.page_id.as_deref(), listed.parent_id.as_deref()));
        pending.push(&listed)?;
    }
    Ok((pending, threads))
}

/// Space permissions with group ids turned into group names.
fn permission_subjects(
    listed: Vec<crate::client::model::space::SpacePermission>,
    groups: &HashMap<String, String>,
) -> Vec<Permission> {
    let mut permissions = Vec::new();
    for p in listed {
        let subject = match p.principal.kind.as_str() {
            "user" => p.principal.id.clone().map(Subject::User),
            "group" => p.principal.id.as_ref().and_then(|id| groups.get(id)).cloned().map(Subject::Group),
            "anonymous" => Some(Subject::Anonymous),
            "role" if p.principal.id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case("ANONYMOUS")) => {
                Some(Subject::Anonymous)
            }
            _ => None,
        };
        if let Some(subject) = subject {
            permissions.push(Permission {
                subject,
                operation: p.operation.key.clone(),
                target: p.operation.target_type.clone(),
            });
        }
    }
    permissions.sort();
    permissions.dedup();
    permissions
}

/// Labels and restrictions of every page or blog post of a space, from one expanded v1 list;
/// where the inventory's listing showed none of them labelled, the restrictions it listed stand
/// in for that list.
async fn read_extras(
    client: &SiteClient,
    space_key: &str,
    kind: &str,
    listed: Option<&crate::inventory::SpaceListed>,
) -> Result<HashMap<String, (Box<[String]>, Restrictions)>, SnapshotError> {
    let mut extras = HashMap::new();
    if let Some((false, restricted)) = listed.map(|l| l.of(kind == "blogpost")) {
        for (id, restrictions) in restricted {
            extras.insert(id.clone(), (Box::default(), restrictions_of(restrictions)));
        }
        return Ok(extras);
    }
    let mut listed = client.restricted_content(space_key, kind, false);
    while let Some(content) = listed.try_next().await? {
        let labels: Box<[String]> = content.labels().iter().map(|l| l.name.clone()).collect();
        let restrictions = content.restrictions.as_ref().map(restrictions_of).unwrap_or_default();
        // Most content has neither: it keeps the empty defaults without an entry here.
        if !labels.is_empty() || !restrictions.is_empty() {
            extras.insert(content.id, (labels, restrictions));
        }
    }
    Ok(extras)
}

/// Who the read and update restrictions name.
fn restrictions_of(r: &crate::client::RestrictionsByOperation) -> Restrictions {
    Restrictions {
        read: r.read.as_ref().map(|o| subjects(&o.restrictions)).unwrap_or_default(),
        update: r.update.as_ref().map(|o| subjects(&o.restrictions)).unwrap_or_default(),
    }
}

/// One space: its settings, pages (with folders) and blog posts, bodies spooled. Permissions are
/// handed back as listed (group names are known once the group list is in).
/// A space's pages or blog posts as one listing gives them. Each becomes its compact `Content`
/// as it arrives (the body goes to the spool): the listing's own records, several times larger,
/// are never all held.
async fn listed(
    mut listed: BoxStream<'static, Result<Page, ClientError>>,
    kind: ContentType,
    spool: &Spool,
) -> Result<Vec<Content>, SnapshotError> {
    let mut out = Vec::new();
    while let Some(page) = listed.try_next().await? {
        let body = spool
            .put(page.storage().unwrap_or(""))
            .map_err(|source| SnapshotError::Spool { dir: "the spool".into(), source })?;
        out.push(Content {
            kind,
            title: page.title,
            status: page.status.unwrap_or_else(|| "current".into()),
            parent_id: page.parent_id,
            position: page.position.unwrap_or(0),
            // Only blog posts keep their date (pages are created "now" on the destination).
            created_at: if kind == ContentType::BlogPost { page.created_at } else { None },
            version: page.version.as_ref().map_or(1, |v| v.number),
            id: page.id,
            body,
            history: Box::default(),
            labels: Box::default(),
            restrictions: Restrictions::default(),
            likes: 0,
        });
    }
    Ok(out)
}

async fn read_space(
    client: &SiteClient,
    spool: &Spool,
    selection: &crate::plan::SpaceSelection,
    found: &crate::inventory::SourceSpace,
    statuses: &str,
    history: bool,
    concurrency: usize,
) -> Result<(SpaceSnapshot, Vec<crate::client::model::space::SpacePermission>), SnapshotError> {
    let pages = listed(client.pages_in_space(&found.id, Some(statuses)), ContentType::Page, spool);
    let posts = listed(
        client.blog_posts_in_space(&found.id, Some(statuses)).map_ok(Page::from).boxed(),
        ContentType::BlogPost,
        spool,
    );
    let ((space, labels), permissions, page_extras, post_extras, mut pages, mut blog_posts) = futures_util::try_join!(
        async {
            // The space and its labels in one request, unless it has more than the site includes.
            let (space, labels) = client.space_with_labels(&found.id).await?;
            let labels = match labels {
                Some(labels) => labels.into_iter().map(|l| l.name).collect(),
                None => {
                    client.space_labels(&found.id).map_ok(|l| l.name).try_collect::<Vec<String>>().await?
                }
            };
            Ok::<_, SnapshotError>((space, labels))
        },
        async {
            match &found.listed {
                Some(listed) => Ok(listed.permissions.clone()),
                None => client
                    .space_permissions(&found.id)
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(SnapshotError::from),
            }
        },
        read_extras(client, &found.key, "page", found.listed.as_ref()),
        read_extras(client, &found.key, "blogpost", found.listed.as_ref()),
        pages,
        posts,
    )?;
    let mut extras = page_extras;
    extras.extend(post_extras);
    for item in pages.iter_mut().chain(blog_posts.iter_mut()) {
        if let Some((labels, restrictions)) = extras.remove(&item.id) {
            item.labels = labels;
            item.restrictions = restrictions;
        }
    }
    drop(extras);
    if history {
        let reads: Vec<_> = pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.version > 1)
            .map(|(i, p)| async move {
                earlier_versions(client, spool, &p.id, p.version).await.map(|refs| (i, refs))
            })
            .collect();
        let read: Vec<(usize, Vec<crate::snapshot::BodyRef>)> =
            futures_util::stream::iter(reads).buffer_unordered(concurrency).try_collect().await?;
        for (i, refs) in read {
            pages[i].history = refs.into_boxed_slice();
        }
    }
    add_folders(client, spool, &mut pages).await?;
    blog_posts.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    blog_posts.shrink_to_fit();
    let snapshot = SpaceSnapshot {
        id: found.id.clone(),
        key: found.key.clone(),
        destination_key: selection.destination_key.value.clone(),
        name: space.name.clone(),
        description: space
            .description
            .as_ref()
            .and_then(|d| d.plain.as_ref())
            .map(|b| b.value.clone())
            .filter(|d| !d.is_empty()),
        kind: space.kind.clone().unwrap_or_else(|| "global".into()),
        status: space.status.clone().unwrap_or_else(|| "current".into()),
        homepage_id: space.homepage_id.clone(),
        labels,
        permissions: Vec::new(),
        pages: tree_order(pages),
        blog_posts,
        attachments: Vec::new(),
        comments: Vec::new(),
    };
    Ok((snapshot, permissions))
}

/// The bodies of a page's versions before `current`, oldest first (one list request a page).
async fn earlier_versions(
    client: &SiteClient,
    spool: &Spool,
    id: &str,
    current: u64,
) -> Result<Vec<crate::snapshot::BodyRef>, SnapshotError> {
    let mut versions: Vec<(u64, String)> = client
        .page_versions(id)
        .try_filter_map(|v| async move {
            let body = v.page.and_then(|p| p.body).and_then(|b| b.storage).map(|b| b.value);
            Ok(body.map(|body| (v.number, body)))
        })
        .try_collect()
        .await?;
    versions.retain(|(n, _)| *n < current);
    versions.sort_by_key(|(n, _)| *n);
    let mut refs = Vec::with_capacity(versions.len());
    for (_, body) in versions {
        refs.push(
            spool.put(&body).map_err(|source| SnapshotError::Spool { dir: "the spool".into(), source })?,
        );
    }
    Ok(refs)
}

/// Folders that pages (or other folders) sit in, read one by one (a space has few of them).
async fn add_folders(
    client: &SiteClient,
    spool: &Spool,
    pages: &mut Vec<Content>,
) -> Result<(), SnapshotError> {
    let mut known: HashSet<String> = pages.iter().map(|p| p.id.clone()).collect();
    let mut wanted: Vec<String> =
        pages.iter().filter_map(|p| p.parent_id.clone()).filter(|id| !known.contains(id)).collect();
    while let Some(id) = wanted.pop() {
        if !known.insert(id.clone()) {
            continue;
        }
        let folder = match client.folder(&id).await {
            Ok(folder) => folder,
            // Not a folder (or not readable): its children become top-level.
            Err(error) if error.is_not_found() || error.is_access_denied() => continue,
            Err(error) => return Err(error.into()),
        };
        let body =
            spool.put("").map_err(|source| SnapshotError::Spool { dir: "the spool".into(), source })?;
        if let Some(parent) = folder.parent_id.clone().filter(|p| !known.contains(p)) {
            wanted.push(parent);
        }
        pages.push(Content {
            id: folder.id,
            kind: ContentType::Folder,
            title: folder.title,
            status: "current".into(),
            parent_id: folder.parent_id,
            position: folder.position.unwrap_or(0),
            created_at: None,
            version: 1,
            body,
            history: Box::default(),
            labels: Box::default(),
            restrictions: Restrictions::default(),
            likes: 0,
        });
    }
    Ok(())
}

/// Parents before children, siblings by position then id; pages whose parent is not copied
/// become top-level.
fn tree_order(mut pages: Vec<Content>) -> Vec<Content> {
    // Works on indices and moves each page once, in place: moving the pages themselves into
    // per-parent lists and back would hold two or three copies of the space's list at once.
    let n = pages.len();
    // A parent outside the list (another status, not copied) makes the page a root.
    let mut missing = vec![false; n];
    let order: Vec<usize> = {
        let index: HashMap<&str, usize> = pages.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, page) in pages.iter().enumerate() {
            match page.parent_id.as_deref().map(|p| index.get(p)) {
                Some(Some(&parent)) => children[parent].push(i),
                Some(None) => {
                    missing[i] = true;
                    roots.push(i);
                }
                None => roots.push(i),
            }
        }
        let by_place = |a: &usize, b: &usize| {
            let (a, b) = (&pages[*a], &pages[*b]);
            a.position.cmp(&b.position).then_with(|| a.id.cmp(&b.id))
        };
        roots.sort_by(by_place);
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<usize> = roots.into_iter().rev().collect();
        while let Some(i) = stack.pop() {
            order.push(i);
            let mut kids = std::mem::take(&mut children[i]);
            kids.sort_by(by_place);
            stack.extend(kids.into_iter().rev());
        }
        order
    };
    for (page, missing) in pages.iter_mut().zip(missing) {
        if missing {
            page.parent_id = None;
        }
    }
    // Pages in a cycle of parents are never reached from a root: they are moved to the end and
    // left out, as before.
    let mut destination = vec![usize::MAX; n];
    for (k, &i) in order.iter().enumerate() {
        destination[i] = k;
    }
    for (slot, next) in destination.iter_mut().filter(|d| **d == usize::MAX).zip(order.len()..) {
        *slot = next;
    }
    for i in 0..n {
        while destination[i] != i {
            let d = destination[i];
            pages.swap(i, d);
            destination.swap(i, d);
        }
    }
    pages.truncate(order.len());
    pages.shrink_to_fit();
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(id: &str, parent: Option<&str>, position: i64) -> Content {
        Content {
            id: id.into(),
            kind: ContentType::Page,
            title: format!("title {id}"),
            status: "current".into(),
            parent_id: parent.map(str::to_string),
            position,
            created_at: None,
            version: 1,
            body: Default::default(),
            history: Box::default(),
            labels: Box::default(),
            restrictions: Restrictions::default(),
            likes: 0,
        }
    }

    #[test]
    fn pending_records_come_back_in_the_order_they_went() {
        let dir = tempfile::tempdir().unwrap();
        let mut pending = Pending::new(dir.path()).unwrap();
        let records: Vec<Listed> = (0..3)
            .map(|i| Listed {
                id: format!("{i}"),
                page_id: (i != 1).then(|| "p\n\"x\"".to_string()),
                parent_id: None,
                body: Default::default(),
                marker_ref: None,
                selection: Some("line\nbreak".into()),
                resolution: None,
            })
            .collect();
        for r in &records {
            pending.push(r).unwrap();
        }
        let back: Vec<Listed> = pending.records::<Listed>().unwrap().map(Result::unwrap).collect();
        let ids: Vec<(&str, Option<&str>, Option<&str>)> =
            back.iter().map(|l| (l.id.as_str(), l.page_id.as_deref(), l.selection.as_deref())).collect();
        assert_eq!(
            ids,
            [
                ("0", Some("p\n\"x\""), Some("line\nbreak")),
                ("1", None, Some("line\nbreak")),
                ("2", Some("p\n\"x\""), Some("line\nbreak"))
            ]
        );
    }

    #[test]
    fn tree_order_puts_parents_first_siblings_by_position_and_orphans_at_the_top() {
        let pages = vec![
            page("c2", Some("b"), 2),
            page("a", None, 5),
            page("c1", Some("b"), 1),
            page("orphan", Some("gone"), 0),
            page("b", None, 1),
            page("d", Some("c1"), 0),
            page("loop1", Some("loop2"), 0),
            page("loop2", Some("loop1"), 0),
        ];
        let ordered = tree_order(pages);
        let ids: Vec<&str> = ordered.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["orphan", "b", "c1", "d", "c2", "a"], "pages in a cycle of parents are left out");
        assert_eq!(ordered[0].parent_id, None, "a parent that is not copied is forgotten");
        assert_eq!(ordered[2].parent_id.as_deref(), Some("b"));
    }
}
