//! The HTTP face of a sandbox site: one loopback listener per site, Confluence's paths,
//! authentication, pagination and error shapes. No logic here.

pub mod admin;
pub mod auth;
pub mod body_write;
pub mod bulk;
pub mod comment_update;
pub mod content_create;
pub mod control;
pub mod multipart;
pub mod pagination;
pub mod properties;
pub mod render;
pub mod reply;
pub mod request;
pub mod route;
pub mod server;
pub mod v1_content;
pub mod v1_create;
pub mod v1_item;
pub mod v1_space;
pub mod v1_users;
pub mod v2_attachments;
pub mod v2_comments;
pub mod v2_content;
pub mod v2_spaces;
pub mod v2_users;
