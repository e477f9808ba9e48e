//! Seeds the sandbox commands and the tests build in code: one large generated site, or a
//! generated source with an empty destination beside it. (The `confcopy sandbox` command itself
//! is `src/commands/sandbox.rs`.)

use super::generate::GenerateSpec;
use super::model::{AccountStatus, ProductPlan};
use super::seed::{Seed, SeedOrg, SeedSite, SeedUser};

/// A seed with one admin and one generated site `generated` in org `generated-org`.
pub fn generated_seed(spec: GenerateSpec) -> Seed {
    Seed {
        orgs: vec![SeedOrg {
            id: "generated-org".into(),
            name: "Generated".into(),
            admins: vec!["admin".into()],
            api_keys: vec!["sandbox-orgkey-generated".into()],
        }],
        users: vec![SeedUser {
            handle: "admin".into(),
            display_name: "Ada Admin".into(),
            email: Some("admin@generated.test".into()),
            account_id: None,
            status: AccountStatus::Active,
            api_tokens: vec!["sandbox-token-admin".into()],
        }],
        sites: vec![SeedSite {
            name: "generated".into(),
            org: "generated-org".into(),
            plan: ProductPlan::Standard,
            cloud_id: None,
            confluence: true,
            apps: Vec::new(),
            access: Vec::new(),
            site_admins: vec!["admin".into()],
            product_admins: vec!["admin".into()],
            groups: Vec::new(),
            spaces: Vec::new(),
            generate: Some(spec),
            faults: None,
        }],
    }
}

/// [`generated_seed`] plus an empty destination site `generated-dest` in the same organization
/// (same admin, no spaces): a source and destination pair for checks and copies at scale.
pub fn generated_pair_seed(spec: GenerateSpec) -> Seed {
    let mut seed = generated_seed(spec);
    let mut destination = seed.sites[0].clone();
    destination.name = "generated-dest".into();
    destination.generate = None;
    seed.sites.push(destination);
    seed
}
