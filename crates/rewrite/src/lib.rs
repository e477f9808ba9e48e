//! Body rewriter: rewrites the references inside Confluence storage-format bodies (pages, blog posts,
//! comments) so they point at the destination site, and reports every reference it met.
//!
//! This room is a pure library: no HTTP, no mappings of its own. The copy engine owns the mappings
//! and answers questions through a [`Resolver`]; the rewriter only reads the body and splices.
//!
//! Entry points:
//! - [`rewrite`]`(body, &Context, &impl Resolver) -> Rewritten`: one body. The output is the input
//!   byte for byte except the rewritten attribute values / parameter texts and the removed inline
//!   comment markers (no reformatting: attribute order, quoting, self-closing tags, whitespace,
//!   comments, CDATA and HTML entities such as `&nbsp;` survive as written).
//! - [`rewrite_many`]: the same on a batch, in parallel on rayon.
//! - [`normalise_for_verify`]: the canonical form the verifier compares (markers stripped, tags
//!   canonicalised, entities decoded, volatile ids dropped).
//! - [`tiny_link::encode`] / [`tiny_link::decode`]: `/wiki/x/{tiny}` links ↔ content ids.
//!
//! Reading order, one concept per file: [`context`] and [`resolver`] (what the caller supplies) →
//! [`walk`] (the streaming pass over the body, built on `quick-xml`; it never recurses, so nesting
//! depth only costs a stack entry) which uses [`tag`] (raw attribute spans), [`entity`] (decoding and
//! escaping), [`source_link`] and [`tiny_link`] (absolute links), [`macro_parameter`] (macro
//! parameters naming spaces or pages), [`inline_comment`] (marker text selection) and [`edit`] (the
//! splice) → [`reference`] (what comes back). A body that cannot be parsed comes back unchanged with
//! one `body` reference whose outcome is `unresolved` and whose reason says why.

pub mod batch;
pub mod context;
pub mod edit;
pub mod entity;
pub mod inline_comment;
pub mod macro_parameter;
pub mod normalise;
pub mod reference;
pub mod resolver;
pub mod source_link;
pub mod tag;
pub mod tiny_link;
pub mod walk;

pub use batch::rewrite_many;
pub use context::Context;
pub use inline_comment::anchors;
pub use normalise::normalise_for_verify;
pub use reference::{InlineMarker, Outcome, Reference, ReferenceKind, Rewritten};
pub use resolver::{AttachmentOwner, Resolution, Resolver};
pub use walk::rewrite;
