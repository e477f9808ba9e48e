//! Attachments: streamed from the source to a private staging file, then uploaded from it — never
//! held whole in memory, and re-sent from the file when a retry is needed. The staging file is
//! named by confcopy, never by the attachment (a file name is not a safe path).

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;

use crate::client::model::attachment::{AttachmentUpload, UploadMode};
use crate::run::context::Copy;
use crate::run::outcome::Outcome;

pub async fn attachment(copy: &Copy, space: usize, index: usize) -> Outcome {
    let item = &copy.snapshot.spaces[space].attachments[index];
    if !copy.writes() {
        return Outcome::copied_with(format!("{} bytes would be copied", item.size));
    }
    let Some(container) = copy.content_id(&item.container_id) else {
        return Outcome::failed("the page it is attached to was not copied");
    };
    let staging = match tempfile::NamedTempFile::new_in(&copy.work_dir) {
        Ok(file) => file,
        Err(error) => {
            return Outcome::failed(format!(
                "cannot stage the download in {}: {error}",
                copy.work_dir.display()
            ));
        }
    };
    let copied = match stage(copy, &item.container_id, &item.id, staging.path()).await {
        Ok(bytes) => bytes,
        Err(reason) => return Outcome::failed(reason),
    };
    let upload = AttachmentUpload {
        file_name: item.file_name.clone(),
        media_type: item.media_type.clone(),
        comment: item.comment.clone(),
        minor_edit: true,
    };
    match copy
        .destination
        .upload_attachment_file(&container, &upload, UploadMode::Create, staging.path())
        .await
    {
        Ok(uploaded) => {
            if let Some(first) = uploaded.first() {
                copy.map(|m| m.attachments.insert(item.id.clone(), first.id.clone()));
            }
            Outcome::copied_with(format!("{copied} bytes"))
        }
        Err(error)
            if error.status() == Some(400) && error.to_string().to_lowercase().contains("same file name") =>
        {
            Outcome::Present {
                detail: format!("\"{}\" is already attached on the destination", item.file_name),
            }
        }
        Err(error) => Outcome::failed(error.to_string()),
    }
}

/// Streams the attachment's data into the staging file; returns the byte count.
async fn stage(copy: &Copy, container: &str, id: &str, path: &std::path::Path) -> Result<u64, String> {
    let mut download = copy.source.download_attachment(container, id).await.map_err(|e| e.to_string())?;
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
