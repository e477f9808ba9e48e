//! Snapshot values for unit tests: a space with no content, and a page, folder or blog post
//! with nothing but its id, kind and title.

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
