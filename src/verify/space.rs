//! The space itself: its name, its labels and its permissions (users by account id, groups by
//! name, anonymous). The destination's grants to the account that created the space are not
//! differences: creating a space grants its creator every permission.

use std::collections::BTreeSet;

use super::content::{labels, subject};
use super::difference::Difference;
use super::pair::Pair;
use crate::diagnostic::Code;
use crate::snapshot::{Permission, Subject};

/// Compares name, labels and permissions of one space pair.
pub fn compare(pair: &Pair<'_>, creator: &str) -> Vec<Difference> {
    let mut out = Vec::new();
    if pair.source.name != pair.destination.name {
        out.push(Difference::new(
            pair.scope,
            Code::VerifySpaceDiffers,
            "space name",
            &pair.source.name,
            &pair.destination.name,
        ));
    }
    out.extend(labels(pair, "space", &pair.source.labels, &pair.destination.labels));
    let source: BTreeSet<&Permission> = pair.source.permissions.iter().collect();
    let destination: BTreeSet<&Permission> = pair.destination.permissions.iter().collect();
    let item = |p: &Permission| format!("{} may {} {}", subject(&p.subject), p.operation, p.target);
    for p in source.difference(&destination) {
        out.push(Difference::new(pair.scope, Code::VerifyPermissionMissing, item(p), "granted", ""));
    }
    for p in destination.difference(&source) {
        if p.subject == Subject::User(creator.to_string()) {
            continue;
        }
        out.push(Difference::new(pair.scope, Code::VerifyPermissionExtra, item(p), "", "granted"));
    }
    out
}
