//! The work of each kind of node: one function per kind, each doing one unit of copying.

mod attachment;
mod comment;
mod content;
mod fixup;
mod order;
mod people;
mod space;

use super::context::Copy;
use super::outcome::Outcome;
use crate::graph::NodeKind;

/// Does one node's work. Nodes without copied content of their own (memberships, labels,
/// permissions, restrictions, fix-ups) that an earlier run finished are not done again.
pub async fn run(copy: &Copy, kind: &NodeKind) -> Outcome {
    let repeatable_done = matches!(
        kind,
        NodeKind::Membership { .. }
            | NodeKind::SpacePermissions { .. }
            | NodeKind::Labels { .. }
            | NodeKind::Restrictions { .. }
            | NodeKind::Order { .. }
            | NodeKind::FixUp { .. }
    );
    if repeatable_done && copy.recorder.done_before(&kind.key(&copy.snapshot)) {
        return super::context::done_earlier();
    }
    match kind {
        NodeKind::Group { name } => people::group(copy, name).await,
        NodeKind::User { account_id } => people::user(copy, account_id),
        NodeKind::Membership { group, account_id } => people::membership(copy, group, account_id).await,
        NodeKind::Space { space } => space::space(copy, *space).await,
        NodeKind::SpacePermissions { space } => space::permissions(copy, *space).await,
        NodeKind::Page { space, page } => content::page(copy, *space, *page).await,
        NodeKind::BlogPost { space, post } => content::blog_post(copy, *space, *post).await,
        NodeKind::Labels { space, content: at } => content::labels(copy, *space, *at).await,
        NodeKind::Restrictions { space, content: at } => content::restrictions(copy, *space, *at).await,
        NodeKind::Attachment { space, attachment } => attachment::attachment(copy, *space, *attachment).await,
        NodeKind::Comment { space, comment } => comment::comment(copy, *space, *comment).await,
        NodeKind::Order { space } => order::order(copy, *space).await,
        NodeKind::FixUp { space } => fixup::fix_up(copy, *space).await,
    }
}
