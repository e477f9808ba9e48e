//! Attachments: streamed from the source to a private staging file, then uploaded from it — never
//! held whole in memory, and re-sent from the file when a retry is needed. The staging file is
//! named by confcopy, never by the attachment (a file name is not a safe path).

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;

use crate::client::ClientError;
use crate::client::model::attachment::{AttachmentUpload, UploadMode};
use crate::client::model::content::Container;
use crate::client::model::property::PropertyHolder;
use crate::graph::ContentAt;
use crate::run::CopyError;
use crate::run::context::Copy;
use crate::run::mark::mark;
use crate::run::outcome::Outcome;
use crate::state::{EntityKind, SourceRef, WriteKind};

/// The staging file's write buffer.
const STAGE_BUFFER: usize = 256 * 1024;

pub async fn attachment(copy: &Copy, space: usize, index: usize) -> Outcome {
    let item = &copy.snapshot.spaces[space].attachments[index];
    if !copy.writes() {
        return Outcome::copied_with(match item.size {
            Some(size) => format!("{size} bytes would be copied"),
            None => "would be copied (the source does not give its size)".to_string(),
        });
    }
    let Some(container) = copy.content_id(&item.container_id) else {
        return Outcome::failed("the page it is attached to was not copied");
    };
    let source = SourceRef::new(EntityKind::Attachment, &item.id);
    let node = format!("attachment:{}", item.id);
    if copy.earlier(&source).is_some() {
        return Outcome::Present { detail: "copied by an earlier run".into() };
    }
    // File names are unique per page: an interrupted run may have uploaded some versions. Each
    // upload adds one version, so the copy's version count says where to continue. A run that
    // began from the destination's markers looks too: an earlier run's journal, gone now, may
    // have stopped between two versions (an attachment is marked after its last).
    let mut first_version = 1;
    let mut destination_id = None;
    if copy.recorder.interrupted(&source) || copy.reconciled {
        match already_attached(copy, &item.container_id, &container, &item.file_name).await {
            Ok(Some(found)) if found.versions >= item.versions.max(1) => {
                if let (Some(found), Some(source)) = (found.size, item.size)
                    && found != source
                {
                    return Outcome::failed(format!(
                        "an interrupted run left \"{}\" on the destination with {found} bytes where the \
                         source has {source}: delete that attachment on the destination and run again",
                        item.file_name,
                    ));
                }
                let id = found.id;
                if let Err(error) =
                    mark(copy, &PropertyHolder::Attachment(id.clone()), &source, Some(item.versions)).await
                {
                    return Outcome::failed(format!("found the earlier copy, but {error}"));
                }
                copy.recorder.result(&node, source, &id, Some(item.versions), None);
                copy.map(|m| m.set_attachment(&item.id, &id));
                return Outcome::Present { detail: "uploaded by an interrupted run".into() };
            }
            Ok(Some(found)) => {
                first_version = found.versions + 1;
                destination_id = Some(found.id);
            }
            Ok(None) => {}
            Err(reason) => return Outcome::failed(reason),
        }
    }
    let staging = match tempfile::NamedTempFile::new_in(&copy.work_dir) {
        Ok(file) => file,
        Err(error) => {
            return Outcome::failed(format!(
                "cannot stage the download in {}: {error}",
                copy.work_dir.display()
            ));
        }
    };
    let upload = AttachmentUpload {
        file_name: item.file_name.clone(),
        media_type: item.media_type.clone(),
        comment: item.comment.clone(),
        minor_edit: true,
    };
    if let Err(error) = copy.recorder.intent(&node, WriteKind::UploadAttachment, source.clone()).await {
        return Outcome::failed(error);
    }
    // Every version, oldest first: the first creates the attachment, each next one adds a
    // version to it. Only one version's bytes are staged at a time.
    let mut copied = 0u64;
    let last = item.versions.max(1);
    for version in first_version..=last {
        let wanted = (item.versions > 1).then_some(version);
        // The metadata gives the size of the current version only.
        let declared = if version == last { item.size } else { None };
        let staged = match stage(copy, &item.container_id, &item.id, wanted, declared, staging.path()).await {
            Ok(bytes) => bytes,
            Err(reason) => {
                return Outcome::failed(format!("version {version} of {}: {reason}", item.versions));
            }
        };
        copied += staged;
        let uploaded = if version == 1 {
            copy.destination.upload_attachment_file_reconciled(&container, &upload, staging.path()).await
        } else {
            copy.destination
                .upload_attachment_file(&container, &upload, UploadMode::CreateOrNewVersion, staging.path())
                .await
        };
        match uploaded {
            Ok(uploaded) => {
                let this = uploaded.iter().find(|a| a.title == item.file_name).or(uploaded.first());
                let Some(this) = this else {
                    return Outcome::failed(format!(
                        "version {version} of {}: the destination answered the upload with no attachment",
                        item.versions
                    ));
                };
                destination_id = destination_id.or_else(|| Some(this.id.clone()));
                let stored = match this.file_size() {
                    Some(size) => Some(size),
                    None => match copy.destination.attachments_named(&container, &item.file_name).await {
                        Ok(found) => found.iter().find_map(|a| a.file_size()),
                        Err(error) => {
                            return Outcome::failed(format!(
                                "version {version} of {}: cannot check the uploaded size: {error}",
                                item.versions
                            ));
                        }
                    },
                };
                if let Some(stored) = stored.filter(|&n| n != staged) {
                    return Outcome::failed(format!(
                        "version {version} of {}: the destination stored {stored} bytes of the {staged} \
                         sent (\"{}\" arrived damaged: delete it on the destination and run again)",
                        item.versions, item.file_name
                    ));
                }
            }
            Err(error) if version == 1 && error.is_attachment_name_taken() => {
                return Outcome::Present {
                    detail: format!("\"{}\" is already attached on the destination", item.file_name),
                };
            }
            Err(error) => return Outcome::failed(format!("version {version} of {}: {error}", item.versions)),
        }
    }
    if let Some(id) = destination_id {
        copy.map(|m| m.set_attachment(&item.id, &id));
        if let Err(error) =
            mark(copy, &PropertyHolder::Attachment(id.clone()), &source, Some(item.versions)).await
        {
            // Unrecorded: the next run finds it by its file name (the intent is pending).
            return Outcome::failed(format!("uploaded, but {error}"));
        }
        copy.recorder.result(&node, source, &id, Some(item.versions), None);
    }
    let versions = if item.versions > 1 { format!(" in {} versions", item.versions) } else { String::new() };
    Outcome::copied_with(format!("{copied} bytes{versions}"))
}

/// An attachment an interrupted run left on the destination.
struct Found {
    id: String,
    versions: u64,
    /// The size of its current version, when the site says.
    size: Option<u64>,
}

/// The destination attachment with this file name on the copied page, if there is one.
async fn already_attached(
    copy: &Copy,
    source_container: &str,
    container: &str,
    file_name: &str,
) -> Result<Option<Found>, ClientError> {
    let is_post = matches!(copy.catalogue.content(source_container), Some((_, ContentAt::BlogPost(_))));
    let container = if is_post {
        Container::BlogPost(container.to_string())
    } else {
        Container::Page(container.to_string())
    };
    let mut listed = copy.destination.attachments(&container);
    while let Some(found) = listed.try_next().await? {
        if found.title == file_name {
            let versions = found.version.map_or(1, |v| v.number);
            return Ok(Some(Found { id: found.id, versions, size: found.file_size }));
        }
    }
    Ok(None)
}

/// Streams the attachment's data into the staging file; returns the byte count. With the size
/// the metadata declares for this version, the download is held to it (a site that sends more
/// is stopped) and must reach it (a short or empty answer is an error, never an empty copy).
async fn stage(
    copy: &Copy,
    container: &str,
    id: &str,
    version: Option<u64>,
    declared: Option<u64>,
    path: &std::path::Path,
) -> Result<u64, CopyError> {
    let mut download = copy.source.download_attachment_version(container, id, version).await?;
    if let Some(declared) = declared {
        download = download.limit_to(declared)?;
    }
    // Buffered: each write to a tokio file is a trip to the blocking pool, and a download
    // arrives in small chunks.
    let file = tokio::fs::File::create(path).await.map_err(CopyError::Stage)?;
    let mut file = tokio::io::BufWriter::with_capacity(STAGE_BUFFER, file);
    let mut total = 0u64;
    while let Some(chunk) = download.body.try_next().await? {
        total += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(CopyError::Stage)?;
    }
    file.flush().await.map_err(CopyError::Stage)?;
    if let Some(expected) = download.content_length.filter(|&n| n != total) {
        return Err(CopyError::ShortDownload { got: total, expected });
    }
    if let Some(declared) = declared.filter(|&n| n != total) {
        return Err(CopyError::SizeMismatch { got: total, declared });
    }
    Ok(total)
}
