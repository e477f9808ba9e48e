//! The state of emulated Confluence Cloud sites: one concept per file, no logic here.

pub mod access;
pub mod account;
pub mod attachment;
pub mod body;
pub mod comment;
pub mod content;
pub mod group;
pub mod index;
pub mod inline_marker;
pub mod label;
pub mod list_positions;
pub mod org;
pub mod permission;
pub mod property;
pub mod restriction;
pub mod site;
pub mod space;
pub mod world;

pub use account::{Account, AccountStatus};
pub use attachment::{Attachment, AttachmentVersion, BlobData};
pub use body::Body;
pub use comment::{Comment, CommentKind, ResolutionStatus};
pub use content::{Content, ContentKind, ContentStatus, Version};
pub use group::Group;
pub use index::ContentIndex;
pub use label::Label;
pub use list_positions::ListPositions;
pub use org::Organization;
pub use permission::{Principal, PrincipalType, SpacePermission};
pub use property::Property;
pub use restriction::{Restriction, Restrictions};
pub use site::{App, ProductPlan, Site};
pub use space::{Space, SpaceStatus, SpaceType};
pub use world::World;
