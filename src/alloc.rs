//! Memory reuse for CPU training.
//!
//! A training step allocates and frees the same tens of megabytes every step (activations,
//! their gradients, candle's gradient sums). glibc's malloc serves large blocks with fresh `mmap`
//! pages and returns freed heap tops to the system, so every step pays the page faults and the
//! kernel's zeroing again (measured: ~15% of a scene-net-s training step on 2 cores). Raising
//! the mmap threshold to its maximum (32 MiB) and the trim threshold to 1 GiB keeps that memory
//! in the process for the next step; a process may hold up to 1 GiB of freed memory as a result.
//!
//! [`keep_freed_memory`] is called by the `xmodal` command and by [`crate::script::engine`]; an
//! embedding program may call it too. It does nothing when the user tunes malloc themselves
//! (`GLIBC_TUNABLES` naming malloc, or `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_`), when
//! `XMODAL_MALLOC=default`, or off glibc.

use std::sync::Once;

static TUNED: Once = Once::new();

/// Set glibc's malloc to keep freed memory for reuse (once per process; see the module doc).
pub fn keep_freed_memory() {
    TUNED.call_once(|| {
        if user_tunes_malloc() {
            return;
        }
        set_thresholds();
    });
}

/// Whether the environment already decides malloc's behaviour.
fn user_tunes_malloc() -> bool {
    let var = |k: &str| std::env::var(k).ok();
    var("XMODAL_MALLOC").is_some_and(|v| v == "default")
        || var("GLIBC_TUNABLES").is_some_and(|v| v.contains("malloc"))
        || var("MALLOC_MMAP_THRESHOLD_").is_some()
        || var("MALLOC_TRIM_THRESHOLD_").is_some()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_thresholds() {
    // SAFETY: mallopt only changes allocator parameters; it is called once, before the
    // allocations it is meant for, and glibc serialises it against concurrent malloc calls.
    unsafe {
        // 32 MiB is the largest value glibc accepts on 64-bit systems.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_thresholds() {}
