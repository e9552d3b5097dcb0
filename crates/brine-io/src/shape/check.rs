//! The reader's half: a deserializer that checks each of the requested type's
//! deserialize calls against the table before the decoder reads a byte of it.
//!
//! [`Checked`] wraps a deserializer (brine's decoder, limits and all)
//! and every visitor, seed, sequence, map and enum access it hands out, each
//! carrying the context its value sits in. A call that differs from what was
//! written stops the decode with [`load::Error::ShapeChanged`], kept in the
//! shared [`CheckState`] while serde unwinds with a short message.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use super::settle::{Settling, View, settle};
use super::{Event, Kind, NONE, Node, Prim, Record, Table, describe};
use crate::load::error as load; // the error alone: no loop back into load.rs

/// The context of an element of bytes read as a sequence (`&[u8]` written,
/// `Vec<u8>` read): a `u8`, whatever the table holds. A table has fewer
/// contexts than this id (`Table::validate`).
pub(crate) const BYTE: u32 = NONE - 1;

/// What every wrapper of one decode shares.
pub(crate) struct CheckState<'t> {
    table: &'t Table,
    /// The requested type's name, for messages (looked up only for one).
    requested: fn() -> &'static str,
    /// Compare the name of the top-level struct or enum (off with the type
    /// check, for a type renamed since; nested names are always compared).
    top_name: bool,
    /// The contexts this load has checked a value at, a bit each: what the
    /// writer had recorded when it wrote the values read so far.
    reached: Bits,
    /// How many contexts are reached and records met with two types: this
    /// load's version, to tell when a walk may find more.
    reached_count: Cell<u32>,
    /// Per record: what this load knows of its settling (see `settle.rs`),
    /// its types the reading types (the visitors') of the values it read.
    settling: Box<[Cell<Settling>]>,
    /// Per context whose event varies: what this load read there so far
    /// ([`Seen`]), which tells what the writer held there when it wrote the
    /// value being read (the table holds only the last).
    seen: Box<[Cell<u8>]>,
    error: RefCell<Option<load::Error>>,
}

impl<'t> CheckState<'t> {
    pub(crate) fn new(table: &'t Table, requested: fn() -> &'static str, top_name: bool) -> Self {
        let records = table.records.len();
        CheckState {
            table,
            requested,
            top_name,
            reached: Bits::new(table.nodes.len()),
            reached_count: Cell::new(0),
            settling: (0..records).map(|_| Cell::new(Settling::default())).collect(),
            seen: (0..table.nodes.len()).map(|_| Cell::new(Seen::NOTHING)).collect(),
            error: RefCell::new(None),
        }
    }

    /// Whether the name written at `ctx` stands for the name read.
    fn same_name(&self, ctx: u32, written: u32, read: &str) -> bool {
        (ctx == 0 && !self.top_name) || self.table.name(written) == read
    }

    /// The difference that stopped the decode, if one did.
    pub(crate) fn take_error(&self) -> Option<load::Error> {
        self.error.borrow_mut().take()
    }

    fn refuse<E: de::Error>(&self, ctx: u32, expected: String, found: String) -> E {
        let error = load::Error::ShapeChanged {
            requested: (self.requested)().to_owned(),
            place: place(self.table, ctx),
            expected,
            found,
        };
        let message = error.to_string();
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
        E::custom(message)
    }

    fn found(&self, ctx: u32) -> String {
        if ctx == BYTE {
            return Prim::U8.name().to_owned();
        }
        describe(self.table, self.table.event_at(ctx)).into_owned()
    }

    /// Checks a record's named fields against `fields`, once per list.
    fn fields<E: de::Error>(&self, ctx: u32, record: u32, fields: &'static [&'static str]) -> Result<(), E> {
        let Some(found) = self.table.records.get(record as usize) else { return Ok(()) };
        let address = fields.as_ptr() as usize;
        let verified = self.table.verified(record);
        if found.conflict || verified.is_some_and(|cell| cell.get() == address) {
            return Ok(());
        }
        let written: Vec<&str> = found.fields.iter().map(|&id| self.table.name(id)).collect();
        // a complete record has as many names as fields; one announced
        // longer than it wrote holds the names it wrote, first to last
        let differ = if written.len() == found.len as usize {
            written != fields
        } else {
            fields.get(..written.len()).is_none_or(|read| read != written)
        };
        if differ {
            let what = match found.variant_index {
                NONE => format!("struct `{}`", self.table.name(found.name)),
                _ => format!(
                    "variant `{}::{}`",
                    self.table.name(found.name),
                    self.table.name(found.variant_name)
                ),
            };
            return Err(self.refuse(
                ctx,
                format!("{what} with fields {}", list(fields.iter().copied())),
                format!("fields {}", list(written.iter().copied())),
            ));
        }
        if let Some(cell) = verified {
            cell.set(address);
        }
        Ok(())
    }

    /// Whether the value of `record` about to be read as the type `ty` (its
    /// visitor's) needs no check: whether `record` is settled for `ty`, as
    /// the writer found it when it wrote the value, by the walk of
    /// `settle.rs` over what this load checked so far. Then the writer
    /// recorded nothing of the value, and everything it can reach was
    /// checked before.
    fn done(&self, record: u32, ty: TypeId) -> bool {
        let Some(cell) = self.settling.get(record as usize) else { return false };
        let mut settling = cell.get();
        let version = u64::from(self.reached_count.get()) + 1;
        let settled = settling.settled(ty, version, || settle(&Reached(self), record));
        cell.set(settling);
        settled
    }

    /// Notes that a value of `record` is read as the type `ty` (its
    /// visitor's), as the writer notes the type of each value it writes.
    fn typed(&self, record: u32, ty: TypeId) {
        let Some(cell) = self.settling.get(record as usize) else { return };
        let mut settling = cell.get();
        if settling.typed(ty) {
            // a walk may now find it never settles
            self.reached_count.set(self.reached_count.get().saturating_add(1));
        }
        cell.set(settling);
    }

    /// Notes that a value is checked at `ctx`, read as the primitive `prim`
    /// or (`None`) as something else.
    #[inline]
    fn reach(&self, ctx: u32, prim: Option<Prim>) {
        if !self.reached.get(ctx) && self.reached.set(ctx) {
            self.reached_count.set(self.reached_count.get().saturating_add(1));
        }
        if self.table.event_at(ctx) == Event::Varies
            && let Some(seen) = self.seen.get(ctx as usize)
        {
            seen.set(Seen::join(seen.get(), prim));
        }
    }

    /// Whether the writer held a primitive at `ctx` when it wrote the value
    /// just read there: then it wrote that sequence's next elements unrecorded.
    fn primitive_then(&self, ctx: u32) -> bool {
        match self.table.event_at(ctx) {
            Event::Prim(_) => true,
            // it varies in the end; a primitive then if this load read one
            // kind of primitive there so far, as the writer wrote
            Event::Varies => {
                self.seen.get(ctx as usize).is_some_and(|seen| Seen::is_one_primitive(seen.get()))
            }
            _ => false,
        }
    }
}

/// What a load read at a context: nothing yet, one kind of primitive (its
/// number plus one), or something else or several kinds.
struct Seen;

impl Seen {
    const NOTHING: u8 = 0;
    const OTHER: u8 = u8::MAX;

    fn join(seen: u8, prim: Option<Prim>) -> u8 {
        // each kind as read: merging kinds the writer tells apart (a string
        // read as bytes, bytes written) would take elements it recorded for
        // unrecorded ones, and leave them unchecked
        let now = match prim {
            Some(prim) => prim as u8 + 1,
            None => Self::OTHER,
        };
        if seen == Self::NOTHING || seen == now { now } else { Self::OTHER }
    }

    fn is_one_primitive(seen: u8) -> bool {
        seen != Self::NOTHING && seen != Self::OTHER
    }
}

/// A bit per context or record.
struct Bits(Box<[Cell<u64>]>);

impl Bits {
    fn new(len: usize) -> Self {
        Bits((0..len.div_ceil(64)).map(|_| Cell::new(0)).collect())
    }

    fn get(&self, at: u32) -> bool {
        self.0.get(at as usize / 64).is_some_and(|word| word.get() & 1 << (at % 64) != 0)
    }

    /// Sets bit `at`; whether there is one.
    fn set(&self, at: u32) -> bool {
        let Some(word) = self.0.get(at as usize / 64) else { return false };
        word.set(word.get() | 1 << (at % 64));
        true
    }
}

/// What a load has checked of its table: the table as the writer held it
/// when it wrote the values read so far.
struct Reached<'s, 't>(&'s CheckState<'t>);

impl View for Reached<'_, '_> {
    fn event_at(&self, ctx: u32) -> Event {
        if self.0.reached.get(ctx) { self.0.table.event_at(ctx) } else { Event::Unset }
    }

    fn node(&self, ctx: u32) -> Option<&Node> {
        self.0.table.nodes.get(ctx as usize)
    }

    fn made(&self, _: u32) -> bool {
        // a context not reached has no event here: not settled
        true
    }

    fn record(&self, record: u32) -> Option<&Record> {
        self.0.table.records.get(record as usize)
    }

    fn names_complete(&self, _: u32, found: &Record) -> bool {
        found.kind != Kind::Struct || found.fields.len() == found.len as usize
    }

    fn mixed(&self, record: u32, _: &Record) -> bool {
        self.0.settling.get(record as usize).is_some_and(|settling| settling.get().mixed)
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|name| format!("`{name}`")).collect();
    format!("[{}]", names.join(", "))
}

/// How many levels [`place`] names before it gives up: a table read back
/// may link its contexts in a circle, or in a chain as long as the table.
const PLACE_LEVELS: usize = 16;

/// Where context `ctx` is, in words: `field `retries` of struct `Config``.
/// Walks up from `ctx` a level at a time (never by recursion: the table is
/// the envelope's, and a forged one may link in a circle).
fn place(table: &Table, ctx: u32) -> String {
    if ctx == BYTE {
        return "an element of bytes".to_owned();
    }
    let mut path: Vec<&'static str> = Vec::new();
    let mut ctx = ctx;
    let end = loop {
        if path.len() == PLACE_LEVELS {
            break "a place nested too deep to name".to_owned();
        }
        if ctx == 0 || ctx == NONE {
            break "the top level".to_owned();
        }
        if let Some(field) = field_place(table, ctx) {
            break field;
        }
        match parent(table, ctx) {
            Some((what, parent)) => {
                path.push(what);
                ctx = parent;
            }
            None => break "an unknown place".to_owned(),
        }
    };
    path.iter().map(|what| format!("{what} at ")).chain([end]).collect()
}

/// Where `ctx` is when it is a field of a record.
fn field_place(table: &Table, ctx: u32) -> Option<String> {
    let record = table.records.iter().find(|record| ctx >= record.base && ctx - record.base < record.len)?;
    let index = (ctx - record.base) as usize;
    let field = match record.fields.get(index) {
        Some(&name) => format!("field `{}`", table.name(name)),
        None => format!("field {index}"),
    };
    Some(match record.variant_index {
        NONE => format!("{field} of struct `{}`", table.name(record.name)),
        _ => format!("{field} of variant `{}::{}`", table.name(record.name), table.name(record.variant_name)),
    })
}

/// The context `ctx` is a child of, and which child, in words.
fn parent(table: &Table, ctx: u32) -> Option<(&'static str, u32)> {
    table.nodes.iter().zip(0u32..).find_map(|(node, parent)| {
        let what = if node.some == ctx {
            "the inside of an Option"
        } else if node.elem == ctx {
            "an element of a sequence"
        } else if node.key == ctx {
            "a key of a map"
        } else if node.value == ctx {
            "a value of a map"
        } else if node.tuple != NONE && ctx >= node.tuple && ctx - node.tuple < node.tuple_len {
            "an element of a tuple"
        } else {
            return None;
        };
        Some((what, parent))
    })
}

/// A deserializer whose value sits at context `ctx`.
pub(crate) struct Checked<'s, 't, D> {
    pub(crate) inner: D,
    pub(crate) state: &'s CheckState<'t>,
    pub(crate) ctx: u32,
}

impl<'s, 't, D> Checked<'s, 't, D> {
    #[inline]
    fn event(&self) -> Event {
        self.event_as(None)
    }

    /// The event written here, for a value read as the primitive `prim` or
    /// (`None`) as something else.
    #[inline]
    fn event_as(&self, prim: Option<Prim>) -> Event {
        match self.ctx {
            NONE => return Event::Unset,
            BYTE => return Event::Prim(Prim::U8),
            _ => {}
        }
        self.state.reach(self.ctx, prim);
        self.state.table.event_at(self.ctx)
    }

    #[inline]
    fn prim<E: de::Error>(&self, prim: Prim) -> Result<(), E> {
        match self.event_as(Some(prim)) {
            Event::Unset | Event::Varies => Ok(()),
            Event::Prim(found) if found == prim => Ok(()),
            // `Vec<u8>` and `&[u8]` read each other, as they encode alike;
            // the elements' place was written, and is read, as a `u8`
            Event::Seq if prim == Prim::Bytes && self.elem_is_bytes() => {
                let elem = self.node_link(|node| node.elem);
                if elem != NONE {
                    self.state.reach(elem, Some(Prim::U8));
                }
                Ok(())
            }
            // a string may be read as its UTF-8 bytes (to skip or keep them
            // unchecked); bytes read as a string are a change of type
            Event::Prim(Prim::Str) if prim == Prim::Bytes => Ok(()),
            _ => Err(self.state.refuse(self.ctx, prim.name().to_owned(), self.state.found(self.ctx))),
        }
    }

    fn elem_is_bytes(&self) -> bool {
        let elem = self.node_link(|node| node.elem);
        // (where the elements vary, another type's sequence met this place)
        elem == NONE
            || matches!(self.state.table.event_at(elem), Event::Unset | Event::Varies | Event::Prim(Prim::U8))
    }

    /// A link of this context's node; `NONE` for a context past the
    /// table's nodes (a record's fields may lie past them in a table read
    /// back, whose links are checked but not its records' places).
    fn node_link(&self, pick: impl Fn(&super::Node) -> u32) -> u32 {
        self.state.table.nodes.get(self.ctx as usize).map_or(NONE, pick)
    }

    fn mismatch<E: de::Error>(&self, expected: String) -> E {
        self.state.refuse(self.ctx, expected, self.state.found(self.ctx))
    }

    /// The record of a struct named `name` read here, checked: `Ok(None)`
    /// when nothing was recorded here.
    fn struct_record<E: de::Error>(&self, name: &str, kind: Kind, expected: &str) -> Result<Option<u32>, E> {
        let table = self.state.table;
        let record = match (self.event(), kind) {
            (Event::Unset, _) => return Ok(None),
            (Event::Struct(r), Kind::Struct) | (Event::TupleStruct(r), Kind::Tuple) => r,
            (Event::NewtypeStruct(r), Kind::Newtype) => r,
            // two types met here: check the struct by its name, if it was written
            (Event::Varies, _) => {
                let found = table.name_id(name).and_then(|id| table.find_record(id, NONE, kind));
                return Ok(found);
            }
            _ => return Err(self.mismatch(format!("{expected} `{name}`"))),
        };
        let written = table.records.get(record as usize).map_or(NONE, |r| r.name);
        if !self.state.same_name(self.ctx, written, name) {
            return Err(self.mismatch(format!("{expected} `{name}`")));
        }
        Ok(Some(record))
    }

    /// The children of a value of `record` read as the type `ty`, which is
    /// noted (as the writer notes each value's type).
    fn fields_of(&self, record: Option<u32>, ty: TypeId) -> Children {
        match record.and_then(|r| self.state.table.records.get(r as usize).map(|found| (r, found))) {
            Some((r, found)) => {
                self.state.typed(r, ty);
                if found.conflict { Children::None } else { Children::Record(r, found.base, found.len, ty) }
            }
            _ => Children::None,
        }
    }

    fn wrap<V>(&self, visitor: V, children: Children) -> Visit<'s, 't, V> {
        Visit { inner: visitor, state: self.state, children }
    }
}

/// Where a visitor's parts sit.
#[derive(Debug, Clone, Copy)]
enum Children {
    None,
    Some(u32),
    Seq(u32),
    /// `len` contexts from the first: a tuple's elements.
    Fields(u32, u32),
    /// A record's fields: `len` contexts from the first; the value's reading
    /// type.
    Record(u32, u32, u32, TypeId),
    Map(u32, u32),
    Newtype(u32),
    /// An enum read as `name`, written as the name `written` (if recorded).
    Enum {
        name: &'static str,
        variants: &'static [&'static str],
        written: Option<u32>,
    },
}

macro_rules! primitive {
    ($($method:ident => $prim:ident),* $(,)?) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.prim(Prim::$prim)?;
                self.inner.$method(visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Checked<'_, '_, D> {
    type Error = D::Error;

    primitive! {
        deserialize_bool => Bool, deserialize_i8 => I8, deserialize_i16 => I16, deserialize_i32 => I32,
        deserialize_i64 => I64, deserialize_i128 => I128, deserialize_u8 => U8, deserialize_u16 => U16,
        deserialize_u32 => U32, deserialize_u64 => U64, deserialize_u128 => U128, deserialize_f32 => F32,
        deserialize_f64 => F64, deserialize_char => Char, deserialize_str => Str, deserialize_string => Str,
        deserialize_bytes => Bytes, deserialize_byte_buf => Bytes, deserialize_unit => Unit,
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        // the decoder refuses it; nothing to check
        let children = Children::None;
        self.inner.deserialize_any(Visit { inner: visitor, state: self.state, children })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_identifier(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_ignored_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.event() {
            Event::Unset | Event::Varies | Event::Option => {}
            _ => return Err(self.mismatch("an Option".to_owned())),
        }
        let children = Children::Some(self.node_link(|node| node.some));
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_option(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        match self.event() {
            Event::Unset | Event::Varies => {}
            Event::UnitStruct(n) if self.state.same_name(self.ctx, n, name) => {}
            _ => return Err(self.mismatch(format!("unit struct `{name}`"))),
        }
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let record = self.struct_record(name, Kind::Newtype, "newtype struct")?;
        // a settled newtype's later values were not recorded
        let children = match self.fields_of(record, typeid::of::<V>()) {
            Children::Record(record, base, _, ty) if !self.state.done(record, ty) => Children::Newtype(base),
            _ => Children::Newtype(NONE),
        };
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let elem = match self.event() {
            Event::Unset | Event::Varies | Event::Seq => self.node_link(|node| node.elem),
            // `&[u8]` written, `Vec<u8>` read: the same bytes, each a `u8`
            Event::Prim(Prim::Bytes) => BYTE,
            _ => return Err(self.mismatch("a sequence".to_owned())),
        };
        let visitor = self.wrap(visitor, Children::Seq(elem));
        self.inner.deserialize_seq(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        let children = match self.event() {
            Event::Unset => Children::None,
            Event::Tuple(n) if n as usize == len => {
                Children::Fields(self.node_link(|node| node.tuple), len as u32)
            }
            Event::Varies => match self.state.table.nodes.get(self.ctx as usize) {
                Some(node) if node.tuple_len as usize == len => Children::Fields(node.tuple, node.tuple_len),
                _ => Children::None,
            },
            _ => return Err(self.mismatch(format!("a tuple of {len}"))),
        };
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let record = self.struct_record(name, Kind::Tuple, "tuple struct")?;
        let children = self.fields_of(record, typeid::of::<V>());
        if let Children::Record(_, _, written, _) = children
            && written as usize != len
        {
            return Err(self.state.refuse(
                self.ctx,
                format!("tuple struct `{name}` of {len} fields"),
                format!("tuple struct `{name}` of {written} fields"),
            ));
        }
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.event() {
            Event::Unset | Event::Varies | Event::Map => {}
            _ => return Err(self.mismatch("a map".to_owned())),
        }
        let children = Children::Map(self.node_link(|node| node.key), self.node_link(|node| node.value));
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let record = self.struct_record(name, Kind::Struct, "struct")?;
        let children = self.fields_of(record, typeid::of::<V>());
        // a settled record's names are checked with its first value; another
        // struct of its name and length (from another module) was not
        // recorded by the writer, so there is nothing to compare it with
        if let Children::Record(record, _, _, ty) = children
            && !self.state.done(record, ty)
        {
            self.state.fields(self.ctx, record, fields)?;
        }
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let written = match self.event() {
            Event::Unset => None,
            Event::Varies => self.state.table.name_id(name),
            Event::Enum(n) if self.state.same_name(self.ctx, n, name) => Some(n),
            _ => return Err(self.mismatch(format!("enum `{name}`"))),
        };
        let children = Children::Enum { name, variants, written };
        let visitor = self.wrap(visitor, children);
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A visitor that hands the parts it is given their contexts.
struct Visit<'s, 't, V> {
    inner: V,
    state: &'s CheckState<'t>,
    children: Children,
}

macro_rules! forward_visits {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.inner.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Visit<'_, '_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visits! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64), visit_i128(i128),
        visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64), visit_u128(u128), visit_f32(f32),
        visit_f64(f64), visit_char(char), visit_str(&str), visit_borrowed_str(&'de str), visit_string(String),
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let ctx = if let Children::Some(ctx) = self.children { ctx } else { NONE };
        self.inner.visit_some(Checked { inner: deserializer, state: self.state, ctx })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let ctx = if let Children::Newtype(ctx) = self.children { ctx } else { NONE };
        self.inner.visit_newtype_struct(Checked { inner: deserializer, state: self.state, ctx })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let (state, children) = (self.state, self.children);
        // the fields of a settled record checked once in this load pass through
        let plain = matches!(children, Children::Record(record, _, _, ty) if state.done(record, ty));
        self.inner.visit_seq(Access { inner: seq, state, children, index: 0, plain })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let access =
            Access { inner: map, state: self.state, children: self.children, index: 0, plain: false };
        self.inner.visit_map(access)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let Children::Enum { name, variants, written } = self.children else {
            return self.inner.visit_enum(data);
        };
        let ty = typeid::of::<V>();
        self.inner.visit_enum(Enum { inner: data, state: self.state, name, variants, written, ty })
    }
}

/// A sequence or map whose elements get their contexts.
struct Access<'s, 't, A> {
    inner: A,
    state: &'s CheckState<'t>,
    children: Children,
    index: u32,
    /// The elements are primitives, already checked once: pass them through.
    plain: bool,
}

impl<'s, 't, A> Access<'s, 't, A> {
    fn next_ctx(&mut self) -> u32 {
        let index = self.index;
        self.index = self.index.saturating_add(1);
        match self.children {
            Children::Seq(elem) => elem,
            Children::Fields(base, len) | Children::Record(_, base, len, _)
                if base != NONE && index < len =>
            {
                base + index
            }
            _ => NONE,
        }
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Access<'_, '_, A> {
    type Error = A::Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        if self.plain {
            return self.inner.next_element_seed(seed);
        }
        let ctx = self.next_ctx();
        let element = self.inner.next_element_seed(Seed { inner: seed, state: self.state, ctx })?;
        if let Children::Seq(elem) = self.children {
            // after an element written as a primitive, the writer records
            // none of the sequence's next elements: checked once, for all
            self.plain = elem == NONE || elem == BYTE || self.state.primitive_then(elem);
        }
        Ok(element)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Access<'_, '_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let ctx = if let Children::Map(key, _) = self.children { key } else { NONE };
        self.inner.next_key_seed(Seed { inner: seed, state: self.state, ctx })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        let ctx = if let Children::Map(_, value) = self.children { value } else { NONE };
        self.inner.next_value_seed(Seed { inner: seed, state: self.state, ctx })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A seed whose value sits at `ctx`.
struct Seed<'s, 't, S> {
    inner: S,
    state: &'s CheckState<'t>,
    ctx: u32,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, '_, S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Checked { inner: deserializer, state: self.state, ctx: self.ctx })
    }
}

/// An enum being read: its variant is checked against what was written.
struct Enum<'s, 't, A> {
    inner: A,
    state: &'s CheckState<'t>,
    name: &'static str,
    variants: &'static [&'static str],
    written: Option<u32>,
    /// The enum's reading type (its visitor's).
    ty: TypeId,
}

impl<'de, 's, 't, A: EnumAccess<'de>> EnumAccess<'de> for Enum<'s, 't, A> {
    type Error = A::Error;
    type Variant = Variant<'s, 't, A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), A::Error> {
        let index = Cell::new(None);
        let (value, variant) = self.inner.variant_seed(IndexSeed { inner: seed, index: &index })?;
        let table = self.state.table;
        let record = match (index.get(), self.written) {
            (Some(index), Some(name)) => table.find_record(name, index, Kind::Unit),
            _ => None,
        };
        let record = record.and_then(|r| table.records.get(r as usize).map(|found| (r, found)));
        if let Some((r, _)) = record {
            // the writer notes the enum's type at each variant it writes
            self.state.typed(r, self.ty);
        }
        let record = match record {
            Some((r, found)) if !found.conflict => {
                let written = table.name(found.variant_name);
                let now = self.variants.get(found.variant_index as usize).copied();
                if now != Some(written) {
                    let now = now.map_or_else(|| "no such variant".to_owned(), |now| format!("`{now}`"));
                    return Err(self.state.refuse(
                        found.base,
                        format!("variant {} of enum `{}` to be {now}", found.variant_index, self.name),
                        format!("`{}::{written}`", self.name),
                    ));
                }
                Some(r)
            }
            _ => None,
        };
        Ok((value, Variant { inner: variant, state: self.state, record, ty: self.ty }))
    }
}

/// Reads the variant's index as the variant's own seed reads it.
struct IndexSeed<'c, S> {
    inner: S,
    index: &'c Cell<Option<u32>>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for IndexSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        // the decoder hands the seed a `u32` deserializer: read the index from it
        // first (it is `Copy`-cheap to rebuild), then let the seed read it
        let index: u32 = de::Deserialize::deserialize(deserializer)?;
        self.index.set(Some(index));
        self.inner.deserialize(index.into_deserializer())
    }
}

/// A variant's content, checked against its record.
struct Variant<'s, 't, A> {
    inner: A,
    state: &'s CheckState<'t>,
    record: Option<u32>,
    /// The enum's reading type.
    ty: TypeId,
}

impl<'s, 't, A> Variant<'s, 't, A> {
    /// The variant's record, after checking that it was written as `kind`
    /// with `len` fields.
    fn expect<E: de::Error>(&self, kind: Kind, len: u32) -> Result<Children, E> {
        let Some(found) = self.record.and_then(|r| self.state.table.records.get(r as usize)) else {
            return Ok(Children::None);
        };
        if found.kind != kind || (kind == Kind::Tuple && found.len != len) {
            let table = self.state.table;
            let name = format!("`{}::{}`", table.name(found.name), table.name(found.variant_name));
            return Err(self.state.refuse(
                found.base,
                format!("{name} as {}", variant_kind(kind, len)),
                format!("{name} as {}", variant_kind(found.kind, found.len)),
            ));
        }
        Ok(Children::Record(self.record.unwrap_or(NONE), found.base, found.len, self.ty))
    }
}

fn variant_kind(kind: Kind, len: u32) -> String {
    match kind {
        Kind::Unit => "a unit variant".to_owned(),
        Kind::Newtype => "a newtype variant".to_owned(),
        Kind::Tuple => format!("a tuple variant of {len}"),
        Kind::Struct => "a struct variant".to_owned(),
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<'_, '_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.expect::<A::Error>(Kind::Unit, 0)?;
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        let ctx = match self.expect::<A::Error>(Kind::Newtype, 1)? {
            Children::Record(record, base, _, ty) if !self.state.done(record, ty) => base,
            _ => NONE,
        };
        self.inner.newtype_variant_seed(Seed { inner: seed, state: self.state, ctx })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let children = self.expect::<A::Error>(Kind::Tuple, len as u32)?;
        self.inner.tuple_variant(len, Visit { inner: visitor, state: self.state, children })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let children = self.expect::<A::Error>(Kind::Struct, fields.len() as u32)?;
        // as for a struct: a settled variant's names are checked once
        if let (Some(record), Children::Record(_, base, _, ty)) = (self.record, children)
            && !self.state.done(record, ty)
        {
            self.state.fields(base, record, fields)?;
        }
        self.inner.struct_variant(fields, Visit { inner: visitor, state: self.state, children })
    }
}
