//! Reads the [`Inventory`] from both sites: a handful of list requests per space, never one
//! request per page (comments and attachments come from site-wide lists, restrictions from an
//! expanded v1 list). What one listing already told is not asked again: one organization lookup
//! serves both sites of one organization, the destination's apps are read only when the source
//! has apps, and the caller's groups only when the groups already read do not settle a read
//! restriction.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use futures_util::{StreamExt, TryStreamExt};

use super::mentions::mentioned_accounts;
use super::model::*;
use crate::client::ids::{Id, IdMap};
use crate::client::model::comment::{ThreadLink, Threads};
use crate::client::model::group::Group;
use crate::client::model::org::{Org, OrgUser, Workspace};
use crate::client::model::space::Space;
use crate::client::model::user::User;
use crate::client::{ClientError, CommentKind, RestrictionsByOperation, SiteClient, SpaceFilter};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{At, Memberships, Plan, SiteRef, UserScope};
use crate::site::{AdminKey, PlanSites, Site};

/// Why the inventory could not be read: a site that cannot be reached or answers nonsense.
fn unreachable(site: &At<SiteRef>, error: &ClientError) -> Diagnostic {
    // The client's own message starts with the site too: name it once, as the plan does.
    let message = format!("{}: could not {}: {}", site.value, error.operation(), error.kind());
    Diagnostic::new(Code::SiteUnreachable, message)
        .label(site.span.clone(), "this site did not answer as Confluence Cloud does")
        .help("check the address, the network and the site's status page, then run the check again")
}

/// Why the organization could not be looked up: the organization admin API did not answer. It
/// is reached through the API gateway, not the site, so the finding names the gateway and the
/// setting that chooses it.
fn gateway_unreachable(site: &At<SiteRef>, key: Option<&AdminKey>, error: &ClientError) -> Diagnostic {
    let gateway =
        key.map_or_else(|| "the API gateway".to_string(), |k| k.options.gateway.as_str().to_string());
    let message = format!(
        "the API gateway {gateway} (organization admin API for {}): could not {}: {}",
        site.value,
        error.operation(),
        error.kind()
    );
    Diagnostic::new(Code::SiteUnreachable, message)
        .label(site.span.clone(), "this site's organization is looked up through the API gateway")
        .help(
            "check the network to the gateway; to use another gateway (a sandbox's URL, say) set `api_gateway` in \
             the settings file or CONFCOPY_API_GATEWAY; without an organization API key none is asked",
        )
}

/// Reads everything the checks and the forecast need. Reads that wait on nothing else go side
/// by side — the source's listings, the organization's users, the destination's spaces and
/// groups — so a slow or refused answer from one of them holds none of the others back.
pub async fn read(plan: &Plan, sites: &PlanSites) -> Result<Inventory, Diagnostic> {
    let (source, destination) = tokio::join!(facts(&sites.source), facts(&sites.destination));
    let mut source = source.map_err(|e| unreachable(&plan.source, &e))?;
    let mut destination = destination.map_err(|e| unreachable(&plan.destination, &e))?;
    // One organization lookup serves both sites when they share a key (and often an organization).
    // Without users to copy, the organization is not asked at all: no key is needed.
    let mut directory = Directory::default();
    let people = plan.users.scope.value != UserScope::None;
    let source_org = if !people {
        OrgView::default()
    } else {
        directory
            .organization(&sites.source, &source.cloud_id, &mut source.facts)
            .await
            .map_err(|e| gateway_unreachable(&plan.source, sites.source.admin.as_ref(), &e))?
    };
    let destination_org = if !people {
        OrgView::default()
    } else {
        directory
            .organization(&sites.destination, &destination.cloud_id, &mut destination.facts)
            .await
            .map_err(|e| gateway_unreachable(&plan.destination, sites.destination.admin.as_ref(), &e))?
    };
    let mut inventory = Inventory::empty(source.facts, destination.facts);
    let (Some(source_client), Some(destination_client)) = (&sites.source.client, &sites.destination.client)
    else {
        return Ok(inventory);
    };
    if !inventory.source.usable() || !inventory.destination.usable() {
        return Ok(inventory);
    }
    // The source's apps, and the admin key its listings go with.
    let product_admin = inventory.source.product_admin == Some(true);
    let (source_apps, admin_key) = tokio::join!(apps(source_client), async {
        product_admin && source_client.enable_admin_key().await.is_ok()
    });
    inventory.source.apps = source_apps.map_err(|e| unreachable(&plan.source, &e))?;
    // The destination's apps matter only for apps the source has.
    let destination_apps = !inventory.source.apps.is_empty();
    // The organization's users are read once when both sites are in the same organization.
    let same_org = same_organization(&source_org, &destination_org);
    // The first of them to fail ends the others: a gateway that cannot be reached is not
    // reported only after a long listing of the source.
    let (listed, source_users, destination_users, places, apps_there) = tokio::try_join!(
        async {
            read_source(plan, source_client, admin_key, &mut inventory)
                .await
                .map_err(|e| unreachable(&plan.source, &e))
        },
        async {
            org_users(&source_org)
                .await
                .map_err(|e| gateway_unreachable(&plan.source, source_org.key.as_ref(), &e))
        },
        async {
            match same_org {
                true => Ok(None),
                false => org_users(&destination_org)
                    .await
                    .map(Some)
                    .map_err(|e| gateway_unreachable(&plan.destination, destination_org.key.as_ref(), &e)),
            }
        },
        async {
            read_destination_places(plan, destination_client)
                .await
                .map_err(|e| unreachable(&plan.destination, &e))
        },
        async {
            match destination_apps {
                true => apps(destination_client).await.map_err(|e| unreachable(&plan.destination, &e)),
                false => Ok(Vec::new()),
            }
        },
    )?;
    inventory.destination.apps = apps_there;
    scope_users(plan, source_client, &source_org, &source_users, listed, &mut inventory)
        .await
        .map_err(|e| unreachable(&plan.source, &e))?;
    let destination_users = destination_users.as_deref().unwrap_or(&source_users);
    read_destination(plan, destination_client, &destination_org, destination_users, places, &mut inventory)
        .await
        .map_err(|e| unreachable(&plan.destination, &e))?;
    Ok(inventory)
}

/// Apps that admins installed (system apps are left out), sorted.
async fn apps(client: &SiteClient) -> Result<Vec<App>, ClientError> {
    let mut apps: Vec<App> = client
        .apps()
        .await?
        .into_iter()
        .filter(|a| a.user_installed)
        .map(|a| App { name: a.name.clone().unwrap_or_else(|| a.key.clone()), key: a.key })
        .collect();
    apps.sort();
    Ok(apps)
}

/// Users of the organization an org key confirmed (none without one).
async fn org_users(org: &OrgView) -> Result<Vec<OrgUser>, ClientError> {
    match &org.admin {
        Some(admin) => admin.users().try_collect().await,
        None => Ok(Vec::new()),
    }
}

/// Both views read the same organization through the same key: one user listing serves both.
fn same_organization(a: &OrgView, b: &OrgView) -> bool {
    match (&a.admin, &b.admin, &a.key, &b.key) {
        (Some(x), Some(y), Some(kx), Some(ky)) => x.org_id() == y.org_id() && same_key(kx, ky),
        _ => false,
    }
}

fn same_key(a: &AdminKey, b: &AdminKey) -> bool {
    a.key == b.key && a.options.gateway.as_str() == b.options.gateway.as_str()
}

/// The organization side of a site, when an organization key confirmed it.
#[derive(Default)]
struct OrgView {
    admin: Option<crate::client::AdminClient>,
    /// The key that confirmed it.
    key: Option<AdminKey>,
    /// The host the organization knows the site by (`acme.atlassian.net`).
    host: Option<String>,
}

struct FactsRead {
    facts: SiteFacts,
    cloud_id: String,
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
        return Ok(FactsRead { facts: blank(site, Access::Missing), cloud_id: String::new() });
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
                email: user.email.clone(),
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
        Err(e) if e.is_not_found() => (
            Access::Granted { account_id: String::new(), display_name: "the caller".into(), email: None },
            false,
        ),
        Err(e) => return Err(e),
    };
    let mut facts = blank(site, access);
    facts.confluence = confluence;
    let cloud_id = tenant.cloud_id;
    if !facts.signed_in() || !confluence {
        return Ok(FactsRead { facts, cloud_id });
    }
    facts.product_admin = match client.admin_key().await {
        Ok(_) => Some(true),
        Err(e) if e.is_access_denied() => Some(false),
        Err(e) => return Err(e),
    };
    Ok(FactsRead { facts, cloud_id })
}

/// What organization keys showed so far: the organizations of each key and the workspaces of each
/// organization, so that a second site with the same key asks nothing twice.
#[derive(Default)]
struct Directory {
    /// Per key: its organizations, or the message of its refusal.
    orgs: Vec<(AdminKey, Result<Vec<Org>, String>)>,
    /// Per key (index into `orgs`) and organization id.
    workspaces: HashMap<(usize, String), Vec<Workspace>>,
}

impl Directory {
    /// Finds the organization of the site's key that owns the site, and what the site's plan is.
    /// Only for a site confluence could read as an admin (the access findings cover the rest).
    async fn organization(
        &mut self,
        site: &Site,
        cloud_id: &str,
        facts: &mut SiteFacts,
    ) -> Result<OrgView, ClientError> {
        let mut view = OrgView::default();
        let Some(key) = &site.admin else { return Ok(view) };
        if !facts.usable() {
            return Ok(view);
        }
        let index = match self.orgs.iter().position(|(known, _)| same_key(known, key)) {
            Some(index) => index,
            None => {
                let probe = key.client("-")?;
                let orgs = match probe.orgs().try_collect().await {
                    Ok(orgs) => Ok(orgs),
                    Err(e) if e.is_access_denied() => {
                        Err(e.server_message().map_or("key refused".to_string(), |m| m.message.clone()))
                    }
                    Err(e) => return Err(e),
                };
                self.orgs.push((key.clone(), orgs));
                self.orgs.len() - 1
            }
        };
        let orgs = match &self.orgs[index].1 {
            Ok(orgs) => orgs.clone(),
            Err(message) => {
                facts.org_admin = OrgAdmin::No { org_id: "unknown".into(), message: message.clone() };
                return Ok(view);
            }
        };
        let host = site.base.host().to_string();
        for org in &orgs {
            let admin = key.client(&org.id)?;
            let slot = (index, org.id.clone());
            if !self.workspaces.contains_key(&slot) {
                let listed = admin.workspaces().await?;
                self.workspaces.insert(slot.clone(), listed);
            }
            let found = self.workspaces[&slot].iter().find(|w| {
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
                view.host =
                    workspace.attributes.as_ref().and_then(|a| a.host_url.clone()).map(|u| host_of(&u));
                view.admin = Some(admin);
                view.key = Some(key.clone());
                facts.org_admin = OrgAdmin::Yes { org_id: org.id.clone() };
                return Ok(view);
            }
        }
        let ids: Vec<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
        facts.org_admin = OrgAdmin::No {
            org_id: if ids.is_empty() { "unknown".into() } else { ids.join(", ") },
            message: "the key's organization does not own this site".into(),
        };
        Ok(view)
    }
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
}

/// What the source's listings tell about people, for [`scope_users`] once the organization's
/// users are read too.
struct SourceListed {
    groups: Vec<Group>,
    related: Related,
    members: BTreeMap<String, BTreeSet<String>>,
}

/// The source's spaces, permissions, content, comments and attachments, counted into
/// `inventory`, and the people they name. `admin_key`: the caller enabled an admin key, so
/// restricted content shows in the listings that ask for it — how confcopy counts what the
/// credentials alone cannot read.
async fn read_source(
    plan: &Plan,
    client: &SiteClient,
    admin_key: bool,
    inventory: &mut Inventory,
) -> Result<SourceListed, ClientError> {
    let (all_spaces, groups) = futures_util::try_join!(
        client.spaces(&SpaceFilter::default()).try_collect::<Vec<Space>>(),
        client.groups().try_collect::<Vec<Group>>(),
    )?;
    inventory.source_keys = all_spaces.iter().map(|s| s.key.clone()).collect();
    let statuses = if plan.content.archived.value { "current,archived" } else { "current" };
    let mut related = Related::default();
    // Selected spaces by key (a key selected twice counts in both places).
    let mut selected: HashMap<String, Vec<usize>> = HashMap::new();
    let found: Vec<Option<&Space>> = plan
        .spaces
        .iter()
        .map(|selection| all_spaces.iter().find(|s| s.key.eq_ignore_ascii_case(&selection.source_key.value)))
        .collect();
    // Each selected space's permissions, a few spaces at a time, in the plan's order.
    let permissions: Vec<Vec<_>> = futures_util::stream::iter(found.iter().flatten())
        .map(|space| client.space_permissions(&space.id).try_collect::<Vec<_>>())
        .buffered(SPACE_READS)
        .try_collect()
        .await?;
    let mut permissions = permissions.into_iter();
    for (index, space) in found.into_iter().enumerate() {
        let Some(space) = space else {
            inventory.spaces.push(None);
            continue;
        };
        selected.entry(space.key.clone()).or_default().push(index);
        let mut anonymous = Vec::new();
        let permissions = permissions.next().unwrap_or_default();
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
            unreadable_blog_posts: 0,
            unreadable_attachments: 0,
            listed: Some(SpaceListed { permissions, ..SpaceListed::default() }),
        }));
    }
    let caller = match &inventory.source.access {
        Access::Granted { account_id, .. } => account_id.clone(),
        _ => String::new(),
    };
    // Members of the groups that permissions name are needed for the users in scope anyway;
    // read them first (alongside the content), and they also tell which of those groups the
    // caller is in.
    let named: Vec<&Group> = groups.iter().filter(|g| related.groups.contains(&g.id)).collect();
    let mut accounts = Accounts::default();
    // Listed content by id (a decimal id held as a number): in a selected space, readable or not.
    let mut places = Places::default();
    // An item with no restriction of its own and no ancestor that could keep the caller out is
    // readable, and is counted as it arrives (without an admin key, that is every item). With an
    // admin key the others wait, whole, until every listed item's read rule is known: of the
    // items counted, only their ids stay, as the ancestors with no rule they may be.
    let mut kept = Vec::new();
    let mut unguarded: IdMap<()> = IdMap::default();
    // The spaces whose listed pages or blog posts carry labels, and the restrictions listed.
    let mut labelled: HashSet<(&str, ListedKind)> = HashSet::new();
    let mut restricted: HashMap<(&str, ListedKind), Vec<(String, RestrictionsByOperation)>> = HashMap::new();
    let (_, named) = futures_util::try_join!(
        list_content(
            client,
            &all_spaces,
            &selected,
            statuses,
            admin_key,
            &mut accounts,
            |mut item, accounts| {
                if item.labelled {
                    labelled.insert((item.space_key, item.kind));
                }
                if let Some(restrictions) = item.restrictions.take() {
                    let at = (item.space_key, item.kind);
                    restricted.entry(at).or_default().push((item.id.to_string(), *restrictions));
                }
                if item.guarded.is_some() && admin_key {
                    kept.push(item);
                } else {
                    if admin_key {
                        unguarded.insert_id(item.id.clone(), ());
                    }
                    places.add(&item, true, &selected, accounts, inventory, &mut related);
                }
            }
        ),
        group_members(client, named),
    )?;
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (group, users) in named {
        members.insert(group.id.clone(), users.into_iter().map(|u| u.account_id).collect());
    }
    for (key, indices) in &selected {
        for &index in indices {
            if let Some(Some(SourceSpace { listed: Some(listed), .. })) = inventory.spaces.get_mut(index) {
                listed.page_labels = labelled.contains(&(key.as_str(), ListedKind::Page));
                listed.blog_post_labels = labelled.contains(&(key.as_str(), ListedKind::BlogPost));
                let restrictions = |kind| restricted.get(&(key.as_str(), kind)).cloned().unwrap_or_default();
                listed.restricted_pages = restrictions(ListedKind::Page);
                listed.restricted_blog_posts = restrictions(ListedKind::BlogPost);
            }
        }
    }
    drop(restricted);
    let mut reader = Reader::new(caller, admin_key, &kept, unguarded, &members);
    for item in &kept {
        if !selected.contains_key(item.space_key) {
            continue;
        }
        let readable = reader.can_read(client, item).await?;
        places.add(item, readable, &selected, &accounts, inventory, &mut related);
    }
    let Places { content: container_space, hidden: hidden_space } = places;
    // The listing is no longer needed: the comment and attachment lists that follow can be as
    // long as it.
    drop(reader);
    drop(kept);
    // The site's comment lists and its attachment list are read side by side; each comment is
    // counted as it arrives (bodies are dropped as each page of the list arrives), and only a
    // reply that names no page waits for its thread to be known.
    let (footer, inline, ()) = futures_util::try_join!(
        count_comments(client, CommentKind::Footer, &container_space),
        count_comments(client, CommentKind::Inline, &container_space),
        count_attachments(client, admin_key, &container_space, &hidden_space, inventory),
    )?;
    for tally in [footer, inline] {
        for (index, count) in tally.counts {
            if let Some(Some(space)) = inventory.spaces.get_mut(index) {
                space.counts.comments += count;
            }
        }
        for (user, reasons) in tally.related.users {
            related.users.entry(user).or_default().extend(reasons);
        }
    }
    Ok(SourceListed { groups, related, members })
}

/// Where the listed pages and blog posts are: by id, the selected space of each that the
/// credentials can read, and of each they cannot.
#[derive(Default)]
struct Places {
    content: IdMap<usize>,
    hidden: IdMap<usize>,
}

impl Places {
    /// Counts a listed item in its selected spaces and notes who it relates to (when readable).
    fn add(
        &mut self,
        item: &ListedItem<'_>,
        readable: bool,
        selected: &HashMap<String, Vec<usize>>,
        accounts: &Accounts,
        inventory: &mut Inventory,
        related: &mut Related,
    ) {
        let Some(indices) = selected.get(item.space_key) else { return };
        for &index in indices {
            let Some(Some(space)) = inventory.spaces.get_mut(index) else { continue };
            if !readable {
                match item.kind {
                    ListedKind::Page => space.unreadable_pages += 1,
                    ListedKind::BlogPost => space.unreadable_blog_posts += 1,
                }
                self.hidden.insert_id(item.id.clone(), index);
                continue;
            }
            match item.kind {
                ListedKind::Page => space.counts.pages += 1,
                ListedKind::BlogPost => space.counts.blog_posts += 1,
            }
            self.content.insert_id(item.id.clone(), index);
        }
        if !readable {
            return;
        }
        related.add(item.author.map(|n| accounts.id(n)), Reason::Author);
        related.add(item.editor.map(|n| accounts.id(n)), Reason::Editor);
        for &n in item.mentioned.iter() {
            related.add(Some(accounts.id(n)), Reason::Mentioned);
        }
        if let Some(guarded) = &item.guarded {
            for id in &guarded.restricted_users {
                related.add(Some(id), Reason::Restriction);
            }
            related.groups.extend(guarded.restricted_groups.iter().cloned());
        }
    }
}

/// What the comments of one kind add to the inventory: comments by selected space index, and
/// their authors and mentioned accounts.
#[derive(Default)]
struct CommentTally {
    counts: BTreeMap<usize, u64>,
    related: Related,
}

impl CommentTally {
    fn add(&mut self, index: usize, author: Option<&str>, mentioned: &[String]) {
        *self.counts.entry(index).or_default() += 1;
        self.related.add(author, Reason::Commenter);
        for id in mentioned {
            self.related.add(Some(id), Reason::Mentioned);
        }
    }
}

/// A reply that names only its parent comment, waiting for the thread to be listed.
struct Waiting {
    link: ThreadLink,
    author: Option<String>,
    mentioned: Box<[String]>,
}

/// Counts every comment of one kind by the space its page or blog post is in, with its author
/// and mentions. Of each comment only its thread link is kept (compactly), and only a reply that
/// names no page is kept whole, until its thread is known.
async fn count_comments(
    client: &SiteClient,
    kind: CommentKind,
    container_space: &IdMap<usize>,
) -> Result<CommentTally, ClientError> {
    let mut tally = CommentTally::default();
    let mut threads = Threads::default();
    let mut waiting = Vec::new();
    let mut listed = client.all_comments(kind);
    while let Some(c) = listed.try_next().await? {
        let mut mentioned: Vec<String> =
            c.storage().into_iter().flat_map(mentioned_accounts).map(str::to_string).collect();
        mentioned.sort_unstable();
        mentioned.dedup();
        let container = c.page_id.as_deref().or(c.blog_post_id.as_deref());
        let link = ThreadLink::new(container, c.parent_comment_id.as_deref());
        threads.add(&c.id, link.clone());
        let author = c.version.and_then(|v| v.author_id);
        match container {
            Some(container) => {
                if let Some(&index) = container_space.get(container) {
                    tally.add(index, author.as_deref(), &mentioned);
                }
            }
            None => waiting.push(Waiting { link, author, mentioned: mentioned.into_boxed_slice() }),
        }
    }
    for reply in waiting {
        let Some(container) = threads.container(&reply.link) else { continue };
        if let Some(&index) = container_space.get_id(&container) {
            tally.add(index, reply.author.as_deref(), &reply.mentioned);
        }
    }
    Ok(tally)
}

async fn count_attachments(
    client: &SiteClient,
    admin_key: bool,
    container_space: &IdMap<usize>,
    hidden_space: &IdMap<usize>,
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
    org_users: &[OrgUser],
    listed: SourceListed,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let SourceListed { groups, mut related, mut members } = listed;
    let scope_all = plan.users.scope.value == UserScope::All;
    let scope_none = plan.users.scope.value == UserScope::None;
    // Whose members matter: every group when all users are in scope, or when users come with
    // their groups (memberships or group members); otherwise the groups that permissions and
    // restrictions name (also when no one is copied: they tell which accounts those are).
    let every_group = !scope_none
        && (scope_all
            || plan.users.include_group_members.value
            || plan.users.memberships.value == Memberships::WithGroups);
    let missing: Vec<&Group> = groups
        .iter()
        .filter(|g| every_group || related.groups.contains(&g.id))
        .filter(|g| !members.contains_key(&g.id))
        .collect();
    for (group, users) in group_members(client, missing).await? {
        members.insert(group.id.clone(), users.into_iter().map(|u| u.account_id).collect());
    }
    if scope_all {
        for user in org_users {
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
    } else if plan.users.include_group_members.value && !scope_none {
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
        // Without copying, only the groups that permissions and restrictions name matter.
        let holds_user = !scope_none && ids.iter().any(|id| related.users.contains_key(id));
        if scope_all || named || holds_user {
            inventory.groups.insert(
                group.name.clone(),
                GroupFacts { id: group.id.clone(), name: group.name.clone(), members: ids },
            );
        }
    }
    let ids: Vec<String> = related.users.keys().cloned().collect();
    let details = client.users_bulk(&ids).await?;
    let by_id: HashMap<&str, &crate::client::model::user::User> =
        details.iter().map(|u| (u.account_id.as_str(), u)).collect();
    let org_by_id: HashMap<&str, &OrgUser> = org_users.iter().map(|u| (u.account_id.as_str(), u)).collect();
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

/// confcopy's marker on a destination space, if it carries one.
async fn space_marker(
    client: &SiteClient,
    space_id: &str,
) -> Result<Option<crate::reconcile::Origin>, ClientError> {
    use crate::client::model::property::PropertyHolder;
    let holder = PropertyHolder::Space(space_id.to_string());
    let found: Vec<_> = client.properties(&holder, Some(crate::reconcile::MARKER_KEY)).try_collect().await?;
    Ok(found
        .iter()
        .find(|p| p.key == crate::reconcile::MARKER_KEY)
        .and_then(|p| crate::reconcile::Origin::parse(&p.value)))
}

/// Whether a destination space holds nothing but its homepage.
async fn space_is_bare(client: &SiteClient, space_id: &str) -> Result<bool, ClientError> {
    use futures_util::StreamExt;
    let pages: Vec<_> = client.page_summaries_in_space(space_id).take(2).collect().await;
    let posts: Vec<_> = client.blog_posts_in_space(space_id, None).take(1).collect().await;
    let pages = pages.into_iter().collect::<Result<Vec<_>, _>>()?;
    let posts = posts.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(pages.len() <= 1 && posts.is_empty())
}

/// What the destination is asked before the source's people are known: for each space of the
/// plan, the space that already holds its key there (if any), and the destination's groups.
struct DestinationPlaces {
    conflicts: Vec<Option<DestinationSpace>>,
    groups: Vec<Group>,
}

/// Reads of one space each (permissions, look-ups by key) in flight at once: the site's own
/// concurrency bound still applies under it.
const SPACE_READS: usize = 8;

/// The destination's spaces where the plan's would go, and its groups (read side by side).
async fn read_destination_places(plan: &Plan, client: &SiteClient) -> Result<DestinationPlaces, ClientError> {
    // Each key is looked up as the site answers it, which finds a space by a key it once had
    // too, and one the space listing would show: the listing is not read.
    let conflicts = futures_util::stream::iter(&plan.spaces)
        .map(|selection| destination_conflict(client, &selection.destination_key.value))
        .buffered(SPACE_READS)
        .try_collect::<Vec<_>>();
    let (conflicts, groups) = futures_util::try_join!(conflicts, client.groups().try_collect::<Vec<_>>())?;
    Ok(DestinationPlaces { conflicts, groups })
}

/// The destination space that holds the key `wanted` (as its key, or as a key it once had),
/// with its marker and, unmarked, whether it holds anything but its homepage.
async fn destination_conflict(
    client: &SiteClient,
    wanted: &str,
) -> Result<Option<DestinationSpace>, ClientError> {
    let conflict = client.space_holding_key(wanted).await?.map(|space| DestinationSpace {
        historical_keys: if space.key.eq_ignore_ascii_case(wanted) {
            Vec::new()
        } else {
            vec![wanted.to_string()]
        },
        id: space.id,
        key: space.key,
        name: space.name,
        origin: None,
        bare: false,
        journal_knows: false,
    });
    let Some(mut taken) = conflict else { return Ok(None) };
    taken.origin = space_marker(client, &taken.id).await?;
    if taken.origin.is_none() {
        taken.bare = space_is_bare(client, &taken.id).await?;
    }
    Ok(Some(taken))
}

/// The rest of the destination, once the source's people are known: the accounts it has (with
/// `users.scope = "none"`), its groups that match the source's, and who holds a licence there.
async fn read_destination(
    plan: &Plan,
    client: &SiteClient,
    org: &OrgView,
    org_users: &[OrgUser],
    places: DestinationPlaces,
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let DestinationPlaces { conflicts, groups } = places;
    inventory.destination_conflicts = conflicts;
    if plan.users.scope.value == UserScope::None {
        existing_people(client, &groups, inventory).await?;
    }
    let wanted: Vec<_> = groups
        .into_iter()
        .filter(|group| inventory.groups.keys().any(|name| name.eq_ignore_ascii_case(&group.name)))
        .collect();
    // Destination members matter only where memberships are kept (merges, verify).
    if plan.users.memberships.value != Memberships::WithGroups {
        for group in wanted {
            let members = BTreeSet::new();
            inventory
                .destination_groups
                .insert(group.name.to_lowercase(), GroupFacts { id: group.id, name: group.name, members });
        }
    } else {
        for (group, users) in group_members(client, wanted.iter()).await? {
            let group = group.clone();
            add_destination_members(inventory, group, users);
        }
    }
    if let (Some(_), Some(host)) = (&org.admin, &org.host) {
        for user in org_users {
            if user.product_access.iter().any(|p| p.url.as_deref().is_some_and(|u| host_of(u) == *host)) {
                inventory.destination_licensed.insert(user.account_id.clone());
            }
        }
    }
    Ok(())
}

/// With `users.scope = "none"`: the accounts the destination has, as far as a site admin can
/// tell without the organization: the members of its groups, and the copying account.
async fn existing_people(
    client: &SiteClient,
    groups: &[Group],
    inventory: &mut Inventory,
) -> Result<(), ClientError> {
    let mut accounts = BTreeSet::new();
    if let Access::Granted { account_id, .. } = &inventory.destination.access {
        accounts.insert(account_id.clone());
    }
    for (_, users) in group_members(client, groups).await? {
        accounts.extend(users.into_iter().map(|u| u.account_id));
    }
    inventory.existing_accounts = Some(accounts);
    Ok(())
}

/// Group reads in flight at once: the site's own concurrency bound still applies under it.
const GROUP_READS: usize = 8;

/// The members of each group, read a few groups at a time; the answer keeps the groups' order.
async fn group_members<'g>(
    client: &SiteClient,
    groups: impl IntoIterator<Item = &'g Group>,
) -> Result<Vec<(&'g Group, Vec<User>)>, ClientError> {
    futures_util::stream::iter(groups)
        .map(|group| async move {
            let users: Vec<User> = client.group_members(&group.id).try_collect().await?;
            Ok::<_, ClientError>((group, users))
        })
        .buffered(GROUP_READS)
        .try_collect()
        .await
}

/// A destination group the source's groups match, with its members and their names.
fn add_destination_members(inventory: &mut Inventory, group: Group, users: Vec<User>) {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ListedKind {
    Page,
    BlogPost,
}

/// What the inventory keeps of one listed page or blog post (the body is read and dropped).
/// A 100,000-page listing is held whole while readability is settled, so people are numbers
/// into [`Accounts`] and what only restricted content has is boxed apart.
struct ListedItem<'s> {
    /// Held as an [`Id`]: a million listed items would otherwise each hold a string.
    id: Id,
    kind: ListedKind,
    /// The selected space's key, borrowed from the selection.
    space_key: &'s str,
    /// Whether it carries labels (see [`SpaceListed`]).
    labelled: bool,
    /// Its read and update restrictions, when they name anyone (taken for [`SpaceListed`]).
    restrictions: Option<Box<RestrictionsByOperation>>,
    author: Option<u32>,
    editor: Option<u32>,
    /// Mentioned accounts, each once.
    mentioned: Box<[u32]>,
    /// `None` when the item has no restriction and no ancestor that could keep the caller out.
    guarded: Option<Box<Guarded>>,
}

/// The restrictions of a listed item and of its ancestors.
struct Guarded {
    /// Users and groups of the read and update restrictions.
    restricted_users: Vec<String>,
    restricted_groups: Vec<String>,
    read: ReadRule,
    /// Root first, each with its read restriction when the listing expanded it; only those
    /// that could keep the caller out (see [`list_content`]).
    ancestors: Vec<(String, Option<ReadRule>)>,
}

/// No read restriction: what an item without [`Guarded`] has.
static NO_RULE: ReadRule = ReadRule { users: Vec::new(), groups: Vec::new() };

impl ListedItem<'_> {
    fn read(&self) -> &ReadRule {
        self.guarded.as_ref().map_or(&NO_RULE, |g| &g.read)
    }

    fn ancestors(&self) -> &[(String, Option<ReadRule>)] {
        self.guarded.as_ref().map_or(&[], |g| &g.ancestors)
    }
}

/// Account ids met in the content listing, each held once and named by its number.
#[derive(Default)]
struct Accounts {
    numbers: HashMap<String, u32>,
    ids: Vec<String>,
}

impl Accounts {
    fn number(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.numbers.get(id) {
            return n;
        }
        let n = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.numbers.insert(id.to_string(), n);
        n
    }

    fn id(&self, number: u32) -> &str {
        &self.ids[number as usize]
    }
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

    /// No restriction: everyone may read.
    fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
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
async fn list_content<'s>(
    client: &SiteClient,
    all_spaces: &[Space],
    selected: &'s HashMap<String, Vec<usize>>,
    statuses: &str,
    admin_key: bool,
    accounts: &mut Accounts,
    mut keep: impl FnMut(ListedItem<'s>, &Accounts),
) -> Result<(), ClientError> {
    let mut keys: Vec<&str> = selected.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let scopes: Vec<Option<&str>> =
        if keys.len() == all_spaces.len() { vec![None] } else { keys.into_iter().map(Some).collect() };
    for (kind, name) in [(ListedKind::Page, "page"), (ListedKind::BlogPost, "blogpost")] {
        for scope in &scopes {
            let mut listing = client.content_listing(*scope, name, statuses, admin_key);
            while let Some(content) = listing.try_next().await? {
                let Some(key) = scope.or(content.space_key()) else { continue };
                let Some((space_key, _)) = selected.get_key_value(key) else { continue };
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
                // Without the admin key everything listed is readable and ancestors are never
                // asked about; an ancestor whose expanded read restriction is empty lets
                // everyone through. Neither is kept: deep trees would otherwise hold every
                // page's whole ancestry at once.
                let ancestors: Vec<(String, Option<ReadRule>)> = if admin_key {
                    content
                        .ancestors
                        .iter()
                        .map(|a| (a, a.restrictions.as_ref().map(|r| ReadRule::from(r.read.as_ref()))))
                        .filter(|(_, rule)| rule.as_ref().is_none_or(|r| !r.is_empty()))
                        .map(|(a, rule)| (a.id.clone(), rule))
                        .collect()
                } else {
                    Vec::new()
                };
                let read = ReadRule::from(read);
                let guarded = (!restricted_users.is_empty()
                    || !restricted_groups.is_empty()
                    || !read.is_empty()
                    || !ancestors.is_empty())
                .then(|| Box::new(Guarded { restricted_users, restricted_groups, read, ancestors }));
                let mut mentioned: Vec<u32> = content
                    .storage()
                    .into_iter()
                    .flat_map(mentioned_accounts)
                    .map(|id| accounts.number(id))
                    .collect();
                mentioned.sort_unstable();
                mentioned.dedup();
                let restricted = guarded
                    .as_ref()
                    .is_some_and(|g| !g.restricted_users.is_empty() || !g.restricted_groups.is_empty());
                let item = ListedItem {
                    id: Id::new(&content.id),
                    kind,
                    labelled: !content.labels().is_empty(),
                    restrictions: if restricted { content.restrictions.clone().map(Box::new) } else { None },
                    space_key,
                    author: content.author_id().map(|id| accounts.number(id)),
                    editor: content.editor_id().map(|id| accounts.number(id)),
                    mentioned: mentioned.into_boxed_slice(),
                    guarded,
                };
                keep(item, accounts);
            }
        }
    }
    Ok(())
}

/// Decides what the credentials alone can read, as Confluence does: content listed through the
/// admin key is readable when the read restrictions of the content and of each of its ancestors
/// are empty or name the caller or one of the caller's groups.
struct Reader<'l> {
    /// `None` without an admin key: everything listed is readable.
    caller: Option<String>,
    /// Groups whose members were read: whether the caller is one of them.
    known: HashMap<String, bool>,
    /// The caller's groups, read the first time a restriction names groups but not the caller
    /// and the known groups do not settle it.
    groups: Option<HashSet<String>>,
    /// The read restriction of each listed item that has one or sits under one, borrowed from
    /// the listing.
    rules: IdMap<&'l ReadRule>,
    /// The other listed items: no read restriction of their own.
    unguarded: IdMap<()>,
    /// Ancestors the listings did not hold (other statuses, folders): `None` when the caller
    /// cannot see them at all.
    fetched: HashMap<String, Option<ReadRule>>,
}

impl<'l> Reader<'l> {
    fn new(
        caller: String,
        admin_key: bool,
        listed: &'l [ListedItem<'_>],
        unguarded: IdMap<()>,
        members: &BTreeMap<String, BTreeSet<String>>,
    ) -> Self {
        if !admin_key {
            return Self {
                caller: None,
                known: HashMap::new(),
                groups: None,
                rules: IdMap::default(),
                unguarded,
                fetched: HashMap::new(),
            };
        }
        let known = members.iter().map(|(group, ids)| (group.clone(), ids.contains(&caller))).collect();
        let mut rules = IdMap::default();
        for item in listed {
            rules.insert_id(item.id.clone(), item.read());
        }
        Self { caller: Some(caller), known, groups: None, rules, unguarded, fetched: HashMap::new() }
    }

    /// Whether the rule lets the caller read; asks for the caller's groups only when they decide.
    async fn allows(&mut self, client: &SiteClient, rule: &ReadRule) -> Result<bool, ClientError> {
        let Some(caller) = &self.caller else { return Ok(true) };
        if (rule.users.is_empty() && rule.groups.is_empty()) || rule.users.iter().any(|u| u == caller) {
            return Ok(true);
        }
        if rule.groups.iter().any(|g| self.known.get(g) == Some(&true)) {
            return Ok(true);
        }
        if rule.groups.iter().all(|g| self.known.contains_key(g)) {
            return Ok(false);
        }
        if self.groups.is_none() {
            let groups: HashSet<String> = client.user_groups(caller).map_ok(|g| g.id).try_collect().await?;
            self.groups = Some(groups);
        }
        Ok(rule.allows(caller, self.groups.as_ref().unwrap_or(&HashSet::new())))
    }

    async fn can_read(&mut self, client: &SiteClient, item: &ListedItem<'_>) -> Result<bool, ClientError> {
        if self.caller.is_none() {
            return Ok(true);
        }
        if !self.allows(client, item.read()).await? {
            return Ok(false);
        }
        for (ancestor, expanded) in item.ancestors() {
            let listed = self
                .rules
                .get(ancestor.as_str())
                .copied()
                .or_else(|| self.unguarded.contains_key(ancestor).then_some(&NO_RULE));
            if let Some(rule) = expanded.as_ref().or(listed) {
                if !self.allows(client, rule).await? {
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
            let Some(rule) = self.fetched[ancestor].clone() else { return Ok(false) };
            if !self.allows(client, &rule).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
