//! The plan format, described once: the shape pass validates against it and the JSON Schema
//! is generated from it, so the two cannot drift apart.

use crate::diagnostic::Code;

/// A key of a table in the plan.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub doc: &'static str,
    /// The default as JSON text, shown in the schema.
    pub default: Option<&'static str>,
    /// The code reported when a required key is missing.
    pub missing: Code,
}

#[derive(Debug)]
pub enum Kind {
    String,
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    /// A string that must be one of these.
    Choice(&'static [&'static str]),
    /// An array of strings.
    StringList,
    Table(&'static [Field]),
    /// A table whose keys are chosen by the user, each holding a value of one kind.
    Map {
        key_doc: &'static str,
        value: &'static Kind,
    },
}

impl Kind {
    /// The TOML type name used in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::String | Kind::Choice(_) => "a string",
            Kind::Bool => "a boolean (true or false)",
            Kind::Integer { .. } => "an integer",
            Kind::StringList => "an array of strings",
            Kind::Table(_) | Kind::Map { .. } => "a table",
        }
    }
}

const fn field(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field { name, kind, required: false, doc, default: None, missing: Code::PlanMissingKey }
}

const fn required(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field { name, kind, required: true, doc, default: None, missing: Code::PlanMissingKey }
}

const fn with_default(name: &'static str, kind: Kind, default: &'static str, doc: &'static str) -> Field {
    Field { name, kind, required: false, doc, default: Some(default), missing: Code::PlanMissingKey }
}

pub const SCOPES: &[&str] = &["related", "all", "none"];
pub const MEMBERSHIPS: &[&str] = &["separately", "with-groups"];
pub const HISTORIES: &[&str] = &["latest", "all"];
pub const OVERRIDE_SEVERITIES: &[&str] = &["warning"];
pub const MIN_CONCURRENCY: i64 = 1;
pub const MAX_CONCURRENCY: i64 = 64;
pub const DEFAULT_CONCURRENCY: u32 = 8;

const SPACES: &[Field] = &[
    required(
        "keys",
        Kind::StringList,
        "Keys of the source spaces to copy, e.g. [\"MKT\", \"DOCS\"]. Compared case-insensitively.",
    ),
    field(
        "rename",
        Kind::Map { key_doc: "a selected source space key", value: &Kind::String },
        "Destination key for a source key, e.g. { MKT = \"MKTEU\" }.",
    ),
];

const USERS: &[Field] = &[
    with_default(
        "scope",
        Kind::Choice(SCOPES),
        "\"related\"",
        "Which users and groups are copied: those related to the selected spaces (\"related\"), all of the source site's (\"all\"), or none (\"none\": spaces and content only, no organization API key needed; permissions, restrictions and mentions keep only the groups and accounts the destination already has).",
    ),
    with_default(
        "include_group_members",
        Kind::Bool,
        "false",
        "With scope = \"related\": also copy the other members of the groups those users belong to.",
    ),
    with_default(
        "memberships",
        Kind::Choice(MEMBERSHIPS),
        "\"separately\"",
        "\"separately\": users and groups are copied but no one is added to a group (no product access, no licence). \"with-groups\": memberships are kept (users get access and count towards the licence). Ignored with scope = \"none\".",
    ),
];

const CONTENT: &[Field] = &[
    with_default("archived", Kind::Bool, "true", "Copy archived pages and blog posts."),
    with_default(
        "history",
        Kind::Choice(HISTORIES),
        "\"latest\"",
        "Copy only the latest version of each page, or all of its versions.",
    ),
];

const CHECK_OVERRIDE: &[Field] = &[
    required(
        "severity",
        Kind::Choice(OVERRIDE_SEVERITIES),
        "The severity the check's errors get instead: only \"warning\".",
    ),
    Field {
        missing: Code::PlanCheckReasonMissing,
        ..required(
            "reason",
            Kind::String,
            "Why the error is acceptable for this plan; shown with every finding.",
        )
    },
];

const RUN: &[Field] = &[with_default(
    "concurrency",
    Kind::Integer { min: MIN_CONCURRENCY, max: MAX_CONCURRENCY },
    "8",
    "Requests in flight at once per site.",
)];

const ROOT: &[Field] = &[
    required(
        "name",
        Kind::String,
        "The plan's name, unique per state directory: letters, digits, '-', '_' and '.'.",
    ),
    field("description", Kind::String, "What the plan is for."),
    required(
        "source",
        Kind::String,
        "The site to copy from: https://SITE.atlassian.net, or sandbox:NAME for a bundled sandbox site.",
    ),
    required(
        "destination",
        Kind::String,
        "The site to copy to: https://SITE.atlassian.net, or sandbox:NAME for a bundled sandbox site.",
    ),
    required("spaces", Kind::Table(SPACES), "The spaces to copy."),
    field("users", Kind::Table(USERS), "How users and groups are copied."),
    field("content", Kind::Table(CONTENT), "What content of the spaces is copied."),
    field(
        "checks",
        Kind::Map { key_doc: "the code of an excludable check", value: &Kind::Table(CHECK_OVERRIDE) },
        "Downgrade an excludable check's errors to warnings, with a reason.",
    ),
    field("run", Kind::Table(RUN), "How the copy runs."),
];

/// The whole plan format: the keys of the root table.
pub const FORMAT: &[Field] = ROOT;
