//! Plans over time: recorded, applied, listed, shown, and expired after 14 days.

use confcopy::state::{
    Clock, PlanDetails, PlanIdentity, PlanLock, PlanStatus, Registry, RunId, RunRecord, ShowError,
    SpaceIdentity, StateDir, TestClock, show_json, show_text, status_json, status_table, write_atomic,
};
use jiff::{SignedDuration, Timestamp};

fn start() -> Timestamp {
    "2026-05-01T09:30:00Z".parse().unwrap()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn identity(name: &str) -> PlanIdentity {
    PlanIdentity {
        name: name.into(),
        source: "https://acme.atlassian.net".into(),
        destination: "https://acme-eu.atlassian.net".into(),
        spaces: vec![
            SpaceIdentity { source_key: "MKT".into(), destination_key: "MKT".into() },
            SpaceIdentity { source_key: "SALES".into(), destination_key: "EUSALES".into() },
        ],
    }
}

/// An apply that ran and wrote its reports: 10 of 15 users copied.
fn applied(state: &StateDir, registry: &Registry, clock: &TestClock, name: &str) -> RunId {
    let plan = state.plan(name).unwrap();
    let lock = PlanLock::acquire(&plan, "apply", clock).unwrap();
    let mut record = registry.record_for_apply(&lock, &identity(name), "alice@acme.example", clock).unwrap();
    let run = RunId::new(clock.now());
    record.status = PlanStatus::Incomplete;
    record.total_pages = 1200;
    record.progress.users = confcopy::state::Tally { total: 15, copied: 10, skipped: 0, failed: 5 };
    record.progress.groups = confcopy::state::Tally { total: 3, copied: 2, skipped: 1, failed: 0 };
    record.progress.spaces = confcopy::state::Tally { total: 2, copied: 2, skipped: 0, failed: 0 };
    record.runs.push(RunRecord {
        id: run.clone(),
        by: "alice@acme.example".into(),
        started_at: clock.now(),
        finished_at: Some(clock.now()),
        status: PlanStatus::Incomplete,
        report_dir: None,
    });
    record.save(&plan).unwrap();
    let run_dir = plan.run_dir(&run).unwrap();
    let users = "account_id,email,status,reason\n\
                 a1,ann@acme.example,copied,\na2,bob@acme.example,copied,\na3,cy@acme.example,failed,no access\n";
    write_atomic(&run_dir.join("users.csv"), users.as_bytes()).unwrap();
    write_atomic(&run_dir.join("spaces.csv"), b"key,Status\nMKT,copied\nSALES,copied\n").unwrap();
    std::fs::write(plan.journal_path(), "{\"type\":\"header\"}\n").unwrap();
    run
}

#[test]
fn a_plan_expires_fourteen_days_after_creation_and_its_data_is_deleted() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    let registry = Registry::new(&state);
    let clock = TestClock::new(start());
    let run = applied(&state, &registry, &clock, "marketing-to-eu");
    let plan = state.plan("marketing-to-eu").unwrap();

    // Day 13: one day left, everything visible.
    clock.advance(days(13));
    registry.expire(&clock).unwrap();
    let list = registry.list(&clock).unwrap();
    assert_eq!(list[0].status, PlanStatus::Incomplete);
    assert_eq!(list[0].days_left(clock.now()), Some(1));
    assert!(status_table(&list, clock.now()).contains("in 1 day"));
    assert!(registry.show("marketing-to-eu", &clock).is_ok());

    // Day 14: Expired, even before the data is deleted.
    clock.advance(days(1));
    let list = registry.list(&clock).unwrap();
    assert_eq!(list[0].status, PlanStatus::Expired);
    assert_eq!(list[0].days_left(clock.now()), None);
    assert!(matches!(registry.show("marketing-to-eu", &clock), Err(ShowError::Expired { .. })));

    assert_eq!(registry.expire(&clock).unwrap(), ["marketing-to-eu"]);
    assert!(!plan.journal_path().exists(), "the journal is deleted");
    assert!(!plan.runs_dir().exists(), "the reports are deleted");
    let tombstone = std::fs::read_to_string(plan.record_path()).unwrap();
    assert!(!tombstone.contains("@acme.example"), "no personal data remains: {tombstone}");
    assert!(!tombstone.contains(run.as_str()), "no run details remain: {tombstone}");

    let list = registry.list(&clock).unwrap();
    assert_eq!(list[0].status, PlanStatus::Expired);
    assert_eq!(list[0].created_by, None);
    let table = status_table(&list, clock.now());
    assert!(table.contains("Expired") && table.contains("expired"), "{table}");

    let error = registry.show("marketing-to-eu", &clock).unwrap_err();
    assert!(matches!(error, ShowError::Expired { .. }));
    let message = error.to_string();
    assert!(message.contains("expired on 2026-05-15T09:30:00Z"), "{message}");
    assert!(message.contains("Apply the plan again to start a new record"), "{message}");
    assert_eq!(registry.expire(&clock).unwrap(), Vec::<String>::new(), "expiring twice does nothing");

    // Applying again starts a new record, created now.
    clock.advance(days(2));
    let lock = PlanLock::acquire(&plan, "apply", &clock).unwrap();
    let fresh =
        registry.record_for_apply(&lock, &identity("marketing-to-eu"), "bob@acme.example", &clock).unwrap();
    drop(lock);
    assert_eq!(fresh.created_at, clock.now());
    assert_eq!(fresh.created_by, "bob@acme.example");
    assert_eq!(fresh.status, PlanStatus::Queued);
    assert!(fresh.runs.is_empty() && fresh.expired_at.is_none());
    let list = registry.list(&clock).unwrap();
    assert_eq!((list[0].status, list[0].days_left(clock.now())), (PlanStatus::Queued, Some(14)));
    assert!(registry.show("marketing-to-eu", &clock).is_ok());
}

#[test]
fn a_plan_in_use_is_not_expired_until_its_apply_ends() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    let registry = Registry::new(&state);
    let clock = TestClock::new(start());
    applied(&state, &registry, &clock, "busy");
    let plan = state.plan("busy").unwrap();
    clock.advance(days(15));

    let lock = std::thread::scope(|s| {
        s.spawn(|| PlanLock::acquire(&plan, "apply", &clock).unwrap()).join().unwrap()
    });
    assert_eq!(registry.expire(&clock).unwrap(), Vec::<String>::new());
    assert!(plan.journal_path().exists());
    drop(lock);
    assert_eq!(registry.expire(&clock).unwrap(), ["busy"]);
}

#[test]
fn checking_a_plan_records_it_as_queued_with_the_time_it_was_validated() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    let registry = Registry::new(&state);
    let clock = TestClock::new(start());
    let record = registry.mark_validated(&identity("hr-split"), "carol", &clock).unwrap();
    assert_eq!((record.status, record.last_validated), (PlanStatus::Queued, Some(start())));
    clock.advance(SignedDuration::from_hours(3));
    let again = registry.mark_validated(&identity("hr-split"), "dave", &clock).unwrap();
    assert_eq!(again.created_by, "carol", "the creator stays");
    assert_eq!(again.created_at, start());
    assert_eq!(again.last_validated, Some(clock.now()));
    assert!(matches!(registry.show("nope", &clock), Err(ShowError::NotFound { .. })));
}

#[test]
fn the_status_table_lists_every_column_for_every_plan() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    let registry = Registry::new(&state);
    let clock = TestClock::new(start());
    applied(&state, &registry, &clock, "marketing-to-eu");
    clock.advance(SignedDuration::from_hours(1));
    registry.mark_validated(&identity("hr-split"), "carol", &clock).unwrap();
    clock.advance(days(2));

    let list = registry.list(&clock).unwrap();
    let table = status_table(&list, clock.now());
    let expected = "\
PLAN             SOURCE → DESTINATION                                        STATUS      SPACES  PAGES  PROGRESS      CREATED BY          CREATED               LAST VALIDATED        EXPIRES
hr-split         https://acme.atlassian.net → https://acme-eu.atlassian.net  Queued      2       0      —             carol               2026-05-01 10:30 UTC  2026-05-01 10:30 UTC  in 12 days
marketing-to-eu  https://acme.atlassian.net → https://acme-eu.atlassian.net  Incomplete  2       1200   20/20 (100%)  alice@acme.example  2026-05-01 09:30 UTC  never                 in 12 days
";
    assert_eq!(table, expected, "\n{table}");

    let json = status_json(&list, clock.now());
    let plans = json["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[1]["name"], "marketing-to-eu");
    assert_eq!(plans[1]["status"], "incomplete");
    assert_eq!(plans[1]["progress"]["users"]["failed"], 5);
    assert_eq!(plans[1]["expires_in_days"], 12);
    assert_eq!(plans[0]["last_validated"], "2026-05-01T10:30:00Z");
}

#[test]
fn show_gives_urls_summary_progress_and_the_latest_reports_counts() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    let registry = Registry::new(&state);
    let clock = TestClock::new(start());
    let run = applied(&state, &registry, &clock, "marketing-to-eu");
    clock.advance(days(1));

    let details: PlanDetails = registry.show("marketing-to-eu", &clock).unwrap();
    let text = show_text(&details, clock.now());
    let expected = format!(
        "\
Plan marketing-to-eu

  Source:         https://acme.atlassian.net
  Destination:    https://acme-eu.atlassian.net
  Status:         Incomplete
  Spaces:         2 (MKT, SALES)
  Total pages:    1200
  Created by:     alice@acme.example
  Created:        2026-05-01 09:30 UTC
  Last validated: never
  Expires:        in 13 days (2026-05-15 09:30 UTC)

Progress
  users   15 of 15 (copied 10, skipped 0, failed 5)
  groups  3 of 3 (copied 2, skipped 1, failed 0)
  spaces  2 of 2 (copied 2, skipped 0, failed 0)

Latest run {run}: Incomplete, started 2026-05-01 09:30 UTC by alice@acme.example, finished 2026-05-01 09:30 UTC
  users.csv   3 rows: copied 2, failed 1
  groups.csv  not written
  spaces.csv  2 rows: copied 2
"
    );
    assert_eq!(text, expected, "\n{text}");

    let json = show_json(&details, clock.now());
    assert_eq!(json["source"], "https://acme.atlassian.net");
    assert_eq!(json["status"], "incomplete");
    assert_eq!(json["total_pages"], 1200);
    assert_eq!(json["created_by"], "alice@acme.example");
    assert_eq!(json["latest_run"]["reports"]["users"]["by_status"]["failed"], 1);
    assert_eq!(json["latest_run"]["reports"]["groups"], serde_json::Value::Null);
    assert_eq!(json["progress"]["groups"]["skipped"], 1);
}
