//! Page restrictions (v1).

use reqwest::Method;

use crate::error::ClientError;
use crate::model::restriction::{ContentRestrictions, RestrictionUpdate};
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

impl SiteClient {
    /// Read and update restrictions of content, with users and groups expanded.
    pub async fn restrictions(&self, content_id: &str) -> Result<ContentRestrictions, ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::GET,
                &format!("/wiki/rest/api/content/{}/restriction", seg(content_id)),
                format!("read restrictions of content {content_id}"),
            )?
            .query("expand", "restrictions.user,restrictions.group");
        t.json(&request).await
    }

    /// Replaces the restrictions of content (PUT: repeatable).
    pub async fn set_restrictions(
        &self,
        content_id: &str,
        restrictions: &[RestrictionUpdate],
    ) -> Result<(), ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::PUT,
                &format!("/wiki/rest/api/content/{}/restriction", seg(content_id)),
                format!("set restrictions of content {content_id}"),
            )?
            .json(restrictions);
        t.send(&request).await.map(drop)
    }
}
