//! The last loads that passed every check on this thread: values of one
//! type loaded one after another skip the type name's lookup and the shape
//! table, and decode at once.
//!
//! Invariants:
//!
//! - An entry is made only after a load succeeded: its type check and shape
//!   check passed (or were off) for that reading type, options, stored name
//!   and shape table.
//! - A hit needs all of them equal, the name and the table byte for byte
//!   (the checksum has already tied both to the payload). What the checks
//!   decided depends on nothing else, so a hit decides the same.
//! - A few entries per thread, each a few dozen bytes; nothing is allocated
//!   on a hit.

use std::any::TypeId;
use std::cell::RefCell;

/// Who reads, and which checks it asked for: the reading type, by its
/// `TypeId` (lifetimes erased: `Record<'a>` is one type whatever `'a`; two
/// types that share a `type_name` are two), and the type and shape checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reader {
    type_id: TypeId,
    checks: u8,
}

impl Reader {
    #[inline(always)]
    pub(crate) fn of<T: ?Sized>(check_type: bool, check_shape: bool) -> Self {
        Reader { type_id: typeid::of::<T>(), checks: u8::from(check_type) | (u8::from(check_shape) << 1) }
    }
}

/// The longest type name and shape table an entry holds: loads of longer
/// ones take the full checks (the shape table is then still read only once,
/// see `shape::passed`).
const NAME_MAX: usize = 128;
const SHAPES_MAX: usize = 256;

/// A load that passed, its name and table held in place: the thread-local
/// has no destructor, so reaching it costs no call.
#[derive(Clone, Copy)]
struct Entry {
    /// The lengths and the checks in one number ([`key`]), 0 for no entry.
    key: u64,
    type_id: Option<TypeId>,
    name: [u8; NAME_MAX],
    shapes: [u8; SHAPES_MAX],
}

/// The shape table's length in a key when the load checks none.
const NO_TABLE: u64 = 0xFFFF;
/// Set in every key of an entry.
const FILLED: u64 = 1 << 40;

/// What an entry for `reader`'s pass of `name` and `shapes` (`None`: no
/// table checked) holds in its `key`: the lengths and the checks, one
/// comparison for all of them. `None` when the name or the table is longer
/// than an entry holds.
#[inline(always)]
fn key(reader: &Reader, name: &[u8], shapes: Option<&[u8]>) -> Option<u64> {
    let shapes_len = match shapes {
        Some(shapes) if shapes.len() > SHAPES_MAX => return None,
        Some(shapes) => shapes.len() as u64,
        None => NO_TABLE,
    };
    if name.len() > NAME_MAX {
        return None;
    }
    Some(FILLED | u64::from(reader.checks) << 32 | shapes_len << 16 | name.len() as u64)
}

/// How many loads are remembered: a program that alternates between a few
/// types still hits.
const ENTRIES: usize = 4;

const EMPTY: Entry = Entry { key: 0, type_id: None, name: [0; NAME_MAX], shapes: [0; SHAPES_MAX] };

thread_local! {
    /// The most recent first.
    static PASSED: RefCell<[Entry; ENTRIES]> = const { RefCell::new([EMPTY; ENTRIES]) };
}

/// Whether `reader` passed every check against an envelope of this `name`
/// and `shapes` on this thread (`shapes`: the table the load would check,
/// `None` when it checks none).
#[inline]
pub(crate) fn passed(reader: &Reader, name: &[u8], shapes: Option<&[u8]>) -> bool {
    // the search out of line, so that `with` inlines to a plain
    // thread-local access
    PASSED.with(|passed| passed.try_borrow().is_ok_and(|passed| find(&passed, reader, name, shapes)))
}

#[inline(never)]
fn find(passed: &[Entry; ENTRIES], reader: &Reader, name: &[u8], shapes: Option<&[u8]>) -> bool {
    let Some(key) = key(reader, name, shapes) else { return false };
    let shapes = shapes.unwrap_or_default();
    // the newest entry is the one a run of loads of one type hits: the
    // others are looked at out of line, so that this one's check stays short
    let [newest, older @ ..] = passed;
    newest.holds(key, reader, name, shapes) || find_older(older, key, reader, name, shapes)
}

#[inline(never)]
fn find_older(older: &[Entry], key: u64, reader: &Reader, name: &[u8], shapes: &[u8]) -> bool {
    older.iter().any(|entry| entry.holds(key, reader, name, shapes))
}

impl Entry {
    /// Whether this entry is `reader`'s pass of `name` and `shapes`, whose
    /// lengths and checks `key` holds.
    #[inline(always)]
    fn holds(&self, key: u64, reader: &Reader, name: &[u8], shapes: &[u8]) -> bool {
        self.key == key
            && self.type_id == Some(reader.type_id)
            && starts_with(&self.name, name)
            && starts_with(&self.shapes, shapes)
    }
}

/// Notes that `reader` passed every check against `name` and `shapes`.
#[cold]
pub(crate) fn remember(reader: Reader, name: &[u8], shapes: Option<&[u8]>) {
    let Some(key) = key(&reader, name, shapes) else { return };
    let mut entry = Entry { key, type_id: Some(reader.type_id), ..EMPTY };
    entry.name[..name.len()].copy_from_slice(name);
    if let Some(shapes) = shapes {
        entry.shapes[..shapes.len()].copy_from_slice(shapes);
    }
    PASSED.with(|passed| {
        let Ok(mut passed) = passed.try_borrow_mut() else { return };
        passed.copy_within(..ENTRIES - 1, 1);
        passed[0] = entry;
    });
}

/// Whether `known` starts with `bytes` (at most `N` of them): a word at a
/// time without a call (names and tables are short, a few words: a loop
/// that stops at the first difference beats a vectorised one's set-up), the
/// last word overlapping the one before.
#[inline(always)]
fn starts_with<const N: usize>(known: &[u8; N], bytes: &[u8]) -> bool {
    let Some(known) = known.get(..bytes.len()) else { return false };
    let (Some(known_last), Some(last)) = (known.last_chunk::<8>(), bytes.last_chunk::<8>()) else {
        // under a word: a byte at a time, still no call
        return known.iter().zip(bytes).all(|(x, y)| x == y);
    };
    if known_last != last {
        return false;
    }
    let (known_words, _) = known.as_chunks::<8>();
    let (words, _) = bytes.as_chunks::<8>();
    known_words.iter().zip(words).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::starts_with;

    /// Every length of each way of comparing, a difference at every place,
    /// and what the entry holds past the bytes compared ignored.
    #[test]
    fn starts_with_finds_every_difference() {
        let bytes: Vec<u8> = (0..80u8).map(|i| i.wrapping_mul(37)).collect();
        let mut known = [0xEEu8; 96];
        known[..80].copy_from_slice(&bytes);
        for len in 0..=bytes.len() {
            let a = &bytes[..len];
            assert!(starts_with(&known, a), "{len}");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x40;
                assert!(!starts_with(&known, &b), "{len} {at}");
            }
        }
        // longer than the entry holds
        assert!(!starts_with(&[0u8; 4], &[0u8; 5]));
    }
}
