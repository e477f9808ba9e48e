//! Pages: v2 reads and writes, v1 moves (sibling order).

use futures_util::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use crate::client::error::ClientError;
use crate::client::model::page::{MovePosition, NewPage, Page, PageUpdate, TreeNode};
use crate::client::site::encode_segment as seg;
use crate::client::site_client::SiteClient;

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

    /// Creates a page. A duplicate title answers 400; a 5xx gives an outcome-unknown error.
    /// Without a parent the page goes under the space's homepage, as Confluence does.
    pub async fn create_page(&self, page: &NewPage) -> Result<Page, ClientError> {
        self.create_page_where(page, false).await
    }

    /// Creates a page at the space's root level (beside the homepage) when it has no parent.
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
