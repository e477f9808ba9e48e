//! `confcopy apply` against the bundled sandbox sites: the demo plan ends Complete and the
//! destination holds what the source holds; a destination that refuses writes gives an
//! Incomplete run with the right rows failed and reasons given.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{Confcopy, root};
use confcopy_sandbox::Sandbox;

/// Read and update restrictions: (read users, read groups, update users, update groups).
type RestrictionView = (Vec<String>, Vec<String>, Vec<String>, Vec<String>);

/// One space of an exported site, reduced to what a copy must keep, keyed by titles and names
/// (ids differ between sites).
#[derive(Debug, PartialEq)]
pub(crate) struct SpaceView {
    /// title → (parent title, status, body, labels)
    pages: BTreeMap<String, (Option<String>, String, String, BTreeSet<String>)>,
    /// parent title → child titles in sibling order
    order: BTreeMap<Option<String>, Vec<String>>,
    /// title → (created_at, body)
    posts: BTreeMap<String, (String, String)>,
    /// (container title, file name) → (media type, every version's data, oldest first)
    attachments: BTreeMap<(String, String), (String, Vec<Value>)>,
    /// container title → sorted (kind, parent body, body, inline selection)
    comments: BTreeMap<String, Vec<(String, String, String, String)>>,
    /// title → (read users, read groups, update users, update groups)
    restrictions: BTreeMap<String, RestrictionView>,
    labels: BTreeSet<String>,
    name: String,
}

fn body_of(version: &Value) -> String {
    version["body"]["text"]["value"].as_str().or(version["body"]["value"].as_str()).unwrap_or("").to_string()
}

/// Maps source references the way a correct copy must have: space keys by the plan's rename,
/// content ids by title (titles are kept), accounts to themselves.
pub(crate) struct Expected {
    renames: BTreeMap<String, String>,
    ids: BTreeMap<String, String>,
}

impl confcopy::rewrite::Resolver for Expected {
    fn page(&self, _: &str, _: &str) -> confcopy::rewrite::Resolution {
        confcopy::rewrite::Resolution::Unchanged
    }
    fn blog_post(&self, _: &str, _: &str, _: &str) -> confcopy::rewrite::Resolution {
        confcopy::rewrite::Resolution::Unchanged
    }
    fn attachment(
        &self,
        _: &confcopy::rewrite::AttachmentOwner<'_>,
        _: &str,
    ) -> confcopy::rewrite::Resolution {
        confcopy::rewrite::Resolution::Unchanged
    }
    fn content_id(&self, id: &str) -> confcopy::rewrite::Resolution {
        match self.ids.get(id) {
            Some(new) => confcopy::rewrite::Resolution::Rewritten(new.clone()),
            None => confcopy::rewrite::Resolution::External,
        }
    }
    fn space_key(&self, key: &str) -> confcopy::rewrite::Resolution {
        match self.renames.get(key) {
            Some(new) => confcopy::rewrite::Resolution::Rewritten(new.clone()),
            None => confcopy::rewrite::Resolution::Unchanged,
        }
    }
    fn account_id(&self, _: &str) -> confcopy::rewrite::Resolution {
        confcopy::rewrite::Resolution::Unchanged
    }
}

/// The demo sites' exported states saved in `state_dir`, and the mapping a correct copy of the
/// demo plan (DOCS renamed DOCSEU) implies between them.
fn demo_sites_after_apply(state_dir: &std::path::Path) -> (Value, Value, Expected) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (source, destination) = runtime.block_on(async {
        let sandbox = Sandbox::start_persistent(state_dir).await.unwrap();
        let pair = (sandbox.site("acme").unwrap().export(), sandbox.site("acme-eu").unwrap().export());
        sandbox.shutdown().await.unwrap();
        pair
    });
    let renames: BTreeMap<String, String> = [("DOCS".to_string(), "DOCSEU".to_string())].into();
    let destination_ids = ids_by_title(&destination);
    let ids = ids_by_title(&source)
        .into_iter()
        .filter_map(|((key, title), id)| {
            let key = renames.get(&key).cloned().unwrap_or(key);
            destination_ids.get(&(key, title)).map(|new| (id, new.clone()))
        })
        .collect();
    (source, destination, Expected { renames, ids })
}

/// Content ids by (space key, title) in an exported site.
fn ids_by_title(state: &Value) -> BTreeMap<(String, String), String> {
    let site = &state["site"];
    let keys: BTreeMap<u64, String> = site["spaces"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| (s["id"].as_u64().unwrap(), s["key"].as_str().unwrap().to_string()))
        .collect();
    site["contents"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|c| {
            let key = keys.get(&c["space_id"].as_u64()?)?.clone();
            Some(((key, c["title"].as_str()?.to_string()), c["id"].as_u64()?.to_string()))
        })
        .collect()
}

pub(crate) fn view(state: &Value, key: &str, expected: Option<&Expected>) -> SpaceView {
    let body_of = |version: &Value| {
        let raw = body_of(version);
        let rewritten = match expected {
            Some(resolver) => {
                let context = confcopy::rewrite::Context::new(
                    key,
                    "",
                    ["https://acme.atlassian.net"],
                    "https://acme-eu.atlassian.net",
                );
                confcopy::rewrite::rewrite(&raw, &context, resolver).body
            }
            None => raw,
        };
        confcopy::rewrite::normalise_for_verify(&rewritten)
    };
    let site = &state["site"];
    let space = site["spaces"]
        .as_object()
        .unwrap()
        .values()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("space {key}"));
    let groups: BTreeMap<String, String> = site["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_str().unwrap().to_string(), g["name"].as_str().unwrap().to_string()))
        .collect();
    let contents: Vec<&Value> = site["contents"]
        .as_object()
        .unwrap()
        .values()
        .filter(|c| c["space_id"] == space["id"] && (c["status"] == "current" || c["status"] == "archived"))
        .collect();
    let title_of: BTreeMap<u64, String> = contents
        .iter()
        .map(|c| (c["id"].as_u64().unwrap(), c["title"].as_str().unwrap().to_string()))
        .collect();
    let last = |c: &Value| c["versions"].as_array().unwrap().last().cloned().unwrap();
    let labels = |c: &Value| {
        c["labels"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_string()).collect()
    };
    let mut view = SpaceView {
        pages: BTreeMap::new(),
        order: BTreeMap::new(),
        posts: BTreeMap::new(),
        attachments: BTreeMap::new(),
        comments: BTreeMap::new(),
        restrictions: BTreeMap::new(),
        labels: space["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .collect(),
        name: space["name"].as_str().unwrap().to_string(),
    };
    let mut siblings: BTreeMap<Option<String>, Vec<(i64, String)>> = BTreeMap::new();
    for c in &contents {
        let title = c["title"].as_str().unwrap().to_string();
        let body = body_of(&last(c));
        let subjects = |op: &str| {
            let r = &c["restrictions"][op];
            let users: Vec<String> =
                r["users"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect();
            let groups: Vec<String> =
                r["groups"].as_array().unwrap().iter().map(|g| groups[g.as_str().unwrap()].clone()).collect();
            (users, groups)
        };
        let (read_users, read_groups) = subjects("read");
        let (update_users, update_groups) = subjects("update");
        if !(read_users.is_empty()
            && read_groups.is_empty()
            && update_users.is_empty()
            && update_groups.is_empty())
        {
            view.restrictions.insert(title.clone(), (read_users, read_groups, update_users, update_groups));
        }
        if c["kind"] == "page" {
            let parent = c["parent_id"].as_u64().and_then(|p| title_of.get(&p).cloned());
            siblings
                .entry(parent.clone())
                .or_default()
                .push((c["position"].as_i64().unwrap(), title.clone()));
            view.pages.insert(title, (parent, c["status"].as_str().unwrap().to_string(), body, labels(c)));
        } else if c["kind"] == "blogpost" {
            // The same instant, however the site writes it.
            let posted = c["created_at"]
                .as_str()
                .unwrap_or("")
                .parse::<jiff::Timestamp>()
                .map(|t| t.to_string())
                .unwrap_or_default();
            view.posts.insert(title, (posted, body));
        }
    }
    for (parent, mut kids) in siblings {
        kids.sort();
        view.order.insert(parent, kids.into_iter().map(|(_, t)| t).collect());
    }
    for a in site["attachments"].as_object().unwrap().values() {
        let Some(container) = title_of.get(&a["container_id"].as_u64().unwrap()) else { continue };
        let data: Vec<Value> = a["versions"].as_array().unwrap().iter().map(|v| v["data"].clone()).collect();
        view.attachments.insert(
            (container.clone(), a["title"].as_str().unwrap().to_string()),
            (a["media_type"].as_str().unwrap().to_string(), data),
        );
    }
    let comments: BTreeMap<u64, &Value> =
        site["comments"].as_object().unwrap().values().map(|c| (c["id"].as_u64().unwrap(), c)).collect();
    for c in comments.values().filter(|c| c["status"] == "current") {
        let Some(container) = title_of.get(&c["container_id"].as_u64().unwrap()) else { continue };
        let parent = c["parent_comment_id"]
            .as_u64()
            .and_then(|p| comments.get(&p))
            .map(|p| body_of(&last(p)))
            .unwrap_or_default();
        let selection = c["inline_original_selection"].as_str().unwrap_or("").to_string();
        view.comments.entry(container.clone()).or_default().push((
            c["kind"].as_str().unwrap().to_string(),
            parent,
            body_of(&last(c)),
            selection,
        ));
    }
    for list in view.comments.values_mut() {
        list.sort();
    }
    view
}

fn read_csv(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

#[test]
fn the_demo_plan_copies_everything_it_names() {
    let state = tempfile::tempdir().unwrap();
    let reports = state.path().join("reports");
    let run = Confcopy::new([
        "--state-dir",
        &state.path().display().to_string(),
        "apply",
        &root().join("plans/marketing-to-eu.toml").display().to_string(),
        "--report-dir",
        &reports.display().to_string(),
    ])
    .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Complete: 2 spaces"), "{}", run.stdout);

    // Reports: one row per entity, numbers that add up, a final status each.
    let spaces = read_csv(&reports.join("spaces.csv"));
    assert_eq!(spaces.len(), 2);
    for row in &spaces {
        for what in ["pages", "blog_posts", "attachments", "comments"] {
            let n = |col: String| row[&col].parse::<u64>().unwrap();
            assert_eq!(
                n(what.into()),
                n(format!("{what}_copied")) + n(format!("{what}_skipped")) + n(format!("{what}_failed"))
            );
        }
        assert_eq!(row["status"], "copied");
        assert!(row["detail"].contains("not copyable through the API"));
    }
    let users = read_csv(&reports.join("users.csv"));
    assert!(users.iter().any(|u| u["account_status"] == "former" && u["status"] == "skipped"), "{users:#?}");
    assert!(users.iter().all(|u| !u["status"].is_empty() && !u["included_because"].is_empty()));
    let groups = read_csv(&reports.join("groups.csv"));
    assert!(groups.iter().any(|g| g["group_name"] == "marketing" && g["action"] == "merged"));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "Complete");

    // The destination, read back from the sandbox's saved state, holds what the source holds.
    let (source, destination, mapping) = demo_sites_after_apply(state.path());
    for (from, to) in [("MKT", "MKT"), ("DOCS", "DOCSEU")] {
        let expected = view(&source, from, Some(&mapping));
        let actual = view(&destination, to, None);
        assert_eq!(actual.name, expected.name);
        assert_eq!(actual.order, expected.order, "{from}: tree shape and sibling order");
        assert_eq!(actual.pages, expected.pages, "{from}: titles, parents, statuses, bodies, labels");
        assert_eq!(actual.posts, expected.posts, "{from}: blog posts with their dates");
        assert_eq!(actual.attachments, expected.attachments, "{from}: attachments' bytes and media types");
        assert_eq!(actual.comments, expected.comments, "{from}: comments and replies");
        assert_eq!(actual.restrictions, expected.restrictions, "{from}: restrictions");
        assert_eq!(actual.labels, expected.labels, "{from}: space labels");
    }
}

/// Version bodies per page title of a space (oldest first), normalised.
fn histories(state: &Value, key: &str, expected: Option<&Expected>) -> BTreeMap<String, Vec<String>> {
    let site = &state["site"];
    let space = site["spaces"].as_object().unwrap().values().find(|s| s["key"] == key).unwrap();
    site["contents"]
        .as_object()
        .unwrap()
        .values()
        .filter(|c| c["space_id"] == space["id"] && c["kind"] == "page" && c["status"] == "current")
        .map(|c| {
            let all = c["versions"].as_array().unwrap();
            // The fix-up pass adds one version with links resolved: it stands for the version
            // before it.
            let fixed = |v: &&Value| v["message"] != "links to content copied later";
            let mut kept: Vec<&Value> = all.iter().filter(fixed).collect();
            if let (Some(last), Some(final_version)) = (kept.last_mut(), all.last()) {
                *last = final_version;
            }
            let bodies = kept
                .into_iter()
                .map(|v| {
                    let raw = body_of(v);
                    let rewritten = match expected {
                        Some(resolver) => {
                            let context = confcopy::rewrite::Context::new(
                                key,
                                "",
                                ["https://acme.atlassian.net"],
                                "https://acme-eu.atlassian.net",
                            );
                            confcopy::rewrite::rewrite(&raw, &context, resolver).body
                        }
                        None => raw,
                    };
                    confcopy::rewrite::normalise_for_verify(&rewritten)
                })
                .collect();
            (c["title"].as_str().unwrap().to_string(), bodies)
        })
        .collect()
}

#[test]
fn with_history_all_every_page_version_is_copied_in_order() {
    let state = tempfile::tempdir().unwrap();
    let plan = state.path().join("history.toml");
    let text = std::fs::read_to_string(root().join("plans/marketing-to-eu.toml"))
        .unwrap()
        .replace("history = \"latest\"", "history = \"all\"")
        .replace("name = \"marketing-to-eu\"", "name = \"history-all\"");
    std::fs::write(&plan, text).unwrap();
    let run = Confcopy::new([
        "--state-dir",
        &state.path().display().to_string(),
        "apply",
        "--no-progress",
        &plan.display().to_string(),
    ])
    .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let (source, destination, mapping) = demo_sites_after_apply(state.path());
    let expected = histories(&source, "MKT", Some(&mapping));
    let actual = histories(&destination, "MKT", None);
    assert!(expected.values().any(|v| v.len() > 1), "the demo has pages with several versions");
    for (title, versions) in &expected {
        let copied = &actual[title];
        // The homepage starts from the destination space's own first version.
        let copied =
            if copied.len() > versions.len() { &copied[copied.len() - versions.len()..] } else { copied };
        assert_eq!(copied, versions, "{title}: every version, in order");
    }
}
