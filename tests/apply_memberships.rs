//! `memberships = "with-groups"`: users keep their groups on the destination (same-name groups
//! merged, missing ones created), and verify proves it.

use crate::support::Confcopy;
use confcopy_sandbox::model::ProductPlan;
use confcopy_sandbox::{Sandbox, Seed};

#[test]
fn with_groups_users_join_the_same_name_groups_and_verify_agrees() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sandbox = runtime.block_on(Sandbox::start(Seed::demo())).unwrap();
    let source = sandbox.site("acme").unwrap().clone();
    let destination = sandbox.site("acme-eu").unwrap().clone();
    // A paid destination: the Free plan's 10 users would refuse these memberships.
    destination.with_world(|world, site| world.sites[site].plan = ProductPlan::Standard);
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("groups.toml");
    std::fs::write(
        &plan,
        format!(
            "name = \"with-groups\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [\"MKT\"]\n\
             [users]\nmemberships = \"with-groups\"\n\
             [checks]\napps-missing = {{ severity = \"warning\", reason = \"test\" }}\n",
            source.base_url(),
            destination.base_url()
        ),
    )
    .unwrap();
    let run = |command: &str| {
        let state = dir.path().join("state").display().to_string();
        let reports = dir.path().join(command).display().to_string();
        let plan = plan.display().to_string();
        let run = Confcopy::new(["--state-dir", &state, command, &plan, "--report-dir", &reports])
            .with_sites(&source, &destination)
            .run();
        (run.code, format!("{}{}", run.stdout, run.stderr))
    };
    let (code, text) = run("apply");
    assert_eq!(code, 0, "{text}");
    let groups = std::fs::read_to_string(dir.path().join("apply/groups.csv")).unwrap();
    let marketing =
        groups.lines().find(|l| l.starts_with("marketing,")).unwrap_or_else(|| panic!("{groups}"));
    assert!(marketing.contains(",merged,"), "{marketing}");
    // xavier is in the source's marketing group but not the destination's: he joins it.
    let state = destination.export();
    let xavier = state["accounts"]
        .as_object()
        .unwrap()
        .values()
        .find(|a| a["display_name"] == "Xavier Xu")
        .map(|a| a["account_id"].as_str().unwrap().to_string())
        .expect("xavier's account");
    let members: Vec<&str> = state["site"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "marketing")
        .unwrap()["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(members.contains(&xavier.as_str()), "{members:?}");
    let (code, text) = run("verify");
    assert_eq!(code, 0, "{text}");
    runtime.block_on(sandbox.shutdown()).unwrap();
}
