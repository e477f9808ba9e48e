//! Footer and inline comments, replies after their parents. Inline threads are anchored again to
//! the same text of the copied page.

use futures_util::TryStreamExt;

use crate::client::ClientError;
use crate::client::CommentKind;
use crate::client::model::comment::{CommentParent, InlineSelection, NewComment};
use crate::client::model::content::Body;
use crate::client::model::content::Container;
use crate::client::model::property::PropertyHolder;
use crate::graph::ContentAt;
use crate::run::context::Copy;
use crate::run::mark::{ensure_marked, mark};
use crate::run::outcome::Outcome;
use crate::snapshot::{CommentType, ContentType};
use crate::state::{EntityKind, SourceRef, WriteKind};

pub async fn comment(copy: &Copy, space: usize, index: usize) -> Outcome {
    let snapshot = &copy.snapshot.spaces[space];
    let item = &snapshot.comments[index];
    if !copy.writes() {
        return Outcome::copied_with("would be created");
    }
    let body = match copy.snapshot.spool.get(item.body) {
        Ok(body) => body,
        Err(error) => return Outcome::failed(format!("cannot read the spooled body: {error}")),
    };
    let container = match copy.catalogue.content(&item.container_id) {
        Some((s, ContentAt::Page(i))) if s == space => &snapshot.pages[i],
        Some((s, ContentAt::BlogPost(i))) if s == space => &snapshot.blog_posts[i],
        _ => return Outcome::failed("the page it is on is not copied"),
    };
    let is_post = container.kind == ContentType::BlogPost;
    let body = super::fixup::rewrite_in(copy, space, container, &item.id, &body).body;
    let parent = match &item.parent_id {
        Some(parent) => match copy.map(|m| m.comment(parent)) {
            Some(id) => CommentParent::Comment(id),
            None => return Outcome::failed("the comment it replies to was not copied"),
        },
        None => {
            let Some(container) = copy.content_id(&item.container_id) else {
                return Outcome::failed("the page it is on was not copied");
            };
            if is_post { CommentParent::BlogPost(container) } else { CommentParent::Page(container) }
        }
    };
    let kind = if item.kind == CommentType::Inline { CommentKind::Inline } else { CommentKind::Footer };
    let inline_selection = match (item.kind, &item.parent_id) {
        (CommentType::Inline, None) => {
            let Some(selection) = item.selection.clone().filter(|t| !t.is_empty()) else {
                return Outcome::failed("the inline comment has no anchor text on the source");
            };
            let (text, count, index) =
                anchor(copy, &item.container_id, item.marker_ref.as_deref(), selection);
            Some(InlineSelection {
                text_selection: text,
                text_selection_match_count: count,
                text_selection_match_index: index,
            })
        }
        _ => None,
    };
    let source = SourceRef::new(EntityKind::Comment, &item.id);
    let node = format!("comment:{}", item.id);
    if let Some((id, _)) = copy.earlier(&source) {
        copy.map(|m| m.set_comment(&item.id, &id));
        return Outcome::Present { detail: "copied by an earlier run".into() };
    }
    if copy.recorder.interrupted(&source) || copy.reconciled {
        // Comments have no natural key: look for one with the same body under the same parent
        // that no marker claims (a run cut short before marking it).
        match posted_before(copy, &parent, kind, &body).await {
            Ok(Some(found)) => {
                // Finish what the interrupted run may not have: resolving the thread.
                let resolved = found.resolution_status.as_deref() == Some("resolved");
                if item.resolution.as_deref() == Some("resolved") && !resolved {
                    let version = found.version.as_ref().map_or(1, |v| v.number);
                    if let Err(error) =
                        copy.destination.resolve_inline_comment(&found.id, &body, version).await
                    {
                        return Outcome::failed(format!(
                            "found the earlier copy, but resolving it failed: {error}"
                        ));
                    }
                }
                if let Err(error) =
                    ensure_marked(copy, &PropertyHolder::Comment(found.id.clone()), &source, None).await
                {
                    return Outcome::failed(format!("found the earlier copy, but {error}"));
                }
                copy.recorder.result(&node, source, &found.id, None, None);
                let marker = found.marker_ref().map(str::to_owned);
                copy.map(|m| {
                    if let Some(marker) = marker {
                        m.marker_refs.insert(item.id.clone(), marker);
                    }
                    m.set_comment(&item.id, &found.id)
                });
                return Outcome::Present { detail: "posted by an interrupted run".into() };
            }
            Ok(None) => {}
            Err(reason) => return Outcome::failed(reason),
        }
    }
    if let Err(error) = copy.recorder.intent(&node, WriteKind::CreateComment, source.clone()).await {
        return Outcome::failed(error);
    }
    let new = NewComment { parent, body: Body::storage(body.clone()), inline_selection };
    match post(copy, kind, &new, &body).await {
        Ok(created) => {
            let marker = created.marker_ref().map(str::to_owned);
            copy.map(|m| {
                if let Some(marker) = marker {
                    m.marker_refs.insert(item.id.clone(), marker);
                }
                m.set_comment(&item.id, &created.id)
            });
            copy.claimed.lock().unwrap_or_else(|e| e.into_inner()).insert_str(&created.id, ());
            let mut note =
                "posted by the copying account (comment authors and dates cannot be set)".to_string();
            if item.resolution.as_deref() == Some("resolved") {
                // Threads resolved on the source are resolved on the copy too, before the copy is
                // marked: a marked copy is a finished one.
                let version = created.version.as_ref().map_or(1, |v| v.number);
                if let Err(error) = copy.destination.resolve_inline_comment(&created.id, &body, version).await
                {
                    return Outcome::failed(format!("posted, but resolving the thread failed: {error}"));
                }
                note.push_str("; resolved, as on the source");
            }
            if let Err(error) = mark(copy, &PropertyHolder::Comment(created.id.clone()), &source, None).await
            {
                // Unrecorded: the next run finds it by its body (the intent is pending).
                return Outcome::failed(format!("posted, but {error}"));
            }
            copy.recorder.result(&node, source, &created.id, None, None);
            Outcome::copied_with(note)
        }
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// How many times a comment create whose answer was lost is sent (after looking for it).
const LOST_ANSWER_ATTEMPTS: u32 = 6;

/// Creates the comment. A create whose answer was lost (the site may have done it) is looked
/// for, as the same body under the same parent that nothing claims, before it is sent again.
async fn post(
    copy: &Copy,
    kind: CommentKind,
    new: &NewComment,
    body: &str,
) -> Result<crate::client::model::comment::Comment, crate::client::ClientError> {
    let mut attempt = 1;
    loop {
        match copy.destination.create_comment(kind, new).await {
            Err(error) if error.is_outcome_unknown() && attempt < LOST_ANSWER_ATTEMPTS => {
                match posted_before(copy, &new.parent, kind, body).await {
                    Ok(Some(found)) => return Ok(found),
                    Ok(None) => attempt += 1,
                    Err(_) => return Err(error),
                }
            }
            other => return other,
        }
    }
}

/// A comment with this body under this parent on the destination, if one is there.
async fn posted_before(
    copy: &Copy,
    parent: &CommentParent,
    kind: CommentKind,
    body: &str,
) -> Result<Option<crate::client::model::comment::Comment>, ClientError> {
    let mut listed = match parent {
        CommentParent::Page(id) => copy.destination.comments(&Container::Page(id.clone()), kind),
        CommentParent::BlogPost(id) => copy.destination.comments(&Container::BlogPost(id.clone()), kind),
        CommentParent::Comment(id) => copy.destination.comment_replies(id, kind),
    };
    let wanted = crate::rewrite::normalise_for_verify(body);
    while let Some(found) = listed.try_next().await? {
        if found.storage().is_some_and(|b| crate::rewrite::normalise_for_verify(b) == wanted) {
            // Two source comments with the same text each take their own copy.
            let mut claimed = copy.claimed.lock().unwrap_or_else(|e| e.into_inner());
            if claimed.insert_str(&found.id, ()).is_none() {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// The text to anchor the copy of a thread on, how often it occurs in the page's text, and which
/// occurrence the thread's marker was on, as the rewriter found when it lifted the markers out of
/// the copied body. A selection that crosses paragraphs or cells has several segments: the API
/// anchors a new thread on one, its first; the page's fix-up marks the others once it exists.
fn anchor(copy: &Copy, container: &str, marker: Option<&str>, selection: String) -> (String, u32, u32) {
    let markers = copy.markers.lock().unwrap_or_else(|e| e.into_inner());
    let found = markers.get(container).and_then(|list| {
        list.iter().find(|m| Some(m.ref_id.as_str()) == marker || (marker.is_none() && m.text == selection))
    });
    match found {
        Some(m) if !m.text.is_empty() => (m.text.clone(), m.match_count.max(1) as u32, m.match_index as u32),
        _ => (selection, 1, 0),
    }
}
