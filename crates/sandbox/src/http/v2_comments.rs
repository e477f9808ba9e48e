//! v2 footer and inline comments: roots per page or blog post, replies, single comments,
//! and creation (inline roots need `inlineCommentProperties`).

use serde::Deserialize;
use serde_json::Value;

use super::body_write::{Forms, storage};
use super::pagination::v2_page;
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::inline_marker;
use crate::model::*;

fn with_body(req: &Request) -> bool {
    req.param("body-format") == Some("storage")
}

fn readable<'a>(
    w: &'a World,
    s: usize,
    req: &Request,
    id: &str,
    kind: CommentKind,
) -> Result<&'a Comment, ApiError> {
    let site = &w.sites[s];
    site.comments
        .get(&Request::id(id)?)
        .filter(|c| c.kind == kind)
        .filter(|c| {
            site.contents
                .get(&c.container_id)
                .is_some_and(|x| site.can_read_content(x, req.caller.as_deref()))
        })
        .ok_or_else(ApiError::not_found)
}

pub fn list(
    req: &Request,
    w: &mut World,
    s: usize,
    id: &str,
    container: ContentKind,
    kind: CommentKind,
) -> ApiResult {
    let c = super::v2_content::readable(w, s, req, id, container)?;
    let site = &w.sites[s];
    let resolution = req.list("resolution-status");
    let items: Vec<&Comment> = site
        .comments
        .values()
        .filter(|x| x.container_id == c.id && x.kind == kind && x.parent_comment_id.is_none())
        .filter(|x| x.status == ContentStatus::Current)
        .filter(|x| {
            resolution.is_empty()
                || x.resolution_status.is_some_and(|r| resolution.iter().any(|q| q == r.as_str()))
        })
        .collect();
    let body = with_body(req);
    v2_page(req, &items, 25, |x| render::comment(site, x, body, false))
}

pub fn children(req: &Request, w: &mut World, s: usize, id: &str, kind: CommentKind) -> ApiResult {
    let parent = readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let items: Vec<&Comment> = site
        .comments
        .values()
        .filter(|x| x.parent_comment_id == Some(parent.id) && x.status == ContentStatus::Current)
        .collect();
    let body = with_body(req);
    v2_page(req, &items, 25, |x| render::comment(site, x, body, false))
}

pub fn get(req: &Request, w: &mut World, s: usize, id: &str, kind: CommentKind) -> ApiResult {
    let c = readable(w, s, req, id, kind)?;
    let site = &w.sites[s];
    let mut v = render::comment(site, c, with_body(req), true);
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::ok(v))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InlineProps {
    text_selection: String,
    #[serde(default)]
    text_selection_match_count: Option<u32>,
    #[serde(default)]
    text_selection_match_index: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateIn {
    #[serde(default)]
    page_id: Option<Value>,
    #[serde(default)]
    blog_post_id: Option<Value>,
    #[serde(default)]
    parent_comment_id: Option<Value>,
    body: Value,
    #[serde(default)]
    inline_comment_properties: Option<InlineProps>,
}

fn id_of(v: &Option<Value>) -> Result<Option<u64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            s.parse().map(Some).map_err(|_| ApiError::bad_request("ids must be numeric"))
        }
        Some(Value::Number(n)) => {
            n.as_u64().map(Some).ok_or_else(|| ApiError::bad_request("ids must be numeric"))
        }
        Some(_) => Err(ApiError::bad_request("ids must be numeric")),
    }
}

pub fn create(req: &Request, w: &mut World, s: usize, kind: CommentKind) -> ApiResult {
    let caller = req.caller()?.to_string();
    let input: CreateIn = req.json()?;
    let text = storage(Some(input.body), Forms::FlatOrNested)?.unwrap_or_default();
    let site = &mut w.sites[s];
    let parent = id_of(&input.parent_comment_id)?;
    let (container, parent) = match (id_of(&input.page_id)?, id_of(&input.blog_post_id)?, parent) {
        (_, _, Some(p)) => {
            let pc = site
                .comments
                .get(&p)
                .filter(|c| c.kind == kind)
                .ok_or_else(|| ApiError::bad_request("parentCommentId does not exist"))?;
            (pc.container_id, Some(pc.parent_comment_id.unwrap_or(p)))
        }
        (Some(p), _, None) | (None, Some(p), None) => (p, None),
        (None, None, None) => {
            return Err(ApiError::bad_request("One of pageId, blogPostId or parentCommentId is required"));
        }
    };
    let content = site
        .contents
        .get(&container)
        .filter(|c| site.can_read_content(c, Some(&caller)))
        .ok_or_else(ApiError::not_found)?;
    let space = &site.spaces[&content.space_id];
    if !site.space_allows(space, Some(&caller), "create", "comment") {
        return Err(ApiError::forbidden("User not permitted to comment in this space"));
    }
    let (marker, selection, resolution, anchored) = match (kind, parent) {
        (CommentKind::Inline, None) => {
            let props = input.inline_comment_properties.ok_or_else(|| {
                ApiError::bad_request("inlineCommentProperties are required for an inline comment")
            })?;
            let body = render::body_text(&content.current().body);
            let matches = inline_marker::occurrences(&body, &props.text_selection)
                .map_err(ApiError::bad_request)? as u32;
            if props.text_selection.is_empty() || matches == 0 {
                return Err(ApiError::bad_request("textSelection was not found in the page"));
            }
            if props.text_selection_match_count.is_some_and(|n| n != matches)
                || props.text_selection_match_index.is_some_and(|i| i >= matches)
            {
                return Err(ApiError::bad_request(
                    "textSelectionMatchCount or textSelectionMatchIndex does not match the page",
                ));
            }
            let h = crate::generate::mix(&[container, site.next_id]);
            let marker =
                format!("{:08x}-{:04x}-4000-8000-{:012x}", h >> 32, h & 0xffff, h >> 16 & 0xffff_ffff_ffff);
            // As Confluence does, the page's body gains the marker around the selected text
            // (in place: anchoring a thread makes no new version of the page).
            let index = props.text_selection_match_index.unwrap_or(0) as usize;
            let anchored = inline_marker::anchor(&body, &props.text_selection, index, &marker)
                .map_err(ApiError::bad_request)?;
            (Some(marker), Some(props.text_selection), Some(ResolutionStatus::Open), Some(anchored))
        }
        (CommentKind::Inline, Some(_)) => (None, None, Some(ResolutionStatus::Open), None),
        _ => (None, None, None, None),
    };
    if let Some(anchored) = anchored {
        site.edit_content(container, |c| {
            if let Some(current) = c.versions.last_mut() {
                current.body = Body::text(anchored);
            }
        })
        .ok_or_else(ApiError::not_found)?;
    }
    let id = site.alloc_id();
    let at = jiff::Timestamp::now().to_string();
    let comment = Comment {
        id,
        kind,
        container_id: container,
        parent_comment_id: parent,
        status: ContentStatus::Current,
        created_at: at.clone(),
        versions: vec![Version {
            number: 1,
            created_at: at,
            author_id: caller,
            message: String::new(),
            minor_edit: false,
            body: Body::text(text),
        }],
        inline_marker_ref: marker,
        inline_original_selection: selection,
        resolution_status: resolution,
        properties: Vec::new(),
    };
    let mut v = render::comment(site, &comment, true, true);
    site.comments.insert(id, comment);
    v["_links"]["base"] = format!("{}/wiki", req.base_url).into();
    Ok(Reply::json(201, &v))
}
