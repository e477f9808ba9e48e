//! Pages: v2 reads and writes, v1 creates with properties, v1 moves (sibling order).

use futures_util::stream::BoxStream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::error::ClientError;
use crate::model::content::Version;
use crate::model::id;
use crate::model::label::Label;
use crate::model::page::{MovePosition, NewPage, Page, PageUpdate, TreeNode};
use crate::model::property::NewContentProperty;
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

impl SiteClient {
    /// Pages of a space with their storage bodies, 250 a request. `status` e.g. `current,archived`.
    pub fn pages_in_space(
        &self,
        space_id: &str,
        status: Option<&str>,
    ) -> BoxStream<'static, Result<Page, ClientError>> {
        let mut query = vec![("body-format", "storage")];
        if let Some(status) = status {
            query.push(("status", status));
        }
        self.v2_list(
            &format!("/wiki/api/v2/spaces/{}/pages", seg(space_id)),
            format!("list pages of space {space_id}"),
            &query,
        )
    }

    /// Page titles and tree positions of a space without bodies (cheaper, for inventories).
    pub fn page_summaries_in_space(&self, space_id: &str) -> BoxStream<'static, Result<Page, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/spaces/{}/pages", seg(space_id)),
            format!("list pages of space {space_id}"),
            &[],
        )
    }

    /// One page with its storage body.
    pub async fn page(&self, page_id: &str) -> Result<Page, ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::GET,
                &format!("/wiki/api/v2/pages/{}", seg(page_id)),
                format!("read page {page_id}"),
            )?
            .query("body-format", "storage");
        t.json(&request).await
    }

    /// Direct children of a page (pages, folders, ...), in order.
    pub fn page_children(&self, page_id: &str) -> BoxStream<'static, Result<TreeNode, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/pages/{}/direct-children", seg(page_id)),
            format!("list children of page {page_id}"),
            &[],
        )
    }

    /// Direct children of a folder (pages, folders, ...), in order.
    pub fn folder_children(&self, folder_id: &str) -> BoxStream<'static, Result<TreeNode, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/folders/{}/direct-children", seg(folder_id)),
            format!("list children of folder {folder_id}"),
            &[],
        )
    }

    /// The pages at a space's root level (no bodies), with their positions.
    pub fn root_pages_in_space(&self, space_id: &str) -> BoxStream<'static, Result<Page, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/spaces/{}/pages", seg(space_id)),
            format!("list root-level pages of space {space_id}"),
            &[("depth", "root")],
        )
    }

    /// All descendants of a page.
    pub fn page_descendants(&self, page_id: &str) -> BoxStream<'static, Result<TreeNode, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/pages/{}/descendants", seg(page_id)),
            format!("list descendants of page {page_id}"),
            &[],
        )
    }

    /// Creates a page (v2). A duplicate title answers 400; a 5xx gives an outcome-unknown error.
    /// Without a parent the page goes under the space's homepage, as Confluence does. confcopy
    /// itself creates pages with [`create_page_marked`](Self::create_page_marked).
    pub async fn create_page(&self, page: &NewPage) -> Result<Page, ClientError> {
        self.create_page_where(page, false).await
    }

    /// Creates a page at the space's root level (beside the homepage) when it has no parent:
    /// the v2 route, for a site that no longer offers the v1 create.
    pub async fn create_page_at_root(&self, page: &NewPage) -> Result<Page, ClientError> {
        self.create_page_where(page, page.parent_id.is_none()).await
    }

    async fn create_page_where(&self, page: &NewPage, root_level: bool) -> Result<Page, ClientError> {
        let t = self.transport();
        let mut request = t
            .request(
                Method::POST,
                "/wiki/api/v2/pages",
                format!("create page \"{}\" in space {}", page.title, page.space_id),
            )?
            .json(page);
        if root_level {
            request = request.query("root-level", "true");
        }
        t.json(&request).await
    }

    /// Creates a page carrying `property` from the start, in one request (v1
    /// `POST /wiki/rest/api/content` with `metadata.properties`): a page without a parent goes
    /// to the space's root level, beside the homepage.
    /// `space_key` is the key of `page.space_id`'s space (v1 names spaces by key). The v1
    /// answer is read into a [`Page`]: id, status, title, version, the space and parent the
    /// page was created in, and its sibling position (`extensions.position`). Errors as
    /// `create_page`: a duplicate title answers 400 ("already exists"), a lost answer is an
    /// outcome-unknown error.
    ///
    /// `labels` go in the same request (`metadata.labels`), and the answer is asked to list the
    /// page's labels: the `bool` says whether it lists every one of them (a site that ignores
    /// them on create leaves them to [`add_labels`](Self::add_labels)).
    pub async fn create_page_marked(
        &self,
        page: &NewPage,
        property: &NewContentProperty,
        space_key: &str,
        labels: &[Label],
    ) -> Result<(Page, bool), ClientError> {
        let t = self.transport();
        let mut body = json!({
            "type": "page",
            "title": page.title,
            "space": {"key": space_key},
            "status": page.status,
            "body": {"storage": {"value": page.body.value, "representation": page.body.representation}},
            "metadata": {"properties": {property.key.as_str(): {"key": property.key, "value": property.value}}},
        });
        if let Some(parent_id) = &page.parent_id {
            body["ancestors"] = json!([{"id": parent_id}]);
        }
        if !labels.is_empty() {
            body["metadata"]["labels"] = labels
                .iter()
                .map(|l| json!({"prefix": l.prefix.as_deref().unwrap_or("global"), "name": l.name}))
                .collect();
        }
        let mut request = t
            .request(
                Method::POST,
                "/wiki/rest/api/content",
                format!("create page \"{}\" in space {space_key}", page.title),
            )?
            .json(&body);
        if !labels.is_empty() {
            request = request.query("expand", "metadata.labels");
        }
        let created: V1Content = t.json(&request).await?;
        let listed = created.labels();
        let labelled = labels.iter().all(|l| listed.iter().any(|name| name.eq_ignore_ascii_case(&l.name)));
        Ok((created.into_page(page), labelled))
    }

    /// Updates a page; `version_number` must be the current one + 1 (else 409).
    pub async fn update_page(&self, update: &PageUpdate) -> Result<Page, ClientError> {
        let t = self.transport();
        let mut body = json!({
            "id": update.id,
            "status": update.status,
            "title": update.title,
            "body": update.body,
            "version": { "number": update.version_number, "message": update.version_message },
        });
        if let Some(parent_id) = &update.parent_id {
            body["parentId"] = json!(parent_id);
        }
        let request = t
            .request(
                Method::PUT,
                &format!("/wiki/api/v2/pages/{}", seg(&update.id)),
                format!("update page {} to version {}", update.id, update.version_number),
            )?
            .json(&body);
        t.json(&request).await
    }

    /// Moves a page before or after a sibling, or appends it to a parent (v1).
    pub async fn move_page(
        &self,
        page_id: &str,
        position: MovePosition,
        target_id: &str,
    ) -> Result<(), ClientError> {
        let t = self.transport();
        let request = t.request(
            Method::PUT,
            &format!("/wiki/rest/api/content/{}/move/{}/{}", seg(page_id), position.as_str(), seg(target_id)),
            format!("move page {page_id} {} {target_id}", position.as_str()),
        )?;
        t.send(&request).await.map(drop)
    }
}

/// What confcopy reads of a v1 Content answer.
#[derive(Debug, Deserialize)]
struct V1Content {
    #[serde(deserialize_with = "id::id")]
    id: String,
    status: Option<String>,
    title: String,
    version: Option<V1Version>,
    #[serde(default)]
    ancestors: Vec<V1Ancestor>,
    #[serde(default)]
    extensions: serde_json::Value,
    #[serde(default)]
    metadata: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct V1Version {
    number: u64,
    when: Option<String>,
    message: Option<String>,
    #[serde(rename = "minorEdit")]
    minor_edit: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct V1Ancestor {
    #[serde(deserialize_with = "id::id")]
    id: String,
}

impl V1Content {
    /// The label names the answer lists (`metadata.labels.results[].name`), when it was asked to.
    fn labels(&self) -> Vec<&str> {
        let results = self.metadata.get("labels").and_then(|l| l.get("results"));
        results
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items.iter().filter_map(|l| l.get("name").and_then(serde_json::Value::as_str)).collect()
            })
            .unwrap_or_default()
    }

    /// The page as v2 would have answered it, where v1 says as much; the space and parent are
    /// the ones it was created in (the last ancestor, when the answer lists them).
    fn into_page(self, sent: &NewPage) -> Page {
        let position = super::v1_position(&self.extensions);
        Page {
            id: self.id,
            status: self.status,
            title: self.title,
            space_id: Some(sent.space_id.clone()),
            parent_id: self.ancestors.into_iter().last().map(|a| a.id).or_else(|| sent.parent_id.clone()),
            parent_type: None,
            position,
            author_id: None,
            owner_id: None,
            created_at: None,
            version: self.version.map(|v| Version {
                number: v.number,
                created_at: v.when,
                author_id: None,
                message: v.message,
                minor_edit: v.minor_edit,
            }),
            body: None,
            links: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::content::Body;

    fn sent(parent: Option<&str>) -> NewPage {
        NewPage {
            space_id: "42".into(),
            status: "current".into(),
            title: "T".into(),
            parent_id: parent.map(str::to_string),
            body: Body::storage("<p/>"),
        }
    }

    #[test]
    fn a_v1_answer_reads_as_the_page_it_created() {
        let answer: V1Content = serde_json::from_value(json!({
            "id": "77", "type": "page", "status": "current", "title": "T",
            "version": {"number": 1, "when": "2026-01-01T00:00:00Z", "minorEdit": false},
            "ancestors": [{"id": "5"}, {"id": "9"}],
            "extensions": {"position": 3},
        }))
        .unwrap();
        let page = answer.into_page(&sent(Some("9")));
        assert_eq!(page.id, "77");
        assert_eq!(page.space_id.as_deref(), Some("42"));
        assert_eq!(page.parent_id.as_deref(), Some("9"));
        assert_eq!(page.position, Some(3));
        assert_eq!(page.version.map(|v| v.number), Some(1));
    }

    #[test]
    fn without_ancestors_or_a_numeric_position_the_request_says_where_it_went() {
        let answer: V1Content = serde_json::from_value(json!({
            "id": 78, "status": "current", "title": "T", "version": {"number": 1},
            "extensions": {"position": "none"},
        }))
        .unwrap();
        let page = answer.into_page(&sent(Some("9")));
        assert_eq!(page.id, "78");
        assert_eq!(page.parent_id.as_deref(), Some("9"));
        assert_eq!(page.position, None);
        let answer: V1Content =
            serde_json::from_value(json!({"id": "79", "title": "T", "status": "current"})).unwrap();
        assert_eq!(answer.into_page(&sent(None)).parent_id, None);
    }
}
