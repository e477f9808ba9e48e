//! Listings that read every page or blog post once, with all the inventory needs: v1 content
//! with the storage body, creator, last editor, status, space, ancestors, read and update
//! restrictions and labels expanded, 250 a request.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Deserialize;

use super::RestrictionsByOperation;
use crate::error::ClientError;
use crate::pagination::ListStyle;
use crate::site_client::SiteClient;

/// A page or blog post as the expanded v1 content listing answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedContent {
    #[serde(deserialize_with = "crate::model::id::id")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub space: Option<ListedSpace>,
    #[serde(default)]
    pub body: Option<ListedBody>,
    #[serde(default)]
    pub version: Option<ListedVersion>,
    #[serde(default)]
    pub history: Option<ListedHistory>,
    /// Root first, direct parent last.
    #[serde(default)]
    pub ancestors: Vec<ListedAncestor>,
    #[serde(default)]
    pub restrictions: Option<RestrictionsByOperation>,
    #[serde(default)]
    pub metadata: Option<super::bulk::ContentMetadata>,
}

/// v1 `space` (expanded).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedSpace {
    #[serde(default, deserialize_with = "crate::model::id::opt_id")]
    pub id: Option<String>,
    pub key: Option<String>,
}

/// v1 `body` with `body.storage` expanded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedBody {
    pub storage: Option<ListedStorage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedStorage {
    pub value: Option<String>,
}

/// A v1 user reference; only the account id matters here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedPerson {
    #[serde(rename = "accountId")]
    pub account_id: Option<String>,
}

/// v1 `version`: `by` is the last editor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedVersion {
    pub by: Option<ListedPerson>,
}

/// v1 `history`: `createdBy` is the author.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedHistory {
    #[serde(rename = "createdBy")]
    pub created_by: Option<ListedPerson>,
}

/// v1 `ancestors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedAncestor {
    #[serde(deserialize_with = "crate::model::id::id")]
    pub id: String,
    /// With `ancestors.restrictions...` expanded.
    #[serde(default)]
    pub restrictions: Option<RestrictionsByOperation>,
}

impl ListedContent {
    pub fn storage(&self) -> Option<&str> {
        self.body.as_ref()?.storage.as_ref()?.value.as_deref()
    }

    pub fn author_id(&self) -> Option<&str> {
        self.history.as_ref()?.created_by.as_ref()?.account_id.as_deref()
    }

    pub fn editor_id(&self) -> Option<&str> {
        self.version.as_ref()?.by.as_ref()?.account_id.as_deref()
    }

    pub fn space_key(&self) -> Option<&str> {
        self.space.as_ref()?.key.as_deref()
    }

    /// The content's labels (`metadata.labels`, expanded by the listing).
    pub fn labels(&self) -> &[crate::model::label::Label] {
        self.metadata.as_ref().and_then(|m| m.labels.as_ref()).map_or(&[], |l| l.results.as_slice())
    }
}

const LISTING_EXPAND: &str = "body.storage,version,history,ancestors,space,\
ancestors.restrictions.read.restrictions.user,ancestors.restrictions.read.restrictions.group,\
restrictions.read.restrictions.user,restrictions.read.restrictions.group,\
restrictions.update.restrictions.user,restrictions.update.restrictions.group,metadata.labels";

impl SiteClient {
    /// Pages or blog posts (v1 `type` = `page` | `blogpost`) of one space, or of the whole site
    /// when `space_key` is `None`, in the given statuses (comma list), each with everything the
    /// inventory reads. With `admin_key`, content that restrictions hide from the caller is
    /// listed too (the admin key must have been enabled first).
    pub fn content_listing(
        &self,
        space_key: Option<&str>,
        kind: &str,
        statuses: &str,
        admin_key: bool,
    ) -> BoxStream<'static, Result<ListedContent, ClientError>> {
        let t = self.transport();
        let what = match space_key {
            Some(key) => format!("list {kind}s of space {key}"),
            None => format!("list {kind}s of the site"),
        };
        match t.request(reqwest::Method::GET, "/wiki/rest/api/content", what) {
            Ok(request) => {
                let mut request = request
                    .query("type", kind)
                    .query("status", statuses)
                    .query("expand", LISTING_EXPAND)
                    .query("limit", "250");
                if let Some(key) = space_key {
                    request = request.query("spaceKey", key);
                }
                request.admin_key = admin_key;
                crate::pagination::items(t.clone(), request, ListStyle::Offset)
            }
            Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
        }
    }
}
