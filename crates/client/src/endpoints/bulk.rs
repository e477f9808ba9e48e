//! Site-wide and expanded listings, so that reading a large space costs one request per 250
//! items instead of one per page: every footer or inline comment, every attachment, and v1
//! content with its restrictions expanded.

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;

use crate::error::ClientError;
use crate::model::attachment::Attachment;
use crate::model::comment::Comment;
use crate::model::restriction::OperationRestrictions;
use crate::pagination::ListStyle;
use crate::site_client::SiteClient;

use super::CommentKind;

/// A page or blog post with the restrictions of its operations (v1 `expand=restrictions...`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RestrictedContent {
    #[serde(deserialize_with = "crate::model::id::id")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub restrictions: Option<RestrictionsByOperation>,
    #[serde(default)]
    pub metadata: Option<ContentMetadata>,
}

/// v1 `metadata` with `expand=metadata.labels`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContentMetadata {
    #[serde(default)]
    pub labels: Option<crate::model::restriction::Listed<crate::model::label::Label>>,
}

impl RestrictedContent {
    /// The content's labels, when they were expanded.
    pub fn labels(&self) -> &[crate::model::label::Label] {
        self.metadata.as_ref().and_then(|m| m.labels.as_ref()).map_or(&[], |l| l.results.as_slice())
    }
}

/// v1 `restrictions` keyed by operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RestrictionsByOperation {
    pub read: Option<OperationRestrictions>,
    pub update: Option<OperationRestrictions>,
}

const RESTRICTIONS_EXPAND: &str = "restrictions.read.restrictions.user,restrictions.read.restrictions.group,\
restrictions.update.restrictions.user,restrictions.update.restrictions.group,metadata.labels";

impl SiteClient {
    /// Every footer or inline comment of the site (roots and replies), with storage bodies.
    pub fn all_comments(&self, kind: CommentKind) -> BoxStream<'static, Result<Comment, ClientError>> {
        let collection = match kind {
            CommentKind::Footer => "footer-comments",
            CommentKind::Inline => "inline-comments",
        };
        self.v2_list(
            &format!("/wiki/api/v2/{collection}"),
            format!("list every {collection} of the site"),
            &[("body-format", "storage")],
        )
    }

    /// Every attachment of the site (metadata).
    pub fn all_attachments(&self) -> BoxStream<'static, Result<Attachment, ClientError>> {
        self.v2_list("/wiki/api/v2/attachments", "list every attachment of the site".to_string(), &[])
    }

    /// Pages or blog posts of a space (v1 `type` = `page` | `blogpost`) with read and update
    /// restrictions expanded. With `admin_key`, restricted content a product admin could not
    /// otherwise see is listed too (the admin key must have been enabled first).
    pub fn restricted_content(
        &self,
        space_key: &str,
        kind: &str,
        admin_key: bool,
    ) -> BoxStream<'static, Result<RestrictedContent, ClientError>> {
        let t = self.transport();
        let request = t.request(
            reqwest::Method::GET,
            "/wiki/rest/api/content",
            format!("list {kind} restrictions of space {space_key}"),
        );
        match request {
            Ok(request) => {
                let mut request = request
                    .query("spaceKey", space_key)
                    .query("type", kind)
                    .query("expand", RESTRICTIONS_EXPAND)
                    .query("limit", "250");
                request.admin_key = admin_key;
                crate::pagination::items(t.clone(), request, ListStyle::Offset)
            }
            Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
        }
    }

    /// Every attachment of the site, including those on restricted content, through the admin key.
    pub fn all_attachments_with_admin_key(&self) -> BoxStream<'static, Result<Attachment, ClientError>> {
        let t = self.transport();
        match t.request(
            reqwest::Method::GET,
            "/wiki/api/v2/attachments",
            "list every attachment of the site (admin key)",
        ) {
            Ok(request) => {
                let mut request = request.query("limit", "250");
                request.admin_key = true;
                crate::pagination::items(t.clone(), request, ListStyle::Cursor)
            }
            Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
        }
    }
}

/// A space as v1 answers `GET /space/{key}`, which also finds a space by a key it used to have.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SpaceByKey {
    #[serde(deserialize_with = "crate::model::id::id")]
    pub id: String,
    pub key: String,
    pub name: String,
}

impl SiteClient {
    /// The space that has, or had, this key; `None` when no space answers to it.
    pub async fn space_holding_key(&self, key: &str) -> Result<Option<SpaceByKey>, ClientError> {
        let t = self.transport();
        let request = t.request(
            reqwest::Method::GET,
            &format!("/wiki/rest/api/space/{}", crate::site::encode_segment(key)),
            format!("look up space key {key}"),
        )?;
        match t.json(&request).await {
            Ok(space) => Ok(Some(space)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl SiteClient {
    /// The page (`pages`) or blog post (`blogposts`) with this exact title in a space, if any:
    /// titles are unique per space, which makes them the natural key to find earlier copies.
    pub async fn content_by_title(
        &self,
        collection: &str,
        space_id: &str,
        title: &str,
    ) -> Result<Option<crate::model::page::Page>, ClientError> {
        let listed: Vec<crate::model::page::Page> = self
            .v2_list(
                &format!("/wiki/api/v2/{collection}"),
                format!("find \"{title}\" in space {space_id}"),
                &[("space-id", space_id), ("title", title), ("status", "current,archived,draft")],
            )
            .try_collect()
            .await?;
        Ok(listed.into_iter().find(|p| p.title == title))
    }
}

impl SiteClient {
    /// Adds labels to a space (v1 `POST /space/{key}/label`); adding a label twice changes nothing.
    pub async fn add_space_labels(&self, space_key: &str, labels: &[String]) -> Result<(), ClientError> {
        let t = self.transport();
        let body: Vec<serde_json::Value> =
            labels.iter().map(|name| serde_json::json!({ "prefix": "global", "name": name })).collect();
        let request = t
            .request(
                reqwest::Method::POST,
                &format!("/wiki/rest/api/space/{}/label", crate::site::encode_segment(space_key)),
                format!("label space {space_key}"),
            )?
            .json(&body)
            .safe_to_repeat();
        t.send(&request).await.map(drop)
    }
}

/// A folder (v2): a container of pages in the page tree.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    #[serde(deserialize_with = "crate::model::id::id")]
    pub id: String,
    pub title: String,
    #[serde(default, deserialize_with = "crate::model::id::opt_id")]
    pub parent_id: Option<String>,
    pub parent_type: Option<String>,
    pub position: Option<i64>,
}

impl SiteClient {
    /// One folder.
    pub async fn folder(&self, folder_id: &str) -> Result<Folder, ClientError> {
        let t = self.transport();
        let request = t.request(
            reqwest::Method::GET,
            &format!("/wiki/api/v2/folders/{}", crate::site::encode_segment(folder_id)),
            format!("read folder {folder_id}"),
        )?;
        t.json(&request).await
    }

    /// Creates a folder in a space, under a page or folder, or at the root level.
    pub async fn create_folder(
        &self,
        space_id: &str,
        title: &str,
        parent_id: Option<&str>,
    ) -> Result<Folder, ClientError> {
        let t = self.transport();
        let mut body = serde_json::json!({ "spaceId": space_id, "title": title });
        if let Some(parent) = parent_id {
            body["parentId"] = serde_json::json!(parent);
        }
        let request = t
            .request(
                reqwest::Method::POST,
                "/wiki/api/v2/folders",
                format!("create folder \"{title}\" in space {space_id}"),
            )?
            .json(&body);
        t.json(&request).await
    }
}

/// One version of a page (v2 `GET /pages/{id}/versions?body-format=storage`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageVersion {
    pub number: u64,
    #[serde(default)]
    pub page: Option<VersionedPage>,
}

/// The page as it was at one version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VersionedPage {
    pub title: Option<String>,
    pub body: Option<crate::model::content::Bodies>,
}

impl SiteClient {
    /// Every version of a page with its storage body, newest first (250 a request).
    pub fn page_versions(&self, page_id: &str) -> BoxStream<'static, Result<PageVersion, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/pages/{}/versions", crate::site::encode_segment(page_id)),
            format!("list versions of page {page_id}"),
            &[("body-format", "storage")],
        )
    }
}
