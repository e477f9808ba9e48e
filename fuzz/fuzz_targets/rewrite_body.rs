//! The storage-format rewriter on arbitrary text, checked by the oracle shared with
//! `tests/fuzz_inputs.rs` (fuzz/common/rewrite_oracle.rs says what it checks).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../common/rewrite_oracle.rs"]
mod rewrite_oracle;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = std::str::from_utf8(data) {
        rewrite_oracle::check(body);
    }
});
