//! The body of a write, in either form the official request schemas allow (`oneOf` of
//! `PageBodyWrite | PageNestedBodyWrite`, and the same for blog posts and comments): flat,
//! `{"representation": "storage", "value": "…"}`, or nested under its representation,
//! `{"storage": {"representation": "storage", "value": "…"}}`. The v1 create takes the nested
//! form only. The sandbox stores storage format; other representations are refused by name.

use serde_json::{Map, Value};

use super::reply::ApiError;

const REPRESENTATIONS: [&str; 3] = ["storage", "atlas_doc_format", "wiki"];

/// Which forms a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forms {
    /// v2 routes: flat or nested.
    FlatOrNested,
    /// v1 routes: nested only.
    Nested,
}

/// The storage-format text of a `body` field (`None` when the field is absent).
pub fn storage(body: Option<Value>, forms: Forms) -> Result<Option<String>, ApiError> {
    let Some(body) = body else { return Ok(None) };
    let Value::Object(body) = body else {
        return Err(ApiError::bad_request("body must be an object"));
    };
    if forms == Forms::FlatOrNested && (body.contains_key("value") || body.contains_key("representation")) {
        return flat(&body, None).map(Some);
    }
    let mut given = body.iter().filter(|(key, _)| REPRESENTATIONS.contains(&key.as_str()));
    let unknown = body.keys().find(|key| !REPRESENTATIONS.contains(&key.as_str()));
    if let Some(key) = unknown {
        return Err(ApiError::bad_request(format!(
            "Unrecognized field in body: {key} (expected {})",
            if forms == Forms::Nested { "storage" } else { "representation and value, or storage" }
        )));
    }
    match (given.next(), given.next()) {
        (Some((name, Value::Object(inner))), None) => flat(inner, Some(name)).map(Some),
        (Some((name, _)), None) => Err(ApiError::bad_request(format!("body.{name} must be an object"))),
        (Some(_), Some(_)) => Err(ApiError::bad_request("Only one body format may be given")),
        (None, _) => Err(ApiError::bad_request("body must hold a value in the storage representation")),
    }
}

/// `{"representation", "value"}`, under the nested form's `outer` key when there is one.
fn flat(body: &Map<String, Value>, outer: Option<&str>) -> Result<String, ApiError> {
    let at = |field: &str| outer.map_or_else(|| format!("body.{field}"), |o| format!("body.{o}.{field}"));
    let representation = match body.get("representation") {
        Some(Value::String(r)) => Some(r.as_str()),
        None | Some(Value::Null) => None,
        Some(_) => return Err(ApiError::bad_request(format!("{} must be a string", at("representation")))),
    };
    let representation = match (representation, outer) {
        (Some(r), Some(o)) if r != o => {
            return Err(ApiError::bad_request(format!("{} says {r} under body.{o}", at("representation"))));
        }
        (Some(r), _) => r,
        (None, Some(o)) => o,
        (None, None) => return Err(ApiError::bad_request(format!("{} is required", at("representation")))),
    };
    if representation != "storage" {
        return Err(ApiError::bad_request(format!(
            "Unsupported body representation: {representation} (the sandbox accepts storage)"
        )));
    }
    match body.get("value") {
        Some(Value::String(value)) => Ok(value.clone()),
        None => Err(ApiError::bad_request(format!("{} is required", at("value")))),
        Some(_) => Err(ApiError::bad_request(format!("{} must be a string", at("value")))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Forms, storage};

    #[test]
    fn both_forms_of_the_schemas_give_the_same_body() {
        let flat = json!({"representation": "storage", "value": "<p>x</p>"});
        let nested = json!({"storage": {"representation": "storage", "value": "<p>x</p>"}});
        let bare = json!({"storage": {"value": "<p>x</p>"}});
        for body in [flat.clone(), nested.clone(), bare] {
            assert_eq!(storage(Some(body), Forms::FlatOrNested).unwrap().as_deref(), Some("<p>x</p>"));
        }
        assert!(storage(Some(flat), Forms::Nested).is_err());
        assert!(storage(Some(nested), Forms::Nested).is_ok());
        assert_eq!(storage(None, Forms::FlatOrNested).unwrap(), None);
    }

    #[test]
    fn other_representations_and_malformed_bodies_are_refused_by_name() {
        for (body, words) in [
            (json!({"representation": "wiki", "value": "h1. x"}), "wiki"),
            (json!({"atlas_doc_format": {"value": "{}"}}), "atlas_doc_format"),
            (json!({"storage": {"value": 1}}), "body.storage.value"),
            (json!({"value": "x"}), "body.representation"),
            (json!({"storage": {"value": "a"}, "wiki": {"value": "b"}}), "Only one"),
            (json!({"html": {"value": "a"}}), "html"),
        ] {
            let error = storage(Some(body), Forms::FlatOrNested).unwrap_err();
            assert!(format!("{error:?}").contains(words), "{error:?} should name {words}");
        }
    }
}
