//! v2 spaces: list, get, permissions, labels, properties, role mode.

use serde_json::json;

use super::pagination::v2_page;
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::{Space, World};

/// The space with this id if the caller may read it, else 404.
pub fn readable<'a>(w: &'a World, s: usize, req: &Request, id: &str) -> Result<&'a Space, ApiError> {
    let site = &w.sites[s];
    site.spaces
        .get(&Request::id(id)?)
        .filter(|sp| site.can_read_space(sp, req.caller.as_deref()))
        .ok_or_else(ApiError::not_found)
}

pub fn list(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let site = &w.sites[s];
    let ids = req.list("ids");
    let keys = req.list("keys");
    let types = req.list("type");
    let statuses = req.list("status");
    let labels = req.list("labels");
    let mut spaces: Vec<&Space> = site
        .spaces
        .values()
        .filter(|sp| site.can_read_space(sp, req.caller.as_deref()))
        .filter(|sp| ids.is_empty() || ids.contains(&sp.id.to_string()))
        .filter(|sp| keys.is_empty() || keys.contains(&sp.key))
        .filter(|sp| types.is_empty() || types.iter().any(|t| t == sp.kind.as_str()))
        .filter(|sp| statuses.is_empty() || statuses.iter().any(|t| t == sp.status.as_str()))
        .filter(|sp| labels.is_empty() || sp.labels.iter().any(|l| labels.contains(&l.name)))
        .collect();
    match req.param("sort") {
        Some("key") => spaces.sort_by(|a, b| a.key.cmp(&b.key)),
        Some("-key") => spaces.sort_by(|a, b| b.key.cmp(&a.key)),
        Some("name") => spaces.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("-name") => spaces.sort_by(|a, b| b.name.cmp(&a.name)),
        Some("-id") => spaces.reverse(),
        _ => {}
    }
    let describe = req.param("description-format").is_some();
    v2_page(req, &spaces, 25, |sp| render::space(sp, describe))
}

/// How many labels or permissions a space read includes (`include-labels`, `include-permissions`).
const INCLUDED: usize = 50;

pub fn get(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let sp = readable(w, s, req, id)?;
    let mut v = render::space(sp, req.param("description-format").is_some());
    // Confluence includes the first INCLUDED of each, and says whether there are more.
    if req.param("include-labels") == Some("true") {
        v["labels"] = json!({"results": sp.labels.iter().take(INCLUDED).map(render::label).collect::<Vec<_>>(),
                             "meta": {"hasMore": sp.labels.len() > INCLUDED}, "_links": {}});
    }
    if req.param("include-permissions") == Some("true") {
        v["permissions"] = json!({"results": sp.permissions.iter().take(INCLUDED).map(render::space_permission).collect::<Vec<_>>(),
                                  "meta": {"hasMore": sp.permissions.len() > INCLUDED}, "_links": {}});
    }
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::ok(v))
}

pub fn permissions(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let sp = readable(w, s, req, id)?;
    v2_page(req, &sp.permissions, 25, render::space_permission)
}

pub fn labels(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let sp = readable(w, s, req, id)?;
    v2_page(req, &sp.labels, 25, render::label)
}

pub fn role_mode() -> ApiResult {
    Ok(Reply::ok(json!({"mode": "PRE_ROLES"})))
}
