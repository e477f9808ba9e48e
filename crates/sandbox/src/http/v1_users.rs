//! v1 users and groups, and the Universal Plugin Manager's app list.

use serde::Deserialize;
use serde_json::json;

use super::pagination::v1_page;
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::{Group, World};

pub fn current(req: &Request, w: &mut World, _s: usize) -> ApiResult {
    let caller = req.caller()?;
    let a = w.accounts.get(caller).ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(render::user_v1(a)))
}

pub fn user(req: &Request, w: &mut World, _s: usize) -> ApiResult {
    let id = req.param("accountId").ok_or_else(|| ApiError::bad_request("accountId is required"))?;
    let a = w.accounts.get(id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(render::user_v1(a)))
}

pub fn member_of(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let id = req.param("accountId").ok_or_else(|| ApiError::bad_request("accountId is required"))?;
    if !w.accounts.contains_key(id) {
        return Err(ApiError::not_found());
    }
    let groups: Vec<&Group> = w.sites[s].groups.iter().filter(|g| g.members.contains(id)).collect();
    v1_page(req, &groups, 200, |g| render::group_v1(g))
}

pub fn groups(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let mut groups: Vec<&Group> = w.sites[s].groups.iter().collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    v1_page(req, &groups, 200, |g| render::group_v1(g))
}

pub fn group_by_id(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let id = req.param("id").ok_or_else(|| ApiError::bad_request("id is required"))?;
    let g = w.sites[s].groups.iter().find(|g| g.id == id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(render::group_v1(g)))
}

#[derive(Deserialize)]
struct GroupIn {
    name: String,
}

pub fn create_group(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?.to_string();
    let input: GroupIn = req.json()?;
    let site = &mut w.sites[s];
    if !site.is_site_admin(&caller) {
        return Err(ApiError::forbidden("Only site admins can create groups"));
    }
    let name = input.name.trim().to_lowercase();
    if name.is_empty() || name.len() > 255 {
        return Err(ApiError::bad_request("Group name is required"));
    }
    if site.groups.iter().any(|g| g.name.eq_ignore_ascii_case(&name)) {
        return Err(ApiError::bad_request(format!("A group with name {name} already exists")));
    }
    let group = Group {
        id: crate::seed::group_id_for(&site.name, &format!("{name}#{}", site.next_id)),
        name,
        members: Default::default(),
        grants_access: false,
    };
    site.next_id += 1;
    let v = render::group_v1(&group);
    site.groups.push(group);
    Ok(Reply::json(201, &v))
}

pub fn members(req: &Request, w: &mut World, s: usize, group: &str) -> ApiResult {
    let g = w.sites[s].groups.iter().find(|g| g.id == group).ok_or_else(ApiError::not_found)?;
    let accounts: Vec<_> = g.members.iter().filter_map(|m| w.accounts.get(m)).collect();
    v1_page(req, &accounts, 200, |a| render::user_v1(a))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberIn {
    account_id: String,
}

pub fn add_member(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?.to_string();
    let group = req.param("groupId").ok_or_else(|| ApiError::bad_request("groupId is required"))?.to_string();
    let input: MemberIn = req.json()?;
    if !w.accounts.contains_key(&input.account_id) {
        return Err(ApiError::bad_request(format!("No user with account id {}", input.account_id)));
    }
    let site = &mut w.sites[s];
    if !site.is_site_admin(&caller) {
        return Err(ApiError::forbidden("Only site admins can change group membership"));
    }
    let index = site.groups.iter().position(|g| g.id == group).ok_or_else(ApiError::not_found)?;
    if site.groups[index].grants_access {
        site.check_user_limit(&input.account_id).map_err(|m| ApiError::new(403, m))?;
    }
    site.groups[index].members.insert(input.account_id);
    Ok(Reply::empty(201))
}

pub fn remove_member(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?.to_string();
    let group = req.param("groupId").ok_or_else(|| ApiError::bad_request("groupId is required"))?;
    let account = req.param("accountId").ok_or_else(|| ApiError::bad_request("accountId is required"))?;
    let site = &mut w.sites[s];
    if !site.is_site_admin(&caller) {
        return Err(ApiError::forbidden("Only site admins can change group membership"));
    }
    let g = site.groups.iter_mut().find(|g| g.id == group).ok_or_else(ApiError::not_found)?;
    g.members.remove(account);
    Ok(Reply::empty(204))
}

pub fn plugins(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?;
    let site = &w.sites[s];
    if !site.is_product_admin(caller) {
        return Err(ApiError::forbidden("Only administrators can list apps"));
    }
    let plugins: Vec<_> = site
        .apps
        .iter()
        .map(|a| {
            json!({"key": a.key, "name": a.name, "enabled": a.enabled, "userInstalled": a.user_installed,
                        "links": {"self": format!("/wiki/rest/plugins/1.0/{}-key", a.key)}})
        })
        .collect();
    let count = plugins.len();
    Ok(Reply::list(json!({"plugins": plugins, "links": {"self": "/wiki/rest/plugins/1.0/"}}), count))
}
