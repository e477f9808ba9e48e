//! Spaces: v2 reads, v1 writes (space creation, permission grants).

use futures_util::stream::BoxStream;
use futures_util::{StreamExt as _, TryStreamExt as _};
use reqwest::Method;
use serde_json::json;

use crate::error::ClientError;
use crate::model::label::Label;
use crate::model::space::{CreatedSpace, NewSpace, NewSpacePermission, Space, SpacePermission};
use crate::pagination::{ListStyle, V2_MAX_LIMIT, items};
use crate::site::encode_segment as seg;
use crate::site_client::SiteClient;

/// Filters of the v2 space list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpaceFilter {
    /// Only these keys (sent comma-separated).
    pub keys: Vec<String>,
    /// `global`, `personal`, ...
    pub kind: Option<String>,
    /// `current` or `archived`.
    pub status: Option<String>,
}

impl SiteClient {
    /// Spaces of the site, 250 a request.
    pub fn spaces(&self, filter: &SpaceFilter) -> BoxStream<'static, Result<Space, ClientError>> {
        let t = self.transport();
        let operation = if filter.keys.is_empty() {
            "list spaces".to_string()
        } else {
            format!("list spaces {}", filter.keys.join(", "))
        };
        let request = t.request(Method::GET, "/wiki/api/v2/spaces", operation).map(|r| {
            r.query("limit", V2_MAX_LIMIT.to_string())
                .query("description-format", "plain")
                .query_opt("keys", (!filter.keys.is_empty()).then(|| filter.keys.join(",")))
                .query_opt("type", filter.kind.as_deref())
                .query_opt("status", filter.status.as_deref())
        });
        match request {
            Ok(request) => items(t.clone(), request, ListStyle::Cursor),
            Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
        }
    }

    /// The space with this key, if the caller can see it.
    pub async fn space_by_key(&self, key: &str) -> Result<Option<Space>, ClientError> {
        let filter = SpaceFilter { keys: vec![key.to_string()], ..SpaceFilter::default() };
        let spaces: Vec<Space> = self.spaces(&filter).try_collect().await?;
        Ok(spaces.into_iter().find(|s| s.key == key))
    }

    /// One space by id.
    pub async fn space(&self, space_id: &str) -> Result<Space, ClientError> {
        self.read_space(space_id, &[]).await
    }

    /// `GET /spaces/{id}` with its plain description and the `include-*` parameters asked for.
    async fn read_space<T: serde::de::DeserializeOwned>(
        &self,
        space_id: &str,
        include: &[&str],
    ) -> Result<T, ClientError> {
        let t = self.transport();
        let what = match include {
            [] => format!("read space {space_id}"),
            _ => format!("read space {space_id} with its {}", include.join(", ")),
        };
        let mut request = t
            .request(Method::GET, &format!("/wiki/api/v2/spaces/{}", seg(space_id)), what)?
            .query("description-format", "plain");
        for part in include {
            request = request.query(&format!("include-{part}"), "true");
        }
        t.json(&request).await
    }

    /// A space with its labels in the same request (`include-labels`); the labels are `None`
    /// when the site holds more than it includes (then [`space_labels`](Self::space_labels)
    /// lists them all).
    pub async fn space_with_labels(
        &self,
        space_id: &str,
    ) -> Result<(Space, Option<Vec<Label>>), ClientError> {
        #[derive(serde::Deserialize)]
        struct WithLabels {
            #[serde(flatten)]
            space: Space,
            labels: Option<Included>,
        }
        #[derive(serde::Deserialize)]
        struct Included {
            #[serde(default)]
            results: Vec<Label>,
            #[serde(default)]
            meta: Option<IncludedMeta>,
        }
        #[derive(serde::Deserialize)]
        struct IncludedMeta {
            #[serde(rename = "hasMore", default)]
            has_more: bool,
        }
        let read: WithLabels = self.read_space(space_id, &["labels"]).await?;
        let labels = read.labels.filter(|l| !l.meta.as_ref().is_some_and(|m| m.has_more)).map(|l| l.results);
        Ok((read.space, labels))
    }

    /// Labels of a space.
    pub fn space_labels(&self, space_id: &str) -> BoxStream<'static, Result<Label, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/spaces/{}/labels", seg(space_id)),
            format!("list labels of space {space_id}"),
            &[],
        )
    }

    /// Permissions of a space (v2): principals and operations.
    pub fn space_permissions(
        &self,
        space_id: &str,
    ) -> BoxStream<'static, Result<SpacePermission, ClientError>> {
        self.v2_list(
            &format!("/wiki/api/v2/spaces/{}/permissions", seg(space_id)),
            format!("list permissions of space {space_id}"),
            &[],
        )
    }

    /// Creates a space (v1); it comes with a homepage. Not repeated after a 5xx: look first.
    pub async fn create_space(&self, space: &NewSpace) -> Result<CreatedSpace, ClientError> {
        let t = self.transport();
        let mut body = json!({ "key": space.key, "name": space.name });
        if let Some(description) = &space.description {
            body["description"] = json!({ "plain": { "value": description, "representation": "plain" } });
        }
        if !space.permissions.is_empty() {
            body["permissions"] = permissions_at_create(&space.permissions);
        }
        let request = t
            .request(Method::POST, "/wiki/rest/api/space", format!("create space {}", space.key))?
            .json(&body);
        t.json(&request).await
    }

    /// Grants one space permission (v1, one per call).
    pub async fn add_space_permission(
        &self,
        space_key: &str,
        permission: &NewSpacePermission,
    ) -> Result<(), ClientError> {
        let t = self.transport();
        let body = json!({
            "subject": { "type": permission.subject_type, "identifier": permission.identifier },
            "operation": { "key": permission.operation, "target": permission.target },
        });
        let request = t
            .request(
                Method::POST,
                &format!("/wiki/rest/api/space/{}/permission", seg(space_key)),
                format!(
                    "grant {} on {} to {} {} in space {space_key}",
                    permission.operation, permission.target, permission.subject_type, permission.identifier
                ),
            )?
            .json(&body);
        t.send(&request).await.map(drop)
    }

    /// A v2 cursor list at `path` with `limit=250` and extra query parameters.
    pub(crate) fn v2_list<T>(
        &self,
        path: &str,
        operation: String,
        query: &[(&str, &str)],
    ) -> BoxStream<'static, Result<T, ClientError>>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        self.list(path, operation, query, ListStyle::Cursor)
    }

    /// A list of either style; v1 lists ask for `limit` items per request too.
    pub(crate) fn list<T>(
        &self,
        path: &str,
        operation: String,
        query: &[(&str, &str)],
        style: ListStyle,
    ) -> BoxStream<'static, Result<T, ClientError>>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        let t = self.transport();
        match t.request(Method::GET, path, operation) {
            Ok(mut request) => {
                if !query.iter().any(|(name, _)| *name == "limit") {
                    request = request.query("limit", V2_MAX_LIMIT.to_string());
                }
                for (name, value) in query {
                    request = request.query(name, value);
                }
                items(t.clone(), request, style)
            }
            Err(e) => futures_util::stream::once(async { Err(e) }).boxed(),
        }
    }
}

/// A space create's `permissions` (v1 `SpacePermissionCreate`): one entry per operation, naming
/// its users (by account id) and groups (by id), and anonymous users with `anonymousAccess`.
fn permissions_at_create(grants: &[NewSpacePermission]) -> serde_json::Value {
    let mut entries: Vec<((&str, &str), Vec<&NewSpacePermission>)> = Vec::new();
    for grant in grants {
        let operation = (grant.operation.as_str(), grant.target.as_str());
        match entries.iter_mut().find(|(at, _)| *at == operation) {
            Some((_, same)) => same.push(grant),
            None => entries.push((operation, vec![grant])),
        }
    }
    let entries = entries.into_iter().map(|((operation, target), grants)| {
        let named = |kind: &'static str| grants.iter().filter(move |g| g.subject_type == kind);
        let users: Vec<_> =
            named("user").map(|g| json!({"type": "known", "accountId": g.identifier})).collect();
        let groups: Vec<_> = named("group").map(|g| json!({"type": "group", "id": g.identifier})).collect();
        json!({
            "subjects": {
                "user": {"results": users, "size": users.len()},
                "group": {"results": groups, "size": groups.len()},
            },
            "operation": {"operation": operation, "targetType": target},
            "anonymousAccess": named("anonymous").next().is_some(),
            "unlicensedAccess": false,
        })
    });
    serde_json::Value::Array(entries.collect())
}
