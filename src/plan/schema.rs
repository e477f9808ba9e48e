//! The JSON Schema of the plan format, generated from [`FORMAT`](super::FORMAT) so that
//! editors (Taplo's `#:schema` directive) and the validator agree.

use serde_json::{Map, Value, json};

use super::format::{FORMAT, Field, Kind};
use crate::diagnostic::CATALOGUE;

/// The schema document (JSON Schema draft-07).
pub fn schema() -> Value {
    let mut root = table(FORMAT);
    let object = root.as_object_mut().expect("table() builds an object");
    let mut head = Map::new();
    head.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
    head.insert("$id".into(), json!("https://confcopy.dev/schemas/plan.schema.json"));
    head.insert("title".into(), json!("confcopy plan"));
    head.insert(
        "description".into(),
        json!("A confcopy plan: which spaces to copy between two Confluence Cloud sites, and how users and groups go with them."),
    );
    head.extend(std::mem::take(object));
    Value::Object(head)
}

/// The schema text as committed in `schemas/plan.schema.json`.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn table(fields: &[Field]) -> Value {
    let properties: Map<String, Value> = fields.iter().map(|f| (f.name.to_string(), field(f))).collect();
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    let mut value = json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        value["required"] = json!(required);
    }
    value
}

fn field(field: &Field) -> Value {
    let mut value = kind_schema(&field.kind, field.name);
    value["description"] = json!(field.doc);
    if let Some(default) = field.default {
        value["default"] = serde_json::from_str(default).unwrap_or(Value::Null);
    }
    value
}

fn kind_schema(kind: &Kind, name: &str) -> Value {
    match kind {
        Kind::String => match name {
            "keys" | "rename" => {
                json!({ "type": "string", "pattern": "^(~[A-Za-z0-9_.:@-]+|[A-Za-z0-9]{1,255})$" })
            }
            "name" => json!({ "type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$" }),
            "source" | "destination" => {
                json!({ "type": "string", "pattern": "^(https://|http://(localhost|127\\.|\\[::1\\])|sandbox:)" })
            }
            _ => json!({ "type": "string" }),
        },
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Integer { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Choice(choices) => json!({ "type": "string", "enum": choices }),
        Kind::StringList => {
            json!({ "type": "array", "items": kind_schema(&Kind::String, name), "minItems": 1 })
        }
        Kind::Table(fields) => table(fields),
        Kind::Map { key_doc, value } => {
            let mut map = json!({ "type": "object", "additionalProperties": kind_schema(value, name) });
            map["propertyNames"] = match name {
                "checks" => {
                    json!({ "enum": CATALOGUE.iter().filter(|c| c.excludable).map(|c| c.name).collect::<Vec<_>>() })
                }
                _ => {
                    json!({ "description": key_doc, "pattern": "^(~[A-Za-z0-9_.:@-]+|[A-Za-z0-9]{1,255})$" })
                }
            };
            map
        }
    }
}
