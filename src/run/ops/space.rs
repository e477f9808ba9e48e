//! Spaces and their permissions.

use std::sync::Arc;

use crate::client::model::property::PropertyHolder;
use crate::client::model::space::{NewSpace, NewSpacePermission};
use crate::run::CopyError;
use crate::run::context::{Copy, MappedSpace};
use crate::run::mark::{ensure_marked, mark};
use crate::run::outcome::Outcome;
use crate::snapshot::{Permission, Subject};
use crate::state::{EntityKind, SourceRef, WriteKind};

/// Creates the space under its destination key; its homepage comes with it.
pub async fn space(copy: &Copy, index: usize) -> Outcome {
    let space = &copy.snapshot.spaces[index];
    if space.kind == "personal" {
        return Outcome::failed(
            "a personal space can only be created by its owner; copy its pages into a global space instead",
        );
    }
    if !copy.writes() {
        copy.map(|m| {
            m.spaces.insert(
                index,
                MappedSpace {
                    id: String::new(),
                    key: space.destination_key.clone(),
                    homepage_id: None,
                    homepage_version: None,
                    carried: Arc::default(),
                },
            )
        });
        return Outcome::copied_with(format!("would be created as {}", space.destination_key));
    }
    let source = SourceRef::new(EntityKind::Space, &space.id);
    let node = format!("space:{}", space.key);
    // An earlier run created it (or may have, if it stopped right after asking).
    let earlier = match copy.earlier(&source) {
        Some((id, _)) => Some(id),
        None if copy.recorder.interrupted(&source) => {
            match copy.destination.space_holding_key(&space.destination_key).await {
                Ok(found) => found.filter(|s| s.name == space.name).map(|s| s.id),
                Err(error) => return Outcome::failed(error.to_string()),
            }
        }
        None => None,
    };
    if let Some(id) = &earlier
        && (copy.recorder.interrupted(&source) || copy.reconciled)
        && let Err(error) = ensure_marked(copy, &PropertyHolder::Space(id.clone()), &source, None).await
    {
        // An interrupted run may have stopped before marking it.
        return Outcome::failed(error);
    }
    if let Some(id) = earlier {
        let id_for_labels = id.clone();
        let homepage = match copy.destination.space(&id).await {
            Ok(found) => found.homepage_id,
            Err(error) => return Outcome::failed(error.to_string()),
        };
        copy.recorder.result(&node, source, &id, None, None);
        copy.map(|m| {
            m.spaces.insert(
                index,
                MappedSpace {
                    id,
                    key: space.destination_key.clone(),
                    homepage_id: homepage,
                    homepage_version: None,
                    carried: Arc::default(),
                },
            )
        });
        if copy.recorder.done_before(&node) {
            return Outcome::Present { detail: "created by an earlier run".into() };
        }
        // An earlier run created it but stopped before finishing it: finish it (repeatable).
        if let Err(error) = label_space(copy, space, &id_for_labels).await {
            return Outcome::failed(error);
        }
        return Outcome::Present { detail: "created by an earlier run, finished now".into() };
    }
    if let Err(error) = copy.recorder.intent(&node, WriteKind::CreateSpace, source.clone()).await {
        return Outcome::failed(error);
    }
    let mut new = NewSpace {
        key: space.destination_key.clone(),
        name: space.name.clone(),
        description: space.description.clone(),
        permissions: at_create(copy, space),
    };
    let created = match create_space(copy, &new).await {
        Ok(created) => created,
        // A site that refuses the permissions (an account or group it does not take) gets the
        // space without them: its permissions node grants them one by one and reports each
        // refusal.
        Err(error)
            if !new.permissions.is_empty()
                && error.status() == Some(400)
                && !error.to_string().contains("already exists") =>
        {
            tracing::warn!(%error, key = %new.key, "the space's create refused its permissions: creating it without them");
            new.permissions.clear();
            match create_space(copy, &new).await {
                Ok(created) => created,
                Err(error) => return Outcome::failed(error.to_string()),
            }
        }
        Err(error) => return Outcome::failed(error.to_string()),
    };
    if let Err(error) = mark(copy, &PropertyHolder::Space(created.id.clone()), &source, None).await {
        // Unrecorded: the next run finds it by its key (the intent is pending) and marks it.
        return Outcome::failed(format!("created, but {error}"));
    }
    copy.recorder.result(&node, source, &created.id, None, None);
    copy.map(|m| {
        m.spaces.insert(
            index,
            MappedSpace {
                id: created.id.clone(),
                key: created.key.clone(),
                homepage_id: created.homepage.map(|h| h.id),
                // A new space's homepage is at its first version.
                homepage_version: Some(1),
                carried: new.permissions.into(),
            },
        )
    });
    let mut notes = Vec::new();
    if let Err(error) = label_space(copy, space, &created.id).await {
        return Outcome::failed(error);
    }
    if space.status == "archived" {
        notes.push("the source space is archived; archive the copy in its settings (the API cannot)");
    }
    Outcome::Copied { detail: (!notes.is_empty()).then(|| notes.join("; ")) }
}

/// Adds the source space's labels to its copy (adding a label twice changes nothing). A run
/// that began from the destination's markers reads the copy's labels first and adds only what
/// is missing, so a repeated apply writes nothing.
async fn label_space(copy: &Copy, space: &crate::snapshot::SpaceSnapshot, id: &str) -> Result<(), CopyError> {
    use futures_util::TryStreamExt;
    if space.labels.is_empty() {
        return Ok(());
    }
    if copy.reconciled {
        let found: Vec<_> =
            copy.destination.space_labels(id).try_collect().await.map_err(CopyError::SpaceLabels)?;
        if space.labels.iter().all(|wanted| found.iter().any(|l| l.name.eq_ignore_ascii_case(wanted))) {
            return Ok(());
        }
    }
    copy.destination
        .add_space_labels(&space.destination_key, &space.labels)
        .await
        .map_err(CopyError::SpaceLabels)
}

/// Creates the space. A create whose answer was lost is looked for by its key (a space with
/// that key and name) before it is sent again.
async fn create_space(
    copy: &Copy,
    new: &NewSpace,
) -> Result<crate::client::model::space::CreatedSpace, crate::client::ClientError> {
    let mut attempt = 1;
    loop {
        match copy.destination.create_space(new).await {
            Err(error) if error.is_outcome_unknown() && attempt < LOST_ANSWER_ATTEMPTS => {
                match copy.destination.space_holding_key(&new.key).await {
                    Ok(Some(found)) if found.name == new.name => {
                        let space = copy.destination.space(&found.id).await?;
                        return Ok(crate::client::model::space::CreatedSpace {
                            id: space.id,
                            key: space.key,
                            name: space.name,
                            homepage: space
                                .homepage_id
                                .map(|id| crate::client::model::space::CreatedHomepage { id, title: None }),
                        });
                    }
                    Ok(_) => attempt += 1,
                    Err(_) => return Err(error),
                }
            }
            other => return other,
        }
    }
}

/// A space's permissions as the destination can take them.
struct Grants<'s> {
    /// Each grant the destination can be given, in its terms, with the permission it copies.
    grantable: Vec<(NewSpacePermission, &'s Permission)>,
    /// Grants for former users (closed accounts): skipped.
    skipped: usize,
    /// With `users.scope = "none"`: grants naming a group or account the destination lacks.
    left_out: Vec<String>,
    /// Grants naming a group that is not on the destination.
    failures: Vec<String>,
}

/// Sorts the space's permissions into what can be granted on the destination and what not.
fn grants<'s>(copy: &Copy, space: &'s crate::snapshot::SpaceSnapshot) -> Grants<'s> {
    let mut out = Grants { grantable: Vec::new(), skipped: 0, left_out: Vec::new(), failures: Vec::new() };
    for permission in &space.permissions {
        let (subject_type, identifier) = match &permission.subject {
            Subject::User(id) => {
                let former = copy
                    .inventory
                    .users
                    .get(id)
                    .is_none_or(|u| u.status == crate::inventory::AccountStatus::Former);
                if former {
                    out.skipped += 1;
                    continue;
                }
                if !copy.inventory.destination_knows(id) {
                    let who = copy.inventory.users.get(id).map_or(id.as_str(), |u| u.display_name.as_str());
                    out.left_out.push(format!("{}:{} for {who}", permission.operation, permission.target));
                    continue;
                }
                ("user", id.clone())
            }
            Subject::Group(name) => match copy.group_id(name) {
                Some(id) => ("group", id),
                None if !copy.inventory.copies_people() => {
                    out.left_out
                        .push(format!("{}:{} for group \"{name}\"", permission.operation, permission.target));
                    continue;
                }
                None if !copy.writes() => ("group", name.clone()),
                None => {
                    out.failures.push(format!(
                        "{}:{} for group \"{name}\": the group is not on the destination",
                        permission.operation, permission.target
                    ));
                    continue;
                }
            },
            Subject::Anonymous => ("anonymous", String::new()),
        };
        let new = NewSpacePermission {
            subject_type: subject_type.into(),
            identifier,
            operation: permission.operation.clone(),
            target: permission.target.clone(),
        };
        out.grantable.push((new, permission));
    }
    out
}

/// What the copying account keeps on a space it creates with the source's permissions (a space
/// created with permissions has only those): everything the copy does there.
const OWN: [(&str, &str); 12] = [
    ("read", "space"),
    ("administer", "space"),
    ("export", "space"),
    ("restrict_content", "space"),
    ("create", "page"),
    ("create", "blogpost"),
    ("create", "comment"),
    ("create", "attachment"),
    ("delete", "page"),
    ("delete", "blogpost"),
    ("delete", "comment"),
    ("delete", "attachment"),
];

/// The permissions a new space is created with: the source's that the destination can take,
/// and the copying account's own ([`OWN`]). None when the copying account is not known (the
/// site's defaults apply then, and the permissions node grants the source's one by one).
fn at_create(copy: &Copy, space: &crate::snapshot::SpaceSnapshot) -> Vec<NewSpacePermission> {
    let crate::inventory::Access::Granted { account_id, .. } = &copy.inventory.destination.access else {
        return Vec::new();
    };
    let mut carried: Vec<NewSpacePermission> =
        grants(copy, space).grantable.into_iter().map(|(new, _)| new).collect();
    for (operation, target) in OWN {
        let own = NewSpacePermission {
            subject_type: "user".into(),
            identifier: account_id.clone(),
            operation: operation.into(),
            target: target.into(),
        };
        if !carried.contains(&own) {
            carried.push(own);
        }
    }
    carried
}

/// Grants the space's permissions on the destination, one by one, but for those its create
/// carried.
pub async fn permissions(copy: &Copy, index: usize) -> Outcome {
    let space = &copy.snapshot.spaces[index];
    let Some(target) = copy.space(index) else { return Outcome::failed("the space was not created") };
    let (mut granted, mut present) = (0, 0);
    let Grants { grantable, skipped, left_out, mut failures } = grants(copy, space);
    // A run that began from the destination's markers grants only what the copy lacks.
    let existing: Vec<crate::client::model::space::SpacePermission> =
        if copy.reconciled && copy.writes() && target.carried.is_empty() {
            use futures_util::TryStreamExt;
            match copy.destination.space_permissions(&target.id).try_collect().await {
                Ok(found) => found,
                Err(error) => return Outcome::failed(error.to_string()),
            }
        } else {
            Vec::new()
        };
    for (new, permission) in grantable {
        if !copy.writes() || target.carried.contains(&new) {
            granted += 1;
            continue;
        }
        if holds(&existing, &new.subject_type, &new.identifier, permission) {
            present += 1;
            continue;
        }
        // A grant whose answer was lost is sent again: done already, it is refused as present.
        let mut attempt = 1;
        let granting = loop {
            match copy.destination.add_space_permission(&target.key, &new).await {
                Err(error) if error.is_outcome_unknown() && attempt < LOST_ANSWER_ATTEMPTS => attempt += 1,
                other => break other,
            }
        };
        match granting {
            Ok(()) => granted += 1,
            Err(error) if error.status() == Some(400) && error.to_string().contains("already exists") => {
                // After a lost answer, the grant found is the one this run made.
                if attempt > 1 { granted += 1 } else { present += 1 }
            }
            // Refused after a lost answer, with a reason that cannot be read: look.
            Err(error) if attempt > 1 && error.status().is_some_and(|s| (400..500).contains(&s)) => {
                use futures_util::TryStreamExt;
                let now: Result<Vec<_>, _> =
                    copy.destination.space_permissions(&target.id).try_collect().await;
                match now {
                    Ok(now) if holds(&now, &new.subject_type, &new.identifier, permission) => granted += 1,
                    _ => failures.push(error.to_string()),
                }
            }
            Err(error) => failures.push(error.to_string()),
        }
    }
    let mut summary =
        format!("{granted} granted, {present} already present, {skipped} for former users skipped");
    if !left_out.is_empty() {
        summary.push_str(&format!("; {} {}", left_out.len(), crate::run::outcome::LEFT_OUT));
        summary.push_str(&left_out.join(", "));
    }
    if failures.is_empty() {
        Outcome::copied_with(summary)
    } else {
        Outcome::failed(format!("{summary}, {} failed: {}", failures.len(), failures.join("; ")))
    }
}

/// How many times a create or grant whose answer was lost is sent.
const LOST_ANSWER_ATTEMPTS: u32 = 6;

/// Whether `existing` holds `permission` for the subject (`user`, `group` or `anonymous`).
fn holds(
    existing: &[crate::client::model::space::SpacePermission],
    subject_type: &str,
    identifier: &str,
    permission: &crate::snapshot::Permission,
) -> bool {
    existing.iter().any(|p| {
        let same_subject = match subject_type {
            // Anonymous access is a principal of its own, or the ANONYMOUS role.
            "anonymous" => {
                p.principal.kind == "anonymous"
                    || (p.principal.kind == "role"
                        && p.principal.id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case("ANONYMOUS")))
            }
            kind => p.principal.kind == kind && p.principal.id.as_deref() == Some(identifier),
        };
        same_subject
            && p.operation.key == permission.operation
            && p.operation.target_type == permission.target
    })
}
