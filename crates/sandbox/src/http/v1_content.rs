//! v1 content operations: move (sibling order), labels, restrictions, attachment upload and
//! download (302 to a signed media URL on the same listener).

use serde_json::{Value, json};

use super::multipart;
use super::pagination::v1_page;
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use super::v2_attachments::attachment_id;
use crate::model::*;

fn content<'a>(w: &'a World, s: usize, req: &Request, id: &str) -> Result<&'a Content, ApiError> {
    let site = &w.sites[s];
    site.contents
        .get(&Request::id(id)?)
        .filter(|c| site.can_read_content(c, req.caller.as_deref()))
        .ok_or_else(|| ApiError::new(404, format!("No content found with id : {id}")))
}

fn updatable(w: &World, s: usize, req: &Request, id: &str) -> Result<u64, ApiError> {
    let c = content(w, s, req, id)?;
    if !w.sites[s].can_update_content(c, req.caller.as_deref()) {
        return Err(ApiError::forbidden("Not permitted to update this content"));
    }
    Ok(c.id)
}

pub fn move_page(
    req: &Request,
    w: &mut World,
    s: usize,
    id: &str,
    position: &str,
    target: &str,
) -> ApiResult {
    let page_id = updatable(w, s, req, id)?;
    let target = content(w, s, req, target)?.clone();
    let site = &mut w.sites[s];
    let page = &site.contents[&page_id];
    if page.kind == ContentKind::BlogPost || target.kind == ContentKind::BlogPost {
        return Err(ApiError::bad_request("Only pages and folders can be moved"));
    }
    if page.space_id != target.space_id {
        return Err(ApiError::bad_request("The sandbox moves pages within a space only"));
    }
    // A page cannot move under itself or its descendants.
    let mut p = Some(target.id);
    while let Some(x) = p {
        if x == page_id {
            return Err(ApiError::bad_request("Cannot move a page under itself"));
        }
        p = site.contents.get(&x).and_then(|c| c.parent_id);
    }
    let new_parent = match position {
        "append" => Some(target.id),
        "before" | "after" => target.parent_id,
        other => return Err(ApiError::bad_request(format!("Invalid position {other}"))),
    };
    let mut order: Vec<u64> = site
        .child_ids(target.space_id, new_parent)
        .into_iter()
        .filter(|id| *id != page_id && site.contents.get(id).is_some_and(|c| c.kind != ContentKind::BlogPost))
        .collect();
    let at = match position {
        "append" => order.len(),
        "before" => order.iter().position(|x| *x == target.id).unwrap_or(0),
        _ => order.iter().position(|x| *x == target.id).map_or(order.len(), |p| p + 1),
    };
    order.insert(at, page_id);
    for (i, id) in order.iter().enumerate() {
        site.edit_content(*id, |c| c.position = i as i64 + 1);
    }
    site.edit_content(page_id, |c| c.parent_id = new_parent);
    Ok(Reply::ok(json!({"pageId": page_id.to_string()})))
}

pub fn label_v1(l: &Label) -> Value {
    json!({"prefix": l.prefix, "name": l.name, "id": l.id.to_string(), "label": l.name})
}

/// Reads `[{prefix,name}]` or a single `{prefix,name}`; names are lower-cased like Confluence.
pub fn parse_labels(req: &Request) -> Result<Vec<(String, String)>, ApiError> {
    labels_from(req.json()?)
}

/// Labels as `(prefix, name)` from `[{prefix,name}]` or a single `{prefix,name}` (a request's
/// body, or a create's `metadata.labels`).
pub fn labels_from(value: Value) -> Result<Vec<(String, String)>, ApiError> {
    let items = match value {
        Value::Array(a) => a,
        Value::Object(_) => vec![value],
        _ => return Err(ApiError::bad_request("Expected a label or a list of labels")),
    };
    items
        .iter()
        .map(|i| {
            let name = i["name"].as_str().ok_or_else(|| ApiError::bad_request("label name is required"))?;
            let prefix = i["prefix"].as_str().unwrap_or("global");
            if name.is_empty()
                || name.len() > 255
                || name.chars().any(|c| c.is_whitespace() || "!#&()*,.:;<>?@[]^".contains(c))
            {
                return Err(ApiError::bad_request(format!("Invalid label name '{name}'")));
            }
            if !matches!(prefix, "global" | "my" | "team") {
                return Err(ApiError::bad_request(format!("Invalid label prefix '{prefix}'")));
            }
            Ok((prefix.to_string(), name.to_lowercase()))
        })
        .collect()
}

pub fn labels(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let c = content(w, s, req, id)?;
    v1_page(req, &c.labels, 200, label_v1)
}

pub fn add_labels(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let cid = updatable(w, s, req, id)?;
    let wanted = parse_labels(req)?;
    let site = &mut w.sites[s];
    for (prefix, name) in wanted {
        if site.contents[&cid].labels.iter().any(|l| l.name == name && l.prefix == prefix) {
            continue;
        }
        let lid = site.alloc_id();
        if let Some(c) = site.contents.get_mut(&cid) {
            c.labels.push(Label { id: lid, prefix, name });
        }
    }
    v1_page(req, &w.sites[s].contents[&cid].labels, 200, label_v1)
}

pub fn remove_label(req: &Request, w: &mut World, s: usize, id: &str, name: &str) -> ApiResult {
    let cid = updatable(w, s, req, id)?;
    if let Some(c) = w.sites[s].contents.get_mut(&cid) {
        c.labels.retain(|l| l.name != name);
    }
    Ok(Reply::empty(204))
}

pub fn restrictions_v1(w: &World, s: usize, c: &Content, base: &str) -> Value {
    let hash = crate::digest::sha256_hex(format!("{:?}", c.restrictions).as_bytes());
    let body = json!({
        "start": 0, "limit": 100, "size": 2,
        "restrictionsHash": &hash[..16],
        "_links": {"base": format!("{base}/wiki"), "context": "/wiki"},
    });
    let results = [("read", &c.restrictions.read), ("update", &c.restrictions.update)]
        .into_iter()
        .map(|(op, r)| {
            serde_json::to_value(super::v1_item::operation(w, s, c, op, r, base))
                .expect("restrictions serialize")
        })
        .collect();
    super::pagination::with_results(body, results)
}

fn parse_restrictions(
    site: &Site,
    accounts: &World,
    value: &Value,
) -> Result<Vec<(String, Restriction)>, ApiError> {
    let items = match value {
        Value::Array(a) => a.clone(),
        Value::Object(o) => match o.get("results") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![value.clone()],
        },
        _ => return Err(ApiError::bad_request("Expected restrictions")),
    };
    let list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            Value::Object(o) => o.get("results").and_then(Value::as_array).cloned().unwrap_or_default(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for item in items {
        let op = item["operation"].as_str().ok_or_else(|| ApiError::bad_request("operation is required"))?;
        if op != "read" && op != "update" {
            return Err(ApiError::bad_request(format!("Invalid operation {op}")));
        }
        let mut r = Restriction::default();
        for u in list(&item["restrictions"]["user"]) {
            let id = u["accountId"]
                .as_str()
                .ok_or_else(|| ApiError::bad_request("user restriction needs accountId"))?;
            if !accounts.accounts.contains_key(id) {
                return Err(ApiError::bad_request(format!("No user with account id {id}")));
            }
            r.users.push(id.to_string());
        }
        for g in list(&item["restrictions"]["group"]) {
            let found = site.groups.iter().find(|x| {
                g["id"].as_str().is_some_and(|i| i == x.id) || g["name"].as_str().is_some_and(|n| n == x.name)
            });
            let found = found.ok_or_else(|| ApiError::bad_request("No such group in restriction"))?;
            r.groups.push(found.id.clone());
        }
        out.push((op.to_string(), r));
    }
    Ok(out)
}

pub fn restrictions(req: &Request, w: &mut World, s: usize, id: &str, m: &str, rest: &[&str]) -> ApiResult {
    if !rest.is_empty() {
        return Err(ApiError::not_found());
    }
    let c = content(w, s, req, id)?.clone();
    match m {
        "GET" => Ok(Reply::ok(restrictions_v1(w, s, &c, &req.base_url))),
        "PUT" | "POST" | "DELETE" => {
            updatable(w, s, req, id)?;
            let parsed = if m == "DELETE" {
                Vec::new()
            } else {
                parse_restrictions(&w.sites[s], w, &req.json::<Value>()?)?
            };
            let site = &mut w.sites[s];
            let x = site.contents.get_mut(&c.id).ok_or_else(ApiError::not_found)?;
            if m != "POST" {
                x.restrictions = Restrictions::default();
            }
            for (op, r) in parsed {
                let target = if op == "read" { &mut x.restrictions.read } else { &mut x.restrictions.update };
                for u in r.users {
                    if !target.users.contains(&u) {
                        target.users.push(u);
                    }
                }
                for g in r.groups {
                    if !target.groups.contains(&g) {
                        target.groups.push(g);
                    }
                }
            }
            let c = w.sites[s].contents[&c.id].clone();
            Ok(Reply::ok(restrictions_v1(w, s, &c, &req.base_url)))
        }
        _ => Err(ApiError::new(405, "Method not allowed")),
    }
}

fn attachment_v1(a: &Attachment, base: &str, properties: &[String]) -> Value {
    let cur = a.current();
    let mut metadata = json!({"mediaType": a.media_type, "comment": cur.comment});
    if !properties.is_empty() {
        metadata["properties"] = super::properties::v1_expansion(&a.properties, properties);
    }
    json!({
        "id": format!("att{}", a.id),
        "type": "attachment",
        "status": a.status.as_str(),
        "title": a.title,
        "metadata": metadata,
        "extensions": {"mediaType": a.media_type, "fileSize": cur.data.size(), "comment": cur.comment, "fileId": a.file_id},
        "_expandable": {"container": format!("/rest/api/content/{}", a.container_id)},
        "_links": {
            "download": render::download_path(a),
            "webui": format!("/pages/viewpageattachments.action?pageId={}", a.container_id),
            "self": format!("{base}/wiki/rest/api/content/att{}", a.id),
        },
    })
}

pub fn attachments(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let c = content(w, s, req, id)?;
    let site = &w.sites[s];
    let filename = req.param("filename");
    let list: Vec<&Attachment> = site
        .attachments
        .values()
        .filter(|a| a.container_id == c.id && filename.is_none_or(|f| f == a.title))
        .collect();
    let properties = super::properties::expanded_keys(req.param("expand"));
    v1_page(req, &list, 50, |a| attachment_v1(a, &req.base_url, &properties))
}

/// `GET /wiki/rest/api/content/{id}/child/comment[?depth=all][&location=footer|inline]`: the
/// comments on a page or blog post (top-level ones only unless `depth=all`), footer and inline,
/// with `metadata.properties.KEY` expansions.
pub fn comments(req: &Request, w: &mut World, s: usize, id: &str) -> ApiResult {
    let c = content(w, s, req, id)?;
    let site = &w.sites[s];
    let all = req.param("depth") == Some("all");
    let locations = req.list("location");
    let properties = super::properties::expanded_keys(req.param("expand"));
    let list: Vec<&crate::model::Comment> = site
        .comments
        .values()
        .filter(|x| x.container_id == c.id && x.status == ContentStatus::Current)
        .filter(|x| all || x.parent_comment_id.is_none())
        .filter(|x| locations.is_empty() || locations.iter().any(|l| l == location_of(x.kind)))
        .collect();
    let title = format!("Re: {}", c.title);
    v1_page(req, &list, 25, |x| {
        let mut item = json!({
            "id": x.id.to_string(),
            "type": "comment",
            "status": x.status.as_str(),
            "title": title,
            "extensions": {"location": location_of(x.kind)},
            "_links": {"self": format!("{}/wiki/rest/api/content/{}", req.base_url, x.id)},
        });
        if let Some(parent) = x.parent_comment_id {
            item["ancestors"] = json!([{"id": parent.to_string(), "type": "comment"}]);
        }
        if !properties.is_empty() {
            item["metadata"] =
                json!({"properties": super::properties::v1_expansion(&x.properties, &properties)});
        }
        item
    })
}

fn location_of(kind: crate::model::CommentKind) -> &'static str {
    match kind {
        crate::model::CommentKind::Footer => "footer",
        crate::model::CommentKind::Inline => "inline",
    }
}

fn xsrf_ok(req: &Request) -> bool {
    req.header("x-atlassian-token")
        .is_some_and(|v| v.eq_ignore_ascii_case("no-check") || v.eq_ignore_ascii_case("nocheck"))
}

struct Upload {
    filename: String,
    media_type: String,
    data: bytes::Bytes,
    comment: String,
    minor_edit: bool,
}

fn uploads(req: &Request) -> Result<Vec<Upload>, ApiError> {
    if !xsrf_ok(req) {
        return Err(ApiError::forbidden("XSRF check failed"));
    }
    let parts = multipart::parse(req.header("content-type"), &req.body)?;
    let comments: Vec<String> = parts
        .iter()
        .filter(|p| p.name == "comment")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .collect();
    let minor = parts.iter().any(|p| p.name == "minorEdit" && &p.data[..] == b"true");
    let files: Vec<Upload> = parts
        .into_iter()
        .filter(|p| p.name == "file")
        .enumerate()
        .map(|(i, p)| Upload {
            filename: p.filename.clone().unwrap_or_else(|| "file".into()),
            media_type: p.content_type.clone().unwrap_or_else(|| "application/octet-stream".into()),
            data: p.data,
            comment: comments.get(i).cloned().unwrap_or_default(),
            minor_edit: minor,
        })
        .collect();
    if files.is_empty() {
        return Err(ApiError::bad_request("No file part named 'file'"));
    }
    Ok(files)
}

fn check_attach(w: &World, s: usize, req: &Request, id: &str) -> Result<u64, ApiError> {
    let cid = updatable(w, s, req, id)?;
    let site = &w.sites[s];
    let c = &site.contents[&cid];
    if !site.space_allows(&site.spaces[&c.space_id], req.caller.as_deref(), "create", "attachment") {
        return Err(ApiError::forbidden("Not permitted to add attachments in this space"));
    }
    Ok(cid)
}

fn add_version(site: &mut Site, att: u64, caller: &str, u: Upload) {
    let now = jiff::Timestamp::now().to_string();
    if let Some(a) = site.attachments.get_mut(&att) {
        let number = a.current().number + 1;
        a.media_type = u.media_type;
        a.versions.push(AttachmentVersion {
            number,
            created_at: now,
            author_id: caller.to_string(),
            comment: u.comment,
            minor_edit: u.minor_edit,
            data: BlobData::uploaded(u.data),
        });
    }
}

pub fn upload(req: &Request, w: &mut World, s: usize, id: &str, allow_update: bool) -> ApiResult {
    let caller = req.caller()?.to_string();
    let files = uploads(req)?;
    let cid = check_attach(w, s, req, id)?;
    let site = &mut w.sites[s];
    let mut ids = Vec::new();
    for u in files {
        let existing =
            site.attachments.values().find(|a| a.container_id == cid && a.title == u.filename).map(|a| a.id);
        match existing {
            Some(att) if allow_update => {
                add_version(site, att, &caller, u);
                ids.push(att);
            }
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "Cannot add a new attachment with same file name as an existing attachment: {}",
                    u.filename
                )));
            }
            None => {
                let att = site.alloc_id();
                let now = jiff::Timestamp::now().to_string();
                let file_id = format!("{:032x}", crate::generate::mix(&[att, u.data.len() as u64]) as u128);
                site.attachments.insert(
                    att,
                    Attachment {
                        id: att,
                        container_id: cid,
                        title: u.filename,
                        media_type: u.media_type,
                        file_id,
                        status: ContentStatus::Current,
                        created_at: now.clone(),
                        versions: vec![AttachmentVersion {
                            number: 1,
                            created_at: now,
                            author_id: caller.clone(),
                            comment: u.comment,
                            minor_edit: u.minor_edit,
                            data: BlobData::uploaded(u.data),
                        }],
                        labels: Vec::new(),
                        properties: Vec::new(),
                    },
                );
                ids.push(att);
            }
        }
    }
    let results: Vec<Value> =
        ids.iter().map(|a| attachment_v1(&site.attachments[a], &req.base_url, &[])).collect();
    let size = results.len();
    Ok(Reply::list(
        json!({"results": results, "start": 0, "limit": 50, "size": size,
               "_links": {"base": format!("{}/wiki", req.base_url), "context": "/wiki"}}),
        size,
    ))
}

pub fn upload_version(req: &Request, w: &mut World, s: usize, id: &str, att: &str) -> ApiResult {
    let caller = req.caller()?.to_string();
    let files = uploads(req)?;
    let cid = check_attach(w, s, req, id)?;
    let att = attachment_id(att)?;
    let site = &mut w.sites[s];
    if site.attachments.get(&att).is_none_or(|a| a.container_id != cid) {
        return Err(ApiError::not_found());
    }
    for u in files.into_iter().take(1) {
        add_version(site, att, &caller, u);
    }
    Ok(Reply::ok(attachment_v1(&site.attachments[&att], &req.base_url, &[])))
}

/// Token that signs a media URL for one attachment version.
fn media_token(cloud_id: &str, att: u64, version: u32) -> String {
    crate::digest::sha256_hex(format!("{cloud_id}:{att}:{version}").as_bytes())[..24].to_string()
}

pub fn download(req: &Request, w: &mut World, s: usize, id: &str, att: &str) -> ApiResult {
    let c = content(w, s, req, id)?;
    let site = &w.sites[s];
    let a = site
        .attachments
        .get(&attachment_id(att)?)
        .filter(|a| a.container_id == c.id)
        .ok_or_else(ApiError::not_found)?;
    let version = match req.param("version") {
        None => a.current().number,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|v| *v >= 1 && *v <= a.current().number)
            .ok_or_else(|| ApiError::bad_request("Invalid version"))?,
    };
    let token = media_token(&site.cloud_id, a.id, version);
    let base = req.base_url.split("/ex/confluence/").next().unwrap_or(&req.base_url);
    Ok(Reply::redirect(format!("{base}/__media/{}/{version}?token={token}", a.id)))
}

/// The media URL a download redirects to: no auth, but a signed token.
pub fn media(req: &Request, w: &mut World, s: usize, att: &str, version: &str) -> ApiResult {
    let site = &w.sites[s];
    let att = Request::id(att)?;
    let version: u32 = version.parse().map_err(|_| ApiError::not_found())?;
    let token = req.param("token").unwrap_or_default();
    if token != media_token(&site.cloud_id, att, version) {
        return Err(ApiError::new(401, "Invalid media token"));
    }
    let a = site.attachments.get(&att).ok_or_else(ApiError::not_found)?;
    let v = a.versions.iter().find(|v| v.number == version).ok_or_else(ApiError::not_found)?;
    let mut reply = Reply::empty(200);
    reply.content_type = leak_media_type(&a.media_type);
    reply.body = v.data.bytes();
    reply.headers.push(("content-disposition", content_disposition(&a.title)));
    Ok(reply)
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the quoted name keeps printable
/// ASCII only (anything else becomes `_`, so the header is always valid); `filename*` carries
/// the exact name, percent-encoded.
fn content_disposition(title: &str) -> String {
    let fallback: String = title
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let exact = percent_encoding::utf8_percent_encode(title, ATTR_CHAR_ESCAPED);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

fn leak_media_type(media: &str) -> &'static str {
    match media {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "application/pdf" => "application/pdf",
        "text/plain" => "text/plain",
        "application/json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The bytes a `filename*=UTF-8''…` value (RFC 5987 `ext-value`) escapes: all but its `attr-char`s.
/// Written here, not taken from the client: the sandbox stands in for the server, and a set shared
/// by both sides would hide a mistake in it from the tests.
const ATTR_CHAR_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');
