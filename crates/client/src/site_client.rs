//! A client for one Confluence site: how it is reached (site URL with Basic auth, or the
//! `api.atlassian.com/ex/confluence/{cloudId}` gateway with a bearer token) and its shared
//! transport. The endpoints live in `endpoints/`, one file per kind of entity.

use std::sync::Arc;

use reqwest::Method;

use super::credentials::Credentials;
use super::error::{ClientError, ErrorKind};
use super::http_client;
use super::model::tenant::TenantInfo;
use super::options::ClientOptions;
use super::site::BaseUrl;
use super::transport::{RequestStats, Transport};

/// A client for one site. Cloning is cheap and shares the concurrency bound and the rate-limit
/// state: make one per site and clone it into tasks.
#[derive(Debug, Clone)]
pub struct SiteClient {
    site: BaseUrl,
    transport: Arc<Transport>,
}

impl SiteClient {
    /// Connects as the credentials require: Basic goes to the site URL; Bearer looks up the
    /// site's cloud id and goes through `options.gateway`.
    pub async fn connect(
        site: BaseUrl,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        if credentials.needs_gateway() {
            let tenant = tenant_info(&site, &options).await?;
            Self::through_gateway(site, &tenant.cloud_id, credentials, options)
        } else {
            Self::direct(site, credentials, options)
        }
    }

    /// A client that sends requests to the site URL itself.
    pub fn direct(
        site: BaseUrl,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let http = build_http(&site, &options)?;
        let transport =
            Transport::new(http, site.host(), site.clone(), Some(credentials.header_value()), options);
        Ok(Self { site, transport: Arc::new(transport) })
    }

    /// A client that goes through `{gateway}/ex/confluence/{cloud_id}`.
    pub fn through_gateway(
        site: BaseUrl,
        cloud_id: &str,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let http = build_http(&site, &options)?;
        let base = BaseUrl::parse(&format!(
            "{}/ex/confluence/{}",
            options.gateway.as_str(),
            super::site::encode_segment(cloud_id)
        ))
        .map_err(|e| {
            ClientError::new(site.host(), "reach the site", ErrorKind::InvalidAddress(e.to_string()))
        })?;
        let transport = Transport::new(http, site.host(), base, Some(credentials.header_value()), options);
        Ok(Self { site, transport: Arc::new(transport) })
    }

    /// The site as the plan names it.
    pub fn site(&self) -> &BaseUrl {
        &self.site
    }

    /// What this client has sent so far (all clones together).
    pub fn stats(&self) -> RequestStats {
        self.transport.stats()
    }

    /// The rate requests to this site are paced to, in requests per second; `None` until the
    /// site shows a rate limit.
    pub fn paced_rate(&self) -> Option<f64> {
        self.transport.paced_rate()
    }

    /// How many requests may be in flight to this site at once.
    pub fn concurrency(&self) -> usize {
        self.transport.options().concurrency
    }

    /// Why no request may be sent to this site before some time, if the site asked for a wait
    /// longer than allowed.
    pub fn halt(&self) -> Option<crate::Halt> {
        self.transport.halt()
    }

    pub(crate) fn transport(&self) -> &Arc<Transport> {
        &self.transport
    }
}

/// `GET {site}/_edge/tenant_info` (no credentials needed): the site's cloud id.
pub async fn tenant_info(site: &BaseUrl, options: &ClientOptions) -> Result<TenantInfo, ClientError> {
    let http = build_http(site, options)?;
    let transport = Transport::new(http, site.host(), site.clone(), None, options.clone());
    let mut request = transport.request(Method::GET, "/_edge/tenant_info", "look up the cloud id")?;
    request.authenticate = false;
    transport.json(&request).await
}

fn build_http(site: &BaseUrl, options: &ClientOptions) -> Result<reqwest::Client, ClientError> {
    http_client::build(&site.host(), options)
}
