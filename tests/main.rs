//! The one integration-test binary. Each module is a story told through the `confcopy` binary
//! or through real HTTP against sandbox sites.

mod plan_check;
mod support;
