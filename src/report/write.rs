//! Writes `users.csv`, `groups.csv`, `spaces.csv` and `summary.json` into a run's report folder,
//! each file written whole to a temporary name and renamed, readable by its owner only.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::cell::safe;
use super::rows::{Rows, Tally};
use crate::state::RunOutcome;

/// Writes `bytes` to `path` atomically and owner-only, as the state directory's files are
/// ([`crate::state::write_atomic`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::state::write_atomic(path, bytes).map_err(|e| match e {
        // The bare I/O error, as callers (and their messages) have always had it.
        crate::state::StateError::Io { source, .. } => source,
        other => std::io::Error::other(other),
    })
}

/// Creates `dir` and its missing parents readable by the owner only (0700). Folders that already
/// exist, such as a `--report-dir` the user made, keep their permissions.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| safe(cell)))?;
    }
    writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
}

fn tally_cells(t: &Tally) -> [String; 4] {
    [t.total.to_string(), t.copied.to_string(), t.skipped.to_string(), t.failed.to_string()]
}

/// The files written, in the order above; `also` are files the run already wrote into `dir`
/// (`references.csv`), listed in `summary.json`'s `files` with the others and returned before it.
pub fn write_reports(
    dir: &Path,
    plan: &str,
    status: RunOutcome,
    rows: &Rows,
    extra: serde_json::Value,
    also: &[PathBuf],
) -> std::io::Result<Vec<PathBuf>> {
    create_private_dir_all(dir)?;
    let users = csv_bytes(
        &[
            "account_id",
            "display_name",
            "email",
            "account_status",
            "included_because",
            "groups",
            "status",
            "detail",
        ],
        rows.users.iter().map(|u| {
            vec![
                u.account_id.clone(),
                u.display_name.clone(),
                u.email.clone(),
                u.account_status.clone(),
                u.included_because.clone(),
                u.groups.clone(),
                u.status.to_string(),
                u.detail.clone(),
            ]
        }),
    )?;
    let groups = csv_bytes(
        &[
            "group_name",
            "source_group_id",
            "destination_group_id",
            "action",
            "members_in_source",
            "members_added",
            "status",
            "detail",
        ],
        rows.groups.iter().map(|g| {
            vec![
                g.group_name.clone(),
                g.source_group_id.clone(),
                g.destination_group_id.clone(),
                g.action.clone(),
                g.members_in_source.to_string(),
                g.members_added.to_string(),
                g.status.to_string(),
                g.detail.clone(),
            ]
        }),
    )?;
    let mut header = vec!["space_key", "destination_key", "space_name"];
    for what in ["pages", "blog_posts", "attachments", "comments"] {
        header.extend(match what {
            "pages" => ["pages", "pages_copied", "pages_skipped", "pages_failed"],
            "blog_posts" => ["blog_posts", "blog_posts_copied", "blog_posts_skipped", "blog_posts_failed"],
            "attachments" => {
                ["attachments", "attachments_copied", "attachments_skipped", "attachments_failed"]
            }
            _ => ["comments", "comments_copied", "comments_skipped", "comments_failed"],
        });
    }
    header.extend(["pages_unreadable", "blog_posts_unreadable", "attachments_unreadable"]);
    header.extend(["status", "detail"]);
    let spaces = csv_bytes(
        &header,
        rows.spaces.iter().map(|s| {
            let mut row = vec![s.space_key.clone(), s.destination_key.clone(), s.space_name.clone()];
            for t in [&s.pages, &s.blog_posts, &s.attachments, &s.comments] {
                row.extend(tally_cells(t));
            }
            for n in [s.pages_unreadable, s.blog_posts_unreadable, s.attachments_unreadable] {
                row.push(n.to_string());
            }
            row.extend([s.status.to_string(), s.detail.clone()]);
            row
        }),
    )?;
    let mut totals = json!({});
    let sum = |pick: fn(&super::rows::SpaceRow) -> Tally| {
        rows.spaces.iter().fold(Tally::default(), |mut acc, s| {
            acc.merge(pick(s));
            acc
        })
    };
    totals["pages"] = json!(sum(|s| s.pages));
    totals["blog_posts"] = json!(sum(|s| s.blog_posts));
    totals["attachments"] = json!(sum(|s| s.attachments));
    totals["comments"] = json!(sum(|s| s.comments));
    totals["settings"] = json!(sum(|s| s.settings));
    let unreadable = |pick: fn(&super::rows::SpaceRow) -> u64| rows.spaces.iter().map(pick).sum::<u64>();
    totals["unreadable"] = json!({
        "pages": unreadable(|s| s.pages_unreadable),
        "blog_posts": unreadable(|s| s.blog_posts_unreadable),
        "attachments": unreadable(|s| s.attachments_unreadable),
    });
    totals["users"] = json!(Tally::of(rows.users.iter().map(|u| u.status.settled())));
    totals["groups"] = json!(Tally::of(rows.groups.iter().map(|g| g.status.settled())));
    totals["spaces"] = json!(Tally::of(rows.spaces.iter().map(|s| s.status.settled())));
    let names = ["users.csv", "groups.csv", "spaces.csv"];
    let mut listed: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    listed.extend(also.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()));
    listed.push("summary.json".into());
    let mut summary = json!({
        "plan": plan,
        "status": status.label(),
        "totals": totals,
        "files": listed,
    });
    if let (Some(summary), Some(extra)) = (summary.as_object_mut(), extra.as_object()) {
        summary.extend(extra.clone());
    }
    let files = [("users.csv", users), ("groups.csv", groups), ("spaces.csv", spaces)];
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        write_private(&path, &bytes)?;
        written.push(path);
    }
    written.extend(also.iter().cloned());
    let path = dir.join("summary.json");
    let mut text = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    text.push(b'\n');
    write_private(&path, &text)?;
    written.push(path);
    Ok(written)
}
