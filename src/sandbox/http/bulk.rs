//! Site-wide and expanded listings that let a client read a large space in one request per
//! 250 items: every footer or inline comment (v2), every attachment (v2), v1 content of a space
//! with its restrictions expanded, and the admin API's workspace search with plan and licence use.

use serde_json::{Value, json};

use super::pagination::{v1_page, v2_page, with_results};
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

/// `GET /wiki/rest/api/content?spaceKey=&type=page|blogpost[&status=][&expand=...]`: pages or blog
/// posts of a space (or of the site, without `spaceKey`) the caller can read. `status` is a comma
/// list of `current`, `archived`, `draft`, `trashed` or `any` (default `current`). Expansions follow
/// the v1 content schema: `restrictions.*`, `metadata.labels`, `body.storage` (`body.storage.value`),
/// `version` (`version.by.accountId`), `history` (`history.createdBy.accountId`), `ancestors`
/// (`ancestors[].id`, root first) and `space` (`space.id`, `space.key`).
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
    let statuses = v1_statuses(req)?;
    let expand: Vec<&str> = req.param("expand").unwrap_or("").split(',').map(str::trim).collect();
    let expands = |name: &str| {
        expand.iter().any(|e| *e == name || e.strip_prefix(name).is_some_and(|rest| rest.starts_with('.')))
    };
    let with_restrictions = expands("restrictions");
    let with_labels = expand.contains(&"metadata.labels");
    let with_body = expand.contains(&"body.storage");
    let with_version = expands("version");
    let with_history = expands("history");
    let with_ancestors = expands("ancestors");
    let with_space = expands("space");
    let items: Vec<&Content> = site
        .contents
        .values()
        .filter(|c| c.kind == kind && statuses.contains(&c.status))
        .filter(|c| space.is_none_or(|id| c.space_id == id))
        .filter(|c| can_read(req, site, c))
        .collect();
    let person = |account_id: &str| match w.accounts.get(account_id) {
        Some(account) => render::user_v1(account),
        None => json!({"type": "known", "accountId": account_id}),
    };
    v1_page(req, &items, 25, |c| {
        let mut v = json!({
            "id": c.id.to_string(),
            "type": if kind == ContentKind::Page { "page" } else { "blogpost" },
            "status": c.status.as_str(),
            "title": c.title,
            "_links": {"self": format!("{}/wiki/rest/api/content/{}", req.base_url, c.id)},
        });
        if with_restrictions {
            v["restrictions"] = restrictions_by_operation(w, s, c, &req.base_url);
        }
        if with_labels {
            let labels: Vec<Value> = c.labels.iter().map(super::v1_content::label_v1).collect();
            let page = json!({"start": 0, "limit": 200, "size": labels.len()});
            v["metadata"] = json!({});
            v["metadata"]["labels"] = with_results(page, labels);
        }
        if with_body {
            let value = render::body_text(&c.current().body);
            v["body"] = json!({"storage": {"value": &*value, "representation": "storage"}});
        }
        if with_version {
            let version = c.current();
            v["version"] = json!({
                "when": version.created_at,
                "message": version.message,
                "number": version.number,
                "minorEdit": version.minor_edit,
            });
            v["version"]["by"] = person(&version.author_id);
        }
        if with_history {
            v["history"] = json!({"latest": true, "createdDate": c.created_at});
            v["history"]["createdBy"] = person(&c.author_id);
        }
        if with_ancestors {
            let mut chain = ancestors(site, c);
            if expands("ancestors.restrictions") {
                for ancestor in &mut chain {
                    let found = ancestor["id"]
                        .as_str()
                        .and_then(|id| id.parse().ok())
                        .and_then(|id: u64| site.contents.get(&id));
                    if let Some(a) = found {
                        ancestor["restrictions"] = restrictions_by_operation(w, s, a, &req.base_url);
                    }
                }
            }
            v["ancestors"] = Value::Array(chain);
        }
        if with_space && let Some(sp) = site.spaces.get(&c.space_id) {
            v["space"] = json!({"id": sp.id, "key": sp.key, "name": sp.name});
        }
        v
    })
}

/// v1 `restrictions` of content, keyed by operation (`read`, `update`).
fn restrictions_by_operation(w: &World, s: usize, c: &Content, base: &str) -> Value {
    use super::v1_content::restriction_v1;
    Value::Object(serde_json::Map::from_iter([
        ("read".to_string(), restriction_v1(w, s, c, "read", &c.restrictions.read, base)),
        ("update".to_string(), restriction_v1(w, s, c, "update", &c.restrictions.update, base)),
    ]))
}

/// The v1 `status` filter: a comma list, `any` for every status; `current` when absent.
fn v1_statuses(req: &Request) -> Result<Vec<ContentStatus>, ApiError> {
    let raw = req.list("status");
    if raw.is_empty() {
        return Ok(vec![ContentStatus::Current]);
    }
    if raw.iter().any(|s| s == "any") {
        return Ok(vec![
            ContentStatus::Current,
            ContentStatus::Archived,
            ContentStatus::Draft,
            ContentStatus::Trashed,
        ]);
    }
    raw.iter()
        .map(|s| ContentStatus::parse(s).ok_or_else(|| ApiError::bad_request(format!("Invalid status: {s}"))))
        .collect()
}

/// v1 `ancestors`: the parent chain from the root down to the direct parent.
fn ancestors(site: &Site, content: &Content) -> Vec<Value> {
    let mut chain = Vec::new();
    let mut parent = content.parent_id;
    while let Some(id) = parent.filter(|_| chain.len() < 1000) {
        let Some(p) = site.contents.get(&id) else { break };
        let kind = match p.kind {
            ContentKind::Folder => "folder",
            ContentKind::BlogPost => "blogpost",
            _ => "page",
        };
        chain.push(
            json!({"id": p.id.to_string(), "type": kind, "status": p.status.as_str(), "title": p.title}),
        );
        parent = p.parent_id;
    }
    chain.reverse();
    chain
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
