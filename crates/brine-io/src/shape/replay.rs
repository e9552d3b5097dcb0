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
//! - A call that differs ends the replay (`Recorder::miss`): the bytes
//!   go on unchanged (they never depend on the table), and the dump's own
//!   table is recorded by a second pass over the value with no output
//!   (`Encoder::body`), which then becomes the type's template. A type whose
//!   values keep differing (three misses in a row) is recorded afresh every
//!   time, in one pass, as without templates.

use std::any::TypeId;
use std::cell::RefCell;

use super::{Event, Kind, NONE, Slot, Table, same};

/// How many types' templates a thread keeps.
const KEPT: usize = 8;

/// After this many replays in a row that missed, a type is recorded afresh.
const UNSTABLE: u8 = 3;

thread_local! {
    /// The templates of the last types dumped on this thread, the most
    /// recent last.
    static TEMPLATES: RefCell<Vec<(TypeId, Box<Template>)>> = const { RefCell::new(Vec::new()) };
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
    events: u32,
    /// Per record: the last replay that found it settled.
    settled: Vec<u32>,
    /// Per record: the replay that last met its field names, and how many
    /// it met; their sum in this replay, and the template's.
    named: Vec<(u32, u32)>,
    named_count: u32,
    fields: u32,
    /// How many nodes, records and names a new table would hold by now.
    made: Made,
    /// The length of the body the template's last dump wrote.
    body_len: usize,
    /// This replay's number (never 0, the number of none).
    epoch: u32,
    /// Replays in a row that missed.
    misses: u8,
}

/// How many of each part of a table a new recording would have made.
#[derive(Debug, Default, Clone, Copy)]
struct Made {
    nodes: u32,
    records: u32,
    names: u32,
}

/// Whether `id`, reached by this replay, is one a new table holds by now
/// (below `made`) or the next it makes (`made`, which then counts `n` more).
#[inline]
fn reach(made: &mut u32, id: u32, n: u32) -> bool {
    if id < *made {
        return true;
    }
    if id != *made {
        return false;
    }
    *made = made.saturating_add(n);
    true
}

/// What a dump does with its shapes: replay a template, record a new
/// table, or nothing (no dump running, a replay that missed). A struct of
/// options rather than an enum, so that each call tests for a replay with
/// one predictable branch.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    /// Checking every call against a template.
    replay: Option<Box<Template>>,
    /// Recording a new table.
    fresh: Option<Box<Table>>,
    /// Replays in a row that missed, this one included once it missed.
    misses: u8,
    /// A replay found a call that differs: nothing more is recorded, and
    /// the table is recorded again by a second pass.
    missed: bool,
    /// The last struct call found settled (context, the name's address,
    /// kind, length): the same call again, as from each element of a `Vec`
    /// of one struct, records nothing new.
    settled_at: Option<(u32, usize, Kind, u32)>,
}

impl Template {
    fn new(table: Box<Table>, misses: u8) -> Box<Self> {
        let bytes = table.encoded();
        let seen = vec![0; table.nodes.len()];
        let settled = vec![0; table.records.len()];
        let named = vec![(0, 0); table.records.len()];
        let events = table.nodes.iter().filter(|node| node.event != Event::Unset).count() as u32;
        let fields = table.records.iter().map(|record| record.fields.len() as u32).sum();
        Box::new(Template {
            table,
            bytes,
            seen,
            seen_count: 0,
            events,
            settled,
            named,
            named_count: 0,
            fields,
            made: Made::default(),
            body_len: 0,
            epoch: 0,
            misses,
        })
    }

    /// The encoded table, with its length: what a passing replay writes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Starts a replay: nothing verified yet.
    fn begin(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.seen.fill(0);
            self.settled.fill(0);
            self.named.fill((0, 0));
            self.epoch = 1;
        }
        self.seen_count = 0;
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

    /// Reaches the record `record`, made with its `len` field nodes and
    /// `names` (interned in this order) when it is new.
    fn reach_record(&mut self, record: u32, names: &[u32]) -> bool {
        if record < self.made.records {
            return true;
        }
        let found = &self.table.records[record as usize];
        if record != self.made.records || found.base != self.made.nodes {
            return false;
        }
        self.made.records += 1;
        self.made.nodes = self.made.nodes.saturating_add(found.len);
        names.iter().all(|&name| reach(&mut self.made.names, name, 1))
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
        if !self.event(ctx, event) {
            return None;
        }
        let node = &self.table.nodes[ctx as usize];
        let child = match slot {
            Slot::Some => node.some,
            Slot::Elem => node.elem,
            Slot::Key => node.key,
            Slot::Value => node.value,
        };
        (child != NONE && reach(&mut self.made.nodes, child, 1)).then_some(child)
    }

    fn tuple(&mut self, ctx: u32, len: u32) -> Option<u32> {
        // a new table makes a tuple's nodes the first time it meets one here
        let first = self.seen.get(ctx as usize) != Some(&self.epoch);
        if !self.event(ctx, Event::Tuple(len)) {
            return None;
        }
        let node = &self.table.nodes[ctx as usize];
        if node.tuple == NONE || node.tuple_len != len {
            return None;
        }
        let base = node.tuple;
        if first && (base != self.made.nodes) {
            return None;
        }
        if first {
            self.made.nodes = self.made.nodes.saturating_add(len);
        }
        Some(base)
    }

    fn struct_record(&mut self, ctx: u32, name: &'static str, kind: Kind, len: u32) -> Option<u32> {
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
        if !reach(&mut self.made.names, found.name, 1) || !self.reach_record(record, &[]) {
            return None;
        }
        self.mark(ctx);
        Some(self.unless_settled(record))
    }

    fn variant(
        &mut self,
        ctx: u32,
        name: &'static str,
        index: u32,
        variant: &'static str,
        kind: Kind,
        len: u32,
    ) -> Option<u32> {
        let Event::Enum(enum_name) = self.table.nodes.get(ctx as usize)?.event else { return None };
        if !same(self.table.name(enum_name), name) {
            return None;
        }
        let record =
            self.table.records.iter().position(|r| r.name == enum_name && r.variant_index == index)?;
        let found = &self.table.records[record];
        let same_variant = found.variant_name != NONE && same(self.table.name(found.variant_name), variant);
        if found.conflict || found.kind != kind || found.len != len || !same_variant {
            return None;
        }
        let names = [found.name, found.variant_name];
        if !self.reach_record(record as u32, &names) {
            return None;
        }
        self.mark(ctx);
        Some(self.unless_settled(record as u32))
    }

    /// `record`, or `NONE` when a new table would find it settled now: every
    /// field verified in this replay, each a primitive.
    fn unless_settled(&mut self, record: u32) -> u32 {
        let r = record as usize;
        if self.settled[r] == self.epoch {
            return NONE;
        }
        let found = &self.table.records[r];
        let fields = found.base as usize..(found.base + found.len) as usize;
        let settled = (found.kind != Kind::Struct || found.fields.len() == found.len as usize)
            && self.table.nodes[fields.clone()].iter().all(|node| matches!(node.event, Event::Prim(_)))
            && self.seen[fields].iter().all(|&seen| seen == self.epoch);
        if settled {
            self.settled[r] = self.epoch;
            return NONE;
        }
        record
    }

    fn field(&mut self, record: u32, index: u32, key: Option<&'static str>) -> Option<u32> {
        let found = self.table.records.get(record as usize)?;
        if index >= found.len {
            return Some(NONE);
        }
        if let Some(key) = key {
            let name = *found.fields.get(index as usize)?;
            if !same(self.table.name(name), key) {
                return None;
            }
            // a new table notes each field's name the first time, in order
            let epoch = self.epoch;
            let named = &mut self.named[record as usize];
            if named.0 != epoch {
                *named = (epoch, 0);
            }
            let named = &mut named.1;
            if index == *named {
                *named += 1;
                self.named_count += 1;
                if !reach(&mut self.made.names, name, 1) {
                    return None;
                }
            } else if index > *named {
                return None;
            }
        }
        Some(found.base + index)
    }

    fn unit_struct(&mut self, ctx: u32, name: &'static str) -> bool {
        match self.table.nodes.get(ctx as usize).map(|node| node.event) {
            Some(Event::UnitStruct(n))
                if same(self.table.name(n), name) && reach(&mut self.made.names, n, 1) =>
            {
                self.mark(ctx);
                true
            }
            _ => false,
        }
    }
}

impl Recorder {
    /// The recorder for a dump of the type `key`: a replay of its template
    /// when this thread has one, else a new table.
    pub(crate) fn start(key: TypeId) -> Recorder {
        let kept = TEMPLATES.with(|templates| {
            let mut templates = templates.try_borrow_mut().ok()?;
            let at = templates.iter().rposition(|(kept, _)| *kept == key)?;
            Some(templates.remove(at).1)
        });
        match kept {
            Some(mut template) if template.misses < UNSTABLE => {
                template.begin();
                Recorder { misses: template.misses, replay: Some(template), ..Recorder::default() }
            }
            Some(template) => {
                let misses = template.misses;
                template.table.recycle();
                Recorder::fresh(misses)
            }
            None => Recorder::fresh(0),
        }
    }

    fn fresh(misses: u8) -> Recorder {
        Recorder { fresh: Some(Table::new()), misses, ..Recorder::default() }
    }

    /// Ends a dump of the type `key` that recorded (or replayed) its whole
    /// value: its template is kept for the next dump of the type, and handed
    /// to `write` (the bytes to write are [`Template::bytes`]). When the
    /// replay missed, the recorder to record the table again with, by a
    /// second pass over the value, which is then ended the same way.
    pub(crate) fn finish<R>(
        self,
        key: TypeId,
        body_len: usize,
        write: impl FnOnce(&Template) -> R,
    ) -> Result<R, Recorder> {
        let mut template = match (self.replay, self.fresh) {
            (Some(mut template), _) if !self.missed && template.complete() => {
                template.misses = 0;
                template
            }
            (Some(template), _) => {
                template.table.recycle();
                return Err(Recorder::fresh(self.misses.saturating_add(1)));
            }
            (None, Some(table)) => Template::new(table, self.misses),
            (None, None) => return Err(Recorder::fresh(self.misses.saturating_add(u8::from(self.missed)))),
        };
        let result = write(&template);
        template.body_len = body_len.saturating_add(template.bytes.len());
        keep(key, template);
        Ok(result)
    }

    /// The length of the body the last dump of this type wrote, when this
    /// dump replays its table: room to make at the start.
    pub(crate) fn body_len(&self) -> usize {
        self.replay.as_ref().map_or(0, |template| template.body_len)
    }

    /// Whether a call at `at` (a context or a record) is recorded.
    #[inline(always)]
    pub(crate) fn records(&self, at: u32) -> bool {
        at != NONE && (self.replay.is_some() || self.fresh.is_some())
    }

    /// Ends a replay that met a call that differs.
    #[cold]
    #[inline(never)]
    fn miss(&mut self) -> u32 {
        if let Some(template) = self.replay.take() {
            template.table.recycle();
        }
        self.missed = true;
        NONE
    }

    /// Records `event` at `ctx`.
    #[inline]
    pub(crate) fn event(&mut self, ctx: u32, event: Event) {
        if let Some(template) = &mut self.replay {
            if !template.event(ctx, event) {
                self.miss();
            }
        } else if let Some(table) = &mut self.fresh {
            table.event(ctx, event);
        }
    }

    /// The event recorded at `ctx` so far in this dump.
    #[inline]
    pub(crate) fn event_at(&self, ctx: u32) -> Event {
        if let Some(template) = &self.replay {
            template.event_at(ctx)
        } else if let Some(table) = &self.fresh {
            table.event_at(ctx)
        } else {
            Event::Unset
        }
    }

    /// Records `event` at `ctx`; returns the context of its child `slot`.
    pub(crate) fn child(&mut self, ctx: u32, event: Event, slot: Slot) -> u32 {
        if let Some(template) = &mut self.replay {
            return template.child(ctx, event, slot).unwrap_or_else(|| self.miss());
        }
        let Some(table) = &mut self.fresh else { return NONE };
        table.event(ctx, event);
        table.child(ctx, slot)
    }

    /// Records a tuple of `len` at `ctx`; returns its first element's context.
    pub(crate) fn tuple(&mut self, ctx: u32, len: u32) -> u32 {
        if let Some(template) = &mut self.replay {
            return template.tuple(ctx, len).unwrap_or_else(|| self.miss());
        }
        let Some(table) = &mut self.fresh else { return NONE };
        table.tuple(ctx, len)
    }

    /// Records a struct of `kind` at `ctx`; returns its record, or `NONE`
    /// when it is settled (another value of it adds nothing).
    #[inline]
    pub(crate) fn struct_record(&mut self, ctx: u32, name: &'static str, kind: Kind, len: u32) -> u32 {
        // the same call as the last settled one: the same record (a name is
        // known by its address), the same event, still settled
        let call = (ctx, name.as_ptr() as usize, kind, len);
        if self.settled_at == Some(call) {
            return NONE;
        }
        let record = self.new_struct_record(ctx, name, kind, len);
        if record == NONE {
            self.settled_at = Some(call);
        }
        record
    }

    #[inline(never)]
    fn new_struct_record(&mut self, ctx: u32, name: &'static str, kind: Kind, len: u32) -> u32 {
        if let Some(template) = &mut self.replay {
            return template.struct_record(ctx, name, kind, len).unwrap_or_else(|| self.miss());
        }
        let Some(table) = &mut self.fresh else { return NONE };
        let record = table.struct_record(name, kind, len);
        let event = match kind {
            Kind::Tuple => Event::TupleStruct(record),
            Kind::Newtype => Event::NewtypeStruct(record),
            _ => Event::Struct(record),
        };
        table.event(ctx, event);
        if table.settled(record) { NONE } else { record }
    }

    /// Records variant `index` of the enum `name` at `ctx`; returns its
    /// record, or `NONE` when it is settled.
    pub(crate) fn variant(
        &mut self,
        ctx: u32,
        name: &'static str,
        index: u32,
        variant: &'static str,
        kind: Kind,
        len: u32,
    ) -> u32 {
        if let Some(template) = &mut self.replay {
            return template.variant(ctx, name, index, variant, kind, len).unwrap_or_else(|| self.miss());
        }
        let Some(table) = &mut self.fresh else { return NONE };
        let record = table.variant_record(name, index, variant, kind, len);
        let Some(enum_name) = table.records.get(record as usize).map(|record| record.name) else {
            return NONE;
        };
        table.event(ctx, Event::Enum(enum_name));
        if table.settled(record) { NONE } else { record }
    }

    /// The context of field `index` of `record`, noting its name if it has one.
    pub(crate) fn field(&mut self, record: u32, index: u32, key: Option<&'static str>) -> u32 {
        if let Some(template) = &mut self.replay {
            return template.field(record, index, key).unwrap_or_else(|| self.miss());
        }
        let Some(table) = &mut self.fresh else { return NONE };
        table.field(record, index, key)
    }

    /// Records a unit struct named `name` at `ctx`.
    pub(crate) fn unit_struct(&mut self, ctx: u32, name: &'static str) {
        if let Some(template) = &mut self.replay {
            if !template.unit_struct(ctx, name) {
                self.miss();
            }
        } else if let Some(table) = &mut self.fresh {
            let name = table.name_of(name);
            table.event(ctx, Event::UnitStruct(name));
        }
    }
}

/// Keeps `template` as the type `key`'s, the most recent; the oldest of
/// more than [`KEPT`] goes.
fn keep(key: TypeId, template: Box<Template>) {
    TEMPLATES.with(|templates| {
        let Ok(mut templates) = templates.try_borrow_mut() else { return };
        if let Some(at) = templates.iter().position(|(kept, _)| *kept == key) {
            // a dump inside this one kept the type too: this one is newer
            templates.remove(at);
        }
        if templates.len() >= KEPT {
            templates.remove(0);
        }
        templates.push((key, template));
    });
}
