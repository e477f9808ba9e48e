//! The Confluence Cloud client: typed async endpoints over reqwest for one site at a time, with
//! bounded concurrency, one shared rate-limit state per site, retries that only repeat what is
//! safe to repeat, streamed lists and downloads, and errors that name the site, the operation and
//! the entity but never the credentials.
//!
//! Entry points: [`SiteClient`] (a Confluence site, by URL with Basic auth or through the
//! gateway with a bearer token) and [`AdminClient`] (the organization admin API).

mod admin;
mod credentials;
mod endpoints;
mod error;
mod http_client;
pub mod ids;
pub mod link_header;
pub mod model;
mod options;
mod pagination;
mod permits;
pub mod rate_limit;
mod request;
pub mod retry_after;
mod retry_policy;
mod secret;
pub mod server_message;
mod site;
mod site_client;
mod transport;

pub use admin::AdminClient;
pub use credentials::Credentials;
pub use endpoints::{
    CommentKind, Download, Folder, MarkedItem, PageVersion, RestrictedContent, RestrictionsByOperation,
    SpaceByKey, SpaceFilter, USERS_BULK_MAX,
};
pub use error::{ClientError, ErrorKind};
pub use http_client::USER_AGENT;
pub use options::{ClientOptions, DEFAULT_MAX_RETRY_WAIT};
pub use pagination::{ListStyle, V2_MAX_LIMIT};
pub use permits::with_priority;
pub use rate_limit::PacingOptions;
pub use retry_policy::RetryPolicy;
pub use secret::Secret;
pub use server_message::ServerMessage;
pub use site::is_loopback;
pub use site::{ATLASSIAN_API, BaseUrl, BaseUrlError, RFC5987_VALUE, encode_segment};
pub use site_client::{SiteClient, tenant_info};
pub use transport::{Halt, RequestStats, notify_waits};
