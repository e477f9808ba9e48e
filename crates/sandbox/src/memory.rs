//! The sandbox's hold on memory. Serving a large site allocates and frees a lot in between
//! what it keeps (list answers of rendered bodies, uploads on their way in); glibc's malloc
//! keeps freed memory resident between the long-lived site data, so a process serving a
//! 100,000-page copy held several times the site itself. The running sandbox hands freed memory
//! back to the system every few seconds.

use std::time::Duration;

/// How often freed memory is handed back.
pub const RELEASE_EVERY: Duration = Duration::from_secs(2);

/// Returns the allocator's free memory to the system (glibc only; elsewhere nothing to do).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed() {
    // SAFETY: malloc_trim only walks and releases glibc's own free lists; 0 keeps no pad.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed() {}
