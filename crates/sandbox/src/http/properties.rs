//! v2 properties of everything that can hold them: spaces, pages, blog posts, folders, comments
//! and attachments (`/{collection}/{id}/properties[/{property-id}]`). One set of handlers; each
//! holder only says how it is found, who may read it and who may change it.

use serde::Deserialize;
use serde_json::Value;

use super::pagination::v2_page;
use super::render;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::{ContentKind, Property, Site, World};

/// What a property hangs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Space,
    Content(ContentKind),
    Comment,
    Attachment,
}

impl Holder {
    /// The holder a v2 collection segment names.
    pub fn of_collection(segment: &str) -> Option<Holder> {
        Some(match segment {
            "spaces" => Holder::Space,
            "pages" => Holder::Content(ContentKind::Page),
            "blogposts" => Holder::Content(ContentKind::BlogPost),
            "folders" => Holder::Content(ContentKind::Folder),
            "comments" => Holder::Comment,
            "attachments" => Holder::Attachment,
            _ => return None,
        })
    }
}

/// The holder's id on its site, once the caller may read it; `write` asks for the right to
/// change it too (403 when readable but not changeable).
fn find(req: &Request, site: &Site, holder: Holder, id: &str, write: bool) -> Result<u64, ApiError> {
    let caller = req.caller.as_deref();
    let content_access = |container: u64| -> Result<(), ApiError> {
        let c = site.contents.get(&container).ok_or_else(ApiError::not_found)?;
        if !site.can_read_content(c, caller) {
            return Err(ApiError::not_found());
        }
        if write && !site.can_update_content(c, caller) {
            return Err(ApiError::forbidden("User not permitted to update this content"));
        }
        Ok(())
    };
    match holder {
        Holder::Space => {
            let space = site.spaces.get(&Request::id(id)?).ok_or_else(ApiError::not_found)?;
            if !site.can_read_space(space, caller) {
                return Err(ApiError::not_found());
            }
            if write && !site.space_allows(space, caller, "administer", "space") {
                return Err(ApiError::forbidden("User not permitted to administer this space"));
            }
            Ok(space.id)
        }
        Holder::Content(kind) => {
            let c = site.contents.get(&Request::id(id)?).filter(|c| c.kind == kind);
            let c = c.ok_or_else(ApiError::not_found)?;
            content_access(c.id)?;
            Ok(c.id)
        }
        Holder::Comment => {
            let c = site.comments.get(&Request::id(id)?).ok_or_else(ApiError::not_found)?;
            content_access(c.container_id)?;
            Ok(c.id)
        }
        Holder::Attachment => {
            let id = super::v2_attachments::attachment_id(id)?;
            let a = site.attachments.get(&id).ok_or_else(ApiError::not_found)?;
            content_access(a.container_id)?;
            Ok(a.id)
        }
    }
}

fn list_of(site: &Site, holder: Holder, id: u64) -> &[Property] {
    let found = match holder {
        Holder::Space => site.spaces.get(&id).map(|x| &x.properties),
        Holder::Content(_) => site.contents.get(&id).map(|x| &x.properties),
        Holder::Comment => site.comments.get(&id).map(|x| &x.properties),
        Holder::Attachment => site.attachments.get(&id).map(|x| &x.properties),
    };
    found.map_or(&[], Vec::as_slice)
}

fn list_of_mut(site: &mut Site, holder: Holder, id: u64) -> Result<&mut Vec<Property>, ApiError> {
    let found = match holder {
        Holder::Space => site.spaces.get_mut(&id).map(|x| &mut x.properties),
        Holder::Content(_) => site.contents.get_mut(&id).map(|x| &mut x.properties),
        Holder::Comment => site.comments.get_mut(&id).map(|x| &mut x.properties),
        Holder::Attachment => site.attachments.get_mut(&id).map(|x| &mut x.properties),
    };
    found.ok_or_else(ApiError::not_found)
}

/// `GET …/properties[?key=K]`.
pub fn list(req: &Request, w: &mut World, s: usize, holder: Holder, id: &str) -> ApiResult {
    let site = &w.sites[s];
    let id = find(req, site, holder, id, false)?;
    let key = req.param("key");
    let found: Vec<&Property> =
        list_of(site, holder, id).iter().filter(|p| key.is_none_or(|k| k == p.key)).collect();
    v2_page(req, &found, 25, |p| render::property(p))
}

#[derive(Deserialize)]
struct PropertyIn {
    key: String,
    value: Value,
}

/// `POST …/properties`: a key can be created once.
pub fn create(req: &Request, w: &mut World, s: usize, holder: Holder, id: &str) -> ApiResult {
    let caller = req.caller()?.to_string();
    let id = find(req, &w.sites[s], holder, id, true)?;
    let input: PropertyIn = req.json()?;
    check_key(&input.key)?;
    let site = &mut w.sites[s];
    if list_of(site, holder, id).iter().any(|p| p.key == input.key) {
        return Err(ApiError::bad_request(format!("A property with key '{}' already exists", input.key)));
    }
    let property = new_property(site, &caller, input.key, input.value);
    let rendered = render::property(&property);
    list_of_mut(site, holder, id)?.push(property);
    Ok(Reply::ok(rendered))
}

/// A property key as Confluence takes it: 1 to 255 characters, else 400.
pub fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::bad_request("key must be 1 to 255 characters"));
    }
    Ok(())
}

/// A property's first version, with its id on `site` (the key checked already).
pub fn new_property(site: &mut Site, caller: &str, key: String, value: Value) -> Property {
    Property {
        id: site.alloc_id(),
        key,
        value,
        version: 1,
        created_at: super::v2_content::now(),
        author_id: caller.to_string(),
    }
}

#[derive(Deserialize)]
struct VersionIn {
    number: u32,
}

#[derive(Deserialize)]
struct PropertyUpdateIn {
    key: String,
    value: Value,
    version: VersionIn,
}

/// `GET`, `PUT` (the next version number, or 409) and `DELETE` of `…/properties/{property-id}`.
pub fn one(req: &Request, w: &mut World, s: usize, holder: Holder, id: &str, property: &str) -> ApiResult {
    let write = req.method != "GET";
    let id = find(req, &w.sites[s], holder, id, write)?;
    let property = Request::id(property)?;
    let site = &mut w.sites[s];
    let list = list_of_mut(site, holder, id)?;
    let index = list.iter().position(|p| p.id == property).ok_or_else(ApiError::not_found)?;
    match req.method.as_str() {
        "GET" => Ok(Reply::ok(render::property(&list[index]))),
        "PUT" => {
            let caller = req.caller()?.to_string();
            let input: PropertyUpdateIn = req.json()?;
            let current = list[index].version;
            if input.version.number != current + 1 {
                return Err(ApiError::new(
                    409,
                    format!("Version must be incremented. Current Version: [{current}]"),
                ));
            }
            let p = &mut list[index];
            p.key = input.key;
            p.value = input.value;
            p.version += 1;
            p.author_id = caller;
            p.created_at = super::v2_content::now();
            Ok(Reply::ok(render::property(p)))
        }
        "DELETE" => {
            list.remove(index);
            Ok(Reply::empty(204))
        }
        _ => Err(ApiError::new(405, "Method not allowed")),
    }
}

/// The v1 `metadata.properties` expansion of one holder: only the keys asked for
/// (`expand=metadata.properties.KEY`), each as v1 renders a property.
pub fn v1_expansion(properties: &[Property], keys: &[String]) -> Value {
    let mut out = serde_json::Map::new();
    for p in properties.iter().filter(|p| keys.contains(&p.key)) {
        out.insert(
            p.key.clone(),
            serde_json::json!({
                "id": p.id.to_string(),
                "key": p.key,
                "value": p.value,
                "version": {"number": p.version, "when": p.created_at},
            }),
        );
    }
    Value::Object(out)
}

/// The property keys an `expand` parameter asks for (`metadata.properties.KEY`, comma-separated).
pub fn expanded_keys(expand: Option<&str>) -> Vec<String> {
    expand
        .unwrap_or("")
        .split(',')
        .filter_map(|e| e.trim().strip_prefix("metadata.properties."))
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}
