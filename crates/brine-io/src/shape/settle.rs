//! Whether a record is *settled*: whether another value of it could add
//! anything to the table. A settled record's later values record nothing
//! (writing), and need no check past the ones before it settled (reading).
//!
//! A record is settled when its field names are all known and every
//! context its values can reach holds an event that no value of an
//! unchanged type would change: a primitive, a unit struct, an `Option`
//! whose inside is known and settled, a sequence or map whose elements are,
//! a tuple whose elements are, a struct whose record is. An enum never
//! settles (another variant may come), nor does a context that varies or a
//! conflicting record; a `None` only, or an empty sequence only, settles
//! once a value shows what is inside.
//!
//! Invariants:
//! - One walk ([`settle`]) decides for the writer's table, for a replay of a
//!   template (what it verified so far: see `replay.rs`), and for a reader
//!   (what it checked so far in this load: see `check.rs`), through a
//!   [`View`] each. The three agree on what a value reached, so a reader
//!   finds a record settled no later than its writer did: it lets through
//!   every value the writer recorded nothing of (and perhaps, asking at
//!   more moments, a little more that it had checked all of before).
//! - A record that a walk reaches again while walking it (a recursive
//!   type) is not settled: a record settling inside a value of a record its
//!   values reach would see that value go on recording what it reaches.
//!   Without a circle, no value of a record a settled record reaches is
//!   being written when it settles.
//! - A walk is bounded (in depth and in contexts visited): past the bound,
//!   the record is not settled yet, a decision the three views take alike
//!   when they see the same contexts. A forged table read back costs at most
//!   the bound per walk.
//! - A record settles for the Rust type of its values, and only while all
//!   its values (and those of every record its walk visits) were of one
//!   type: two types of one serde name (a generic struct used with two
//!   parameters) may reach the same places with other types inside, which
//!   the table would not hold. A conflicting or mixed record never settles.
//! - [`Settle::Never`] is for what no later value can change (an enum, a
//!   context that varies, a conflicting or mixed record): it may be
//!   remembered.
//! - Once a record is settled, values of its type record nothing in what
//!   they reach, and no value of a record it reaches is being written (no
//!   circle), so the events there stay as they were unless values of
//!   another type of one of its records' names come: a reader that walks
//!   the final table over what it checked sees what the writer saw then, or
//!   (after such values) a place that varies, and checks more than the
//!   writer left unrecorded, never less.

use std::any::TypeId;

use super::{Event, MAX_TUPLE_CONTEXTS, NONE, Node, Record};

/// What a writer, a replay or a reader knows of whether one record is
/// settled: one state, kept by each where it keeps its records, and one
/// way to decide ([`Settling::settled`]), so that the three decide alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Settling {
    /// The Rust type of its first value, and whether a value of another
    /// type followed (then it never settles).
    pub(crate) first: Option<TypeId>,
    pub(crate) mixed: bool,
    /// The type it settled for.
    pub(crate) settled: Option<TypeId>,
    /// A walk found no later value can settle it.
    pub(crate) never: bool,
    /// The keeper's version (never 0) at which a walk last found it not
    /// settled yet: while the version stays, the answer does.
    pub(crate) walked: u64,
}

impl Settling {
    /// Notes a value of the Rust type `ty`; whether that made the record
    /// mixed (a change that the keeper's version must count).
    pub(crate) fn typed(&mut self, ty: TypeId) -> bool {
        match self.first {
            None => self.first = Some(ty),
            Some(first) if first != ty && !self.mixed => {
                self.mixed = true;
                return true;
            }
            Some(_) => {}
        }
        false
    }

    /// Whether the record is settled for a value of `ty`, walking with
    /// `walk` only when the keeper's `version` moved since a walk found it
    /// not settled yet. It settles for the type of its values only.
    pub(crate) fn settled(&mut self, ty: TypeId, version: u64, walk: impl FnOnce() -> Settle) -> bool {
        if let Some(settled) = self.settled {
            return settled == ty;
        }
        if self.never || self.walked == version {
            return false;
        }
        match walk() {
            Settle::Yes if self.first == Some(ty) && !self.mixed => self.settled = Some(ty),
            Settle::Yes => {}
            Settle::Never => self.never = true,
            Settle::NotYet => self.walked = version,
        }
        self.settled.is_some()
    }

    /// What a new table carries over of it from a replay that stops where
    /// it is: all but the replay's own walks.
    pub(crate) fn carried(self) -> Self {
        Settling { never: false, walked: 0, ..self }
    }
}

/// What a table (or a replay's or a reader's part of one) shows a walk.
pub(crate) trait View {
    /// The event at `ctx`, `Unset` where none is known.
    fn event_at(&self, ctx: u32) -> Event;
    /// The node at `ctx`, for its links.
    fn node(&self, ctx: u32) -> Option<&Node>;
    /// Whether the node a link points to is made (a link made later in a
    /// template is not there yet for a replay).
    fn made(&self, ctx: u32) -> bool;
    /// Record `record`, if it is made.
    fn record(&self, record: u32) -> Option<&Record>;
    /// Whether all of `record`'s field names are known.
    fn names_complete(&self, record: u32, found: &Record) -> bool;
    /// Whether values of two Rust types were written as `record` (two types
    /// of one serde name: a generic struct used with two parameters).
    fn mixed(&self, record: u32, found: &Record) -> bool;
}

/// Whether a record is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settle {
    Yes,
    /// Not yet: a later value may settle it.
    NotYet,
    /// Not ever: no later value can.
    Never,
}

/// How many records deep a walk goes.
const DEPTH: usize = 16;

/// How many contexts a walk visits.
const BUDGET: u32 = 512;

/// Whether `record` is settled in `view`.
pub(crate) fn settle(view: &impl View, record: u32) -> Settle {
    let mut walk = Walk { view, stack: [NONE; DEPTH], depth: 0, budget: BUDGET };
    walk.record(record)
}

struct Walk<'v, V> {
    view: &'v V,
    /// The records being walked, outermost first.
    stack: [u32; DEPTH],
    depth: usize,
    budget: u32,
}

/// The worse of two answers.
fn both(a: Settle, b: Settle) -> Settle {
    match (a, b) {
        (Settle::Never, _) | (_, Settle::Never) => Settle::Never,
        (Settle::NotYet, _) | (_, Settle::NotYet) => Settle::NotYet,
        _ => Settle::Yes,
    }
}

impl<V: View> Walk<'_, V> {
    fn record(&mut self, record: u32) -> Settle {
        if self.stack[..self.depth].contains(&record) {
            // a value of a recursive type may be written inside a value of
            // a record on this walk, which then goes on recording: not yet
            return Settle::NotYet;
        }
        if self.depth == DEPTH {
            return Settle::NotYet;
        }
        let Some(found) = self.view.record(record) else { return Settle::NotYet };
        // two layouts, or two types: what one wrote says nothing of the other
        if found.conflict || self.view.mixed(record, found) {
            return Settle::Never;
        }
        if !self.view.names_complete(record, found) {
            return Settle::NotYet;
        }
        let fields = found.base..found.base.saturating_add(found.len);
        self.stack[self.depth] = record;
        self.depth += 1;
        let settled = self.all(fields);
        self.depth -= 1;
        settled
    }

    fn ctx(&mut self, ctx: u32) -> Settle {
        if self.budget == 0 {
            return Settle::NotYet;
        }
        self.budget -= 1;
        match self.view.event_at(ctx) {
            Event::Unset => Settle::NotYet,
            Event::Varies | Event::Enum(_) => Settle::Never,
            Event::Prim(_) | Event::UnitStruct(_) => Settle::Yes,
            Event::Option => self.link(ctx, |node| node.some),
            Event::Seq => self.link(ctx, |node| node.elem),
            Event::Map => {
                let key = self.link(ctx, |node| node.key);
                if key == Settle::Never { key } else { both(key, self.link(ctx, |node| node.value)) }
            }
            Event::Tuple(len) if len == 0 || len > MAX_TUPLE_CONTEXTS => Settle::Yes,
            Event::Tuple(len) => {
                let base = self.view.node(ctx).map_or(NONE, |node| node.tuple);
                if base == NONE || !self.view.made(base) {
                    return Settle::NotYet;
                }
                self.all(base..base.saturating_add(len))
            }
            Event::Struct(record) | Event::TupleStruct(record) | Event::NewtypeStruct(record) => {
                self.record(record)
            }
        }
    }

    /// Whether all of `contexts` are settled: not yet as soon as the walk
    /// is out of budget (a forged record of a million fields costs no more).
    fn all(&mut self, contexts: std::ops::Range<u32>) -> Settle {
        let mut settled = Settle::Yes;
        for ctx in contexts {
            if self.budget == 0 {
                return both(settled, Settle::NotYet);
            }
            settled = both(settled, self.ctx(ctx));
            if settled == Settle::Never {
                break;
            }
        }
        settled
    }

    fn link(&mut self, ctx: u32, slot: impl Fn(&Node) -> u32) -> Settle {
        match self.view.node(ctx).map(slot) {
            Some(child) if child != NONE && self.view.made(child) => self.ctx(child),
            _ => Settle::NotYet,
        }
    }
}
