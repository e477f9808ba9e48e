//! Why each user is in a plan's scope, as the inventory reads it from the lists of a generated
//! site, against the same site read page by page over HTTP: authors and editors of the selected
//! spaces' pages and blog posts, the people their bodies mention, and the authors and mentions
//! of the comments on them (a reply counts where its root comment is). Content and comments of
//! the space the plan leaves out bring nobody in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confcopy::client::ClientOptions;
use confcopy::inventory::Reason;
use confcopy::site::PlanSites;
use confcopy_sandbox::Sandbox;
use confcopy_sandbox::command::generated_pair_seed;
use confcopy_sandbox::generate::{GenerateSpec, space_key};
use serde_json::Value;

use crate::support_sandbox::Caller;

/// Account ids of every `<ri:user ri:account-id="...">` in a storage body.
fn mentions(body: &str) -> Vec<String> {
    body.split("<ri:user")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            let value = tag.split("ri:account-id=\"").nth(1)?;
            Some(value[..value.find('"')?].to_string())
        })
        .collect()
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authors_editors_commenters_and_mentions_of_the_selected_spaces_are_in_scope() {
    let spec = GenerateSpec { spaces: 3, pages: 240, users: 40, seed: 11 };
    let sandbox = Sandbox::start(generated_pair_seed(spec)).await.unwrap();
    let source = sandbox.site("generated").unwrap().clone();
    let destination = sandbox.site("generated-dest").unwrap().clone();
    let selected = [space_key(0), space_key(2)];

    // What the site holds, read item by item.
    let admin = Caller::admin(&source);
    let mut expected: BTreeMap<Reason, BTreeSet<String>> = BTreeMap::new();
    let mut add = |reason: Reason, id: Option<String>| {
        if let Some(id) = id {
            expected.entry(reason).or_default().insert(id);
        }
    };
    let mut selected_content = BTreeSet::new();
    for key in &selected {
        let space = admin.space_id(key).await;
        for kind in ["pages", "blogposts"] {
            for item in admin.all(&format!("/wiki/api/v2/spaces/{space}/{kind}?body-format=storage")).await {
                selected_content.insert(text(&item["id"]).expect("content id"));
                add(Reason::Author, text(&item["authorId"]));
                add(Reason::Editor, text(&item["version"]["authorId"]));
                for id in mentions(item["body"]["storage"]["value"].as_str().unwrap_or("")) {
                    add(Reason::Mentioned, Some(id));
                }
            }
        }
    }
    assert!(selected_content.len() > 100, "{} items", selected_content.len());
    let mut counted = 0;
    let mut left_out = 0;
    for kind in ["footer-comments", "inline-comments"] {
        let comments = admin.all(&format!("/wiki/api/v2/{kind}?body-format=storage")).await;
        let by_id: HashMap<String, &Value> =
            comments.iter().map(|c| (text(&c["id"]).expect("comment id"), c)).collect();
        for comment in &comments {
            // The container of a reply is its root's.
            let mut cursor = comment;
            let container = loop {
                if let Some(id) = text(&cursor["pageId"]).or(text(&cursor["blogPostId"])) {
                    break Some(id);
                }
                match text(&cursor["parentCommentId"]).and_then(|p| by_id.get(&p)) {
                    Some(parent) => cursor = parent,
                    None => break None,
                }
            };
            if !container.is_some_and(|c| selected_content.contains(&c)) {
                left_out += 1;
                continue;
            }
            counted += 1;
            add(Reason::Commenter, text(&comment["version"]["authorId"]));
            for id in mentions(comment["body"]["storage"]["value"].as_str().unwrap_or("")) {
                add(Reason::Mentioned, Some(id));
            }
        }
    }
    assert!(left_out > 0, "the space left out has comments");
    for reason in [Reason::Author, Reason::Editor, Reason::Commenter, Reason::Mentioned] {
        assert!(expected.get(&reason).is_some_and(|ids| !ids.is_empty()), "someone is a {reason:?}");
    }

    // What the inventory read from the lists.
    let keys: Vec<String> = selected.iter().map(|k| format!("\"{k}\"")).collect();
    let plan_text = format!(
        "name = \"reasons\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [{}]\n",
        source.base_url(),
        destination.base_url(),
        keys.join(", ")
    );
    let plan = crate::support_sandbox::plan("reasons.toml", plan_text);
    let settings = crate::support_sandbox::admin_settings(&source, &destination, &source);
    let sites = PlanSites::connect(&plan, &settings, ClientOptions::fast()).await.expect("connect");
    let inventory = confcopy::inventory::read(&plan, &sites).await.expect("both sites answer");
    sites.close().await.expect("close");
    for (reason, ids) in &expected {
        let found: BTreeSet<String> = inventory
            .users
            .values()
            .filter(|u| u.reasons.contains(reason))
            .map(|u| u.account_id.clone())
            .collect();
        assert_eq!(&found, ids, "users in scope as {reason:?}");
    }
    let comments: u64 = inventory.spaces.iter().flatten().map(|s| s.counts.comments).sum();
    assert_eq!(comments, counted, "comments on the selected spaces");
    sandbox.shutdown().await.unwrap();
}
