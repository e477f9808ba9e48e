//! Writing confcopy's marker (see [`reconcile::marker`](crate::reconcile::marker)) on what the
//! run creates, and reading it back where a run must tell its own copy from someone else's.

use futures_util::TryStreamExt;

use crate::client::ClientError;
use crate::client::model::property::{ContentProperty, PropertyHolder};
use crate::reconcile::{MARKER_KEY, Origin};
use crate::run::CopyError;
use crate::run::context::Copy;
use crate::state::SourceRef;

/// The marker this run writes for `source`.
pub fn origin(copy: &Copy, source: &SourceRef, version: Option<u64>) -> Origin {
    let origin =
        Origin::new(copy.recorder.source_site(), source, &copy.plan_name, copy.recorder.run().as_str());
    match version {
        Some(version) => origin.at_version(version),
        None => origin,
    }
}

/// The marker property on `holder`, if any.
async fn marker_on(copy: &Copy, holder: &PropertyHolder) -> Result<Option<ContentProperty>, ClientError> {
    let found: Vec<ContentProperty> =
        copy.destination.properties(holder, Some(MARKER_KEY)).try_collect().await?;
    Ok(found.into_iter().find(|p| p.key == MARKER_KEY))
}

/// Whether `holder` carries a marker naming `source` of this plan's source site; `None` when
/// it carries no marker at all.
pub async fn names(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
) -> Result<Option<bool>, CopyError> {
    let found = marker_on(copy, holder).await?;
    Ok(found.map(|p| Origin::parse(&p.value).is_some_and(|o| o.names(copy.recorder.source_site(), source))))
}

/// Marks a copy the run just made (or found after an interruption) as the copy of `source` at
/// source `version`. A marker already there is brought up to date; a create whose answer was
/// lost is looked for before it is sent again.
pub async fn mark(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
    version: Option<u64>,
) -> Result<(), CopyError> {
    if !copy.writes() {
        return Ok(());
    }
    let wanted = origin(copy, source, version).property();
    let failed = CopyError::MarkerWrite;
    for attempt in 1..=MARK_ATTEMPTS {
        match copy.destination.create_property(holder, &wanted).await {
            Ok(_) => return Ok(()),
            Err(error)
                if attempt < MARK_ATTEMPTS && (error.is_outcome_unknown() || error.status() == Some(400)) =>
            {
                // Made already (by the lost answer, or an earlier run): keep it if it says the
                // same, update it if it is out of date.
                match marker_on(copy, holder).await {
                    Ok(Some(existing)) => return up_to_date(copy, holder, source, version, existing).await,
                    Ok(None) if error.is_outcome_unknown() => continue,
                    Ok(None) => return Err(failed(error)),
                    Err(lookup) => return Err(failed(lookup)),
                }
            }
            Err(error) => return Err(failed(error)),
        }
    }
    Err(CopyError::MarkerLost(MARK_ATTEMPTS))
}

/// How many times a marker write whose answer was lost is sent (each time after looking for it).
const MARK_ATTEMPTS: u32 = 6;

/// Keeps `existing`, the marker on `holder`, if it says `source` at `version`; else updates it
/// to say so.
async fn up_to_date(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
    version: Option<u64>,
    existing: ContentProperty,
) -> Result<(), CopyError> {
    let same = Origin::parse(&existing.value)
        .is_some_and(|o| o.names(copy.recorder.source_site(), source) && o.source_version == version);
    if same {
        return Ok(());
    }
    let wanted = origin(copy, source, version).property();
    let next = existing.version.as_ref().map_or(1, |v| v.number) + 1;
    copy.destination
        .update_property(holder, &existing.id, &wanted, next)
        .await
        .map(|_| ())
        .map_err(CopyError::MarkerWrite)
}

/// Brings the marker of a copy made marked (at an earlier source version than it holds now)
/// up to `version`: one read and one update; a copy without a marker is marked.
pub async fn advance(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
    version: Option<u64>,
) -> Result<(), CopyError> {
    if !copy.writes() {
        return Ok(());
    }
    match marker_on(copy, holder).await {
        Ok(found) => settle(copy, holder, source, version, found).await,
        Err(error) => Err(CopyError::MarkerRead(error)),
    }
}

/// [`advance`], with the marker on `holder` already read (`found`, `None` when it has none):
/// kept when it says `source` at `version`, updated when it says anything else, written when
/// there is none.
pub async fn settle(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
    version: Option<u64>,
    found: Option<ContentProperty>,
) -> Result<(), CopyError> {
    if !copy.writes() {
        return Ok(());
    }
    match found {
        Some(existing) => up_to_date(copy, holder, source, version, existing).await,
        None => mark(copy, holder, source, version).await,
    }
}

/// The source version the marker on `holder` says the copy of `source` holds; `None` when it
/// carries no marker naming `source`, or one without a version.
pub async fn marked_version(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
) -> Result<Option<u64>, CopyError> {
    let found = marker_on(copy, holder).await?;
    Ok(found
        .and_then(|p| Origin::parse(&p.value))
        .filter(|o| o.names(copy.recorder.source_site(), source))
        .and_then(|o| o.source_version))
}

/// Makes sure `holder`, found as the copy of `source`, carries its marker: reads it first, so a
/// copy already marked costs no write. One marked for another entity is refused.
pub async fn ensure_marked(
    copy: &Copy,
    holder: &PropertyHolder,
    source: &SourceRef,
    version: Option<u64>,
) -> Result<(), CopyError> {
    match names(copy, holder, source).await? {
        Some(true) => Ok(()),
        None => mark(copy, holder, source, version).await,
        Some(false) => Err(CopyError::ForeignMarker { holder: holder.to_string(), entity: source.clone() }),
    }
}
