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
pub(crate) struct Reader(Option<TypeId>, u8);

impl Reader {
    #[inline(always)]
    pub(crate) fn of<T: ?Sized>(check_type: bool, check_shape: bool) -> Self {
        Reader(Some(typeid::of::<T>()), u8::from(check_type) | (u8::from(check_shape) << 1))
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
    reader: Reader,
    name_len: usize,
    /// `usize::MAX`: no table was checked.
    shapes_len: usize,
    name: [u8; NAME_MAX],
    shapes: [u8; SHAPES_MAX],
}

/// How many loads are remembered: a program that alternates between a few
/// types still hits.
const ENTRIES: usize = 4;

const EMPTY: Entry = Entry {
    reader: Reader(None, 0),
    name_len: 0,
    shapes_len: 0,
    name: [0; NAME_MAX],
    shapes: [0; SHAPES_MAX],
};

thread_local! {
    /// The most recent first; the reader of an unused entry is `Reader(None, 0)`,
    /// which no type has.
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
    let shapes_len = shapes.map_or(usize::MAX, <[u8]>::len);
    let shapes = shapes.unwrap_or_default();
    // the newest entry is the one a run of loads of one type hits: the
    // others are looked at out of line, so that this one's check stays short
    let [newest, older @ ..] = passed;
    newest.holds(reader, name, shapes, shapes_len) || find_older(older, reader, name, shapes, shapes_len)
}

#[inline(never)]
fn find_older(older: &[Entry], reader: &Reader, name: &[u8], shapes: &[u8], shapes_len: usize) -> bool {
    older.iter().any(|entry| entry.holds(reader, name, shapes, shapes_len))
}

impl Entry {
    /// Whether this entry is `reader`'s pass of `name` and `shapes` (whose
    /// length is `shapes_len`, `usize::MAX` for no table).
    #[inline(always)]
    fn holds(&self, reader: &Reader, name: &[u8], shapes: &[u8], shapes_len: usize) -> bool {
        self.name_len == name.len()
            && self.shapes_len == shapes_len
            && self.reader == *reader
            && self.name.get(..name.len()).is_some_and(|known| same(known, name))
            && self.shapes.get(..shapes.len()).is_some_and(|known| same(known, shapes))
    }
}

/// Notes that `reader` passed every check against `name` and `shapes`.
#[cold]
pub(crate) fn remember(reader: Reader, name: &[u8], shapes: Option<&[u8]>) {
    if name.len() > NAME_MAX || shapes.is_some_and(|shapes| shapes.len() > SHAPES_MAX) {
        return;
    }
    let mut entry = Entry { reader, name_len: name.len(), shapes_len: usize::MAX, ..EMPTY };
    entry.name[..name.len()].copy_from_slice(name);
    if let Some(shapes) = shapes {
        entry.shapes_len = shapes.len();
        entry.shapes[..shapes.len()].copy_from_slice(shapes);
    }
    PASSED.with(|passed| {
        let Ok(mut passed) = passed.try_borrow_mut() else { return };
        passed.copy_within(..ENTRIES - 1, 1);
        passed[0] = entry;
    });
}

/// Whether `a` and `b` hold the same bytes: a word at a time without a
/// call (names and tables are short, a few words: a loop that stops at the
/// first difference beats a vectorised one's set-up), the last word
/// overlapping the one before.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (Some(a_last), Some(b_last)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) else {
        // under a word: a byte at a time, still no call
        return a.iter().zip(b).all(|(x, y)| x == y);
    };
    if a_last != b_last {
        return false;
    }
    let (a_words, _) = a.as_chunks::<8>();
    let (b_words, _) = b.as_chunks::<8>();
    a_words.iter().zip(b_words).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::same;

    /// Every length of each way of comparing, a difference at every place.
    #[test]
    fn same_finds_every_difference() {
        let bytes: Vec<u8> = (0..80u8).map(|i| i.wrapping_mul(37)).collect();
        for len in 0..=bytes.len() {
            let a = &bytes[..len];
            assert!(same(a, a), "{len}");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x40;
                assert!(!same(a, &b), "{len} {at}");
            }
            if len > 0 {
                assert!(!same(a, &bytes[..len - 1]));
            }
        }
    }
}
