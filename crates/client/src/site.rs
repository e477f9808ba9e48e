//! Addresses of the services confcopy talks to: Confluence sites, the `api.atlassian.com`
//! gateway and the admin API. Plain `http` is accepted only on loopback (the sandbox).

use std::fmt;
use std::net::IpAddr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::{Host, Url};

/// The default gateway for bearer tokens and the admin API.
pub const ATLASSIAN_API: &str = "https://api.atlassian.com";

/// A validated base URL: `https`, or `http` on a loopback host; no credentials, query or fragment.
/// Stored without a trailing slash so that paths such as `/wiki/api/v2/spaces` append to it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    url: Url,
}

/// Why a URL cannot be used as a base URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("`{0}` is not a URL: {1}")]
    Unparsable(String, String),
    #[error(
        "`{url}` uses {scheme}; use https (plain http is accepted only for loopback hosts such as 127.0.0.1)"
    )]
    InsecureScheme { url: String, scheme: String },
    #[error("`{0}` carries a user name or password; put credentials in the settings, not in the URL")]
    EmbeddedCredentials(String),
    #[error("`{0}` has a query or fragment; give the site's base URL, e.g. https://acme.atlassian.net")]
    QueryOrFragment(String),
    #[error("`{0}` has no host")]
    NoHost(String),
}

impl BaseUrl {
    /// Parses and validates a base URL.
    pub fn parse(text: &str) -> Result<Self, BaseUrlError> {
        let trimmed = text.trim();
        let url =
            Url::parse(trimmed).map_err(|e| BaseUrlError::Unparsable(trimmed.to_string(), e.to_string()))?;
        Self::from_url(url)
    }

    /// Validates an already parsed URL.
    pub fn from_url(mut url: Url) -> Result<Self, BaseUrlError> {
        let shown = url.to_string();
        if url.host().is_none() {
            return Err(BaseUrlError::NoHost(shown));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Do not echo the password back.
            let _ = url.set_password(None);
            return Err(BaseUrlError::EmbeddedCredentials(url.to_string()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            other => {
                return Err(BaseUrlError::InsecureScheme { url: shown, scheme: other.to_string() });
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(BaseUrlError::QueryOrFragment(shown));
        }
        let path = url.path().trim_end_matches('/').to_string();
        // A pasted `https://acme.atlassian.net/wiki` means the site itself.
        let path = path.strip_suffix("/wiki").unwrap_or(&path).to_string();
        url.set_path(&path);
        Ok(Self { url })
    }

    /// The host (with a non-default port) that names this site in messages.
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// The path prefix (empty for a site root, `/ex/confluence/{cloudId}` through the gateway).
    pub fn path_prefix(&self) -> &str {
        self.url.path().trim_end_matches('/')
    }

    /// Appends an already encoded path (starting with `/`) and returns the full URL.
    pub fn join(&self, path_and_query: &str) -> Result<Url, url::ParseError> {
        Url::parse(&format!("{}{}", self.as_str(), path_and_query))
    }

    /// Whether `url` is on the same scheme, host and port as this base.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.url.scheme()
            && url.host_str() == self.url.host_str()
            && url.port_or_known_default() == self.url.port_or_known_default()
    }
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.as_str())
    }
}

/// The bytes a path segment encodes: all but RFC 3986's unreserved characters (ASCII letters,
/// digits, `-`, `.`, `_`, `~`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The bytes an RFC 5987 `ext-value` (`filename*=UTF-8''…`) encodes: all but its `attr-char`s.
/// The client's uploads and the sandbox's downloads name files with it.
pub const RFC5987_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Percent-encodes one path segment (ids, space keys, group names) so that it stays one segment.
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_sites_are_accepted_and_normalised() {
        let site = BaseUrl::parse("https://acme.atlassian.net/wiki/").unwrap();
        assert_eq!(site.as_str(), "https://acme.atlassian.net");
        assert_eq!(site.host(), "acme.atlassian.net");
        assert_eq!(site.path_prefix(), "");
        assert_eq!(
            site.join("/wiki/api/v2/spaces").unwrap().as_str(),
            "https://acme.atlassian.net/wiki/api/v2/spaces"
        );
    }

    #[test]
    fn http_only_on_loopback() {
        assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
        assert!(BaseUrl::parse("http://localhost:1").is_ok());
        assert!(BaseUrl::parse("http://[::1]:9").is_ok());
        let err = BaseUrl::parse("http://acme.atlassian.net").unwrap_err();
        assert!(matches!(err, BaseUrlError::InsecureScheme { .. }), "{err}");
        assert!(err.to_string().contains("use https"));
        assert!(BaseUrl::parse("ftp://127.0.0.1").is_err());
    }

    #[test]
    fn credentials_in_url_are_refused_without_echoing_them() {
        let err = BaseUrl::parse("https://me:hunter2@acme.atlassian.net").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn gateway_prefix_is_kept() {
        let base = BaseUrl::parse("http://127.0.0.1:9/ex/confluence/abc").unwrap();
        assert_eq!(base.path_prefix(), "/ex/confluence/abc");
        assert_eq!(base.host(), "127.0.0.1:9");
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("MKT"), "MKT");
        assert_eq!(encode_segment("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(encode_segment("Ünï"), "%C3%9Cn%C3%AF");
    }
}
