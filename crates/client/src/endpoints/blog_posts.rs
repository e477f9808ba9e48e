//! Blog posts (v2).

use futures_util::stream::BoxStream;
use reqwest::Method;

use crate::error::ClientError;
use crate::model::page::{BlogPost, NewBlogPost, PageUpdate};
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

impl SiteClient {
    /// Blog posts of a space with their storage bodies, 250 a request.
    pub fn blog_posts_in_space(
        &self,
        space_id: &str,
        status: Option<&str>,
    ) -> BoxStream<'static, Result<BlogPost, ClientError>> {
        let mut query = vec![("body-format", "storage")];
        if let Some(status) = status {
            query.push(("status", status));
        }
        self.v2_list(
            &format!("/wiki/api/v2/spaces/{}/blogposts", seg(space_id)),
            format!("list blog posts of space {space_id}"),
            &query,
        )
    }

    /// Creates a blog post; `created_at` back-dates it so `ri:posting-day` links stay valid.
    pub async fn create_blog_post(&self, post: &NewBlogPost) -> Result<BlogPost, ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::POST,
                "/wiki/api/v2/blogposts",
                format!("create blog post \"{}\" in space {}", post.title, post.space_id),
            )?
            .json(post);
        t.json(&request).await
    }

    /// Updates a blog post (title, body, status); `version_number` must be the current one + 1.
    pub async fn update_blog_post(&self, update: &PageUpdate) -> Result<BlogPost, ClientError> {
        let t = self.transport();
        let body = serde_json::json!({
            "id": update.id,
            "status": update.status,
            "title": update.title,
            "body": update.body,
            "version": { "number": update.version_number, "message": update.version_message },
        });
        let request = t
            .request(
                Method::PUT,
                &format!("/wiki/api/v2/blogposts/{}", seg(&update.id)),
                format!("update blog post {} to version {}", update.id, update.version_number),
            )?
            .json(&body);
        t.json(&request).await
    }
}
