//! Content properties (v2) of pages and blog posts.

use futures_util::stream::BoxStream;
use reqwest::Method;

use crate::client::error::ClientError;
use crate::client::model::content::Container;
use crate::client::model::property::{ContentProperty, NewContentProperty};
use crate::client::site::encode_segment as seg;
use crate::client::site_client::SiteClient;

impl SiteClient {
    /// Properties of a page or blog post; `key` filters to one key.
    pub fn properties(
        &self,
        container: &Container,
        key: Option<&str>,
    ) -> BoxStream<'static, Result<ContentProperty, ClientError>> {
        let query: Vec<(&str, &str)> = key.map(|k| ("key", k)).into_iter().collect();
        self.v2_list(
            &format!("/wiki/api/v2/{}/{}/properties", container.v2_collection(), seg(container.id())),
            format!("list properties of {container}"),
            &query,
        )
    }

    /// Creates a property (a second create of the same key fails, so it is not repeated).
    pub async fn create_property(
        &self,
        container: &Container,
        property: &NewContentProperty,
    ) -> Result<ContentProperty, ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::POST,
                &format!("/wiki/api/v2/{}/{}/properties", container.v2_collection(), seg(container.id())),
                format!("create property {} on {container}", property.key),
            )?
            .json(property);
        t.json(&request).await
    }
}
