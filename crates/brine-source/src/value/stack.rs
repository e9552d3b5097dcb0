//! Room on the stack for deep values.
//!
//! The writer and the reader recurse once per level of nesting, as serde
//! does. Past a few hundred levels a debug build's frames would fill a 2 MiB
//! thread stack, so each level goes through [`grow`]: where the `stacker`
//! crate is used (Linux on x86_64 and aarch64: its build script compiles
//! assembly with the target's C compiler, which a cross-target check of the
//! other platforms cannot run), it moves the rest of
//! the work to a new stack segment on the heap when the current one runs
//! low, as rustc does; elsewhere it only calls, and the depth limit alone
//! bounds the recursion.

/// The room [`CHECK_EVERY`] levels may use before the next check: a debug
/// build's frames of one level of a serde value (the caller's
/// `Deserialize` impl, a visitor, the reader) take a few KiB.
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
const RED_ZONE: usize = 256 * 1024;

/// The size of each new stack segment.
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, on a new stack segment if less than [`RED_ZONE`] is left.
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// Runs `f` (no stack growth on this target).
#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// How many levels may pass between two checks of the stack: [`grow_at`]
/// checks at every `CHECK_EVERY`th level only, so that the common shallow
/// value and the items of a long sequence pay nothing. [`RED_ZONE`] covers
/// that many levels of a debug build's frames with room to spare.
const CHECK_EVERY: usize = 8;

/// [`grow`] for the work of level `depth`: checks the stack only every
/// [`CHECK_EVERY`] levels.
#[inline]
pub(crate) fn grow_at<R>(depth: usize, f: impl FnOnce() -> R) -> R {
    if depth.is_multiple_of(CHECK_EVERY) { grow(f) } else { f() }
}
