//! Building the object store a state URL names, from the store's usual environment
//! (`AWS_*` for s3, `GOOGLE_*` for gs, `AZURE_*` for az) or from variables handed in instead.
//!
//! The endpoint can be set (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT`, or [`RemoteOptions::with_endpoint`])
//! for any S3-compatible service. Plain http is accepted on loopback; to another machine only
//! when `AWS_ALLOW_HTTP=true` says the network is trusted. TLS is the project's rustls with ring.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use super::error::{Redactor, RemoteError};
use super::url::{Scheme, StateUrl, shown};

/// How to reach the store: its environment, an endpoint, timeouts and retries.
#[derive(Clone)]
pub struct RemoteOptions {
    vars: Vec<(String, String)>,
    endpoint: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retries: usize,
    retry_timeout: Duration,
}

const PREFIXES: [&str; 3] = ["AWS_", "GOOGLE_", "AZURE_"];

impl RemoteOptions {
    /// The store's settings from this process's environment (`AWS_*`, `GOOGLE_*`, `AZURE_*`).
    pub fn from_env() -> RemoteOptions {
        RemoteOptions::from_vars(std::env::vars_os().filter_map(|(name, value)| {
            let (name, value) = (name.into_string().ok()?, value.into_string().ok()?);
            PREFIXES.iter().any(|p| name.starts_with(p)).then_some((name, value))
        }))
    }

    /// The store's settings from `vars` instead of the environment: named as the environment
    /// variables are (`AWS_ACCESS_KEY_ID`, ...).
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> RemoteOptions {
        RemoteOptions {
            vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            endpoint: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            retry_timeout: Duration::from_secs(30),
        }
    }

    /// The service's address, over the environment's (`http://127.0.0.1:9000` for a store on
    /// this machine). For s3 and az.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> RemoteOptions {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How long one request may take, and how long connecting may take.
    pub fn with_timeouts(mut self, request: Duration, connect: Duration) -> RemoteOptions {
        self.timeout = request;
        self.connect_timeout = connect;
        self
    }

    /// How often, and for how long in all, a failed request is retried (only requests that
    /// are safe to repeat, and only on errors worth retrying).
    pub fn with_retries(mut self, retries: usize, within: Duration) -> RemoteOptions {
        self.retries = retries;
        self.retry_timeout = within;
        self
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::from_vars(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// Names the variables and the endpoint, never a value that could be a credential.
impl fmt::Debug for RemoteOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.vars.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RemoteOptions")
            .field("vars", &names)
            .field("endpoint", &self.endpoint.as_deref().map(shown))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retries", &self.retries)
            .field("retry_timeout", &self.retry_timeout)
            .finish()
    }
}

/// The store for `url`, configured from `options`.
pub(crate) fn build(url: &StateUrl, options: &RemoteOptions) -> Result<Arc<dyn ObjectStore>, RemoteError> {
    // The crate enables rustls without a default provider; installing ring twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let redactor = options.redactor();
    let setup = |detail: String| RemoteError::Setup {
        url: url.to_string(),
        detail: redactor.clean(detail),
        env: url.scheme().environment(),
    };
    let client = ClientOptions::new()
        .with_user_agent(reqwest::header::HeaderValue::from_static(crate::client::USER_AGENT))
        .with_timeout(options.timeout)
        .with_connect_timeout(options.connect_timeout);
    let retry = RetryConfig {
        max_retries: options.retries,
        retry_timeout: options.retry_timeout,
        ..RetryConfig::default()
    };
    let vars = |prefix: &'static str| {
        options
            .vars
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
    };
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        Scheme::S3 => {
            let endpoint = options.endpoint.as_deref().or_else(|| {
                ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
                    .iter()
                    .find_map(|k| options.var(k))
            });
            let allow_http = allow_http(endpoint, options.var("AWS_ALLOW_HTTP"))?;
            let mut builder = AmazonS3Builder::new();
            for (key, value) in vars("AWS_") {
                if let Ok(key) = key.parse() {
                    builder = builder.with_config(key, value);
                }
            }
            if let Some(endpoint) = endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            builder
                .with_bucket_name(url.bucket())
                .with_client_options(client.with_allow_http(allow_http))
                .with_retry(retry)
                .build()
                .map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
                .map_err(|e| setup(e.to_string()))?
        }
        Scheme::Gcs => {
            if options.endpoint.is_some() {
                return Err(RemoteError::Invalid(format!(
                    "an endpoint cannot be set for {url}: gs:// always talks to Google Cloud Storage"
                )));
            }
            let mut builder = GoogleCloudStorageBuilder::new();
            for (key, value) in vars("GOOGLE_") {
                if let Ok(key) = key.parse() {
                    builder = builder.with_config(key, value);
                }
            }
            builder
                .with_bucket_name(url.bucket())
                .with_client_options(client)
                .with_retry(retry)
                .build()
                .map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
                .map_err(|e| setup(e.to_string()))?
        }
        Scheme::Azure => {
            let allow_http = allow_http(options.endpoint.as_deref(), options.var("AZURE_ALLOW_HTTP"))?;
            let mut builder = MicrosoftAzureBuilder::new();
            for (key, value) in vars("AZURE_") {
                if let Ok(key) = key.parse() {
                    builder = builder.with_config(key, value);
                }
            }
            if let Some(endpoint) = &options.endpoint {
                builder = builder.with_endpoint(endpoint.clone());
            }
            builder
                .with_container_name(url.bucket())
                .with_client_options(client.with_allow_http(allow_http))
                .with_retry(retry)
                .build()
                .map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
                .map_err(|e| setup(e.to_string()))?
        }
    };
    Ok(store)
}

/// Whether plain http may be used: on loopback always, elsewhere only when the environment
/// says so; an http endpoint elsewhere without that is refused here, with a message that
/// says what to do.
fn allow_http(endpoint: Option<&str>, allowed: Option<&str>) -> Result<bool, RemoteError> {
    let allowed = allowed.is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let Some(endpoint) = endpoint else { return Ok(allowed) };
    let parsed = url::Url::parse(endpoint).map_err(|_| {
        RemoteError::Invalid(format!(
            "the state store endpoint {} is not an address; write it like https://s3.example.com or \
             http://127.0.0.1:9000",
            shown(endpoint)
        ))
    })?;
    match parsed.scheme() {
        "https" => Ok(allowed),
        "http" if crate::client::is_loopback(&parsed) || allowed => Ok(true),
        "http" => Err(RemoteError::PlainHttp { endpoint: shown(endpoint) }),
        _ => Err(RemoteError::Invalid(format!(
            "the state store endpoint {} must start with https:// (or http:// on this machine)",
            shown(endpoint)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_unless_allowed() {
        assert!(allow_http(Some("http://127.0.0.1:9000"), None).unwrap());
        assert!(allow_http(Some("http://localhost:9000"), None).unwrap());
        assert!(!allow_http(Some("https://s3.example.com"), None).unwrap());
        let refused = allow_http(Some("http://minio.internal:9000"), None).unwrap_err().to_string();
        assert!(refused.contains("AWS_ALLOW_HTTP=true"), "{refused}");
        assert!(allow_http(Some("http://minio.internal:9000"), Some("true")).unwrap());
        assert!(allow_http(Some("ftp://x"), None).is_err());
    }

    #[test]
    fn debug_names_variables_but_never_their_values() {
        let options =
            RemoteOptions::from_vars([("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"), ("AWS_REGION", "x")]);
        let shown = format!("{options:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"), "{shown}");
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }
}
