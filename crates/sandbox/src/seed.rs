//! The seed format: a TOML (or JSON) description of organizations, accounts and sites, and its
//! conversion into a [`World`]. Documented in `docs/sandbox.md`.
//!
//! Seeds name accounts by a short `handle`, groups by name and content by a local `ref`; bodies
//! may use `{{user:HANDLE}}` (account id) and `{{id:REF}}` (content id) placeholders.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::SandboxError;
use crate::digest::sha256_hex;

use super::faults::FaultConfig;
use super::generate::GenerateSpec;
use super::model::permission::ANONYMOUS_ROLE;
use super::model::*;

const DEMO_SEED: &str = include_str!("seeds/demo.toml");
const DEFAULT_TIME: &str = "2024-01-15T09:00:00.000Z";

/// A parsed seed: what to load into a fresh sandbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub orgs: Vec<SeedOrg>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub sites: Vec<SeedSite>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrg {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub admins: Vec<String>,
    #[serde(default)]
    pub api_keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub handle: String,
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default = "active")]
    pub status: AccountStatus,
    #[serde(default)]
    pub api_tokens: Vec<String>,
}

fn active() -> AccountStatus {
    AccountStatus::Active
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSite {
    pub name: String,
    pub org: String,
    pub plan: ProductPlan,
    #[serde(default)]
    pub cloud_id: Option<String>,
    #[serde(default = "yes")]
    pub confluence: bool,
    #[serde(default)]
    pub apps: Vec<App>,
    /// Handles with direct Confluence access.
    #[serde(default)]
    pub access: Vec<String>,
    #[serde(default)]
    pub site_admins: Vec<String>,
    #[serde(default)]
    pub product_admins: Vec<String>,
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    #[serde(default)]
    pub spaces: Vec<SeedSpace>,
    /// Expand a deterministic generated site on load (see `sandbox generate`).
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
    /// Faults active from the start.
    #[serde(default)]
    pub faults: Option<FaultConfig>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGroup {
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub grants_access: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPermission {
    /// `user:HANDLE`, `group:NAME` or `anonymous`.
    pub who: String,
    /// `OPERATION:TARGET` pairs such as `read:space`, `create:page`.
    pub can: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSpace {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "global", rename = "type")]
    pub kind: SpaceType,
    #[serde(default = "current_space")]
    pub status: SpaceStatus,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub homepage: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub historical_keys: Vec<String>,
    #[serde(default)]
    pub permissions: Vec<SeedPermission>,
    #[serde(default)]
    pub pages: Vec<SeedContent>,
}

fn global() -> SpaceType {
    SpaceType::Global
}
fn current_space() -> SpaceStatus {
    SpaceStatus::Current
}
fn current_content() -> ContentStatus {
    ContentStatus::Current
}
fn page_kind() -> ContentKind {
    ContentKind::Page
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedContent {
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    pub title: String,
    #[serde(default = "page_kind")]
    pub kind: ContentKind,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default = "current_content")]
    pub status: ContentStatus,
    pub author: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    /// Body of the only version, when `versions` is empty.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub versions: Vec<SeedVersion>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub likes: Vec<String>,
    /// `user:HANDLE` / `group:NAME` entries allowed to read (empty: unrestricted).
    #[serde(default)]
    pub read_restricted_to: Vec<String>,
    #[serde(default)]
    pub update_restricted_to: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<SeedAttachment>,
    #[serde(default)]
    pub comments: Vec<SeedComment>,
    #[serde(default)]
    pub properties: Vec<SeedProperty>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVersion {
    pub author: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub minor_edit: bool,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAttachment {
    pub title: String,
    pub media_type: String,
    pub versions: Vec<SeedAttachmentVersion>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAttachmentVersion {
    pub author: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub comment: String,
    /// File bytes in base64 ...
    #[serde(default)]
    pub base64: Option<String>,
    /// ... or a size in bytes of deterministic generated data.
    #[serde(default)]
    pub generated_size: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedComment {
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    #[serde(default = "footer")]
    pub kind: CommentKind,
    /// `ref` of the comment this one replies to.
    #[serde(default)]
    pub parent: Option<String>,
    pub author: String,
    #[serde(default)]
    pub created_at: Option<String>,
    pub body: String,
    /// Inline root comments: the marker's `ac:ref` in the page body.
    #[serde(default)]
    pub marker_ref: Option<String>,
    #[serde(default)]
    pub selection: Option<String>,
    #[serde(default)]
    pub resolution: Option<ResolutionStatus>,
}

fn footer() -> CommentKind {
    CommentKind::Footer
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProperty {
    pub key: String,
    pub value: serde_json::Value,
}

impl Seed {
    /// The bundled demo seed: organizations `acme-org` and `globex-org`, sites `acme`,
    /// `acme-eu` and `globex`.
    pub fn demo() -> Seed {
        Seed::from_toml(DEMO_SEED).expect("the bundled demo seed parses")
    }

    pub fn from_toml(text: &str) -> Result<Seed, SandboxError> {
        toml::from_str(text).map_err(SandboxError::SeedToml)
    }

    /// Reads a seed file: JSON when the name ends in `.json`, TOML otherwise.
    pub fn from_path(path: &Path) -> Result<Seed, SandboxError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SandboxError::SeedUnreadable { path: path.to_path_buf(), source })?;
        if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text)
                .map_err(|error| SandboxError::SeedJson { path: path.to_path_buf(), error })
        } else {
            Seed::from_toml(&text)
                .map_err(|error| SandboxError::InFile { path: path.to_path_buf(), error: Box::new(error) })
        }
    }

    /// Faults configured per site in the seed.
    pub fn faults(&self) -> BTreeMap<String, FaultConfig> {
        self.sites.iter().filter_map(|s| s.faults.clone().map(|f| (s.name.clone(), f))).collect()
    }

    /// Builds the world the seed describes; errors name the unknown reference.
    pub fn build(&self) -> Result<World, SandboxError> {
        self.world().map_err(SandboxError::Seed)
    }

    fn world(&self) -> Result<World, String> {
        let mut world = World::default();
        let mut handles: HashMap<String, String> = HashMap::new();
        for u in &self.users {
            let id = u.account_id.clone().unwrap_or_else(|| account_id_for(&u.handle));
            if handles.insert(u.handle.clone(), id.clone()).is_some() {
                return Err(format!("duplicate user handle `{}`", u.handle));
            }
            world.accounts.insert(
                id.clone(),
                Account {
                    account_id: id,
                    display_name: u.display_name.clone(),
                    email: u.email.clone(),
                    status: u.status,
                    api_tokens: u.api_tokens.clone(),
                },
            );
        }
        let user = |h: &str| -> Result<String, String> {
            handles.get(h).cloned().ok_or_else(|| format!("unknown user handle `{h}`"))
        };
        for o in &self.orgs {
            world.orgs.push(Organization {
                id: o.id.clone(),
                name: o.name.clone(),
                admins: o.admins.iter().map(|h| user(h)).collect::<Result<_, _>>()?,
                api_keys: o.api_keys.clone(),
            });
        }
        for s in &self.sites {
            if !world.orgs.iter().any(|o| o.id == s.org) {
                return Err(format!("site `{}`: unknown org `{}`", s.name, s.org));
            }
            let mut site = build_site(s, &user)?;
            if let Some(spec) = &s.generate {
                super::generate::expand(spec, &mut world, &mut site);
            }
            world.sites.push(site);
        }
        Ok(world)
    }
}

/// A 24-hex-digit account id derived from a handle, like Atlassian's older account ids.
pub fn account_id_for(handle: &str) -> String {
    sha256_hex(format!("account:{handle}").as_bytes())[..24].to_string()
}

fn uuid_for(text: &str) -> String {
    let h = sha256_hex(text.as_bytes());
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn id_base(site: &str) -> u64 {
    let h = Sha256::digest(format!("ids:{site}").as_bytes());
    let n = u64::from_le_bytes(h[..8].try_into().expect("8 bytes"));
    (100 + n % 800) * 1_000_000
}

/// Group id for a group created on a site.
pub fn group_id_for(site: &str, name: &str) -> String {
    uuid_for(&format!("group:{site}:{name}"))
}

fn build_site(s: &SeedSite, user: &dyn Fn(&str) -> Result<String, String>) -> Result<Site, String> {
    let users = |v: &[String]| -> Result<BTreeSet<String>, String> { v.iter().map(|h| user(h)).collect() };
    let mut site = Site {
        name: s.name.clone(),
        cloud_id: s.cloud_id.clone().unwrap_or_else(|| uuid_for(&format!("cloud:{}", s.name))),
        org_id: s.org.clone(),
        plan: s.plan,
        apps: s.apps.clone(),
        confluence: s.confluence,
        access: users(&s.access)?,
        site_admins: users(&s.site_admins)?,
        product_admins: users(&s.product_admins)?,
        groups: Vec::new(),
        spaces: BTreeMap::new(),
        contents: BTreeMap::new(),
        attachments: BTreeMap::new(),
        comments: BTreeMap::new(),
        next_id: id_base(&s.name),
        index: Default::default(),
    };
    for g in &s.groups {
        site.groups.push(Group {
            id: group_id_for(&s.name, &g.name),
            name: g.name.clone(),
            members: users(&g.members)?,
            grants_access: g.grants_access,
        });
    }
    // Content ids first, so bodies and parents can refer forward.
    let mut refs: HashMap<String, u64> = HashMap::new();
    let mut ids: Vec<Vec<u64>> = Vec::new();
    for sp in &s.spaces {
        let mut v = Vec::new();
        for c in &sp.pages {
            let id = site.alloc_id();
            if let Some(r) = &c.reference
                && refs.insert(r.clone(), id).is_some()
            {
                return Err(format!("site `{}`: duplicate content ref `{r}`", s.name));
            }
            v.push(id);
        }
        ids.push(v);
    }
    let expand = |text: &str| -> Result<String, String> { expand_placeholders(text, &refs, user) };
    let principal = |who: &str, site: &Site| -> Result<(PrincipalType, String), String> {
        if who == "anonymous" {
            return Ok((PrincipalType::Role, ANONYMOUS_ROLE.to_string()));
        }
        match who.split_once(':') {
            Some(("user", h)) => Ok((PrincipalType::User, user(h)?)),
            Some(("group", n)) => site
                .groups
                .iter()
                .find(|g| g.name == n)
                .map(|g| (PrincipalType::Group, g.id.clone()))
                .ok_or_else(|| format!("site `{}`: unknown group `{n}`", site.name)),
            _ => Err(format!("`{who}`: expected user:HANDLE, group:NAME or anonymous")),
        }
    };
    for (sp, content_ids) in s.spaces.iter().zip(ids) {
        let space_id = site.alloc_id();
        let author = match &sp.author {
            Some(h) => user(h)?,
            None => site.site_admins.iter().next().cloned().unwrap_or_default(),
        };
        let mut permissions = Vec::new();
        for p in &sp.permissions {
            let (kind, id) = principal(&p.who, &site)?;
            for op in &p.can {
                let (operation, target) = op
                    .split_once(':')
                    .ok_or_else(|| format!("permission `{op}`: expected OPERATION:TARGET"))?;
                permissions.push(SpacePermission {
                    id: site.alloc_id(),
                    principal: Principal { kind, id: id.clone() },
                    operation: operation.to_string(),
                    target: target.to_string(),
                });
            }
        }
        let labels = sp.labels.iter().map(|n| label(&mut site, n)).collect::<Vec<_>>();
        let homepage_id = match &sp.homepage {
            Some(r) => {
                Some(*refs.get(r).ok_or_else(|| format!("space {}: unknown homepage ref `{r}`", sp.key))?)
            }
            None => None,
        };
        site.spaces.insert(
            space_id,
            Space {
                id: space_id,
                key: sp.key.clone(),
                name: sp.name.clone(),
                description: sp.description.clone(),
                kind: sp.kind,
                status: sp.status,
                author_id: author,
                created_at: sp.created_at.clone().unwrap_or_else(|| DEFAULT_TIME.into()),
                homepage_id,
                labels,
                permissions,
                historical_keys: sp.historical_keys.clone(),
                properties: Vec::new(),
            },
        );
        let mut positions: HashMap<Option<u64>, i64> = HashMap::new();
        for (c, id) in sp.pages.iter().zip(content_ids) {
            let parent_id = match &c.parent {
                Some(r) => {
                    Some(*refs.get(r).ok_or_else(|| format!("page `{}`: unknown parent `{r}`", c.title))?)
                }
                None => None,
            };
            let pos = positions.entry(parent_id).or_insert(0);
            *pos += 1;
            let created_at = c.created_at.clone().unwrap_or_else(|| DEFAULT_TIME.into());
            let mut versions = Vec::new();
            let seed_versions: Vec<SeedVersion> = if c.versions.is_empty() {
                vec![SeedVersion {
                    author: c.author.clone(),
                    created_at: Some(created_at.clone()),
                    message: String::new(),
                    minor_edit: false,
                    body: c.body.clone().unwrap_or_default(),
                }]
            } else {
                c.versions.clone()
            };
            for (n, v) in seed_versions.iter().enumerate() {
                versions.push(Version {
                    number: n as u32 + 1,
                    created_at: v.created_at.clone().unwrap_or_else(|| created_at.clone()),
                    author_id: user(&v.author)?,
                    message: v.message.clone(),
                    minor_edit: v.minor_edit,
                    body: Body::text(expand(&v.body)?),
                });
            }
            let restriction = |list: &[String], site: &Site| -> Result<Restriction, String> {
                let mut r = Restriction::default();
                for who in list {
                    match principal(who, site)? {
                        (PrincipalType::User, id) => r.users.push(id),
                        (PrincipalType::Group, id) => r.groups.push(id),
                        _ => return Err(format!("restriction `{who}`: user or group only")),
                    }
                }
                Ok(r)
            };
            let restrictions = Restrictions {
                read: restriction(&c.read_restricted_to, &site)?,
                update: restriction(&c.update_restricted_to, &site)?,
            };
            let labels = c.labels.iter().map(|n| label(&mut site, n)).collect();
            let mut properties = Vec::new();
            for p in &c.properties {
                properties.push(Property {
                    id: site.alloc_id(),
                    key: p.key.clone(),
                    value: p.value.clone(),
                    version: 1,
                    created_at: created_at.clone(),
                    author_id: user(&c.author)?,
                });
            }
            let author_id = user(&c.author)?;
            site.contents.insert(
                id,
                Content {
                    id,
                    kind: c.kind,
                    space_id,
                    title: c.title.clone(),
                    status: c.status,
                    parent_id,
                    position: *pos,
                    owner_id: match &c.owner {
                        Some(h) => user(h)?,
                        None => author_id.clone(),
                    },
                    author_id,
                    created_at: created_at.clone(),
                    versions,
                    labels,
                    restrictions,
                    likes: c.likes.iter().map(|h| user(h)).collect::<Result<_, _>>()?,
                    properties,
                },
            );
            for a in &c.attachments {
                let att_id = site.alloc_id();
                let mut versions = Vec::new();
                for (n, v) in a.versions.iter().enumerate() {
                    let data = match (&v.base64, v.generated_size) {
                        (Some(b), _) => BlobData::Stored {
                            base64: base64::engine::general_purpose::STANDARD
                                .decode(b.split_whitespace().collect::<String>())
                                .map_err(|e| format!("attachment `{}`: bad base64: {e}", a.title))?
                                .into(),
                        },
                        (None, Some(size)) => BlobData::Generated { seed: att_id * 31 + n as u64, size },
                        (None, None) => {
                            return Err(format!("attachment `{}`: give base64 or generated_size", a.title));
                        }
                    };
                    versions.push(AttachmentVersion {
                        number: n as u32 + 1,
                        created_at: v.created_at.clone().unwrap_or_else(|| created_at.clone()),
                        author_id: user(&v.author)?,
                        comment: v.comment.clone(),
                        minor_edit: false,
                        data,
                    });
                }
                if versions.is_empty() {
                    return Err(format!("attachment `{}` has no versions", a.title));
                }
                site.attachments.insert(
                    att_id,
                    Attachment {
                        id: att_id,
                        container_id: id,
                        title: a.title.clone(),
                        media_type: a.media_type.clone(),
                        file_id: uuid_for(&format!("file:{}:{att_id}", s.name)),
                        status: ContentStatus::Current,
                        created_at: versions[0].created_at.clone(),
                        versions,
                        labels: Vec::new(),
                        properties: Vec::new(),
                    },
                );
            }
            let mut comment_refs: HashMap<&str, u64> = HashMap::new();
            for cm in &c.comments {
                let cid = site.alloc_id();
                if let Some(r) = &cm.reference {
                    comment_refs.insert(r, cid);
                }
                let parent_comment_id = match &cm.parent {
                    Some(r) => Some(
                        *comment_refs
                            .get(r.as_str())
                            .ok_or_else(|| format!("comment parent `{r}` must come earlier"))?,
                    ),
                    None => None,
                };
                let at = cm.created_at.clone().unwrap_or_else(|| created_at.clone());
                let inline = cm.kind == CommentKind::Inline;
                site.comments.insert(
                    cid,
                    Comment {
                        id: cid,
                        kind: cm.kind,
                        container_id: id,
                        parent_comment_id,
                        status: ContentStatus::Current,
                        created_at: at.clone(),
                        versions: vec![Version {
                            number: 1,
                            created_at: at,
                            author_id: user(&cm.author)?,
                            message: String::new(),
                            minor_edit: false,
                            body: Body::text(expand(&cm.body)?),
                        }],
                        inline_marker_ref: cm.marker_ref.clone(),
                        inline_original_selection: cm.selection.clone(),
                        resolution_status: if inline {
                            Some(cm.resolution.unwrap_or(ResolutionStatus::Open))
                        } else {
                            None
                        },
                        properties: Vec::new(),
                    },
                );
            }
        }
    }
    Ok(site)
}

fn label(site: &mut Site, name: &str) -> Label {
    Label { id: site.alloc_id(), prefix: "global".into(), name: name.to_string() }
}

fn expand_placeholders(
    text: &str,
    refs: &HashMap<String, u64>,
    user: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| "unclosed `{{` in body".to_string())?;
        let inner = &after[..end];
        match inner.split_once(':') {
            Some(("user", h)) => out.push_str(&user(h)?),
            Some(("id", r)) => {
                out.push_str(&refs.get(r).ok_or_else(|| format!("unknown ref `{r}` in body"))?.to_string())
            }
            _ => return Err(format!("unknown placeholder `{{{{{inner}}}}}`")),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
