//! Labels: v2 reads, v1 writes.

use futures_util::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use crate::error::ClientError;
use crate::model::content::Container;
use crate::model::label::Label;
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

impl SiteClient {
    /// Labels of a page or blog post.
    pub fn labels(&self, container: &Container) -> BoxStream<'static, Result<Label, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/{}/{}/labels", container.v2_collection(), seg(container.id())),
            format!("list labels of {container}"),
            &[],
        )
    }

    /// Adds labels to content (v1). Adding an existing label is harmless, so this is repeatable.
    pub async fn add_labels(&self, content_id: &str, labels: &[Label]) -> Result<(), ClientError> {
        let t = self.transport();
        let body: Vec<_> = labels
            .iter()
            .map(|l| json!({ "prefix": l.prefix.as_deref().unwrap_or("global"), "name": l.name }))
            .collect();
        let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        let request = t
            .request(
                Method::POST,
                &format!("/wiki/rest/api/content/{}/label", seg(content_id)),
                format!("add labels {} to content {content_id}", names.join(", ")),
            )?
            .json(&body)
            .safe_to_repeat();
        t.send(&request).await.map(drop)
    }
}
