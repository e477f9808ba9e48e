//! Diagnostics: findings with a stable code, a severity, labels on a plan file and help.
//!
//! Every phase (plan validation, site checks, verification) reports through [`Diagnostic`];
//! [`render`] turns a set of them into human, JSON or GitHub-annotation output.

mod catalogue;
mod finding;
pub mod render;
mod source;

pub use catalogue::{CATALOGUE, Code, CodeInfo};
pub use finding::{Diagnostic, Label, Severity};
pub use source::{LineCol, SourceFile};
