//! Body preparation (references rewritten for the destination, inline markers lifted out) and the
//! final fix-up pass: one update per page whose references could only be resolved once
//! everything was created.

use crate::client::model::content::Body;
use crate::client::model::page::PageUpdate;
use crate::rewrite::{Context, rewrite as rewrite_body};
use crate::run::context::Copy;
use crate::run::outcome::Outcome;
use crate::run::resolve::CopyResolver;
use crate::snapshot::Content;

/// A body ready to write, and whether it still references content not created yet.
pub struct Prepared {
    pub body: String,
    pub pending: bool,
}

/// Rewrites the references of a body held by `container` (a page or blog post of `space`);
/// `owner` is the source id the references are reported under (the container, or a comment).
pub fn rewrite_in(copy: &Copy, space: usize, container: &Content, owner: &str, body: &str) -> Prepared {
    let context = Context::new(
        copy.snapshot.spaces[space].key.clone(),
        container.title.clone(),
        copy.source_origins.iter().cloned(),
        copy.destination_origin.clone(),
    );
    let resolver = CopyResolver { copy, container: &container.id };
    let rewritten = off_async(|| rewrite_body(body, &context, &resolver));
    let pending = rewritten.needs_final_pass();
    copy.references
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(owner.to_string(), rewritten.reportable().cloned().collect());
    if owner == container.id && !rewritten.inline_markers.is_empty() {
        copy.markers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(container.id.clone(), rewritten.inline_markers.clone());
    }
    Prepared { body: rewritten.body, pending }
}

/// Runs CPU work on the rayon pool, releasing the async worker thread meanwhile (on a
/// multi-threaded runtime; elsewhere it simply runs here).
fn off_async<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi { tokio::task::block_in_place(|| rayon::scope(|_| work())) } else { work() }
}

/// Rewrites an earlier version's body without recording its references or markers (the
/// current version's are the ones reported).
pub fn rewrite_quietly(copy: &Copy, space: usize, container: &Content, body: &str) -> String {
    let context = Context::new(
        copy.snapshot.spaces[space].key.clone(),
        container.title.clone(),
        copy.source_origins.iter().cloned(),
        copy.destination_origin.clone(),
    );
    let resolver = CopyResolver { copy, container: &container.id };
    off_async(|| rewrite_body(body, &context, &resolver)).body
}

/// Rewrites a page's or blog post's own body.
pub fn rewrite(copy: &Copy, space: usize, item: &Content, body: &str) -> Prepared {
    rewrite_in(copy, space, item, &item.id, body)
}

/// Updates, once each, the pages of the space whose references could only be resolved now.
pub async fn fix_up(copy: &Copy, space: usize) -> Outcome {
    let pending: Vec<String> = copy
        .pending_fixups
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(s, _)| *s == space)
        .map(|(_, id)| id.clone())
        .collect();
    if pending.is_empty() {
        return Outcome::copied_with("no reference needed a second pass");
    }
    if !copy.writes() {
        return Outcome::copied_with(format!("{} page(s) would be updated once more", pending.len()));
    }
    let snapshot = &copy.snapshot.spaces[space];
    let mut failures = Vec::new();
    for id in &pending {
        let Some(item) = snapshot.pages.iter().chain(&snapshot.blog_posts).find(|c| &c.id == id) else {
            continue;
        };
        let Some(target) = copy.content_id(id) else {
            failures.push(format!("\"{}\" was not copied", item.title));
            continue;
        };
        let body = match copy.snapshot.spool.get(item.body) {
            Ok(body) => body,
            Err(error) => {
                failures.push(format!("\"{}\": cannot read the spooled body: {error}", item.title));
                continue;
            }
        };
        let prepared = rewrite(copy, space, item, &body);
        let current = match copy.destination.page(&target).await {
            Ok(page) => page,
            Err(error) => {
                failures.push(error.to_string());
                continue;
            }
        };
        let version = current.version.as_ref().map_or(1, |v| v.number);
        let update = PageUpdate {
            id: target.clone(),
            status: current.status.clone().unwrap_or_else(|| "current".into()),
            title: current.title.clone(),
            body: Body::storage(prepared.body),
            version_number: version + 1,
            version_message: Some("links to content copied later".into()),
            parent_id: None,
        };
        if let Err(error) = copy.destination.update_page(&update).await {
            failures.push(error.to_string());
        }
    }
    if failures.is_empty() {
        Outcome::copied_with(format!("{} page(s) updated once more", pending.len()))
    } else {
        Outcome::failed(format!(
            "{} of {} page(s) not fixed: {}",
            failures.len(),
            pending.len(),
            failures.join("; ")
        ))
    }
}
