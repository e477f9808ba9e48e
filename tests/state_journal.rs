//! The journal: what a killed apply leaves behind, and what the next apply reads from it.

use std::io::Write;

use confcopy::state::{
    Clock, Conflict, Durability, EntityKind, Entry, Journal, NodeStatus, Operator, PlanDir, PlanIdentity,
    RunId, RunOutcome, SourceRef, SpaceIdentity, StateDir, StateError, TestClock, WriteKind, marker,
    plan_hash,
};
use jiff::Timestamp;

fn start() -> Timestamp {
    "2026-05-01T09:30:00Z".parse().unwrap()
}

fn identity() -> PlanIdentity {
    PlanIdentity {
        name: "marketing-to-eu".into(),
        source: "https://acme.atlassian.net".into(),
        destination: "https://acme-eu.atlassian.net".into(),
        spaces: vec![
            SpaceIdentity { source_key: "MKT".into(), destination_key: "MKT".into() },
            SpaceIdentity { source_key: "SALES".into(), destination_key: "EUSALES".into() },
        ],
    }
}

fn plan_dir(temp: &tempfile::TempDir) -> PlanDir {
    StateDir::open(temp.path()).unwrap().plan("marketing-to-eu").unwrap()
}

/// A run that created page 101, was killed between creating page 102 and recording it.
fn interrupted_run(journal: &mut Journal, clock: &TestClock) -> RunId {
    let run = RunId::new(clock.now());
    let page = |id: &str| SourceRef::new(EntityKind::Page, id);
    let entries = [
        Entry::RunStarted {
            run: run.clone(),
            plan_hash: plan_hash(b"name = \"marketing-to-eu\"\n"),
            plan: identity(),
            by: Operator::current(),
            at: clock.now(),
        },
        Entry::Mapping {
            run: run.clone(),
            source: SourceRef::new(EntityKind::User, "5b10ac8d82e05b22cc7d4ef5"),
            destination_id: "5b10ac8d82e05b22cc7d4ef5".into(),
            at: clock.now(),
        },
        Entry::Node {
            run: run.clone(),
            node: "page:101".into(),
            status: NodeStatus::Started,
            at: clock.now(),
        },
        Entry::Intent {
            run: run.clone(),
            node: "page:101".into(),
            kind: WriteKind::CreatePage,
            source: page("101"),
            marker: marker("https://acme.atlassian.net", &page("101")),
            at: clock.now(),
        },
        Entry::Result {
            run: run.clone(),
            node: "page:101".into(),
            source: page("101"),
            destination_id: "9001".into(),
            source_version: Some(4),
            destination_version: Some(1),
            at: clock.now(),
        },
        Entry::Node { run: run.clone(), node: "page:101".into(), status: NodeStatus::Done, at: clock.now() },
        Entry::Node {
            run: run.clone(),
            node: "page:102".into(),
            status: NodeStatus::Started,
            at: clock.now(),
        },
        Entry::Intent {
            run: run.clone(),
            node: "page:102".into(),
            kind: WriteKind::CreatePage,
            source: page("102"),
            marker: marker("https://acme.atlassian.net", &page("102")),
            at: clock.now(),
        },
    ];
    for entry in &entries {
        journal.append(entry).unwrap();
    }
    run
}

#[test]
fn a_reopened_journal_knows_mappings_done_nodes_and_unfinished_intents() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    let run = interrupted_run(&mut journal, &clock);
    drop(journal);

    let journal = Journal::open(&plan, &identity(), &clock).unwrap();
    let state = journal.state();
    assert_eq!(state.destination_of(&SourceRef::new(EntityKind::Page, "101")), Some("9001"));
    assert_eq!(
        state.destination_of(&SourceRef::new(EntityKind::User, "5b10ac8d82e05b22cc7d4ef5")),
        Some("5b10ac8d82e05b22cc7d4ef5")
    );
    assert_eq!(state.destination_of(&SourceRef::new(EntityKind::Page, "102")), None);
    assert_eq!(state.nodes_done().collect::<Vec<_>>(), ["page:101"]);
    assert!(!state.is_done("page:102"));

    let pending = state.pending_intents();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].source, SourceRef::new(EntityKind::Page, "102"));
    assert_eq!(pending[0].kind, WriteKind::CreatePage);
    assert_eq!(pending[0].marker, "confcopy:1:https://acme.atlassian.net:page:102");

    assert_eq!(state.unfinished_run().map(|r| r.id.clone()), Some(run));
    assert_eq!(state.last_run_outcome(), None);
    assert_eq!(state.torn_tail, None);
    assert_eq!(state.entries, 9, "the header and eight entries");
}

#[test]
fn a_reconciled_intent_and_a_finished_run_leave_nothing_pending() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    let run = interrupted_run(&mut journal, &clock);
    drop(journal);

    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    // The resumed run found page 102's marker on the destination: it records the result.
    journal
        .append(&Entry::Result {
            run: run.clone(),
            node: "page:102".into(),
            source: SourceRef::new(EntityKind::Page, "102"),
            destination_id: "9002".into(),
            source_version: Some(1),
            destination_version: Some(1),
            at: clock.now(),
        })
        .unwrap();
    journal
        .append(&Entry::Node {
            run: run.clone(),
            node: "page:102".into(),
            status: NodeStatus::Done,
            at: clock.now(),
        })
        .unwrap();
    journal.append(&Entry::RunFinished { run, outcome: RunOutcome::Complete, at: clock.now() }).unwrap();
    drop(journal);

    let state = Journal::replay(&plan).unwrap();
    assert!(state.pending_intents().is_empty());
    assert_eq!(state.destination_of(&SourceRef::new(EntityKind::Page, "102")), Some("9002"));
    assert_eq!(state.last_run_outcome(), Some(RunOutcome::Complete));
    assert!(state.unfinished_run().is_none());
}

#[test]
fn a_torn_last_line_is_reported_cut_off_and_appending_continues() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    let run = interrupted_run(&mut journal, &clock);
    drop(journal);
    let whole = std::fs::metadata(plan.journal_path()).unwrap().len();

    // A kill in the middle of an append: half a line, no newline.
    let torn = br#"{"type":"result","run":"20260501T093000Z-000001","node":"page:102","sou"#;
    std::fs::OpenOptions::new().append(true).open(plan.journal_path()).unwrap().write_all(torn).unwrap();

    let replayed = Journal::replay(&plan).unwrap();
    assert_eq!(replayed.torn_tail.as_ref().map(|t| (t.offset, t.bytes)), Some((whole, torn.len())));
    assert_eq!(replayed.pending_intents().len(), 1, "the torn result does not count");

    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    assert_eq!(journal.state().torn_tail.as_ref().map(|t| t.bytes), Some(torn.len()));
    assert_eq!(std::fs::metadata(plan.journal_path()).unwrap().len(), whole, "the torn line is cut off");
    journal.append(&Entry::RunFinished { run, outcome: RunOutcome::Incomplete, at: clock.now() }).unwrap();
    drop(journal);

    let state = Journal::replay(&plan).unwrap();
    assert_eq!(state.torn_tail, None);
    assert_eq!(state.last_run_outcome(), Some(RunOutcome::Incomplete));
    let text = std::fs::read_to_string(plan.journal_path()).unwrap();
    assert!(
        text.ends_with('\n') && text.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
}

#[test]
fn damage_in_the_middle_of_the_journal_is_refused_not_skipped() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    interrupted_run(&mut journal, &clock);
    drop(journal);
    let text = std::fs::read_to_string(plan.journal_path()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"type\":\"intent\",garbage}";
    std::fs::write(plan.journal_path(), lines.join("\n") + "\n").unwrap();

    let error = Journal::open(&plan, &identity(), &clock).unwrap_err();
    assert!(matches!(error, StateError::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains("line 4"), "{error}");
}

#[test]
fn a_journal_from_a_newer_format_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let plan = plan_dir(&temp);
    std::fs::write(plan.journal_path(), "{\"type\":\"header\",\"format\":99,\"plan\":{},\"extra\":1}\n")
        .unwrap();
    let error = Journal::replay(&plan).unwrap_err();
    assert!(matches!(error, StateError::NewerFormat { found: 99, .. }), "{error}");
}

#[test]
fn a_changed_destination_source_or_space_key_is_refused_with_every_conflict() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let journal = Journal::open(&plan, &identity(), &clock).unwrap();

    let mut changed = identity();
    changed.destination = "https://other.atlassian.net".into();
    changed.spaces[1].destination_key = "SALESEU".into();
    let error = journal.check_compatible(&changed).unwrap_err();
    assert_eq!(
        error.conflicts,
        [
            Conflict::Destination {
                recorded: "https://acme-eu.atlassian.net".into(),
                now: "https://other.atlassian.net".into()
            },
            Conflict::SpaceDestinationKey {
                source_key: "SALES".into(),
                recorded: "EUSALES".into(),
                now: "SALESEU".into()
            },
        ]
    );
    let message = error.to_string();
    assert!(message.contains("destination site changed from https://acme-eu.atlassian.net"), "{message}");
    assert!(message.contains("space SALES was copied to key EUSALES"), "{message}");

    let mut source_changed = identity();
    source_changed.source = "https://elsewhere.atlassian.net".into();
    assert!(matches!(
        journal.check_compatible(&source_changed).unwrap_err().conflicts.as_slice(),
        [Conflict::Source { .. }]
    ));
}

#[test]
fn adding_a_space_or_changing_key_case_is_compatible_and_added_spaces_are_remembered() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();

    let mut grown = identity();
    grown.spaces[1].destination_key = "eusales".into();
    grown.spaces.push(SpaceIdentity { source_key: "HR".into(), destination_key: "EUHR".into() });
    journal.check_compatible(&grown).unwrap();
    journal
        .append(&Entry::RunStarted {
            run: RunId::new(clock.now()),
            plan_hash: plan_hash(b"grown"),
            plan: grown,
            by: Operator::current(),
            at: clock.now(),
        })
        .unwrap();
    drop(journal);

    // HR was copied to EUHR by that run; moving it now is a conflict.
    let journal = Journal::open(&plan, &identity(), &clock).unwrap();
    let mut moved = identity();
    moved.spaces.push(SpaceIdentity { source_key: "hr".into(), destination_key: "HR2".into() });
    let error = journal.check_compatible(&moved).unwrap_err();
    assert!(
        matches!(&error.conflicts[..], [Conflict::SpaceDestinationKey { recorded, .. }] if recorded == "EUHR")
    );
}

#[test]
fn batched_durability_still_records_everything() {
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal =
        Journal::open(&plan, &identity(), &clock).unwrap().with_durability(Durability::Batched { every: 64 });
    let run = RunId::new(clock.now());
    for n in 0..200 {
        let node = format!("label:{n}");
        journal
            .append(&Entry::Node { run: run.clone(), node, status: NodeStatus::Done, at: clock.now() })
            .unwrap();
    }
    journal.sync().unwrap();
    drop(journal);
    assert_eq!(Journal::replay(&plan).unwrap().nodes_done().count(), 200);
}

#[test]
fn journal_lines_are_json_with_a_type_and_the_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    let clock = TestClock::new(start());
    let plan = plan_dir(&temp);
    let mut journal = Journal::open(&plan, &identity(), &clock).unwrap();
    interrupted_run(&mut journal, &clock);
    drop(journal);
    let text = std::fs::read_to_string(plan.journal_path()).unwrap();
    let types: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        ["header", "run-started", "mapping", "node", "intent", "result", "node", "node", "intent"]
    );
    assert!(text.contains(r#""status":{"state":"done"}"#), "{text}");
    let mode = std::fs::metadata(plan.journal_path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
