//! The generator makes large, realistic, deterministic sites.

use confcopy_sandbox::command::generated_seed;
use confcopy_sandbox::generate::GenerateSpec;
use confcopy_sandbox::{Sandbox, Seed};

use crate::support_sandbox::{Caller, http};

fn spec() -> GenerateSpec {
    GenerateSpec { spaces: 3, pages: 300, users: 20, seed: 7 }
}

#[tokio::test]
async fn a_generated_site_has_deep_and_wide_trees_bodies_mentions_and_attachments() {
    let sandbox = Sandbox::start(generated_seed(spec())).await.unwrap();
    let site = sandbox.site("generated").unwrap();
    let api = Caller::admin(site);
    let spaces = api.all("/wiki/api/v2/spaces?limit=250").await;
    assert_eq!(spaces.len(), 3);
    let mut pages = Vec::new();
    for s in &spaces {
        let id = s["id"].as_str().unwrap();
        pages.extend(api.all(&format!("/wiki/api/v2/spaces/{id}/pages?limit=250&body-format=storage")).await);
    }
    assert!(pages.len() > 250, "about 300 pages less blog posts: {}", pages.len());
    let sizes: Vec<usize> =
        pages.iter().map(|p| p["body"]["storage"]["value"].as_str().unwrap().len()).collect();
    assert!(sizes.iter().all(|s| (2_000..=21_500).contains(s)), "bodies are 2-20 KB");
    let all = pages.iter().map(|p| p["body"]["storage"]["value"].as_str().unwrap()).collect::<String>();
    for needle in [
        "<ri:user ri:account-id=",
        "<ac:task-list>",
        "<table>",
        "ac:name=\"code\"",
        "<ri:attachment",
        "ri:space-key=",
    ] {
        assert!(all.contains(needle), "{needle}");
    }
    // Deep: some page has an ancestor chain of 4 or more.
    let home = spaces[0]["homepageId"].as_str().unwrap();
    let deep = api.get(&format!("/wiki/api/v2/pages/{home}/descendants?depth=10&limit=250")).await.json();
    let max_depth =
        deep["results"].as_array().unwrap().iter().map(|d| d["depth"].as_u64().unwrap()).max().unwrap();
    assert!(max_depth >= 4, "depth {max_depth}");
    // Attachments: the bytes have the size the metadata says.
    let mut checked = false;
    for p in pages.iter().take(60) {
        let id = p["id"].as_str().unwrap();
        let atts = api.get(&format!("/wiki/api/v2/pages/{id}/attachments")).await.json();
        if let Some(a) = atts["results"].as_array().unwrap().first() {
            let att = a["id"].as_str().unwrap();
            let r = api.get(&format!("/wiki/rest/api/content/{id}/child/attachment/{att}/download")).await;
            let bytes =
                http().get(r.header("location").unwrap()).send().await.unwrap().bytes().await.unwrap();
            assert_eq!(bytes.len() as u64, a["fileSize"].as_u64().unwrap());
            checked = true;
            break;
        }
    }
    assert!(checked, "some page has an attachment");
}

#[tokio::test]
async fn the_same_parameters_give_the_same_site() {
    let text = toml::to_string(&generated_seed(spec())).unwrap();
    let seed = Seed::from_toml(&text).unwrap();
    let one = seed.build().unwrap();
    let two = Seed::from_toml(&text).unwrap().build().unwrap();
    assert_eq!(serde_json::to_value(&one).unwrap(), serde_json::to_value(&two).unwrap());
    let other = generated_seed(GenerateSpec { seed: 8, ..spec() }).build().unwrap();
    assert_ne!(serde_json::to_value(&one).unwrap(), serde_json::to_value(&other).unwrap());
    let body = |w: &confcopy_sandbox::model::World| {
        let c = w.sites[0].contents.values().nth(5).unwrap();
        confcopy_sandbox::http::render::body_text(&c.current().body).to_string()
    };
    assert_eq!(body(&one), body(&two));
}
