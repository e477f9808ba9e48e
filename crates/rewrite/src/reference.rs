//! What a rewrite returns: the new body and one record per reference met.

/// What kind of reference a [`Reference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReferenceKind {
    /// `ri:page`.
    Page,
    /// `ri:blog-post`.
    BlogPost,
    /// `ri:attachment`.
    Attachment,
    /// `ri:user` (mention).
    User,
    /// `ri:space`.
    Space,
    /// `ri:content-entity`.
    ContentEntity,
    /// A macro parameter naming spaces or a page.
    MacroParameter,
    /// An absolute (or `/wiki/` relative) link to the source site in `href`, `src` or `ri:url`.
    Link,
    /// `ac:inline-comment-marker` (reported only when it cannot be carried).
    InlineMarker,
    /// The whole body (only when it cannot be parsed).
    Body,
}

impl ReferenceKind {
    /// The kebab-case name used in `references.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::BlogPost => "blog-post",
            Self::Attachment => "attachment",
            Self::User => "user",
            Self::Space => "space",
            Self::ContentEntity => "content-entity",
            Self::MacroParameter => "macro-parameter",
            Self::Link => "link",
            Self::InlineMarker => "inline-marker",
            Self::Body => "body",
        }
    }
}

/// What happened to a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The reference now points at the destination (its bytes changed).
    Rewritten,
    /// In the plan and already right for the destination: nothing to change.
    Unchanged,
    /// Outside the plan: still points at the source site.
    KeptExternal,
    /// Could not be resolved; see the reason.
    Unresolved,
    /// Target not created yet: re-run the rewrite on this body in the final pass.
    Pending,
}

impl Outcome {
    /// The kebab-case name used in `references.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rewritten => "rewritten",
            Self::Unchanged => "unchanged",
            Self::KeptExternal => "kept-external",
            Self::Unresolved => "unresolved",
            Self::Pending => "pending",
        }
    }
}

/// One reference met in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: ReferenceKind,
    /// The source text: the element's start tag, the link, or `name=value` for a macro parameter.
    pub original: String,
    pub outcome: Outcome,
    /// The new text when the outcome is `Rewritten`.
    pub replacement: Option<String>,
    /// Why, when not `Rewritten`/`Unchanged`.
    pub reason: Option<String>,
    /// Byte offset of the reference in the source body.
    pub offset: usize,
}

/// One segment of an inline comment marker removed from the body; the caller re-creates its
/// thread. A selection that crosses paragraphs or table cells comes as several segments with the
/// same `ref_id`, in body order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineMarker {
    /// The `ac:ref` value (the source thread's marker ref).
    pub ref_id: String,
    /// The marked plain text (entities decoded).
    pub text: String,
    /// How many times `text` occurs in the body's plain text (`textSelectionMatchCount`).
    pub match_count: usize,
    /// Which of those occurrences is the marked one, from 0 (`textSelectionMatchIndex`).
    pub match_index: usize,
}

/// The result of rewriting one body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rewritten {
    pub body: String,
    pub references: Vec<Reference>,
    pub inline_markers: Vec<InlineMarker>,
    /// True when `body` differs from the input.
    pub changed: bool,
}

impl Rewritten {
    /// True when some reference waits for content not created yet: rewrite this body again once,
    /// in the final pass.
    pub fn needs_final_pass(&self) -> bool {
        self.references.iter().any(|r| r.outcome == Outcome::Pending)
    }

    /// The references worth reporting (everything but `Unchanged`).
    pub fn reportable(&self) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(|r| r.outcome != Outcome::Unchanged)
    }

    /// True when a thread lifted out of the body was anchored on more than one segment: the API
    /// anchors a new thread on one, so the body is written once more, with every segment
    /// marked, after the thread exists.
    pub fn has_split_selection(&self) -> bool {
        let mut seen = std::collections::HashSet::new();
        self.inline_markers.iter().any(|m| !seen.insert(m.ref_id.as_str()))
    }

    /// True when the body could not be parsed and was returned unchanged.
    pub fn unparsed(&self) -> bool {
        self.references.iter().any(|r| r.kind == ReferenceKind::Body)
    }
}
