//! What happened to one node.

/// A node's final state. Every node of a run ends with exactly one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written to the destination (or, in a dry-run, would be).
    Copied { detail: Option<String> },
    /// The destination already had it (a merged group, a copy from an earlier run).
    Present { detail: String },
    /// Deliberately not copied (a former user, a personal space); does not block what needs it.
    Skipped { reason: String },
    /// Tried and failed; what needs it is not copied.
    Failed { reason: String },
    /// Not tried, because something it needs failed.
    Blocked { reason: String },
}

/// Begins the part of a permissions or restrictions outcome's detail that names what was left
/// out because the destination lacks it (`users.scope = "none"`); the reports pick it up.
pub const LEFT_OUT: &str = "left out, not on the destination: ";

impl Outcome {
    pub fn copied() -> Self {
        Outcome::Copied { detail: None }
    }

    pub fn copied_with(detail: impl Into<String>) -> Self {
        Outcome::Copied { detail: Some(detail.into()) }
    }

    /// A failed item; its reason is said in the reports (a message, or an error's text).
    pub fn failed(reason: impl std::fmt::Display) -> Self {
        Outcome::Failed { reason: reason.to_string() }
    }

    /// Whether nodes that need this one may run.
    pub fn unblocks(&self) -> bool {
        matches!(self, Outcome::Copied { .. } | Outcome::Present { .. } | Outcome::Skipped { .. })
    }

    /// The word reports use.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Copied { .. } => "copied",
            Outcome::Present { .. } => "already-present",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
            Outcome::Blocked { .. } => "not-copied",
        }
    }

    /// How a tally counts it.
    pub fn settled(&self) -> crate::state::Settled {
        match self {
            Outcome::Copied { .. } => crate::state::Settled::Copied,
            Outcome::Present { .. } | Outcome::Skipped { .. } => crate::state::Settled::Skipped,
            Outcome::Failed { .. } | Outcome::Blocked { .. } => crate::state::Settled::Failed,
        }
    }

    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Copied { detail } => detail.as_deref(),
            Outcome::Present { detail } => Some(detail),
            Outcome::Skipped { reason } | Outcome::Failed { reason } | Outcome::Blocked { reason } => {
                Some(reason)
            }
        }
    }
}
