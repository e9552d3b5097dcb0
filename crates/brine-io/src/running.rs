//! The one word a thread keeps for the brine loads running on it: how many
//! run (nested loads count), whether one of them noted what a `Deserialize`
//! impl said ([`decode::notes`](crate::decode::notes)), and the trust scope
//! in force, as the byte [`trust::Scope`](crate::trust::Scope) makes of it
//! (this module knows nothing of what the byte means).
//!
//! Invariants:
//!
//! - One `Cell<u64>` with a constant initialiser and no destructor: a load
//!   reads and writes it once as it starts and once as it ends, each a plain
//!   access to the thread's memory, with no call and no flag to check.
//! - Every change is a read of the whole word and a write of the whole word
//!   (never of a part), so the parts never disagree and a read never waits
//!   on writes of pieces of it.
//! - The word is all zeros outside any load and any [`Scope::run`]: no load
//!   running, nothing noted, [`Trust::Values`] without stale code.
//!
//! [`Scope::run`]: crate::trust::Scope::run
//! [`Trust::Values`]: crate::Trust::Values

use std::cell::Cell;

thread_local! {
    static WORD: Cell<u64> = const { Cell::new(0) };
}

/// The loads running, saturating (bits 0..32).
const LOADS: u64 = 0xFFFF_FFFF;
/// Whether the notes hold anything (bit 32).
const NOTED: u64 = 1 << 32;
/// Where the scope's byte starts.
const SCOPE_SHIFT: u32 = 40;
const SCOPE: u64 = 0xFF << SCOPE_SHIFT;

/// The thread's word, read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word(u64);

impl Word {
    /// Whether any brine load is running on the thread.
    pub(crate) fn running(self) -> bool {
        self.0 & LOADS != 0
    }

    /// Whether the notes hold anything.
    pub(crate) fn noted(self) -> bool {
        self.0 & NOTED != 0
    }

    /// The trust scope in force, as its byte.
    pub(crate) fn scope(self) -> u8 {
        (self.0 >> SCOPE_SHIFT) as u8
    }

    fn with_scope(self, scope: u8) -> Word {
        Word(self.0 & !SCOPE | u64::from(scope) << SCOPE_SHIFT)
    }
}

/// The thread's word now.
#[inline]
pub(crate) fn now() -> Word {
    WORD.with(|word| Word(word.get()))
}

#[inline]
fn set(word: Word) {
    WORD.with(|cell| cell.set(word.0));
}

/// A load starts in `scope` (its byte): one more load running, the notes
/// empty (the caller sets aside what they held, see [`Word::noted`]). Hands
/// back the word before, for [`leave`].
#[inline]
pub(crate) fn enter(scope: u8) -> Word {
    let before = now();
    let loads = (before.0 & LOADS).saturating_add(1).min(LOADS);
    set(Word(loads).with_scope(scope));
    before
}

/// The load that [`enter`] started, which found `before`, ends: one load
/// fewer, the scope back to `before`'s, the notes empty. Hands back whether
/// they held anything.
#[inline]
pub(crate) fn leave(before: Word) -> bool {
    let now = now();
    let loads = (now.0 & LOADS).saturating_sub(1);
    set(Word(loads | before.0 & SCOPE));
    now.noted()
}

/// Marks the notes as holding something (or not).
pub(crate) fn set_noted(noted: bool) {
    let now = now();
    set(Word(if noted { now.0 | NOTED } else { now.0 & !NOTED }));
}

/// Puts `scope` (its byte) in force; hands back the one it replaces.
#[inline]
pub(crate) fn swap_scope(scope: u8) -> u8 {
    let now = now();
    set(now.with_scope(scope));
    now.scope()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each part of the word changes alone, and a load's start and end put
    /// back what was there.
    #[test]
    fn the_parts_of_the_word_keep_to_themselves() {
        assert_eq!(now(), Word(0));
        let outer = enter(0x81);
        assert_eq!(now().scope(), 0x81);
        assert!(now().running() && !now().noted());
        set_noted(true);
        assert_eq!(now().scope(), 0x81);
        let inner = enter(2);
        assert!(inner.noted());
        assert!(!now().noted());
        assert_eq!(swap_scope(0), 2);
        assert!(!leave(inner));
        assert_eq!(now().scope(), 0x81);
        assert!(now().running());
        assert!(!leave(outer));
        assert_eq!(now(), Word(0));
    }
}
