//! State that outlives the machine: a run that has no usable journal (a new state directory on a
//! throw-away runner, a journal cut short or damaged, a disk that filled) finds what earlier runs
//! copied by confcopy's markers on the destination, and never writes anything twice.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::apply_durable::{Sites, sites, slow_uploads};

/// How many of each entity a site holds: current and archived content, comments, attachments
/// and spaces. Two copies of anything show as a higher count.
fn census(state: &Value) -> [usize; 4] {
    let site = &state["site"];
    let count = |name: &str, keep: &dyn Fn(&Value) -> bool| {
        site[name].as_object().map_or(0, |m| m.values().filter(|v| keep(v)).count())
    };
    let live = |v: &Value| v["status"] == "current" || v["status"] == "archived";
    [
        count("spaces", &|_| true),
        count("contents", &live),
        count("comments", &live),
        count("attachments", &live),
    ]
}

/// The reference: one uninterrupted copy's destination, its census, and how many writes it took.
fn reference() -> (Vec<crate::apply_sandbox::SpaceView>, [usize; 4], u64) {
    let sites = sites();
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    let views = sites.destination_views();
    let census = census(&sites.destination.export());
    let writes = sites.destination.stats().writes;
    sites.shutdown();
    (views, census, writes)
}

/// Starts an apply in `dir` and kills it (SIGKILL) once `k` writes reached the destination.
fn kill_after(sites: &Sites, dir: &Path, k: u64) {
    sites.destination.set_faults(slow_uploads());
    let mut child = sites.apply(dir);
    let started = Instant::now();
    while sites.destination.stats().writes < k && started.elapsed() < Duration::from_secs(30) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    sites.destination.clear_faults();
}

fn journal(dir: &Path) -> std::path::PathBuf {
    dir.join("state/plans/durable/journal.jsonl")
}

fn assert_same_as_reference(
    sites: &Sites,
    expected: &(Vec<crate::apply_sandbox::SpaceView>, [usize; 4], u64),
    what: &str,
) {
    assert_eq!(sites.destination_views(), expected.0, "{what}: the destination differs from one clean copy");
    assert_eq!(
        census(&sites.destination.export()),
        expected.1,
        "{what}: spaces, content, comments, attachments"
    );
}

#[test]
fn a_completed_plan_applied_from_a_new_state_directory_writes_nothing() {
    let sites = sites();
    let first = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(first.path());
    assert_eq!(code, 0, "{out}");
    sites.destination.reset_stats();
    // A throw-away CI runner: same plan, same sites, an empty state directory.
    let fresh = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(fresh.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the state has no journal of earlier runs of this plan"), "{out}");
    assert!(out.contains("Complete: 2 spaces; pages 0/12 copied"), "{out}");
    let stats = sites.destination.stats();
    assert_eq!(stats.writes, 0, "{:?}", stats.routes);
    // The run recorded what it found: the next apply from this state trusts its journal and
    // reads no markers.
    sites.destination.reset_stats();
    let (code, out) = sites.apply_to_end(fresh.path());
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("by their markers"), "{out}");
    assert_eq!(sites.destination.stats().writes, 0);
    sites.shutdown();
}

#[test]
fn a_run_killed_mid_copy_and_resumed_from_an_empty_state_directory_copies_exactly_once() {
    let expected = reference();
    for k in [1, 2, 3, 5, 8, 12, 17, 23, 30, 38, 47] {
        let sites = sites();
        let killed = tempfile::tempdir().unwrap();
        kill_after(&sites, killed.path(), k);
        let fresh = tempfile::tempdir().unwrap();
        let (code, out) = sites.apply_to_end(fresh.path());
        assert_eq!(code, 0, "after a kill at {k} writes, resumed elsewhere: {out}");
        assert_same_as_reference(&sites, &expected, &format!("kill at {k}, empty state"));
        let verified = sites.verify(fresh.path());
        assert_eq!(verified.0, 0, "verify after a kill at {k}: {}", verified.1);
        sites.shutdown();
    }
}

#[test]
fn a_journal_cut_short_or_damaged_in_the_middle_never_leads_to_a_duplicate() {
    let expected = reference();
    let cases = [
        (6, "cut"),
        (12, "cut"),
        (25, "cut"),
        (40, "cut"),
        (6, "garbage"),
        (12, "garbage"),
        (25, "garbage"),
        (40, "garbage"),
    ];
    for (k, damage) in cases {
        let sites = sites();
        let dir = tempfile::tempdir().unwrap();
        kill_after(&sites, dir.path(), k);
        let path = journal(dir.path());
        let bytes = std::fs::read(&path).unwrap();
        let damaged = match damage {
            // A partial restore: the file ends at 60 % of its length, mid-line or not.
            "cut" => bytes[..bytes.len() * 6 / 10].to_vec(),
            // A bad line in the middle.
            _ => {
                let middle = bytes.len() / 2;
                let at =
                    bytes[middle..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| middle + i + 1);
                [&bytes[..at], b"{\"type\":\"garbage\"\n".as_slice(), &bytes[at..]].concat()
            }
        };
        std::fs::write(&path, damaged).unwrap();
        let (code, out) = sites.apply_to_end(dir.path());
        assert_eq!(code, 0, "{damage} journal after a kill at {k}: {out}");
        if damage == "garbage" {
            assert!(out.contains("by their markers"), "{out}");
            assert!(out.contains("damaged"), "{out}");
            let kept = std::fs::read_dir(path.parent().unwrap())
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("journal.damaged-"));
            assert!(kept, "the damaged journal is set aside, never deleted");
        }
        assert_same_as_reference(&sites, &expected, &format!("{damage} journal after a kill at {k}"));
        sites.shutdown();
    }
}

/// The environment that signs the binary in to both sites (as `Confcopy::with_sites` does).
fn signed_in(sites: &Sites) -> Vec<(&'static str, String)> {
    let mut env = confcopy_sandbox::SiteHandle::signed_in_env(&sites.source, &sites.destination).to_vec();
    env.push(("NO_COLOR", "1".to_string()));
    env
}

#[test]
fn a_full_disk_during_a_run_ends_incomplete_and_a_resume_on_a_good_disk_completes() {
    let expected = reference();
    let sites = sites();
    let dir = tempfile::tempdir().unwrap();
    let plan = sites.plan(dir.path());
    let small = dir.path().join("small");
    let good = dir.path().join("good");
    std::fs::create_dir_all(&small).unwrap();
    std::fs::create_dir_all(&good).unwrap();
    // A 256 KiB filesystem of its own (a tmpfs in a private mount namespace), nearly filled, for
    // the state directory; the reports go elsewhere. The state is copied out after the run.
    let script = format!(
        "set -e; mount -t tmpfs -o size=256k tmpfs {small}; \
         head -c $((256*1024 - 40*1024)) /dev/zero > {small}/filler 2>/dev/null || true; \
         set +e; {bin} --state-dir {small}/state apply --no-progress --report-dir {reports} {plan}; \
         code=$?; cp -a {small}/state {good}/; exit $code",
        small = small.display(),
        good = good.display(),
        reports = dir.path().join("reports").display(),
        bin = env!("CARGO_BIN_EXE_confcopy"),
        plan = plan.display(),
    );
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .envs(signed_in(&sites))
        .output()
        .expect("unshare (util-linux) runs the apply on a small filesystem of its own");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        output.status.code(),
        Some(3),
        "a run whose journal cannot be written ends Incomplete: {text}"
    );
    assert!(text.contains("No space left on device"), "the reason is given: {text}");
    // Every line left in the journal is whole: a failed append was cut back.
    let journal = std::fs::read(good.join("state/plans/durable/journal.jsonl")).unwrap();
    assert!(journal.is_empty() || journal.ends_with(b"\n"), "no partial last line");
    for line in journal.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        serde_json::from_slice::<Value>(line)
            .unwrap_or_else(|e| panic!("a journal line is damaged ({e}): {}", String::from_utf8_lossy(line)));
    }
    // The same state on a good disk: the resume completes, with nothing doubled.
    let output = Command::new(env!("CARGO_BIN_EXE_confcopy"))
        .args(["--state-dir", &good.join("state").display().to_string(), "apply", "--no-progress"])
        .arg(&plan)
        .envs(signed_in(&sites))
        .output()
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_same_as_reference(&sites, &expected, "after a full disk");
    sites.shutdown();
}

#[test]
fn a_space_someone_else_made_under_the_key_is_still_a_conflict() {
    let sites = sites();
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    // Someone removes the marker from the copy of MKT: it is no longer known as this plan's.
    let state = sites.destination.export();
    let space = state["site"]["spaces"].as_object().unwrap().values().find(|s| s["key"] == "MKT").unwrap();
    let property =
        space["properties"].as_array().unwrap().iter().find(|p| p["key"] == "confcopy-origin").unwrap();
    sites.delete_on_destination(&format!(
        "/wiki/api/v2/spaces/{}/properties/{}",
        space["id"].as_u64().unwrap(),
        property["id"].as_u64().unwrap()
    ));
    let fresh = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(fresh.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("space-key-conflict") && out.contains("MKT"), "{out}");
    sites.shutdown();
}

/// Each copied page's marker on the destination: the source id and version it names, and how
/// many versions the copy has.
fn page_markers(state: &Value) -> Vec<(String, u64, usize)> {
    let contents = state["site"]["contents"].as_object().unwrap();
    contents
        .values()
        .filter(|c| c["kind"] == "page")
        .filter_map(|c| {
            let marker = c["properties"].as_array()?.iter().find(|p| p["key"] == "confcopy-origin")?;
            let version = marker["value"]["source_version"].as_u64()?;
            let source = marker["value"]["id"].as_str()?.to_string();
            Some((source, version, c["versions"].as_array().unwrap().len()))
        })
        .collect()
}

/// The current version of each source page, by id.
fn source_versions(state: &Value) -> std::collections::BTreeMap<String, u64> {
    let contents = state["site"]["contents"].as_object().unwrap();
    contents
        .values()
        .filter(|c| c["kind"] == "page")
        .map(|c| {
            let last = c["versions"].as_array().unwrap().last().unwrap()["number"].as_u64().unwrap();
            (c["id"].as_u64().unwrap().to_string(), last)
        })
        .collect()
}

#[test]
fn with_history_a_run_killed_during_a_replay_never_claims_a_version_the_copy_lacks() {
    let history = "[content]\nhistory = \"all\"\n";
    let expected = {
        let mut sites = sites();
        sites.plan_extra = history.into();
        let dir = tempfile::tempdir().unwrap();
        let (code, out) = sites.apply_to_end(dir.path());
        assert_eq!(code, 0, "{out}");
        let expected = (sites.destination_views(), census(&sites.destination.export()), 0);
        sites.shutdown();
        expected
    };
    for k in (4..=46).step_by(3) {
        for resume_from_empty_state in [false, true] {
            let mut sites = sites();
            sites.plan_extra = history.into();
            let killed = tempfile::tempdir().unwrap();
            kill_after(&sites, killed.path(), k);
            // A page created from its oldest version says so until its later versions are written
            // (the homepage, updated rather than created, has the space's own first version too).
            for (source, claimed, versions) in page_markers(&sites.destination.export()) {
                assert!(
                    claimed <= versions as u64,
                    "kill at {k}: the copy of {source} claims source version {claimed} with {versions} version(s)"
                );
            }
            let resumed = if resume_from_empty_state { tempfile::tempdir().unwrap() } else { killed };
            let (code, out) = sites.apply_to_end(resumed.path());
            assert_eq!(code, 0, "after a kill at {k} writes: {out}");
            let what = format!("kill at {k}, resumed from an empty state: {resume_from_empty_state}");
            assert_same_as_reference(&sites, &expected, &what);
            let source = source_versions(&sites.source.export());
            for (id, claimed, _) in page_markers(&sites.destination.export()) {
                assert_eq!(Some(&claimed), source.get(&id), "{what}: the marker of the copy of {id}");
            }
            sites.shutdown();
        }
    }
}

#[test]
fn a_destination_without_the_v1_page_create_gets_pages_created_through_v2_and_marked() {
    use confcopy_sandbox::{Fault, FaultConfig, FaultRule};
    let expected = reference();
    let sites = sites();
    // The deprecated v1 create answers 410 Gone, as a removed endpoint does.
    sites.destination.set_faults(FaultConfig {
        seed: 5,
        rules: vec![FaultRule {
            route: "/wiki/rest/api/content".into(),
            method: "POST".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault: Fault::ServerError { status: 410, retry_after: None },
        }],
        rate_limit: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no longer offers the v1 page create"), "{out}");
    sites.destination.clear_faults();
    assert_same_as_reference(&sites, &expected, "pages created through v2");
    // They carry their markers: a run from an empty state directory writes nothing.
    sites.destination.reset_stats();
    let fresh = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(fresh.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(sites.destination.stats().writes, 0, "{:?}", sites.destination.stats().routes);
    sites.shutdown();
}

/// An attachment whose later versions never reached the destination (its run failed between two
/// versions, and that run's journal is gone) gets them from a run that begins from the markers:
/// the unmarked copy on the page is found by its file name and continued, not taken as done.
#[test]
fn an_attachment_stopped_between_versions_is_finished_by_a_run_from_an_empty_state_directory() {
    let expected = reference();
    let sites = sites();
    // Every later version is refused: the first run uploads only each attachment's first one.
    let refused = confcopy_sandbox::FaultRule {
        route: "/wiki/rest/api/content/*/child/attachment".into(),
        method: "PUT".into(),
        probability: 1.0,
        after: 0,
        times: None,
        fault: confcopy_sandbox::Fault::ServerError { status: 400, retry_after: None },
    };
    sites.destination.set_faults(confcopy_sandbox::FaultConfig {
        seed: 5,
        rules: vec![refused],
        rate_limit: None,
    });
    let first = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(first.path());
    assert_ne!(code, 0, "the later versions were refused: {out}");
    assert!(sites.destination.fault_hits().iter().sum::<u64>() > 0, "{out}");
    sites.destination.clear_faults();
    let fresh = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(fresh.path());
    assert_eq!(code, 0, "{out}");
    assert_same_as_reference(&sites, &expected, "later versions added from an empty state");
    sites.shutdown();
}
