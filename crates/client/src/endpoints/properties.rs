//! v2 properties of spaces, pages, blog posts, folders, comments and attachments.

use futures_util::stream::BoxStream;
use reqwest::Method;

use crate::error::ClientError;
use crate::model::property::{ContentProperty, NewContentProperty, PropertyHolder};
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

fn path(holder: &PropertyHolder) -> String {
    format!("/wiki/api/v2/{}/{}/properties", holder.v2_collection(), seg(holder.id()))
}

impl SiteClient {
    /// Properties of `holder`; `key` filters to one key.
    pub fn properties(
        &self,
        holder: &PropertyHolder,
        key: Option<&str>,
    ) -> BoxStream<'static, Result<ContentProperty, ClientError>> {
        let query: Vec<(&str, &str)> = key.map(|k| ("key", k)).into_iter().collect();
        self.v2_list(&path(holder), format!("list properties of {holder}"), &query)
    }

    /// Creates a property (a second create of the same key fails, so it is not repeated).
    pub async fn create_property(
        &self,
        holder: &PropertyHolder,
        property: &NewContentProperty,
    ) -> Result<ContentProperty, ClientError> {
        let t = self.transport();
        let request = t
            .request(Method::POST, &path(holder), format!("create property {} on {holder}", property.key))?
            .json(property);
        t.json(&request).await
    }

    /// Replaces a property's value; `version` must be its current version + 1 (else 409).
    pub async fn update_property(
        &self,
        holder: &PropertyHolder,
        property_id: &str,
        property: &NewContentProperty,
        version: u64,
    ) -> Result<ContentProperty, ClientError> {
        let t = self.transport();
        let body = serde_json::json!({
            "key": property.key,
            "value": property.value,
            "version": {"number": version, "message": ""},
        });
        let request = t
            .request(
                Method::PUT,
                &format!("{}/{}", path(holder), seg(property_id)),
                format!("update property {} on {holder}", property.key),
            )?
            .json(&body);
        t.json(&request).await
    }
}
