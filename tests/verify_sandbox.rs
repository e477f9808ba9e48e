//! `confcopy verify` against the bundled sandbox sites: after the demo apply the destination
//! matches the source; after breaking the destination on purpose (a body edited, an attachment
//! deleted, a label dropped) verify reports exactly those three differences.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Confcopy, root};
use confcopy_sandbox::Sandbox;
use confcopy_sandbox::model::body::Body;

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

fn plan() -> String {
    root().join("plans/marketing-to-eu.toml").display().to_string()
}

/// Runs `confcopy verify` on the demo plan; returns the exit code, stdout and verify.csv's rows.
fn verify(state: &Path, reports: &Path) -> (i32, String, Vec<BTreeMap<String, String>>) {
    let state_dir = state.display().to_string();
    let report_dir = reports.display().to_string();
    let run =
        Confcopy::new(["--state-dir", &state_dir, "verify", &plan(), "--report-dir", &report_dir]).run();
    assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
    (run.code, run.stdout, read_csv(&reports.join("verify.csv")))
}

fn rows_of(rows: &[BTreeMap<String, String>]) -> Vec<(String, String, String)> {
    let mut out: Vec<_> =
        rows.iter().map(|r| (r["space"].clone(), r["kind"].clone(), r["item"].clone())).collect();
    out.sort();
    out
}

#[test]
fn verify_finds_nothing_after_the_demo_apply_and_exactly_what_was_broken_afterwards() {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().display().to_string();
    let applied = Confcopy::new(["--state-dir", &state_dir, "apply", &plan(), "--no-progress"]).run();
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);

    let (code, stdout, rows) = verify(state.path(), &state.path().join("verify-1"));
    assert_eq!(rows_of(&rows), Vec::new(), "{stdout}");
    assert_eq!(code, 0, "no difference after a complete copy: {stdout}");
    assert_eq!(code, if rows.is_empty() { 0 } else { 1 }, "{stdout}");
    assert!(stdout.contains("compared 2 spaces"), "{stdout}");

    // Break the destination: edit a body, delete an attachment, drop a label.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let sandbox = Sandbox::start_persistent(state.path()).await.unwrap();
        sandbox.site("acme-eu").unwrap().with_world(|world, index| {
            let site = &mut world.sites[index];
            let mkt = site.spaces.values().find(|s| s.key == "MKT").unwrap().id;
            let find = |title: &str| {
                site.contents.values().find(|c| c.space_id == mkt && c.title == title).unwrap().id
            };
            let (brand, launch) = (find("Brand Guidelines"), find("Q3 Launch Campaign"));
            let page = site.contents.get_mut(&brand).unwrap();
            page.versions.last_mut().unwrap().body = Body::text("<p>Edited on the destination.</p>");
            let pdf = site
                .attachments
                .values()
                .find(|a| a.container_id == launch && a.title == "brand-guide.pdf")
                .unwrap()
                .id;
            site.attachments.remove(&pdf);
            site.contents.get_mut(&launch).unwrap().labels.retain(|l| l.name != "q3");
        });
        sandbox.shutdown().await.unwrap();
    });

    let (code, stdout, rows) = verify(state.path(), &state.path().join("verify-2"));
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        rows_of(&rows),
        vec![
            ("MKT".into(), "attachment-missing".into(), "\"Q3 Launch Campaign\" / brand-guide.pdf".into()),
            ("MKT".into(), "body-differs".into(), "page \"Brand Guidelines\"".into()),
            ("MKT".into(), "label-missing".into(), "page \"Q3 Launch Campaign\": label q3".into()),
        ],
        "{stdout}"
    );
    for code in ["verify-body-differs", "verify-attachment-missing", "verify-label-missing"] {
        assert!(stdout.contains(code), "{code} in\n{stdout}");
    }
    let body = rows.iter().find(|r| r["kind"] == "body-differs").unwrap();
    assert!(body["actual"].contains("Edited on the destination."), "{body:?}");
    assert!(stdout.contains("verify: 3 differences"), "{stdout}");
}
