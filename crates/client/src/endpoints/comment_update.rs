//! Resolving an inline comment thread (v2 `PUT /inline-comments/{id}` with `resolved`).

use reqwest::Method;
use serde_json::json;

use crate::error::ClientError;
use crate::model::comment::Comment;
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

impl SiteClient {
    /// Marks an inline root comment resolved, as a new version with the same body.
    /// Repeating it changes nothing but the version, so it is safe to retry.
    pub async fn resolve_inline_comment(
        &self,
        comment_id: &str,
        body: &str,
        version: u64,
    ) -> Result<Comment, ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::PUT,
                &format!("/wiki/api/v2/inline-comments/{}", seg(comment_id)),
                format!("resolve inline comment {comment_id}"),
            )?
            .json(&json!({
                "version": { "number": version + 1, "message": "resolved, as on the source" },
                "body": { "representation": "storage", "value": body },
                "resolved": true,
            }));
        t.json(&request).await
    }
}
