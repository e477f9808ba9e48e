//! The rules of creating a page, blog post or folder, whichever API asks: v2 (`POST /pages`,
//! `/blogposts`, `/folders`) and v1 (`POST /wiki/rest/api/content`) each read their own request
//! shape into a [`NewContent`] and render their own answer; what may be created, where, and
//! with which properties is decided here once.

use serde_json::Value;

use super::reply::ApiError;
use crate::model::*;

/// Where new content goes when its request names no parent (or names one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Under this page or folder of the same space.
    Under(u64),
    /// At the space's root level, beside the homepage.
    Root,
    /// Under the space's homepage (v2 without `parentId` and without `root-level=true`).
    Homepage,
}

/// A create request, read from either API's shape.
#[derive(Debug, Clone)]
pub struct NewContent {
    pub kind: ContentKind,
    pub space_id: u64,
    /// As the request gave it (`current` when absent).
    pub status: Option<String>,
    pub title: String,
    pub placement: Placement,
    /// Storage-format body.
    pub body: String,
    /// Blog posts only: the back-dated creation time, as given.
    pub created_at: Option<String>,
    /// Properties to store on the new content, in request order.
    pub properties: Vec<(String, Value)>,
    /// Labels `(prefix, name)` to put on the new content (v1 `metadata.labels`), checked.
    pub labels: Vec<(String, String)>,
}

/// Creates the content for `caller` on `site` and gives its id; nothing changes when a rule
/// refuses it (unreadable space → 404, no create permission → 403, a title taken in the space,
/// a parent outside it, an invalid status, time or property key → 400).
pub fn create(site: &mut Site, caller: &str, new: NewContent) -> Result<u64, ApiError> {
    let kind = new.kind;
    let space_id = new.space_id;
    let space = site
        .spaces
        .get(&space_id)
        .filter(|sp| site.can_read_space(sp, Some(caller)))
        .ok_or_else(ApiError::not_found)?;
    let target = match kind {
        ContentKind::BlogPost => "blogpost",
        _ => "page",
    };
    if !site.space_allows(space, Some(caller), "create", target) {
        return Err(ApiError::forbidden(format!(
            "User not permitted to create a {target} in space {}",
            space.key
        )));
    }
    let homepage_id = space.homepage_id;
    let status = match new.status.as_deref() {
        None | Some("current") => ContentStatus::Current,
        Some("draft") => ContentStatus::Draft,
        Some(other) => return Err(ApiError::bad_request(format!("Invalid status: {other}"))),
    };
    let title = new.title;
    if title.trim().is_empty() && status == ContentStatus::Current {
        return Err(ApiError::bad_request("Title is required"));
    }
    if status == ContentStatus::Current && site.title_taken(space_id, &title, kind, None) {
        return Err(ApiError::bad_request(
            "A page with this title already exists: A page already exists with the same TITLE in this space",
        ));
    }
    let parent_id = match (new.placement, kind) {
        (_, ContentKind::BlogPost) => None,
        (Placement::Under(p), _) => {
            let parent = site
                .contents
                .get(&p)
                .filter(|c| c.space_id == space_id && c.kind != ContentKind::BlogPost)
                .ok_or_else(|| ApiError::bad_request("parentId is not a page or folder of this space"))?;
            if !site.can_read_content(parent, Some(caller)) {
                return Err(ApiError::not_found());
            }
            Some(p)
        }
        (Placement::Root, _) | (Placement::Homepage, ContentKind::Folder) => None,
        (Placement::Homepage, _) => homepage_id,
    };
    let created_at = match (kind, new.created_at) {
        (ContentKind::BlogPost, Some(t)) => t
            .parse::<jiff::Timestamp>()
            .map_err(|_| ApiError::bad_request("createdAt must be an ISO 8601 timestamp"))?
            .to_string(),
        _ => super::v2_content::now(),
    };
    for (i, (key, _)) in new.properties.iter().enumerate() {
        super::properties::check_key(key)?;
        if new.properties[..i].iter().any(|(k, _)| k == key) {
            return Err(ApiError::bad_request(format!("A property with key '{key}' already exists")));
        }
    }
    let position = site.next_position(space_id, parent_id);
    let id = site.alloc_id();
    let properties = new
        .properties
        .into_iter()
        .map(|(key, value)| super::properties::new_property(site, caller, key, value))
        .collect();
    let mut labels: Vec<Label> = Vec::new();
    for (prefix, name) in new.labels {
        if !labels.iter().any(|l| l.prefix == prefix && l.name == name) {
            labels.push(Label { id: site.alloc_id(), prefix, name });
        }
    }
    site.insert_content(Content {
        id,
        kind,
        space_id,
        title,
        status,
        parent_id,
        position,
        author_id: caller.to_string(),
        owner_id: caller.to_string(),
        created_at: created_at.clone(),
        versions: vec![Version {
            number: 1,
            created_at,
            author_id: caller.to_string(),
            message: String::new(),
            minor_edit: false,
            body: Body::text(new.body),
        }],
        labels,
        restrictions: Restrictions::default(),
        likes: Vec::new(),
        properties,
    });
    Ok(id)
}
