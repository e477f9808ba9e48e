//! Runs every comparison over both sides and collects every difference, in plan order.

use super::difference::{Difference, Scope};
use super::expected::{Bodies, Expected};
use super::pair::Pair;
use super::sides::{Sides, Trouble};
use crate::diagnostic::Code;
use crate::plan::Plan;

/// What was compared, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Compared {
    pub spaces: usize,
    pub pages: usize,
    pub blog_posts: usize,
    pub attachments: usize,
    pub comments: usize,
}

/// Compares both sides space by space.
pub async fn compare(plan: &Plan, sides: &Sides) -> Result<(Vec<Difference>, Compared), Trouble> {
    let mut differences = Vec::new();
    let mut compared = Compared::default();
    let mut pairs = Vec::new();
    for (index, (selection, &(source_at, destination_at))) in
        plan.spaces.iter().zip(&sides.spaces).enumerate()
    {
        let scope = Scope::Space(index);
        match (source_at, destination_at) {
            (Some(s), Some(d)) => pairs.push(Pair {
                scope,
                source: &sides.source.spaces[s],
                destination: &sides.destination.spaces[d],
                source_spool: &sides.source.spool,
                destination_spool: &sides.destination.spool,
            }),
            (None, _) => differences.push(Difference::new(
                scope,
                Code::VerifySpaceMissing,
                format!("space {} on the source", selection.source_key.value),
                "present",
                "absent",
            )),
            (Some(_), None) => differences.push(Difference::new(
                scope,
                Code::VerifySpaceMissing,
                format!("space {} on the destination", selection.destination_key.value),
                "present",
                "absent",
            )),
        }
    }

    // Ids first: a body may link to content or attachments in any copied space.
    let mut expected = Expected::default();
    let concurrency = plan.run.concurrency.value as usize;
    let mut attachment_differences = Vec::new();
    for pair in &pairs {
        expected.ids.extend(pair.matched_ids());
        let (found, ids) =
            super::attachments::compare(pair, &sides.source_client, &sides.destination_client, concurrency)
                .await?;
        attachment_differences.push(found);
        expected.ids.extend(ids);
    }

    let catalogue = crate::resolve::Catalogue::new(&sides.source)?;
    let bodies = Bodies {
        expected: &expected,
        catalogue: &catalogue,
        inventory: &sides.inventory,
        source_origins: &sides.source_origins,
        destination_origin: &sides.destination_origin,
    };
    for (pair, attachments) in pairs.iter().zip(attachment_differences) {
        differences.extend(super::space::compare(pair, &sides.destination_account));
        differences.extend(super::content::compare(pair, &bodies).map_err(Trouble::Spool)?);
        differences.extend(attachments);
        differences.extend(super::comments::compare(pair, &bodies).map_err(Trouble::Spool)?);
        compared.spaces += 1;
        compared.pages += pair.source.pages.len();
        compared.blog_posts += pair.source.blog_posts.len();
        compared.attachments += pair.source.attachments.len();
        compared.comments += pair.source.comments.len();
    }
    differences.extend(super::memberships::compare(plan.users.memberships.value, &sides.inventory));
    Ok((differences, compared))
}
