//! The copy's side of the reference rule ([`crate::resolve`]): the destination ids this run and
//! earlier ones gave the plan's content so far.

use crate::resolve::{Copies, PlanResolver};
use crate::run::context::Copy;

pub use crate::resolve::Catalogue;

/// The resolver for one body the copy writes.
pub type CopyResolver<'a> = PlanResolver<'a, Copy>;

impl Copy {
    /// The resolver for a body held by the page or blog post `container` (a source id).
    pub fn resolver<'a>(&'a self, container: &'a str) -> CopyResolver<'a> {
        PlanResolver { catalogue: &self.catalogue, copies: self, inventory: &self.inventory, container }
    }
}

impl Copies for Copy {
    fn destination_id(&self, source_id: &str) -> Option<String> {
        let mapping = self.mapping.read().unwrap_or_else(|e| e.into_inner());
        mapping
            .content(source_id)
            .map(|(id, _)| id)
            .or_else(|| mapping.attachment(source_id))
            .or_else(|| mapping.comment(source_id))
    }

    fn marker_ref(&self, source_comment_id: &str, _source_ref: &str) -> Option<String> {
        self.mapping.read().unwrap_or_else(|e| e.into_inner()).marker_refs.get(source_comment_id).cloned()
    }
}
