//! Attachments: v2 metadata, v1 upload answers.

use serde::Deserialize;

use super::content::{Links, Version};
use super::id;

/// Attachment metadata (v2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub status: Option<String>,
    pub title: String,
    pub media_type: Option<String>,
    pub file_size: Option<u64>,
    pub file_id: Option<String>,
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub page_id: Option<String>,
    #[serde(default, deserialize_with = "id::opt_id")]
    pub blog_post_id: Option<String>,
    pub created_at: Option<String>,
    pub version: Option<Version>,
    pub download_link: Option<String>,
    #[serde(rename = "_links")]
    pub links: Option<Links>,
}

/// An attachment as v1 answers an upload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UploadedAttachment {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub extensions: Option<UploadedExtensions>,
}

impl UploadedAttachment {
    /// The size of the current version as the site stored it, when it says.
    pub fn file_size(&self) -> Option<u64> {
        self.extensions.as_ref().and_then(|e| e.file_size)
    }
}

/// The part of a v1 attachment's `extensions` an upload is checked against.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedExtensions {
    #[serde(default)]
    pub file_size: Option<u64>,
}

/// The v1 upload answer: `{results:[...]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadResult {
    #[serde(default)]
    pub results: Vec<UploadedAttachment>,
}

/// What an upload sends besides the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentUpload {
    pub file_name: String,
    /// e.g. `image/png`; `application/octet-stream` when unknown.
    pub media_type: Option<String>,
    pub comment: Option<String>,
    pub minor_edit: bool,
}

/// POST creates a new attachment (fails if the name exists); PUT creates or adds a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadMode {
    Create,
    CreateOrNewVersion,
}
