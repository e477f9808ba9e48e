//! What the rewriter knows about the body it is rewriting and about the two sites.

/// The containing content and the sites. Built once per body (cheap to clone a template and swap
/// the title/space).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// Source space key of the page, blog post or comment holding the body. Page links without
    /// `ri:space-key` name a page in this space.
    pub space_key: String,
    /// Source title of the containing content (used for reports only).
    pub title: String,
    /// Origins of the source site, e.g. `https://acme.atlassian.net` and the sandbox's
    /// `http://127.0.0.1:PORT`. Scheme is ignored when matching, host case-insensitively.
    pub source_origins: Vec<String>,
    /// Origin of the destination site, e.g. `https://acme-eu.atlassian.net` (no trailing slash).
    pub destination_origin: String,
}

impl Context {
    /// A context for `space_key`/`title` copying from `source_origins` to `destination_origin`.
    pub fn new(
        space_key: impl Into<String>,
        title: impl Into<String>,
        source_origins: impl IntoIterator<Item = impl Into<String>>,
        destination_origin: impl Into<String>,
    ) -> Self {
        Self {
            space_key: space_key.into(),
            title: title.into(),
            source_origins: source_origins.into_iter().map(|o| trim_origin(o.into())).collect(),
            destination_origin: trim_origin(destination_origin.into()),
        }
    }
}

fn trim_origin(mut origin: String) -> String {
    while origin.ends_with('/') {
        origin.pop();
    }
    origin
}
