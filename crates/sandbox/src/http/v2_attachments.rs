//! v2 attachment metadata: lists per page or blog post, and single attachments.

use super::pagination::v2_page;
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::{Attachment, ContentKind, World};

/// Parses `att123` or `123`.
pub fn attachment_id(segment: &str) -> Result<u64, ApiError> {
    Request::id(segment.strip_prefix("att").unwrap_or(segment))
}

pub fn list(req: &Request, w: &mut World, s: usize, id: &str, kind: ContentKind) -> ApiResult {
    let c = super::v2_content::readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let filename = req.param("filename");
    let media = req.param("mediaType");
    let items: Vec<&Attachment> = site
        .attachments
        .values()
        .filter(|a| a.container_id == c.id)
        .filter(|a| filename.is_none_or(|f| f == a.title))
        .filter(|a| media.is_none_or(|m| m == a.media_type))
        .collect();
    v2_page(req, &items, 50, |a| render::attachment(site, a))
}

pub fn get(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let site = &w.sites[s];
    let a = site
        .attachments
        .get(&attachment_id(id)?)
        .filter(|a| {
            site.contents
                .get(&a.container_id)
                .is_some_and(|c| site.can_read_content(c, req.caller.as_deref()))
        })
        .ok_or_else(ApiError::not_found)?;
    let mut v = render::attachment(site, a);
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::ok(v))
}
