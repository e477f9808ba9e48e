//! Where the copies of a page's inline threads are anchored. A body written after its threads
//! were re-created (the fix-up pass, a refresh after a source edit) carries their markers under
//! the refs the destination gave them; without those refs the write would lift the markers out
//! and leave the threads anchored nowhere. The refs of threads this run posted come from the
//! create's answer; those of threads an earlier run posted are read here, once each.

use crate::client::CommentKind;
use crate::resolve::Copies;
use crate::run::CopyError;
use crate::run::context::Copy;
use crate::snapshot::Content;
use crate::state::{EntityKind, SourceRef};

/// Learns the destination marker refs of the threads anchored in `body` (the source body of
/// `container`) whose copies exist but whose refs this run does not know yet.
pub async fn learn(copy: &Copy, container: &Content, body: &str) -> Result<(), CopyError> {
    if !body.contains("ac:inline-comment-marker") {
        return Ok(());
    }
    let mut refs: Vec<String> = crate::rewrite::anchors(body).into_iter().map(|m| m.ref_id).collect();
    refs.sort();
    refs.dedup();
    for marker in refs {
        let Some(comment) = copy.catalogue.inline_comment(&container.id, &marker) else { continue };
        if copy.marker_ref(comment, &marker).is_some() {
            continue;
        }
        let posted = copy
            .map(|m| m.comment(comment))
            .or_else(|| copy.earlier(&SourceRef::new(EntityKind::Comment, comment)).map(|(id, _)| id));
        // Not posted yet: the marker is lifted and the thread anchors itself when it is posted.
        let Some(posted) = posted else { continue };
        let found = copy
            .destination
            .comment(CommentKind::Inline, &posted)
            .await
            .map_err(|error| CopyError::Anchor { comment: comment.to_string(), error })?;
        if let Some(new) = found.marker_ref() {
            let new = new.to_owned();
            copy.map(|m| m.marker_refs.insert(comment.to_owned(), new));
        }
    }
    Ok(())
}
