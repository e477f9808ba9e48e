//! v2 `PUT /footer-comments/{id}` and `PUT /inline-comments/{id}`: a new version of a comment's
//! body (version number = current + 1, else 409) and, for inline comments, `resolved`.

use serde::Deserialize;

use super::body_write::{Forms, storage};
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::*;

#[derive(Deserialize)]
struct VersionIn {
    number: u32,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct UpdateIn {
    version: VersionIn,
    body: serde_json::Value,
    #[serde(default)]
    resolved: Option<bool>,
}

pub fn update(req: &Request, w: &mut World, s: usize, id: &str, kind: CommentKind) -> ApiResult {
    let caller = req.caller()?.to_string();
    let input: UpdateIn = req.json()?;
    let text = storage(Some(input.body), Forms::FlatOrNested)?.unwrap_or_default();
    let id = Request::id(id)?;
    let site = &mut w.sites[s];
    let comment = site.comments.get(&id).filter(|c| c.kind == kind).ok_or_else(ApiError::not_found)?;
    let readable =
        site.contents.get(&comment.container_id).is_some_and(|c| site.can_read_content(c, Some(&caller)));
    if !readable {
        return Err(ApiError::not_found());
    }
    let current = comment.versions.last().map_or(0, |v| v.number);
    if input.version.number != current + 1 {
        return Err(ApiError::new(
            409,
            format!("Version must be incremented when updating a comment. Current Version: [{current}]"),
        ));
    }
    if input.resolved.is_some() && (kind != CommentKind::Inline || comment.parent_comment_id.is_some()) {
        return Err(ApiError::bad_request("only inline root comments can be resolved"));
    }
    let at = jiff::Timestamp::now().to_string();
    let Some(comment) = site.comments.get_mut(&id) else { return Err(ApiError::not_found()) };
    comment.versions.push(Version {
        number: current + 1,
        created_at: at,
        author_id: caller,
        message: input.version.message.unwrap_or_default(),
        minor_edit: false,
        body: Body::text(text),
    });
    if let Some(resolved) = input.resolved {
        comment.resolution_status =
            Some(if resolved { ResolutionStatus::Resolved } else { ResolutionStatus::Reopened });
    }
    let site = &w.sites[s];
    let comment = &site.comments[&id];
    Ok(Reply::ok(render::comment(site, comment, true, true)))
}
