//! v1 content as the expanded listing (`GET /wiki/rest/api/content?expand=...`) answers it,
//! written straight from the model: a listing of 250 items with bodies, ancestors and their
//! restrictions is the sandbox's largest answer, and building it as a `Value` tree first cost
//! more than everything else it does.

use serde::Serialize;
use serde_json::Value;

use super::render;
use crate::model::{Content, ContentKind, Restriction, World};

/// Which expansions the request asked for.
#[derive(Debug, Clone, Default)]
pub struct Expand {
    /// Property keys asked for (`metadata.properties.KEY`).
    pub properties: Vec<String>,
    pub restrictions: bool,
    pub ancestor_restrictions: bool,
    pub labels: bool,
    pub body: bool,
    pub version: bool,
    pub history: bool,
    pub ancestors: bool,
    pub space: bool,
}

impl Expand {
    /// Reads `expand=a,b.c,...`: a name asks for itself and everything under it.
    pub fn parse(expand: Option<&str>) -> Expand {
        let asked: Vec<&str> = expand.unwrap_or("").split(',').map(str::trim).collect();
        let under = |name: &str| {
            asked.iter().any(|e| *e == name || e.strip_prefix(name).is_some_and(|rest| rest.starts_with('.')))
        };
        Expand {
            properties: super::properties::expanded_keys(expand),
            restrictions: under("restrictions"),
            ancestor_restrictions: under("ancestors.restrictions"),
            labels: asked.contains(&"metadata.labels"),
            body: asked.contains(&"body.storage"),
            version: under("version"),
            history: under("history"),
            ancestors: under("ancestors"),
            space: under("space"),
        }
    }
}

/// One listed page or blog post.
#[derive(Serialize)]
pub struct Item<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    title: &'a str,
    #[serde(rename = "_links")]
    links: SelfLink,
    #[serde(skip_serializing_if = "Option::is_none")]
    restrictions: Option<ByOperation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Body>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<VersionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<History<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ancestors: Option<Vec<Ancestor<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    space: Option<SpaceOut<'a>>,
    /// A page's place among its siblings (blog posts have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    extensions: Option<Extensions>,
}

#[derive(Serialize)]
struct Extensions {
    position: i64,
}

#[derive(Serialize)]
struct SelfLink {
    #[serde(rename = "self")]
    self_link: String,
}

#[derive(Serialize)]
struct ByOperation {
    read: OperationOut,
    update: OperationOut,
}

#[derive(Serialize)]
pub struct OperationOut {
    operation: &'static str,
    restrictions: Subjects,
    #[serde(rename = "_expandable")]
    expandable: ContentLink,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Serialize)]
struct ContentLink {
    content: String,
}

#[derive(Serialize)]
struct Subjects {
    user: ListOf,
    group: ListOf,
}

/// A v1 embedded list (`results`, `start`, `limit`, `size`).
#[derive(Serialize)]
struct ListOf {
    results: Vec<Value>,
    start: u32,
    limit: u32,
    size: usize,
}

impl ListOf {
    fn new(results: Vec<Value>, limit: u32) -> ListOf {
        ListOf { size: results.len(), results, start: 0, limit }
    }
}

#[derive(Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<ListOf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Value>,
}

#[derive(Serialize)]
struct Body {
    storage: Storage,
}

#[derive(Serialize)]
struct Storage {
    #[serde(serialize_with = "as_str")]
    value: std::sync::Arc<str>,
    representation: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionOut<'a> {
    by: Value,
    when: &'a str,
    message: &'a str,
    number: u32,
    minor_edit: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct History<'a> {
    latest: bool,
    created_by: Value,
    created_date: &'a str,
}

#[derive(Serialize)]
struct Ancestor<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    restrictions: Option<ByOperation>,
}

#[derive(Serialize)]
struct SpaceOut<'a> {
    id: u64,
    key: &'a str,
    name: &'a str,
}

/// Renders one listed item of site `s` with the expansions asked for.
pub fn item<'a>(w: &'a World, s: usize, c: &'a Content, expand: &Expand, base: &str) -> Item<'a> {
    let site = &w.sites[s];
    let person = |account_id: &str| match w.accounts.get(account_id) {
        Some(account) => render::user_v1(account),
        None => serde_json::json!({"type": "known", "accountId": account_id}),
    };
    let version = c.current();
    Item {
        id: c.id.to_string(),
        kind: kind_name(c.kind),
        status: c.status.as_str(),
        title: &c.title,
        links: SelfLink { self_link: format!("{base}/wiki/rest/api/content/{}", c.id) },
        restrictions: expand.restrictions.then(|| by_operation(w, s, c, base)),
        metadata: (expand.labels || !expand.properties.is_empty()).then(|| Metadata {
            labels: expand
                .labels
                .then(|| ListOf::new(c.labels.iter().map(super::v1_content::label_v1).collect(), 200)),
            properties: (!expand.properties.is_empty())
                .then(|| super::properties::v1_expansion(&c.properties, &expand.properties)),
        }),
        body: expand.body.then(|| Body {
            storage: Storage { value: render::body_text(&version.body), representation: "storage" },
        }),
        version: expand.version.then(|| VersionOut {
            by: person(&version.author_id),
            when: &version.created_at,
            message: &version.message,
            number: version.number,
            minor_edit: version.minor_edit,
        }),
        history: expand.history.then(|| History {
            latest: true,
            created_by: person(&c.author_id),
            created_date: &c.created_at,
        }),
        ancestors: expand.ancestors.then(|| {
            let mut chain = Vec::new();
            let mut parent = c.parent_id;
            while let Some(id) = parent.filter(|_| chain.len() < 1000) {
                let Some(p) = site.contents.get(&id) else { break };
                chain.push(Ancestor {
                    id: p.id.to_string(),
                    kind: kind_name(p.kind),
                    status: p.status.as_str(),
                    title: &p.title,
                    restrictions: expand.ancestor_restrictions.then(|| by_operation(w, s, p, base)),
                });
                parent = p.parent_id;
            }
            chain.reverse();
            chain
        }),
        space: if expand.space {
            site.spaces.get(&c.space_id).map(|sp| SpaceOut { id: sp.id, key: &sp.key, name: &sp.name })
        } else {
            None
        },
        extensions: (c.kind != ContentKind::BlogPost).then_some(Extensions { position: c.position }),
    }
}

fn kind_name(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Folder => "folder",
        ContentKind::BlogPost => "blogpost",
        _ => "page",
    }
}

/// v1 `restrictions` of content, keyed by operation (`read`, `update`).
fn by_operation(w: &World, s: usize, c: &Content, base: &str) -> ByOperation {
    ByOperation {
        read: operation(w, s, c, "read", &c.restrictions.read, base),
        update: operation(w, s, c, "update", &c.restrictions.update, base),
    }
}

/// One operation's restrictions on content, as v1 renders them.
pub fn operation(
    w: &World,
    s: usize,
    c: &Content,
    op: &'static str,
    r: &Restriction,
    base: &str,
) -> OperationOut {
    let site = &w.sites[s];
    let users: Vec<Value> = r.users.iter().filter_map(|u| w.accounts.get(u)).map(render::user_v1).collect();
    let groups: Vec<Value> = r
        .groups
        .iter()
        .filter_map(|g| site.groups.iter().find(|x| x.id == *g))
        .map(render::group_v1)
        .collect();
    OperationOut {
        operation: op,
        restrictions: Subjects { user: ListOf::new(users, 200), group: ListOf::new(groups, 200) },
        expandable: ContentLink { content: format!("/rest/api/content/{}", c.id) },
        links: SelfLink {
            self_link: format!("{base}/wiki/rest/api/content/{}/restriction/byOperation/{op}", c.id),
        },
    }
}

fn as_str<S: serde::Serializer>(value: &std::sync::Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value)
}
