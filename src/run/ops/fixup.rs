//! Body preparation (references rewritten for the destination, inline markers lifted out) and the
//! final fix-up pass: one update per page whose references could only be resolved once
//! everything was created.

use futures_util::StreamExt;

use crate::client::model::content::Body;
use crate::client::model::page::PageUpdate;
use crate::graph::ContentAt;
use crate::rewrite::{Context, rewrite as rewrite_body};
use crate::run::CopyError;
use crate::run::context::Copy;
use crate::run::outcome::Outcome;
use crate::snapshot::Content;

/// A body ready to write, and whether it still references content not created yet.
pub struct Prepared {
    pub body: String,
    pub pending: bool,
}

/// What the rewriter needs for a body held by `container`: where it sits and how to resolve.
fn rewriting<'a>(
    copy: &'a Copy,
    space: usize,
    container: &'a Content,
) -> (Context, crate::run::CopyResolver<'a>) {
    let context = Context::new(
        copy.snapshot.spaces[space].key.clone(),
        container.title.clone(),
        copy.source_origins.iter().cloned(),
        copy.destination_origin.clone(),
    );
    (context, copy.resolver(&container.id))
}

/// Rewrites the references of a body held by `container` (a page or blog post of `space`);
/// `owner` is the source id the references are reported under (the container, or a comment).
pub fn rewrite_in(copy: &Copy, space: usize, container: &Content, owner: &str, body: &str) -> Prepared {
    let (context, resolver) = rewriting(copy, space, container);
    let rewritten = off_async(body.len(), || rewrite_body(body, &context, &resolver));
    // A thread anchored on several segments is re-created on its first; the fix-up, which runs
    // after the space's inline threads, marks the rest.
    let pending = rewritten.needs_final_pass() || rewritten.has_split_selection();
    copy.references.lock().unwrap_or_else(|e| e.into_inner()).insert(
        owner.to_string(),
        (owner != container.id).then_some(container.id.as_str()),
        rewritten.reportable().cloned().collect(),
    );
    if owner == container.id && !rewritten.inline_markers.is_empty() {
        copy.markers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(container.id.clone(), rewritten.inline_markers.clone());
    }
    Prepared { body: rewritten.body, pending }
}

/// Bodies up to this size are rewritten in place: moving the work to the rayon pool costs
/// thread hand-offs worth more than the work (about 50 µs for a typical 8 KB page).
const REWRITE_IN_PLACE: usize = 64 * 1024;

/// Runs CPU work on the rayon pool, releasing the async worker thread meanwhile (on a
/// multi-threaded runtime, for bodies over [`REWRITE_IN_PLACE`]; otherwise it runs here).
fn off_async<R: Send>(size: usize, work: impl FnOnce() -> R + Send) -> R {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi && size > REWRITE_IN_PLACE {
        tokio::task::block_in_place(|| rayon::scope(|_| work()))
    } else {
        work()
    }
}

/// Rewrites an earlier version's body without recording its references or markers (the
/// current version's are the ones reported).
pub fn rewrite_quietly(copy: &Copy, space: usize, container: &Content, body: &str) -> String {
    let (context, resolver) = rewriting(copy, space, container);
    off_async(body.len(), || rewrite_body(body, &context, &resolver)).body
}

/// Rewrites a page's or blog post's own body.
pub fn rewrite(copy: &Copy, space: usize, item: &Content, body: &str) -> Prepared {
    rewrite_in(copy, space, item, &item.id, body)
}

/// Updates, once each, the pages of the space whose references could only be resolved now, side
/// by side up to the destination's concurrency.
pub async fn fix_up(copy: &Copy, space: usize) -> Outcome {
    let pending: Vec<String> = copy
        .pending_fixups
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(s, _)| *s == space)
        .map(|(_, id)| id.clone())
        .collect();
    if !copy.writes() {
        return if pending.is_empty() {
            Outcome::copied_with("no reference needed a second pass")
        } else {
            Outcome::copied_with(format!("{} page(s) would be updated once more", pending.len()))
        };
    }
    let concurrency = copy.destination.concurrency();
    let snapshot = &copy.snapshot.spaces[space];
    let fixes: Vec<_> = pending
        .iter()
        .filter_map(|id| match copy.catalogue.content(id)? {
            (s, ContentAt::Page(i)) if s == space => Some(&snapshot.pages[i]),
            (s, ContentAt::BlogPost(i)) if s == space => Some(&snapshot.blog_posts[i]),
            _ => None,
        })
        .map(|item| fix_one(copy, space, item))
        .collect();
    let fixed: Vec<_> =
        futures_util::stream::iter(fixes).buffer_unordered(concurrency.max(1)).collect().await;
    let failures: Vec<String> = fixed.into_iter().filter_map(Result::err).map(|e| e.to_string()).collect();
    if pending.is_empty() {
        Outcome::copied_with("no reference needed a second pass")
    } else if failures.is_empty() {
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

/// Rewrites one page's references again and writes it as the next version. The version the
/// copy was written at is known; only when the destination says it moved on (409) is the page
/// read first.
async fn fix_one(copy: &Copy, space: usize, item: &Content) -> Result<(), CopyError> {
    let Some((target, version)) = copy.mapping.read().unwrap_or_else(|e| e.into_inner()).content(&item.id)
    else {
        return Err(CopyError::NotCopied(item.title.clone()));
    };
    let body = copy.snapshot.spool.get(item.body).map_err(|e| CopyError::Spool(e).of(&item.title))?;
    // Threads posted on the page keep their markers in the body written now.
    crate::run::anchors::learn(copy, item, &body).await.map_err(|e| e.of(&item.title))?;
    let prepared = rewrite(copy, space, item, &body);
    let mut update = PageUpdate {
        id: target.clone(),
        status: item.status.clone(),
        title: item.title.clone(),
        body: Body::storage(prepared.body),
        version_number: version + 1,
        version_message: Some("links to content copied later".into()),
        parent_id: None,
    };
    let first = super::content::update_page(&copy.destination, &update).await;
    let written = match first {
        Err(error) if error.is_conflict() || error.status() == Some(400) => {
            let current = copy.destination.page(&target).await?;
            update.version_number = current.version.as_ref().map_or(1, |v| v.number) + 1;
            update.status = current.status.clone().unwrap_or_else(|| "current".into());
            update.title = current.title.clone();
            copy.destination.update_page(&update).await
        }
        other => other,
    };
    let written = written?;
    let new_version = written.version.map_or(update.version_number, |v| v.number);
    copy.map(|m| m.set_content(&item.id, &target, new_version));
    Ok(())
}
