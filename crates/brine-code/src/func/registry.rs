//! The link-time registry of storable functions.
//!
//! Invariants:
//!
//! - Every `#[function]` fn and every `func!` closure adds one [`Entry`]
//!   (a `static`, built by the macros through `__private`) with
//!   `inventory::submit!`. Registration happens before `main`, by the
//!   platform's static constructors; nothing is registered at run time.
//! - An entry is never removed or changed. The lookup table is built once,
//!   on the first lookup, from all entries linked into the executable; an id
//!   registered more than once is kept as ambiguous, never resolved to
//!   either.
//! - Only what is linked into this executable is here: a library opened at
//!   run time (`Module::load`, `dlopen`) has its own registry, which this
//!   program never sees.
//!
//! Why `inventory` and not `linkme`: both collect statics across crates at
//! link time and are maintained by the same author; inventory's `submit!`
//! takes a plain expression and names its own crate through `$crate`, so
//! code generated for a crate that reaches brine only through the facade
//! works without the user depending on the registry crate, and it works on
//! every platform Rust supports static constructors on (linkme needs a
//! linker-section recipe per platform and an attribute naming its crate).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use super::Captures;

#[doc(hidden)]
/// What a load gets back from an entry: the callable, as
/// `Box<Arc<dyn Fn..>>` behind `Any`, and the captured values.
pub type Built = (Box<dyn Any + Send + Sync>, Option<Arc<dyn Captures>>);

#[doc(hidden)]
/// Rebuilds a closure from its captured values, read from a deserializer.
pub type Rebuild =
    for<'de> fn(&mut dyn erased_serde::Deserializer<'de>) -> Result<Built, erased_serde::Error>;

/// How an entry makes its callable.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Make {
    /// A fn item: nothing to read.
    Item(fn() -> Box<dyn Any + Send + Sync>),
    /// A closure: its captured values come from the payload.
    Closure(Rebuild),
}

/// One storable function, as the macros register it.
#[doc(hidden)]
pub struct Entry {
    /// The stable id: `module::path::name`, or
    /// `module::path::{closure@file:line:column}`.
    pub id: &'static str,
    /// The signature as written: `fn(i64, i64) -> i64`.
    pub signature: &'static str,
    /// The source text: the fn item, or the closure.
    pub source: &'static str,
    /// XXH3-64 of `source`.
    pub source_hash: u64,
    /// The capture list as written (`factor: i64`), empty for a fn item.
    pub captures: &'static str,
    /// The items a fn item uses, kept by `#[source]` and listed in
    /// `#[function(uses(..))]`: shipped after its source.
    pub uses: &'static [&'static crate::Code],
    /// `source` followed by the text of each of `uses`, made once.
    pub shipped: OnceLock<String>,
    /// The `TypeId` of the `dyn Fn(..) + Send + Sync` type it makes.
    pub dyn_type: fn() -> TypeId,
    /// That type's `std::any::type_name`.
    pub dyn_name: fn() -> &'static str,
    /// How to make the callable.
    pub make: Make,
    /// A fn item's callable, made once and shared by every load.
    pub made: OnceLock<Box<dyn Any + Send + Sync>>,
}

impl Entry {
    /// The source a `Func` stores: the fn's own, then the items it uses.
    pub(crate) fn shipped_source(&self) -> &str {
        if self.uses.is_empty() {
            return self.source;
        }
        self.shipped.get_or_init(|| {
            let mut text = self.source.to_owned();
            for code in self.uses {
                text.push_str("\n\n");
                text.push_str(code.text());
            }
            text
        })
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// An entry submitted to the registry.
#[doc(hidden)]
#[derive(Debug)]
pub struct Registration(pub &'static Entry);

inventory::collect!(Registration);

/// The entries by id: one, or how many share it.
enum Slot {
    One(&'static Entry),
    Many(usize),
}

/// XXH3 for the table's keys: a load hashes one id per function, and
/// SipHash costs several times more on ids of a few dozen bytes. (The ids
/// are this program's own, so there is no flooding to defend against.)
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = twox_hash::XxHash3_64::oneshot_with_seed(self.0, bytes);
    }
}

type Table = HashMap<&'static str, Slot, std::hash::BuildHasherDefault<IdHasher>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Table::default();
        for Registration(entry) in inventory::iter::<Registration> {
            table
                .entry(entry.id)
                .and_modify(|slot| {
                    *slot = match slot {
                        Slot::One(_) => Slot::Many(2),
                        Slot::Many(n) => Slot::Many(*n + 1),
                    }
                })
                .or_insert(Slot::One(entry));
        }
        table
    })
}

/// The entry registered under `id`.
pub(crate) fn lookup(id: &str) -> Result<&'static Entry, super::Error> {
    match table().get(id) {
        Some(Slot::One(entry)) => Ok(entry),
        Some(Slot::Many(count)) => Err(super::Error::Ambiguous { id: id.to_owned(), count: *count }),
        None => Err(super::Error::UnknownId { id: id.to_owned() }),
    }
}

/// The ids of every function registered in this program, sorted.
///
/// ```
/// #[brine_code::function]
/// fn listed() {}
///
/// assert!(brine_code::func::registered().iter().any(|id| id.ends_with("::listed")));
/// ```
pub fn registered() -> Vec<&'static str> {
    let mut ids: Vec<_> = table().keys().copied().collect();
    ids.sort_unstable();
    ids
}
