//! Groups (v1). Ids differ between sites; match by name.

use futures_util::stream::BoxStream;
use reqwest::Method;
use serde_json::json;

use crate::error::ClientError;
use crate::model::group::Group;
use crate::model::user::User;
use crate::pagination::ListStyle;
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

impl SiteClient {
    /// All groups of the site, 200 a request.
    pub fn groups(&self) -> BoxStream<'static, Result<Group, ClientError>> {
        self.list("/wiki/rest/api/group", "list groups".into(), &[("limit", "200")], ListStyle::Offset)
    }

    /// Members of a group, 200 a request.
    pub fn group_members(&self, group_id: &str) -> BoxStream<'static, Result<User, ClientError>> {
        self.list(
            &format!("/wiki/rest/api/group/{}/membersByGroupId", seg(group_id)),
            format!("list members of group {group_id}"),
            &[("limit", "200")],
            ListStyle::Offset,
        )
    }

    /// Creates a group (site admins only). Not repeated after a 5xx: look first.
    pub async fn create_group(&self, name: &str) -> Result<Group, ClientError> {
        let t = self.transport();
        let request = t
            .request(Method::POST, "/wiki/rest/api/group", format!("create group \"{name}\""))?
            .json(&json!({ "name": name }));
        t.json(&request).await
    }

    /// Adds a user to a group. Adding a member twice changes nothing, so it is repeatable.
    pub async fn add_group_member(&self, group_id: &str, account_id: &str) -> Result<(), ClientError> {
        let t = self.transport();
        let request = t
            .request(
                Method::POST,
                "/wiki/rest/api/group/userByGroupId",
                format!("add user {account_id} to group {group_id}"),
            )?
            .query("groupId", group_id)
            .json(&json!({ "accountId": account_id }))
            .safe_to_repeat();
        t.send(&request).await.map(drop)
    }
}
