//! A generated site (deep and wide trees, folders, mentions, links between pages and spaces,
//! attachments, comments, restrictions) copied by `confcopy apply` and proven by `confcopy verify`.

use crate::support::Confcopy;
use confcopy_sandbox::Sandbox;
use confcopy_sandbox::command::generated_pair_seed;
use confcopy_sandbox::generate::GenerateSpec;

#[test]
fn verify_finds_no_difference_after_copying_a_generated_site() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let seed = generated_pair_seed(GenerateSpec { spaces: 2, pages: 80, users: 30, seed: 11 });
    let sandbox = runtime.block_on(Sandbox::start(seed)).unwrap();
    let source = sandbox.site("generated").unwrap().clone();
    let destination = sandbox.site("generated-dest").unwrap().clone();
    let state = source.export();
    let mut keys: Vec<String> = state["site"]["spaces"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| format!("\"{}\"", s["key"].as_str().unwrap()))
        .collect();
    keys.sort();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("generated.toml");
    std::fs::write(
        &plan,
        format!(
            "name = \"generated\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [{}]\n",
            source.base_url(),
            destination.base_url(),
            keys.join(", ")
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
    let (code, text) = run("verify");
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    assert_eq!(code, 0, "{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    assert!(text.contains("compared 2 spaces"), "{text}");
    println!("{}", text.lines().find(|l| l.contains("compared")).unwrap_or_default());
    runtime.block_on(sandbox.shutdown()).unwrap();
}
