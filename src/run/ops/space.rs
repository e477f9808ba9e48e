//! Spaces and their permissions.

use crate::client::model::space::{NewSpace, NewSpacePermission};
use crate::run::context::{Copy, MappedSpace};
use crate::run::outcome::Outcome;
use crate::snapshot::Subject;
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
                MappedSpace { id: String::new(), key: space.destination_key.clone(), homepage_id: None },
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
    if let Some(id) = earlier {
        let homepage = match copy.destination.space(&id).await {
            Ok(found) => found.homepage_id,
            Err(error) => return Outcome::failed(error.to_string()),
        };
        copy.recorder.result(&node, source, &id, None, None);
        copy.map(|m| {
            m.spaces
                .insert(index, MappedSpace { id, key: space.destination_key.clone(), homepage_id: homepage })
        });
        if copy.recorder.done_before(&node) {
            return Outcome::Present { detail: "created by an earlier run".into() };
        }
        // An earlier run created it but stopped before finishing it: finish it (repeatable).
        if let Err(error) = label_space(copy, space).await {
            return Outcome::failed(error);
        }
        return Outcome::Present { detail: "created by an earlier run, finished now".into() };
    }
    if let Err(error) = copy.recorder.intent(&node, WriteKind::CreateSpace, source.clone()).await {
        return Outcome::failed(error);
    }
    let new = NewSpace {
        key: space.destination_key.clone(),
        name: space.name.clone(),
        description: space.description.clone(),
    };
    let created = match copy.destination.create_space(&new).await {
        Ok(created) => created,
        Err(error) => return Outcome::failed(error.to_string()),
    };
    copy.recorder.result(&node, source, &created.id, None, None);
    copy.map(|m| {
        m.spaces.insert(
            index,
            MappedSpace {
                id: created.id.clone(),
                key: created.key.clone(),
                homepage_id: created.homepage.map(|h| h.id),
            },
        )
    });
    let mut notes = Vec::new();
    if let Err(error) = label_space(copy, space).await {
        return Outcome::failed(error);
    }
    if space.status == "archived" {
        notes.push("the source space is archived; archive the copy in its settings (the API cannot)");
    }
    Outcome::Copied { detail: (!notes.is_empty()).then(|| notes.join("; ")) }
}

/// Adds the source space's labels to its copy (adding a label twice changes nothing).
async fn label_space(copy: &Copy, space: &crate::snapshot::SpaceSnapshot) -> Result<(), String> {
    if space.labels.is_empty() {
        return Ok(());
    }
    copy.destination
        .add_space_labels(&space.destination_key, &space.labels)
        .await
        .map_err(|error| format!("created, but its labels were not: {error}"))
}

/// Grants the space's permissions on the destination, one by one.
pub async fn permissions(copy: &Copy, index: usize) -> Outcome {
    let space = &copy.snapshot.spaces[index];
    let Some(target) = copy.space(index) else { return Outcome::failed("the space was not created") };
    let (mut granted, mut present, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for permission in &space.permissions {
        let (subject_type, identifier) = match &permission.subject {
            Subject::User(id) => {
                let former = copy
                    .inventory
                    .users
                    .get(id)
                    .is_none_or(|u| u.status == crate::inventory::AccountStatus::Former);
                if former {
                    skipped += 1;
                    continue;
                }
                ("user", id.clone())
            }
            Subject::Group(name) => match copy.group_id(name) {
                Some(id) => ("group", id),
                None if !copy.writes() => ("group", name.clone()),
                None => {
                    failures.push(format!(
                        "{}:{} for group \"{name}\": the group is not on the destination",
                        permission.operation, permission.target
                    ));
                    continue;
                }
            },
            Subject::Anonymous => ("anonymous", String::new()),
        };
        if !copy.writes() {
            granted += 1;
            continue;
        }
        let new = NewSpacePermission {
            subject_type: subject_type.into(),
            identifier,
            operation: permission.operation.clone(),
            target: permission.target.clone(),
        };
        match copy.destination.add_space_permission(&target.key, &new).await {
            Ok(()) => granted += 1,
            Err(error) if error.status() == Some(400) && error.to_string().contains("already exists") => {
                present += 1
            }
            Err(error) => failures.push(error.to_string()),
        }
    }
    let summary = format!("{granted} granted, {present} already present, {skipped} for former users skipped");
    if failures.is_empty() {
        Outcome::copied_with(summary)
    } else {
        Outcome::failed(format!("{summary}, {} failed: {}", failures.len(), failures.join("; ")))
    }
}
