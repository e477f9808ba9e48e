//! v2 users-bulk, admin key, invite by email; and the tenant info endpoint.

use serde::Deserialize;
use serde_json::json;

use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::World;

pub fn tenant_info(w: &World, s: usize) -> ApiResult {
    Ok(Reply::ok(json!({"cloudId": w.sites[s].cloud_id})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkIn {
    account_ids: Vec<String>,
}

pub fn users_bulk(req: &Request, w: &mut World, _s: usize) -> ApiResult {
    let input: BulkIn = req.json()?;
    // The v2 spec: `accountIds` holds 1 to 250 ids (v1 `/user/bulk` is the one capped at 100).
    if input.account_ids.is_empty() || input.account_ids.len() > 250 {
        return Err(ApiError::bad_request("accountIds must hold 1 to 250 ids"));
    }
    let results: Vec<_> =
        input.account_ids.iter().filter_map(|id| w.accounts.get(id)).map(render::user_v2).collect();
    let count = results.len();
    let body = json!({"_links": {"base": format!("{}/wiki", req.base_url)}});
    Ok(Reply::list(super::pagination::with_results(body, results), count))
}

pub fn admin_key(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?;
    if !w.sites[s].is_product_admin(caller) {
        return Err(ApiError::forbidden("Only Confluence administrators can use an admin key"));
    }
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(10))
        .unwrap_or_else(|_| jiff::Timestamp::now());
    Ok(Reply::ok(json!({"accountId": caller, "expirationTime": expires.to_string()})))
}

#[derive(Deserialize)]
struct InviteIn {
    email: String,
}

/// Gives the account with this email Confluence access (experimental endpoint).
pub fn invite(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?.to_string();
    let input: InviteIn = req.json()?;
    if !w.sites[s].is_site_admin(&caller) {
        return Err(ApiError::forbidden("Only site admins can invite users"));
    }
    let account = w
        .accounts
        .values()
        .find(|a| a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&input.email)))
        .map(|a| a.account_id.clone())
        .ok_or_else(|| ApiError::bad_request("The sandbox can only invite existing accounts"))?;
    let site = &mut w.sites[s];
    site.check_user_limit(&account).map_err(|m| ApiError::new(400, m))?;
    site.access.insert(account);
    Ok(Reply::empty(200))
}
