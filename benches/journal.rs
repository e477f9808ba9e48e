//! The journal's replay at the size of a million-page copy: writes a journal of `--items N`
//! copied pages (default 1,000,000: an intent, a result and a finished node each, so three
//! entries a page) through the real journal, then opens it again in a fresh process as a
//! resuming apply does, and prints how long the replay took, the journal's size, and the
//! process's peak resident memory and what the replayed state holds. `--items 333334` gives a journal of about 1,000,000 entries.
//! Prints `name: value` lines.

use std::time::Instant;

use confcopy::state::{
    Clock, Durability, EntityKind, Entry, Journal, NodeStatus, Operator, PlanIdentity, RunId, RunOutcome,
    SourceRef, SpaceIdentity, StateDir, SystemClock, WriteKind, marker, plan_hash,
};

fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let items: u64 = args
        .iter()
        .position(|a| a == "--items")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let identity = PlanIdentity {
        name: "bench".into(),
        source: "https://acme.atlassian.net".into(),
        destination: "https://acme-eu.atlassian.net".into(),
        spaces: (0..20)
            .map(|s| SpaceIdentity { source_key: format!("S{s}"), destination_key: format!("S{s}") })
            .collect(),
    };
    if let Some(root) = args.iter().position(|a| a == "--replay").and_then(|i| args.get(i + 1)) {
        replay(std::path::Path::new(root), &identity);
        return;
    }
    let temp = tempfile::tempdir().expect("temp dir");
    let plan = StateDir::open(temp.path()).expect("state dir").plan("bench").expect("plan dir");
    let clock = SystemClock;
    let started = Instant::now();
    {
        let mut journal = Journal::open(&plan, &identity, &clock)
            .expect("journal opens")
            .with_durability(Durability::Batched { every: 1 << 20 });
        let run = RunId::new(clock.now());
        journal
            .append(&Entry::RunStarted {
                run: run.clone(),
                plan_hash: plan_hash(b"name = \"bench\"\n"),
                plan: identity.clone(),
                by: Operator::current(),
                at: clock.now(),
            })
            .expect("appended");
        for i in 0..items {
            let id = (1_000_000 + i).to_string();
            let source = SourceRef::new(EntityKind::Page, &id);
            let node = format!("page:{id}");
            let entries = [
                Entry::Intent {
                    run: run.clone(),
                    node: node.clone(),
                    kind: WriteKind::CreatePage,
                    source: source.clone(),
                    marker: marker("https://acme.atlassian.net", &source),
                    at: clock.now(),
                },
                Entry::Result {
                    run: run.clone(),
                    node: node.clone(),
                    source,
                    destination_id: (50_000_000 + i).to_string(),
                    source_version: Some(3),
                    destination_version: Some(1),
                    at: clock.now(),
                },
                Entry::Node { run: run.clone(), node, status: NodeStatus::Done, at: clock.now() },
            ];
            for entry in &entries {
                journal.append_deferred(entry).expect("appended");
            }
        }
        journal
            .append(&Entry::RunFinished { run, outcome: RunOutcome::Incomplete, at: clock.now() })
            .expect("appended");
        journal.sync().expect("synced");
    }
    let written = started.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(plan.journal_path()).map(|m| m.len()).unwrap_or(0);
    println!("journal_items: {items}");
    println!("journal_mb: {:.0}", bytes as f64 / 1e6);
    println!("journal_write_s: {written:.1}");
    // The replay runs in a fresh process, so its memory is its own (the writing above held the
    // state it folded as it went).
    let replayed = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("--replay")
        .arg(temp.path())
        .status()
        .expect("replay runs");
    if !replayed.success() {
        std::process::exit(1);
    }
}

/// Opens the journal of plan `bench` under `root` as a resuming apply does; prints the figures.
fn replay(root: &std::path::Path, identity: &PlanIdentity) {
    let plan = StateDir::open(root).expect("state dir").plan("bench").expect("plan dir");
    let before_mb = status_mb("VmRSS:");
    let started = Instant::now();
    let mut journal = Journal::open(&plan, identity, &SystemClock).expect("journal replays");
    let state = journal.take_state();
    let replay = started.elapsed().as_secs_f64();
    println!("journal_entries: {}", state.entries);
    println!("journal_replay_s: {replay:.1}");
    println!("target_journal_replay_s: 30");
    println!("journal_replay_peak_memory_mb: {:.0}", status_mb("VmHWM:"));
    println!("journal_replayed_state_mb: {:.0}", status_mb("VmRSS:") - before_mb);
    println!("journal_mappings: {}", state.mappings.len());
}
