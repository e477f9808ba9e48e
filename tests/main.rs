//! The one integration-test binary. Each module is a story told through the `confcopy` binary
//! or through real HTTP against sandbox sites.

mod client_admin;
mod client_auth;
mod client_errors;
mod client_fake;
mod client_pagination;
mod client_retries;
mod plan_check;
mod support;
mod sandbox_api;
mod sandbox_faults;
mod sandbox_observe;
mod support_sandbox;
mod sandbox_schema;
mod sandbox_generate;
