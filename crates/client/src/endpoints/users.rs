//! Users: v2 bulk lookup, v1 group memberships.

use futures_util::stream::BoxStream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::error::ClientError;
use crate::model::group::Group;
use crate::model::user::User;
use crate::pagination::ListStyle;
use crate::site_client::SiteClient;

/// `users-bulk` takes at most this many account ids a call (the v2 spec's `maxItems`).
pub const USERS_BULK_MAX: usize = 250;

#[derive(Deserialize)]
struct UsersBulk {
    #[serde(default)]
    results: Vec<User>,
}

impl SiteClient {
    /// Users by account id (v2 `POST /users-bulk`, a read: safe to repeat). Asks in batches of
    /// 250; ids the site does not know are simply absent from the answer.
    pub async fn users_bulk(&self, account_ids: &[String]) -> Result<Vec<User>, ClientError> {
        let t = self.transport();
        let mut users = Vec::with_capacity(account_ids.len());
        for batch in account_ids.chunks(USERS_BULK_MAX) {
            let request = t
                .request(Method::POST, "/wiki/api/v2/users-bulk", format!("look up {} users", batch.len()))?
                .json(&json!({ "accountIds": batch }))
                .safe_to_repeat();
            let answer: UsersBulk = t.json(&request).await?;
            users.extend(answer.results);
        }
        Ok(users)
    }

    /// Groups a user belongs to (v1 `/user/memberof`).
    pub fn user_groups(&self, account_id: &str) -> BoxStream<'static, Result<Group, ClientError>> {
        self.list(
            "/wiki/rest/api/user/memberof",
            format!("list groups of user {account_id}"),
            &[("accountId", account_id), ("limit", "200")],
            ListStyle::Offset,
        )
    }
}
