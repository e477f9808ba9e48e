//! The HTTP client shared by the requests of one site: rustls with certificate verification,
//! a non-browser User-Agent, and a redirect policy that never downgrades to plain http.

use reqwest::redirect;

use super::error::{ClientError, ErrorKind};
use super::options::ClientOptions;

/// `confcopy/<version>`: a non-browser agent (browser-like agents can trip the XSRF filter).
pub const USER_AGENT: &str = concat!("confcopy/", env!("CARGO_PKG_VERSION"));

/// Redirects followed at most (the attachment download answers one 302).
const MAX_REDIRECTS: usize = 5;

/// Builds the reqwest client for the site or gateway `label`. Certificates are always verified.
pub fn build(label: &str, options: &ClientOptions) -> Result<reqwest::Client, ClientError> {
    // The crate enables rustls without a default provider; installing ring twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        // reqwest drops Authorization (and cookies) when a redirect leaves the host, port or
        // scheme; this policy also refuses https → http, plain http off this machine, and bounds the chain.
        .redirect(redirect::Policy::custom(|attempt| {
            let target = attempt.url();
            let from_https = attempt.previous().last().is_some_and(|prev| prev.scheme() == "https");
            // The same rule as for site addresses: https, or plain http to this machine only.
            let allowed = match target.scheme() {
                "https" => true,
                "http" => !from_https && super::site::is_loopback(target),
                _ => false,
            };
            if !allowed {
                attempt.error("refusing to follow a redirect to an address that is not https (plain http is only allowed on loopback)")
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else {
                attempt.follow()
            }
        }))
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        .build()
        .map_err(|e| {
            ClientError::new(
                label,
                "set up the HTTP client",
                ErrorKind::Io(format!("could not set up the HTTP client: {e}")),
            )
        })
}
