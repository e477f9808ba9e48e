//! What `confcopy status` and `confcopy show PLAN` print, as text (no colour) and JSON.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::record::{PlanRecord, Progress, Tally};
use super::registry::{PlanDetails, PlanSummary};
use super::reports::ReportCounts;

const COLUMNS: [&str; 10] = [
    "PLAN",
    "SOURCE → DESTINATION",
    "STATUS",
    "SPACES",
    "PAGES",
    "PROGRESS",
    "CREATED BY",
    "CREATED",
    "LAST VALIDATED",
    "EXPIRES",
];

/// The `status` dashboard: one aligned row per plan.
pub fn status_table(plans: &[PlanSummary], now: Timestamp) -> String {
    if plans.is_empty() {
        return "No plans yet: `confcopy check` or `confcopy apply` records a plan.\n".to_string();
    }
    let rows: Vec<[String; 10]> = plans
        .iter()
        .map(|plan| {
            [
                plan.name.clone(),
                format!("{} → {}", plan.source, plan.destination),
                plan.status.label().to_string(),
                plan.spaces.to_string(),
                plan.total_pages.to_string(),
                progress_cell(&plan.progress),
                plan.created_by.clone().unwrap_or_else(|| "—".to_string()),
                date(plan.created_at),
                plan.last_validated.map_or_else(|| "never".to_string(), date),
                expires_cell(plan.days_left(now)),
            ]
        })
        .collect();
    let mut widths = COLUMNS.map(|c| c.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = COLUMNS.map(String::from);
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> =
            row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The `status --format json` document.
pub fn status_json(plans: &[PlanSummary], now: Timestamp) -> Value {
    json!({
        "now": now.to_string(),
        "plans": plans.iter().map(|plan| json!({
            "name": plan.name,
            "source": plan.source,
            "destination": plan.destination,
            "status": plan.status,
            "spaces": plan.spaces,
            "total_pages": plan.total_pages,
            "progress": progress_json(&plan.progress),
            "created_by": plan.created_by,
            "created_at": plan.created_at.to_string(),
            "last_validated": plan.last_validated.map(|t| t.to_string()),
            "expires_at": plan.expires_at.to_string(),
            "expires_in_days": plan.days_left(now),
        })).collect::<Vec<_>>(),
    })
}

/// The `show PLAN` page.
pub fn show_text(details: &PlanDetails, now: Timestamp) -> String {
    let record = &details.record;
    let mut out = format!("Plan {}\n\n", record.name);
    let summary = PlanSummary::of(record, now);
    let fields = [
        ("Source", record.source.clone()),
        ("Destination", record.destination.clone()),
        ("Status", summary.status.label().to_string()),
        ("Spaces", format!("{} ({})", record.spaces.len(), record.spaces.join(", "))),
        ("Total pages", record.total_pages.to_string()),
        (
            "Created by",
            if record.created_by.is_empty() { "—".to_string() } else { record.created_by.clone() },
        ),
        ("Created", date(record.created_at)),
        ("Last validated", record.last_validated.map_or_else(|| "never".to_string(), date)),
        ("Expires", format!("{} ({})", expires_cell(summary.days_left(now)), date(summary.expires_at))),
    ];
    for (label, value) in fields {
        out.push_str(&format!("  {:<16}{value}\n", format!("{label}:")));
    }
    out.push_str("\nProgress\n");
    for (kind, progress) in entities(&record.progress) {
        out.push_str(&format!(
            "  {kind:<8}{} of {} (copied {}, skipped {}, failed {})\n",
            progress.settled(),
            progress.total,
            progress.copied,
            progress.skipped,
            progress.failed
        ));
    }
    match record.latest_run() {
        None => out.push_str("\nNo runs yet.\n"),
        Some(run) => {
            let finished = run
                .finished_at
                .map_or_else(|| "not finished".to_string(), |t| format!("finished {}", date(t)));
            out.push_str(&format!(
                "\nLatest run {}: {}, started {} by {}, {finished}\n",
                run.id,
                run.status.label(),
                date(run.started_at),
                run.by
            ));
            if let Some(dir) = &run.report_dir {
                out.push_str(&format!("  reports in  {dir} (--report-dir)\n"));
            }
            let reports = details.latest_reports.clone().unwrap_or_default();
            for (file, counts) in [
                ("users.csv", &reports.users),
                ("groups.csv", &reports.groups),
                ("spaces.csv", &reports.spaces),
            ] {
                let cell = match (counts, &run.report_dir) {
                    (None, Some(dir)) => format!("not found in {dir}"),
                    (counts, _) => counts_cell(counts.as_ref()),
                };
                out.push_str(&format!("  {file:<12}{cell}\n"));
            }
        }
    }
    out
}

/// The `show PLAN --format json` document.
pub fn show_json(details: &PlanDetails, now: Timestamp) -> Value {
    let record: &PlanRecord = &details.record;
    let summary = PlanSummary::of(record, now);
    let latest = record.latest_run().map(|run| {
        let reports = details.latest_reports.clone().unwrap_or_default();
        json!({
            "id": run.id,
            "status": run.status,
            "by": run.by,
            "started_at": run.started_at.to_string(),
            "finished_at": run.finished_at.map(|t| t.to_string()),
            "report_dir": run.report_dir,
            "reports": {
                "users": reports.users,
                "groups": reports.groups,
                "spaces": reports.spaces,
            },
        })
    });
    json!({
        "name": record.name,
        "source": record.source,
        "destination": record.destination,
        "status": summary.status,
        "spaces": record.spaces,
        "total_pages": record.total_pages,
        "created_by": record.created_by,
        "created_at": record.created_at.to_string(),
        "last_validated": record.last_validated.map(|t| t.to_string()),
        "expires_at": summary.expires_at.to_string(),
        "expires_in_days": summary.days_left(now),
        "progress": progress_json(&record.progress),
        "latest_run": latest,
        "runs": record.runs.len(),
    })
}

fn entities(progress: &Progress) -> [(&'static str, Tally); 3] {
    [("users", progress.users), ("groups", progress.groups), ("spaces", progress.spaces)]
}

fn progress_json(progress: &Progress) -> Value {
    let mut map = serde_json::Map::new();
    for (kind, p) in entities(progress) {
        map.insert(
            kind.to_string(),
            json!({ "total": p.total, "copied": p.copied, "skipped": p.skipped, "failed": p.failed }),
        );
    }
    Value::Object(map)
}

fn progress_cell(progress: &Progress) -> String {
    let total = progress.total();
    if total == 0 {
        return "—".to_string();
    }
    let settled = progress.settled().min(total);
    format!("{settled}/{total} ({}%)", settled * 100 / total)
}

fn expires_cell(days_left: Option<i64>) -> String {
    match days_left {
        None => "expired".to_string(),
        Some(1) => "in 1 day".to_string(),
        Some(days) => format!("in {days} days"),
    }
}

fn counts_cell(counts: Option<&ReportCounts>) -> String {
    match counts {
        None => "not written".to_string(),
        Some(counts) if counts.rows == 0 => "no rows".to_string(),
        Some(counts) => {
            let parts: Vec<String> =
                counts.by_status.iter().map(|(status, n)| format!("{status} {n}")).collect();
            format!("{} rows: {}", counts.rows, parts.join(", "))
        }
    }
}

/// Times shown to people: UTC to the minute.
fn date(time: Timestamp) -> String {
    time.strftime("%Y-%m-%d %H:%M UTC").to_string()
}
