//! Serde models of the API answers and of what confcopy sends. Tolerant: unknown fields are
//! ignored and what the server may omit is optional.

pub mod admin_key;
pub mod app;
pub mod attachment;
pub mod comment;
pub mod content;
pub mod group;
pub(crate) mod id;
pub mod label;
pub mod org;
pub mod page;
pub mod property;
pub mod restriction;
pub mod space;
pub mod tenant;
pub mod user;
