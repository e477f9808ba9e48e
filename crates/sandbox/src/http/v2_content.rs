//! v2 pages, blog posts and folders: lists, get, create, update, delete, tree, labels,
//! likes, versions and content properties.

use serde::Deserialize;
use serde_json::{Value, json};

use super::body_write::{Forms, storage};
use super::pagination::{v2_page, v2_reply, v2_window};
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::*;

/// The content with this id and kind if the caller may read it, else 404.
pub fn readable<'a>(
    w: &'a World,
    s: usize,
    req: &Request,
    id: &str,
    kind: ContentKind,
) -> Result<&'a Content, ApiError> {
    let site = &w.sites[s];
    site.contents
        .get(&Request::id(id)?)
        .filter(|c| c.kind == kind && site.can_read_content(c, req.caller.as_deref()))
        .ok_or_else(ApiError::not_found)
}

fn wants_body(req: &Request) -> Result<bool, ApiError> {
    match req.param("body-format") {
        None => Ok(false),
        Some("storage") => Ok(true),
        Some("atlas_doc_format" | "view" | "export_view" | "styled_view" | "editor") => Ok(false),
        Some(other) => Err(ApiError::bad_request(format!("Invalid body-format: {other}"))),
    }
}

fn statuses(req: &Request, kind: ContentKind) -> Result<Vec<ContentStatus>, ApiError> {
    let raw = req.list("status");
    if raw.is_empty() {
        return Ok(match kind {
            ContentKind::BlogPost => vec![ContentStatus::Current],
            _ => vec![ContentStatus::Current, ContentStatus::Archived],
        });
    }
    raw.iter()
        .filter(|s| *s != "deleted" && *s != "any")
        .map(|s| ContentStatus::parse(s).ok_or_else(|| ApiError::bad_request(format!("Invalid status: {s}"))))
        .collect()
}

fn sort(req: &Request, items: &mut [&Content]) {
    match req.param("sort") {
        Some("-id") => items.sort_by_key(|c| std::cmp::Reverse(c.id)),
        Some("title") => items.sort_by(|a, b| a.title.cmp(&b.title)),
        Some("-title") => items.sort_by(|a, b| b.title.cmp(&a.title)),
        Some("created-date") => items.sort_by(|a, b| a.created_at.cmp(&b.created_at)),
        Some("-created-date") => items.sort_by(|a, b| b.created_at.cmp(&a.created_at)),
        _ => {}
    }
}

pub fn list_in_space(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let space = super::v2_spaces::readable(w, s, req, id)?;
    let site = &w.sites[s];
    let with_body = wants_body(req)?;
    let statuses = statuses(req, kind)?;
    let title = req.param("title");
    let root_only = match req.param("depth") {
        None | Some("all") => false,
        Some("root") => true,
        Some(other) => return Err(ApiError::bad_request(format!("Invalid depth: {other}"))),
    };
    let keep = |site: &Site, c: &Content| {
        statuses.contains(&c.status)
            && title.is_none_or(|t| t == c.title)
            && (!root_only || c.parent_id.is_none())
            && site.can_read_content(c, req.caller.as_deref())
    };
    if req.param("sort").is_none() {
        // In id order, one page at a time from the space's index: a list of a 50,000-page
        // space costs each answer its own page, not a pass over the whole site.
        let space_id = space.id;
        w.sites[s].build_index();
        let site = &w.sites[s];
        let items = site
            .space_contents_from(space_id, kind, super::pagination::first_after(req)?)
            .filter(|c| keep(site, c))
            .map(|c| (c.id, c));
        return super::pagination::v2_keyset_page(req, items, 25, |c| render::content(site, c, with_body));
    }
    let mut items: Vec<&Content> = site
        .contents
        .values()
        .filter(|c| c.space_id == space.id && c.kind == kind && keep(site, c))
        .collect();
    sort(req, &mut items);
    v2_page(req, &items, 25, |c| render::content(site, c, with_body))
}

pub fn list(req: &Request, w: &mut World, s: usize, kind: ContentKind) -> ApiResult {
    let site = &w.sites[s];
    let with_body = wants_body(req)?;
    let statuses = statuses(req, kind)?;
    let ids = req.list("id");
    let spaces = req.list("space-id");
    let title = req.param("title");
    let mut items: Vec<&Content> = site
        .contents
        .values()
        .filter(|c| c.kind == kind && statuses.contains(&c.status))
        .filter(|c| ids.is_empty() || ids.contains(&c.id.to_string()))
        .filter(|c| spaces.is_empty() || spaces.contains(&c.space_id.to_string()))
        .filter(|c| title.is_none_or(|t| t == c.title))
        .filter(|c| site.can_read_content(c, req.caller.as_deref()))
        .collect();
    sort(req, &mut items);
    v2_page(req, &items, 25, |c| render::content(site, c, with_body))
}

pub fn get(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let mut v = render::content(site, c, wants_body(req)?);
    if kind == ContentKind::Folder
        && let Some(o) = v.as_object_mut()
    {
        o.remove("lastOwnerId");
    }
    if req.param("include-labels") == Some("true") {
        v["labels"] = json!({"results": c.labels.iter().map(render::label).collect::<Vec<_>>(),
                             "meta": {"hasMore": false}, "_links": {}});
    }
    if req.param("include-properties") == Some("true") {
        v["properties"] = json!({"results": c.properties.iter().map(render::property).collect::<Vec<_>>(),
                                 "meta": {"hasMore": false}, "_links": {}});
    }
    if req.param("include-likes") == Some("true") {
        v["likes"] = json!({"results": c.likes.iter().map(|a| json!({"accountId": a})).collect::<Vec<_>>(),
                            "meta": {"hasMore": false}, "_links": {}});
    }
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::ok(v))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateIn {
    space_id: Value,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    parent_id: Option<Value>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    created_at: Option<String>,
}

pub fn id_value(v: &Value, what: &str) -> Result<u64, ApiError> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .ok_or_else(|| ApiError::bad_request(format!("{what} must be a numeric id")))
}

pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

pub fn create(req: &Request, w: &mut World, s: usize, kind: ContentKind) -> ApiResult {
    use super::content_create::{NewContent, Placement};
    let caller = req.caller()?.to_string();
    let input: CreateIn = req.json()?;
    let space_id = id_value(&input.space_id, "spaceId")?;
    let placement = match &input.parent_id {
        Some(p) if !p.is_null() && kind != ContentKind::BlogPost => {
            Placement::Under(id_value(p, "parentId")?)
        }
        _ if req.param("root-level") == Some("true") => Placement::Root,
        _ => Placement::Homepage,
    };
    let new = NewContent {
        kind,
        space_id,
        status: input.status,
        title: input.title.unwrap_or_default(),
        placement,
        body: storage(input.body, Forms::FlatOrNested)?.unwrap_or_default(),
        created_at: input.created_at,
        properties: Vec::new(),
        labels: Vec::new(),
    };
    let site = &mut w.sites[s];
    let id = super::content_create::create(site, &caller, new)?;
    let mut v = render::content(site, &site.contents[&id], true);
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::ok(v))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionIn {
    number: u32,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateIn {
    #[serde(default)]
    status: Option<String>,
    title: String,
    #[serde(default)]
    parent_id: Option<Value>,
    #[serde(default)]
    body: Option<Value>,
    version: VersionIn,
}

pub fn update(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let caller = req.caller()?.to_string();
    let current = readable(w, s, req, id, kind)?.clone();
    let input: UpdateIn = req.json()?;
    let site = &mut w.sites[s];
    if !site.can_update_content(&current, Some(&caller)) {
        return Err(ApiError::forbidden("User not permitted to update this content"));
    }
    let expected = current.current().number + 1;
    if input.version.number != expected {
        return Err(ApiError::new(
            409,
            format!("Version must be incremented when updating a page. Current Version: [{}]", expected - 1),
        ));
    }
    let status = match input.status.as_deref() {
        None => current.status,
        Some(s) => match ContentStatus::parse(s) {
            Some(st @ (ContentStatus::Current | ContentStatus::Archived | ContentStatus::Draft)) => st,
            _ => return Err(ApiError::bad_request(format!("Invalid status: {s}"))),
        },
    };
    if input.title.trim().is_empty() {
        return Err(ApiError::bad_request("Title is required"));
    }
    if site.title_taken(current.space_id, &input.title, kind, Some(current.id)) {
        return Err(ApiError::bad_request(
            "A page with this title already exists: A page already exists with the same TITLE in this space",
        ));
    }
    let parent_id = match &input.parent_id {
        Some(p) if !p.is_null() && kind != ContentKind::BlogPost => {
            let p = id_value(p, "parentId")?;
            if !site
                .contents
                .get(&p)
                .is_some_and(|c| c.space_id == current.space_id && c.kind != ContentKind::BlogPost)
                || p == current.id
            {
                return Err(ApiError::bad_request("parentId is not a page or folder of this space"));
            }
            Some(p)
        }
        _ => current.parent_id,
    };
    let body = match storage(input.body, Forms::FlatOrNested)? {
        Some(b) => Body::text(b),
        None => current.current().body.clone(),
    };
    site.edit_content(current.id, |c| {
        c.title = input.title;
        c.status = status;
        c.parent_id = parent_id;
        c.versions.push(Version {
            number: expected,
            created_at: now(),
            author_id: caller,
            message: input.version.message.unwrap_or_default(),
            minor_edit: false,
            body,
        });
    })
    .ok_or_else(ApiError::not_found)?;
    let c = &site.contents[&current.id];
    let mut v = render::content(site, c, true);
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::ok(v))
}

pub fn delete(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let caller = req.caller()?.to_string();
    let c = readable(w, s, req, id, kind)?.clone();
    let site = &mut w.sites[s];
    let space = &site.spaces[&c.space_id];
    if !site.can_update_content(&c, Some(&caller))
        || !site.space_allows(space, Some(&caller), "delete", "page") && c.author_id != caller
    {
        return Err(ApiError::forbidden("User not permitted to delete this content"));
    }
    if c.status == ContentStatus::Trashed && req.param("purge") == Some("true") {
        site.remove_content(c.id);
    } else {
        site.edit_content(c.id, |x| x.status = ContentStatus::Trashed);
    }
    Ok(Reply::empty(204))
}

fn children_of<'a>(site: &'a Site, parent: u64, caller: Option<&str>) -> Vec<&'a Content> {
    let mut v: Vec<&Content> = site
        .contents
        .values()
        .filter(|c| c.parent_id == Some(parent))
        .filter(|c| matches!(c.status, ContentStatus::Current | ContentStatus::Archived))
        .filter(|c| site.can_read_content(c, caller))
        .collect();
    v.sort_by_key(|c| (c.position, c.id));
    v
}

pub fn children(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let parent = readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let kids = children_of(site, parent.id, req.caller.as_deref());
    v2_page(req, &kids, 25, |c| {
        json!({"id": c.id.to_string(), "status": c.status.as_str(), "title": c.title,
               "type": c.kind.as_str(), "spaceId": c.space_id.to_string(), "childPosition": c.position})
    })
}

pub fn descendants(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let root = readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let max_depth: usize = match req.param("depth") {
        None => 5,
        Some(d) => d
            .parse()
            .ok()
            .filter(|d| (1..=10).contains(d))
            .ok_or_else(|| ApiError::bad_request("depth must be between 1 and 10"))?,
    };
    let mut out: Vec<(&Content, usize)> = Vec::new();
    let mut frontier = vec![root.id];
    for depth in 1..=max_depth {
        let mut next = Vec::new();
        for p in frontier {
            for c in children_of(site, p, req.caller.as_deref()) {
                out.push((c, depth));
                next.push(c.id);
            }
        }
        frontier = next;
    }
    v2_page(req, &out, 25, |(c, depth)| {
        json!({"id": c.id.to_string(), "status": c.status.as_str(), "title": c.title,
               "type": c.kind.as_str(), "parentId": c.parent_id.map(|p| p.to_string()),
               "depth": depth, "childPosition": c.position})
    })
}

pub fn ancestors(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let mut chain = Vec::new();
    let mut p = c.parent_id;
    while let Some(pid) = p {
        let Some(parent) = site.contents.get(&pid) else { break };
        chain.push(json!({"id": pid.to_string(), "type": parent.kind.as_str()}));
        p = parent.parent_id;
        if chain.len() > 1000 {
            break;
        }
    }
    chain.reverse();
    let (offset, limit) = v2_window(req, 25)?;
    let end = (offset + limit).min(chain.len());
    let page = chain.get(offset.min(chain.len())..end).unwrap_or_default().to_vec();
    Ok(v2_reply(req, page, (end < chain.len()).then_some(end)))
}

pub fn labels(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    let prefixes = req.list("prefix");
    let labels: Vec<&Label> =
        c.labels.iter().filter(|l| prefixes.is_empty() || prefixes.contains(&l.prefix)).collect();
    v2_page(req, &labels, 25, |l| render::label(l))
}

pub fn likes_count(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    Ok(Reply::ok(json!({"count": c.likes.len()})))
}

pub fn likes_users(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    v2_page(req, &c.likes, 25, |a| json!({"accountId": a}))
}

pub fn versions(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    let with_body = wants_body(req)?;
    let mut versions: Vec<&Version> = c.versions.iter().collect();
    versions.reverse();
    let key = if kind == ContentKind::BlogPost { "blogpost" } else { "page" };
    v2_page(req, &versions, 25, |v| {
        let mut x = render::version(v);
        let mut inner = json!({"id": c.id.to_string(), "title": c.title});
        if with_body {
            inner["body"] =
                json!({"storage": {"representation": "storage", "value": &*render::body_text(&v.body)}});
        }
        x[key] = inner;
        x
    })
}
