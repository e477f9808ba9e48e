//! What makes a journal belong to a plan: its source, its destination and where each space
//! goes. A plan file may change between runs (a space added, a comment edited) but not in a
//! way that would point the journal's id mappings at a different site or space.

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

/// The parts of a plan that its journal depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanIdentity {
    pub name: String,
    /// The source site's identity ([`SiteRef::identity`](crate::plan::SiteRef::identity)).
    pub source: String,
    pub destination: String,
    pub spaces: Vec<SpaceIdentity>,
}

/// One selected space and the key it gets on the destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceIdentity {
    pub source_key: String,
    pub destination_key: String,
}

impl PlanIdentity {
    pub fn of(plan: &Plan) -> PlanIdentity {
        PlanIdentity {
            name: plan.name.value.clone(),
            source: plan.source.value.identity(),
            destination: plan.destination.value.identity(),
            spaces: plan
                .spaces
                .iter()
                .map(|space| SpaceIdentity {
                    source_key: space.source_key.value.clone(),
                    destination_key: space.destination_key.value.clone(),
                })
                .collect(),
        }
    }

    /// How `now` conflicts with this (recorded) identity. Adding or dropping spaces is no
    /// conflict; changing a site, or where an already-recorded space goes, is. Space keys
    /// compare case-insensitively, as Confluence compares them.
    pub fn conflicts_with(&self, now: &PlanIdentity) -> Vec<Conflict> {
        let mut conflicts = Vec::new();
        if !self.source.eq_ignore_ascii_case(&now.source) {
            conflicts.push(Conflict::Source { recorded: self.source.clone(), now: now.source.clone() });
        }
        if !self.destination.eq_ignore_ascii_case(&now.destination) {
            conflicts.push(Conflict::Destination {
                recorded: self.destination.clone(),
                now: now.destination.clone(),
            });
        }
        for space in &now.spaces {
            let recorded = self.spaces.iter().find(|r| r.source_key.eq_ignore_ascii_case(&space.source_key));
            if let Some(recorded) = recorded
                && !recorded.destination_key.eq_ignore_ascii_case(&space.destination_key)
            {
                conflicts.push(Conflict::SpaceDestinationKey {
                    source_key: space.source_key.clone(),
                    recorded: recorded.destination_key.clone(),
                    now: space.destination_key.clone(),
                });
            }
        }
        conflicts
    }

    /// This identity with `later`'s spaces added (a space recorded once stays recorded).
    pub(crate) fn merged_with(&self, later: &PlanIdentity) -> PlanIdentity {
        let mut merged = self.clone();
        for space in &later.spaces {
            if !merged.spaces.iter().any(|r| r.source_key.eq_ignore_ascii_case(&space.source_key)) {
                merged.spaces.push(space.clone());
            }
        }
        merged
    }
}

/// One way a plan changed that its journal cannot follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    Source { recorded: String, now: String },
    Destination { recorded: String, now: String },
    SpaceDestinationKey { source_key: String, recorded: String, now: String },
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conflict::Source { recorded, now } => {
                write!(f, "the source site changed from {recorded} to {now}")
            }
            Conflict::Destination { recorded, now } => {
                write!(f, "the destination site changed from {recorded} to {now}")
            }
            Conflict::SpaceDestinationKey { source_key, recorded, now } => {
                write!(f, "space {source_key} was copied to key {recorded}, the plan now says {now}")
            }
        }
    }
}

/// A plan that no longer matches its journal, with every conflict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plan \"{plan}\" changed in a way its earlier runs cannot continue: {}; \
     restore the plan file, or give the changed plan a new name to start a new record",
    conflicts.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
)]
pub struct Incompatible {
    pub plan: String,
    pub conflicts: Vec<Conflict>,
}
