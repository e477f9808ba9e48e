//! The typed endpoints of [`SiteClient`](super::SiteClient), one file per kind of entity.

mod access;
mod attachments;
mod blog_posts;
mod bulk;
mod comment_update;
mod comments;
mod groups;
mod labels;
mod listings;
mod markers;
mod pages;
mod properties;
mod restrictions;
mod spaces;
mod users;

pub use attachments::Download;
pub use bulk::{Folder, PageVersion, RestrictedContent, RestrictionsByOperation, SpaceByKey};
pub use comments::CommentKind;
pub use markers::MarkedItem;
pub use spaces::SpaceFilter;
pub use users::USERS_BULK_MAX;

/// A v1 page's place among its siblings (`extensions.position`): Confluence gives it as a
/// number; a string ("none") or anything else means none.
fn v1_position(extensions: &serde_json::Value) -> Option<i64> {
    extensions.get("position").and_then(serde_json::Value::as_i64)
}
