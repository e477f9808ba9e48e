//! Real-world storage-format bodies (`tests/bodies/*.xml`: layouts, ADF extensions with their
//! fallbacks, split CDATA, entities, emoji, task lists, placeholders, macros, images and
//! attachments of other pages, mentions, inline comment markers with and without a thread,
//! single and split, and links in every form Confluence writes) are put on pages of the source,
//! applied, and every destination body must be exactly the expected one, byte for byte; `verify`
//! must then find nothing, and must notice a marker taken away.
//!
//! The bodies are templates, read once for the source and once for the destination:
//! - `{{origin}}`: the site's own address; `{{source}}`: the source's address on both sides
//!   (links that must stay pointing at the source);
//! - `{{id:KEY/Title}}`, `{{tiny:KEY/Title}}`: the content's id (or tiny-link code) on the site,
//!   or on the source when KEY is not copied by the plan; `{{source-id:KEY/Title}}`: the id on
//!   the source on both sides (text that is not a reference, such as code);
//! - `{{key:DOCS}}`: the space key on the site (the plan renames DOCS to DOCSEU);
//! - `{{user:handle}}`: the account id of a demo user;
//! - `{{ref:NAME}}`: an inline comment marker. `thread-…` markers have a comment behind them
//!   (resolved when the name says so); on the destination they carry the re-created thread's
//!   marker. `orphan-…` markers have none and stay as written.

use std::collections::BTreeMap;
use std::path::PathBuf;

use confcopy_sandbox::model::body::Body;
use confcopy_sandbox::model::comment::{Comment, CommentKind, ResolutionStatus};
use confcopy_sandbox::model::content::{ContentStatus, Version};
use confcopy_sandbox::model::world::World;

use crate::apply_durable::sites;

const PLAN_SPACES: [(&str, &str); 2] = [("MKT", "MKT"), ("DOCS", "DOCSEU")];

struct Corpus {
    name: String,
    template: String,
}

fn corpus() -> Vec<Corpus> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bodies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| Corpus {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            template: std::fs::read_to_string(&path).unwrap(),
        })
        .collect()
}

/// What a template's placeholders mean on one site.
struct Values {
    origin: String,
    source_origin: String,
    destination: bool,
    /// (source key, title) → id, on this site and on the source.
    ids: BTreeMap<(String, String), String>,
    source_ids: BTreeMap<(String, String), String>,
    users: BTreeMap<String, String>,
    /// Marker name → ref on this site.
    refs: BTreeMap<String, String>,
}

fn ids_of(world: &World, index: usize) -> BTreeMap<(String, String), String> {
    let site = &world.sites[index];
    site.contents
        .values()
        .map(|c| {
            let key = site.spaces[&c.space_id].key.clone();
            let key = PLAN_SPACES.iter().find(|(_, d)| *d == key).map_or(key, |(s, _)| s.to_string());
            ((key, c.title.clone()), c.id.to_string())
        })
        .collect()
}

fn users_of(world: &World) -> BTreeMap<String, String> {
    world
        .accounts
        .values()
        .filter_map(|a| {
            let handle = a.email.as_deref()?.split('@').next()?.to_owned();
            Some((handle, a.account_id.clone()))
        })
        .collect()
}

impl Values {
    fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(at) = rest.find("{{") {
            out.push_str(&rest[..at]);
            let end = rest[at..].find("}}").expect("closed placeholder") + at;
            out.push_str(&self.value(&rest[at + 2..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, name: &str) -> String {
        let in_plan = |key: &str| PLAN_SPACES.iter().any(|(s, _)| *s == key);
        let id = |what: &str| {
            let (key, title) = what.split_once('/').unwrap();
            let ids = if in_plan(key) { &self.ids } else { &self.source_ids };
            ids.get(&(key.to_owned(), title.to_owned()))
                .unwrap_or_else(|| panic!("no content {what}"))
                .clone()
        };
        match name.split_once(':') {
            None if name == "origin" => self.origin.clone(),
            None if name == "source" => self.source_origin.clone(),
            Some(("id", what)) => id(what),
            Some(("source-id", what)) => {
                let (key, title) = what.split_once('/').unwrap();
                self.source_ids[&(key.to_owned(), title.to_owned())].clone()
            }
            Some(("tiny", what)) => confcopy::rewrite::tiny_link::encode(id(what).parse().unwrap()),
            Some(("key", key)) if self.destination => {
                PLAN_SPACES.iter().find(|(s, _)| *s == key).unwrap().1.to_owned()
            }
            Some(("key", key)) => key.to_owned(),
            Some(("user", handle)) => self.users[handle].clone(),
            Some(("ref", marker)) => self.refs.get(marker).cloned().unwrap_or_else(|| marker.to_owned()),
            _ => panic!("unknown placeholder {name}"),
        }
    }
}

/// The marker names a template uses, in order of first use.
fn markers(template: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in template.split("{{ref:").skip(1) {
        let name = piece.split("}}").next().unwrap().to_owned();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn text(body: &Body) -> String {
    match body {
        Body::Text { value } => value.text().to_string(),
        Body::Generated { .. } => panic!("a generated body"),
    }
}

fn title(case: &Corpus) -> String {
    format!("Corpus {}", case.name)
}

fn thread_body(marker: &str) -> String {
    format!("<p>Comment on {marker}</p>")
}

#[test]
fn real_world_bodies_arrive_exactly_as_expected_and_verify_agrees() {
    let cases = corpus();
    assert!(cases.len() >= 30, "the corpus holds {} bodies", cases.len());
    let sites = sites();
    let source_origin = sites.source.base_url().trim_end_matches('/').to_owned();
    let destination_origin = sites.destination.base_url().trim_end_matches('/').to_owned();

    // The corpus pages and their threads go onto the source.
    sites.source.with_world(|world, index| {
        let source = Values {
            origin: source_origin.clone(),
            source_origin: source_origin.clone(),
            destination: false,
            ids: ids_of(world, index),
            source_ids: ids_of(world, index),
            users: users_of(world),
            refs: BTreeMap::new(),
        };
        let admin = world.accounts.values().find(|a| a.email.as_deref() == Some("admin@acme.test")).unwrap();
        let admin = admin.account_id.clone();
        let site = &mut world.sites[index];
        let space = site.spaces.values().find(|s| s.key == "MKT").unwrap().id;
        let template = site.contents.values().find(|c| c.space_id == space && c.title == "Brand Guidelines");
        let mut page = template.unwrap().clone();
        for case in &cases {
            let body = source.fill(&case.template);
            let id = site.alloc_id();
            page.id = id;
            page.title = title(case);
            page.parent_id = None;
            page.position = id as i64;
            page.labels.clear();
            page.properties.clear();
            page.restrictions = Default::default();
            page.likes.clear();
            let mut version = page.versions.last().unwrap().clone();
            version.number = 1;
            version.body = Body::text(body.clone());
            page.versions = vec![version];
            site.contents.insert(id, page.clone());
            for marker in markers(&case.template).into_iter().filter(|m| m.starts_with("thread-")) {
                let selection: String = confcopy::rewrite::anchors(&body)
                    .into_iter()
                    .filter(|m| m.ref_id == marker)
                    .map(|m| m.text)
                    .collect();
                let comment_id = site.alloc_id();
                let resolved = marker.contains("resolved");
                site.comments.insert(
                    comment_id,
                    Comment {
                        id: comment_id,
                        kind: CommentKind::Inline,
                        container_id: id,
                        parent_comment_id: None,
                        status: ContentStatus::Current,
                        created_at: "2024-07-01T10:00:00.000Z".into(),
                        versions: vec![Version {
                            number: 1,
                            created_at: "2024-07-01T10:00:00.000Z".into(),
                            author_id: admin.clone(),
                            message: String::new(),
                            minor_edit: false,
                            body: Body::text(thread_body(&marker)),
                        }],
                        inline_marker_ref: Some(marker.clone()),
                        inline_original_selection: Some(selection),
                        resolution_status: Some(if resolved {
                            ResolutionStatus::Resolved
                        } else {
                            ResolutionStatus::Open
                        }),
                        properties: Vec::new(),
                    },
                );
            }
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let (code, output) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{output}");

    let source_ids = sites.source.with_world(|world, index| ids_of(world, index));
    let mut wrong = Vec::new();
    sites.destination.with_world(|world, index| {
        let site = &world.sites[index];
        let space = site.spaces.values().find(|s| s.key == "MKT").unwrap().id;
        for case in &cases {
            let page = site.contents.values().find(|c| c.space_id == space && c.title == title(case));
            let Some(page) = page else {
                wrong.push(format!("{}: not copied", case.name));
                continue;
            };
            let mut refs = BTreeMap::new();
            for marker in markers(&case.template).into_iter().filter(|m| m.starts_with("thread-")) {
                let copy = site
                    .comments
                    .values()
                    .find(|c| c.container_id == page.id && text(&c.current().body) == thread_body(&marker));
                match copy.and_then(|c| c.inline_marker_ref.clone()) {
                    Some(new) => {
                        assert_ne!(new, marker, "the destination picks its own refs");
                        let resolved = copy.unwrap().resolution_status == Some(ResolutionStatus::Resolved);
                        assert_eq!(resolved, marker.contains("resolved"), "{marker}");
                        refs.insert(marker, new);
                    }
                    None => wrong.push(format!("{}: thread {marker} was not re-created", case.name)),
                }
            }
            let destination = Values {
                origin: destination_origin.clone(),
                source_origin: source_origin.clone(),
                destination: true,
                ids: ids_of(world, index),
                source_ids: source_ids.clone(),
                users: users_of(world),
                refs,
            };
            let expected = destination.fill(&case.template);
            let actual = text(&page.current().body);
            if actual != expected {
                wrong.push(format!("{}:\n  expected {expected}\n  actual   {actual}", case.name));
            }
        }
    });
    assert!(wrong.is_empty(), "{} of {} bodies differ:\n{}", wrong.len(), cases.len(), wrong.join("\n"));

    let (code, output) = sites.verify(dir.path());
    assert_eq!(code, 0, "verify must agree that every body is as expected: {output}");

    // Edited on the source after the copy: the page's next version is copied over its copy, and
    // the threads posted on the copy by the first run keep their markers (single and split).
    let edited = ["15-marker-single", "17-marker-split-paragraphs"];
    let before: BTreeMap<String, String> = sites.destination.with_world(|world, index| {
        let site = &world.sites[index];
        edited
            .iter()
            .map(|name| {
                let page = site.contents.values().find(|c| c.title == format!("Corpus {name}")).unwrap();
                (name.to_string(), text(&page.current().body))
            })
            .collect()
    });
    sites.source.with_world(|world, index| {
        let site = &mut world.sites[index];
        for name in edited {
            let page = site.contents.values_mut().find(|c| c.title == format!("Corpus {name}")).unwrap();
            let mut version = page.current().clone();
            version.number += 1;
            version.body = Body::text(format!("<p>Edited.</p>{}", text(&version.body)));
            page.versions.push(version);
        }
    });
    let (code, output) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{output}");
    sites.destination.with_world(|world, index| {
        let site = &world.sites[index];
        for name in edited {
            let page = site.contents.values().find(|c| c.title == format!("Corpus {name}")).unwrap();
            assert_eq!(text(&page.current().body), format!("<p>Edited.</p>{}", before[name]), "{name}");
        }
    });
    let (code, output) = sites.verify(dir.path());
    assert_eq!(code, 0, "{output}");

    // A highlight with no thread behind it, taken away on the destination, is noticed.
    sites.destination.with_world(|world, index| {
        let site = &mut world.sites[index];
        let page = site.contents.values_mut().find(|c| c.title == "Corpus 16-marker-orphan").unwrap();
        page.versions.last_mut().unwrap().body = Body::text("<p>before annotation after</p>\n");
    });
    let (code, output) = sites.verify(dir.path());
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("verify-markers-differ"), "{output}");
    assert!(!output.contains("verify-body-differs"), "only the marker is gone: {output}");
    sites.shutdown();
}

/// Every file named `name` under `dir`.
fn found(dir: &std::path::Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(found(&path, name));
        } else if path.file_name().is_some_and(|n| n == name) {
            out.push(path);
        }
    }
    out
}

#[test]
fn content_the_admin_cannot_read_is_counted_per_space_in_the_reports() {
    let sites = sites();
    // A page and a blog post of MKT restricted to hank: the copying admin cannot read them.
    sites.source.with_world(|world, index| {
        for title in ["Q2 Campaign", "Welcome to the Marketing blog"] {
            let item = world.sites[index].contents.values_mut().find(|c| c.title == title).unwrap();
            item.restrictions.read.users = vec![confcopy_sandbox::seed::account_id_for("hank")];
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, output) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("1 page and 1 blog post cannot be read"),
        "blog posts are counted as such: {output}"
    );

    let spaces = found(dir.path(), "spaces.csv");
    assert_eq!(spaces.len(), 1, "{spaces:?}");
    let mut reader = csv::Reader::from_path(&spaces[0]).unwrap();
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<BTreeMap<String, String>> = reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect();
    let mkt = rows.iter().find(|r| r["space_key"] == "MKT").unwrap();
    assert_eq!(
        (&*mkt["pages_unreadable"], &*mkt["blog_posts_unreadable"], &*mkt["attachments_unreadable"]),
        ("1", "1", "0"),
        "{mkt:?}"
    );
    assert!(
        mkt["detail"].contains("1 page and 1 blog post could not be read with these credentials"),
        "{mkt:?}"
    );
    let docs = rows.iter().find(|r| r["space_key"] == "DOCS").unwrap();
    assert_eq!((&*docs["pages_unreadable"], &*docs["blog_posts_unreadable"]), ("0", "0"), "{docs:?}");
    assert!(!docs["detail"].contains("could not be read"), "{docs:?}");

    let summary = found(dir.path(), "summary.json");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary[0]).unwrap()).unwrap();
    assert_eq!(
        summary["totals"]["unreadable"],
        serde_json::json!({"pages": 1, "blog_posts": 1, "attachments": 0}),
        "{summary:#}"
    );
    sites.shutdown();
}
