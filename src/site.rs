//! The two sites of a plan, connected: a client per site, the organization admin client when a
//! key is configured, and — for `sandbox:NAME` sites — the in-process sandbox that serves them.

use std::path::Path;

use crate::client::{
    AdminClient, BaseUrl, BaseUrlError, ClientError, ClientOptions, Credentials, Secret, SiteClient,
};
use crate::plan::{Plan, SiteRef};
use crate::settings::{Settings, SiteCredentials};
use confcopy_sandbox::Sandbox;

/// Why the plan's sites could not be connected (or the sandbox serving them stopped).
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("the api_gateway setting: {0}")]
    Gateway(#[source] BaseUrlError),
    #[error("{label}: {error}")]
    Address {
        label: String,
        #[source]
        error: BaseUrlError,
    },
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot start the sandbox sites: {0}")]
    SandboxStart(#[source] confcopy_sandbox::SandboxError),
    /// The sandbox could not save its sites' state as it stopped.
    #[error(transparent)]
    SandboxStop(confcopy_sandbox::SandboxError),
    #[error("the sandbox has no site \"{name}\" (it has: {known})")]
    NoSandboxSite { name: String, known: String },
}

/// One site, ready to be asked.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site as the plan names it.
    pub label: String,
    /// `None` when no credentials are configured for it.
    pub client: Option<SiteClient>,
    /// The organization admin API, with the organization API key; `None` without a key.
    pub admin: Option<AdminKey>,
    pub options: ClientOptions,
    pub base: BaseUrl,
}

/// An organization API key and the options to use it with (the gateway it goes to).
#[derive(Debug, Clone)]
pub struct AdminKey {
    pub key: Secret,
    pub options: ClientOptions,
}

impl AdminKey {
    /// A client for the organization `org_id`.
    pub fn client(&self, org_id: &str) -> Result<AdminClient, crate::client::ClientError> {
        AdminClient::new(org_id, self.key.clone(), self.options.clone())
    }
}

/// Both sites of a plan. Keeps the sandbox (if any) running while it lives.
pub struct PlanSites {
    pub source: Site,
    pub destination: Site,
    pub sandbox: Option<Sandbox>,
}

impl PlanSites {
    /// Connects to both sites. `options` is the client tuning (concurrency comes from the plan).
    pub async fn connect(
        plan: &Plan,
        settings: &Settings,
        options: ClientOptions,
    ) -> Result<PlanSites, SiteError> {
        let mut options = settings.tune(options.with_concurrency(plan.run.concurrency.value as usize));
        if let Some(gateway) = &settings.api_gateway {
            let gateway = BaseUrl::parse(gateway).map_err(SiteError::Gateway)?;
            options = options.with_gateway(gateway);
        }
        let needs_sandbox = matches!(plan.source.value, SiteRef::Sandbox(_))
            || matches!(plan.destination.value, SiteRef::Sandbox(_));
        let sandbox = if needs_sandbox { Some(start_sandbox(&settings.state_dir()).await?) } else { None };
        let source = site(&plan.source.value, &settings.source, sandbox.as_ref(), &options).await?;
        let destination =
            site(&plan.destination.value, &settings.destination, sandbox.as_ref(), &options).await?;
        Ok(PlanSites { source, destination, sandbox })
    }

    /// Saves sandbox state and stops it.
    pub async fn close(self) -> Result<(), SiteError> {
        match self.sandbox {
            Some(sandbox) => sandbox.shutdown().await.map_err(SiteError::SandboxStop),
            None => Ok(()),
        }
    }
}

/// One site alone, with the credentials the settings hold for it, for commands that ask a single
/// site something (`init` lists the source's spaces). A `sandbox:NAME` site comes with its running
/// sandbox, which must live as long as the site is used.
pub async fn connect_one(
    site_ref: &SiteRef,
    creds: &SiteCredentials,
    settings: &Settings,
) -> Result<(Site, Option<Sandbox>), SiteError> {
    let options = settings.tune(ClientOptions::default());
    let sandbox = match site_ref {
        SiteRef::Sandbox(_) => Some(start_sandbox(&settings.state_dir()).await?),
        SiteRef::Url(_) => None,
    };
    let connected = site(site_ref, creds, sandbox.as_ref(), &options).await?;
    Ok((connected, sandbox))
}

async fn start_sandbox(state_dir: &Path) -> Result<Sandbox, SiteError> {
    Sandbox::start_persistent(state_dir).await.map_err(SiteError::SandboxStart)
}

fn credentials(creds: &SiteCredentials) -> Option<Credentials> {
    if let Some(token) = &creds.bearer_token {
        return Some(Credentials::bearer(token.clone()));
    }
    match (&creds.email, &creds.token) {
        (Some(email), Some(token)) => Some(Credentials::basic(email.clone(), token.clone())),
        _ => None,
    }
}

async fn site(
    site: &SiteRef,
    creds: &SiteCredentials,
    sandbox: Option<&Sandbox>,
    options: &ClientOptions,
) -> Result<Site, SiteError> {
    let label = site.to_string();
    let address = |error| SiteError::Address { label: label.clone(), error };
    match site {
        SiteRef::Url(url) => {
            let base = BaseUrl::parse(url.as_str()).map_err(address)?;
            let client = match credentials(creds) {
                Some(c) => Some(SiteClient::connect(base.clone(), c, options.clone()).await?),
                None => None,
            };
            let admin =
                creds.org_api_key.as_ref().map(|key| AdminKey { key: key.clone(), options: options.clone() });
            Ok(Site { label, client, admin, options: options.clone(), base })
        }
        SiteRef::Sandbox(name) => {
            let handle = sandbox.and_then(|sandbox| sandbox.site(name));
            let Some(handle) = handle else {
                let known: Vec<&str> =
                    sandbox.map(|s| s.sites().iter().map(|s| s.name()).collect()).unwrap_or_default();
                return Err(SiteError::NoSandboxSite { name: name.clone(), known: known.join(", ") });
            };
            let base = BaseUrl::parse(handle.base_url()).map_err(address)?;
            let options = options.clone().with_gateway(base.clone());
            let chosen = credentials(creds).unwrap_or_else(|| {
                Credentials::basic(handle.admin_email(), Secret::new(handle.admin_token()))
            });
            let client = SiteClient::connect(base.clone(), chosen, options.clone()).await?;
            let key =
                creds.org_api_key.as_ref().cloned().unwrap_or_else(|| Secret::new(handle.org_api_key()));
            Ok(Site {
                label,
                client: Some(client),
                admin: Some(AdminKey { key, options: options.clone() }),
                options,
                base,
            })
        }
    }
}
