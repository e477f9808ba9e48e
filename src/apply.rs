//! Apply (and the graph command): from a validated plan to a walked graph and written reports.
//! Checks run first; any error left refuses the copy before a single write.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::client::ClientOptions;
use crate::diagnostic::Diagnostic;
use crate::graph::{Graph, Outline};
use crate::inventory::Inventory;
use crate::plan::Plan;
use crate::report::Rows;
use crate::run::{Copy, Mapping, Mode, Progress};
use crate::settings::Settings;
use crate::site::PlanSites;
use crate::snapshot::Snapshot;
use crate::state::RunOutcome;

/// Why an apply (or the dry-run of `check`) could not prepare or walk its plan.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
    #[error("no credentials for the source site")]
    NoSourceCredentials,
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error(transparent)]
    Stow(#[from] crate::snapshot::StowError),
    /// The graph could not be ordered: a bug in how it was built.
    #[error("internal error (a bug): {0}")]
    Graph(#[from] crate::graph::Cycle),
    #[error(transparent)]
    Outline(#[from] crate::graph::OutlineError),
    #[error("cannot read what earlier runs copied into space {key}: {error}")]
    Reconcile {
        key: String,
        #[source]
        error: crate::client::ClientError,
    },
    /// `walk` of a plan whose checks found errors (its graph was never built): a bug.
    #[error("the plan was not prepared for a copy")]
    NotPrepared,
    #[error("credentials are missing for a site")]
    MissingCredentials,
    #[error("cannot write the reports in {}: {source}", dir.display())]
    Reports {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A plan with its sites read and its graph built: ready to walk.
pub struct Prepared {
    pub sites: PlanSites,
    pub inventory: Arc<Inventory>,
    pub findings: Vec<Diagnostic>,
    pub snapshot: Option<Arc<Snapshot>>,
    /// The stages the walk builds and runs one after another (each checked already).
    pub outline: Option<Outline>,
    /// What the plan copies, for the rewriter's questions (built from the stowed snapshot, one
    /// space read back at a time).
    pub catalogue: Option<Arc<crate::run::Catalogue>>,
    /// What the destination's markers say earlier runs copied, when it was read (see
    /// [`reconcile`](crate::reconcile)).
    pub reconciled: Option<Reconciled>,
}

/// What was found on the destination by marker, and why it was read.
pub struct Reconciled {
    pub found: crate::reconcile::Found,
    pub reason: String,
}

/// What a walk produced.
pub struct Applied {
    pub status: RunOutcome,
    /// The run's journal writer, handed back to record the run's end.
    pub recorder: crate::run::Recorder,
    /// Every node's outcome, counted.
    pub tally: crate::report::Tally,
    pub rows: Rows,
    pub report_files: Vec<PathBuf>,
    /// Why the run stopped starting work early: a site asked to wait longer than
    /// `max_retry_wait` (the reason says when to run again).
    pub stopped: Option<String>,
}

/// Reads both sites and runs the checks; when no error is found, reads the source content into
/// a snapshot (bodies spooled under `work_dir`) and builds the graph. With `trust` (an apply),
/// the plan's own destination spaces that the journal cannot account for are read by marker.
pub async fn prepare(
    plan: &Plan,
    settings: &Settings,
    options: ClientOptions,
    work_dir: &Path,
    previous: Option<&crate::state::JournalState>,
    trust: Option<&crate::reconcile::JournalTrust>,
) -> Result<Prepared, ApplyError> {
    let sites = PlanSites::connect(plan, settings, options).await?;
    let inventory = match crate::inventory::read(plan, &sites).await {
        Ok(inventory) => inventory,
        Err(unreachable) => {
            let empty = Arc::new(empty_inventory(plan));
            return Ok(Prepared {
                sites,
                inventory: empty,
                findings: vec![unreachable],
                snapshot: None,
                outline: None,
                catalogue: None,
                reconciled: None,
            });
        }
    };
    let mut inventory = inventory;
    if let Some(previous) = previous {
        note_journal_spaces(&mut inventory, previous);
    }
    let findings = crate::checks::run(plan, &inventory);
    if findings.iter().any(Diagnostic::is_error) {
        return Ok(Prepared {
            sites,
            inventory: Arc::new(inventory),
            findings,
            snapshot: None,
            outline: None,
            catalogue: None,
            reconciled: None,
        });
    }
    let Some(source) = sites.source.client.clone() else {
        return Err(ApplyError::NoSourceCredentials);
    };
    // Each space's content goes to disk as soon as its read ends: from here on a space's content
    // is read back when needed, and never more than one stage's at a time. What the read freed
    // goes back to the system before the rest, instead of staying resident for the whole copy.
    // The inventory's listing is freed by now: handed back before the read fills memory again.
    crate::allocator::release_freed();
    let snapshot = crate::snapshot::read(plan, &inventory, &source, work_dir).await?;
    crate::allocator::release_freed();
    let outline = Outline::build(plan, &inventory, &snapshot)?;
    let catalogue = crate::run::Catalogue::new(&snapshot)?;
    let reconciled = match (trust, &sites.destination.client) {
        (Some(trust), Some(destination)) => {
            reconcile(plan, &inventory, &snapshot, destination, previous, trust).await?
        }
        _ => None,
    };
    Ok(Prepared {
        sites,
        inventory: Arc::new(inventory),
        findings,
        snapshot: Some(Arc::new(snapshot)),
        outline: Some(outline),
        catalogue: Some(Arc::new(catalogue)),
        reconciled,
    })
}

/// Reads the plan's own destination spaces by marker: all of them when the journal is not
/// trusted, else those the journal does not know (made by a run whose journal is elsewhere).
async fn reconcile(
    plan: &Plan,
    inventory: &Inventory,
    snapshot: &Snapshot,
    destination: &crate::client::SiteClient,
    previous: Option<&crate::state::JournalState>,
    trust: &crate::reconcile::JournalTrust,
) -> Result<Option<Reconciled>, ApplyError> {
    use crate::state::{EntityKind, SourceRef};
    let source_site = plan.source.value.identity();
    let mut found = crate::reconcile::Found::default();
    let mut reason = trust.reason().map(str::to_string);
    for (i, selection) in plan.spaces.iter().enumerate() {
        if !crate::checks::space_keys::is_plans_space(plan, inventory, i) {
            continue;
        }
        let (Some(Some(source)), Some(Some(taken))) =
            (inventory.spaces.get(i), inventory.destination_conflicts.get(i))
        else {
            continue;
        };
        let known =
            previous.is_some_and(|p| p.mappings.contains_key(&SourceRef::new(EntityKind::Space, &source.id)));
        if known && reason.is_none() {
            continue;
        }
        reason.get_or_insert_with(|| {
            format!("the destination space {} was made by a run this journal does not know", taken.key)
        });
        let Some(index) = snapshot.spaces.iter().position(|s| s.id == source.id) else { continue };
        let view = snapshot.with_space(Some(index))?;
        let space = &view.spaces[index];
        found.space(&source.id, &taken.id);
        found
            .read_space(destination, &source_site, space, &selection.destination_key.value)
            .await
            .map_err(|error| ApplyError::Reconcile { key: taken.key.clone(), error })?;
    }
    // Nothing of the plan's is on the destination yet: nothing to find, nothing to adopt.
    if found.items.is_empty() {
        return Ok(None);
    }
    Ok(reason.map(|reason| Reconciled { found, reason }))
}

/// Puts what earlier runs copied into the mapping, so links and parents resolve to it.
fn preload(copy: &Copy) {
    use crate::state::EntityKind;
    let previous = &copy.recorder.previous;
    copy.map(|m| {
        for (source, mapped) in &previous.mappings {
            let id = mapped.destination_id.clone();
            match source.kind {
                EntityKind::Page | EntityKind::BlogPost => {
                    m.set_content(&source.id, &id, mapped.destination_version.unwrap_or(1));
                }
                EntityKind::Comment => {
                    m.set_comment(&source.id, &id);
                }
                EntityKind::Attachment => {
                    m.set_attachment(&source.id, &id);
                }
                EntityKind::Group => {
                    m.groups.insert(source.id.clone(), id);
                }
                _ => {}
            }
        }
        // Without copying groups (`users.scope = "none"`), permissions and restrictions name
        // the destination's own groups of the same names.
        if !copy.inventory.copies_people() {
            for (name, group) in &copy.inventory.destination_groups {
                m.groups.entry(name.clone()).or_insert_with(|| group.id.clone());
            }
        }
    });
}

/// The references of every copied body, located by space and title.
fn reference_rows(copy: &Copy) -> Vec<crate::report::ReferenceRow> {
    let references = copy.references.lock().unwrap_or_else(|e| e.into_inner());
    let mut rows = Vec::new();
    for (owner, on, list) in references.iter() {
        let (container, suffix) = match on {
            Some(page) => (page, format!(" (comment {owner})")),
            None => (owner.as_str(), String::new()),
        };
        let page = match copy.catalogue.place(container) {
            Some((space, title)) => format!("{}: {title}{suffix}", copy.snapshot.spaces[space].key),
            None => format!("{container}{suffix}"),
        };
        for reference in list {
            rows.push(crate::report::ReferenceRow {
                page: page.clone(),
                kind: reference.kind.as_str().to_string(),
                original: reference.original.clone(),
                outcome: reference.outcome.as_str().to_string(),
                replacement: reference.replacement.clone().unwrap_or_default(),
                reason: reference.reason.clone().unwrap_or_default(),
            });
        }
    }
    rows
}

/// The origins a site's content may use to link to it; the public one last. A sandbox site is
/// reached on loopback but its content names it `https://NAME.atlassian.net`.
fn origins(site: &crate::plan::SiteRef, connected: &crate::site::Site) -> Vec<String> {
    match site {
        crate::plan::SiteRef::Url(url) => vec![url.as_str().trim_end_matches('/').to_string()],
        crate::plan::SiteRef::Sandbox(name) => {
            vec![
                connected.base.as_str().trim_end_matches('/').to_string(),
                format!("https://{name}.atlassian.net"),
            ]
        }
    }
}

/// Notes the destination spaces an earlier run of this plan created, by its journal: the plan's
/// own copies, not key conflicts.
fn note_journal_spaces(inventory: &mut Inventory, previous: &crate::state::JournalState) {
    use crate::state::{EntityKind, SourceRef};
    let pending = previous.pending_intents();
    for (found, conflict) in inventory.spaces.iter().zip(inventory.destination_conflicts.iter_mut()) {
        let Some(found) = found else { continue };
        let source = SourceRef::new(EntityKind::Space, &found.id);
        if (previous.mappings.contains_key(&source) || pending.iter().any(|p| p.source == source))
            && let Some(taken) = conflict
        {
            taken.journal_knows = true;
        }
    }
}

fn empty_inventory(plan: &Plan) -> Inventory {
    let facts = |label: String| crate::inventory::SiteFacts {
        label,
        access: crate::inventory::Access::Missing,
        product_admin: None,
        org_admin: crate::inventory::OrgAdmin::NoKey,
        confluence: false,
        plan: None,
        usage: None,
        capacity: None,
        apps: Vec::new(),
    };
    Inventory::empty(facts(plan.source.value.to_string()), facts(plan.destination.value.to_string()))
}

/// What the client sent to a site over the whole run, retries and waits included (target
/// `confcopy::requests` at info: `CONFCOPY_LOG=confcopy::requests=info`; the copy benchmark
/// reads it).
fn log_requests(site: &str, client: &crate::client::SiteClient) {
    let stats = client.stats();
    tracing::info!(
        target: "confcopy::requests",
        site,
        requests = stats.requests,
        retries = stats.retries,
        rate_limited = stats.rate_limited,
        paused_s = format!("{:.1}", stats.paused.as_secs_f64()),
        hiccups = stats.hiccups,
        hiccup_wait_s = format!("{:.1}", stats.hiccup_wait.as_secs_f64()),
        backoff_s = format!("{:.1}", stats.backoff.as_secs_f64()),
        held_s = format!("{:.1}", stats.held.as_secs_f64()),
        lowest_paced_rate = stats.lowest_paced_rate.map(|r| format!("{r:.1}")).unwrap_or_else(|| "-".into()),
        "requests sent"
    );
}

/// Walks the prepared graph in `mode`; writes the reports into `report_dir` when given.
pub async fn walk(
    plan: &Plan,
    prepared: &Prepared,
    mode: Mode,
    work_dir: &Path,
    report_dir: Option<&Path>,
    bars: bool,
    recorder: crate::run::Recorder,
) -> Result<Applied, ApplyError> {
    let (Some(outline), Some(snapshot), Some(catalogue)) =
        (&prepared.outline, &prepared.snapshot, &prepared.catalogue)
    else {
        return Err(ApplyError::NotPrepared);
    };
    let (Some(source), Some(destination)) =
        (prepared.sites.source.client.clone(), prepared.sites.destination.client.clone())
    else {
        return Err(ApplyError::MissingCredentials);
    };
    let mut recorder = recorder;
    if let Some(reconciled) = &prepared.reconciled {
        let run = recorder.run().clone();
        reconciled.found.merge_into(&mut recorder.previous, &run);
        recorder.adopted(&reconciled.found);
    }
    // The stages each see their own view of the snapshot; this one holds the spaces' settings.
    let copy = Arc::new(Copy {
        mode,
        plan_name: plan.name.value.clone(),
        reconciled: prepared.reconciled.is_some(),
        v1_create_gone: Default::default(),
        claimed: Arc::new(std::sync::Mutex::new(
            prepared.reconciled.as_ref().map(|r| r.found.claimed.clone()).unwrap_or_default(),
        )),
        memberships: plan.users.memberships.value,
        source,
        destination,
        inventory: Arc::clone(&prepared.inventory),
        snapshot: Arc::new(snapshot.with_space(None)?),
        mapping: Arc::new(std::sync::RwLock::new(Mapping::new(Arc::clone(catalogue)))),
        work_dir: work_dir.to_path_buf(),
        labelled: Default::default(),
        pending_fixups: Default::default(),
        catalogue: Arc::clone(catalogue),
        source_origins: origins(&plan.source.value, &prepared.sites.source),
        destination_origin: origins(&plan.destination.value, &prepared.sites.destination)
            .pop()
            .unwrap_or_default(),
        // Only a run that writes reports reads the references back (`references.csv`).
        references: Arc::new(std::sync::Mutex::new(match report_dir {
            Some(_) => crate::run::ReferenceLog::default(),
            None => crate::run::ReferenceLog::unreported(),
        })),
        markers: Default::default(),
        recorder: Arc::new(recorder),
    });
    preload(&copy);
    let per_space: Vec<(String, usize)> = snapshot
        .spaces
        .iter()
        .map(|s| s.destination_key.clone())
        .zip(outline.per_space.iter().copied())
        .collect();
    let progress = Progress::new(bars, outline.nodes, &per_space);
    let in_flight = plan.run.concurrency.value as usize * 4;
    // Stage by stage: only one stage's graph is held at a time; what later stages need of it
    // is whether each node let its dependents run (`settled`) and the rows' counts.
    let mut settled = crate::run::Settled::default();
    let mut rows = crate::report::RowsBuilder::new(snapshot);
    for stage in &outline.stages {
        // The content of the stage's spaces comes back from disk; the last stage's goes.
        let view = Arc::new(snapshot.with_spaces(stage.spaces())?);
        let staged = Graph::build_stage(plan, &prepared.inventory, &view, stage)?;
        let stage_copy = Arc::new(copy.for_stage(Arc::clone(&view)));
        let outcomes = crate::run::walk(&staged, &mut settled, stage_copy, in_flight, &progress).await;
        for (node, outcome) in staged.graph.nodes[staged.own()].iter().zip(&outcomes) {
            rows.add(&node.kind, outcome, &view);
        }
    }
    progress.finish();
    log_requests("source", &copy.source);
    log_requests("destination", &copy.destination);
    let stopped = copy.halted();
    let tally = rows.tally;
    let mut status = crate::report::run_outcome(&tally);
    if status == RunOutcome::Complete && copy.recorder.failure().is_some() {
        // What this run did is on the destination, but its journal lost track of some of it.
        status = RunOutcome::Incomplete;
    }
    let group_ids = copy.mapping.read().unwrap_or_else(|e| e.into_inner()).groups.clone();
    let rows = rows.finish(&prepared.inventory, &group_ids);
    let report_files = match report_dir {
        Some(dir) => {
            let extra = serde_json::json!({
                "source": plan.source.value.to_string(),
                "destination": plan.destination.value.to_string(),
                "mode": if mode == Mode::Apply { "apply" } else { "dry-run" },
                "nodes": outline.nodes,
                "stopped": stopped,
            });
            let failed = |source| ApplyError::Reports { dir: dir.to_path_buf(), source };
            crate::report::create_private_dir_all(dir).map_err(failed)?;
            let references = crate::report::write_references(dir, &reference_rows(&copy)).map_err(failed)?;
            crate::report::write_reports(dir, &plan.name.value, status, &rows, extra, &[references])
                .map_err(failed)?
        }
        None => Vec::new(),
    };
    let recorder = match Arc::try_unwrap(copy).map(|copy| Arc::try_unwrap(copy.recorder)) {
        Ok(Ok(recorder)) => recorder,
        _ => crate::run::Recorder::none(),
    };
    Ok(Applied { status, recorder, tally, rows, report_files, stopped })
}
