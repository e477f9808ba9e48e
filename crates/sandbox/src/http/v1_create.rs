//! `POST /wiki/rest/api/content`: v1 page creation, which takes the new page's content properties
//! (`metadata.properties`) and labels (`metadata.labels`) in the same request. The rules are the v2 create's
//! ([`content_create`](super::content_create)); only the request and answer shapes are v1's.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::body_write::{Forms, storage};
use super::content_create::{NewContent, Placement};
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use super::v1_item::{Expand, item};
use super::v2_content::id_value;
use crate::model::*;

#[derive(Deserialize)]
struct SpaceIn {
    key: String,
}

#[derive(Deserialize)]
struct AncestorIn {
    id: Value,
}

#[derive(Deserialize, Default)]
struct MetadataIn {
    #[serde(default)]
    properties: Map<String, Value>,
    /// `[{prefix, name}]`, as `POST /content/{id}/label` takes them.
    #[serde(default)]
    labels: Option<Value>,
}

#[derive(Deserialize)]
struct ContentCreateIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    space: Option<SpaceIn>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    ancestors: Option<Vec<AncestorIn>>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    metadata: Option<MetadataIn>,
}

/// `metadata.properties` as `key → {"key"?, "value"}`: the map's key names the property; a
/// `key` inside, when given, must say the same.
fn properties_of(metadata: Option<MetadataIn>) -> Result<Vec<(String, Value)>, ApiError> {
    let mut out = Vec::new();
    for (key, property) in metadata.unwrap_or_default().properties {
        let Value::Object(mut property) = property else {
            return Err(ApiError::bad_request(format!("metadata.properties.{key} must be an object")));
        };
        if let Some(inner) = property.get("key")
            && inner.as_str() != Some(key.as_str())
        {
            return Err(ApiError::bad_request(format!(
                "metadata.properties.{key} names another key: {inner}"
            )));
        }
        let value = property
            .remove("value")
            .ok_or_else(|| ApiError::bad_request(format!("metadata.properties.{key} needs a value")))?;
        out.push((key, value));
    }
    Ok(out)
}

/// Creates a page (`type: "page"`); other types answer 400. Without `ancestors` the page goes
/// to the space's root level; with one, under that page or folder. The answer is a v1 Content
/// with `space`, `history` and `version` expanded (plus what `expand` asks for) and the page's
/// place among its siblings in `extensions.position`.
pub fn create(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?.to_string();
    let mut input: ContentCreateIn = req.json()?;
    if input.kind != "page" {
        return Err(ApiError::bad_request(format!(
            "Creating content of type {} is not supported here (the sandbox creates pages through v1)",
            input.kind
        )));
    }
    if input.id.is_some() {
        return Err(ApiError::bad_request("Publishing a draft is not supported here"));
    }
    let key = input.space.map(|sp| sp.key).ok_or_else(|| ApiError::bad_request("space.key is required"))?;
    let space_id = w.sites[s]
        .space_by_key(&key)
        .map(|sp| sp.id)
        .ok_or_else(|| ApiError::new(404, format!("No space with key : {key}")))?;
    let placement = match input.ancestors.as_deref() {
        None | Some([]) => Placement::Root,
        Some([parent]) => Placement::Under(id_value(&parent.id, "ancestors[0].id")?),
        Some(_) => return Err(ApiError::bad_request("Only one parent content id can be specified")),
    };
    let new = NewContent {
        kind: ContentKind::Page,
        space_id,
        status: input.status,
        title: input.title.unwrap_or_default(),
        placement,
        body: storage(input.body, Forms::Nested)?.unwrap_or_default(),
        created_at: None,
        labels: match input.metadata.as_mut().and_then(|m| m.labels.take()) {
            Some(labels) => super::v1_content::labels_from(labels)?,
            None => Vec::new(),
        },
        properties: properties_of(input.metadata)?,
    };
    let id = super::content_create::create(&mut w.sites[s], &caller, new)?;
    Ok(Reply::ok(content_v1(w, s, id, req)))
}

/// A page as the v1 create answers it.
fn content_v1(w: &World, s: usize, id: u64, req: &Request) -> Value {
    let site = &w.sites[s];
    let c = &site.contents[&id];
    let asked = Expand::parse(req.param("expand"));
    let expand = Expand { version: true, history: true, space: false, ..asked };
    let mut v = serde_json::to_value(item(w, s, c, &expand, &req.base_url)).expect("content serializes");
    if let Some(space) = site.spaces.get(&c.space_id) {
        v["space"] = super::v1_space::space_v1(site, space, &req.base_url);
    }
    let links = &mut v["_links"];
    links["webui"] = super::render::webui(site, c).into();
    links["base"] = format!("{}/wiki", req.base_url).into();
    links["context"] = "/wiki".into();
    v
}
