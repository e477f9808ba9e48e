//! Rewriting many bodies at once, in parallel on rayon's global pool.

use rayon::prelude::*;

use super::context::Context;
use super::reference::Rewritten;
use super::resolver::Resolver;
use super::walk::rewrite;

/// Rewrites each `(body, context)` pair; results come back in input order.
pub fn rewrite_many<R: Resolver + Sync>(items: &[(&str, &Context)], resolver: &R) -> Vec<Rewritten> {
    items.par_iter().map(|(body, ctx)| rewrite(body, ctx, resolver)).collect()
}
