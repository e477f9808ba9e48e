//! Who is calling: Basic `email:token` on the site URL, Basic or Bearer through the
//! `/ex/confluence/{cloudId}` gateway, Bearer organization API keys on the admin API.

use base64::Engine;

use super::reply::ApiError;
use crate::model::World;

/// The account behind the request's credentials; 401 when missing or wrong, 403 when the
/// account has no Confluence access on the site.
pub fn site_caller(
    world: &World,
    site: usize,
    headers: &hyper::HeaderMap,
    gateway: bool,
) -> Result<String, ApiError> {
    let unauthorized = || ApiError::new(401, "Unauthorized; scope does not match");
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::new(401, "Unauthorized"))?;
    let account = if let Some(encoded) = strip_scheme(value, "basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(unauthorized)?;
        let (email, token) = decoded.split_once(':').ok_or_else(unauthorized)?;
        world.account_by_basic(email, token)
    } else if let Some(token) = strip_scheme(value, "bearer") {
        if !gateway {
            return Err(unauthorized());
        }
        world.account_by_token(token.trim())
    } else {
        None
    };
    let account = account.ok_or_else(unauthorized)?;
    let s = &world.sites[site];
    if !s.has_access(&account.account_id) {
        return Err(ApiError::forbidden("Current user not permitted to use Confluence"));
    }
    Ok(account.account_id.clone())
}

/// The organization id whose API key the request carries.
pub fn org_caller(world: &World, headers: &hyper::HeaderMap) -> Result<String, ApiError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| strip_scheme(v, "bearer"))
        .and_then(|k| world.org_by_key(k.trim()))
        .map(|o| o.id.clone())
        .ok_or_else(|| ApiError::new(401, "Unauthorized"))
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then_some(rest)
}
