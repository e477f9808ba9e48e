//! The state directory: private, versioned, and written so a crash never leaves half a file.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use confcopy::state::{AtomicFile, FORMAT_VERSION, StateDir, StateError, write_atomic};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_state_directory_is_readable_by_its_owner_only() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("state");
    let state = StateDir::open(&root).unwrap();
    let plan = state.plan("marketing-to-eu").unwrap();
    write_atomic(&plan.record_path(), b"{}").unwrap();
    let run = plan.run_dir(&confcopy::state::RunId::parse("20260501T093000Z-abcdef").unwrap()).unwrap();

    assert_eq!(mode(&root), 0o700);
    assert_eq!(mode(&state.plans_dir()), 0o700);
    assert_eq!(mode(plan.path()), 0o700);
    assert_eq!(mode(&run), 0o700);
    assert_eq!(mode(&root.join("state-format")), 0o600);
    assert_eq!(mode(&plan.record_path()), 0o600);
    assert_eq!(
        std::fs::read_to_string(root.join("state-format")).unwrap().trim(),
        FORMAT_VERSION.to_string()
    );
}

#[test]
fn an_existing_directory_open_to_others_is_tightened() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("state");
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    StateDir::open(&root).unwrap();
    assert_eq!(mode(&root), 0o700);
}

#[test]
fn a_state_directory_from_a_newer_confcopy_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("state-format"), format!("{}\n", FORMAT_VERSION + 1)).unwrap();
    let error = StateDir::open(temp.path()).unwrap_err();
    assert!(matches!(error, StateError::NewerFormat { found, .. } if found == FORMAT_VERSION + 1));
    let message = error.to_string();
    assert!(message.contains("newer confcopy"), "{message}");
    assert!(message.contains("upgrade confcopy"), "{message}");
}

#[test]
fn a_damaged_format_file_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("state-format"), "banana").unwrap();
    let error = StateDir::open(temp.path()).unwrap_err();
    assert!(matches!(error, StateError::Corrupt { .. }), "{error}");
}

#[test]
fn plan_names_cannot_escape_the_plans_directory() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    for name in ["../outside", "a/b", ".hidden", "", "x\0y"] {
        assert!(matches!(state.plan(name), Err(StateError::PlanName { .. })), "{name:?} was accepted");
    }
    assert!(!temp.path().join("outside").exists());
}

#[test]
fn an_interrupted_atomic_write_leaves_the_old_file_whole() {
    let temp = tempfile::tempdir().unwrap();
    let target = temp.path().join("record.json");
    write_atomic(&target, b"old and whole").unwrap();

    // A crash after writing the temporary file but before the rename: no destructor runs.
    let mut file = AtomicFile::create(&target).unwrap();
    file.write_all(b"new but never renamed").unwrap();
    let temp_file = file.temp_path().to_path_buf();
    std::mem::forget(file);

    assert_eq!(std::fs::read(&target).unwrap(), b"old and whole");
    assert!(temp_file.exists(), "the simulated crash leaves its temporary file");
    let names: Vec<_> = std::fs::read_dir(temp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "only the target and one temporary file: {names:?}");
}

#[test]
fn an_atomic_write_dropped_before_commit_leaves_nothing_behind() {
    let temp = tempfile::tempdir().unwrap();
    let target = temp.path().join("report.csv");
    let mut file = AtomicFile::create(&target).unwrap();
    file.write_all(b"half a report").unwrap();
    drop(file);
    assert!(!target.exists());
    assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
}

#[test]
fn temporary_files_of_dead_writers_are_swept_on_open() {
    let temp = tempfile::tempdir().unwrap();
    let state = StateDir::open(temp.path()).unwrap();
    let plan = state.plan("p").unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let abandoned = plan.path().join(format!(".record.json.{dead_pid}.00000000deadbeef.tmp"));
    std::fs::write(&abandoned, "half").unwrap();
    let ours = plan.path().join(format!(".record.json.{}.00000000cafebabe.tmp", std::process::id()));
    std::fs::write(&ours, "being written").unwrap();

    StateDir::open(temp.path()).unwrap().plan("p").unwrap();

    assert!(!abandoned.exists(), "a dead writer's temporary file is removed");
    assert!(ours.exists(), "a live writer's temporary file is kept");
}
