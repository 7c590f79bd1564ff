//! The binary's allocator and its settings, in one place: `main.rs`, the benchmarks and the `scale` example
//! include this file, so the figures in docs/benchmarks.md are the binary's. The library sets none.
//!
//! mimalloc (v2): the engine allocates and frees millions of small strings and vectors on several threads,
//! and mimalloc's per-thread free lists cost less than the system allocator's arenas there.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long freed memory stays with the process before mimalloc returns it to the OS, in milliseconds
/// (mimalloc's default is 10). An audit builds its indexes and findings in well under a second, freeing and
/// reallocating hundreds of MiB as it goes; returned after 10 ms, that memory came back as fresh (huge) pages
/// that the kernel zeroed again: on the dense 50,000-group account 0.14-0.42 s of system time per audit
/// (up to 1.7 s for four in one process), against 0.03-0.15 s with a second's delay (docs/benchmarks.md). Memory is still returned once the process
/// has stopped reusing it for a second.
const PURGE_DELAY_MS: std::ffi::c_long = 1000;

/// mimalloc.h's `mi_option_purge_delay` (v2), which libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Applies the settings, unless the environment sets the same mimalloc option (`MIMALLOC_PURGE_DELAY`), which
/// then wins. Call first thing in `main`.
pub fn configure() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option of mimalloc's option table; valid at any time, on any thread.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

// A test at the top level, not in a module: the benchmarks include this file without a test harness.
#[cfg(test)]
#[test]
fn the_option_is_the_purge_delay_and_configure_sets_it() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: reads one integer option.
    let get = |o| unsafe { libmimalloc_sys::mi_option_get(o) };
    // mimalloc's documented defaults: purge delay 10 ms, its neighbour the eager-commit delay 1 segment.
    assert_eq!(get(MI_OPTION_PURGE_DELAY), 10, "option 15 is mimalloc's purge delay");
    assert_eq!(get(MI_OPTION_PURGE_DELAY - 1), 1);
    configure();
    assert_eq!(get(MI_OPTION_PURGE_DELAY), PURGE_DELAY_MS);
}
