//! Recording a dump's shapes, or replaying an earlier dump's table.
//!
//! Building a table costs a dump of a small struct more than encoding it
//! does. But a program dumps values of the same few types again and again,
//! and their tables rarely differ. So each thread keeps the tables of the
//! last types it dumped ([`Template`]s, by `TypeId`), and a dump of one of
//! those types *replays* the template: each recording call is checked
//! against the template instead of building anything, and when every call
//! found what it expected, the template's bytes are written as they are.
//!
//! Invariants:
//! - A replay that passes writes exactly the table a new recording of this
//!   value would: the same names, nodes and records, in the same order, so
//!   a value's bytes never depend on what the thread dumped before. A new
//!   table makes names, nodes and records in the order the value first
//!   reaches them, so the replay counts what it has reached (`made`): a
//!   thing reached for the first time must be the template's next one. Every
//!   event must be the template's at that place, and at the end every part
//!   of the template must have been reached, every event made, every field
//!   name met: a template that holds more than this value (an `Option` that
//!   was `Some` then, a variant not present now) does not pass.
//! - What the encoder asks (is this context a primitive yet? is this record
//!   settled?) is answered as a new table would answer it at that moment: by
//!   what *this* dump verified, not by what the template holds. So a replay
//!   sees exactly the calls a new recording would record.
//! - Each replayed call checks everything before it changes anything. So at
//!   a call that differs, what the replay verified so far *is* the table a
//!   new recording would hold at that point ([`Template::prefix`]): the
//!   replay becomes that recording, which takes the call and goes on. The
//!   value is serialized once, whatever happens.
//! - A sequence element's calls are followed only once the element before
//!   made exactly them, with the same answers, so that they changed nothing
//!   the second time; any of them made again gets that answer and changes
//!   nothing, so a dump leaves them at any call with nothing to redo.
//!
//! Checking each call against the template's nodes still costs a small
//! struct's dump more than its bytes do. So a template also keeps the
//! *tape* of the dump that made it: each call the recorder took, with its
//! answer, a call repeated in a row counted once. A dump that makes the
//! same calls as the tape gets the same answers and the same table (what a
//! recorder answers and records follows from the calls alone), so it
//! follows the tape: one comparison per call, nothing verified. At the first
//! call the tape doesn't hold, the calls followed so far are replayed
//! against the template as above, which then takes that call: the tape only
//! ever skips work that a replay would have found to pass.
//!
//! A value too large for a tape is mostly a sequence of records, each of
//! which makes the same calls as the one before. Such an element changes
//! nothing ([`Repeats`] says why), so the next elements follow its calls as
//! a tape of their own, and at the first call that differs the recorder goes
//! on from where it is: the calls followed did nothing to redo
//! (`replay/repeats.rs`).

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::settle::{Settling, View, settle};
use super::{Event, Kind, MAX_TUPLE_CONTEXTS, NONE, Node, Record, Slot, Table, same};
use repeats::Repeats;
pub use repeats::without_repeats;

mod repeats;

/// How many types' templates a thread keeps.
const KEPT: usize = 8;

/// A table of more nodes is not kept: a long array written as a tuple has a
/// node per element, and a thread would hold eight of them for good.
const KEPT_NODES: usize = 4096;

/// A tape of more steps is not kept: a value that makes this many
/// different calls spends more on encoding than on a replay.
const TAPE_STEPS: usize = 64;

/// A dump whose type's last dump made more calls than this keeps no tape:
/// it would most likely outgrow [`TAPE_STEPS`] again, after noting them.
const TAPE_CALLS: u32 = TAPE_STEPS as u32;

thread_local! {
    /// The templates of the last types dumped on this thread.
    static TEMPLATES: RefCell<Shelf> = const { RefCell::new(Shelf { kept: Vec::new(), clock: 0 }) };
}

/// A thread's templates, one per type, each where it was first put: a
/// dump that replays takes its type's out and puts it back, moving nothing
/// else; a dump that follows a tape shares it and puts nothing back.
#[derive(Debug)]
struct Shelf {
    kept: Vec<Kept>,
    /// How many dumps started or ended here so far.
    clock: u64,
}

/// A type's place on the shelf: its template unless a dump has it out, the
/// template's tape if it has one, and when it was last used.
#[derive(Debug)]
struct Kept {
    key: TypeId,
    template: Option<Box<Template>>,
    tape: Option<Rc<Tape>>,
    used: u64,
}

/// What the shelf lends a dump of a type it holds.
enum Loan {
    /// The tape of the type's template, to follow.
    Tape(Rc<Tape>),
    /// The type's template (which has no tape), to replay.
    Template(Box<Template>),
}

impl Shelf {
    /// The tape of the type `key` to follow, else its template, taken out.
    fn lend(&mut self, key: TypeId) -> Option<Loan> {
        self.clock += 1;
        let kept = self.kept.iter_mut().find(|kept| kept.key == key)?;
        kept.used = self.clock;
        match &kept.tape {
            Some(tape) => Some(Loan::Tape(Rc::clone(tape))),
            None => kept.template.take().map(Loan::Template),
        }
    }

    /// Takes out the template of the type `key`, if the shelf holds it.
    fn take(&mut self, key: TypeId) -> Option<Box<Template>> {
        self.kept.iter_mut().find(|kept| kept.key == key)?.template.take()
    }

    /// Puts `template` and its tape as the type `key`'s, the most recent;
    /// past [`KEPT`] types, the one used longest ago goes.
    fn put(&mut self, key: TypeId, template: Box<Template>, tape: Option<Rc<Tape>>) {
        self.clock += 1;
        let kept = Kept { key, template: Some(template), tape, used: self.clock };
        if let Some(slot) = self.kept.iter_mut().find(|slot| slot.key == key) {
            // also when a dump inside this one kept the type: this one is newer
            *slot = kept;
        } else if self.kept.len() < KEPT {
            self.kept.push(kept);
        } else if let Some(oldest) = self.kept.iter_mut().min_by_key(|slot| slot.used) {
            *oldest = kept;
        }
    }
}

/// The calls of the dump that made a template, and what a dump that makes
/// the same calls writes.
#[derive(Debug)]
struct Tape {
    steps: Vec<Step>,
    /// The template's bytes.
    bytes: Vec<u8>,
    /// The length of the body the last dump following the tape wrote.
    body_len: Cell<usize>,
}

/// A dump following a tape: the step reached, and how many of its calls
/// came so far.
#[derive(Debug)]
struct Following {
    tape: Rc<Tape>,
    step: u32,
    times: u32,
    /// The tape is a sequence element's calls that repeat (see
    /// [`Repeats`]), not the whole dump's.
    repeat: bool,
}

/// The table an earlier dump of one type wrote, its bytes, and what the
/// dump replaying it has verified so far.
#[derive(Debug)]
pub(crate) struct Template {
    table: Box<Table>,
    /// The table's bytes followed by their length: the end of a body.
    bytes: Vec<u8>,
    /// Per node: the last replay that verified its event.
    seen: Vec<u32>,
    /// How many nodes this replay verified, and how many hold an event.
    seen_count: u32,
    /// How many records this replay found written with two types.
    mixed_count: u32,
    events: u32,
    /// Per record: what the last replay that wrote a value of it knows of
    /// its settling (see `settle.rs`), and that replay.
    settling: Vec<(u32, Settling)>,
    /// Per record: the replay that last met its field names, and how many
    /// it met; their sum in this replay, and the template's.
    named: Vec<(u32, u32)>,
    named_count: u32,
    fields: u32,
    /// How many nodes, records and names a new table would hold by now.
    made: Made,
    /// The length of the body the template's last dump wrote.
    body_len: usize,
    /// How many calls the template's last dump answered (not followed).
    calls: u32,
    /// This replay's number (never 0, the number of none).
    epoch: u32,
}

/// The variant a value is written as: serde's enum name, variant index and
/// variant name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Which {
    pub(crate) name: &'static str,
    pub(crate) index: u32,
    pub(crate) variant: &'static str,
}

/// A type's or variant's name in a [`Call`], which [`Call::key`] knows by
/// its address and length: the same `&'static str` again is the same name.
/// (Two copies of one name are two names there, and only cost a tape its
/// use.)
#[derive(Debug, Clone, Copy)]
struct Name(&'static str);

/// A call to the recorder, with its arguments.
#[derive(Debug, Clone, Copy)]
enum Call {
    Event(u32, Event),
    EventAt(u32),
    Child(u32, Event, Slot),
    Tuple(u32, u32),
    /// With the Rust type of the value (a record settles for one type).
    Struct(u32, Name, Kind, u32, TypeId),
    Variant(u32, Name, u32, Name, Kind, u32, TypeId),
    Field(u32, u32, Option<Name>),
    UnitStruct(u32, Name),
}

impl Call {
    /// The call in five words, equal for two calls exactly when the calls
    /// are (names by address and length); `None` for a name too long for
    /// its half word, a call no tape holds. The first word tells the kind
    /// of call, and each kind uses a fixed number of words first, the rest
    /// zero: two keys whose first words are equal differ only where that
    /// number says, which is all [`Recorder::follow`] compares.
    #[inline(always)]
    fn key(self) -> Option<Key> {
        let head = |tag: u64, small: u64, ctx: u32| tag | small << 8 | u64::from(ctx) << 32;
        let pair = |a: u32, b: u32| u64::from(a) | u64::from(b) << 32;
        let at = |name: Name| name.0.as_ptr() as usize as u64;
        let len = |name: Name| u32::try_from(name.0.len()).ok();
        let key = |words: [u64; 5], used: usize| Key { words, used, ty: TypeId::of::<Untyped>() };
        let typed = |words: [u64; 5], used: usize, ty: TypeId| Key { words, used, ty };
        Some(match self {
            Call::Event(ctx, event) => key([head(1, 0, ctx), code(event), 0, 0, 0], 2),
            Call::EventAt(ctx) => key([head(2, 0, ctx), 0, 0, 0, 0], 1),
            Call::Child(ctx, event, slot) => key([head(3, slot as u64, ctx), code(event), 0, 0, 0], 2),
            Call::Tuple(ctx, len) => key([head(4, 0, ctx), u64::from(len), 0, 0, 0], 2),
            Call::Struct(ctx, name, kind, n, ty) => {
                typed([head(5, kind as u64, ctx), pair(n, len(name)?), at(name), 0, 0], 3, ty)
            }
            Call::Variant(ctx, name, index, variant, kind, n, ty) => typed(
                [
                    head(6, kind as u64, ctx),
                    pair(index, n),
                    at(name),
                    at(variant),
                    pair(len(name)?, len(variant)?),
                ],
                5,
                ty,
            ),
            Call::Field(record, index, Some(name)) => {
                key([head(7, 1, record), pair(index, len(name)?), at(name), 0, 0], 3)
            }
            Call::Field(record, index, None) => key([head(7, 0, record), u64::from(index), 0, 0, 0], 2),
            Call::UnitStruct(ctx, name) => key([head(8, 0, ctx), u64::from(len(name)?), at(name), 0, 0], 3),
        })
    }
}

/// What a call that carries no Rust type has in its key's place for one.
enum Untyped {}

/// A call's key: its words, of which the first `used` may be other than 0,
/// and the Rust type a struct or variant call carries ([`Untyped`] for
/// others: one 128-bit comparison either way).
#[derive(Debug, Clone, Copy)]
struct Key {
    words: [u64; 5],
    used: usize,
    ty: TypeId,
}

/// An event in one word, as [`Call::key`] compares it.
#[inline(always)]
fn code(event: Event) -> u64 {
    let (tag, value) = match event {
        Event::Unset => (0, 0),
        Event::Varies => (1, 0),
        Event::Prim(prim) => (2, prim as u32),
        Event::Option => (3, 0),
        Event::Seq => (4, 0),
        Event::Map => (5, 0),
        Event::Tuple(len) => (6, len),
        Event::Struct(record) => (7, record),
        Event::TupleStruct(record) => (8, record),
        Event::NewtypeStruct(record) => (9, record),
        Event::UnitStruct(name) => (10, name),
        Event::Enum(name) => (11, name),
    };
    tag | u64::from(value) << 32
}

/// What the recorder answered a call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    Nothing,
    Id(u32),
    Event(Event),
}

/// A step of a tape: a call made `times` times in a row, and its answer.
#[derive(Debug, Clone, Copy)]
struct Step {
    call: Call,
    key: [u64; 5],
    ty: TypeId,
    answer: Answer,
    times: u32,
}

/// How many of each part of a table a new recording would have made.
#[derive(Debug, Default, Clone, Copy)]
struct Made {
    nodes: u32,
    records: u32,
    names: u32,
}

/// Whether `id`, reached by this replay, is one a new table holds by now
/// (below `made`: `Some(false)`) or the next it makes (`made`: `Some(true)`).
#[inline]
fn reach(made: u32, id: u32) -> Option<bool> {
    match id.cmp(&made) {
        std::cmp::Ordering::Less => Some(false),
        std::cmp::Ordering::Equal => Some(true),
        std::cmp::Ordering::Greater => None,
    }
}

/// What a dump does with its shapes: replay a template, record a new
/// table, or nothing (no dump running). A struct of
/// options rather than an enum, so that each call tests for a replay with
/// one predictable branch.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    /// Checking every call against a template.
    replay: Option<Box<Template>>,
    /// Recording a new table.
    fresh: Option<Box<Table>>,
    /// The last struct call found settled (context, the name's address and
    /// length, kind, field count): the same call again, as from each element
    /// of a `Vec` of one struct, records nothing new.
    settled_at: Option<(u32, usize, usize, Kind, u32, TypeId)>,
    /// The type dumped.
    key: Option<TypeId>,
    /// Following a tape: the whole dump's (`replay` and `fresh` are `None`
    /// then) or a sequence element's (see [`Repeats`]).
    following: Option<Following>,
    /// The calls of this dump so far, the tape of the table it writes
    /// (unless it follows a tape), while `taping`.
    tape: Vec<Step>,
    taping: bool,
    /// The calls of a sequence's elements, compared element by element.
    /// Made at the first element a sequence records.
    repeats: Option<Box<Repeats>>,
    /// How many calls this dump answered (not followed; those it made
    /// again on leaving a tape count too).
    calls: u32,
}

/// Variant calls (their keys) that answered settled and changed nothing
/// when the recording stood `at` ([`Recorder::edits`]): while it still
/// does, each answers so again (what a call answers and changes depends on
/// the call and the recording alone). Kept with a dump's [`Repeats`]: the
/// calls of sequences' elements are the ones made over and over.
#[derive(Debug, Default)]
pub(super) struct Known {
    calls: Vec<([u64; 5], TypeId)>,
    at: u64,
}

/// How many such calls a dump remembers: the variants of an enum or two.
const KNOWN: usize = 8;

impl Known {
    fn holds(&self, at: u64, words: &[u64; 5], ty: TypeId) -> bool {
        self.at == at && self.calls.iter().any(|(known, known_ty)| same_key(known, words) && *known_ty == ty)
    }

    fn note(&mut self, at: u64, words: [u64; 5], ty: TypeId) {
        if self.at != at {
            self.calls.clear();
            self.at = at;
        }
        if self.calls.len() < KNOWN {
            self.calls.push((words, ty));
        }
    }

    pub(super) fn clear(&mut self) {
        self.calls.clear();
        self.at = 0;
    }
}

/// Whether two keys are equal: a word at a time, without a call to
/// `memcmp` (which read the key just stored with wider loads than the
/// stores: a store-forwarding stall in every call).
#[inline(always)]
fn same_key(a: &[u64; 5], b: &[u64; 5]) -> bool {
    a.iter().zip(b).fold(0, |differ, (a, b)| differ | (a ^ b)) == 0
}

/// Whether [`add_step`] added the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Added {
    Yes,
    /// The call has no key (a name too long for it).
    NoKey,
    /// The steps hold their limit already.
    Full,
}

/// Adds a call and its answer to `steps`, a call repeated in a row (with
/// the same answer) counted once, unless they hold `limit` steps already.
#[inline]
fn add_step(steps: &mut Vec<Step>, call: Call, answer: Answer, limit: usize) -> Added {
    let Some(Key { words: key, ty, .. }) = call.key() else { return Added::NoKey };
    if let Some(last) = steps.last_mut()
        && same_key(&last.key, &key)
        && last.ty == ty
        && last.answer == answer
        && last.times < u32::MAX
    {
        last.times += 1;
    } else if steps.len() < limit {
        steps.push(Step { call, key, ty, answer, times: 1 });
    } else {
        return Added::Full;
    }
    Added::Yes
}

impl Template {
    fn new(table: Box<Table>) -> Box<Self> {
        let bytes = table.encoded();
        let seen = vec![0; table.nodes.len()];
        let settling = vec![(0, Settling::default()); table.records.len()];
        let named = vec![(0, 0); table.records.len()];
        let events = table.nodes.iter().filter(|node| node.event != Event::Unset).count() as u32;
        let fields = table.records.iter().map(|record| record.fields.len() as u32).sum();
        Box::new(Template {
            table,
            bytes,
            seen,
            seen_count: 0,
            mixed_count: 0,
            events,
            settling,
            named,
            named_count: 0,
            fields,
            made: Made::default(),
            body_len: 0,
            calls: 0,
            epoch: 0,
        })
    }

    /// Starts a replay: nothing verified yet.
    fn begin(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.seen.fill(0);
            self.settling.fill((0, Settling::default()));
            self.named.fill((0, 0));
            self.epoch = 1;
        }
        self.seen_count = 0;
        self.mixed_count = 0;
        self.named_count = 0;
        // a new table starts with the root
        self.made = Made { nodes: 1, records: 0, names: 0 };
    }

    /// Whether this replay made the whole template: then the table it
    /// writes is the one a new recording would have made.
    fn complete(&self) -> bool {
        let table = &*self.table;
        // each record's names are met in order and never past its list, and
        // only nodes holding an event are verified: the counts say it all
        self.made.nodes as usize == table.nodes.len()
            && self.made.records as usize == table.records.len()
            && self.made.names as usize == table.names.len()
            && self.named_count == self.fields
            && self.seen_count == self.events
    }

    /// Notes that this replay verified the event at `ctx`.
    #[inline]
    fn mark(&mut self, ctx: u32) {
        let seen = &mut self.seen[ctx as usize];
        if *seen != self.epoch {
            *seen = self.epoch;
            self.seen_count += 1;
        }
    }

    /// Whether `record`, reached now, is one a new table holds by now
    /// (`Some(false)`) or the one it makes next, with its field nodes
    /// (`Some(true)`).
    fn reach_record(&self, record: u32) -> Option<bool> {
        let new = reach(self.made.records, record)?;
        if new && self.table.records[record as usize].base != self.made.nodes {
            return None;
        }
        Some(new)
    }

    /// Makes `record` (new when `new`) and the names it interns (each new or
    /// not), checked by the caller.
    fn make(&mut self, record: Option<(u32, bool)>, names: &[bool]) {
        if let Some((record, true)) = record {
            self.made.records += 1;
            let len = self.table.records[record as usize].len;
            self.made.nodes = self.made.nodes.saturating_add(len);
        }
        self.made.names += names.iter().map(|&new| u32::from(new)).sum::<u32>();
    }

    /// Whether the template holds `event` at `ctx`; notes it verified.
    #[inline]
    fn event(&mut self, ctx: u32, event: Event) -> bool {
        match self.table.nodes.get(ctx as usize) {
            Some(node) if node.event == event => {
                self.mark(ctx);
                true
            }
            _ => false,
        }
    }

    /// The event at `ctx`, if this replay verified one there.
    #[inline]
    fn event_at(&self, ctx: u32) -> Event {
        match self.seen.get(ctx as usize) {
            Some(&seen) if seen == self.epoch => self.table.nodes[ctx as usize].event,
            _ => Event::Unset,
        }
    }

    fn child(&mut self, ctx: u32, event: Event, slot: Slot) -> Option<u32> {
        let node = self.table.nodes.get(ctx as usize).filter(|node| node.event == event)?;
        let child = match slot {
            Slot::Some => node.some,
            Slot::Elem => node.elem,
            Slot::Key => node.key,
            Slot::Value => node.value,
        };
        let new = reach(self.made.nodes, child).filter(|_| child != NONE)?;
        self.mark(ctx);
        self.made.nodes += u32::from(new);
        Some(child)
    }

    fn tuple(&mut self, ctx: u32, len: u32) -> Option<u32> {
        let node = self.table.nodes.get(ctx as usize).filter(|node| node.event == Event::Tuple(len))?;
        if len > MAX_TUPLE_CONTEXTS {
            // a new table records the event only, and no element
            self.mark(ctx);
            return Some(NONE);
        }
        if node.tuple == NONE || node.tuple_len != len {
            return None;
        }
        let base = node.tuple;
        // a new table makes a tuple's nodes the first time it meets one here
        let first = self.seen[ctx as usize] != self.epoch;
        if first && base != self.made.nodes {
            return None;
        }
        self.mark(ctx);
        if first {
            self.made.nodes = self.made.nodes.saturating_add(len);
        }
        Some(base)
    }

    fn struct_record(
        &mut self,
        ctx: u32,
        name: &'static str,
        kind: Kind,
        len: u32,
        ty: TypeId,
    ) -> Option<u32> {
        let node = self.table.nodes.get(ctx as usize)?;
        let record = match (node.event, kind) {
            (Event::Struct(r), Kind::Struct)
            | (Event::TupleStruct(r), Kind::Tuple)
            | (Event::NewtypeStruct(r), Kind::Newtype) => r,
            _ => return None,
        };
        let found = self.table.records.get(record as usize)?;
        if found.conflict || found.len != len || !same(self.table.name(found.name), name) {
            return None;
        }
        // a new table interns the name first, then makes the record
        let new_name = reach(self.made.names, found.name)?;
        let new = self.reach_record(record)?;
        self.make(Some((record, new)), &[new_name]);
        self.mark(ctx);
        Some(self.unless_settled(record, ty))
    }

    fn variant(&mut self, ctx: u32, which: Which, kind: Kind, len: u32, ty: TypeId) -> Option<u32> {
        let Which { name, index, variant } = which;
        let Event::Enum(enum_name) = self.table.nodes.get(ctx as usize)?.event else { return None };
        if !same(self.table.name(enum_name), name) {
            return None;
        }
        let record =
            self.table.records.iter().position(|r| r.name == enum_name && r.variant_index == index)?;
        let record = record as u32;
        let found = &self.table.records[record as usize];
        let same_variant = found.variant_name != NONE && same(self.table.name(found.variant_name), variant);
        if found.conflict || found.kind != kind || found.len != len || !same_variant {
            return None;
        }
        let new = self.reach_record(record)?;
        let names = if new {
            // a new table interns the enum's name, then the variant's
            let new_enum = reach(self.made.names, found.name)?;
            let made = self.made.names + u32::from(new_enum);
            [new_enum, reach(made, found.variant_name)?]
        } else {
            [false, false]
        };
        self.make(Some((record, new)), &names);
        self.mark(ctx);
        Some(self.unless_settled(record, ty))
    }

    /// `record`, or `NONE` when a new table would find it settled now: the
    /// walk of `settle.rs` over what this replay verified and made.
    fn unless_settled(&mut self, record: u32, ty: TypeId) -> u32 {
        let mut settling = self.settling_of(record);
        // as a new table: the value's type first; and not walked again while
        // nothing new was verified or made since a walk found it not settled
        if settling.typed(ty) {
            self.mixed_count += 1;
        }
        let settled = settling.settled(ty, self.progress(), || settle(&Verified(self), record));
        self.settling[record as usize] = (self.epoch, settling);
        if settled { NONE } else { record }
    }

    /// What this replay knows of `record`'s settling (nothing, before it
    /// wrote a value of it).
    fn settling_of(&self, record: u32) -> Settling {
        match self.settling.get(record as usize) {
            Some(&(epoch, settling)) if epoch == self.epoch => settling,
            _ => Settling::default(),
        }
    }

    /// How much this replay verified and made so far: it grows with each
    /// event verified, node, record or name made and field name met.
    fn progress(&self) -> u64 {
        let made = self.made;
        u64::from(self.seen_count)
            + u64::from(self.mixed_count)
            + u64::from(self.named_count)
            + u64::from(made.nodes)
            + u64::from(made.records)
            + u64::from(made.names)
    }

    fn field(&mut self, record: u32, index: u32, key: Option<&'static str>) -> Option<u32> {
        let found = self.table.records.get(record as usize)?;
        if index >= found.len {
            // a new table marks the record conflicting
            return None;
        }
        let ctx = found.base + index;
        let Some(key) = key else { return Some(ctx) };
        let name = *found.fields.get(index as usize)?;
        if !same(self.table.name(name), key) {
            return None;
        }
        // a new table notes each field's name the first time, in order
        let named = match self.named[record as usize] {
            (epoch, named) if epoch == self.epoch => named,
            _ => 0,
        };
        if index > named {
            return None;
        }
        if index == named {
            let new_name = reach(self.made.names, name)?;
            self.make(None, &[new_name]);
            self.named[record as usize] = (self.epoch, named + 1);
            self.named_count += 1;
        }
        Some(ctx)
    }

    fn unit_struct(&mut self, ctx: u32, name: &'static str) -> bool {
        let Some(Event::UnitStruct(n)) = self.table.nodes.get(ctx as usize).map(|node| node.event) else {
            return false;
        };
        let Some(new_name) = reach(self.made.names, n).filter(|_| same(self.table.name(n), name)) else {
            return false;
        };
        self.make(None, &[new_name]);
        self.mark(ctx);
        true
    }

    /// The table a new recording of this value would hold by now: the part
    /// of the template this replay made and verified.
    fn prefix(&self) -> Box<Table> {
        let made = self.made;
        let mut table = Table::new();
        table.names.extend(self.table.names.iter().take(made.names as usize).cloned());
        table.nodes.clear();
        let link = |to: u32| if to < made.nodes { to } else { NONE };
        for (ctx, node) in self.table.nodes.iter().take(made.nodes as usize).enumerate() {
            let seen = self.seen[ctx] == self.epoch;
            // a tuple's nodes are made with its first event here, even none
            let tuple = seen && node.tuple != NONE && matches!(node.event, Event::Tuple(_));
            table.nodes.push(super::Node {
                event: if seen { node.event } else { Event::Unset },
                some: link(node.some),
                elem: link(node.elem),
                key: link(node.key),
                value: link(node.value),
                tuple: if tuple { node.tuple } else { NONE },
                tuple_len: if tuple { node.tuple_len } else { 0 },
            });
        }
        for (r, record) in self.table.records.iter().take(made.records as usize).enumerate() {
            let named = match self.named[r] {
                (epoch, named) if epoch == self.epoch => named as usize,
                _ => 0,
            };
            let mut fields = table.spare_field_list();
            fields.extend_from_slice(&record.fields[..named.min(record.fields.len())]);
            // a new table remembers a record settled, also once a later call
            // finds it conflicting: so does the table that goes on from here
            let settling = self.settling_of(r as u32).carried();
            table.records.push(super::Record { fields, settling, ..record.clone_header() });
        }
        table
    }
}

/// What a replay verified and made of its template: the table a new
/// recording would hold by now, as the settled walk sees it.
struct Verified<'t>(&'t Template);

impl View for Verified<'_> {
    fn event_at(&self, ctx: u32) -> Event {
        self.0.event_at(ctx)
    }

    fn node(&self, ctx: u32) -> Option<&Node> {
        self.0.table.nodes.get(ctx as usize)
    }

    fn made(&self, ctx: u32) -> bool {
        ctx < self.0.made.nodes
    }

    fn record(&self, record: u32) -> Option<&Record> {
        (record < self.0.made.records).then(|| self.0.table.records.get(record as usize)).flatten()
    }

    fn mixed(&self, record: u32, _: &Record) -> bool {
        self.0.settling_of(record).mixed
    }

    fn names_complete(&self, record: u32, found: &Record) -> bool {
        // the names this replay met, in order (none in an earlier replay)
        let named = match self.0.named.get(record as usize) {
            Some(&(epoch, named)) if epoch == self.0.epoch => named,
            _ => 0,
        };
        found.kind != Kind::Struct || named == found.len
    }
}

impl Recorder {
    /// Starts recording a dump of the type `key`: following the tape of its
    /// template when this thread has one with a tape, a replay of the
    /// template when it has one without, else a new table.
    pub(crate) fn start(&mut self, key: TypeId) {
        debug_assert!(self.key.is_none(), "a recorder records one dump");
        let loan = TEMPLATES.try_with(|shelf| shelf.try_borrow_mut().ok()?.lend(key)).ok().flatten();
        self.key = Some(key);
        match loan {
            Some(Loan::Tape(tape)) => {
                self.following = Some(Following { tape, step: 0, times: 0, repeat: false });
                self.taping = false;
            }
            Some(Loan::Template(mut template)) => {
                template.begin();
                self.taping = template.calls <= TAPE_CALLS;
                self.replay = Some(template);
            }
            None => {
                self.fresh = Some(Table::new());
                self.taping = true;
            }
        }
    }

    /// Ends the dump: hands the bytes of its table (followed, replayed or
    /// recorded) to `write`, and keeps the table for the next dump of the
    /// type; `body_len` is what the value's payload took, the room to make
    /// for the next one.
    pub(crate) fn finish<R>(&mut self, body_len: usize, write: impl FnOnce(&[u8]) -> R) -> R {
        if self.following_repeat() {
            self.leave_repeat();
        }
        if let Some(repeats) = self.repeats.take() {
            repeats.keep();
        }
        if let Some(following) = &self.following
            && (following.step as usize != following.tape.steps.len() || following.times != 0)
        {
            // the value made fewer calls than the tape holds
            self.untape();
        }
        if let Some(following) = self.following.take() {
            // the calls of the tape, all of them: the tape's own table
            let tape = following.tape;
            tape.body_len.set(body_len.saturating_add(tape.bytes.len()));
            return write(&tape.bytes);
        }
        let mut template = match (self.replay.take(), self.fresh.take()) {
            (Some(template), _) if template.complete() => template,
            // a replay that met every call but not the whole template: what it
            // verified is this value's table
            (Some(template), _) => {
                let table = template.prefix();
                template.table.recycle();
                Template::new(table)
            }
            (None, Some(table)) => Template::new(table),
            (None, None) => Template::new(Table::new()),
        };
        let result = write(&template.bytes);
        template.body_len = body_len.saturating_add(template.bytes.len());
        template.calls = self.calls;
        let steps = std::mem::take(&mut self.tape);
        let tape = (self.taping && !steps.is_empty()).then(|| {
            let body_len = Cell::new(template.body_len);
            Rc::new(Tape { steps, bytes: template.bytes.clone(), body_len })
        });
        self.taping = false;
        if let Some(key) = self.key
            && template.table.nodes.len() <= KEPT_NODES
        {
            keep(key, template, tape);
        }
        result
    }

    /// The length of the body the last dump of this type wrote, when this
    /// dump replays its table or follows its tape: room to make at the start.
    pub(crate) fn body_len(&self) -> usize {
        match (&self.following, &self.replay) {
            (Some(following), _) if !following.repeat => following.tape.body_len.get(),
            (_, Some(template)) => template.body_len,
            (_, None) => 0,
        }
    }

    /// Answers the call `call` makes from the tape when this dump follows
    /// one and the call is the tape's next; else out of line, by
    /// [`Recorder::answer`]. On the way that follows only the call's key is
    /// made, from the arguments in registers: the call itself is made in
    /// memory only to be answered anew. (Made there first, its key was read
    /// back with loads wider than the stores that wrote it, each waiting for
    /// them: a store-forwarding stall, half of each primitive's serialize in
    /// a struct of eight fields.)
    #[inline(always)]
    fn taped(&mut self, call: impl Fn() -> Call) -> Answer {
        if let Some(answer) = self.follow(call().key()) {
            #[cfg(debug_assertions)]
            self.check_followed(call(), answer);
            return answer;
        }
        if self.plain() {
            // nothing to note: the call is made where it is, its arguments
            // in registers, without the way round `answer`
            self.calls = self.calls.saturating_add(1);
            return self.now_known(call());
        }
        self.answer(call())
    }

    /// Whether a call needs only making: this dump follows no tape, keeps
    /// none of its own, and compares no sequence's elements ([`answer`]
    /// would do nothing else).
    ///
    /// [`answer`]: Recorder::answer
    #[inline(always)]
    fn plain(&self) -> bool {
        self.following.is_none()
            && !self.taping
            && self.repeats.as_ref().is_none_or(|repeats| repeats.elem.is_none())
    }

    /// The tape's answer to `call`, when this dump follows a tape and the
    /// call is its next.
    #[inline(always)]
    fn follow(&mut self, key: Option<Key>) -> Option<Answer> {
        let following = self.following.as_mut()?;
        let next = following.tape.steps.get(following.step as usize)?;
        let key = key?;
        // the words this kind of call uses (a constant where the call is
        // made), at once: no branch per word, nor a call to memcmp
        let differ = key.words.iter().zip(next.key).take(key.used).fold(0, |differ, (a, b)| differ | (a ^ b));
        if differ != 0 || key.ty != next.ty {
            return None;
        }
        let (answer, times) = (next.answer, next.times);
        following.times += 1;
        if following.times == times {
            following.step += 1;
            following.times = 0;
        }
        Some(answer)
    }

    /// Whether this dump follows a sequence element's calls (see
    /// [`Repeats`]), not the whole dump's tape.
    #[inline(always)]
    fn following_repeat(&self) -> bool {
        self.following.as_ref().is_some_and(|following| following.repeat)
    }

    /// Answers `call` anew, noting it on this dump's own tape; a dump that
    /// followed a tape leaves it first (see [`Recorder::untape`], and
    /// [`Recorder::end_repeat`] for an element's).
    #[inline(never)]
    fn answer(&mut self, call: Call) -> Answer {
        self.calls = self.calls.saturating_add(1);
        match &self.following {
            Some(following) if following.repeat => {
                if let Some(answer) = self.hole(call) {
                    return answer;
                }
                self.end_repeat();
            }
            Some(_) => self.untape(),
            None => {}
        }
        let answer = self.now(call);
        if self.taping {
            self.note(call, answer);
        }
        if let Some(repeats) = &mut self.repeats
            && repeats.elem.is_some()
        {
            repeats.add(call, answer);
        }
        answer
    }

    /// Adds a call and its answer to this dump's tape.
    #[inline]
    fn note(&mut self, call: Call, answer: Answer) {
        // a call no tape holds, or too many steps: the table is kept without a tape
        if add_step(&mut self.tape, call, answer, TAPE_STEPS) != Added::Yes {
            self.taping = false;
        }
    }

    /// Stops following the tape at a call it doesn't hold: the calls
    /// followed so far are replayed against the type's template (and taped
    /// anew), so that the replay is where it would be had it checked each
    /// of them. (A template another dump has out, or none, and they are
    /// recorded into a new table, where they end the same.)
    #[cold]
    #[inline(never)]
    fn untape(&mut self) {
        debug_assert!(!self.following_repeat());
        let Some(Following { tape, step, times, .. }) = self.following.take() else { return };
        let template = self.key.and_then(|key| {
            TEMPLATES.try_with(|shelf| shelf.try_borrow_mut().ok()?.take(key)).ok().flatten()
        });
        match template {
            Some(mut template) => {
                template.begin();
                self.replay = Some(template);
            }
            None => self.fresh = Some(Table::new()),
        }
        self.tape = Vec::with_capacity(tape.steps.len());
        self.taping = true;
        let step = step as usize;
        for (at, done) in tape.steps.iter().enumerate().take(step + 1) {
            let made = if at == step { times } else { done.times };
            for _ in 0..made {
                let _answer = self.answer(done.call);
                debug_assert_eq!(
                    _answer, done.answer,
                    "a replay answered {:?} otherwise than its tape",
                    done.call
                );
            }
        }
    }

    /// [`now`](Self::now), but for a variant call this dump found settled
    /// before, with nothing recorded since: that one answers the same and
    /// changes nothing again, so it is answered from memory. (A `Vec` of
    /// enums makes the same few variant calls over and over; each made anew
    /// costs a lookup of the variant's record and a check of its settling.)
    #[inline(always)]
    fn now_known(&mut self, call: Call) -> Answer {
        if !matches!(call, Call::Variant(..)) {
            return self.now(call);
        }
        self.now_variant(call).0
    }

    /// Makes the variant call `call` (from memory when it can, as
    /// [`now_known`](Self::now_known)); returns its answer and whether it
    /// changed nothing.
    #[inline(never)]
    fn now_variant(&mut self, call: Call) -> (Answer, bool) {
        let edits = self.edits();
        let Some(Key { words, ty, .. }) = call.key() else {
            let answer = self.now(call);
            return (answer, self.edits() == edits);
        };
        if self.repeats.as_ref().is_some_and(|repeats| repeats.known.holds(edits, &words, ty)) {
            #[cfg(debug_assertions)]
            {
                let made = self.now(call);
                assert!(
                    made == Answer::Id(NONE) && self.edits() == edits,
                    "a settled variant {call:?} changed"
                );
            }
            return (Answer::Id(NONE), true);
        }
        let answer = self.now(call);
        let unchanged = self.edits() == edits;
        if answer == Answer::Id(NONE)
            && unchanged
            && let Some(repeats) = &mut self.repeats
        {
            repeats.known.note(edits, words, ty);
        }
        (answer, unchanged)
    }

    /// A number that grows with everything this dump's recording makes or
    /// verifies: equal before and after a call that changed nothing. (A
    /// replay's numbers are even, a new table's odd: a replay that becomes
    /// a new table at a miss never meets its own numbers again.)
    fn edits(&self) -> u64 {
        match (&self.replay, &self.fresh) {
            (Some(template), _) => template.progress() << 1,
            (None, Some(table)) => table.edits() << 1 | 1,
            (None, None) => 0,
        }
    }

    /// Makes `call` against the template this dump replays, or the table
    /// it records. (Inlined where a call is made, its kind known there,
    /// only that kind's arm remains.)
    #[inline(always)]
    fn now(&mut self, call: Call) -> Answer {
        match call {
            Call::Event(ctx, event) => {
                self.event_now(ctx, event);
                Answer::Nothing
            }
            Call::EventAt(ctx) => Answer::Event(if let Some(template) = &self.replay {
                template.event_at(ctx)
            } else if let Some(table) = &self.fresh {
                table.event_at(ctx)
            } else {
                Event::Unset
            }),
            Call::Child(ctx, event, slot) => Answer::Id(self.child_now(ctx, event, slot)),
            Call::Tuple(ctx, len) => Answer::Id(self.tuple_now(ctx, len)),
            Call::Struct(ctx, Name(name), kind, len, ty) => {
                Answer::Id(self.struct_now(ctx, name, kind, len, ty))
            }
            Call::Variant(ctx, Name(name), index, Name(variant), kind, len, ty) => {
                if let Some(template) = &mut self.replay {
                    let which = Which { name, index, variant };
                    if let Some(record) = template.variant(ctx, which, kind, len, ty) {
                        return Answer::Id(record);
                    }
                    self.miss();
                }
                let Some(table) = &mut self.fresh else { return Answer::Id(NONE) };
                let record = table.variant_record(name, index, variant, kind, len);
                let Some(enum_name) = table.records.get(record as usize).map(|record| record.name) else {
                    return Answer::Id(NONE);
                };
                table.event(ctx, Event::Enum(enum_name));
                table.typed(record, ty);
                Answer::Id(if table.settled(record, ty) { NONE } else { record })
            }
            Call::Field(record, index, key) => {
                Answer::Id(self.field_now(record, index, key.map(|Name(key)| key)))
            }
            Call::UnitStruct(ctx, Name(name)) => {
                self.unit_struct_now(ctx, name);
                Answer::Nothing
            }
        }
    }

    /// Ends a replay at a call that differs: from here on, this is the new
    /// recording the replay stood for.
    #[cold]
    #[inline(never)]
    fn miss(&mut self) {
        if let Some(template) = self.replay.take() {
            self.fresh = Some(template.prefix());
            template.table.recycle();
        }
    }

    /// Records `event` at `ctx`.
    #[inline]
    pub(crate) fn event(&mut self, ctx: u32, event: Event) {
        self.taped(move || Call::Event(ctx, event));
    }

    fn event_now(&mut self, ctx: u32, event: Event) {
        if let Some(template) = &mut self.replay {
            if template.event(ctx, event) {
                return;
            }
            self.miss();
        }
        if let Some(table) = &mut self.fresh {
            table.event(ctx, event);
        }
    }

    /// The event recorded at `ctx` so far in this dump.
    #[inline]
    pub(crate) fn event_at(&mut self, ctx: u32) -> Event {
        match self.taped(move || Call::EventAt(ctx)) {
            Answer::Event(event) => event,
            _ => Event::Unset,
        }
    }

    /// Records `event` at `ctx`; returns the context of its child `slot`.
    pub(crate) fn child(&mut self, ctx: u32, event: Event, slot: Slot) -> u32 {
        id(self.taped(move || Call::Child(ctx, event, slot)))
    }

    fn child_now(&mut self, ctx: u32, event: Event, slot: Slot) -> u32 {
        if let Some(template) = &mut self.replay {
            if let Some(child) = template.child(ctx, event, slot) {
                return child;
            }
            self.miss();
        }
        let Some(table) = &mut self.fresh else { return NONE };
        table.event(ctx, event);
        table.child(ctx, slot)
    }

    /// Records a tuple of `len` at `ctx`; returns its first element's context.
    pub(crate) fn tuple(&mut self, ctx: u32, len: u32) -> u32 {
        id(self.taped(move || Call::Tuple(ctx, len)))
    }

    fn tuple_now(&mut self, ctx: u32, len: u32) -> u32 {
        if let Some(template) = &mut self.replay {
            if let Some(base) = template.tuple(ctx, len) {
                return base;
            }
            self.miss();
        }
        let Some(table) = &mut self.fresh else { return NONE };
        table.tuple(ctx, len)
    }

    /// Records a struct of `kind` at `ctx`; returns its record, or `NONE`
    /// when it is settled (another value of it adds nothing).
    #[inline]
    pub(crate) fn struct_record(
        &mut self,
        ctx: u32,
        name: &'static str,
        kind: Kind,
        len: u32,
        ty: TypeId,
    ) -> u32 {
        // the same call as the last settled one: the same record (a name is
        // known by its address and length), the same event, the same type,
        // still settled
        let call = (ctx, name.as_ptr() as usize, name.len(), kind, len, ty);
        if self.settled_at == Some(call) {
            return NONE;
        }
        let record = self.new_struct_record(ctx, name, kind, len, ty);
        if record == NONE {
            self.settled_at = Some(call);
        }
        record
    }

    #[inline(never)]
    fn new_struct_record(&mut self, ctx: u32, name: &'static str, kind: Kind, len: u32, ty: TypeId) -> u32 {
        id(self.taped(move || Call::Struct(ctx, Name(name), kind, len, ty)))
    }

    fn struct_now(&mut self, ctx: u32, name: &'static str, kind: Kind, len: u32, ty: TypeId) -> u32 {
        if let Some(template) = &mut self.replay {
            if let Some(record) = template.struct_record(ctx, name, kind, len, ty) {
                return record;
            }
            self.miss();
        }
        let Some(table) = &mut self.fresh else { return NONE };
        let record = table.struct_record(name, kind, len);
        let event = match kind {
            Kind::Tuple => Event::TupleStruct(record),
            Kind::Newtype => Event::NewtypeStruct(record),
            _ => Event::Struct(record),
        };
        table.event(ctx, event);
        table.typed(record, ty);
        if table.settled(record, ty) { NONE } else { record }
    }

    /// Records variant `index` of the enum `name` at `ctx`; returns its
    /// record, or `NONE` when it is settled. A variant index of `u32::MAX`
    /// (`NONE`, which marks a struct's record) is not recorded, nor checked:
    /// its context varies.
    pub(crate) fn variant(&mut self, ctx: u32, which: Which, kind: Kind, len: u32, ty: TypeId) -> u32 {
        let Which { name, index, variant } = which;
        if index == NONE {
            // not recorded, but not to be taken for what else is written here
            self.event(ctx, Event::Varies);
            return NONE;
        }
        id(self.taped(move || Call::Variant(ctx, Name(name), index, Name(variant), kind, len, ty)))
    }

    /// The context of field `index` of `record`, noting its name if it has one.
    #[inline]
    pub(crate) fn field(&mut self, record: u32, index: u32, key: Option<&'static str>) -> u32 {
        id(self.taped(move || Call::Field(record, index, key.map(Name))))
    }

    fn field_now(&mut self, record: u32, index: u32, key: Option<&'static str>) -> u32 {
        if let Some(template) = &mut self.replay {
            if let Some(ctx) = template.field(record, index, key) {
                return ctx;
            }
            self.miss();
        }
        let Some(table) = &mut self.fresh else { return NONE };
        table.field(record, index, key)
    }

    /// Records a unit struct named `name` at `ctx`.
    pub(crate) fn unit_struct(&mut self, ctx: u32, name: &'static str) {
        self.taped(move || Call::UnitStruct(ctx, Name(name)));
    }

    fn unit_struct_now(&mut self, ctx: u32, name: &'static str) {
        if let Some(template) = &mut self.replay {
            if template.unit_struct(ctx, name) {
                return;
            }
            self.miss();
        }
        if let Some(table) = &mut self.fresh {
            let name = table.name_of(name);
            table.event(ctx, Event::UnitStruct(name));
        }
    }
}

/// The context or record an answer gives.
#[inline(always)]
fn id(answer: Answer) -> u32 {
    match answer {
        Answer::Id(id) => id,
        _ => NONE,
    }
}

/// Keeps `template` and its tape as the type `key`'s, for the thread's
/// next dump of it.
fn keep(key: TypeId, template: Box<Template>, tape: Option<Rc<Tape>>) {
    let _ = TEMPLATES.try_with(|shelf| {
        if let Ok(mut shelf) = shelf.try_borrow_mut() {
            shelf.put(key, template, tape);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{Call, Event, Kind, Name, Slot};
    use crate::shape::Prim;

    /// Calls that differ in each argument, each once: names that share an
    /// address or a text but not both, contexts at both ends.
    fn calls() -> Vec<Call> {
        let text: &'static str = "abcabc";
        let names = [Name(&text[..3]), Name(&text[3..]), Name(&text[..2]), Name("")];
        let events = [
            Event::Prim(Prim::I64),
            Event::Prim(Prim::Str),
            Event::Seq,
            Event::Struct(0),
            Event::Struct(1),
            Event::Tuple(2),
            Event::Enum(0),
        ];
        let kinds = [Kind::Struct, Kind::Tuple, Kind::Newtype, Kind::Unit];
        let slots = [Slot::Some, Slot::Elem, Slot::Key, Slot::Value];
        let mut calls = Vec::new();
        for ctx in [0, 1, u32::MAX - 1] {
            calls.push(Call::EventAt(ctx));
            calls.extend([0, 1, 2].map(|len| Call::Tuple(ctx, len)));
            calls.extend([0, 1].map(|index| Call::Field(ctx, index, None)));
            for event in events {
                calls.push(Call::Event(ctx, event));
                calls.extend(slots.map(|slot| Call::Child(ctx, event, slot)));
            }
            for name in names {
                calls.push(Call::UnitStruct(ctx, name));
                calls.extend([0, 1].map(|index| Call::Field(ctx, index, Some(name))));
                for kind in kinds {
                    for len in [0, 1, 3] {
                        for ty in [std::any::TypeId::of::<u8>(), std::any::TypeId::of::<u16>()] {
                            calls.push(Call::Struct(ctx, name, kind, len, ty));
                            for variant in &names[..2] {
                                calls.extend(
                                    [0, 1].map(|index| {
                                        Call::Variant(ctx, name, index, *variant, kind, len, ty)
                                    }),
                                );
                            }
                        }
                    }
                }
            }
        }
        calls
    }

    /// Two different calls never have keys that `follow` finds equal (it
    /// compares the `used` words of the call made, and the type), and the
    /// words past `used` are 0, as the comparison of a tape's steps assumes.
    #[test]
    fn only_equal_calls_have_keys_follow_finds_equal() {
        let keys: Vec<_> = calls().into_iter().map(|call| call.key().expect("short names")).collect();
        for key in &keys {
            assert!(key.words[key.used..].iter().all(|&word| word == 0), "{key:?}");
        }
        for (i, made) in keys.iter().enumerate() {
            for (j, step) in keys.iter().enumerate() {
                let equal = made.words[..made.used] == step.words[..made.used] && made.ty == step.ty;
                assert_eq!(equal, i == j, "calls {i} and {j}: {made:?} against {step:?}");
            }
        }
    }
}
