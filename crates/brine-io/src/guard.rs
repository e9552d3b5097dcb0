//! A serializer that sits between the value and postcard's serializer.
//!
//! It forwards every call to postcard and refuses the serde features whose
//! postcard encoding would load back as a different value:
//!
//! - `SerializeStruct::skip_field`, which `#[serde(skip_serializing_if = ..)]`
//!   calls when it leaves a field out: postcard stores fields by position, so
//!   every later field would shift;
//! - maps and sequences of unknown length (`#[serde(flatten)]`, iterators
//!   without an exact size hint), which postcard cannot store.
//!
//! Postcard keeps no message for custom errors, so the guard keeps the first
//! one (ours, or the message a `Serialize` impl gave) in a side slot.
//!
//! On the way through, it records the value's shape events in the side's
//! [`Table`] (see `shape.rs`): every wrapper carries the context its value
//! sits in.

use std::cell::RefCell;
use std::fmt::{self, Display};

use serde::ser::{self, Serialize, Serializer};

use crate::dump::error as dump; // the error alone: no loop back into dump.rs
use crate::shape::{Event, Kind, NONE, Prim, Slot, Table};

/// Where the first detailed error of a dump is kept, and the shape table
/// being recorded.
#[derive(Debug)]
pub(crate) struct Side {
    error: RefCell<Option<dump::Error>>,
    table: RefCell<Table>,
}

impl Side {
    fn keep(&self, error: dump::Error) {
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(error);
        }
    }

    pub(crate) fn take(&self) -> Option<dump::Error> {
        self.error.borrow_mut().take()
    }

    #[inline]
    fn event(&self, ctx: u32, event: Event) {
        if ctx != NONE {
            self.table.borrow_mut().event(ctx, event);
        }
    }

    fn child(&self, ctx: u32, event: Event, slot: Slot) -> u32 {
        if ctx == NONE {
            return NONE;
        }
        let mut table = self.table.borrow_mut();
        table.event(ctx, event);
        table.child(ctx, slot)
    }

    /// Records a struct of `kind` at `ctx`; returns its record.
    fn struct_record(&self, ctx: u32, name: &'static str, kind: Kind, len: usize) -> u32 {
        if ctx == NONE {
            return NONE;
        }
        let mut table = self.table.borrow_mut();
        let record = table.struct_record(name, kind, len as u32);
        let event = match kind {
            Kind::Tuple => Event::TupleStruct(record),
            Kind::Newtype => Event::NewtypeStruct(record),
            _ => Event::Struct(record),
        };
        table.event(ctx, event);
        // another value of a settled struct records nothing new
        if table.settled(record) { NONE } else { record }
    }

    /// Records variant `index` of the enum `name` at `ctx`; returns its record.
    fn variant(
        &self,
        ctx: u32,
        name: &'static str,
        index: u32,
        variant: &'static str,
        kind: Kind,
        len: usize,
    ) -> u32 {
        if ctx == NONE {
            return NONE;
        }
        let mut table = self.table.borrow_mut();
        let record = table.variant_record(name, index, variant, kind, len as u32);
        let enum_name = table.records[record as usize].name;
        table.event(ctx, Event::Enum(enum_name));
        if table.settled(record) { NONE } else { record }
    }

    fn field(&self, record: u32, index: u32, key: Option<&'static str>) -> u32 {
        if record == NONE {
            return NONE;
        }
        self.table.borrow_mut().field(record, index, key)
    }
}

/// Serializes `value` through postcard's serializer `ser`, guarded; returns
/// the shape table it recorded.
pub(crate) fn serialize<T, F>(value: &T, ser: &mut postcard::Serializer<F>) -> Result<Table, dump::Error>
where
    T: Serialize + ?Sized,
    F: postcard::ser_flavors::Flavor,
{
    let side = Side { error: RefCell::new(None), table: RefCell::new(Table::new()) };
    let result = value.serialize(Guard { inner: ser, side: &side, ctx: 0 });
    match result {
        Ok(()) => Ok(side.table.into_inner()),
        // the table is dropped with the error (its room is not kept)
        Err(error) => Err(side.take().unwrap_or_else(|| error.into_dump_error())),
    }
}

/// The guard's error: postcard's, or a message of our own or the value's.
#[derive(Debug)]
pub(crate) enum GuardError<E> {
    Inner(E),
    Custom(String),
}

impl<E: Display> Display for GuardError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardError::Inner(error) => error.fmt(f),
            GuardError::Custom(message) => f.write_str(message),
        }
    }
}

impl<E: std::error::Error> std::error::Error for GuardError<E> {}

impl<E: ser::Error> ser::Error for GuardError<E> {
    fn custom<M: Display>(message: M) -> Self {
        GuardError::Custom(message.to_string())
    }
}

impl<E: Display> GuardError<E> {
    fn into_dump_error(self) -> dump::Error {
        match self {
            GuardError::Custom(message) => dump::Error::Serialize { message },
            GuardError::Inner(error) => dump::Error::Serialize { message: error.to_string() },
        }
    }
}

fn unsupported(feature: String, remedy: &'static str) -> dump::Error {
    dump::Error::Unsupported { feature, remedy }
}

const SKIP_REMEDY: &str = "the format stores fields by position, so a left-out field would shift every \
    field after it; remove skip_serializing_if (#[serde(default)] alone is fine), or store the value \
    with brine::source";
const FLATTEN_REMEDY: &str = "the format needs every map's length up front; replace #[serde(flatten)] \
    with a plain nested field, or store the value with brine::source";
const SEQ_REMEDY: &str = "the format needs every sequence's length up front; collect the items into \
    a Vec first, or give the iterator an exact size_hint";

/// The guarded serializer, for a value at context `ctx`.
struct Guard<'s, S> {
    inner: S,
    side: &'s Side,
    ctx: u32,
}

/// A value that serializes itself through a guard around whatever serializer
/// it is given.
struct Wrap<'s, 'v, T: ?Sized> {
    value: &'v T,
    side: &'s Side,
    ctx: u32,
}

impl<T: Serialize + ?Sized> Serialize for Wrap<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let guard = Guard { inner: serializer, side: self.side, ctx: self.ctx };
        self.value.serialize(guard).map_err(|error| match error {
            GuardError::Inner(error) => error,
            GuardError::Custom(message) => {
                self.side.keep(dump::Error::Serialize { message: message.clone() });
                ser::Error::custom(message)
            }
        })
    }
}

impl<'s, S> Guard<'s, S> {
    fn wrap<'v, T: ?Sized>(&self, value: &'v T, ctx: u32) -> Wrap<'s, 'v, T> {
        Wrap { value, side: self.side, ctx }
    }

    fn refuse<E>(&self, error: dump::Error) -> GuardError<E> {
        let message = error.to_string();
        self.side.keep(error);
        GuardError::Custom(message)
    }
}

/// Where a compound's parts sit.
#[derive(Debug, Clone, Copy)]
enum Children {
    /// A sequence's elements, all at one context.
    Elements(u32),
    /// A tuple's elements: `base + i`.
    Tuple(u32),
    /// The fields of a struct or variant record.
    Fields(u32),
    /// A map's keys and values.
    Map(u32, u32),
}

/// A compound serializer (struct, seq, map...) of the guard.
struct Compound<'s, C> {
    inner: C,
    side: &'s Side,
    children: Children,
    index: u32,
    /// A sequence's elements are primitives, recorded once: pass them through.
    plain: bool,
}

impl<'s, C> Compound<'s, C> {
    /// The next part, at its context.
    fn next<'v, T: ?Sized>(&mut self, value: &'v T, key: Option<&'static str>) -> Wrap<'s, 'v, T> {
        let index = self.index;
        self.index = self.index.saturating_add(1);
        let ctx = match self.children {
            Children::Elements(elem) => elem,
            Children::Tuple(base) if base != NONE => base.saturating_add(index),
            Children::Tuple(_) => NONE,
            Children::Fields(record) => self.side.field(record, index, key),
            Children::Map(key, value) => {
                if index.is_multiple_of(2) {
                    key
                } else {
                    value
                }
            }
        };
        Wrap { value, side: self.side, ctx }
    }

    /// After a sequence's first element: are they primitives?
    fn settle(&mut self) {
        if let Children::Elements(elem) = self.children {
            self.plain = elem == NONE || matches!(self.side.table.borrow().event_at(elem), Event::Prim(_));
        }
    }
}

macro_rules! forward_primitives {
    ($($method:ident($ty:ty) => $prim:ident),* $(,)?) => {
        $(
            fn $method(self, v: $ty) -> Result<Self::Ok, Self::Error> {
                self.side.event(self.ctx, Event::Prim(Prim::$prim));
                self.inner.$method(v).map_err(GuardError::Inner)
            }
        )*
    };
}

impl<'s, S: Serializer> Serializer for Guard<'s, S> {
    type Ok = S::Ok;
    type Error = GuardError<S::Error>;
    type SerializeSeq = Compound<'s, S::SerializeSeq>;
    type SerializeTuple = Compound<'s, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'s, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'s, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'s, S::SerializeMap>;
    type SerializeStruct = Compound<'s, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'s, S::SerializeStructVariant>;

    forward_primitives! {
        serialize_bool(bool) => Bool, serialize_i8(i8) => I8, serialize_i16(i16) => I16,
        serialize_i32(i32) => I32, serialize_i64(i64) => I64, serialize_i128(i128) => I128,
        serialize_u8(u8) => U8, serialize_u16(u16) => U16, serialize_u32(u32) => U32,
        serialize_u64(u64) => U64, serialize_u128(u128) => U128, serialize_f32(f32) => F32,
        serialize_f64(f64) => F64, serialize_char(char) => Char, serialize_str(&str) => Str,
        serialize_bytes(&[u8]) => Bytes,
    }

    fn serialize_none(self) -> Result<S::Ok, Self::Error> {
        self.side.event(self.ctx, Event::Option);
        self.inner.serialize_none().map_err(GuardError::Inner)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, Self::Error> {
        let some = self.side.child(self.ctx, Event::Option, Slot::Some);
        let value = self.wrap(value, some);
        self.inner.serialize_some(&value).map_err(GuardError::Inner)
    }

    fn serialize_unit(self) -> Result<S::Ok, Self::Error> {
        self.side.event(self.ctx, Event::Prim(Prim::Unit));
        self.inner.serialize_unit().map_err(GuardError::Inner)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, Self::Error> {
        if self.ctx != NONE {
            let mut table = self.side.table.borrow_mut();
            let name = table.name_of(name);
            table.event(self.ctx, Event::UnitStruct(name));
        }
        self.inner.serialize_unit_struct(name).map_err(GuardError::Inner)
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, Self::Error> {
        self.side.variant(self.ctx, name, index, variant, Kind::Unit, 0);
        self.inner.serialize_unit_variant(name, index, variant).map_err(GuardError::Inner)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, Self::Error> {
        let record = self.side.struct_record(self.ctx, name, Kind::Newtype, 1);
        let value = self.wrap(value, self.side.field(record, 0, None));
        self.inner.serialize_newtype_struct(name, &value).map_err(GuardError::Inner)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, Self::Error> {
        let record = self.side.variant(self.ctx, name, index, variant, Kind::Newtype, 1);
        let value = self.wrap(value, self.side.field(record, 0, None));
        self.inner.serialize_newtype_variant(name, index, variant, &value).map_err(GuardError::Inner)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        if len.is_none() {
            return Err(self.refuse(unsupported(
                "a sequence of unknown length (a Serialize impl that calls serialize_seq(None), \
                 such as collect_seq over an iterator without an exact size_hint)"
                    .into(),
                SEQ_REMEDY,
            )));
        }
        let elem = self.side.child(self.ctx, Event::Seq, Slot::Elem);
        let inner = self.inner.serialize_seq(len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side: self.side, children: Children::Elements(elem), index: 0, plain: false })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Self::Error> {
        let base =
            if self.ctx == NONE { NONE } else { self.side.table.borrow_mut().tuple(self.ctx, len as u32) };
        let children = Children::Tuple(base);
        let (side, inner) = (self.side, self.inner.serialize_tuple(len).map_err(GuardError::Inner)?);
        Ok(Compound { inner, side, children, index: 0, plain: false })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        let record = self.side.struct_record(self.ctx, name, Kind::Tuple, len);
        let side = self.side;
        let inner = self.inner.serialize_tuple_struct(name, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side, children: Children::Fields(record), index: 0, plain: false })
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        let record = self.side.variant(self.ctx, name, index, variant, Kind::Tuple, len);
        let side = self.side;
        let inner =
            self.inner.serialize_tuple_variant(name, index, variant, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side, children: Children::Fields(record), index: 0, plain: false })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        if len.is_none() {
            return Err(self.refuse(unsupported(
                "a map of unknown length, which is what #[serde(flatten)] writes \
                 (or a Serialize impl that calls serialize_map(None))"
                    .into(),
                FLATTEN_REMEDY,
            )));
        }
        let key = self.side.child(self.ctx, Event::Map, Slot::Key);
        let value = self.side.child(self.ctx, Event::Map, Slot::Value);
        let side = self.side;
        let inner = self.inner.serialize_map(len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side, children: Children::Map(key, value), index: 0, plain: false })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, Self::Error> {
        let record = self.side.struct_record(self.ctx, name, Kind::Struct, len);
        let side = self.side;
        let inner = self.inner.serialize_struct(name, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side, children: Children::Fields(record), index: 0, plain: false })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        let record = self.side.variant(self.ctx, name, index, variant, Kind::Struct, len);
        let side = self.side;
        let inner =
            self.inner.serialize_struct_variant(name, index, variant, len).map_err(GuardError::Inner)?;
        Ok(Compound { inner, side, children: Children::Fields(record), index: 0, plain: false })
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<S::Ok, Self::Error> {
        self.side.event(self.ctx, Event::Prim(Prim::Str));
        self.inner.collect_str(value).map_err(GuardError::Inner)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! compound {
    ($trait:ident, $method:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = GuardError<C::Error>;

            #[inline(always)]
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
                if self.plain {
                    return self.inner.$method(value).map_err(GuardError::Inner);
                }
                // kept out of line, so that the loop over a sequence of
                // primitives is the plain call above and little else
                #[inline(never)]
                fn recorded<C: ser::$trait, T: Serialize + ?Sized>(
                    this: &mut Compound<'_, C>,
                    value: &T,
                ) -> Result<(), GuardError<C::Error>> {
                    let first = this.index == 0;
                    let value = this.next(value, None);
                    this.inner.$method(&value).map_err(GuardError::Inner)?;
                    if first {
                        this.settle();
                    }
                    Ok(())
                }
                recorded(self, value)
            }

            fn end(self) -> Result<C::Ok, Self::Error> {
                self.inner.end().map_err(GuardError::Inner)
            }
        }
    };
}

compound!(SerializeSeq, serialize_element);
compound!(SerializeTuple, serialize_element);
compound!(SerializeTupleStruct, serialize_field);
compound!(SerializeTupleVariant, serialize_field);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = GuardError<C::Error>;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Self::Error> {
        let key = self.next(key, None);
        self.inner.serialize_key(&key).map_err(GuardError::Inner)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        let value = self.next(value, None);
        self.inner.serialize_value(&value).map_err(GuardError::Inner)
    }

    fn end(self) -> Result<C::Ok, Self::Error> {
        self.inner.end().map_err(GuardError::Inner)
    }
}

macro_rules! compound_struct {
    ($trait:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = GuardError<C::Error>;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Self::Error> {
                let value = self.next(value, Some(key));
                self.inner.serialize_field(key, &value).map_err(GuardError::Inner)
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
                let error = unsupported(
                    format!("#[serde(skip_serializing_if = ..)] leaving out field `{key}`"),
                    SKIP_REMEDY,
                );
                let message = error.to_string();
                self.side.keep(error);
                Err(GuardError::Custom(message))
            }

            fn end(self) -> Result<C::Ok, Self::Error> {
                self.inner.end().map_err(GuardError::Inner)
            }
        }
    };
}

compound_struct!(SerializeStruct);
compound_struct!(SerializeStructVariant);
