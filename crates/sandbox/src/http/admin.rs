//! The organization admin API (`/admin/v1/orgs/...`, bearer organization API key): orgs,
//! users with product access, groups across the org's sites, memberships, product access.
//!
//! `groups`, `groups/{id}/members` and `users/{accountId}/product-access` are sandbox
//! simplifications documented in `docs/sandbox.md`; the rest follows the 2023 admin spec.

use serde::Deserialize;
use serde_json::{Value, json};

use super::auth;
use super::pagination::v2_window;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::World;

pub fn dispatch(req: &Request, w: &mut World, _s: usize, m: &str, segs: &[&str]) -> ApiResult {
    let org = auth::org_caller(w, &req.headers)?;
    match (m, segs) {
        ("GET", ["orgs"]) => {
            let o = w.orgs.iter().find(|o| o.id == org).ok_or_else(ApiError::not_found)?;
            Ok(Reply::list(json!({"data": [org_json(o)], "links": {}}), 1))
        }
        (_, ["orgs", id, ..]) if *id != org => Err(ApiError::not_found()),
        ("GET", ["orgs", _]) => {
            let o = w.orgs.iter().find(|o| o.id == org).ok_or_else(ApiError::not_found)?;
            Ok(Reply::ok(json!({"data": org_json(o)})))
        }
        ("GET", ["orgs", _, "users"]) => users(req, w, &org),
        ("GET", ["orgs", _, "groups"]) => groups(w, &org),
        ("GET", ["orgs", _, "groups", group, "members"]) => members(w, &org, group),
        ("POST", ["orgs", _, "directory", "groups", group, "memberships"]) => add_member(req, w, &org, group),
        ("POST", ["orgs", _, "users", account, "product-access"]) => grant(req, w, &org, account),
        ("POST", ["orgs", _, "directory", "groups"]) => create_group(req, w, &org),
        _ => Err(ApiError::not_found()),
    }
}

fn org_json(o: &crate::model::Organization) -> Value {
    json!({"id": o.id, "type": "orgs", "attributes": {"name": o.name},
           "relationships": {"domains": {"links": {"related": format!("/admin/v1/orgs/{}/domains", o.id)}}},
           "links": {"self": format!("/admin/v1/orgs/{}", o.id)}})
}

fn users(req: &Request, w: &World, org: &str) -> ApiResult {
    let sites: Vec<_> = w.sites.iter().filter(|s| s.org_id == org).collect();
    let admins = w.orgs.iter().find(|o| o.id == org).map(|o| o.admins.clone()).unwrap_or_default();
    let members: Vec<Value> = w
        .accounts
        .values()
        .filter(|a| admins.contains(&a.account_id) || sites.iter().any(|s| s.has_access(&a.account_id) || s.groups.iter().any(|g| g.members.contains(&a.account_id))))
        .map(|a| {
            let access: Vec<Value> = sites
                .iter()
                .filter(|s| s.has_access(&a.account_id))
                .map(|s| json!({"key": "confluence", "name": "Confluence", "url": format!("https://{}.atlassian.net/wiki", s.name)}))
                .collect();
            let mut v = json!({
                "account_id": a.account_id, "account_type": "atlassian", "account_status": a.status.as_str(),
                "name": a.public_name(), "picture": "https://avatar.example.test/default.png",
                "access_billable": !access.is_empty(), "product_access": access,
                "links": {"self": format!("/users/{}/manage/profile", a.account_id)},
            });
            if let Some(e) = &a.email {
                v["email"] = e.clone().into();
            }
            v
        })
        .collect();
    let (offset, limit) = v2_window(req, 100)?;
    let end = (offset + limit).min(members.len());
    let mut links = json!({"self": req.path});
    if end < members.len() {
        links["next"] = format!("{}?cursor={}", req.path, next_cursor(end)).into();
    }
    let total = members.len();
    let data = members.get(offset.min(total)..end).unwrap_or_default().to_vec();
    let count = data.len();
    let mut body = json!({"meta": {"total": total}, "links": links});
    body["data"] = Value::Array(data);
    Ok(Reply::list(body, count))
}

fn next_cursor(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sbx1:{offset}"))
}

fn groups(w: &World, org: &str) -> ApiResult {
    let data: Vec<Value> = w
        .sites
        .iter()
        .filter(|s| s.org_id == org)
        .flat_map(|s| {
            s.groups.iter().map(move |g| {
                json!({"id": g.id, "name": g.name, "site": s.name, "cloud_id": s.cloud_id,
                       "member_count": g.members.len(), "grants_access": g.grants_access})
            })
        })
        .collect();
    let count = data.len();
    Ok(Reply::list(json!({"data": data, "links": {}}), count))
}

fn members(w: &World, org: &str, group: &str) -> ApiResult {
    let g = w
        .sites
        .iter()
        .filter(|s| s.org_id == org)
        .flat_map(|s| s.groups.iter())
        .find(|g| g.id == group)
        .ok_or_else(ApiError::not_found)?;
    let data: Vec<Value> = g.members.iter().map(|m| json!({"account_id": m})).collect();
    let count = data.len();
    Ok(Reply::list(json!({"data": data, "links": {}}), count))
}

#[derive(Deserialize)]
struct MemberIn {
    account_id: String,
}

fn add_member(req: &Request, w: &mut World, org: &str, group: &str) -> ApiResult {
    let input: MemberIn = req.json()?;
    if !w.accounts.contains_key(&input.account_id) {
        return Err(ApiError::bad_request("Unknown account_id"));
    }
    let site = w
        .sites
        .iter_mut()
        .filter(|s| s.org_id == org)
        .find(|s| s.groups.iter().any(|g| g.id == group))
        .ok_or_else(ApiError::not_found)?;
    let index = site.groups.iter().position(|g| g.id == group).ok_or_else(ApiError::not_found)?;
    if site.groups[index].grants_access {
        site.check_user_limit(&input.account_id).map_err(|m| ApiError::new(400, m))?;
    }
    site.groups[index].members.insert(input.account_id);
    Ok(Reply::ok(json!({"message": "Member added"})))
}

#[derive(Deserialize)]
struct GrantIn {
    /// Cloud id or site name.
    site: String,
    #[serde(default = "confluence")]
    product: String,
}

fn confluence() -> String {
    "confluence".into()
}

fn grant(req: &Request, w: &mut World, org: &str, account: &str) -> ApiResult {
    let input: GrantIn = req.json()?;
    if input.product != "confluence" {
        return Err(ApiError::bad_request("The sandbox only knows the confluence product"));
    }
    if !w.accounts.contains_key(account) {
        return Err(ApiError::not_found());
    }
    let site = w
        .sites
        .iter_mut()
        .filter(|s| s.org_id == org)
        .find(|s| s.cloud_id == input.site || s.name == input.site)
        .ok_or_else(|| ApiError::bad_request(format!("No site {} in this organization", input.site)))?;
    site.check_user_limit(account).map_err(|m| ApiError::new(400, m))?;
    site.access.insert(account.to_string());
    Ok(Reply::ok(json!({"message": "Product access granted"})))
}

#[derive(Deserialize)]
struct GroupIn {
    name: String,
    /// Site name or cloud id; all the org's sites when absent.
    #[serde(default)]
    site: Option<String>,
}

/// Creates the group on the org's sites that lack it (sandbox groups live per site).
fn create_group(req: &Request, w: &mut World, org: &str) -> ApiResult {
    let input: GroupIn = req.json()?;
    let name = input.name.trim().to_lowercase();
    if name.is_empty() {
        return Err(ApiError::bad_request("name is required"));
    }
    let mut first = None;
    for site in w.sites.iter_mut().filter(|s| s.org_id == org) {
        if input.site.as_deref().is_some_and(|x| x != site.name && x != site.cloud_id) {
            continue;
        }
        let id = match site.groups.iter().find(|g| g.name == name) {
            Some(g) => g.id.clone(),
            None => {
                let id = crate::seed::group_id_for(&site.name, &format!("{name}#{}", site.next_id));
                site.next_id += 1;
                site.groups.push(crate::model::Group {
                    id: id.clone(),
                    name: name.clone(),
                    members: Default::default(),
                    grants_access: false,
                });
                id
            }
        };
        first.get_or_insert(id);
    }
    let id = first.ok_or_else(|| ApiError::bad_request("No such site in this organization"))?;
    Ok(Reply::json(201, &json!({"groupId": id, "message": "Group created"})))
}
