//! Which handler answers which method and path.

use super::reply::{ApiError, ApiResult};
use super::request::Request;
use super::{
    admin, bulk, comment_update, properties, v1_content, v1_create, v1_space, v1_users, v2_attachments,
    v2_comments, v2_content, v2_spaces, v2_users,
};
use crate::model::{CommentKind, ContentKind, World};

pub fn dispatch(req: &Request, world: &mut World, site: usize) -> ApiResult {
    let segs = req.segments();
    let m = req.method.as_str();
    match segs.as_slice() {
        ["_edge", "tenant_info"] => v2_users::tenant_info(world, site),
        ["admin", "v2", "orgs", org, "workspaces"] if m == "POST" => bulk::workspaces(req, world, org),
        ["admin", "v1", rest @ ..] => admin::dispatch(req, world, site, m, rest),
        ["wiki", "api", "v2", rest @ ..] => v2(req, world, site, m, rest),
        ["wiki", "rest", "api", rest @ ..] => v1(req, world, site, m, rest),
        ["wiki", "rest", "plugins", "1.0"] if m == "GET" => v1_users::plugins(req, world, site),
        ["wiki", "download", ..] => Err(ApiError::new(401, "Unauthorized")),
        ["__media", att, version] => v1_content::media(req, world, site, att, version),
        _ => Err(ApiError::not_found()),
    }
}

fn v2(req: &Request, w: &mut World, s: usize, m: &str, segs: &[&str]) -> ApiResult {
    use ContentKind::{BlogPost, Folder, Page};
    if let [collection, id, "properties", rest @ ..] = segs
        && let Some(holder) = properties::Holder::of_collection(collection)
    {
        return match (m, rest) {
            ("GET", []) => properties::list(req, w, s, holder, id),
            ("POST", []) => properties::create(req, w, s, holder, id),
            (_, [property]) => properties::one(req, w, s, holder, id, property),
            _ => Err(ApiError::not_found()),
        };
    }
    match (m, segs) {
        ("GET", ["spaces"]) => v2_spaces::list(req, w, s),
        ("GET", ["spaces", id]) => v2_spaces::get(req, w, s, id),
        ("GET", ["spaces", id, "pages"]) => v2_content::list_in_space(req, w, s, id, Page),
        ("GET", ["spaces", id, "blogposts"]) => v2_content::list_in_space(req, w, s, id, BlogPost),
        ("GET", ["spaces", id, "permissions"]) => v2_spaces::permissions(req, w, s, id),
        ("GET", ["spaces", id, "labels"]) => v2_spaces::labels(req, w, s, id),
        ("GET", ["space-role-mode"]) => v2_spaces::role_mode(),
        ("GET", ["pages"]) => v2_content::list(req, w, s, Page),
        ("POST", ["pages"]) => v2_content::create(req, w, s, Page),
        ("GET", ["blogposts"]) => v2_content::list(req, w, s, BlogPost),
        ("POST", ["blogposts"]) => v2_content::create(req, w, s, BlogPost),
        ("POST", ["folders"]) => v2_content::create(req, w, s, Folder),
        ("GET", [kind @ ("pages" | "blogposts" | "folders"), id]) => {
            v2_content::get(req, w, s, id, kind_of(kind))
        }
        ("PUT", [kind @ ("pages" | "blogposts"), id]) => v2_content::update(req, w, s, id, kind_of(kind)),
        ("DELETE", [kind @ ("pages" | "blogposts" | "folders"), id]) => {
            v2_content::delete(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "folders"), id, "children" | "direct-children"]) => {
            v2_content::children(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "folders"), id, "descendants"]) => {
            v2_content::descendants(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "folders"), id, "ancestors"]) => {
            v2_content::ancestors(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "blogposts"), id, "labels"]) => {
            v2_content::labels(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "blogposts"), id, "likes", "count"]) => {
            v2_content::likes_count(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "blogposts"), id, "likes", "users"]) => {
            v2_content::likes_users(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "blogposts"), id, "versions"]) => {
            v2_content::versions(req, w, s, id, kind_of(kind))
        }
        ("GET", [kind @ ("pages" | "blogposts"), id, "attachments"]) => {
            v2_attachments::list(req, w, s, id, kind_of(kind))
        }
        ("GET", ["attachments", id]) => v2_attachments::get(req, w, s, id),
        ("GET", [kind @ ("pages" | "blogposts"), id, "footer-comments"]) => {
            v2_comments::list(req, w, s, id, kind_of(kind), CommentKind::Footer)
        }
        ("GET", [kind @ ("pages" | "blogposts"), id, "inline-comments"]) => {
            v2_comments::list(req, w, s, id, kind_of(kind), CommentKind::Inline)
        }
        ("GET", ["footer-comments", id]) => v2_comments::get(req, w, s, id, CommentKind::Footer),
        ("GET", ["inline-comments", id]) => v2_comments::get(req, w, s, id, CommentKind::Inline),
        ("GET", ["footer-comments", id, "children"]) => {
            v2_comments::children(req, w, s, id, CommentKind::Footer)
        }
        ("GET", ["inline-comments", id, "children"]) => {
            v2_comments::children(req, w, s, id, CommentKind::Inline)
        }
        ("PUT", ["footer-comments", id]) => comment_update::update(req, w, s, id, CommentKind::Footer),
        ("PUT", ["inline-comments", id]) => comment_update::update(req, w, s, id, CommentKind::Inline),
        ("POST", ["footer-comments"]) => v2_comments::create(req, w, s, CommentKind::Footer),
        ("POST", ["inline-comments"]) => v2_comments::create(req, w, s, CommentKind::Inline),
        ("GET", ["footer-comments"]) => bulk::all_comments(req, w, s, CommentKind::Footer),
        ("GET", ["inline-comments"]) => bulk::all_comments(req, w, s, CommentKind::Inline),
        ("GET", ["attachments"]) => bulk::all_attachments(req, w, s),
        ("POST", ["users-bulk"]) => v2_users::users_bulk(req, w, s),
        ("GET", ["admin-key"]) => v2_users::admin_key(req, w, s),
        ("POST", ["admin-key"]) => v2_users::admin_key(req, w, s),
        ("POST", ["user", "access", "invite-by-email"]) => v2_users::invite(req, w, s),
        _ => Err(ApiError::not_found()),
    }
}

fn kind_of(segment: &str) -> ContentKind {
    match segment {
        "blogposts" => ContentKind::BlogPost,
        "folders" => ContentKind::Folder,
        _ => ContentKind::Page,
    }
}

fn v1(req: &Request, w: &mut World, s: usize, m: &str, segs: &[&str]) -> ApiResult {
    match (m, segs) {
        ("GET", ["content"]) => bulk::content_list(req, w, s),
        ("POST", ["content"]) => v1_create::create(req, w, s),
        ("GET", ["space"]) => v1_space::list(req, w, s),
        ("POST", ["space"]) => v1_space::create(req, w, s),
        ("GET", ["space", key]) => v1_space::get(req, w, s, key),
        ("GET", ["space", key, "permission"]) => v1_space::permissions(req, w, s, key),
        ("POST", ["space", key, "permission"]) => v1_space::add_permission(req, w, s, key),
        ("GET", ["space", key, "label"]) => v1_space::labels(req, w, s, key),
        ("POST", ["space", key, "label"]) => v1_space::add_labels(req, w, s, key),
        ("PUT", ["content", id, "move", position, target]) => {
            v1_content::move_page(req, w, s, id, position, target)
        }
        ("GET", ["content", id, "label"]) => v1_content::labels(req, w, s, id),
        ("POST", ["content", id, "label"]) => v1_content::add_labels(req, w, s, id),
        ("DELETE", ["content", id, "label", name]) => v1_content::remove_label(req, w, s, id, name),
        (_, ["content", id, "restriction", rest @ ..]) => v1_content::restrictions(req, w, s, id, m, rest),
        ("GET", ["content", id, "child", "attachment"]) => v1_content::attachments(req, w, s, id),
        ("GET", ["content", id, "child", "comment"]) => v1_content::comments(req, w, s, id),
        ("POST" | "PUT", ["content", id, "child", "attachment"]) => {
            v1_content::upload(req, w, s, id, m == "PUT")
        }
        ("POST", ["content", id, "child", "attachment", att, "data"]) => {
            v1_content::upload_version(req, w, s, id, att)
        }
        ("GET", ["content", id, "child", "attachment", att, "download"]) => {
            v1_content::download(req, w, s, id, att)
        }
        ("GET", ["user", "current"]) => v1_users::current(req, w, s),
        ("GET", ["user"]) => v1_users::user(req, w, s),
        ("GET", ["user", "memberof"]) => v1_users::member_of(req, w, s),
        ("GET", ["group"]) => v1_users::groups(req, w, s),
        ("POST", ["group"]) => v1_users::create_group(req, w, s),
        ("GET", ["group", "by-id"]) => v1_users::group_by_id(req, w, s),
        ("GET", ["group", group, "membersByGroupId"]) => v1_users::members(req, w, s, group),
        ("POST", ["group", "userByGroupId"]) => v1_users::add_member(req, w, s),
        ("DELETE", ["group", "userByGroupId"]) => v1_users::remove_member(req, w, s),
        _ => Err(ApiError::not_found()),
    }
}
