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

use std::any::TypeId;
use std::cell::RefCell;

use super::{Event, Kind, NONE, Slot, Table, same};

/// How many types' templates a thread keeps.
const KEPT: usize = 8;

/// A table of more nodes is not kept: a long array written as a tuple has a
/// node per element, and a thread would hold eight of them for good.
const KEPT_NODES: usize = 4096;

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
    settled_at: Option<(u32, usize, usize, Kind, u32)>,
}

impl Template {
    fn new(table: Box<Table>) -> Box<Self> {
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
        let new_name = reach(self.made.names, found.name)?;
        let new = self.reach_record(record)?;
        self.make(Some((record, new)), &[new_name]);
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
        Some(self.unless_settled(record))
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
        // the fields seen in this replay first: the test that fails at a
        // record's first call, before any field is written
        let settled = self.seen[fields.clone()].iter().all(|&seen| seen == self.epoch)
            && (found.kind != Kind::Struct || found.fields.len() == found.len as usize)
            && self.table.nodes[fields].iter().all(|node| matches!(node.event, Event::Prim(_)));
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
            table.records.push(super::Record { fields, settled: false, ..record.clone_header() });
        }
        table
    }
}

impl Recorder {
    /// The recorder for a dump of the type `key`: a replay of its template
    /// when this thread has one, else a new table.
    pub(crate) fn start(key: TypeId) -> Recorder {
        let kept = TEMPLATES
            .try_with(|templates| {
                let mut templates = templates.try_borrow_mut().ok()?;
                let at = templates.iter().rposition(|(kept, _)| *kept == key)?;
                Some(templates.remove(at).1)
            })
            .ok()
            .flatten();
        match kept {
            Some(mut template) => {
                template.begin();
                Recorder { replay: Some(template), ..Recorder::default() }
            }
            None => Recorder { fresh: Some(Table::new()), ..Recorder::default() },
        }
    }

    /// Ends the dump of a value of the type `key`: its table (replayed or
    /// recorded) is kept for the next dump of the type, and handed to
    /// `write` (the bytes to write are [`Template::bytes`]); `body_len` is
    /// what the value's payload took, the room to make for the next one.
    pub(crate) fn finish<R>(self, key: TypeId, body_len: usize, write: impl FnOnce(&Template) -> R) -> R {
        let mut template = match (self.replay, self.fresh) {
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
        let result = write(&template);
        template.body_len = body_len.saturating_add(template.bytes.len());
        if template.table.nodes.len() <= KEPT_NODES {
            keep(key, template);
        }
        result
    }

    /// The length of the body the last dump of this type wrote, when this
    /// dump replays its table: room to make at the start.
    pub(crate) fn body_len(&self) -> usize {
        self.replay.as_ref().map_or(0, |template| template.body_len)
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
    pub(crate) fn struct_record(&mut self, ctx: u32, name: &'static str, kind: Kind, len: u32) -> u32 {
        // the same call as the last settled one: the same record (a name is
        // known by its address and length), the same event, still settled
        let call = (ctx, name.as_ptr() as usize, name.len(), kind, len);
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
            if let Some(record) = template.struct_record(ctx, name, kind, len) {
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
        if table.settled(record) { NONE } else { record }
    }

    /// Records variant `index` of the enum `name` at `ctx`; returns its
    /// record, or `NONE` when it is settled. A variant index of `u32::MAX`
    /// (`NONE`, which marks a struct's record) is not recorded, nor checked.
    pub(crate) fn variant(
        &mut self,
        ctx: u32,
        name: &'static str,
        index: u32,
        variant: &'static str,
        kind: Kind,
        len: u32,
    ) -> u32 {
        if index == NONE {
            return NONE;
        }
        if let Some(template) = &mut self.replay {
            if let Some(record) = template.variant(ctx, name, index, variant, kind, len) {
                return record;
            }
            self.miss();
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

/// Keeps `template` as the type `key`'s, the most recent; the oldest of
/// more than [`KEPT`] goes.
fn keep(key: TypeId, template: Box<Template>) {
    let _ = TEMPLATES.try_with(|templates| {
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
