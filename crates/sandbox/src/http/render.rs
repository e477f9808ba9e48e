//! Entities as JSON, following the response schemas of the official OpenAPI documents.

use serde_json::{Map, Value, json};

use crate::generate;
use crate::model::*;

/// The storage-format text of a body (generated bodies render here).
pub fn body_text(body: &Body) -> std::sync::Arc<str> {
    match body {
        Body::Text { value } => value.text(),
        Body::Generated { seed, space, page, spaces, pages_per_space, users } => {
            generate::render_body(*seed, *space, *page, *spaces, *pages_per_space, *users).into()
        }
    }
}

pub fn version(v: &Version) -> Value {
    json!({
        "createdAt": v.created_at,
        "message": v.message,
        "number": v.number,
        "minorEdit": v.minor_edit,
        "authorId": v.author_id,
    })
}

fn storage(body: &Body) -> Value {
    json!({"storage": {"representation": "storage", "value": &*body_text(body)}})
}

fn title_slug(title: &str) -> String {
    url::form_urlencoded::byte_serialize(title.as_bytes()).collect()
}

fn space_key(site: &Site, space_id: u64) -> &str {
    site.spaces.get(&space_id).map_or("", |s| s.key.as_str())
}

/// Path of a page, blog post or folder in the web UI (relative to `/wiki`).
pub fn webui(site: &Site, c: &Content) -> String {
    let key = space_key(site, c.space_id);
    match c.kind {
        ContentKind::BlogPost => {
            let day = c.created_at.get(..10).unwrap_or("1970-01-01").replace('-', "/");
            format!("/spaces/{key}/blog/{day}/{}/{}", c.id, title_slug(&c.title))
        }
        ContentKind::Folder => format!("/spaces/{key}/folder/{}", c.id),
        ContentKind::Page => format!("/spaces/{key}/pages/{}/{}", c.id, title_slug(&c.title)),
    }
}

fn tiny(id: u64) -> String {
    use base64::Engine;
    let raw = id.to_le_bytes();
    let len = raw.iter().rposition(|b| *b != 0).map_or(1, |p| p + 1);
    format!("/x/{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw[..len]))
}

/// v2 page, blog post or folder.
pub fn content(site: &Site, c: &Content, with_body: bool) -> Value {
    let v = c.current();
    let mut m = Map::new();
    m.insert("id".into(), c.id.to_string().into());
    m.insert("status".into(), c.status.as_str().into());
    m.insert("title".into(), c.title.clone().into());
    m.insert("spaceId".into(), c.space_id.to_string().into());
    if let Some(p) = c.parent_id {
        m.insert("parentId".into(), p.to_string().into());
        let parent_type = match site.contents.get(&p).map(|p| p.kind) {
            Some(ContentKind::Folder) => "folder",
            _ => "page",
        };
        m.insert("parentType".into(), parent_type.into());
    }
    if c.kind != ContentKind::BlogPost {
        m.insert("position".into(), c.position.into());
    }
    m.insert("authorId".into(), c.author_id.clone().into());
    if c.kind == ContentKind::Folder {
        m.insert("type".into(), "folder".into());
    }
    if c.kind != ContentKind::BlogPost {
        m.insert("ownerId".into(), c.owner_id.clone().into());
    }
    if c.kind == ContentKind::Page {
        m.insert("lastOwnerId".into(), Value::Null);
    }
    m.insert("createdAt".into(), c.created_at.clone().into());
    m.insert("version".into(), version(v));
    if c.kind != ContentKind::Folder {
        m.insert("body".into(), if with_body { storage(&v.body) } else { json!({}) });
    }
    let mut links = json!({"webui": webui(site, c)});
    if c.kind != ContentKind::Folder {
        links["editui"] = format!("/pages/resumedraft.action?draftId={}", c.id).into();
        links["tinyui"] = tiny(c.id).into();
    }
    m.insert("_links".into(), links);
    Value::Object(m)
}

pub fn space(s: &Space, with_description: bool) -> Value {
    let mut v = json!({
        "id": s.id.to_string(),
        "key": s.key,
        "name": s.name,
        "type": s.kind.as_str(),
        "status": s.status.as_str(),
        "authorId": s.author_id,
        "createdAt": s.created_at,
        "currentActiveAlias": s.key,
        "_links": {"webui": format!("/spaces/{}", s.key)},
    });
    if let Some(h) = s.homepage_id {
        v["homepageId"] = h.to_string().into();
    }
    if with_description {
        v["description"] = json!({"plain": {"representation": "plain", "value": s.description}});
    }
    v
}

pub fn label(l: &Label) -> Value {
    json!({"id": l.id.to_string(), "name": l.name, "prefix": l.prefix})
}

pub fn property(p: &Property) -> Value {
    json!({
        "id": p.id.to_string(),
        "key": p.key,
        "value": p.value,
        "version": {"createdAt": p.created_at, "message": "", "number": p.version,
                    "minorEdit": false, "authorId": p.author_id},
    })
}

pub fn space_permission(p: &SpacePermission) -> Value {
    json!({
        "id": p.id.to_string(),
        "principal": {"type": p.principal.kind.as_str(), "id": p.principal.id},
        "operation": {"key": p.operation, "targetType": p.target},
    })
}

pub fn download_path(a: &Attachment) -> String {
    format!(
        "/download/attachments/{}/{}?version={}&api=v2",
        a.container_id,
        title_slug(&a.title),
        a.current().number
    )
}

pub fn attachment(site: &Site, a: &Attachment) -> Value {
    let cur = a.current();
    let mut v = json!({
        "id": format!("att{}", a.id),
        "status": a.status.as_str(),
        "title": a.title,
        "createdAt": a.created_at,
        "mediaType": a.media_type,
        "mediaTypeDescription": media_description(&a.media_type),
        "comment": cur.comment,
        "fileId": a.file_id,
        "fileSize": cur.data.size(),
        "webuiLink": format!("/pages/viewpageattachments.action?pageId={}&preview={}", a.container_id, title_slug(&a.title)),
        "downloadLink": download_path(a),
        "version": {"createdAt": cur.created_at, "message": cur.comment, "number": cur.number,
                    "minorEdit": cur.minor_edit, "authorId": cur.author_id},
        "_links": {"webui": format!("/pages/viewpageattachments.action?pageId={}", a.container_id),
                   "download": download_path(a)},
    });
    let container = if site.contents.get(&a.container_id).is_some_and(|c| c.kind == ContentKind::BlogPost) {
        "blogPostId"
    } else {
        "pageId"
    };
    v[container] = a.container_id.to_string().into();
    v
}

fn media_description(media: &str) -> &'static str {
    match media {
        "image/png" => "PNG Image",
        "image/jpeg" => "JPEG Image",
        "application/pdf" => "PDF Document",
        _ => "File",
    }
}

/// v2 footer or inline comment; `full` adds the single-comment fields.
pub fn comment(site: &Site, c: &Comment, with_body: bool, full: bool) -> Value {
    let v = c.current();
    let mut m = Map::new();
    m.insert("id".into(), c.id.to_string().into());
    m.insert("status".into(), c.status.as_str().into());
    m.insert("title".into(), format!("Re: comment {}", c.id).into());
    let container = if site.contents.get(&c.container_id).is_some_and(|x| x.kind == ContentKind::BlogPost) {
        "blogPostId"
    } else {
        "pageId"
    };
    m.insert(container.into(), c.container_id.to_string().into());
    if let Some(p) = c.parent_comment_id {
        m.insert("parentCommentId".into(), p.to_string().into());
    }
    m.insert("version".into(), version(v));
    m.insert("body".into(), if with_body { storage(&v.body) } else { json!({}) });
    if c.kind == CommentKind::Inline {
        if let Some(r) = c.resolution_status {
            m.insert("resolutionStatus".into(), r.as_str().into());
        }
        let mut props = Map::new();
        if let Some(r) = &c.inline_marker_ref {
            props.insert("inlineMarkerRef".into(), r.clone().into());
        }
        if let Some(s) = &c.inline_original_selection {
            props.insert("inlineOriginalSelection".into(), s.clone().into());
        }
        if full {
            props.insert("results".into(), json!([]));
        }
        m.insert("properties".into(), Value::Object(props));
    }
    let webui = site
        .contents
        .get(&c.container_id)
        .map(|x| format!("{}?focusedCommentId={}", webui(site, x), c.id))
        .unwrap_or_default();
    m.insert("_links".into(), json!({"webui": webui}));
    Value::Object(m)
}

/// v2 user (users-bulk).
pub fn user_v2(a: &Account) -> Value {
    let mut v = json!({
        "accountId": a.account_id,
        "accountType": "atlassian",
        "accountStatus": a.status.as_str(),
        "displayName": a.public_name(),
        "publicName": a.public_name(),
        "timeZone": "Etc/UTC",
        "isExternalCollaborator": false,
        "profilePicture": {"path": "/wiki/aa-avatar/default.png", "isDefault": true},
    });
    if let Some(e) = &a.email
        && a.status != AccountStatus::Closed
    {
        v["email"] = e.clone().into();
    }
    v
}

/// v1 user.
pub fn user_v1(a: &Account) -> Value {
    json!({
        "type": "known",
        "accountId": a.account_id,
        "accountType": "atlassian",
        "email": if a.status == AccountStatus::Closed { None } else { a.email.clone() },
        "publicName": a.public_name(),
        "displayName": a.public_name(),
        "timeZone": "Etc/UTC",
        "isExternalCollaborator": false,
        "profilePicture": {"path": "/wiki/aa-avatar/default.png", "width": 48, "height": 48, "isDefault": true},
        "_links": {"self": format!("/wiki/rest/api/user?accountId={}", a.account_id)},
    })
}

pub fn group_v1(g: &Group) -> Value {
    json!({
        "type": "group",
        "name": g.name,
        "id": g.id,
        "_links": {"self": format!("/wiki/rest/api/group/by-id?id={}", g.id)},
    })
}
