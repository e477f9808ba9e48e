//! Attachments: streamed from the source to a private staging file, then uploaded from it — never
//! held whole in memory, and re-sent from the file when a retry is needed. The staging file is
//! named by confcopy, never by the attachment (a file name is not a safe path).

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;

use crate::client::model::attachment::{AttachmentUpload, UploadMode};
use crate::client::model::content::Container;
use crate::run::context::Copy;
use crate::run::outcome::Outcome;
use crate::state::{EntityKind, SourceRef, WriteKind};

pub async fn attachment(copy: &Copy, space: usize, index: usize) -> Outcome {
    let item = &copy.snapshot.spaces[space].attachments[index];
    if !copy.writes() {
        return Outcome::copied_with(format!("{} bytes would be copied", item.size));
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
    // upload adds one version, so the copy's version count says where to continue.
    let mut first_version = 1;
    let mut destination_id = None;
    if copy.recorder.interrupted(&source) {
        match already_attached(copy, &item.container_id, &container, &item.file_name).await {
            Ok(Some((id, versions))) if versions >= item.versions.max(1) => {
                copy.recorder.result(&node, source, &id, Some(item.versions), None);
                copy.map(|m| m.attachments.insert(item.id.clone(), id));
                return Outcome::Present { detail: "uploaded by an interrupted run".into() };
            }
            Ok(Some((id, versions))) => {
                first_version = versions + 1;
                destination_id = Some(id);
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
    if let Err(error) = copy.recorder.intent(&node, WriteKind::UploadAttachment, source.clone()) {
        return Outcome::failed(error);
    }
    // Every version, oldest first: the first creates the attachment, each next one adds a
    // version to it. Only one version's bytes are staged at a time.
    let mut copied = 0u64;
    for version in first_version..=item.versions.max(1) {
        let wanted = (item.versions > 1).then_some(version);
        copied += match stage(copy, &item.container_id, &item.id, wanted, staging.path()).await {
            Ok(bytes) => bytes,
            Err(reason) => return Outcome::failed(reason),
        };
        let uploaded = if version == 1 {
            copy.destination.upload_attachment_file_reconciled(&container, &upload, staging.path()).await
        } else {
            copy.destination
                .upload_attachment_file(&container, &upload, UploadMode::CreateOrNewVersion, staging.path())
                .await
        };
        match uploaded {
            Ok(uploaded) => {
                destination_id = destination_id.or_else(|| uploaded.first().map(|a| a.id.clone()))
            }
            Err(error)
                if version == 1
                    && error.status() == Some(400)
                    && error.to_string().to_lowercase().contains("same file name") =>
            {
                return Outcome::Present {
                    detail: format!("\"{}\" is already attached on the destination", item.file_name),
                };
            }
            Err(error) => return Outcome::failed(format!("version {version} of {}: {error}", item.versions)),
        }
    }
    if let Some(id) = destination_id {
        copy.recorder.result(&node, source, &id, Some(item.versions), None);
        copy.map(|m| m.attachments.insert(item.id.clone(), id));
    }
    let versions = if item.versions > 1 { format!(" in {} versions", item.versions) } else { String::new() };
    Outcome::copied_with(format!("{copied} bytes{versions}"))
}

/// The destination attachment with this file name on the copied page, and how many versions it
/// has, if there is one.
async fn already_attached(
    copy: &Copy,
    source_container: &str,
    container: &str,
    file_name: &str,
) -> Result<Option<(String, u64)>, String> {
    let is_post = copy.snapshot.spaces.iter().any(|s| s.blog_posts.iter().any(|p| p.id == source_container));
    let container = if is_post {
        Container::BlogPost(container.to_string())
    } else {
        Container::Page(container.to_string())
    };
    let mut listed = copy.destination.attachments(&container);
    while let Some(found) = listed.try_next().await.map_err(|e| e.to_string())? {
        if found.title == file_name {
            return Ok(Some((found.id, found.version.map_or(1, |v| v.number))));
        }
    }
    Ok(None)
}

/// Streams the attachment's data into the staging file; returns the byte count.
async fn stage(
    copy: &Copy,
    container: &str,
    id: &str,
    version: Option<u64>,
    path: &std::path::Path,
) -> Result<u64, String> {
    let mut download =
        copy.source.download_attachment_version(container, id, version).await.map_err(|e| e.to_string())?;
    let mut file =
        tokio::fs::File::create(path).await.map_err(|e| format!("cannot stage the download: {e}"))?;
    let mut total = 0u64;
    while let Some(chunk) = download.body.try_next().await.map_err(|e| e.to_string())? {
        total += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(|e| format!("cannot stage the download: {e}"))?;
    }
    file.flush().await.map_err(|e| format!("cannot stage the download: {e}"))?;
    if let Some(expected) = download.content_length.filter(|&n| n != total) {
        return Err(format!("the download ended after {total} of {expected} bytes"));
    }
    Ok(total)
}
