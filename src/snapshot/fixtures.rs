//! Snapshot values for unit tests: a space with no content, a page, folder or blog post with
//! nothing but its id, kind and title, an attachment and a comment.

use super::model::*;
use super::spool::BodyRef;

/// An empty current global space `key`, copied to `destination`.
pub fn space(key: &str, destination: &str) -> SpaceSnapshot {
    SpaceSnapshot {
        id: format!("id-{key}"),
        key: key.into(),
        destination_key: destination.into(),
        name: key.into(),
        description: None,
        kind: "global".into(),
        status: "current".into(),
        homepage_id: None,
        labels: Vec::new(),
        permissions: Vec::new(),
        pages: Vec::new(),
        blog_posts: Vec::new(),
        attachments: Vec::new(),
        comments: Vec::new(),
    }
}

/// Current content at version 1, with an empty body and no parent, labels or restrictions.
pub fn content(id: &str, kind: ContentType, title: &str) -> Content {
    Content {
        id: id.into(),
        kind,
        title: title.into(),
        status: "current".into(),
        parent_id: None,
        position: 0,
        created_at: None,
        version: 1,
        body: BodyRef::default(),
        history: Box::new([]),
        labels: Box::new([]),
        restrictions: Restrictions::default(),
        likes: 0,
    }
}

/// The single version of `file_name` on `container`, with no media type, size or comment.
pub fn attachment(id: &str, container: &str, file_name: &str) -> Attachment {
    Attachment {
        id: id.into(),
        container_id: container.into(),
        file_name: file_name.into(),
        media_type: None,
        size: None,
        comment: None,
        versions: 1,
    }
}

/// A comment of `kind` on `container` (a reply when `parent` is given), with an empty body and
/// no inline anchor.
pub fn comment(id: &str, kind: CommentType, container: &str, parent: Option<&str>) -> Comment {
    Comment {
        id: id.into(),
        kind,
        container_id: container.into(),
        parent_id: parent.map(str::to_string),
        body: BodyRef::default(),
        marker_ref: None,
        selection: None,
        resolution: None,
    }
}
