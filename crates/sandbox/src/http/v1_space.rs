//! v1 spaces: list, get, create (keys are checked against current and historical keys, and a
//! homepage comes with the space), permissions one per call, space labels.

use serde::Deserialize;
use serde_json::{Value, json};

use super::pagination::v1_page;
use super::reply::{ApiError, ApiResult, Reply};
use super::request::Request;
use crate::model::permission::ANONYMOUS_ROLE;
use crate::model::*;

pub fn space_v1(site: &Site, s: &Space, base: &str) -> Value {
    let mut v = json!({
        "id": s.id,
        "key": s.key,
        "alias": s.key,
        "name": s.name,
        "type": s.kind.as_str(),
        "status": s.status.as_str(),
        "description": {"plain": {"value": s.description, "representation": "plain", "embeddedContent": []}},
        "_expandable": {},
        "_links": {"webui": format!("/spaces/{}", s.key), "self": format!("{base}/wiki/rest/api/space/{}", s.key)},
    });
    if let Some(h) = s.homepage_id.and_then(|h| site.contents.get(&h)) {
        v["homepage"] = json!({"id": h.id.to_string(), "type": "page", "status": h.status.as_str(),
                               "title": h.title, "_expandable": {}, "_links": {}});
    }
    v
}

/// A space by key; a key the space used to have still finds it, as old links keep working
/// after a key change.
fn readable<'a>(w: &'a World, s: usize, req: &Request, key: &str) -> Result<&'a Space, ApiError> {
    let site = &w.sites[s];
    site.space_by_any_key(key)
        .filter(|sp| site.can_read_space(sp, req.caller.as_deref()))
        .ok_or_else(|| ApiError::new(404, format!("No space with key : {key}")))
}

pub fn list(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let site = &w.sites[s];
    let keys = req.list("spaceKey");
    let spaces: Vec<&Space> = site
        .spaces
        .values()
        .filter(|sp| site.can_read_space(sp, req.caller.as_deref()))
        .filter(|sp| keys.is_empty() || keys.contains(&sp.key))
        .collect();
    v1_page(req, &spaces, 25, |sp| space_v1(site, sp, &req.base_url))
}

pub fn get(req: &Request, w: &mut World, s: usize, key: &str) -> ApiResult {
    let sp = readable(w, s, req, key)?;
    Ok(Reply::ok(space_v1(&w.sites[s], sp, &req.base_url)))
}

#[derive(Deserialize)]
struct PlainIn {
    value: String,
}
#[derive(Deserialize)]
struct DescriptionIn {
    plain: PlainIn,
}
#[derive(Deserialize)]
struct CreateIn {
    key: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<DescriptionIn>,
    #[serde(default)]
    permissions: Option<Vec<PermissionCreateIn>>,
}

/// One entry of a space create's `permissions` (the official `SpacePermissionCreate`): an
/// operation granted to users, groups and, with `anonymousAccess`, anonymous users.
#[derive(Deserialize)]
struct PermissionCreateIn {
    #[serde(default)]
    subjects: Option<SubjectsIn>,
    operation: OperationCheckIn,
    #[serde(rename = "anonymousAccess", default)]
    anonymous_access: bool,
}
#[derive(Deserialize)]
struct SubjectsIn {
    #[serde(default)]
    user: Option<ResultsIn>,
    #[serde(default)]
    group: Option<ResultsIn>,
}
#[derive(Deserialize)]
struct ResultsIn {
    #[serde(default)]
    results: Vec<Value>,
}
#[derive(Deserialize)]
struct OperationCheckIn {
    operation: String,
    #[serde(rename = "targetType")]
    target_type: String,
}

impl PermissionCreateIn {
    /// The single grants this entry stands for, in the form a grant of its own takes: users by
    /// `accountId`, groups by `id` (or `name`).
    fn grants(&self) -> Result<Vec<PermissionIn>, ApiError> {
        let operation = || OperationIn {
            key: self.operation.operation.clone(),
            target: self.operation.target_type.clone(),
        };
        let mut out = Vec::new();
        let subjects = self.subjects.as_ref();
        for (kind, field, list) in [
            ("user", "accountId", subjects.and_then(|s| s.user.as_ref())),
            ("group", "id", subjects.and_then(|s| s.group.as_ref())),
        ] {
            for subject in list.map_or(&[][..], |l| l.results.as_slice()) {
                let identifier =
                    subject.get(field).or_else(|| subject.get("name")).and_then(Value::as_str).ok_or_else(
                        || ApiError::bad_request(format!("A permission's {kind} needs its {field}")),
                    )?;
                out.push(PermissionIn {
                    subject: SubjectIn { kind: kind.into(), identifier: identifier.into() },
                    operation: operation(),
                });
            }
        }
        if self.anonymous_access {
            out.push(PermissionIn {
                subject: SubjectIn { kind: "anonymous".into(), identifier: String::new() },
                operation: operation(),
            });
        }
        Ok(out)
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.chars().all(|c| c.is_ascii_alphanumeric())
}

pub fn create(req: &Request, w: &mut World, s: usize) -> ApiResult {
    let caller = req.caller()?.to_string();
    let input: CreateIn = req.json()?;
    let key = input.key.ok_or_else(|| ApiError::bad_request("Space key is required"))?;
    if !valid_key(&key) {
        return Err(ApiError::bad_request(format!(
            "Space key '{key}' is invalid: use letters and digits only"
        )));
    }
    if input.name.trim().is_empty() || input.name.len() > 200 {
        return Err(ApiError::bad_request("Space name is required and at most 200 characters"));
    }
    let mut given = Vec::new();
    for entry in input.permissions.iter().flatten() {
        for grant in entry.grants()? {
            if grant.subject.kind == "user" && !w.accounts.contains_key(&grant.subject.identifier) {
                return Err(ApiError::bad_request(format!(
                    "No user with account id {}",
                    grant.subject.identifier
                )));
            }
            given.push(grant);
        }
    }
    let site = &mut w.sites[s];
    if !site.has_access(&caller) {
        return Err(ApiError::forbidden("No permission to create spaces"));
    }
    if let Some(other) = site.space_by_any_key(&key) {
        let how = if other.key.eq_ignore_ascii_case(&key) { "A space" } else { "A space that used this key" };
        return Err(ApiError::bad_request(format!(
            "{how} already exists with key {key} (space {})",
            other.key
        )));
    }
    let now = jiff::Timestamp::now().to_string();
    let space_id = site.alloc_id();
    let home_id = site.alloc_id();
    // Given permissions, the space has only those (each once); else the creator gets the
    // default set.
    let mut permissions: Vec<SpacePermission> = Vec::new();
    for grant in &given {
        let perm = permission_from(site, grant)?;
        if !permissions.iter().any(|p| {
            p.principal == perm.principal && p.operation == perm.operation && p.target == perm.target
        }) {
            permissions.push(SpacePermission { id: site.alloc_id(), ..perm });
        }
    }
    for op in [
        "read:space",
        "administer:space",
        "create:page",
        "create:blogpost",
        "create:comment",
        "create:attachment",
        "delete:page",
        "export:space",
    ]
    .into_iter()
    .filter(|_| input.permissions.is_none())
    {
        let (o, t) = op.split_once(':').expect("op:target");
        permissions.push(SpacePermission {
            id: site.alloc_id(),
            principal: Principal { kind: PrincipalType::User, id: caller.clone() },
            operation: o.into(),
            target: t.into(),
        });
    }
    site.insert_content(Content {
        id: home_id,
        kind: ContentKind::Page,
        space_id,
        title: input.name.clone(),
        status: ContentStatus::Current,
        parent_id: None,
        position: 1,
        author_id: caller.clone(),
        owner_id: caller.clone(),
        created_at: now.clone(),
        versions: vec![Version {
            number: 1,
            created_at: now.clone(),
            author_id: caller.clone(),
            message: String::new(),
            minor_edit: false,
            body: Body::text(""),
        }],
        labels: Vec::new(),
        restrictions: Restrictions::default(),
        likes: Vec::new(),
        properties: Vec::new(),
    });
    let space = Space {
        id: space_id,
        key,
        name: input.name,
        description: input.description.map(|d| d.plain.value).unwrap_or_default(),
        kind: SpaceType::Global,
        status: SpaceStatus::Current,
        author_id: caller,
        created_at: now,
        homepage_id: Some(home_id),
        labels: Vec::new(),
        permissions,
        historical_keys: Vec::new(),
        properties: Vec::new(),
    };
    let v = space_v1(site, &space, &req.base_url);
    site.spaces.insert(space_id, space);
    Ok(Reply::ok(v))
}

#[derive(Deserialize)]
struct SubjectIn {
    #[serde(rename = "type")]
    kind: String,
    identifier: String,
}
#[derive(Deserialize)]
struct OperationIn {
    key: String,
    target: String,
}
#[derive(Deserialize)]
struct PermissionIn {
    subject: SubjectIn,
    operation: OperationIn,
}

fn permission_from(site: &Site, p: &PermissionIn) -> Result<SpacePermission, ApiError> {
    let principal = match p.subject.kind.as_str() {
        "user" => Principal { kind: PrincipalType::User, id: p.subject.identifier.clone() },
        "group" => {
            let g = site
                .groups
                .iter()
                .find(|g| g.id == p.subject.identifier || g.name == p.subject.identifier)
                .ok_or_else(|| ApiError::bad_request(format!("No group {}", p.subject.identifier)))?;
            Principal { kind: PrincipalType::Group, id: g.id.clone() }
        }
        "anonymous" => Principal { kind: PrincipalType::Role, id: ANONYMOUS_ROLE.into() },
        other => return Err(ApiError::bad_request(format!("Invalid subject type {other}"))),
    };
    let ops = [
        "read",
        "administer",
        "archive",
        "copy",
        "create",
        "delete",
        "export",
        "move",
        "purge",
        "restrict_content",
    ];
    let targets = ["space", "page", "blogpost", "comment", "attachment"];
    if !ops.contains(&p.operation.key.as_str()) || !targets.contains(&p.operation.target.as_str()) {
        return Err(ApiError::bad_request(format!(
            "Invalid operation {}:{}",
            p.operation.key, p.operation.target
        )));
    }
    Ok(SpacePermission {
        id: 0,
        principal,
        operation: p.operation.key.clone(),
        target: p.operation.target.clone(),
    })
}

fn permission_v1(w: &World, p: &SpacePermission) -> Value {
    let (kind, identifier) = match p.principal.kind {
        PrincipalType::User => ("user", p.principal.id.clone()),
        PrincipalType::Group => ("group", p.principal.id.clone()),
        PrincipalType::Role => ("anonymous", p.principal.id.clone()),
    };
    let _ = w;
    json!({"id": p.id, "subject": {"type": kind, "identifier": identifier},
           "operation": {"key": p.operation, "target": p.target}, "_links": {}})
}

pub fn permissions(req: &Request, w: &mut World, s: usize, key: &str) -> ApiResult {
    let sp = readable(w, s, req, key)?;
    let list: Vec<Value> = sp.permissions.iter().map(|p| permission_v1(w, p)).collect();
    Ok(Reply::ok(Value::Array(list)))
}

pub fn add_permission(req: &Request, w: &mut World, s: usize, key: &str) -> ApiResult {
    let caller = req.caller()?.to_string();
    let space_id = readable(w, s, req, key)?.id;
    let input: PermissionIn = req.json()?;
    let site = &mut w.sites[s];
    let space = &site.spaces[&space_id];
    if !site.space_allows(space, Some(&caller), "administer", "space") {
        return Err(ApiError::forbidden("Only space admins can change permissions"));
    }
    let mut perm = permission_from(site, &input)?;
    if space
        .permissions
        .iter()
        .any(|p| p.principal == perm.principal && p.operation == perm.operation && p.target == perm.target)
    {
        return Err(ApiError::bad_request("Permission already exists"));
    }
    if perm.principal.kind == PrincipalType::User && !w.accounts.contains_key(&perm.principal.id) {
        return Err(ApiError::bad_request(format!("No user with account id {}", perm.principal.id)));
    }
    let site = &mut w.sites[s];
    perm.id = site.alloc_id();
    let v = permission_v1(w, &perm);
    let site = &mut w.sites[s];
    if let Some(sp) = site.spaces.get_mut(&space_id) {
        sp.permissions.push(perm);
    }
    Ok(Reply::ok(v))
}

pub fn labels(req: &Request, w: &mut World, s: usize, key: &str) -> ApiResult {
    let sp = readable(w, s, req, key)?;
    v1_page(req, &sp.labels, 200, super::v1_content::label_v1)
}

pub fn add_labels(req: &Request, w: &mut World, s: usize, key: &str) -> ApiResult {
    let caller = req.caller()?.to_string();
    let space_id = readable(w, s, req, key)?.id;
    let wanted = super::v1_content::parse_labels(req)?;
    let site = &mut w.sites[s];
    if !site.space_allows(&site.spaces[&space_id], Some(&caller), "administer", "space") {
        return Err(ApiError::forbidden("Only space admins can label a space"));
    }
    for (prefix, name) in wanted {
        if site.spaces[&space_id].labels.iter().any(|l| l.name == name && l.prefix == prefix) {
            continue;
        }
        let id = site.alloc_id();
        if let Some(sp) = site.spaces.get_mut(&space_id) {
            sp.labels.push(Label { id, prefix, name });
        }
    }
    let sp = &w.sites[s].spaces[&space_id];
    v1_page(req, &sp.labels, 200, super::v1_content::label_v1)
}
