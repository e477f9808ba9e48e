//! The one rule for what becomes of a reference in a copied body, shared by `apply` (which
//! writes the bodies) and `verify` (which predicts them): a reference to something the plan
//! copies points at its copy, anything else keeps pointing at the source.
//!
//! The rule needs two kinds of knowledge, kept apart: what the plan copies ([`Catalogue`], built
//! from the source snapshot) and which destination ids the copies got ([`Copies`]: the run's
//! mapping while it copies, the title-matched ids when verifying). [`PlanResolver`] answers the
//! body rewriter from both; neither caller has its own copy of the decisions.

pub mod catalogue;

pub use catalogue::Catalogue;

use crate::inventory::Inventory;
use crate::rewrite::{AttachmentOwner, Resolution, Resolver};

/// Which destination ids the copies of source items have, as far as known.
pub trait Copies {
    /// The destination id of the copy of a page, folder, blog post, attachment or comment, once
    /// it exists.
    fn destination_id(&self, source_id: &str) -> Option<String>;
    /// The marker ref that anchors the copy of an inline root comment in its page's body, once
    /// the copy exists and its marker is known (`source_ref` is the source thread's marker).
    fn marker_ref(&self, source_comment_id: &str, source_ref: &str) -> Option<String>;
}

/// The rewriter's questions about one body, answered by the rule: `container` is the source id
/// of the page or blog post holding the body (for a comment, the content it is on).
pub struct PlanResolver<'a, C: ?Sized> {
    pub catalogue: &'a Catalogue,
    pub copies: &'a C,
    pub inventory: &'a Inventory,
    pub container: &'a str,
}

impl<C: Copies + ?Sized> PlanResolver<'_, C> {
    fn titled(&self, space_key: &str, title: &str) -> Resolution {
        let Some(space) = self.catalogue.space(space_key) else { return Resolution::External };
        if self.catalogue.titled(space, title).is_some() {
            // Titles are kept; the space key, if renamed, is rewritten by its own question.
            Resolution::Unchanged
        } else {
            Resolution::Unresolved(format!("no page \"{title}\" is copied from space {space_key}"))
        }
    }
}

impl<C: Copies + ?Sized> Resolver for PlanResolver<'_, C> {
    fn page(&self, space_key: &str, title: &str) -> Resolution {
        self.titled(space_key, title)
    }

    fn blog_post(&self, space_key: &str, title: &str, _posting_day: &str) -> Resolution {
        self.titled(space_key, title)
    }

    fn attachment(&self, owner: &AttachmentOwner<'_>, filename: &str) -> Resolution {
        let container = match owner {
            AttachmentOwner::ContainingContent => Some(self.container),
            AttachmentOwner::Page { space_key, title }
            | AttachmentOwner::BlogPost { space_key, title, .. } => {
                let Some(space) = self.catalogue.space(space_key) else { return Resolution::External };
                self.catalogue.titled(space, title)
            }
        };
        match container {
            Some(id) if self.catalogue.has_file(id, filename) => Resolution::Unchanged,
            Some(_) => {
                Resolution::Unresolved(format!("no attachment \"{filename}\" is copied with that page"))
            }
            None => Resolution::Unresolved(format!("the page holding \"{filename}\" is not copied")),
        }
    }

    fn content_id(&self, source_id: &str) -> Resolution {
        if !self.catalogue.copies(source_id) {
            return Resolution::External;
        }
        match self.copies.destination_id(source_id) {
            Some(id) if id == source_id => Resolution::Unchanged,
            Some(id) => Resolution::Rewritten(id),
            None => Resolution::Pending(format!("{source_id} is not created yet")),
        }
    }

    fn space_key(&self, source_key: &str) -> Resolution {
        match self.catalogue.space(source_key) {
            Some(s) => {
                let key = self.catalogue.destination_key(s);
                if key == source_key { Resolution::Unchanged } else { Resolution::Rewritten(key.to_owned()) }
            }
            None => Resolution::External,
        }
    }

    fn account_id(&self, source_account_id: &str) -> Resolution {
        // The same Atlassian account on both sites: the id maps to itself, but only for users
        // the inventory knows.
        if !self.inventory.users.contains_key(source_account_id) {
            Resolution::Unresolved("the account is not among the users in the plan's scope".into())
        } else if self.inventory.destination_knows(source_account_id) {
            Resolution::Unchanged
        } else {
            Resolution::Unresolved(
                "the account has no access to the destination, and users.scope = \"none\" copies no user"
                    .into(),
            )
        }
    }

    fn inline_marker(&self, ref_id: &str) -> Resolution {
        let Some(comment) = self.catalogue.inline_comment(self.container, ref_id) else {
            // No thread behind it (a template's highlight, a deleted comment): kept as written.
            return Resolution::External;
        };
        match self.copies.marker_ref(comment, ref_id) {
            Some(new) if new == ref_id => Resolution::Unchanged,
            Some(new) => Resolution::Rewritten(new),
            None => Resolution::Pending(format!("inline comment {comment} is not posted yet")),
        }
    }
}
