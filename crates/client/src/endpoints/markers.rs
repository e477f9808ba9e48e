//! v1 listings that carry one property of each item (`expand=metadata.properties.KEY`): how a
//! run finds, in a few requests, which destination content carries confcopy's marker.

use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use serde::Deserialize;

use crate::error::ClientError;
use crate::model::content::Version;
use crate::model::id;
use crate::model::property::ContentProperty;
use crate::pagination::ListStyle;
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

/// One listed item (page, blog post, comment or attachment) with the property asked for.
#[derive(Debug, Clone, Deserialize)]
pub struct MarkedItem {
    #[serde(deserialize_with = "id::id")]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub version: Option<Version>,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    extensions: serde_json::Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    properties: serde_json::Map<String, serde_json::Value>,
}

impl MarkedItem {
    /// A page's place among its siblings (`extensions.position`), when the site gives it as a
    /// number (a string or nothing means none).
    pub fn position(&self) -> Option<i64> {
        super::v1_position(&self.extensions)
    }

    /// The property under `key`, when the item has it (an answer that does not parse as a
    /// property counts as none: the item is then unknown, never someone else's by mistake).
    pub fn property(&self, key: &str) -> Option<ContentProperty> {
        let value = self.metadata.as_ref()?.properties.get(key)?;
        serde_json::from_value(value.clone()).ok()
    }
}

impl SiteClient {
    /// Pages (`kind` = `page`) or blog posts (`blogpost`) of a space, current and archived, each
    /// with its version and the property `key`.
    pub fn marked_content(
        &self,
        space_key: &str,
        kind: &str,
        key: &str,
    ) -> BoxStream<'static, Result<MarkedItem, ClientError>> {
        let operation = format!("list {kind}s of space {space_key} with their markers");
        self.marked_listing(
            operation,
            &[("spaceKey", space_key), ("type", kind), ("status", "current,archived")],
            key,
        )
    }

    /// The page (`kind` = `page`) or blog post (`blogpost`) of a space titled exactly `title`
    /// (current, archived or a draft), with its version and the property `key`: one request
    /// where finding it by title and then reading its property takes two.
    pub async fn marked_by_title(
        &self,
        space_key: &str,
        kind: &str,
        title: &str,
        key: &str,
    ) -> Result<Option<MarkedItem>, ClientError> {
        let operation = format!("find {kind} \"{title}\" in space {space_key} with its marker");
        let filter =
            [("spaceKey", space_key), ("type", kind), ("title", title), ("status", "current,archived,draft")];
        let listed: Vec<MarkedItem> = self.marked_listing(operation, &filter, key).try_collect().await?;
        Ok(listed.into_iter().find(|item| item.title.as_deref() == Some(title)))
    }

    /// The v1 content listing filtered by `filter`, each item with its version and the
    /// property `key` expanded.
    fn marked_listing(
        &self,
        operation: String,
        filter: &[(&str, &str)],
        key: &str,
    ) -> BoxStream<'static, Result<MarkedItem, ClientError>> {
        let expand = format!("version,metadata.properties.{key}");
        let mut query = filter.to_vec();
        query.push(("expand", &expand));
        self.list("/wiki/rest/api/content", operation, &query, ListStyle::Offset)
    }

    /// The comments (footer and inline, replies too: `child` = `comment`) or the attachments
    /// (`attachment`) of a page or blog post, each with the property.
    pub fn marked_children(
        &self,
        content_id: &str,
        child: &str,
        key: &str,
    ) -> BoxStream<'static, Result<MarkedItem, ClientError>> {
        let expand = format!("metadata.properties.{key}");
        let mut query = vec![("expand", expand.as_str())];
        if child == "comment" {
            query.push(("depth", "all"));
        }
        self.list(
            &format!("/wiki/rest/api/content/{}/child/{child}", seg(content_id)),
            format!("list {child}s of content {content_id} with their markers"),
            &query,
            ListStyle::Offset,
        )
    }
}
