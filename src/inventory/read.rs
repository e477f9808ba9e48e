//! Reads the [`Inventory`] from both sites: a handful of list requests per space, never one
//! request per page (comments and attachments come from site-wide lists, restrictions from an
//! expanded v1 list).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use futures_util::TryStreamExt;

use super::mentions::mentioned_accounts;
use super::model::*;
use crate::client::model::space::Space;
use crate::client::{ClientError, CommentKind, SiteClient, SpaceFilter};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{At, Memberships, Plan, SiteRef, UserScope};
use crate::site::{PlanSites, Site};

/// Why the inventory could not be read: a site that cannot be reached or answers nonsense.
fn unreachable(site: &At<SiteRef>, error: &ClientError) -> Diagnostic {
    // The client's own message starts with the site too: name it once, as the plan does.
    let message = format!("{}: could not {}: {}", site.value, error.operation(), error.kind());
    Diagnostic::new(Code::SiteUnreachable, message)
        .label(site.span.clone(), "this site did not answer as Confluence Cloud does")
        .help("check the address, the network and the site's status page, then run the check again")
}

/// Reads everything the checks and the forecast need.
pub async fn read(plan: &Plan, sites: &PlanSites) -> Result<Inventory, Diagnostic> {
    let (source, destination) = tokio::join!(facts(&sites.source), facts(&sites.destination));
    let source = source.map_err(|e| unreachable(&plan.source, &e))?;
    let destination = destination.map_err(|e| unreachable(&plan.destination, &e))?;
    let mut inventory = Inventory {
        source: source.facts,
        destination: destination.facts,
        source_keys: Vec::new(),
        spaces: Vec::new(),
        destination_conflicts: Vec::new(),
        users: BTreeMap::new(),
        groups: BTreeMap::new(),
        destination_groups: BTreeMap::new(),
        destination_names: BTreeMap::new(),
        destination_licensed: BTreeSet::new(),
    };
    let (Some(source_client), Some(destination_client)) = (&sites.source.client, &sites.destination.client)
    else {
        return Ok(inventory);
    };
    if !inventory.source.usable() || !inventory.destination.usable() {
        return Ok(inventory);
    }
    let admin_key =
        inventory.source.product_admin == Some(true) && source_client.enable_admin_key().await.is_ok();
    read_source(plan, source_client, &source.org, admin_key, &mut inventory)
        .await
        .map_err(|e| unreachable(&plan.source, &e))?;
    read_destination(plan, destination_client, &destination.org, &mut inventory)
        .await
        .map_err(|e| unreachable(&plan.destination, &e))?;
    Ok(inventory)
}

/// The organization side of a site, when an organization key confirmed it.
#[derive(Default)]
struct OrgView {
    admin: Option<crate::client::AdminClient>,
    /// The host the organization knows the site by (`acme.atlassian.net`).
    host: Option<String>,
}

struct FactsRead {
    facts: SiteFacts,
    org: OrgView,
}

fn blank(site: &Site, access: Access) -> SiteFacts {
    SiteFacts {
        label: site.label.clone(),
        access,
        product_admin: None,
        org_admin: OrgAdmin::NoKey,
        confluence: false,
        plan: None,
        usage: None,
        capacity: None,
        apps: Vec::new(),
    }
}

async fn facts(site: &Site) -> Result<FactsRead, ClientError> {
    let Some(client) = &site.client else {
        return Ok(FactsRead { facts: blank(site, Access::Missing), org: OrgView::default() });
    };
    let tenant = client.tenant_info().await?;
    let (access, confluence) = match client.current_user().await {
        Ok(user) => (
            Access::Granted {
                display_name: user
                    .display_name
                    .clone()
                    .or(user.public_name.clone())
                    .unwrap_or_else(|| user.account_id.clone()),
                account_id: user.account_id,
            },
            true,
        ),
        Err(e) if e.status() == Some(401) => (
            Access::Rejected {
                message: e.server_message().map_or("401 Unauthorized".to_string(), |m| m.message.clone()),
            },
            false,
        ),
        Err(e) if e.is_not_found() => {
            (Access::Granted { account_id: String::new(), display_name: "the caller".into() }, false)
        }
        Err(e) => return Err(e),
    };
    let mut facts = blank(site, access);
    facts.confluence = confluence;
    if !facts.signed_in() || !confluence {
        return Ok(FactsRead { facts, org: OrgView::default() });
    }
    facts.product_admin = match client.admin_key().await {
        Ok(_) => Some(true),
        Err(e) if e.is_access_denied() => Some(false),
        Err(e) => return Err(e),
    };
    if facts.product_admin == Some(false) {
        // Apps, groups and permissions are admin reads: the access finding says it all.
        return Ok(FactsRead { facts, org: OrgView::default() });
    }
    let mut apps: Vec<App> = client
        .apps()
        .await?
        .into_iter()
        .filter(|a| a.user_installed)
        .map(|a| App { name: a.name.clone().unwrap_or_else(|| a.key.clone()), key: a.key })
        .collect();
    apps.sort();
    facts.apps = apps;
    let mut org = OrgView::default();
    if let Some(key) = &site.admin {
        facts.org_admin = organization(key, &tenant.cloud_id, site, &mut facts, &mut org).await?;
    }
    Ok(FactsRead { facts, org })
}

/// Finds the organization of the key that owns this site, and what the site's plan is.
async fn organization(
    key: &crate::site::AdminKey,
    cloud_id: &str,
    site: &Site,
    facts: &mut SiteFacts,
    view: &mut OrgView,
) -> Result<OrgAdmin, ClientError> {
    let probe = key.client("-")?;
    let orgs: Vec<_> = match probe.orgs().try_collect().await {
        Ok(orgs) => orgs,
        Err(e) if e.is_access_denied() => {
            return Ok(OrgAdmin::No {
                org_id: "unknown".into(),
                message: e.server_message().map_or("key refused".to_string(), |m| m.message.clone()),
            });
        }
        Err(e) => return Err(e),
    };
    let host = site.base.host().to_string();
    for org in &orgs {
        let admin = key.client(&org.id)?;
        let workspaces = admin.workspaces().await?;
        let found = workspaces.iter().find(|w| {
            w.id == cloud_id
                || w.attributes
                    .as_ref()
                    .and_then(|a| a.host_url.as_deref())
                    .is_some_and(|u| u.contains(&host))
        });
        if let Some(workspace) = found {
            if workspace
                .attributes
                .as_ref()
                .and_then(|a| a.product.as_deref())
                .is_some_and(|p| p != "confluence")
            {
                facts.confluence = false;
            }
            facts.plan = workspace.plan();
            facts.usage = workspace.attributes.as_ref().and_then(|a| a.usage);
            facts.capacity = workspace.attributes.as_ref().and_then(|a| a.capacity);
            view.host = workspace.attributes.as_ref().and_then(|a| a.host_url.clone()).map(|u| host_of(&u));
            view.admin = Some(admin);
            return Ok(OrgAdmin::Yes { org_id: org.id.clone() });
        }
    }
    let ids: Vec<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    Ok(OrgAdmin::No {
        org_id: if ids.is_empty() { "unknown".into() } else { ids.join(", ") },
        message: "the key's organization does not own this site".into(),
    })
}

fn host_of(url: &str) -> String {
    url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or("").to_ascii_lowercase()
}

fn is_anonymous(kind: &str, id: Option<&str>) -> bool {
    kind.eq_ignore_ascii_case("anonymous")
        || (kind.eq_ignore_ascii_case("role")
            && id.is_some_and(|id| id.to_ascii_uppercase().contains("ANONYMOUS")))
}

/// Everyone the selected spaces relate to, with the reasons.
#[derive(Default)]
struct Related {
    users: BTreeMap<String, BTreeSet<Reason>>,
    /// Group ids named by permissions and restrictions.
    groups: BTreeSet<String>,
}

impl Related {
    fn add(&mut self, account_id: Option<&str>, reason: Reason) {
        if let Some(id) = account_id.filter(|id| !id.is_empty()) {
            self.users.entry(id.to_string()).or_default().insert(reason);
        }
    }

    fn mentions(&mut self, body: Option<&str>) {
        for id in body.into_iter().flat_map(mentioned_accounts) {
            self.add(Some(id), Reason::Mentioned);
        }
    }
}

/// `admin_key`: the caller enabled an admin key, so restricted content shows in the listings
/// that ask for it — how confcopy counts what the credentials alone cannot read.
async fn read_source(
    plan: &Plan,
    client: &SiteClient,
    org: &OrgView,
    admin_key: bool,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let all_spaces: Vec<Space> = client.spaces(&SpaceFilter::default()).try_collect().await?;
    inventory.source_keys = all_spaces.iter().map(|s| s.key.clone()).collect();
    let groups: Vec<_> = client.groups().try_collect().await?;
    let group_names: HashMap<String, String> =
        groups.iter().map(|g| (g.id.clone(), g.name.clone())).collect();
    let statuses = if plan.content.archived.value { "current,archived" } else { "current" };
    let mut related = Related::default();
    let mut container_space: HashMap<String, usize> = HashMap::new();
    let mut hidden_space: HashMap<String, usize> = HashMap::new();
    // Selected spaces by key (a key selected twice counts in both places).
    let mut selected: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, selection) in plan.spaces.iter().enumerate() {
        let Some(space) = all_spaces.iter().find(|s| s.key.eq_ignore_ascii_case(&selection.source_key.value))
        else {
            inventory.spaces.push(None);
            continue;
        };
        selected.entry(space.key.clone()).or_default().push(index);
        let mut anonymous = Vec::new();
        let permissions: Vec<_> = client.space_permissions(&space.id).try_collect().await?;
        for permission in &permissions {
            let operation = format!("{}:{}", permission.operation.key, permission.operation.target_type);
            match permission.principal.kind.as_str() {
                "user" => related.add(permission.principal.id.as_deref(), Reason::Permission),
                "group" => related.groups.extend(permission.principal.id.clone()),
                kind if is_anonymous(kind, permission.principal.id.as_deref()) => anonymous.push(operation),
                _ => {}
            }
        }
        anonymous.sort();
        anonymous.dedup();
        inventory.spaces.push(Some(SourceSpace {
            id: space.id.clone(),
            key: space.key.clone(),
            name: space.name.clone(),
            anonymous,
            counts: SpaceCounts::default(),
            unreadable_pages: 0,
            unreadable_attachments: 0,
        }));
    }
    let caller = match &inventory.source.access {
        Access::Granted { account_id, .. } => account_id.clone(),
        _ => String::new(),
    };
    let listed = list_content(client, &all_spaces, &selected, statuses, admin_key).await?;
    let mut reader = Reader::new(client, caller, admin_key, &listed).await?;
    for item in &listed {
        let Some(indices) = selected.get(&item.space_key) else { continue };
        let readable = reader.can_read(client, item).await?;
        for &index in indices {
            let Some(Some(space)) = inventory.spaces.get_mut(index) else { continue };
            if !readable {
                space.unreadable_pages += 1;
                hidden_space.insert(item.id.clone(), index);
                continue;
            }
            match item.kind {
                ListedKind::Page => space.counts.pages += 1,
                ListedKind::BlogPost => space.counts.blog_posts += 1,
            }
            container_space.insert(item.id.clone(), index);
        }
        if !readable {
            continue;
        }
        related.add(item.author.as_deref(), Reason::Author);
        related.add(item.editor.as_deref(), Reason::Editor);
        for id in &item.mentioned {
            related.add(Some(id), Reason::Mentioned);
        }
        for id in &item.restricted_users {
            related.add(Some(id), Reason::Restriction);
        }
        related.groups.extend(item.restricted_groups.iter().cloned());
    }
    count_comments(client, &container_space, &mut related, inventory).await?;
    count_attachments(client, admin_key, &container_space, &hidden_space, inventory).await?;
    scope_users(plan, client, org, &groups, &group_names, related, inventory).await
}

async fn count_comments(
    client: &SiteClient,
    container_space: &HashMap<String, usize>,
    related: &mut Related,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    for kind in [CommentKind::Footer, CommentKind::Inline] {
        let comments: Vec<_> = client.all_comments(kind).try_collect().await?;
        // Replies may name only their parent comment: resolve their container through it.
        let parents: HashMap<&str, &crate::client::model::comment::Comment> =
            comments.iter().map(|c| (c.id.as_str(), c)).collect();
        for comment in &comments {
            let mut cursor = comment;
            let mut hops = 0;
            let container = loop {
                if let Some(id) = cursor.page_id.as_deref().or(cursor.blog_post_id.as_deref()) {
                    break Some(id);
                }
                match cursor.parent_comment_id.as_deref().and_then(|p| parents.get(p)) {
                    Some(parent) if hops < 64 => {
                        cursor = parent;
                        hops += 1;
                    }
                    _ => break None,
                }
            };
            let Some(&index) = container.and_then(|id| container_space.get(id)) else { continue };
            if let Some(Some(space)) = inventory.spaces.get_mut(index) {
                space.counts.comments += 1;
            }
            related.add(comment.version.as_ref().and_then(|v| v.author_id.as_deref()), Reason::Commenter);
            related.mentions(comment.storage());
        }
    }
    Ok(())
}

async fn count_attachments(
    client: &SiteClient,
    admin_key: bool,
    container_space: &HashMap<String, usize>,
    hidden_space: &HashMap<String, usize>,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let mut attachments =
        if admin_key { client.all_attachments_with_admin_key() } else { client.all_attachments() };
    while let Some(attachment) = attachments.try_next().await? {
        let container = attachment.page_id.as_deref().or(attachment.blog_post_id.as_deref());
        if let Some(&index) = container.and_then(|id| hidden_space.get(id)) {
            if let Some(Some(space)) = inventory.spaces.get_mut(index) {
                space.unreadable_attachments += 1;
            }
            continue;
        }
        let Some(&index) = container.and_then(|id| container_space.get(id)) else { continue };
        if let Some(Some(space)) = inventory.spaces.get_mut(index) {
            space.counts.attachments += 1;
            space.counts.attachment_bytes += attachment.file_size.unwrap_or(0);
        }
    }
    Ok(())
}

/// Settles who is in scope and why, which groups come along, and the users' details.
async fn scope_users(
    plan: &Plan,
    client: &SiteClient,
    org: &OrgView,
    groups: &[crate::client::model::group::Group],
    group_names: &HashMap<String, String>,
    mut related: Related,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let scope_all = plan.users.scope.value == UserScope::All;
    // Whose members matter: every group when all users are in scope, or when users come with
    // their groups (memberships or group members); otherwise the groups that permissions and
    // restrictions name.
    let every_group = scope_all
        || plan.users.include_group_members.value
        || plan.users.memberships.value == Memberships::WithGroups;
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for group in groups.iter().filter(|g| every_group || related.groups.contains(&g.id)) {
        let ids: BTreeSet<String> =
            client.group_members(&group.id).map_ok(|u| u.account_id).try_collect().await?;
        members.insert(group.id.clone(), ids);
    }
    let org_users: Vec<crate::client::model::org::OrgUser> = match &org.admin {
        Some(admin) => admin.users().try_collect().await?,
        None => Vec::new(),
    };
    if scope_all {
        for user in &org_users {
            let on_site = org.host.as_ref().is_none_or(|host| {
                user.product_access.iter().any(|p| p.url.as_deref().is_some_and(|u| host_of(u) == *host))
            });
            let former = AccountStatus::from_api(user.account_status.as_deref()) == AccountStatus::Former;
            let in_groups = members.values().any(|m| m.contains(&user.account_id));
            if on_site || former || in_groups {
                related.add(Some(&user.account_id), Reason::All);
            }
        }
        for ids in members.values() {
            for id in ids {
                related.add(Some(id), Reason::All);
            }
        }
    } else if plan.users.include_group_members.value {
        let scoped: HashSet<String> = related.users.keys().cloned().collect();
        for ids in members.values().filter(|ids| ids.iter().any(|id| scoped.contains(id))) {
            for id in ids {
                related.add(Some(id), Reason::GroupMember);
            }
        }
    }
    // Groups in scope: named by permissions or restrictions, or holding a user in scope.
    for group in groups {
        let ids = members.get(&group.id).cloned().unwrap_or_default();
        let named = related.groups.contains(&group.id);
        if scope_all || named || ids.iter().any(|id| related.users.contains_key(id)) {
            inventory.groups.insert(
                group.name.clone(),
                GroupFacts { id: group.id.clone(), name: group.name.clone(), members: ids },
            );
        }
    }
    let _ = group_names;
    let ids: Vec<String> = related.users.keys().cloned().collect();
    let details = client.users_bulk(&ids).await?;
    let by_id: HashMap<&str, &crate::client::model::user::User> =
        details.iter().map(|u| (u.account_id.as_str(), u)).collect();
    let org_by_id: HashMap<&str, &crate::client::model::org::OrgUser> =
        org_users.iter().map(|u| (u.account_id.as_str(), u)).collect();
    for (id, reasons) in related.users {
        let bulk = by_id.get(id.as_str());
        let admin = org_by_id.get(id.as_str());
        let status = AccountStatus::from_api(
            bulk.and_then(|u| u.account_status.as_deref())
                .or(admin.and_then(|u| u.account_status.as_deref())),
        );
        let display_name = if status == AccountStatus::Former {
            "Former user".to_string()
        } else {
            bulk.and_then(|u| u.display_name.clone().or(u.public_name.clone()))
                .or(admin.and_then(|u| u.name.clone()))
                .unwrap_or_else(|| id.clone())
        };
        let email = bulk
            .and_then(|u| u.email.clone())
            .or(admin.and_then(|u| u.email.clone()))
            .filter(|e| !e.trim().is_empty());
        let user_groups =
            inventory.groups.values().filter(|g| g.members.contains(&id)).map(|g| g.name.clone()).collect();
        inventory.users.insert(
            id.clone(),
            UserFacts { account_id: id, display_name, email, status, reasons, groups: user_groups },
        );
    }
    Ok(())
}

async fn read_destination(
    plan: &Plan,
    client: &SiteClient,
    org: &OrgView,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let spaces: Vec<Space> = client.spaces(&SpaceFilter::default()).try_collect().await?;
    for selection in &plan.spaces {
        let wanted = &selection.destination_key.value;
        let current = spaces.iter().find(|s| s.key.eq_ignore_ascii_case(wanted));
        let conflict = match current {
            Some(space) => Some(DestinationSpace {
                key: space.key.clone(),
                name: space.name.clone(),
                historical_keys: Vec::new(),
            }),
            None => client.space_holding_key(wanted).await?.map(|space| DestinationSpace {
                historical_keys: if space.key.eq_ignore_ascii_case(wanted) {
                    Vec::new()
                } else {
                    vec![wanted.clone()]
                },
                key: space.key,
                name: space.name,
            }),
        };
        inventory.destination_conflicts.push(conflict);
    }
    let groups: Vec<_> = client.groups().try_collect().await?;
    for group in groups {
        if !inventory.groups.keys().any(|name| name.eq_ignore_ascii_case(&group.name)) {
            continue;
        }
        // Destination members matter only where memberships are kept (merges, verify).
        if plan.users.memberships.value != Memberships::WithGroups {
            let members = BTreeSet::new();
            inventory
                .destination_groups
                .insert(group.name.to_lowercase(), GroupFacts { id: group.id, name: group.name, members });
            continue;
        }
        let users: Vec<_> = client.group_members(&group.id).try_collect().await?;
        for user in &users {
            if let Some(name) = user.display_name.clone().or(user.public_name.clone()) {
                inventory.destination_names.insert(user.account_id.clone(), name);
            }
        }
        let members = users.into_iter().map(|u| u.account_id).collect();
        inventory
            .destination_groups
            .insert(group.name.to_lowercase(), GroupFacts { id: group.id, name: group.name, members });
    }
    if let (Some(admin), Some(host)) = (&org.admin, &org.host) {
        let mut users = admin.users();
        while let Some(user) = users.try_next().await? {
            if user.product_access.iter().any(|p| p.url.as_deref().is_some_and(|u| host_of(u) == *host)) {
                inventory.destination_licensed.insert(user.account_id);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListedKind {
    Page,
    BlogPost,
}

/// What the inventory keeps of one listed page or blog post (the body is read and dropped).
struct ListedItem {
    id: String,
    kind: ListedKind,
    space_key: String,
    author: Option<String>,
    editor: Option<String>,
    mentioned: Vec<String>,
    /// Users and groups of the read and update restrictions.
    restricted_users: Vec<String>,
    restricted_groups: Vec<String>,
    read: ReadRule,
    /// Root first, each with its read restriction when the listing expanded it.
    ancestors: Vec<(String, Option<ReadRule>)>,
}

/// A read restriction: empty means "no restriction".
#[derive(Debug, Clone, Default)]
struct ReadRule {
    users: Vec<String>,
    groups: Vec<String>,
}

impl ReadRule {
    fn from(operation: Option<&crate::client::model::restriction::OperationRestrictions>) -> Self {
        let Some(operation) = operation else { return Self::default() };
        Self {
            users: operation.restrictions.users().iter().map(|u| u.account_id.clone()).collect(),
            groups: operation.restrictions.groups().iter().map(|g| g.id.clone()).collect(),
        }
    }

    /// Whether the rule lets the caller (or one of its groups) read.
    fn allows(&self, caller: &str, groups: &HashSet<String>) -> bool {
        (self.users.is_empty() && self.groups.is_empty())
            || self.users.iter().any(|u| u == caller)
            || self.groups.iter().any(|g| groups.contains(g))
    }
}

/// Every page and blog post of the selected spaces in the given statuses, each read once: site-wide
/// when the plan selects every space of the site, else one listing per selected space and kind.
async fn list_content(
    client: &SiteClient,
    all_spaces: &[Space],
    selected: &HashMap<String, Vec<usize>>,
    statuses: &str,
    admin_key: bool,
) -> Result<Vec<ListedItem>, ClientError> {
    let mut keys: Vec<&str> = selected.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let scopes: Vec<Option<&str>> =
        if keys.len() == all_spaces.len() { vec![None] } else { keys.into_iter().map(Some).collect() };
    let mut items = Vec::new();
    for (kind, name) in [(ListedKind::Page, "page"), (ListedKind::BlogPost, "blogpost")] {
        for scope in &scopes {
            let mut listing = client.content_listing(*scope, name, statuses, admin_key);
            while let Some(content) = listing.try_next().await? {
                let Some(space_key) = scope.or(content.space_key()).map(str::to_string) else { continue };
                if !selected.contains_key(&space_key) {
                    continue;
                }
                let (read, update) = match &content.restrictions {
                    Some(r) => (r.read.as_ref(), r.update.as_ref()),
                    None => (None, None),
                };
                let mut restricted_users = Vec::new();
                let mut restricted_groups = Vec::new();
                for operation in [read, update].into_iter().flatten() {
                    restricted_users
                        .extend(operation.restrictions.users().iter().map(|u| u.account_id.clone()));
                    restricted_groups.extend(operation.restrictions.groups().iter().map(|g| g.id.clone()));
                }
                items.push(ListedItem {
                    id: content.id.clone(),
                    kind,
                    space_key,
                    author: content.author_id().map(str::to_string),
                    editor: content.editor_id().map(str::to_string),
                    mentioned: content
                        .storage()
                        .into_iter()
                        .flat_map(mentioned_accounts)
                        .map(str::to_string)
                        .collect(),
                    restricted_users,
                    restricted_groups,
                    read: ReadRule::from(read),
                    ancestors: content
                        .ancestors
                        .iter()
                        .map(|a| {
                            let rule = a.restrictions.as_ref().map(|r| ReadRule::from(r.read.as_ref()));
                            (a.id.clone(), rule)
                        })
                        .collect(),
                });
            }
        }
    }
    Ok(items)
}

/// Decides what the credentials alone can read, as Confluence does: content listed through the
/// admin key is readable when the read restrictions of the content and of each of its ancestors
/// are empty or name the caller or one of the caller's groups.
struct Reader {
    /// `None` without an admin key: everything listed is readable.
    caller: Option<(String, HashSet<String>)>,
    rules: HashMap<String, ReadRule>,
    /// Ancestors the listings did not hold (other statuses, folders): `None` when the caller
    /// cannot see them at all.
    fetched: HashMap<String, Option<ReadRule>>,
}

impl Reader {
    async fn new(
        client: &SiteClient,
        caller: String,
        admin_key: bool,
        listed: &[ListedItem],
    ) -> Result<Self, ClientError> {
        if !admin_key {
            return Ok(Self { caller: None, rules: HashMap::new(), fetched: HashMap::new() });
        }
        let groups: HashSet<String> = client.user_groups(&caller).map_ok(|g| g.id).try_collect().await?;
        let rules = listed.iter().map(|item| (item.id.clone(), item.read.clone())).collect();
        Ok(Self { caller: Some((caller, groups)), rules, fetched: HashMap::new() })
    }

    async fn can_read(&mut self, client: &SiteClient, item: &ListedItem) -> Result<bool, ClientError> {
        let Some((caller, groups)) = &self.caller else { return Ok(true) };
        if !item.read.allows(caller, groups) {
            return Ok(false);
        }
        for (ancestor, expanded) in &item.ancestors {
            if let Some(rule) = expanded.as_ref().or_else(|| self.rules.get(ancestor)) {
                if !rule.allows(caller, groups) {
                    return Ok(false);
                }
                continue;
            }
            if !self.fetched.contains_key(ancestor) {
                let rule = match client.restrictions(ancestor).await {
                    Ok(all) => Some(ReadRule::from(all.results.iter().find(|r| r.operation == "read"))),
                    Err(e) if e.is_not_found() || e.is_access_denied() => None,
                    Err(e) => return Err(e),
                };
                self.fetched.insert(ancestor.clone(), rule);
            }
            if !self.fetched[ancestor].as_ref().is_some_and(|rule| rule.allows(caller, groups)) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
