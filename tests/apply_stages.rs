//! The run walks its graph stage by stage (setup and each space's content, then each space's
//! fix-up and restrictions), holding one stage's graph at a time. Together the stages are the
//! whole graph, each node needs only its own stage or earlier ones, and what an earlier stage
//! could not copy blocks exactly what needs it in a later one.

use std::collections::{BTreeMap, BTreeSet};

use confcopy::apply::Prepared;
use confcopy::client::ClientOptions;
use confcopy::graph::{Graph, Outline};
use confcopy::plan::Plan;
use confcopy::run::Mode;
use confcopy::state::RunOutcome;
use confcopy_sandbox::{Sandbox, Seed, SiteHandle};

/// A plan of the demo's `keys` (DOCS renamed DOCSEU), with Gliffy's absence accepted.
fn demo_plan(source: &SiteHandle, destination: &SiteHandle, keys: &[&str]) -> Plan {
    let rename = if keys.contains(&"DOCS") { "rename = { DOCS = \"DOCSEU\" }\n" } else { "" };
    let keys = keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    let text = format!(
        "name = \"stages\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [{keys}]\n\
         {rename}[checks]\napps-missing = {{ severity = \"warning\", reason = \"test\" }}\n",
        source.base_url(),
        destination.base_url()
    );
    crate::support_sandbox::plan("stages.toml", text)
}

/// The demo's two sites, served on loopback.
async fn demo_sites() -> (Sandbox, SiteHandle, SiteHandle) {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let (source, destination) =
        (sandbox.site("acme").unwrap().clone(), sandbox.site("acme-eu").unwrap().clone());
    (sandbox, source, destination)
}

async fn prepare(
    plan: &Plan,
    source: &SiteHandle,
    destination: &SiteHandle,
    work: &std::path::Path,
) -> Prepared {
    let settings = crate::support_sandbox::admin_settings(source, destination, destination);
    let prepared =
        confcopy::apply::prepare(plan, &settings, ClientOptions::fast(), work, None, None).await.unwrap();
    assert!(prepared.outline.is_some(), "the checks pass: {:?}", prepared.findings);
    prepared
}

/// The demo's sites and a plan of `keys`, prepared in a work folder of its own.
async fn prepared_demo(keys: &[&str]) -> (Sandbox, tempfile::TempDir, Plan, Prepared) {
    let (sandbox, source, destination) = demo_sites().await;
    let work = tempfile::tempdir().unwrap();
    let plan = demo_plan(&source, &destination, keys);
    let prepared = prepare(&plan, &source, &destination, work.path()).await;
    (sandbox, work, plan, prepared)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stages_together_are_the_whole_graph_and_need_only_themselves_or_earlier_stages() {
    // MKT has restrictions, inline threads and labels; HR a read restriction; DOCS neither.
    let (sandbox, _work, plan, prepared) = prepared_demo(&["MKT", "DOCS", "HR"]).await;
    let loaded = prepared.snapshot.as_deref().unwrap().loaded().unwrap();
    let (inventory, snapshot) = (&prepared.inventory, &loaded);
    let whole = Graph::build(&plan, inventory, snapshot).unwrap();
    let key = |graph: &Graph, id: usize| graph.nodes[id].kind.key(snapshot);
    let whole_needs: BTreeMap<String, BTreeSet<String>> = (0..whole.nodes.len())
        .map(|id| (key(&whole, id), whole.nodes[id].needs.iter().map(|&n| key(&whole, n)).collect()))
        .collect();
    assert_eq!(whole_needs.len(), whole.nodes.len(), "every node has a key of its own");
    // Each space's order node needs its pages and folders, and nothing else.
    for space in &snapshot.spaces {
        let pages: BTreeSet<String> = space.pages.iter().map(|p| format!("page:{}", p.id)).collect();
        let order = whole_needs.get(&format!("order:{}", space.key));
        assert_eq!(order, (!pages.is_empty()).then_some(&pages), "{}: the order node's needs", space.key);
    }

    // A budget of one item puts each space in a stage of its own.
    let outline = Outline::build_with(&plan, inventory, snapshot, 1).unwrap();
    let stages = outline.stages.clone();
    assert_eq!(stages.len(), 6, "three content stages, then three finishes");
    let mut earlier: BTreeSet<String> = BTreeSet::new();
    let mut own_keys = Vec::new();
    for stage in &stages {
        let staged = Graph::build_stage(&plan, inventory, snapshot, stage).unwrap();
        for id in 0..staged.boundary {
            let boundary = key(&staged.graph, id);
            assert!(earlier.contains(&boundary), "{stage:?}: boundary {boundary} ended in an earlier stage");
            assert!(staged.graph.nodes[id].needs.is_empty(), "a boundary node waits for nothing");
        }
        let mut this_stage = BTreeSet::new();
        for id in staged.own() {
            let node = key(&staged.graph, id);
            let needs: BTreeSet<String> =
                staged.graph.nodes[id].needs.iter().map(|&n| key(&staged.graph, n)).collect();
            assert_eq!(
                Some(&needs),
                whole_needs.get(&node),
                "{stage:?}: {node} needs what it needs in the whole graph"
            );
            if node.starts_with("order:") {
                assert!(!stage.content.is_empty(), "{node}: sibling order is part of a content stage");
            }
            this_stage.insert(node.clone());
            own_keys.push(node);
        }
        earlier.extend(this_stage);
    }
    let mut whole_keys: Vec<String> = whole_needs.keys().cloned().collect();
    own_keys.sort();
    whole_keys.sort();
    assert_eq!(own_keys, whole_keys, "each node of the whole graph is in exactly one stage");
    assert_eq!(outline.nodes, whole.nodes.len());
    // The fix-ups and restrictions come after every space's content.
    let first_finish = stages.iter().position(|s| !s.finish.is_empty()).unwrap();
    assert_eq!(first_finish, 3);
    assert!(stages[first_finish..].iter().all(|s| s.content.is_empty()));

    // Small spaces share a stage: all the content, then all the finishes.
    let together = Outline::build(&plan, inventory, snapshot).unwrap();
    let [content, finish] = &together.stages[..] else { panic!("two stages: {:?}", together.stages) };
    assert_eq!((content.setup, content.content.clone(), content.finish.clone()), (true, 0..3, 0..0));
    assert_eq!((finish.setup, finish.content.clone(), finish.finish.clone()), (false, 0..0, 0..3));
    let staged = Graph::build_stage(&plan, inventory, snapshot, content).unwrap();
    assert_eq!(staged.boundary, 0, "the first stage needs nothing earlier");
    assert_eq!(together.nodes, whole.nodes.len());
    prepared.sites.close().await.unwrap();
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_space_not_created_blocks_its_content_in_a_later_stage_and_nothing_else() {
    let (sandbox, source, destination) = demo_sites().await;
    let work = tempfile::tempdir().unwrap();
    let plan = demo_plan(&source, &destination, &["MKT", "DOCS"]);
    let mut prepared = prepare(&plan, &source, &destination, work.path()).await;
    // A stage for each space (the demo's spaces would share one).
    let stowed = prepared.snapshot.as_deref().unwrap();
    prepared.outline = Some(Outline::build_with(&plan, &prepared.inventory, stowed, 1).unwrap());
    // Between the checks and the walk, someone else takes the key DOCS is copied to: its space
    // fails in the first stage, and its content, in the second, is not copied.
    let client = prepared.sites.destination.client.clone().unwrap();
    let taken = confcopy::client::model::space::NewSpace {
        key: "DOCSEU".into(),
        name: "Someone else's".into(),
        description: None,
        permissions: Vec::new(),
    };
    client.create_space(&taken).await.unwrap();
    let reports = work.path().join("reports");
    let applied = confcopy::apply::walk(
        &plan,
        &prepared,
        Mode::Apply,
        work.path(),
        Some(&reports),
        false,
        confcopy::run::Recorder::none(),
    )
    .await
    .unwrap();
    prepared.sites.close().await.unwrap();
    sandbox.shutdown().await.unwrap();

    assert_eq!(applied.status, RunOutcome::Incomplete);
    let [mkt, docs] = &applied.rows.spaces[..] else { panic!("two space rows") };
    assert_eq!(docs.status.as_str(), "failed", "{}", docs.detail);
    assert!(docs.detail.contains("the space was not created"), "{}", docs.detail);
    assert!(docs.pages.total > 0);
    assert_eq!(docs.pages.failed, docs.pages.total, "every DOCS page is not copied: {}", docs.detail);
    // The root page was never tried: its space, settled in the first stage, blocked it.
    let root = "page \"Documentation Home\": not copied: it needs space DOCS → DOCSEU, which was not copied";
    assert!(docs.detail.contains(root), "{}", docs.detail);
    assert_eq!(docs.pages.copied, 0);
    // MKT is whole: its pages, and its fix-up and restrictions in the finish stage.
    assert_eq!(mkt.status.as_str(), "copied", "{}", mkt.detail);
    assert_eq!((mkt.pages.failed, mkt.settings.failed), (0, 0), "{}", mkt.detail);
    assert_eq!(mkt.settings.copied + mkt.settings.skipped, mkt.settings.total);
    assert!(mkt.settings.total >= 3, "permissions, fix-up and restrictions: {:?}", mkt.settings);
    let tally = applied.tally;
    assert_eq!(tally.total, tally.copied + tally.skipped + tally.failed);
    assert!(tally.failed >= docs.pages.total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_stows_each_space_with_its_own_attachments_and_comments() {
    let (sandbox, _work, _plan, prepared) = prepared_demo(&["MKT", "DOCS", "HR"]).await;
    let stowed = prepared.snapshot.as_deref().unwrap();
    assert!(
        stowed.spaces.iter().all(|s| s.pages.is_empty() && s.attachments.is_empty() && s.comments.is_empty()),
        "no space's content stays in memory after the read"
    );
    let loaded = stowed.loaded().unwrap();
    let (mut attachments, mut comments) = (0, 0);
    for (space, found) in loaded.spaces.iter().zip(prepared.inventory.spaces.iter().flatten()) {
        assert_eq!(space.key, found.key);
        let on_space: BTreeSet<&str> =
            space.pages.iter().chain(&space.blog_posts).map(|c| c.id.as_str()).collect();
        assert_eq!(space.attachments.len() as u64, found.counts.attachments, "{}: attachments", space.key);
        assert_eq!(space.comments.len() as u64, found.counts.comments, "{}: comments", space.key);
        assert!(space.attachments.iter().all(|a| on_space.contains(a.container_id.as_str())));
        let mut seen = BTreeSet::new();
        for c in &space.comments {
            assert!(
                on_space.contains(c.container_id.as_str()),
                "{}: comment {} on its space",
                space.key,
                c.id
            );
            if let Some(parent) = &c.parent_id {
                assert!(seen.contains(parent.as_str()), "{}: reply {} after its parent", space.key, c.id);
            }
            seen.insert(c.id.as_str());
        }
        assert_eq!(
            stowed.items()[loaded.spaces.iter().position(|s| s.key == space.key).unwrap()],
            space.pages.len() + space.blog_posts.len() + space.attachments.len() + space.comments.len()
        );
        attachments += space.attachments.len();
        comments += space.comments.len();
    }
    assert!(attachments > 0 && comments > 0, "the demo's spaces have both ({attachments}, {comments})");
    assert!(
        loaded.spaces.iter().any(|s| s.comments.iter().any(|c| c.parent_id.is_some())),
        "some comment is a reply"
    );
    prepared.sites.close().await.unwrap();
    sandbox.shutdown().await.unwrap();
}
