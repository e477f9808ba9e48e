//! Footer and inline comments (v2): roots per page or blog post, replies per comment.

use futures_util::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use crate::error::ClientError;
use crate::model::comment::{Comment, CommentParent, NewComment};
use crate::model::content::Container;
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

/// Footer comments sit under the content; inline comments are anchored to text in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    Footer,
    Inline,
}

impl CommentKind {
    fn collection(self) -> &'static str {
        match self {
            Self::Footer => "footer-comments",
            Self::Inline => "inline-comments",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Footer => "footer comment",
            Self::Inline => "inline comment",
        }
    }
}

impl SiteClient {
    /// Root comments of a page or blog post, with storage bodies.
    pub fn comments(
        &self,
        container: &Container,
        kind: CommentKind,
    ) -> BoxStream<'static, Result<Comment, ClientError>> {
        self.v2_list(
            &format!(
                "/wiki/api/v2/{}/{}/{}",
                container.v2_collection(),
                seg(container.id()),
                kind.collection()
            ),
            format!("list {}s of {container}", kind.noun()),
            &[("body-format", "storage")],
        )
    }

    /// Replies to a comment, with storage bodies.
    pub fn comment_replies(
        &self,
        comment_id: &str,
        kind: CommentKind,
    ) -> BoxStream<'static, Result<Comment, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/{}/{}/children", kind.collection(), seg(comment_id)),
            format!("list replies to {} {comment_id}", kind.noun()),
            &[("body-format", "storage")],
        )
    }

    /// One comment (for an inline root comment, its `properties` say which marker anchors it).
    pub async fn comment(&self, kind: CommentKind, comment_id: &str) -> Result<Comment, ClientError> {
        let t = self.transport();
        let request = t.request(
            Method::GET,
            &format!("/wiki/api/v2/{}/{}", kind.collection(), seg(comment_id)),
            format!("read {} {comment_id}", kind.noun()),
        )?;
        t.json(&request).await
    }

    /// Creates a comment or reply. Inline root comments need `inline_selection`.
    pub async fn create_comment(
        &self,
        kind: CommentKind,
        comment: &NewComment,
    ) -> Result<Comment, ClientError> {
        let t = self.transport();
        let (parent_field, parent_id, parent_text) = match &comment.parent {
            CommentParent::Page(id) => ("pageId", id, format!("page {id}")),
            CommentParent::BlogPost(id) => ("blogPostId", id, format!("blog post {id}")),
            CommentParent::Comment(id) => ("parentCommentId", id, format!("comment {id}")),
        };
        let mut body = json!({ parent_field: parent_id, "body": comment.body });
        if kind == CommentKind::Inline
            && !matches!(comment.parent, CommentParent::Comment(_))
            && let Some(selection) = &comment.inline_selection
        {
            body["inlineCommentProperties"] = json!(selection);
        }
        let request = t
            .request(
                Method::POST,
                &format!("/wiki/api/v2/{}", kind.collection()),
                format!("create {} on {parent_text}", kind.noun()),
            )?
            .json(&body);
        t.json(&request).await
    }
}
