//! Pages, blog posts, and their labels and restrictions.

use std::collections::BTreeMap;

use crate::client::model::content::Body;
use crate::client::model::label::Label;
use crate::client::model::page::{NewBlogPost, NewPage, PageUpdate};
use crate::client::model::property::{ContentProperty, PropertyHolder};
use crate::client::model::restriction::{
    RestrictedGroup, RestrictedUser, RestrictionSubjects, RestrictionUpdate,
};
use crate::client::{ClientError, SiteClient};
use crate::graph::ContentAt;
use crate::inventory::AccountStatus;
use crate::reconcile::MARKER_KEY;
use crate::run::CopyError;
use crate::run::context::Copy;
use crate::run::mark::{advance, mark, marked_version, names, settle};
use crate::run::outcome::Outcome;
use crate::snapshot::{Content, ContentType, Subject};
use crate::state::{EntityKind, SourceRef, WriteKind};

/// The source body of a page or blog post, from the spool.
fn source_body(copy: &Copy, item: &Content) -> Result<String, CopyError> {
    copy.snapshot.spool.get(item.body).map_err(CopyError::Spool)
}

/// The body to write: references rewritten for the destination. Pages whose references point
/// at content not created yet are remembered for the space's fix-up.
fn prepare(copy: &Copy, space: usize, item: &Content, source: &str) -> String {
    let prepared = super::fixup::rewrite(copy, space, item, source);
    if prepared.pending {
        copy.pending_fixups.lock().unwrap_or_else(|e| e.into_inner()).push((space, item.id.clone()));
    }
    prepared.body
}

fn prepare_body(copy: &Copy, space: usize, item: &Content) -> Result<String, CopyError> {
    source_body(copy, item).map(|source| prepare(copy, space, item, &source))
}

fn is_duplicate_title(error: &ClientError) -> bool {
    error.status() == Some(400) && error.to_string().to_lowercase().contains("already exists")
}

/// Archives a just-written copy of archived content (one more version), through the endpoint
/// of its kind.
async fn archive(
    client: &SiteClient,
    kind: ContentType,
    id: &str,
    title: &str,
    body: &str,
    version: u64,
) -> Result<u64, ClientError> {
    let update = PageUpdate {
        id: id.to_string(),
        status: "archived".into(),
        title: title.to_string(),
        body: Body::storage(body),
        version_number: version + 1,
        version_message: Some("archived, as on the source".into()),
        parent_id: None,
    };
    if kind == ContentType::BlogPost {
        return client.update_blog_post(&update).await.map(|p| p.version.map_or(version + 1, |v| v.number));
    }
    update_page(client, &update).await.map(|p| p.version.map_or(version + 1, |v| v.number))
}

/// Writes `update` to a page. The transport repeats an update whose answer was lost; when the
/// first one was done, the repeat is refused with a conflict (409): the page then already holds
/// the version asked for, with the status and title asked for, and that is the answer.
pub(super) async fn update_page(
    client: &SiteClient,
    update: &PageUpdate,
) -> Result<crate::client::model::page::Page, ClientError> {
    match client.update_page(update).await {
        Err(error) if error.is_conflict() => match client.page(&update.id).await {
            Ok(page)
                if page.version.as_ref().is_some_and(|v| v.number == update.version_number)
                    && page.status.as_deref() == Some(update.status.as_str())
                    && page.title == update.title =>
            {
                Ok(page)
            }
            _ => Err(error),
        },
        other => other,
    }
}

fn source_ref(item: &Content) -> SourceRef {
    let kind = if item.kind == ContentType::BlogPost { EntityKind::BlogPost } else { EntityKind::Page };
    SourceRef::new(kind, &item.id)
}

/// Where the copy's marker goes.
fn holder(item: &Content, id: &str) -> PropertyHolder {
    match item.kind {
        ContentType::BlogPost => PropertyHolder::BlogPost(id.to_string()),
        ContentType::Folder => PropertyHolder::Folder(id.to_string()),
        _ => PropertyHolder::Page(id.to_string()),
    }
}

fn node_key(item: &Content) -> String {
    if item.kind == ContentType::BlogPost {
        format!("blogpost:{}", item.id)
    } else {
        format!("page:{}", item.id)
    }
}

fn collection(item: &Content) -> &'static str {
    if item.kind == ContentType::BlogPost { "blogposts" } else { "pages" }
}

/// The page or blog post an earlier run wrote, if any, and the source version it copied.
async fn earlier_copy(
    copy: &Copy,
    item: &Content,
    space_id: &str,
) -> Result<Option<(String, Option<u64>)>, CopyError> {
    let source = source_ref(item);
    if let Some(found) = copy.earlier(&source) {
        return Ok(Some(found));
    }
    if copy.recorder.interrupted(&source) {
        // Titles are unique in a space: the copy an interrupted run may have made has this one.
        let found = copy.destination.content_by_title(collection(item), space_id, &item.title).await?;
        return Ok(found.map(|p| (p.id, None)));
    }
    Ok(None)
}

pub async fn page(copy: &Copy, space: usize, index: usize) -> Outcome {
    let item = &copy.snapshot.spaces[space].pages[index];
    let Some(target) = copy.space(space) else { return Outcome::failed("the space was not created") };
    if item.kind == ContentType::Folder {
        return folder(copy, item, &target.id).await;
    }
    let source = match source_body(copy, item) {
        Ok(source) => source,
        Err(reason) => return Outcome::failed(reason),
    };
    let is_homepage = copy.snapshot.spaces[space].homepage_id.as_deref() == Some(item.id.as_str());
    if !copy.writes() {
        prepare(copy, space, item, &source);
        copy.map(|m| m.plan_content(&item.id));
        return Outcome::copied_with(if is_homepage {
            "would become the space's homepage"
        } else {
            "would be created"
        });
    }
    match earlier_copy(copy, item, &target.id).await {
        Ok(Some((id, version))) => {
            // The copy's threads may be posted already: a body written over it keeps them
            // anchored, so their markers are learned before the body is prepared.
            if let Err(reason) = crate::run::anchors::learn(copy, item, &source).await {
                return Outcome::failed(reason);
            }
            let body = prepare(copy, space, item, &source);
            return refresh(copy, item, id, version, &body).await;
        }
        Ok(None) => {}
        Err(reason) => return Outcome::failed(reason),
    }
    let body = prepare(copy, space, item, &source);
    let parent_id = match &item.parent_id {
        Some(parent) => match copy.content_id(parent) {
            Some(id) => Some(id),
            None => return Outcome::failed("its parent page was not copied"),
        },
        None => None,
    };
    let (written, marked_at) = match (is_homepage, target.homepage_id.clone()) {
        (true, Some(homepage)) => {
            // A new space comes with a homepage: the source homepage becomes it (an update,
            // safe to repeat). Its version is asked for unless the space's create made it
            // known; if it changed since, it is asked for then.
            let read = || async {
                copy.destination.page(&homepage).await.map(|page| page.version.map_or(1, |v| v.number))
            };
            let mut known = target.homepage_version;
            let mut current = match known {
                Some(version) => version,
                None => match read().await {
                    Ok(version) => version,
                    Err(error) => return Outcome::failed(error.to_string()),
                },
            };
            let written = loop {
                let update = PageUpdate {
                    id: homepage.clone(),
                    status: "current".into(),
                    title: item.title.clone(),
                    body: Body::storage(body.clone()),
                    version_number: current + 1,
                    version_message: Some("copied from the source homepage".into()),
                    parent_id: None,
                };
                match update_page(&copy.destination, &update).await {
                    Err(error) if error.is_conflict() && known.take().is_some() => match read().await {
                        Ok(version) => current = version,
                        Err(error) => break Err(error),
                    },
                    other => break other,
                }
            };
            let written = written.map(|p| {
                note_position(copy, item, p.position);
                (p.id, p.version.map_or(current + 1, |v| v.number))
            });
            (written, Marked::No)
        }
        _ => {
            if let Err(error) =
                copy.recorder.intent(&node_key(item), WriteKind::CreatePage, source_ref(item)).await
            {
                return Outcome::failed(error);
            }
            let mut new = NewPage {
                space_id: target.id.clone(),
                status: "current".into(),
                title: item.title.clone(),
                parent_id,
                body: Body::storage(body.clone()),
            };
            if let Some(first) = item.history.first() {
                // With history = "all" the copy starts from the oldest version.
                match earlier_body(copy, space, item, *first) {
                    Ok(body) => new.body = Body::storage(body),
                    Err(reason) => return Outcome::failed(reason),
                }
            }
            // The page is created with its marker. It claims the source version the new page
            // holds: with history, the oldest one until the replay has written the rest (a run
            // cut short in between leaves a copy that later runs bring up to date).
            let holds = first_version(item);
            let marker = crate::run::mark::origin(copy, &source_ref(item), Some(holds)).property();
            // A page without a parent stays at the root level, as on the source.
            // Its labels too (the labels node then has nothing left to do, see `labels`).
            let labels: Vec<Label> = item.labels.iter().map(|name| global_label(name)).collect();
            let (new, marker, key, labels) = (&new, &marker, target.key.as_str(), labels.as_slice());
            let create = create_once(copy, item, key, move || async move {
                use std::sync::atomic::Ordering;
                if !copy.v1_create_gone.load(Ordering::Acquire) {
                    match copy.destination.create_page_marked(new, marker, key, labels).await {
                        // The v1 create is deprecated upstream: where a site has removed it, pages
                        // are created through v2 and marked with a request of their own.
                        Err(error) if matches!(error.status(), Some(405 | 410)) => {
                            tracing::warn!(%error, "the destination no longer offers the v1 page create: using v2");
                            copy.v1_create_gone.store(true, Ordering::Release);
                        }
                        other => {
                            return other.map(|(p, labelled)| Created {
                                marked: true,
                                labelled,
                                ..Created::from(p)
                            });
                        }
                    }
                }
                copy.destination.create_page_at_root(new).await.map(Created::from)
            });
            // While the create waits to be sent again, the next sibling may go (see `lane_gate`).
            let created =
                crate::client::notify_waits(std::sync::Arc::new(crate::run::lane_gate::open), create).await;
            // Answered: the copy is in place, and the next sibling may go.
            crate::run::lane_gate::open();
            let marked_at = match &created {
                Ok(created) if created.marked => Marked::At(holds),
                // Found after a lost answer: the create that made it carried the marker, read
                // with it; it is brought up to date before the result is recorded.
                Ok(Created { found: Some(found), .. }) => Marked::Found(found.clone()),
                _ => Marked::No,
            };
            let written = match created {
                Ok(created) => {
                    note_position(copy, item, created.position);
                    if created.labelled && !item.labels.is_empty() {
                        copy.labelled.lock().unwrap_or_else(|e| e.into_inner()).insert_str(&item.id, ());
                    }
                    if item.history.is_empty() {
                        Ok((created.id, created.version))
                    } else {
                        replay_history(copy, space, item, created.id, created.version, &body).await
                    }
                }
                Err(error) => Err(error),
            };
            (written, marked_at)
        }
    };
    finish_content(copy, item, &target.id, written, marked_at, &body).await
}

/// The source version a new copy of `item` starts from: the oldest one when its history is
/// replayed (the versions before the current one, oldest first), else the current one.
fn first_version(item: &Content) -> u64 {
    item.version.saturating_sub(item.history.len() as u64).max(1)
}

/// Remembers where the destination put a page or folder among its siblings, for the ordering.
fn note_position(copy: &Copy, item: &Content, position: Option<i64>) {
    if let Some(position) = position {
        copy.map(|m| m.set_position(&item.id, position));
    }
}

/// An earlier version's body, references rewritten like the current one's.
fn earlier_body(
    copy: &Copy,
    space: usize,
    item: &Content,
    at: crate::snapshot::BodyRef,
) -> Result<String, CopyError> {
    let body = copy.snapshot.spool.get(at).map_err(CopyError::Spool)?;
    Ok(super::fixup::rewrite_quietly(copy, space, item, &body))
}

/// Writes each later version of the page in turn, ending with the current body: the copy's
/// history has the source's versions in order (authors and dates are the copying account's).
async fn replay_history(
    copy: &Copy,
    space: usize,
    item: &Content,
    id: String,
    mut version: u64,
    current: &str,
) -> Result<(String, u64), ClientError> {
    let mut bodies = Vec::with_capacity(item.history.len());
    for at in item.history.iter().skip(1) {
        bodies.push(earlier_body(copy, space, item, *at).unwrap_or_default());
    }
    bodies.push(current.to_string());
    for (i, body) in bodies.into_iter().enumerate() {
        let update = PageUpdate {
            id: id.clone(),
            status: "current".into(),
            title: item.title.clone(),
            body: Body::storage(body),
            version_number: version + 1,
            version_message: Some(format!("source version {}", i + 2)),
            parent_id: None,
        };
        version = update_page(&copy.destination, &update).await?.version.map_or(version + 1, |v| v.number);
    }
    Ok((id, version))
}

/// A page or blog post an earlier run copied: unchanged on the source → nothing to do; edited
/// since → its new version becomes a new version of the copy.
async fn refresh(
    copy: &Copy,
    item: &Content,
    id: String,
    copied_version: Option<u64>,
    body: &str,
) -> Outcome {
    let node = node_key(item);
    let changed = copied_version.is_some_and(|v| item.version > v);
    if item.kind == ContentType::BlogPost {
        // Blog posts are found by title and date; edits to them are not re-copied.
        copy.map(|m| m.set_content(&item.id, &id, copied_version.unwrap_or(1)));
        if copied_version.is_none() {
            if let Err(error) = mark(copy, &holder(item, &id), &source_ref(item), Some(item.version)).await {
                return Outcome::failed(format!("found the earlier copy, but {error}"));
            }
            copy.recorder.result(&node, source_ref(item), &id, Some(item.version), None);
        }
        let detail = if changed {
            "copied by an earlier run; its later edits are not re-copied"
        } else {
            "copied by an earlier run"
        };
        return Outcome::Present { detail: detail.into() };
    }
    if !changed && copied_version.is_some() {
        copy.map(|m| m.set_content(&item.id, &id, copied_version.unwrap_or(1)));
        return Outcome::Present { detail: "copied by an earlier run".into() };
    }
    if copied_version.is_none() {
        // Found after an interruption: finish what that run may not have (archiving), then
        // record it so later runs know it.
        let found = match copy.destination.page(&id).await {
            Ok(page) => page,
            Err(error) => return Outcome::failed(error.to_string()),
        };
        let mut version = found.version.as_ref().map_or(1, |v| v.number);
        if item.status == "archived" && found.status.as_deref() != Some("archived") {
            // Archiving writes the current body too.
            match archive(&copy.destination, item.kind, &id, &item.title, body, version).await {
                Ok(v) => version = v,
                Err(error) => {
                    return Outcome::failed(format!(
                        "found the earlier copy, but archiving it failed: {error}"
                    ));
                }
            }
        } else if !item.history.is_empty() {
            // Created marked at its oldest version and cut short while its history was written:
            // its marker says it holds less than the source has, so the current body follows.
            let holds = match marked_version(copy, &holder(item, &id), &source_ref(item)).await {
                Ok(holds) => holds,
                Err(error) => return Outcome::failed(format!("found the earlier copy, but {error}")),
            };
            if holds.is_some_and(|v| v < item.version) {
                match source_version_on_copy(copy, item, &id, found.status.clone(), body, version).await {
                    Ok(updated) => version = updated,
                    Err(error) => {
                        return Outcome::failed(format!(
                            "found the earlier copy, but bringing it up to date failed: {error}"
                        ));
                    }
                }
            }
        }
        if let Err(error) = mark(copy, &holder(item, &id), &source_ref(item), Some(item.version)).await {
            return Outcome::failed(format!("found the earlier copy, but {error}"));
        }
        copy.recorder.result(&node, source_ref(item), &id, Some(item.version), Some(version));
        copy.map(|m| m.set_content(&item.id, &id, version));
        return Outcome::Present { detail: "copied by an interrupted run, finished now".into() };
    }
    let current = match copy.destination.page(&id).await {
        Ok(page) => page,
        Err(error) => return Outcome::failed(error.to_string()),
    };
    let version = current.version.as_ref().map_or(1, |v| v.number);
    match source_version_on_copy(copy, item, &id, current.status.clone(), body, version).await {
        Ok(new_version) => {
            copy.map(|m| m.set_content(&item.id, &id, new_version));
            if let Err(error) = mark(copy, &holder(item, &id), &source_ref(item), Some(item.version)).await {
                // Unrecorded: the next run sees the old version in the marker and copies again.
                return Outcome::failed(format!("copied as version {new_version}, but {error}"));
            }
            copy.recorder.result(&node, source_ref(item), &id, Some(item.version), Some(new_version));
            copy.map(|m| m.set_content(&item.id, &id, new_version));
            Outcome::copied_with(format!(
                "edited on the source since the last run: copied as version {new_version}"
            ))
        }
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// Writes the source's current body as the next version (after `version`) of the copy `id`,
/// keeping the copy's status; the copy's new version number.
async fn source_version_on_copy(
    copy: &Copy,
    item: &Content,
    id: &str,
    status: Option<String>,
    body: &str,
    version: u64,
) -> Result<u64, ClientError> {
    let update = PageUpdate {
        id: id.to_string(),
        status: status.unwrap_or_else(|| "current".into()),
        title: item.title.clone(),
        body: Body::storage(body),
        version_number: version + 1,
        version_message: Some(format!("source version {}", item.version)),
        parent_id: None,
    };
    update_page(&copy.destination, &update)
        .await
        .map(|updated| updated.version.map_or(version + 1, |v| v.number))
}

async fn folder(copy: &Copy, item: &Content, space_id: &str) -> Outcome {
    if !copy.writes() {
        copy.map(|m| m.plan_content(&item.id));
        return Outcome::copied_with("folder would be created");
    }
    let source = SourceRef::new(EntityKind::Page, &item.id);
    if let Some((id, _)) = copy.earlier(&source) {
        copy.map(|m| m.set_content(&item.id, &id, 1));
        return Outcome::Present { detail: "created by an earlier run".into() };
    }
    let parent = match &item.parent_id {
        Some(parent) => match copy.content_id(parent) {
            Some(id) => Some(id),
            None => return Outcome::failed("its parent was not copied"),
        },
        None => None,
    };
    if copy.recorder.interrupted(&source) || copy.reconciled {
        // An interrupted run may have made it, or a run this journal does not know: folders are
        // found among their parent's children. Without an interruption, only a folder that
        // carries this folder's marker is taken for its copy.
        match folder_under(copy, parent.as_deref(), &item.title).await {
            Ok(Some(id)) => {
                let ours = match names(copy, &holder(item, &id), &source).await {
                    Ok(ours) => ours,
                    Err(reason) => return Outcome::failed(reason),
                };
                if ours == Some(false) {
                    return create_folder(copy, item, space_id, parent.as_deref(), source).await;
                }
                if ours.is_none()
                    && let Err(error) = mark(copy, &holder(item, &id), &source, Some(1)).await
                {
                    return Outcome::failed(format!("found the earlier copy, but {error}"));
                }
                copy.recorder.result(&node_key(item), source, &id, Some(1), Some(1));
                copy.map(|m| m.set_content(&item.id, &id, 1));
                return Outcome::Present { detail: "created by an interrupted run".into() };
            }
            Ok(None) => {}
            Err(reason) => return Outcome::failed(reason),
        }
    }
    create_folder(copy, item, space_id, parent.as_deref(), source).await
}

async fn create_folder(
    copy: &Copy,
    item: &Content,
    space_id: &str,
    parent: Option<&str>,
    source: SourceRef,
) -> Outcome {
    if let Err(error) = copy.recorder.intent(&node_key(item), WriteKind::CreatePage, source.clone()).await {
        return Outcome::failed(error);
    }
    match copy.destination.create_folder(space_id, &item.title, parent).await {
        Ok(created) => {
            crate::run::lane_gate::open();
            note_position(copy, item, created.position);
            copy.map(|m| m.set_content(&item.id, &created.id, 1));
            if let Err(error) = mark(copy, &holder(item, &created.id), &source, Some(1)).await {
                return Outcome::failed(format!("created, but {error}"));
            }
            copy.recorder.result(&node_key(item), source, &created.id, Some(1), Some(1));
            Outcome::copied_with("folder")
        }
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// The folder with this title among a page's children on the destination.
async fn folder_under(copy: &Copy, parent: Option<&str>, title: &str) -> Result<Option<String>, ClientError> {
    use futures_util::TryStreamExt;
    let Some(parent) = parent else { return Ok(None) };
    let mut children = copy.destination.page_children(parent);
    while let Some(child) = children.try_next().await? {
        if child.title.as_deref() == Some(title) && child.kind.as_deref() == Some("folder") {
            return Ok(Some(child.id));
        }
    }
    Ok(None)
}

pub async fn blog_post(copy: &Copy, space: usize, index: usize) -> Outcome {
    let item = &copy.snapshot.spaces[space].blog_posts[index];
    let Some(target) = copy.space(space) else { return Outcome::failed("the space was not created") };
    let body = match prepare_body(copy, space, item) {
        Ok(body) => body,
        Err(reason) => return Outcome::failed(reason),
    };
    if !copy.writes() {
        copy.map(|m| m.plan_content(&item.id));
        return Outcome::copied_with("would be created");
    }
    match earlier_copy(copy, item, &target.id).await {
        // Blog posts are not re-copied once copied (`refresh` does not write their body).
        Ok(Some((id, version))) => return refresh(copy, item, id, version, &body).await,
        Ok(None) => {}
        Err(reason) => return Outcome::failed(reason),
    }
    if let Err(error) =
        copy.recorder.intent(&node_key(item), WriteKind::CreateBlogPost, source_ref(item)).await
    {
        return Outcome::failed(error);
    }
    let new = NewBlogPost {
        space_id: target.id.clone(),
        status: "current".into(),
        title: item.title.clone(),
        body: Body::storage(body.clone()),
        created_at: item.created_at.clone(),
    };
    let new = &new;
    let written = create_once(copy, item, &target.key, move || async move {
        copy.destination.create_blog_post(new).await.map(|p| Created {
            id: p.id,
            version: p.version.map_or(1, |v| v.number),
            position: None,
            marked: false,
            found: None,
            labelled: false,
        })
    })
    .await;
    // Found after a lost answer: its marker, if any, was read with it.
    let marked_at = match &written {
        Ok(Created { found: Some(found), .. }) => Marked::Found(found.clone()),
        _ => Marked::No,
    };
    let written = written.map(|created| (created.id, created.version));
    finish_content(copy, item, &target.id, written, marked_at, &body).await
}

/// What a create gave: the copy's id, version, place among its siblings if known, and whether
/// the create itself put the marker on it (an answer read, not a copy found after a lost one).
struct Created {
    id: String,
    version: u64,
    position: Option<i64>,
    marked: bool,
    /// Found by its title after the answer to its create was lost, with the marker it carries
    /// (`Some(None)`: none).
    found: Option<Option<ContentProperty>>,
    /// The create put every label of the item on it (the answer listed them).
    labelled: bool,
}

/// What a new copy's marker is known to say: nothing (none was sent), the source version the
/// create wrote, or what the copy found after a lost answer carries (read with it).
#[derive(Debug, Clone, PartialEq)]
enum Marked {
    No,
    At(u64),
    Found(Option<ContentProperty>),
}

impl From<crate::client::model::page::Page> for Created {
    fn from(page: crate::client::model::page::Page) -> Created {
        Created {
            id: page.id,
            version: page.version.map_or(1, |v| v.number),
            position: page.position,
            marked: false,
            found: None,
            labelled: false,
        }
    }
}

/// Runs `create`; when its answer was lost (the site may or may not have made the page or blog
/// post), looks for it by its title, which is unique in the space, together with the marker it
/// carries (one v1 request), and creates it again only if it is not there. A failed look-up
/// counts as not there: a copy made meanwhile then shows as a duplicate title, which
/// `finish_content` handles as an earlier copy.
async fn create_once<F, Fut>(
    copy: &Copy,
    item: &Content,
    space_key: &str,
    create: F,
) -> Result<Created, ClientError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Created, ClientError>>,
{
    let kind = if item.kind == ContentType::BlogPost { "blogpost" } else { "page" };
    let mut attempt = 1;
    loop {
        match create().await {
            Err(error) if error.is_outcome_unknown() && attempt < LOST_ANSWER_ATTEMPTS => {
                // Made already or not, the next sibling may go meanwhile (see `lane_gate`).
                crate::run::lane_gate::open();
                match copy.destination.marked_by_title(space_key, kind, &item.title, MARKER_KEY).await {
                    Ok(Some(found)) => {
                        return Ok(Created {
                            version: found.version.as_ref().map_or(1, |v| v.number),
                            position: found.position(),
                            marked: false,
                            labelled: false,
                            found: Some(found.property(MARKER_KEY)),
                            id: found.id,
                        });
                    }
                    _ => attempt += 1,
                }
            }
            other => return other,
        }
    }
}

/// How many times a create whose answer was lost is sent (each time after looking for it).
const LOST_ANSWER_ATTEMPTS: u32 = 6;

/// Records the copy (or finds an earlier one when the title is taken) and archives it if needed.
/// `marked_at` is what the marker the copy was created with says (see [`Marked`]): one at
/// another source version than the one written, or one not known, is read and brought up to
/// date (a read that finds none writes it); without one it is written now.
async fn finish_content(
    copy: &Copy,
    item: &Content,
    space_id: &str,
    written: Result<(String, u64), ClientError>,
    marked_at: Marked,
    body: &str,
) -> Outcome {
    let (id, version, mut outcome) = match written {
        Ok((id, version)) => (id, version, Outcome::copied()),
        Err(error) if is_duplicate_title(&error) => {
            match copy.destination.content_by_title(collection(item), space_id, &item.title).await {
                Ok(Some(existing)) => {
                    let version = existing.version.as_ref().map_or(1, |v| v.number);
                    let source = source_ref(item);
                    let ours = match names(copy, &holder(item, &existing.id), &source).await {
                        Ok(ours) => ours,
                        Err(reason) => return Outcome::failed(format!("{error}; {reason}")),
                    };
                    match ours {
                        Some(true) => {}
                        // Made by an interrupted run of this plan before it could mark it (the
                        // journal's intent says so, or the run began from the markers of this
                        // plan's own space, where only such a page can lack one).
                        None if copy.recorder.interrupted(&source) || copy.reconciled => {
                            if let Err(reason) =
                                mark(copy, &holder(item, &existing.id), &source, Some(item.version)).await
                            {
                                return Outcome::failed(format!("found the earlier copy, but {reason}"));
                            }
                        }
                        _ => {
                            return Outcome::failed(format!(
                                "the destination space already has a {} titled \"{}\" that this plan did not \
                                 copy from this source (it carries no confcopy marker naming it): rename or \
                                 remove it on the destination, then apply again",
                                if item.kind == ContentType::BlogPost { "blog post" } else { "page" },
                                item.title
                            ));
                        }
                    }
                    let detail = format!(
                        "the destination space already has \"{}\" (from an earlier run): kept as it is",
                        item.title
                    );
                    copy.recorder.result(
                        &node_key(item),
                        source_ref(item),
                        &existing.id,
                        Some(item.version),
                        Some(version),
                    );
                    copy.map(|m| m.set_content(&item.id, &existing.id, version));
                    return Outcome::Present { detail };
                }
                Ok(None) => return Outcome::failed(error.to_string()),
                Err(lookup) => {
                    return Outcome::failed(format!(
                        "{error}; looking for the earlier copy failed too: {lookup}"
                    ));
                }
            }
        }
        Err(error) => return Outcome::failed(error.to_string()),
    };
    let mut version = version;
    if item.status == "archived" {
        match archive(&copy.destination, item.kind, &id, &item.title, body, version).await {
            Ok(v) => version = v,
            Err(error) => outcome = Outcome::failed(format!("copied, but archiving it failed: {error}")),
        }
    }
    copy.map(|m| m.set_content(&item.id, &id, version));
    let marked = match marked_at {
        Marked::At(at) if at == item.version => Ok(()),
        Marked::At(_) => advance(copy, &holder(item, &id), &source_ref(item), Some(item.version)).await,
        Marked::Found(found) => {
            settle(copy, &holder(item, &id), &source_ref(item), Some(item.version), found).await
        }
        Marked::No => mark(copy, &holder(item, &id), &source_ref(item), Some(item.version)).await,
    };
    if let Err(error) = marked {
        // Unrecorded: the next run finds it by its title (the intent is pending) and marks it.
        return Outcome::failed(format!("copied, but {error}"));
    }
    copy.recorder.result(&node_key(item), source_ref(item), &id, Some(item.version), Some(version));
    if item.kind == ContentType::BlogPost && item.created_at.is_none() {
        return Outcome::copied_with("the source gave no date: posted today");
    }
    outcome
}

fn content_of(copy: &Copy, space: usize, at: ContentAt) -> &Content {
    match at {
        ContentAt::Page(i) => &copy.snapshot.spaces[space].pages[i],
        ContentAt::BlogPost(i) => &copy.snapshot.spaces[space].blog_posts[i],
    }
}

/// A label as the source names it, with the global prefix.
fn global_label(name: &str) -> Label {
    Label { id: None, name: name.to_string(), prefix: Some("global".into()) }
}

pub async fn labels(copy: &Copy, space: usize, at: ContentAt) -> Outcome {
    let item = content_of(copy, space, at);
    if !copy.writes() {
        return Outcome::copied_with(format!("{} label(s) would be added", item.labels.len()));
    }
    let Some(id) = copy.content_id(&item.id) else { return Outcome::failed("the content was not copied") };
    if copy.labelled.lock().unwrap_or_else(|e| e.into_inner()).remove(&item.id).is_some() {
        // The page's create carried them, and its answer listed them all (taken out: the set
        // holds only pages whose labels node has yet to run).
        return Outcome::copied_with(format!("{} label(s), with the page", item.labels.len()));
    }
    if copy.reconciled && copy.earlier(&source_ref(item)).is_some() {
        // Copied by a run this journal does not know: it may have labelled it already.
        if let Some(detail) = already_labelled(copy, item, &id).await {
            return Outcome::Present { detail };
        }
    }
    let labels: Vec<Label> = item.labels.iter().map(|name| global_label(name)).collect();
    match copy.destination.add_labels(&id, &labels).await {
        Ok(()) => Outcome::copied_with(format!("{} label(s)", labels.len())),
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// Whether the copy already has every label of the source; the detail to report if so.
async fn already_labelled(copy: &Copy, item: &Content, id: &str) -> Option<String> {
    use futures_util::TryStreamExt;
    let container = if item.kind == ContentType::BlogPost {
        crate::client::model::content::Container::BlogPost(id.to_string())
    } else {
        crate::client::model::content::Container::Page(id.to_string())
    };
    match copy.destination.labels(&container).try_collect::<Vec<Label>>().await {
        Ok(found) => item
            .labels
            .iter()
            .all(|wanted| found.iter().any(|l| &l.name == wanted))
            .then(|| "labelled by an earlier run".to_string()),
        // Read-restricted away from the copying account: only this plan's restrictions, set
        // after the labels, can have done that to content it created.
        Err(error) if error.status() == Some(403) || error.is_not_found() => {
            Some("labelled by an earlier run (its restrictions keep the copying account out)".to_string())
        }
        Err(_) => None,
    }
}

pub async fn restrictions(copy: &Copy, space: usize, at: ContentAt) -> Outcome {
    let item = content_of(copy, space, at);
    if !copy.writes() {
        return Outcome::copied_with("would be restricted as on the source");
    }
    let Some(id) = copy.content_id(&item.id) else { return Outcome::failed("the content was not copied") };
    let mut missing = Vec::new();
    // With `users.scope = "none"`: subjects the destination lacks are left out, and a
    // restriction left with no one keeps the copying account, never opening the content up.
    let mut left_out = Vec::new();
    let keeper = match &copy.inventory.destination.access {
        crate::inventory::Access::Granted { account_id, .. } if !account_id.is_empty() => {
            Some(account_id.clone())
        }
        _ => None,
    };
    let mut kept_to_copier = false;
    let mut subjects = |list: &[Subject]| {
        let mut out = RestrictionSubjects::default();
        let mut dropped = false;
        for subject in list {
            match subject {
                Subject::User(account) => {
                    let user = copy.inventory.users.get(account);
                    let former = user.is_some_and(|u| u.status == AccountStatus::Former);
                    if former {
                        continue;
                    }
                    if copy.inventory.destination_knows(account) {
                        out.user.push(RestrictedUser::new(account.clone()));
                    } else {
                        dropped = true;
                        left_out.push(user.map_or(account.clone(), |u| u.display_name.clone()));
                    }
                }
                Subject::Group(name) => match copy.group_id(name) {
                    Some(group) => out.group.push(RestrictedGroup::new(group)),
                    None if !copy.inventory.copies_people() => {
                        dropped = true;
                        left_out.push(format!("group \"{name}\""));
                    }
                    None => missing.push(name.clone()),
                },
                Subject::Anonymous => {}
            }
        }
        if dropped
            && out.user.is_empty()
            && out.group.is_empty()
            && let Some(keeper) = &keeper
        {
            out.user.push(RestrictedUser::new(keeper.clone()));
            kept_to_copier = true;
        }
        out
    };
    let mut updates = Vec::new();
    if !item.restrictions.read.is_empty() {
        updates.push(RestrictionUpdate {
            operation: "read".into(),
            restrictions: subjects(&item.restrictions.read),
        });
    }
    if !item.restrictions.update.is_empty() {
        updates.push(RestrictionUpdate {
            operation: "update".into(),
            restrictions: subjects(&item.restrictions.update),
        });
    }
    if !missing.is_empty() {
        return Outcome::failed(format!("the groups {} are not on the destination", missing.join(", ")));
    }
    left_out.sort();
    left_out.dedup();
    let partial = (!left_out.is_empty()).then(|| {
        let mut text = format!("{}{}", crate::run::outcome::LEFT_OUT, left_out.join(", "));
        if kept_to_copier {
            text.push_str(" (a restriction left with no one is kept to the copying account)");
        }
        text
    });
    if copy.reconciled
        && copy.earlier(&source_ref(item)).is_some()
        && let Some(detail) = already_restricted(copy, &id, &updates).await
    {
        return Outcome::Present { detail };
    }
    match copy.destination.set_restrictions(&id, &updates).await {
        Ok(_) => Outcome::Copied { detail: partial },
        Err(error) if error.status() == Some(403) && copy.earlier(&source_ref(item)).is_some() => {
            // Restrictions that leave the copying account out refuse it a second write: an
            // interrupted run may have set them already.
            match already_restricted(copy, &id, &updates).await {
                Some(detail) => Outcome::Present { detail },
                None => Outcome::failed(error.to_string()),
            }
        }
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// Whether the copy already has the wanted restrictions (as far as the destination lets the
/// copying account see them); the detail to report if so.
async fn already_restricted(copy: &Copy, id: &str, wanted: &[RestrictionUpdate]) -> Option<String> {
    use std::collections::BTreeSet;
    type Subjects = (BTreeSet<String>, BTreeSet<String>);
    let want: BTreeMap<String, Subjects> = wanted
        .iter()
        .map(|u| {
            let users = u.restrictions.user.iter().map(|x| x.account_id.clone()).collect();
            let groups = u.restrictions.group.iter().map(|x| x.id.clone()).collect();
            (u.operation.clone(), (users, groups))
        })
        .collect();
    match copy.destination.restrictions(id).await {
        Ok(found) => {
            let found: BTreeMap<String, Subjects> = found
                .results
                .iter()
                .filter(|o| !o.restrictions.users().is_empty() || !o.restrictions.groups().is_empty())
                .map(|o| {
                    let users = o.restrictions.users().iter().map(|x| x.account_id.clone()).collect();
                    let groups = o.restrictions.groups().iter().map(|x| x.id.clone()).collect();
                    (o.operation.clone(), (users, groups))
                })
                .collect();
            (found == want).then(|| "restricted as on the source by an interrupted run".to_string())
        }
        // Read-restricted away from the copying account: only the restrictions this plan sets
        // can have done that to content the plan created.
        Err(error) if error.status() == Some(403) || error.is_not_found() => Some(
            "restricted by an interrupted run (the restrictions keep the copying account out)".to_string(),
        ),
        Err(_) => None,
    }
}
