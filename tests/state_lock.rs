//! One apply per plan, across processes. The other process is this test binary run again,
//! with `STATE_LOCK_CHILD` saying what it should do (see `lock_child`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use confcopy::state::{
    LockError, LockStatus, Operator, PlanDir, PlanLock, StateDir, SystemClock, TestClock, force_unlock,
    lock_status,
};

const CHILD_MODE: &str = "STATE_LOCK_CHILD";
const CHILD_DIR: &str = "STATE_LOCK_CHILD_DIR";

fn plan_dir(root: &std::path::Path) -> PlanDir {
    StateDir::open(root).unwrap().plan("marketing-to-eu").unwrap()
}

/// Runs `lock_child` in a new process of this test binary.
fn spawn_child(mode: &str, root: &std::path::Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "state_lock::lock_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_MODE, mode)
        .env(CHILD_DIR, root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Reads the child's output until a line holds one of `words`; returns the line from there.
fn wait_for(child: &mut Child, words: &[&str]) -> String {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the child ended without saying {words:?}");
        // libtest may print "test state_lock::lock_child ... " on the same line first.
        if let Some(at) = words.iter().filter_map(|w| line.find(w)).min() {
            return line[at..].trim_end().to_string();
        }
    }
}

/// The other process. `hold`: take the lock, say LOCKED, keep it until stdin closes.
/// `die`: take the lock, say LOCKED, exit without releasing (as a killed process would).
/// `race`: wait for the `go` file, try once, say WON (holding until stdin closes) or LOST.
#[test]
#[ignore = "run as a child process by the lock tests"]
fn lock_child() {
    let (Ok(mode), Ok(root)) = (std::env::var(CHILD_MODE), std::env::var(CHILD_DIR)) else {
        panic!("lock_child runs only as the child of a lock test");
    };
    let root = std::path::PathBuf::from(root);
    let plan = plan_dir(&root);
    match mode.as_str() {
        "hold" => {
            let _lock = PlanLock::acquire(&plan, "apply", &SystemClock).unwrap();
            println!("LOCKED");
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        "die" => {
            let lock = PlanLock::acquire(&plan, "apply", &SystemClock).unwrap();
            println!("LOCKED");
            std::mem::forget(lock);
            std::process::exit(0);
        }
        "race" => {
            while !root.join("go").exists() {
                std::thread::sleep(Duration::from_millis(2));
            }
            match PlanLock::acquire(&plan, "apply", &SystemClock) {
                Ok(_lock) => {
                    println!("WON");
                    let _ = std::io::stdin().read_to_end(&mut Vec::new());
                }
                Err(e) => println!("LOST {e}"),
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

#[test]
fn a_lock_held_by_another_process_is_refused_naming_who_where_since_and_what() {
    let temp = tempfile::tempdir().unwrap();
    let plan = plan_dir(temp.path());
    let mut child = spawn_child("hold", temp.path());
    wait_for(&mut child, &["LOCKED"]);

    let me = Operator::current();
    let error = PlanLock::acquire(&plan, "apply", &SystemClock).unwrap_err();
    let LockError::Held { plan: name, who, host, pid, since, operation } = &error else {
        panic!("expected Held, got {error}");
    };
    assert_eq!(name, "marketing-to-eu");
    assert_eq!(*pid, child.id());
    assert_eq!(who, &me.user);
    assert_eq!(host, &me.host);
    assert_eq!(operation, "apply");
    assert!(jiff::Timestamp::now().duration_since(*since).as_secs() < 60);
    let message = error.to_string();
    for part in
        [&format!("pid {}", child.id()), &me.user, &me.host, "apply", "confcopy unlock marketing-to-eu"]
    {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    assert!(
        matches!(lock_status(&plan).unwrap(), LockStatus::Held(Some(record)) if record.pid == child.id())
    );

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let lock = PlanLock::acquire(&plan, "apply", &SystemClock).unwrap();
    assert!(lock.stale().is_none(), "a released lock leaves no record behind");
}

#[test]
fn of_several_processes_starting_at_once_exactly_one_runs() {
    let temp = tempfile::tempdir().unwrap();
    plan_dir(temp.path());
    let mut children: Vec<Child> = (0..3).map(|_| spawn_child("race", temp.path())).collect();
    std::fs::write(temp.path().join("go"), "").unwrap();
    let outcomes: Vec<String> = children.iter_mut().map(|c| wait_for(c, &["WON", "LOST"])).collect();
    for child in &mut children {
        drop(child.stdin.take());
    }
    for child in &mut children {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "WON").count(), 1, "{outcomes:?}");
    for lost in outcomes.iter().filter(|o| o.starts_with("LOST")) {
        assert!(lost.contains("is locked") && lost.contains("running apply since"), "{lost}");
    }
}

#[test]
fn two_handles_in_one_process_also_exclude_each_other() {
    let temp = tempfile::tempdir().unwrap();
    let plan = plan_dir(temp.path());
    let clock = TestClock::new("2026-05-01T09:30:00Z".parse().unwrap());
    let first = PlanLock::acquire(&plan, "apply", &clock).unwrap();
    let other = std::thread::spawn({
        let plan = plan.clone();
        let clock = clock.clone();
        move || PlanLock::acquire(&plan, "apply", &clock).map(|_| ())
    })
    .join()
    .unwrap();
    match other {
        Err(LockError::Held { since, pid, .. }) => {
            assert_eq!(since, first.record().since);
            assert_eq!(pid, std::process::id());
        }
        other => panic!("expected Held, got {other:?}"),
    }
    drop(first);
    assert!(PlanLock::acquire(&plan, "apply", &clock).is_ok(), "released on drop");
}

#[test]
fn a_lock_left_by_a_dead_process_is_detected_and_taken_over() {
    let temp = tempfile::tempdir().unwrap();
    let plan = plan_dir(temp.path());
    let mut child = spawn_child("die", temp.path());
    wait_for(&mut child, &["LOCKED"]);
    let dead_pid = child.id();
    child.wait().unwrap();

    match lock_status(&plan).unwrap() {
        LockStatus::Stale(stale) => {
            assert_eq!(stale.record.pid, dead_pid);
            assert!(stale.holder_dead, "the pid is gone");
        }
        other => panic!("expected a stale lock, got {other:?}"),
    }
    let lock = PlanLock::acquire(&plan, "apply", &SystemClock).unwrap();
    let stale = lock.stale().expect("the dead holder's record is reported");
    assert_eq!(stale.record.pid, dead_pid);
    assert!(stale.holder_dead);
    assert_eq!(lock.record().pid, std::process::id());
}

#[test]
fn force_unlock_frees_a_plan_and_returns_what_it_removed() {
    let temp = tempfile::tempdir().unwrap();
    let plan = plan_dir(temp.path());
    let clock = TestClock::new("2026-05-01T09:30:00Z".parse().unwrap());
    let holder = PlanLock::acquire(&plan, "apply", &clock).unwrap();

    let removed = force_unlock(&plan).unwrap().expect("a record was there");
    assert_eq!(removed.operation, "apply");
    assert_eq!(lock_status(&plan).unwrap(), LockStatus::Free);

    let next = PlanLock::acquire(&plan, "apply", &clock).unwrap();
    // The old holder finishing must not remove the new holder's record.
    drop(holder);
    assert!(
        matches!(lock_status(&plan).unwrap(), LockStatus::Held(Some(record)) if record.token == next.record().token)
    );
    drop(next);
    assert_eq!(lock_status(&plan).unwrap(), LockStatus::Free);
    assert_eq!(force_unlock(&plan).unwrap(), None, "nothing to unlock");
}
