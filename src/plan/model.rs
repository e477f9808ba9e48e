//! The validated plan: what later phases consume. Every value keeps the span of the plan text
//! it came from, so site checks can label the exact line that causes a finding.

use std::ops::Range;

use url::Url;

/// A value and the span of plan text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> At<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }
}

/// Where a site is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteRef {
    /// A Confluence Cloud site by URL: the origin only (scheme, host, port).
    Url(Url),
    /// A site of the bundled sandbox, started in-process.
    Sandbox(String),
}

impl SiteRef {
    /// A comparable identity: two references to one site have the same identity.
    pub fn identity(&self) -> String {
        match self {
            SiteRef::Url(url) => url.origin().ascii_serialization().to_ascii_lowercase(),
            SiteRef::Sandbox(name) => format!("sandbox:{}", name.to_ascii_lowercase()),
        }
    }
}

impl std::fmt::Display for SiteRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SiteRef::Url(url) => f.write_str(url.as_str().trim_end_matches('/')),
            SiteRef::Sandbox(name) => write!(f, "sandbox:{name}"),
        }
    }
}

/// One selected space and the key it gets on the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceSelection {
    /// The key as written in `spaces.keys`, with its span there.
    pub source_key: At<String>,
    /// The destination key: the `rename` value when there is one, else the source key.
    pub destination_key: At<String>,
    /// Whether `rename` gave the destination key.
    pub renamed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserScope {
    Related,
    All,
    /// No users or groups are copied: spaces and content only, with the destination's own
    /// groups and accounts (no organization API key needed).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memberships {
    Separately,
    WithGroups,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersPolicy {
    pub scope: At<UserScope>,
    pub include_group_members: At<bool>,
    pub memberships: At<Memberships>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    Latest,
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentPolicy {
    pub archived: At<bool>,
    pub history: At<History>,
}

/// A `[checks]` entry: an excludable check's errors become warnings, for a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOverride {
    pub code: At<crate::diagnostic::Code>,
    pub reason: At<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    pub concurrency: At<u32>,
}

/// A plan with every key present (defaults filled in), every value checked.
/// Defaults carry the span of the table (or file start) they would have been written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: At<String>,
    pub description: Option<At<String>>,
    pub source: At<SiteRef>,
    pub destination: At<SiteRef>,
    pub spaces: Vec<SpaceSelection>,
    /// The span of the `keys` array, for findings about the selection as a whole.
    pub spaces_span: Range<usize>,
    pub users: UsersPolicy,
    pub content: ContentPolicy,
    pub checks: Vec<CheckOverride>,
    pub run: RunSettings,
}

impl Plan {
    /// The override for a check, when the plan has one.
    pub fn check_override(&self, code: crate::diagnostic::Code) -> Option<&CheckOverride> {
        self.checks.iter().find(|o| o.code.value == code)
    }
}
