//! Reads what verification compares: the source content through [`crate::snapshot::read`], and
//! the destination content the same way, pointed at the spaces holding the destination keys.

use std::path::Path;

use crate::client::SiteClient;
use crate::inventory::{Inventory, SourceSpace, SpaceCounts};
use crate::plan::{Plan, SiteRef};
use crate::site::{PlanSites, Site};
use crate::snapshot::Snapshot;

/// Both sides of a plan's copy, read once.
pub struct Sides {
    /// Users in scope and groups of both sites, as they are now.
    pub inventory: Inventory,
    pub source: std::sync::Arc<Snapshot>,
    pub destination: Snapshot,
    /// Per selected space (as `plan.spaces`): its index in `source.spaces` and in
    /// `destination.spaces`, when the space is there.
    pub spaces: Vec<(Option<usize>, Option<usize>)>,
    pub source_client: SiteClient,
    pub destination_client: SiteClient,
    /// The account the destination credentials belong to (it created the copied spaces).
    pub destination_account: String,
    /// Origins that source content uses to link to the source site.
    pub source_origins: Vec<String>,
    /// The destination site's public origin.
    pub destination_origin: String,
}

/// Why verification could not run.
#[derive(Debug, thiserror::Error)]
pub enum Trouble {
    /// A site could not be read; the diagnostic says which (and is rendered against the plan).
    #[error("{}", .0.message)]
    Unreachable(crate::diagnostic::Diagnostic),
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
    #[error("credentials are missing for a site")]
    MissingCredentials,
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error("cannot read a spooled body: {0}")]
    Spool(#[source] std::io::Error),
    #[error(transparent)]
    Stow(#[from] crate::snapshot::StowError),
}

/// Reads both sites. The destination inventory is the source one with each selected space
/// replaced by the destination space holding its destination key.
pub async fn read(plan: &Plan, sites: &PlanSites, work_dir: &Path) -> Result<Sides, Trouble> {
    let (Some(source_client), Some(destination_client)) =
        (sites.source.client.clone(), sites.destination.client.clone())
    else {
        return Err(Trouble::MissingCredentials);
    };
    let inventory = crate::inventory::read(plan, sites).await.map_err(Trouble::Unreachable)?;
    let mut at_destination = Inventory { spaces: Vec::new(), ..empty_like(&inventory) };
    for selection in &plan.spaces {
        let key = &selection.destination_key.value;
        let found = destination_client.space_by_key(key).await?;
        at_destination.spaces.push(found.map(|space| SourceSpace {
            id: space.id.clone(),
            key: space.key.clone(),
            name: space.name.clone(),
            anonymous: Vec::new(),
            counts: SpaceCounts::default(),
            unreadable_pages: 0,
            unreadable_blog_posts: 0,
            unreadable_attachments: 0,
            listed: None,
        }));
    }
    // Verify compares whole sites: it holds both snapshots' content in memory.
    let source = crate::snapshot::read(plan, &inventory, &source_client, &work_dir.join("source"))
        .await?
        .loaded()
        .map_err(crate::snapshot::SnapshotError::from)?;
    let destination =
        crate::snapshot::read(plan, &at_destination, &destination_client, &work_dir.join("destination"))
            .await?
            .loaded()
            .map_err(crate::snapshot::SnapshotError::from)?;
    let spaces = plan
        .spaces
        .iter()
        .map(|selection| {
            let source_at = source.spaces.iter().position(|s| s.key == selection.source_key.value);
            let destination_at =
                destination.spaces.iter().position(|s| s.key == selection.destination_key.value);
            (source_at, destination_at)
        })
        .collect();
    let destination_account = destination_client.current_user().await?.account_id;
    let source_origins = origins(&plan.source.value, &sites.source);
    let destination_origin = origins(&plan.destination.value, &sites.destination).pop().unwrap_or_default();
    Ok(Sides {
        inventory,
        source: std::sync::Arc::new(source),
        destination,
        spaces,
        source_client,
        destination_client,
        destination_account,
        source_origins,
        destination_origin,
    })
}

/// An inventory holding only what snapshot reading looks at besides the spaces.
fn empty_like(inventory: &Inventory) -> Inventory {
    Inventory::empty(inventory.destination.clone(), inventory.destination.clone())
}

/// The origins a site's content may use to link to it, the public one last. A sandbox site is
/// reached on loopback but its content names it `https://NAME.atlassian.net`.
fn origins(site: &SiteRef, connected: &Site) -> Vec<String> {
    match site {
        SiteRef::Url(url) => vec![url.as_str().trim_end_matches('/').to_string()],
        SiteRef::Sandbox(name) => vec![
            connected.base.as_str().trim_end_matches('/').to_string(),
            format!("https://{name}.atlassian.net"),
        ],
    }
}
