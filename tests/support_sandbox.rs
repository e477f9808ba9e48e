//! Helpers for sandbox tests: start the demo sites, call them over real HTTP, and validate
//! JSON against the response schemas of the official OpenAPI documents.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use confcopy_sandbox::{Sandbox, Seed, SiteHandle};
use serde_json::Value;

pub async fn demo() -> Sandbox {
    Sandbox::start(Seed::demo()).await.expect("demo sandbox starts")
}

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent("confcopy-tests")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// An answer: status, headers and the body (JSON when it parses).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: bytes::Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// Calls a site as one user (Basic email:token).
#[derive(Clone)]
pub struct Caller {
    pub client: reqwest::Client,
    pub base: String,
    pub email: String,
    pub token: String,
}

impl Caller {
    pub fn admin(site: &SiteHandle) -> Caller {
        Caller {
            client: http(),
            base: site.base_url().to_string(),
            email: site.admin_email().to_string(),
            token: site.admin_token().to_string(),
        }
    }

    pub fn as_user(site: &SiteHandle, email: &str, token: &str) -> Caller {
        Caller { client: http(), base: site.base_url().to_string(), email: email.into(), token: token.into() }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).basic_auth(&self.email, Some(&self.token))
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Answer {
        let r = builder.send().await.expect("request is answered");
        Answer {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            bytes: r.bytes().await.expect("body is read"),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(reqwest::Method::POST, path).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(reqwest::Method::PUT, path).json(&body)).await
    }

    /// Follows `_links.next` of a v2 list to the end and returns every result.
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(p) = next {
            let a = self.get(&p).await;
            assert_eq!(a.status, 200, "GET {p}: {}", String::from_utf8_lossy(&a.bytes));
            let v = a.json();
            out.extend(v["results"].as_array().cloned().unwrap_or_default());
            next = v["_links"]["next"].as_str().map(str::to_string);
        }
        out
    }

    /// Id of the space with this key.
    pub async fn space_id(&self, key: &str) -> String {
        let a = self.get(&format!("/wiki/api/v2/spaces?keys={key}")).await;
        a.json()["results"][0]["id"].as_str().unwrap_or_else(|| panic!("space {key} exists")).to_string()
    }

    /// Id of the page with this title in the space.
    pub async fn page_id(&self, space_key: &str, title: &str) -> String {
        let space = self.space_id(space_key).await;
        let q: String = url::form_urlencoded::byte_serialize(title.as_bytes()).collect();
        let a = self
            .get(&format!("/wiki/api/v2/spaces/{space}/pages?title={q}&status=current,archived,trashed"))
            .await;
        a.json()["results"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("page {title} exists in {space_key}"))
            .to_string()
    }
}

// ------------------------------------------------------------------ OpenAPI 3.0 subset

fn specs_dir() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for candidate in [here.join("../shared/specs"), here.join("shared/specs")] {
        if candidate.exists() {
            return candidate;
        }
    }
    here.join("../shared/specs")
}

fn load(name: &str) -> Value {
    let path = specs_dir().join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("spec {} is readable: {e}", path.display()));
    serde_json::from_str(&text).expect("spec is JSON")
}

pub fn spec_v2() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| load("confluence-cloud-openapi-v2.v3.json"))
}

pub fn spec_v1() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| load("confluence-cloud-swagger-v1.v3.json"))
}

pub fn spec_admin() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| load("atlassian-admin_organization.swagger.v3.json"))
}

/// The JSON response schema of `method path` for `status` in `spec`.
pub fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let op = &spec["paths"][path][method];
    assert!(op.is_object(), "operation {method} {path} is in the spec");
    let mut resp = &op["responses"][status.to_string()];
    if let Some(r) = resp["$ref"].as_str() {
        resp = resolve(spec, r);
    }
    let content = &resp["content"]["application/json"]["schema"];
    assert!(content.is_object(), "{method} {path} {status} has a JSON schema");
    content
}

fn resolve<'a>(spec: &'a Value, reference: &str) -> &'a Value {
    let mut node = spec;
    for part in reference.trim_start_matches("#/").split('/') {
        node = &node[part.replace("~1", "/").replace("~0", "~")];
    }
    node
}

/// Validates `value` against `schema`; returns one line per violation with its JSON path.
pub fn validate(spec: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(spec, schema, value, "$", &mut errors, 0);
    errors
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => true,
    }
}

fn check(spec: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    if let Some(r) = schema["$ref"].as_str() {
        return check(spec, resolve(spec, r), v, path, errors, depth + 1);
    }
    if v.is_null() {
        if schema["nullable"] == Value::Bool(true) || schema.get("type").is_none() {
            return;
        }
        errors.push(format!("{path}: null but not nullable"));
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check(spec, s, v, path, errors, depth + 1);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema[key].as_array() {
            let ok = options.iter().any(|s| {
                let mut e = Vec::new();
                check(spec, s, v, path, &mut e, depth + 1);
                e.is_empty()
            });
            if !ok {
                errors.push(format!("{path}: matches none of {key}"));
            }
        }
    }
    if let Some(t) = schema["type"].as_str()
        && !type_ok(t, v)
    {
        errors.push(format!("{path}: expected {t}, got {v}"));
        return;
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(v)
    {
        errors.push(format!("{path}: {v} not in enum {options:?}"));
    }
    if let Some(obj) = v.as_object() {
        if let Some(req) = schema["required"].as_array() {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    errors.push(format!("{path}: missing required `{r}`"));
                }
            }
        }
        let props = schema["properties"].as_object();
        for (k, item) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(spec, s, item, &format!("{path}.{k}"), errors, depth + 1),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => errors.push(format!("{path}: unexpected property `{k}`")),
                    s @ Value::Object(_) => check(spec, s, item, &format!("{path}.{k}"), errors, depth + 1),
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, item) in arr.iter().enumerate() {
            check(spec, items, item, &format!("{path}[{i}]"), errors, depth + 1);
        }
    }
}

/// A plan from its text; panics with the diagnostics when it does not load.
pub fn plan(file: &str, text: String) -> confcopy::plan::Plan {
    let loaded = confcopy::plan::load_text(file, text);
    loaded.plan.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics))
}

/// Credentials that sign in as a sandbox site's admin (email, API token, org API key).
pub fn admin_credentials(site: &SiteHandle) -> confcopy::settings::SiteCredentials {
    confcopy::settings::SiteCredentials::basic(
        site.admin_email(),
        site.admin_token(),
        Some(site.org_api_key()),
    )
}

/// Settings with both sites' admin credentials and the organization admin API at `gateway`.
pub fn admin_settings(
    source: &SiteHandle,
    destination: &SiteHandle,
    gateway: &SiteHandle,
) -> confcopy::settings::Settings {
    confcopy::settings::Settings {
        source: admin_credentials(source),
        destination: admin_credentials(destination),
        api_gateway: Some(gateway.base_url().to_string()),
        ..confcopy::settings::Settings::default()
    }
}
