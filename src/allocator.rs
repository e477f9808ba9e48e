//! The allocator policy, in one place: how glibc's malloc is set up before the runtime starts
//! (`configure`, called first thing by `main`), and when memory it holds free is handed back to
//! the system (`release_freed`, called by the apply pipeline between reading and walking).
//! Elsewhere, glibc's defaults apply; on other platforms both do nothing.

/// glibc gives each thread that contends for the heap an arena of its own (up to 8 per core),
/// and memory freed in one arena is not reused by another: a long copy's runtime and blocking
/// threads keep several partly empty heaps resident. Two arenas hold the same data in less
/// memory (the 100,000-page copy bench was no slower with them). Set before the runtime starts
/// any thread.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn configure() {
    // SAFETY: mallopt only changes allocator settings; it is called before any other thread
    // exists. A refusal (0) leaves glibc's default, which is harmless.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        // glibc's initial threshold, kept fixed: blocks of 128 KiB and more (list answers of
        // 250 bodies, decoded JSON, big tables) are mapped on their own and unmapped when
        // freed. glibc would otherwise raise the threshold after the first such free and carve
        // them from the heap, where they leave holes that stay resident.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn configure() {}

/// Hands memory that the allocator holds free back to the system (glibc keeps freed memory
/// resident otherwise, and the walk's own growth would come on top of it).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed() {
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed() {}
