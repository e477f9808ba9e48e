//! Site-wide and expanded listings that let a client read a large space in one request per
//! 250 items: every footer or inline comment (v2), every attachment (v2), v1 content of a space
//! with its restrictions expanded, and the admin API's workspace search with plan and licence use.

use serde_json::{Value, json};

use super::pagination::{first_after, v1_list_key, v1_page_at, v1_start, v2_keyset_page};
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::*;

/// `GET /wiki/api/v2/footer-comments` and `/inline-comments`: roots and replies the caller can read.
pub fn all_comments(req: &Request, w: &mut World, s: usize, kind: CommentKind) -> ApiResult {
    let site = &w.sites[s];
    let caller = req.caller.as_deref();
    let items = site
        .comments
        .range(first_after(req)?..)
        .filter(|(_, c)| c.kind == kind && c.status == ContentStatus::Current)
        .filter(|(_, c)| site.contents.get(&c.container_id).is_some_and(|x| site.can_read_content(x, caller)))
        .map(|(id, c)| (*id, c));
    let body = req.param("body-format") == Some("storage");
    v2_keyset_page(req, items, 25, |c| render::comment(site, c, body, false))
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
    let items = site
        .attachments
        .range(first_after(req)?..)
        .filter(|(_, a)| site.contents.get(&a.container_id).is_some_and(|x| can_read(req, site, x)))
        .map(|(id, a)| (*id, a));
    v2_keyset_page(req, items, 50, |a| render::attachment(site, a))
}

/// `GET /wiki/rest/api/content?spaceKey=&type=page|blogpost[&title=][&status=][&expand=...]`: pages
/// or blog posts of a space (or of the site, without `spaceKey`) the caller can read, those titled
/// exactly `title` when it is given. `status` is a comma
/// list of `current`, `archived`, `draft`, `trashed` or `any` (default `current`). Expansions follow
/// the v1 content schema: `restrictions.*`, `metadata.labels`, `body.storage` (`body.storage.value`),
/// `version` (`version.by.accountId`), `history` (`history.createdBy.accountId`), `ancestors`
/// (`ancestors[].id`, root first) and `space` (`space.id`, `space.key`).
pub fn content_list(req: &Request, w: &mut World, s: usize) -> ApiResult {
    w.sites[s].build_index();
    let start = v1_start(req)?;
    let key = v1_list_key(req);
    // The page before ended at `start`: this one goes on after its last item.
    let resume = if start > 0 { w.list_positions.resume(s, &key, start) } else { None };
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
    let title = req.param("title");
    let expand = super::v1_item::Expand::parse(req.param("expand"));
    // A space's content from its index: each answer reads up to its own end, not the site.
    let from = resume.map_or(0, |id| id.saturating_add(1));
    let listed: Box<dyn Iterator<Item = &Content>> = match space {
        Some(id) => site.space_contents_from(id, kind, from),
        None => Box::new(site.contents.range(from..).map(|(_, c)| c).filter(move |c| c.kind == kind)),
    };
    let items = listed.filter(|c| {
        statuses.contains(&c.status) && title.is_none_or(|t| t == c.title) && can_read(req, site, c)
    });
    let skip = if resume.is_some() { 0 } else { start };
    let (reply, last) = v1_page_at(req, items.skip(skip), start, 25, |c| {
        super::v1_item::item(w, s, c, &expand, &req.base_url)
    })?;
    if let (Some(last), Some(count)) = (last.map(|c| c.id), reply.items) {
        w.list_positions.remember(s, key, start + count, last);
    }
    Ok(reply)
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
