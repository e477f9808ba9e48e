//! How confcopy authenticates to a Confluence site.

use std::fmt;

use base64::Engine as _;
use reqwest::header::HeaderValue;

use super::secret::Secret;

/// Credentials for one site. Classic API tokens use `Basic` on the site URL; scoped tokens and
/// OAuth tokens use `Bearer` through the `api.atlassian.com` gateway.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Classic API token: HTTP Basic `email:token`.
    Basic { email: String, token: Secret },
    /// Scoped API token or OAuth 2.0 access token.
    Bearer { token: Secret },
}

impl Credentials {
    /// Basic credentials from an account email and a classic API token.
    pub fn basic(email: impl Into<String>, token: impl Into<Secret>) -> Self {
        Self::Basic { email: email.into(), token: token.into() }
    }

    /// Bearer credentials from a scoped API token or an OAuth access token.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Self::Bearer { token: token.into() }
    }

    /// Whether these credentials go through the `api.atlassian.com` gateway.
    pub fn needs_gateway(&self) -> bool {
        matches!(self, Self::Bearer { .. })
    }

    /// The `Authorization` header value, marked sensitive so that hyper and reqwest never print it.
    pub(crate) fn header_value(&self) -> HeaderValue {
        let text = match self {
            Self::Basic { email, token } => {
                let raw = format!("{email}:{}", token.expose());
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
            }
            Self::Bearer { token } => format!("Bearer {}", token.expose()),
        };
        // A token with control characters cannot be sent; an empty header makes the server answer 401,
        // which the access checks report as invalid credentials.
        let mut value = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { email, token } => {
                f.debug_struct("Basic").field("email", email).field("token", token).finish()
            }
            Self::Bearer { token } => f.debug_struct("Bearer").field("token", token).finish(),
        }
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { email, .. } => write!(f, "API token of {email}"),
            Self::Bearer { .. } => f.write_str("bearer token"),
        }
    }
}
