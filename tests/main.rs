//! The one integration-test binary. Each module is a story told through the `confcopy` binary
//! or through real HTTP against sandbox sites.

mod apply_durable;
mod apply_faults;
mod apply_sandbox;
mod check_faults;
mod check_sites;
mod client_admin;
mod client_auth;
mod client_errors;
mod client_fake;
mod client_pagination;
mod client_rate_limit;
mod client_retries;
mod client_sandbox;
mod plan_check;
mod rewrite_corpus;
mod rewrite_fixture;
mod rewrite_links;
mod rewrite_malformed;
mod rewrite_markers;
mod rewrite_properties;
mod rewrite_references;
mod sandbox_api;
mod sandbox_faults;
mod sandbox_generate;
mod sandbox_index;
mod sandbox_observe;
mod sandbox_schema;
mod state_dir;
mod state_journal;
mod state_lock;
mod state_registry;
mod support;
mod support_sandbox;
mod verify_generated;
mod verify_sandbox;
