//! The shape table of format version 2: what the stored value's types looked
//! like when it was written, so that a type changed since then is an error,
//! never a wrong value.
//!
//! postcard is not self-describing: a struct whose fields were reordered
//! (`{ retries: u32, scale: f32 }` to `{ scale: f32, retries: u32 }`) decodes
//! the old bytes without complaint, into garbage. So the writer records the
//! *shape events* its value produces, and the reader checks its own
//! deserialize calls against them while it decodes.
//!
//! # The model
//!
//! A *context* is a place in the value's type where one value is written: the
//! root, the i-th field of the struct named `Config`, the i-th field of
//! variant `k` of the enum named `Shape`, or a child of another context (the
//! elements of a sequence, the keys or values of a map, the inside of a
//! `Some`, the i-th element of a tuple). Each context holds the one *event*
//! seen there: a primitive's kind, option, sequence, map, tuple of n, a
//! struct (by record), an enum (by name). Struct and variant records hold
//! names, field names in order and the contexts of their fields.
//!
//! Invariants:
//! - Contexts of struct and variant fields are keyed by the type's *name*,
//!   not by where the struct sits, so a recursive type (a linked list of
//!   10,000 nodes) has as many contexts as its type has places, not as its
//!   value has nodes: the table's size is bounded by the types, not the data.
//! - What a value did not exercise is not recorded, and not checked: a `None`
//!   records no inside, an empty `Vec` no element, a variant not present no
//!   record. So an unchanged type is accepted whatever the stored value
//!   happened to hold.
//! - Where one context sees two different events (a generic struct used with
//!   two parameters, trait objects through typetag, two types of one name),
//!   it becomes `Varies` and is not checked; a record seen with two field
//!   lists is marked conflicting and its fields are not checked. The check
//!   never refuses a value that its own type wrote.
//! - A record that no later value could add to is *settled* (`settle.rs`):
//!   its values from then on record nothing (not even their field names, so
//!   a second struct of the name and length goes unrecorded). The reader
//!   mirrors this with the same walk over what its load checked so far
//!   (`check.rs`, `CheckState::done`), and lets those values through.
//! - Recording a table costs a small dump more than encoding it: a dump of a
//!   type this thread dumped lately replays that dump's table instead
//!   (`replay.rs`), and writes its bytes only when they are exactly the ones
//!   a new recording would write.
//! - The table is read back from bytes the checksum has verified; still, its
//!   decoder bounds every count by the bytes left and checks every index, so
//!   a forged table is an error, never a panic.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

mod check;
mod replay;
mod settle;

pub(crate) use check::{CheckState, Checked};
pub use replay::without_repeats;
pub(crate) use replay::{Recorder, Which};

/// No context: nothing was recorded here, nothing is checked.
pub(crate) const NONE: u32 = u32::MAX;

/// The most elements a tuple gets a context each for. A longer one (a big
/// array written as a tuple) records its length only, and its elements go
/// unchecked: the table stays small next to the value, and a `Serialize`
/// impl that announces a huge tuple costs nothing.
pub(crate) const MAX_TUPLE_CONTEXTS: u32 = 256;

/// The most fields a struct or variant record gets a context each for: more
/// than any type has. A record announced longer gets none, and is marked
/// conflicting, so its fields go unchecked.
pub(crate) const MAX_RECORD_FIELDS: u32 = 4096;

/// The kind of a primitive value, as serde names its serialize call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prim {
    Bool,
    I8,
    I16,
    I32,
    I64,
    I128,
    U8,
    U16,
    U32,
    U64,
    U128,
    F32,
    F64,
    Char,
    Str,
    Bytes,
    Unit,
}

const PRIMS: [Prim; 17] = [
    Prim::Bool,
    Prim::I8,
    Prim::I16,
    Prim::I32,
    Prim::I64,
    Prim::I128,
    Prim::U8,
    Prim::U16,
    Prim::U32,
    Prim::U64,
    Prim::U128,
    Prim::F32,
    Prim::F64,
    Prim::Char,
    Prim::Str,
    Prim::Bytes,
    Prim::Unit,
];

impl Prim {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Prim::Bool => "bool",
            Prim::I8 => "i8",
            Prim::I16 => "i16",
            Prim::I32 => "i32",
            Prim::I64 => "i64",
            Prim::I128 => "i128",
            Prim::U8 => "u8",
            Prim::U16 => "u16",
            Prim::U32 => "u32",
            Prim::U64 => "u64",
            Prim::U128 => "u128",
            Prim::F32 => "f32",
            Prim::F64 => "f64",
            Prim::Char => "char",
            Prim::Str => "a string",
            Prim::Bytes => "bytes",
            Prim::Unit => "()",
        }
    }
}

/// What was written at one context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Nothing yet.
    Unset,
    /// Different events at different times: not checked.
    Varies,
    Prim(Prim),
    Option,
    Seq,
    Map,
    Tuple(u32),
    /// A struct with named fields, by record.
    Struct(u32),
    /// A tuple struct, by record.
    TupleStruct(u32),
    /// A newtype struct, by record.
    NewtypeStruct(u32),
    /// A unit struct, by name.
    UnitStruct(u32),
    /// An enum, by name.
    Enum(u32),
}

/// A struct or enum variant's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Named fields.
    Struct,
    /// Unnamed fields.
    Tuple,
    /// One unnamed field (newtype struct or newtype variant).
    Newtype,
    /// No fields (unit variant).
    Unit,
}

const KINDS: [Kind; 4] = [Kind::Struct, Kind::Tuple, Kind::Newtype, Kind::Unit];

/// One context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) event: Event,
    pub(crate) some: u32,
    pub(crate) elem: u32,
    pub(crate) key: u32,
    pub(crate) value: u32,
    /// The first of `tuple_len` contexts, one per tuple element.
    pub(crate) tuple: u32,
    pub(crate) tuple_len: u32,
}

impl Node {
    const fn new() -> Self {
        Node {
            event: Event::Unset,
            some: NONE,
            elem: NONE,
            key: NONE,
            value: NONE,
            tuple: NONE,
            tuple_len: 0,
        }
    }
}

/// A struct (of any kind) or an enum variant: its names and its fields' contexts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// The struct's name, or the enum's for a variant.
    pub(crate) name: u32,
    /// For a variant: its index and name; `NONE` for a struct.
    pub(crate) variant_index: u32,
    pub(crate) variant_name: u32,
    pub(crate) kind: Kind,
    /// Field names in order (named fields only), as name ids.
    pub(crate) fields: Vec<u32>,
    pub(crate) len: u32,
    /// The context of field 0; fields are `base..base + len`.
    pub(crate) base: u32,
    /// Seen with two different layouts: its fields are not checked.
    pub(crate) conflict: bool,
    /// Whether another value of it could add to the table (see
    /// `settle.rs`), as far as the writer knows: a settled record's later
    /// values (of the type it settled for) record nothing.
    pub(crate) settling: settle::Settling,
}

/// The table: written while a value is serialized, stored after its payload,
/// read back to check a decode.
///
/// The writer's table holds the `&'static` names serde hands it and finds
/// things by scanning (a value has few distinct types, and the writer trusts
/// its own table); a table read back owns its names and gets hash maps, so
/// that a hostile table of many entries costs no more per lookup.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub(crate) names: Vec<Cow<'static, str>>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) records: Vec<Record>,
    /// The last struct record looked up, by the address and length of its
    /// `&'static` name: the common case of many values of one struct in a row.
    last_record: Option<(usize, usize, Kind, u32)>,
    /// For a table read back: names and records by key.
    lookup: Option<Lookup>,
    /// For a table read back, per record: the address of a `fields` list
    /// found equal to its field names (so each list is compared once).
    verified: Vec<std::cell::Cell<usize>>,
    /// For a writer's table: the field lists of the last dump's records,
    /// emptied, for this dump's (a small dump allocates nothing for them).
    spare_fields: Vec<Vec<u32>>,
    /// For a table read back: the reading types (by `TypeId`, lifetimes erased,
    /// and whether top-level names were compared) that decoded
    /// a payload with it and passed every check.
    passed: std::cell::RefCell<Vec<(std::any::TypeId, bool)>>,
    /// For a writer's table: how many events, field names, types met twice
    /// and conflicts it recorded (with its nodes and records, its version:
    /// see [`Table::settled`]).
    changes: u64,
}

#[derive(Debug, Default)]
struct Lookup {
    names: HashMap<Box<str>, u32>,
    /// (name, variant index or `NONE`, kind of struct) -> record
    records: HashMap<(u32, u32, u8), u32>,
}

thread_local! {
    /// A writer's table, kept between dumps so that its vectors keep their
    /// room: a small dump allocates nothing for its shapes.
    static SPARE: std::cell::RefCell<Option<Box<Table>>> = const { std::cell::RefCell::new(None) };

    /// The last table read back on this thread, with its bytes: values of one
    /// type loaded one after another carry the same table, read once.
    static LAST_READ: std::cell::RefCell<Option<ReadTable>> = const { std::cell::RefCell::new(None) };
}

/// A table read back, with the bytes it was read from.
type ReadTable = (Box<[u8]>, Rc<Table>);

/// Whether `reader` passed the check against the table in `bytes` on this
/// thread already.
#[inline]
pub(crate) fn passed(bytes: &[u8], reader: (std::any::TypeId, bool)) -> bool {
    LAST_READ.with(
        |last| matches!(&*last.borrow(), Some((known, table)) if **known == *bytes && table.passed(reader)),
    )
}

/// The table in `bytes`, read, or reused when the last one read on this
/// thread had the same bytes.
pub(crate) fn read(bytes: &[u8]) -> Result<Rc<Table>, &'static str> {
    let cached = LAST_READ.with(|last| match &*last.borrow() {
        Some((known, table)) if **known == *bytes => Some(Rc::clone(table)),
        _ => None,
    });
    if let Some(table) = cached {
        return Ok(table);
    }
    let table = Rc::new(Table::decode(bytes)?);
    LAST_READ.with(|last| *last.borrow_mut() = Some((bytes.into(), Rc::clone(&table))));
    Ok(table)
}

/// Whether two `&'static str` are the same name: the same address first.
#[inline]
fn same(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

fn record_key(name: u32, variant_index: u32, kind: Kind) -> (u32, u32, u8) {
    (name, variant_index, if variant_index == NONE { kind as u8 } else { 0 })
}

impl Record {
    /// The record without its field names, nor what settling it knew.
    pub(crate) fn clone_header(&self) -> Record {
        Record {
            name: self.name,
            variant_index: self.variant_index,
            variant_name: self.variant_name,
            kind: self.kind,
            fields: Vec::new(),
            len: self.len,
            base: self.base,
            conflict: self.conflict,
            // what the template's whole value showed is not this value's
            settling: settle::Settling::default(),
        }
    }
}

impl Table {
    /// A table holding only the root context: the thread's spare one, emptied,
    /// when there is one. Boxed, so that handing it around moves a pointer.
    pub(crate) fn new() -> Box<Self> {
        // (after the thread's destructors ran, a new one)
        let spare = SPARE.try_with(|spare| spare.try_borrow_mut().ok().and_then(|mut spare| spare.take()));
        let mut table = spare.ok().flatten().unwrap_or_default();
        table.names.clear();
        table.nodes.clear();
        let Table { records, spare_fields, .. } = &mut *table;
        spare_fields.extend(records.drain(..).map(|mut record| {
            record.fields.clear();
            record.fields
        }));
        table.last_record = None;
        table.lookup = None;
        table.changes = 0;
        table.nodes.push(Node::new());
        table
    }

    /// The table's bytes followed by their length (u32 LE).
    fn encoded(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.encode(&mut bytes);
        let len = bytes.len() as u32;
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes
    }

    /// Gives the table back for the next dump on this thread.
    pub(crate) fn recycle(self: Box<Self>) {
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                *spare = Some(self);
            }
        });
    }

    /// An empty field list, with room from an earlier table's when there is one.
    pub(crate) fn spare_field_list(&mut self) -> Vec<u32> {
        self.spare_fields.pop().unwrap_or_default()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("?", |name| name)
    }

    fn intern(&mut self, name: &'static str) -> u32 {
        if let Some(id) = self.names.iter().position(|known| same(known, name)) {
            return id as u32;
        }
        self.names.push(Cow::Borrowed(name));
        (self.names.len() - 1) as u32
    }

    /// The id of `name`, interned on first use.
    pub(crate) fn name_of(&mut self, name: &'static str) -> u32 {
        self.intern(name)
    }

    /// Whether `reader` already passed the check against this table.
    pub(crate) fn passed(&self, reader: (std::any::TypeId, bool)) -> bool {
        self.passed.borrow().contains(&reader)
    }

    /// Notes that `reader` passed the check against this table.
    pub(crate) fn pass(&self, reader: (std::any::TypeId, bool)) {
        let mut passed = self.passed.borrow_mut();
        if passed.len() < 16 && !passed.contains(&reader) {
            passed.push(reader);
        }
    }

    /// The cell that remembers which `fields` list matched `record`.
    pub(crate) fn verified(&self, record: u32) -> Option<&std::cell::Cell<usize>> {
        self.verified.get(record as usize)
    }

    /// The id of `name` in a table read back.
    pub(crate) fn name_id(&self, name: &str) -> Option<u32> {
        match &self.lookup {
            Some(lookup) => lookup.names.get(name).copied(),
            None => self.names.iter().position(|known| known == name).map(|id| id as u32),
        }
    }

    fn new_nodes(&mut self, n: u32) -> u32 {
        let base = self.nodes.len() as u32;
        self.nodes.extend((0..n).map(|_| Node::new()));
        base
    }

    // -- writing -------------------------------------------------------------

    /// Records `event` at `ctx`.
    #[inline]
    pub(crate) fn event(&mut self, ctx: u32, event: Event) {
        if let Some(node) = self.nodes.get_mut(ctx as usize)
            && node.event != event
            && node.event != Event::Varies
        {
            node.event = if node.event == Event::Unset { event } else { Event::Varies };
            self.changes += 1;
        }
    }

    /// The event recorded at `ctx`.
    #[inline]
    pub(crate) fn event_at(&self, ctx: u32) -> Event {
        self.nodes.get(ctx as usize).map_or(Event::Unset, |node| node.event)
    }

    /// The context of a child of `ctx`, created on first use.
    pub(crate) fn child(&mut self, ctx: u32, slot: Slot) -> u32 {
        let Some(node) = self.nodes.get(ctx as usize) else { return NONE };
        let existing = match slot {
            Slot::Some => node.some,
            Slot::Elem => node.elem,
            Slot::Key => node.key,
            Slot::Value => node.value,
        };
        if existing != NONE {
            return existing;
        }
        let child = self.new_nodes(1);
        let node = &mut self.nodes[ctx as usize];
        match slot {
            Slot::Some => node.some = child,
            Slot::Elem => node.elem = child,
            Slot::Key => node.key = child,
            Slot::Value => node.value = child,
        }
        child
    }

    /// The contexts of a tuple's `len` elements at `ctx`: the first of them,
    /// or `NONE` when a tuple of another length was seen here.
    pub(crate) fn tuple(&mut self, ctx: u32, len: u32) -> u32 {
        self.event(ctx, Event::Tuple(len));
        let Some(node) = self.nodes.get(ctx as usize) else { return NONE };
        if node.tuple != NONE {
            return if node.tuple_len == len { node.tuple } else { NONE };
        }
        if len > MAX_TUPLE_CONTEXTS {
            return NONE;
        }
        let base = self.new_nodes(len);
        let node = &mut self.nodes[ctx as usize];
        node.tuple = base;
        node.tuple_len = len;
        base
    }

    /// The record of the struct `name` of `kind` with `len` fields, created
    /// on first use; a second layout marks it conflicting.
    pub(crate) fn struct_record(&mut self, name: &'static str, kind: Kind, len: u32) -> u32 {
        let address = name.as_ptr() as usize;
        let id = match self.last_record {
            Some((last, last_len, last_kind, id))
                if last == address && last_len == name.len() && last_kind == kind =>
            {
                id
            }
            _ => {
                let name_id = self.intern(name);
                let id = self.record(name_id, NONE, NONE, kind, len);
                self.last_record = Some((address, name.len(), kind, id));
                id
            }
        };
        if self.records[id as usize].len != len {
            self.conflict(id);
        }
        id
    }

    /// The record of variant `index` (`variant`) of the enum `name`.
    pub(crate) fn variant_record(
        &mut self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        kind: Kind,
        len: u32,
    ) -> u32 {
        let known = self
            .records
            .iter()
            .position(|r| r.variant_index == index && same(&self.names[r.name as usize], name));
        let id = match known {
            Some(id) => id as u32,
            None => {
                let name_id = self.intern(name);
                let variant_id = self.intern(variant);
                self.record(name_id, index, variant_id, kind, len)
            }
        };
        let variant_id = self.records[id as usize].variant_name;
        let variant_id = if same(&self.names[variant_id as usize], variant) { variant_id } else { NONE };
        let record = &self.records[id as usize];
        if record.len != len || record.kind != kind || record.variant_name != variant_id {
            self.conflict(id);
        }
        id
    }

    fn record(&mut self, name: u32, variant_index: u32, variant_name: u32, kind: Kind, len: u32) -> u32 {
        if let Some(id) = self.find_record(name, variant_index, kind) {
            return id;
        }
        // longer than any type: no fields, and none checked
        let (len, conflict) = if len > MAX_RECORD_FIELDS { (0, true) } else { (len, false) };
        let base = self.new_nodes(len);
        let id = self.records.len() as u32;
        self.records.push(Record {
            name,
            variant_index,
            variant_name,
            kind,
            fields: self.spare_fields.pop().unwrap_or_default(),
            len,
            base,
            conflict,
            settling: settle::Settling::default(),
        });
        id
    }

    /// Marks `record` conflicting (a change, the first time).
    fn conflict(&mut self, record: u32) {
        if let Some(found) = self.records.get_mut(record as usize)
            && !found.conflict
        {
            found.conflict = true;
            self.changes += 1;
        }
    }

    /// A number that grows with everything a writer's table records (each
    /// event, node, record, name and field name, each type met twice and
    /// each conflict): equal before and after a call when the call changed
    /// nothing.
    pub(crate) fn edits(&self) -> u64 {
        self.changes + self.nodes.len() as u64 + self.records.len() as u64 + self.names.len() as u64
    }

    /// Notes that a value of the Rust type `ty` is written as `record`.
    pub(crate) fn typed(&mut self, record: u32, ty: std::any::TypeId) {
        if let Some(found) = self.records.get_mut(record as usize)
            && found.settling.typed(ty)
        {
            self.changes += 1;
        }
    }

    /// Whether `record` is settled (see `settle.rs`) for a value of the Rust
    /// type `ty`: settled for the type of the value at which a walk found it
    /// so, and for no other. Walked until it is, or until it never can be,
    /// then remembered; not walked again while nothing was recorded since a
    /// walk found it not settled yet (only a new event, node, record or
    /// field name can settle it).
    pub(crate) fn settled(&mut self, record: u32, ty: std::any::TypeId) -> bool {
        let Some(found) = self.records.get(record as usize) else { return false };
        let version = self.changes + self.nodes.len() as u64 + self.records.len() as u64 + 1;
        let mut settling = found.settling;
        let settled = settling.settled(ty, version, || settle::settle(&*self, record));
        self.records[record as usize].settling = settling;
        settled
    }

    /// The context of field `index` of `record`, noting its name if it has one.
    pub(crate) fn field(&mut self, record: u32, index: u32, key: Option<&'static str>) -> u32 {
        let Some(found) = self.records.get(record as usize) else { return NONE };
        if found.conflict {
            return NONE;
        }
        if index >= found.len {
            // more fields than the struct announced: its record can't say
            // where they are, so none of its fields is checked
            self.conflict(record);
            return NONE;
        }
        let ctx = found.base + index;
        if let Some(key) = key {
            let known = found.fields.get(index as usize).copied();
            match known {
                Some(id) if same(&self.names[id as usize], key) => {}
                Some(_) => self.conflict(record),
                None if found.fields.len() == index as usize => {
                    let id = self.intern(key);
                    self.records[record as usize].fields.push(id);
                    self.changes += 1;
                }
                None => self.conflict(record),
            }
        }
        ctx
    }

    /// The record for reading: a struct of `name` and `kind`, or variant
    /// `index` of the enum `name`.
    pub(crate) fn find_record(&self, name: u32, variant_index: u32, kind: Kind) -> Option<u32> {
        let key = record_key(name, variant_index, kind);
        match &self.lookup {
            Some(lookup) => lookup.records.get(&key).copied(),
            None => self
                .records
                .iter()
                .position(|r| record_key(r.name, r.variant_index, r.kind) == key)
                .map(|id| id as u32),
        }
    }

    // -- bytes ---------------------------------------------------------------

    /// Appends the table's bytes to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        varint(out, self.names.len() as u32);
        for name in &self.names {
            varint(out, name.len() as u32);
            out.extend_from_slice(name.as_bytes());
        }
        varint(out, self.nodes.len() as u32);
        for node in &self.nodes {
            let (tag, operand) = match node.event {
                Event::Unset => (0, None),
                Event::Varies => (1, None),
                Event::Option => (2, None),
                Event::Seq => (3, None),
                Event::Map => (4, None),
                Event::Tuple(n) => (5, Some(n)),
                Event::Struct(r) => (6, Some(r)),
                Event::TupleStruct(r) => (7, Some(r)),
                Event::NewtypeStruct(r) => (8, Some(r)),
                Event::UnitStruct(n) => (9, Some(n)),
                Event::Enum(n) => (10, Some(n)),
                Event::Prim(p) => (16 + p as u8, None),
            };
            out.push(tag);
            if let Some(operand) = operand {
                varint(out, operand);
            }
            // which links follow: one bit each, most nodes have none
            let links = [node.some, node.elem, node.key, node.value, node.tuple];
            let mask = links.iter().enumerate().fold(0u8, |mask, (i, &l)| mask | (u8::from(l != NONE) << i));
            out.push(mask);
            for link in links.into_iter().filter(|&link| link != NONE) {
                varint(out, link);
            }
            if node.tuple != NONE {
                varint(out, node.tuple_len);
            }
        }
        varint(out, self.records.len() as u32);
        for record in &self.records {
            varint(out, record.name);
            varint(out, record.variant_index.wrapping_add(1));
            varint(out, record.variant_name.wrapping_add(1));
            out.push(record.kind as u8 | if record.conflict { 0x80 } else { 0 });
            varint(out, record.len);
            varint(out, record.base);
            varint(out, record.fields.len() as u32);
            for &field in &record.fields {
                varint(out, field);
            }
        }
    }

    /// Reads a table written by [`encode`](Self::encode).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Table, &'static str> {
        let mut input = Input { bytes, at: 0 };
        let mut table = Table::default();
        let mut lookup = Lookup::default();
        let names = input.count()?;
        for _ in 0..names {
            let len = input.count()? as usize;
            let name = input.take(len)?;
            let name = std::str::from_utf8(name).map_err(|_| "a name is not UTF-8")?;
            let id = table.names.len() as u32;
            if lookup.names.insert(name.into(), id).is_some() {
                return Err("a name is listed twice");
            }
            table.names.push(Cow::Owned(name.to_owned()));
        }
        let name_count = table.names.len() as u32;
        let nodes = input.count()?;
        table.nodes.reserve(nodes as usize);
        for _ in 0..nodes {
            let tag = input.byte()?;
            let mut operand = || input.varint();
            let event = match tag {
                0 => Event::Unset,
                1 => Event::Varies,
                2 => Event::Option,
                3 => Event::Seq,
                4 => Event::Map,
                5 => Event::Tuple(operand()?),
                6 => Event::Struct(operand()?),
                7 => Event::TupleStruct(operand()?),
                8 => Event::NewtypeStruct(operand()?),
                9 => Event::UnitStruct(below(operand()?, name_count)?),
                10 => Event::Enum(below(operand()?, name_count)?),
                16..=32 => Event::Prim(PRIMS[usize::from(tag - 16)]),
                _ => return Err("an unknown event"),
            };
            let mask = input.byte()?;
            if mask >> 5 != 0 {
                return Err("an unknown link");
            }
            let mut links = [NONE; 5];
            for (i, link) in links.iter_mut().enumerate() {
                if mask & (1 << i) != 0 {
                    *link = input.varint()?;
                }
            }
            let tuple_len = if mask & (1 << 4) != 0 { input.varint()? } else { 0 };
            let [some, elem, key, value, tuple] = links;
            table.nodes.push(Node { event, some, elem, key, value, tuple, tuple_len });
        }
        let records = input.count()?;
        for _ in 0..records {
            let name = below(input.varint()?, name_count)?;
            let variant_index = input.varint()?.wrapping_sub(1);
            let variant_name = input.varint()?.wrapping_sub(1);
            if variant_index != NONE {
                below(variant_name, name_count)?;
            }
            let kind_byte = input.byte()?;
            let kind = *KINDS.get(usize::from(kind_byte & 0x7F)).ok_or("an unknown record kind")?;
            let len = input.varint()?;
            let base = input.varint()?;
            if u64::from(base) + u64::from(len) > u64::from(nodes) {
                return Err("a record's fields lie outside the table");
            }
            let fields = input.count()?;
            let mut names = Vec::with_capacity(fields as usize);
            for _ in 0..fields {
                names.push(below(input.varint()?, name_count)?);
            }
            let id = table.records.len() as u32;
            if lookup.records.insert(record_key(name, variant_index, kind), id).is_some() {
                return Err("a record is listed twice");
            }
            table.records.push(Record {
                name,
                variant_index,
                variant_name,
                kind,
                fields: names,
                len,
                base,
                conflict: kind_byte & 0x80 != 0,
                settling: settle::Settling::default(),
            });
        }
        if input.at != bytes.len() {
            return Err("bytes after the table");
        }
        table.lookup = Some(lookup);
        table.verified = table.records.iter().map(|_| std::cell::Cell::new(0)).collect();
        table.validate()?;
        Ok(table)
    }

    /// Every link points into the table, every record exists.
    fn validate(&self) -> Result<(), &'static str> {
        let nodes = self.nodes.len() as u64;
        let records = self.records.len() as u32;
        if nodes == 0 {
            return Err("no root context");
        }
        if nodes >= u64::from(check::BYTE) {
            return Err("more contexts than ids");
        }
        for node in &self.nodes {
            for link in [node.some, node.elem, node.key, node.value] {
                if link != NONE && u64::from(link) >= nodes {
                    return Err("a link points outside the table");
                }
            }
            if node.tuple != NONE && u64::from(node.tuple) + u64::from(node.tuple_len) > nodes {
                return Err("a tuple's elements lie outside the table");
            }
            if let Event::Struct(r) | Event::TupleStruct(r) | Event::NewtypeStruct(r) = node.event
                && r >= records
            {
                return Err("an event names a record that is not there");
            }
        }
        Ok(())
    }
}

/// A table as it is: the writer's so far, or one read back whole.
impl settle::View for Table {
    fn event_at(&self, ctx: u32) -> Event {
        Table::event_at(self, ctx)
    }

    fn node(&self, ctx: u32) -> Option<&Node> {
        self.nodes.get(ctx as usize)
    }

    fn made(&self, ctx: u32) -> bool {
        (ctx as usize) < self.nodes.len()
    }

    fn record(&self, record: u32) -> Option<&Record> {
        self.records.get(record as usize)
    }

    fn names_complete(&self, _: u32, found: &Record) -> bool {
        found.kind != Kind::Struct || found.fields.len() == found.len as usize
    }

    fn mixed(&self, _: u32, found: &Record) -> bool {
        found.settling.mixed
    }
}

/// Which child of a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Some,
    Elem,
    Key,
    Value,
}

fn below(value: u32, count: u32) -> Result<u32, &'static str> {
    if value < count { Ok(value) } else { Err("an index points outside the table") }
}

fn varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    fn byte(&mut self) -> Result<u8, &'static str> {
        let byte = *self.bytes.get(self.at).ok_or("the table ends early")?;
        self.at += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u32, &'static str> {
        let mut value = 0u32;
        for shift in [0, 7, 14, 21, 28] {
            let byte = self.byte()?;
            value |= u32::from(byte & 0x7F).checked_shl(shift).ok_or("a number is too long")?;
            if byte & 0x80 == 0 {
                if shift == 28 && byte > 0x0F {
                    return Err("a number is too large");
                }
                return Ok(value);
            }
        }
        Err("a number is too long")
    }

    /// A count of things each at least a byte long: at most the bytes left.
    fn count(&mut self) -> Result<u32, &'static str> {
        let count = self.varint()?;
        if count as usize > self.bytes.len() - self.at {
            return Err("a count is larger than the table");
        }
        Ok(count)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], &'static str> {
        let end =
            self.at.checked_add(len).filter(|&end| end <= self.bytes.len()).ok_or("the table ends early")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }
}

/// A human description of an event, for error messages.
pub(crate) fn describe(table: &Table, event: Event) -> Cow<'static, str> {
    match event {
        Event::Unset | Event::Varies => "anything".into(),
        Event::Prim(prim) => prim.name().into(),
        Event::Option => "an Option".into(),
        Event::Seq => "a sequence".into(),
        Event::Map => "a map".into(),
        Event::Tuple(n) => format!("a tuple of {n}").into(),
        Event::Struct(r) | Event::TupleStruct(r) | Event::NewtypeStruct(r) => {
            let name = table.records.get(r as usize).map_or("?", |record| table.name(record.name));
            format!("struct `{name}`").into()
        }
        Event::UnitStruct(n) => format!("unit struct `{}`", table.name(n)).into(),
        Event::Enum(n) => format!("enum `{}`", table.name(n)).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_reads_back_as_written() {
        let mut table = Table::new();
        let record = table.struct_record("Config", Kind::Struct, 2);
        table.event(0, Event::Struct(record));
        let retries = table.field(record, 0, Some("retries"));
        table.event(retries, Event::Prim(Prim::U32));
        let tags = table.field(record, 1, Some("tags"));
        table.event(tags, Event::Seq);
        let elem = table.child(tags, Slot::Elem);
        table.event(elem, Event::Prim(Prim::Str));
        let mut bytes = Vec::new();
        table.encode(&mut bytes);
        let back = Table::decode(&bytes).unwrap();
        assert_eq!(back.nodes.len(), table.nodes.len());
        assert_eq!(back.event_at(retries), Event::Prim(Prim::U32));
        assert_eq!(back.nodes[tags as usize].elem, elem);
        let found = back.find_record(back.name_id("Config").unwrap(), NONE, Kind::Struct).unwrap();
        let names: Vec<&str> = back.records[found as usize].fields.iter().map(|&f| back.name(f)).collect();
        assert_eq!(names, ["retries", "tags"]);
    }

    #[test]
    fn two_events_at_one_place_vary() {
        let mut table = Table::new();
        table.event(0, Event::Prim(Prim::U8));
        table.event(0, Event::Prim(Prim::U8));
        assert_eq!(table.event_at(0), Event::Prim(Prim::U8));
        table.event(0, Event::Prim(Prim::Str));
        assert_eq!(table.event_at(0), Event::Varies);
    }

    #[test]
    fn damaged_tables_are_errors_not_panics() {
        let mut table = Table::new();
        let record = table.struct_record("P", Kind::Struct, 1);
        table.event(0, Event::Struct(record));
        table.field(record, 0, Some("x"));
        let mut bytes = Vec::new();
        table.encode(&mut bytes);
        for cut in 0..bytes.len() {
            assert!(Table::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                let _ = Table::decode(&damaged); // any result but a panic
            }
        }
    }
}
