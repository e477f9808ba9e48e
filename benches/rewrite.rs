//! Throughput of the body rewriter on realistic storage-format bodies (2–50 KB: headings, tables,
//! code macros with CDATA, task lists, images, page links, mentions, absolute links, inline
//! comment markers). Prints plain `name: value` lines.

use std::collections::HashMap;
use std::time::Instant;

use confcopy::rewrite::{AttachmentOwner, Context, Resolution, Resolver, rewrite, rewrite_many};

struct Plan {
    spaces: HashMap<String, String>,
    ids: HashMap<String, String>,
}

impl Resolver for Plan {
    fn page(&self, space_key: &str, _: &str) -> Resolution {
        if self.spaces.contains_key(space_key) { Resolution::Unchanged } else { Resolution::External }
    }
    fn blog_post(&self, space_key: &str, title: &str, _: &str) -> Resolution {
        self.page(space_key, title)
    }
    fn attachment(&self, _: &AttachmentOwner<'_>, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn content_id(&self, id: &str) -> Resolution {
        self.ids.get(id).map_or(Resolution::External, |new| Resolution::Rewritten(new.clone()))
    }
    fn space_key(&self, key: &str) -> Resolution {
        self.spaces.get(key).map_or(Resolution::External, |new| Resolution::Rewritten(new.clone()))
    }
    fn account_id(&self, _: &str) -> Resolution {
        Resolution::Unchanged
    }
}

fn section(i: usize) -> String {
    let id = 10_000 + i % 500;
    format!(
        concat!(
            "<h2>Section {i} &mdash; overview</h2>\n",
            "<p>Some <strong>bold</strong> text with a link to ",
            "<ac:link><ri:page ri:space-key=\"DOC\" ri:content-title=\"Page {i}\"/><ac:plain-text-link-body><![CDATA[page {i}]]></ac:plain-text-link-body></ac:link>",
            " and an <a href=\"https://acme.atlassian.net/wiki/spaces/DOC/pages/{id}/Page+{i}\">absolute link</a>, ",
            "a mention <ac:link><ri:user ri:account-id=\"557058:{i:08x}\"/></ac:link> and ",
            "<ac:inline-comment-marker ac:ref=\"c{i}\">a comment anchor</ac:inline-comment-marker>.&nbsp;Lorem ipsum dolor sit amet, ",
            "consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>\n",
            "<table data-layout=\"default\"><colgroup><col style=\"width: 340.0px;\" /><col style=\"width: 340.0px;\" /></colgroup><tbody>",
            "<tr><th><p>Key</p></th><th><p>Value</p></th></tr>",
            "<tr><td><p>Owner</p></td><td><p><ac:link><ri:user ri:account-id=\"557058:owner\"/></ac:link></p></td></tr>",
            "<tr><td><p>Spec</p></td><td><p><a href=\"https://acme.atlassian.net/wiki/x/AAAB\">tiny</a></p></td></tr>",
            "</tbody></table>\n",
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\" ac:macro-id=\"m{i}\"><ac:parameter ac:name=\"language\">rust</ac:parameter>",
            "<ac:plain-text-body><![CDATA[fn main() {{\n    let x = a < b && c > d;\n    println!(\"{{x}}\");\n}}]]></ac:plain-text-body></ac:structured-macro>\n",
            "<ac:task-list><ac:task><ac:task-id>{i}</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Review <ac:link><ri:user ri:account-id=\"557058:rev\"/></ac:link></ac:task-body></ac:task></ac:task-list>\n",
            "<p><ac:image ac:height=\"250\"><ri:attachment ri:filename=\"diagram-{i}.png\" /></ac:image></p>\n",
            "<ac:structured-macro ac:name=\"contentbylabel\"><ac:parameter ac:name=\"spaces\">DOC,OPS</ac:parameter><ac:parameter ac:name=\"labels\">howto</ac:parameter></ac:structured-macro>\n",
        ),
        i = i,
        id = id
    )
}

fn body(target: usize, seed: usize) -> String {
    let mut out = String::with_capacity(target + 4096);
    let mut i = seed;
    while out.len() < target {
        out.push_str(&section(i));
        i += 1;
    }
    out
}

fn main() {
    let plan = Plan {
        spaces: [("DOC", "DOCS"), ("OPS", "OPS")].into_iter().map(|(a, b)| (a.into(), b.into())).collect(),
        ids: (10_000..10_500).map(|id| (id.to_string(), (id + 90_000).to_string())).collect(),
    };
    let ctx = Context::new("DOC", "Bench", ["https://acme.atlassian.net"], "https://acme-eu.atlassian.net");
    let sizes = [2_000, 5_000, 10_000, 20_000, 50_000];
    let bodies: Vec<String> = (0..400).map(|k| body(sizes[k % sizes.len()], k * 7)).collect();
    let total: usize = bodies.iter().map(String::len).sum();
    let mb = total as f64 / 1_000_000.0;
    println!("bodies: {}", bodies.len());
    println!("corpus_mb: {mb:.2}");

    // Warm up, and check the work is real.
    let references: usize = bodies.iter().map(|b| rewrite(b, &ctx, &plan).references.len()).sum();
    println!("references_per_pass: {references}");

    let rounds = 10;
    let started = Instant::now();
    for _ in 0..rounds {
        for b in &bodies {
            std::hint::black_box(rewrite(b, &ctx, &plan));
        }
    }
    let single = mb * rounds as f64 / started.elapsed().as_secs_f64();
    println!("single_thread_mb_per_s: {single:.1}");

    let items: Vec<(&str, &Context)> = bodies.iter().map(|b| (b.as_str(), &ctx)).collect();
    let threads = rayon::current_num_threads();
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(rewrite_many(&items, &plan));
    }
    let parallel = mb * rounds as f64 / started.elapsed().as_secs_f64();
    println!("rayon_threads: {threads}");
    println!("rayon_mb_per_s: {parallel:.1}");
    println!("rayon_mb_per_s_per_thread: {:.1}", parallel / threads as f64);

    let started = Instant::now();
    for _ in 0..rounds {
        for b in &bodies {
            std::hint::black_box(confcopy::rewrite::normalise_for_verify(b));
        }
    }
    println!("normalise_mb_per_s: {:.1}", mb * rounds as f64 / started.elapsed().as_secs_f64());
}
