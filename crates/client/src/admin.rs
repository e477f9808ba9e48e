//! The organization admin API (`{gateway}/admin/v1/orgs/{orgId}/...`) with an org API key:
//! users of the organization, groups of its directory, product access through group membership.

use std::sync::Arc;

use futures_util::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::credentials::Credentials;
use super::error::{ClientError, ErrorKind};
use super::http_client;
use super::model::org::{CreatedOrgGroup, Org, OrgGroup, OrgGroupMember, OrgUser, Workspace};
use super::options::ClientOptions;
use super::request::ApiRequest;
use super::secret::Secret;
use super::site::{BaseUrl, encode_segment as seg};
use super::transport::{RequestStats, Transport};

/// A client for one organization.
#[derive(Debug, Clone)]
pub struct AdminClient {
    org_id: String,
    transport: Arc<Transport>,
}

#[derive(Deserialize)]
struct AdminPage<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    links: Option<AdminLinks>,
}

#[derive(Deserialize)]
struct AdminLinks {
    next: Option<String>,
}

impl AdminClient {
    /// A client for `org_id` at `{options.gateway}/admin`.
    pub fn new(org_id: &str, api_key: Secret, options: ClientOptions) -> Result<Self, ClientError> {
        let label = format!("{} (organization {org_id})", options.gateway.host());
        let base = BaseUrl::parse(&format!("{}/admin", options.gateway.as_str())).map_err(|e| {
            ClientError::new(&label, "reach the admin API", ErrorKind::InvalidAddress(e.to_string()))
        })?;
        let http = http_client::build(&label, &options)?;
        let auth = Credentials::bearer(api_key).header_value();
        let transport = Transport::new(http, label, base, Some(auth), options);
        Ok(Self { org_id: org_id.to_string(), transport: Arc::new(transport) })
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    pub fn stats(&self) -> RequestStats {
        self.transport.stats()
    }

    fn org_path(&self, rest: &str) -> String {
        format!("/v1/orgs/{}{rest}", seg(&self.org_id))
    }

    /// Users of the organization (cursor pages). 401/403 means the key is not an org admin key.
    pub fn users(&self) -> BoxStream<'static, Result<OrgUser, ClientError>> {
        self.admin_list(self.org_path("/users"), "list users of the organization".into())
    }

    /// The organizations this API key administers (`GET /v1/orgs`).
    pub fn orgs(&self) -> BoxStream<'static, Result<Org, ClientError>> {
        self.admin_list("/v1/orgs".into(), "list organizations of the API key".into())
    }

    /// Groups of the organization's directory.
    pub fn groups(&self) -> BoxStream<'static, Result<OrgGroup, ClientError>> {
        self.admin_list(self.org_path("/groups"), "list groups of the organization".into())
    }

    /// Members of an organization group.
    pub fn group_members(&self, group_id: &str) -> BoxStream<'static, Result<OrgGroupMember, ClientError>> {
        self.admin_list(
            self.org_path(&format!("/groups/{}/members", seg(group_id))),
            format!("list members of organization group {group_id}"),
        )
    }

    /// Grants a user access to Confluence on a site (`site` is the site name, `acme` for
    /// acme.atlassian.net). Granting twice changes nothing, so it is repeatable.
    pub async fn grant_product_access(&self, account_id: &str, site: &str) -> Result<(), ClientError> {
        let t = &self.transport;
        let request = t
            .request(
                Method::POST,
                &self.org_path(&format!("/users/{}/product-access", seg(account_id))),
                format!("grant Confluence on {site} to user {account_id}"),
            )?
            .json(&json!({ "site": site, "product": "confluence" }))
            .safe_to_repeat();
        t.send(&request).await.map(drop)
    }

    fn admin_list<T>(&self, path: String, operation: String) -> BoxStream<'static, Result<T, ClientError>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let t = &self.transport;
        match t.request(Method::GET, &path, operation) {
            Ok(request) => admin_items(Arc::clone(t), request),
            Err(e) => stream::once(async { Err(e) }).boxed(),
        }
    }

    /// Creates a group in the organization directory.
    pub async fn create_group(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> Result<CreatedOrgGroup, ClientError> {
        let t = &self.transport;
        let mut body = json!({ "name": name });
        if let Some(description) = description {
            body["description"] = json!(description);
        }
        let request = t
            .request(
                Method::POST,
                &self.org_path("/directory/groups"),
                format!("create group \"{name}\" in the organization"),
            )?
            .json(&body);
        t.json(&request).await
    }

    /// Adds a user to a directory group; product access follows the group's product roles.
    pub async fn add_to_group(&self, group_id: &str, account_id: &str) -> Result<(), ClientError> {
        let t = &self.transport;
        let request = t
            .request(
                Method::POST,
                &self.org_path(&format!("/directory/groups/{}/memberships", seg(group_id))),
                format!("add user {account_id} to organization group {group_id}"),
            )?
            .json(&json!({ "account_id": account_id }))
            .safe_to_repeat();
        t.send(&request).await.map(drop)
    }

    /// Product instances of the organization (v2 workspaces search; a read, safe to repeat).
    pub async fn workspaces(&self) -> Result<Vec<Workspace>, ClientError> {
        let t = &self.transport;
        let path = format!("/v2/orgs/{}/workspaces", seg(&self.org_id));
        let mut cursor: Option<String> = None;
        let mut all = Vec::new();
        loop {
            let body = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({ "limit": 100 }),
            };
            let request = t
                .request(Method::POST, &path, "list workspaces of the organization")?
                .json(&body)
                .safe_to_repeat();
            let page: AdminPage<Workspace> = t.json(&request).await?;
            all.extend(page.data);
            match page.links.and_then(|l| l.next).filter(|n| !n.is_empty()) {
                Some(next) if cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
                _ => return Ok(all),
            }
        }
    }
}

/// Admin lists: `{data:[...], links:{next}}`; `next` is a URL or a bare cursor.
fn admin_items<T>(transport: Arc<Transport>, first: ApiRequest) -> BoxStream<'static, Result<T, ClientError>>
where
    T: DeserializeOwned + Send + 'static,
{
    stream::try_unfold(Some(first), move |next| {
        let transport = Arc::clone(&transport);
        async move {
            let Some(request) = next else { return Ok(None) };
            let page: AdminPage<T> = transport.json(&request).await?;
            let following = match page.links.and_then(|l| l.next).filter(|n| !n.is_empty()) {
                Some(next) => {
                    let mut following = request.clone();
                    following.url = next_admin_url(&transport, &request, &next)?;
                    (following.url != request.url).then_some(following)
                }
                None => None,
            };
            Ok(Some((stream::iter(page.data.into_iter().map(Ok)), following)))
        }
    })
    .try_flatten()
    .boxed()
}

fn next_admin_url(transport: &Transport, current: &ApiRequest, next: &str) -> Result<url::Url, ClientError> {
    let invalid = |why: String| transport.error(&current.operation, ErrorKind::InvalidResponse(why));
    if let Ok(absolute) = url::Url::parse(next) {
        // Stay on our own base: keep the path after `/admin` and the query.
        let path = absolute.path();
        let path = path.strip_prefix(transport.base().path_prefix()).unwrap_or(path);
        let joined = match absolute.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        };
        return transport.base().join(&joined).map_err(|e| invalid(e.to_string()));
    }
    if next.starts_with('/') {
        let path = next.strip_prefix(transport.base().path_prefix()).unwrap_or(next);
        return transport.base().join(path).map_err(|e| invalid(e.to_string()));
    }
    let mut url = current.url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(kept).append_pair("cursor", next);
    Ok(url)
}
