//! Site-wide and expanded listings that let a client read a large space in one request per
//! 250 items: every footer or inline comment (v2), every attachment (v2), v1 content of a space
//! with its restrictions expanded, and the admin API's workspace search with plan and licence use.

use serde_json::{Value, json};

use super::pagination::{v1_page, v2_page};
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::sandbox::model::*;

/// `GET /wiki/api/v2/footer-comments` and `/inline-comments`: roots and replies the caller can read.
pub fn all_comments(req: &Request, w: &mut World, s: usize, kind: CommentKind) -> ApiResult {
    let site = &w.sites[s];
    let caller = req.caller.as_deref();
    let items: Vec<&Comment> = site
        .comments
        .values()
        .filter(|c| c.kind == kind && c.status == ContentStatus::Current)
        .filter(|c| site.contents.get(&c.container_id).is_some_and(|x| site.can_read_content(x, caller)))
        .collect();
    let body = req.param("body-format") == Some("storage");
    v2_page(req, &items, 25, |c| render::comment(site, c, body, false))
}

/// Whether the request uses a product admin's admin key (`Atl-Confluence-With-Admin-Key: true`),
/// which lets admins see content that page restrictions hide.
fn admin_key(req: &Request, site: &Site) -> bool {
    req.header("atl-confluence-with-admin-key").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        && req.caller.as_deref().is_some_and(|c| site.is_product_admin(c))
}

/// Read access as the request has it: restrictions, unless an admin key lifts them.
fn can_read(req: &Request, site: &Site, content: &Content) -> bool {
    if admin_key(req, site) {
        site.spaces.get(&content.space_id).is_some_and(|space| {
            site.can_read_space(space, req.caller.as_deref())
                || site.is_product_admin(req.caller.as_deref().unwrap_or(""))
        })
    } else {
        site.can_read_content(content, req.caller.as_deref())
    }
}

/// `GET /wiki/api/v2/attachments`: every attachment the caller can read.
pub fn all_attachments(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let site = &w.sites[s];
    let items: Vec<&Attachment> = site
        .attachments
        .values()
        .filter(|a| site.contents.get(&a.container_id).is_some_and(|x| can_read(req, site, x)))
        .collect();
    v2_page(req, &items, 50, |a| render::attachment(site, a))
}

/// `GET /wiki/rest/api/content?spaceKey=&type=page|blogpost[&expand=restrictions...]`.
pub fn content_list(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let site = &w.sites[s];
    let kind = match req.param("type").unwrap_or("page") {
        "page" => ContentKind::Page,
        "blogpost" => ContentKind::BlogPost,
        other => return Err(ApiError::bad_request(format!("Unsupported content type: {other}"))),
    };
    let space = match req.param("spaceKey") {
        Some(key) => Some(
            site.space_by_key(key)
                .ok_or_else(|| ApiError::new(404, format!("No space with key : {key}")))?
                .id,
        ),
        None => None,
    };
    let expand = req.param("expand").unwrap_or("");
    let with_restrictions = expand.split(',').any(|e| e.trim().starts_with("restrictions"));
    let with_labels = expand.split(',').any(|e| e.trim() == "metadata.labels");
    let items: Vec<&Content> = site
        .contents
        .values()
        .filter(|c| c.kind == kind && c.status == ContentStatus::Current)
        .filter(|c| space.is_none_or(|id| c.space_id == id))
        .filter(|c| can_read(req, site, c))
        .collect();
    v1_page(req, &items, 25, |c| {
        let mut v = json!({
            "id": c.id.to_string(),
            "type": if kind == ContentKind::Page { "page" } else { "blogpost" },
            "status": "current",
            "title": c.title,
            "_links": {"self": format!("{}/wiki/rest/api/content/{}", req.base_url, c.id)},
        });
        if with_restrictions {
            let restrictions = super::v1_content::restrictions_v1(w, s, c, &req.base_url);
            let by_op: serde_json::Map<String, Value> = restrictions["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| Some((r["operation"].as_str()?.to_string(), r.clone())))
                .collect();
            v["restrictions"] = Value::Object(by_op);
        }
        if with_labels {
            let labels: Vec<Value> = c.labels.iter().map(super::v1_content::label_v1).collect();
            v["metadata"] =
                json!({"labels": {"results": labels, "start": 0, "limit": 200, "size": labels.len()}});
        }
        v
    })
}

/// `POST /admin/v2/orgs/{orgId}/workspaces`: the organization's Confluence sites, each with its
/// plan (an entitlement) and licence use (`usage`/`capacity`).
pub fn workspaces(req: &Request, w: &mut World, org_id: &str) -> ApiResult {
    let caller_org = super::auth::org_caller(w, &req.headers)?;
    if caller_org != org_id {
        return Err(ApiError::new(404, "Not Found"));
    }
    let data: Vec<Value> = w
        .sites
        .iter()
        .filter(|site| site.org_id == org_id)
        .map(|site| {
            json!({
                "id": site.cloud_id,
                "type": "workspaces",
                "attributes": {
                    "name": site.name,
                    "typeKey": if site.confluence { "confluence" } else { "jira-software" },
                    "type": if site.confluence { "confluence" } else { "jira-software" },
                    "owner": org_id,
                    "status": "online",
                    "statusDetails": [],
                    "icons": {},
                    "avatars": {},
                    "labels": [],
                    "sandbox": {"type": "NONE"},
                    "usage": site.access_count(),
                    "capacity": site.plan.user_limit(),
                    "createdAt": null,
                    "createdBy": null,
                    "updatedAt": null,
                    "hostUrl": format!("https://{}.atlassian.net", site.name),
                    "realm": "us",
                    "regions": ["us"],
                },
                "links": {"self": format!("/admin/v2/orgs/{org_id}/workspaces/{}", site.cloud_id)},
                "relationships": {
                    "entitlements": if site.confluence {
                        json!([{
                            "id": format!("{}-confluence", site.cloud_id),
                            "type": "entitlements",
                            "attributes": {"key": "confluence", "planKey": site.plan.as_str(), "plan": site.plan.as_str()},
                        }])
                    } else {
                        json!([])
                    },
                },
            })
        })
        .collect();
    let count = data.len();
    Ok(Reply::list(
        json!({"data": data, "links": {}, "meta": {"pageSize": count, "startIndex": 0, "endIndex": count}}),
        count,
    ))
}
