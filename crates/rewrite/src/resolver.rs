//! The questions the rewriter asks the copy engine, which owns every source → destination mapping.

/// The answer to one question about one reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The target is in the plan and its destination value differs: use this value
    /// (a title, space key, content id, account id or file name, depending on the question).
    Rewritten(String),
    /// The target is in the plan and keeps the same value on the destination.
    Unchanged,
    /// The target is outside the plan: the reference keeps pointing at the source.
    External,
    /// The target should exist but cannot be found or mapped; the reason goes to the report.
    Unresolved(String),
    /// The target is in the plan but not created yet: the caller re-runs the rewrite on this body
    /// once, in its final pass. The reason (e.g. "page 123 not created yet") goes to the report.
    Pending(String),
}

/// The container an `ri:attachment` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentOwner<'a> {
    /// The content holding the body (see the [`super::Context`]); for a comment, the page or
    /// blog post the comment is on.
    ContainingContent,
    /// A page named by a nested `ri:page` (space key defaulted to the context's).
    Page { space_key: &'a str, title: &'a str },
    /// A blog post named by a nested `ri:blog-post`.
    BlogPost { space_key: &'a str, title: &'a str, posting_day: &'a str },
}

/// Implemented by the copy engine. All values are source-site values, already entity-decoded.
/// Implementations must be cheap (in-memory maps): they are called once per reference.
pub trait Resolver {
    /// A page by space key and title. `Rewritten(title)` when the destination title differs.
    fn page(&self, space_key: &str, title: &str) -> Resolution;
    /// A blog post by space key, title and posting day (`YYYY/MM/DD`).
    fn blog_post(&self, space_key: &str, title: &str, posting_day: &str) -> Resolution;
    /// An attachment by owner and file name. `Rewritten(file name)` when it was renamed.
    fn attachment(&self, owner: &AttachmentOwner<'_>, filename: &str) -> Resolution;
    /// A content id (page, blog post, attachment, comment). `Rewritten(destination id)`, or
    /// `Pending` while the destination content does not exist yet.
    fn content_id(&self, source_id: &str) -> Resolution;
    /// A space key. `Rewritten(key)` when the plan renames it, `Unchanged` when copied under the
    /// same key, `External` when the space is not in the plan.
    fn space_key(&self, source_key: &str) -> Resolution;
    /// An Atlassian account id. Usually `Unchanged` (same account on both sites), but never assumed.
    fn account_id(&self, source_account_id: &str) -> Resolution;
    /// An inline comment marker's `ac:ref`. `Pending` lifts the marker out of the body (the
    /// caller re-creates the thread, which anchors itself on the same text); `Rewritten(ref)`
    /// keeps it, pointing at the re-created thread; `Unchanged` and `External` (no thread behind
    /// it) keep it as written; `Unresolved` keeps it and reports why.
    fn inline_marker(&self, ref_id: &str) -> Resolution {
        let _ = ref_id;
        Resolution::Pending("the thread is re-created by the caller".to_owned())
    }
    /// A legacy `ri:userkey`. `Rewritten(account id)` replaces the attribute by `ri:account-id`.
    fn user_key(&self, user_key: &str) -> Resolution {
        let _ = user_key;
        Resolution::Unresolved("legacy ri:userkey with no account id mapping".to_owned())
    }
}

/// Every reference stays as it is (`Unchanged`); the rewritten body equals the input, unless
/// `lift_markers` asks for inline comment markers to be lifted out (to read where they are).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityResolver {
    pub lift_markers: bool,
}

impl Resolver for IdentityResolver {
    fn page(&self, _: &str, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn blog_post(&self, _: &str, _: &str, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn attachment(&self, _: &AttachmentOwner<'_>, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn content_id(&self, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn space_key(&self, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn account_id(&self, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn user_key(&self, _: &str) -> Resolution {
        Resolution::Unchanged
    }
    fn inline_marker(&self, _: &str) -> Resolution {
        if self.lift_markers {
            Resolution::Pending("lifted to read where it is".to_owned())
        } else {
            Resolution::Unchanged
        }
    }
}
