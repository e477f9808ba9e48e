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
