//! brine's encoder of postcard's wire format, byte for byte, with the
//! envelope's guards and the shape recording built in.
//!
//! Why not postcard's own serializer: it encodes each varint into a stack
//! buffer and copies it out with a `memmove` of variable length, which was
//! most of its time on a list of integers, and it keeps no message for an
//! error. The format stays postcard's (tests/postcard_format.rs compares every
//! payload with `postcard::to_allocvec`); postcard's crate is the reference
//! in tests only.
//!
//! Invariants:
//! - The bytes are postcard 1.x's: varints (LEB128) for `u16`..`u128`,
//!   lengths and variant indexes; zigzag varints for `i16`..`i128`; one byte
//!   for `u8`, `i8`, `bool` and option tags; floats little-endian; `char` as
//!   a string; nothing for units, struct and tuple framing.
//! - The serde features whose postcard encoding would load back as a
//!   different value are refused, with a message that says what to do:
//!   `SerializeStruct::skip_field` (`#[serde(skip_serializing_if)]`: fields
//!   are stored by position), maps and sequences of unknown length
//!   (`#[serde(flatten)]`, iterators without an exact size hint), and
//!   sequences, maps and tuples that write another number of items than
//!   they announced (an iterator whose size hint lies): postcard writes the
//!   announced length, which reads the items back as another value.
//! - A refusal or a failed write fails the dump even when a `Serialize` impl
//!   went on past the error it was handed; a sink that failed gets no more
//!   bytes.
//! - Every value is written at a *context* of the shape table (see
//!   `shape.rs`), or at `NONE` where nothing new can be learnt (the fields
//!   of a settled record, the elements of a sequence of primitives): then
//!   nothing is recorded and the value costs what postcard's encoding costs.
//! - A sequence's elements after a first primitive are written in runs
//!   (`out::Run`): straight into the buffer up to its capacity and the next
//!   block boundary, all or nothing per element. What a run can't write
//!   goes through the encoder, so a run only ever makes a loop faster.

use std::any::TypeId;
use std::fmt::{self, Display};

use serde::ser::{self, Serialize, Serializer};

/// The serialize methods of postcard's primitives, shared by the encoder and
/// a [`Run`](out::Run), so that both write the same bytes. `self.note(prim)`
/// records the primitive's kind (a run records nothing), and `self.put()` is
/// where its bytes go.
macro_rules! primitives {
    () => {
        #[inline]
        fn serialize_bool(self, v: bool) -> Result<(), Self::Error> {
            self.note(Prim::Bool);
            Ok(self.put().byte(u8::from(v))?)
        }

        #[inline]
        fn serialize_i8(self, v: i8) -> Result<(), Self::Error> {
            self.note(Prim::I8);
            Ok(self.put().byte(v as u8)?)
        }

        #[inline]
        fn serialize_u8(self, v: u8) -> Result<(), Self::Error> {
            self.note(Prim::U8);
            Ok(self.put().byte(v)?)
        }

        #[inline]
        fn serialize_i16(self, v: i16) -> Result<(), Self::Error> {
            self.note(Prim::I16);
            Ok(self.put().varint(zigzag(v.into()))?)
        }

        #[inline]
        fn serialize_i32(self, v: i32) -> Result<(), Self::Error> {
            self.note(Prim::I32);
            Ok(self.put().varint(zigzag(v.into()))?)
        }

        #[inline]
        fn serialize_i64(self, v: i64) -> Result<(), Self::Error> {
            self.note(Prim::I64);
            Ok(self.put().varint(zigzag(v))?)
        }

        #[inline]
        fn serialize_u16(self, v: u16) -> Result<(), Self::Error> {
            self.note(Prim::U16);
            Ok(self.put().varint(v.into())?)
        }

        #[inline]
        fn serialize_u32(self, v: u32) -> Result<(), Self::Error> {
            self.note(Prim::U32);
            Ok(self.put().varint(v.into())?)
        }

        #[inline]
        fn serialize_u64(self, v: u64) -> Result<(), Self::Error> {
            self.note(Prim::U64);
            Ok(self.put().varint(v)?)
        }

        fn serialize_i128(self, v: i128) -> Result<(), Self::Error> {
            self.note(Prim::I128);
            Ok(self.put().varint_u128(zigzag_128(v))?)
        }

        fn serialize_u128(self, v: u128) -> Result<(), Self::Error> {
            self.note(Prim::U128);
            Ok(self.put().varint_u128(v)?)
        }

        #[inline]
        fn serialize_f32(self, v: f32) -> Result<(), Self::Error> {
            self.note(Prim::F32);
            Ok(self.put().array(v.to_le_bytes())?)
        }

        #[inline]
        fn serialize_f64(self, v: f64) -> Result<(), Self::Error> {
            self.note(Prim::F64);
            Ok(self.put().array(v.to_le_bytes())?)
        }

        fn serialize_char(self, v: char) -> Result<(), Self::Error> {
            self.note(Prim::Char);
            let mut utf8 = [0u8; 4];
            Ok(self.put().prefixed(v.encode_utf8(&mut utf8).as_bytes())?)
        }

        #[inline]
        fn serialize_str(self, v: &str) -> Result<(), Self::Error> {
            self.note(Prim::Str);
            Ok(self.put().prefixed(v.as_bytes())?)
        }

        fn serialize_bytes(self, v: &[u8]) -> Result<(), Self::Error> {
            self.note(Prim::Bytes);
            Ok(self.put().prefixed(v)?)
        }

        fn serialize_unit(self) -> Result<(), Self::Error> {
            self.note(Prim::Unit);
            Ok(())
        }
    };
}

mod out;
mod run;

pub(crate) use out::{BLOCK, Keep, Out, Sink};
use out::{Put, zigzag, zigzag_128};

use crate::dump::error as dump; // the error alone: no loop back into dump.rs
use crate::shape::{Event, Kind, NONE, Prim, Recorder, Slot, Which};
use crate::trust;

/// An encoding in progress: the output and the shape table it records.
#[derive(Debug)]
pub(crate) struct Encoder<S> {
    pub(crate) out: Out<S>,
    /// The shapes being recorded, or replayed (nothing before the dump starts).
    rec: Recorder,
    /// The context of the value about to be written: set before each
    /// `serialize` call, read first thing by the serializer's methods (the
    /// serializer is `&mut Encoder` itself, as postcard's and bincode's are).
    ctx: u32,
    /// The Rust type of the value about to be written, set with `ctx`: a
    /// struct or enum settles for the type it settled with only (two types
    /// of one serde name, such as a generic struct with two parameters,
    /// are two).
    ty: TypeId,
    /// The first refusal, kept typed: a `Serialize` impl between it and the
    /// top (typetag's, say) may turn the error it passes on into a message.
    refused: Option<dump::Error>,
}

/// Why an encoding stopped: boxed, so that every `Result` of the hot path is
/// one word.
#[derive(Debug)]
pub(crate) struct Error(Box<dump::Error>);

impl Error {
    pub(crate) fn into_inner(self) -> dump::Error {
        *self.0
    }

    #[cold]
    fn new(error: dump::Error) -> Self {
        Error(Box::new(error))
    }
}

impl From<std::io::Error> for Error {
    #[cold]
    fn from(error: std::io::Error) -> Self {
        Error::new(dump::Error::Io(error))
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    #[cold]
    fn custom<M: Display>(message: M) -> Self {
        Error::new(dump::Error::Serialize { message: message.to_string() })
    }
}

const SKIP_REMEDY: &str = "the format stores fields by position, so a left-out field would shift every \
    field after it; remove skip_serializing_if (#[serde(default)] alone is fine), or store the value \
    with brine::source";
const FLATTEN_REMEDY: &str = "the format needs every map's length up front; replace #[serde(flatten)] \
    with a plain nested field, or store the value with brine::source";
const LEN_REMEDY: &str = "the format stores a sequence's or map's length before its items, so a wrong \
    length would load as another value; make the Serialize impl (or its iterator's size_hint) announce \
    exactly the items it writes";
const SEQ_REMEDY: &str = "the format needs every sequence's length up front; collect the items into \
    a Vec first, or give the iterator an exact size_hint";

impl<S: Sink> Encoder<S> {
    pub(crate) fn new(out: Out<S>) -> Self {
        Encoder { out, rec: Recorder::default(), ctx: NONE, ty: TypeId::of::<()>(), refused: None }
    }

    /// Encodes `value` and its shape table: the body of a version 2
    /// envelope after the type name. Returns whether the value holds code.
    ///
    /// The table is the one this thread's last dump of `T` wrote, when this
    /// value's shapes replay it; else it is recorded as the value is
    /// encoded (see `shape/replay.rs`). Either way the value is serialized once.
    pub(crate) fn body<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<bool, dump::Error> {
        self.rec.start(typeid::of::<T>());
        // room for what the last value of the type took after its name (a
        // block at most), rather than a doubling at a time
        let room = self.rec.body_len().saturating_sub(self.out.written());
        self.out.reserve_hint(room.min(out::BLOCK));
        let dumping = trust::Dumping::start();
        self.encode(value, 0)?;
        let holds_code = dumping.holds_code();
        drop(dumping);
        let body_len = self.out.written();
        let (rec, out) = (&mut self.rec, &mut self.out);
        match rec.finish(body_len, |bytes| out.bytes(bytes)) {
            Ok(()) => Ok(holds_code),
            Err(error) => Err(dump::Error::Io(self.out.take_failure().unwrap_or(error))),
        }
    }

    /// Encodes `value` alone, no shapes recorded: the body of a version 1
    /// envelope. Returns whether the value holds code.
    pub(crate) fn payload<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<bool, dump::Error> {
        let dumping = trust::Dumping::start();
        self.encode(value, NONE)?;
        Ok(dumping.holds_code())
    }

    /// Encodes `value` with its context at `root` (`NONE`: nothing recorded).
    fn encode<T: Serialize + ?Sized>(&mut self, value: &T, root: u32) -> Result<(), dump::Error> {
        self.ctx = root;
        self.ty = typeid::of::<T>();
        let result = value.serialize(&mut *self);
        // a refusal or a failed write is the dump's error also when an impl
        // between it and the top went on as if nothing happened: bytes are
        // missing either way
        match (self.out.take_failure(), self.refused.take(), result) {
            (Some(io), _, _) => Err(dump::Error::Io(io)),
            (None, Some(refused), _) => Err(refused),
            (None, None, Err(error)) => Err(error.into_inner()),
            (None, None, Ok(())) => Ok(()),
        }
    }

    /// Refuses a serde feature the format can't store.
    #[cold]
    fn unsupported(&mut self, feature: String, remedy: &'static str) -> Error {
        let error = Error::new(dump::Error::Unsupported { feature: feature.clone(), remedy });
        self.refused.get_or_insert(dump::Error::Unsupported { feature, remedy });
        error
    }

    /// Refuses a sequence, map or tuple that wrote another number of parts
    /// than it announced.
    #[cold]
    fn miscounted(&mut self, what: &str, announced: usize, written: usize) -> Error {
        self.unsupported(format!("{what} announced with {announced} items that wrote {written}"), LEN_REMEDY)
    }

    // -- recording -------------------------------------------------------------

    #[inline(always)]
    fn event(&mut self, ctx: u32, event: Event) {
        if ctx != NONE {
            // inline: a tape followed costs a compare of the call's key,
            // made from constants and registers, and the answer's load
            self.rec.event(ctx, event);
        }
    }

    /// Records a primitive's kind at the current context.
    #[inline(always)]
    fn note(&mut self, prim: Prim) {
        self.event(self.ctx, Event::Prim(prim));
    }

    #[inline(always)]
    fn put(&mut self) -> &mut Out<S> {
        &mut self.out
    }

    /// Whether a primitive was recorded at `ctx`.
    fn is_primitive(&mut self, ctx: u32) -> bool {
        matches!(self.rec.event_at(ctx), Event::Prim(_))
    }

    fn child(&mut self, ctx: u32, event: Event, slot: Slot) -> u32 {
        if ctx == NONE {
            return NONE;
        }
        self.rec.child(ctx, event, slot)
    }

    /// Records a struct of `kind` at `ctx`; returns its record (`NONE` once
    /// it is settled: another value of it records nothing new).
    fn struct_record(&mut self, ctx: u32, name: &'static str, kind: Kind, len: usize) -> u32 {
        if ctx == NONE {
            return NONE;
        }
        self.rec.struct_record(ctx, name, kind, announced(len), self.ty)
    }

    /// Records variant `index` of the enum `name` at `ctx`; returns its record.
    fn variant(
        &mut self,
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
        self.rec.variant(ctx, Which { name, index, variant }, kind, announced(len), self.ty)
    }

    fn field(&mut self, record: u32, index: u32, key: Option<&'static str>) -> u32 {
        if record == NONE {
            return NONE;
        }
        self.rec.field(record, index, key)
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

/// A compound (struct, sequence, map...) being written.
pub(crate) struct Compound<'e, S> {
    enc: &'e mut Encoder<S>,
    at: At,
    /// The parts announced (a map's keys and values counted apart), checked
    /// at `end` against `written`; `None` for a struct, whose bytes have no
    /// length and whose fields the table keys by position and name.
    announced: Option<usize>,
    written: usize,
}

/// Where a compound's next part goes. Passed by value to the out-of-line
/// recording, so that the compound's own address never escapes the loop of
/// a sequence: its fields, and the output's length, stay in registers.
#[derive(Debug, Clone, Copy)]
struct At {
    children: Children,
    index: u32,
}

impl<S: Sink> Compound<'_, S> {
    fn new(enc: &mut Encoder<S>, children: Children, announced: Option<usize>) -> Compound<'_, S> {
        Compound { enc, at: At { children, index: 0 }, announced, written: 0 }
    }

    /// Ends the compound: refused when it wrote another number of parts
    /// than it announced.
    #[inline]
    fn end(self, what: &str) -> Result<(), Error> {
        if let Children::Elements(elem) | Children::Map(elem, _) = self.at.children
            && elem != NONE
        {
            self.enc.rec.end_elements(elem);
        }
        match self.announced {
            Some(announced) if announced != self.written => {
                let (announced, written) = match self.at.children {
                    Children::Map(..) => (announced / 2, self.written / 2),
                    _ => (announced, self.written),
                };
                Err(self.enc.miscounted(what, announced, written))
            }
            _ => Ok(()),
        }
    }

    /// Writes the next part at its context.
    #[inline(always)]
    fn part<T: Serialize + ?Sized>(&mut self, value: &T, key: Option<&'static str>) -> Result<(), Error> {
        self.written += 1;
        match self.at.children {
            Children::Fields(record) => return self.field(record, value, key),
            Children::Elements(NONE) => {
                // a sequence of primitives past its first element: nothing
                // to learn, so nothing recorded
                self.enc.ctx = NONE;
                return value.serialize(&mut *self.enc);
            }
            _ => {}
        }
        // what changes comes back in registers: the `At` itself, returned
        // through memory, was read with wider loads than the stores that
        // wrote it (a store-forwarding stall in every recorded part)
        let primitives = recorded(self.enc, self.at, value)?;
        if primitives {
            // the next elements are recorded no more
            if let Children::Elements(elem) = self.at.children {
                self.enc.rec.primitive_elements(elem);
            }
            self.at.children = Children::Elements(NONE);
        }
        self.at.index = self.at.index.saturating_add(1);
        Ok(())
    }

    /// Writes the next field of `record` (a struct's, a variant's) at its
    /// context, recording it inline: a field is written once per value, not
    /// in a loop that the recording would bloat.
    #[inline(always)]
    fn field<T: Serialize + ?Sized>(
        &mut self,
        record: u32,
        value: &T,
        key: Option<&'static str>,
    ) -> Result<(), Error> {
        let index = self.at.index;
        // a settled record: nothing to learn, so nothing recorded
        self.enc.ctx = if record == NONE { NONE } else { self.enc.field(record, index, key) };
        self.enc.ty = typeid::of::<T>();
        value.serialize(&mut *self.enc)?;
        // a field that failed takes no place (an impl that goes on past the
        // error writes its next field at this index)
        self.at.index = index.saturating_add(1);
        Ok(())
    }
}

/// Why a run of a sequence's elements ended.
enum Stopped<T> {
    /// The elements ran out.
    Done,
    /// Too little room was left for a chunk: a new block is opened.
    Full,
    /// This element was not written in the run: the encoder writes it.
    At(T),
}

/// Writes the part of a sequence, tuple or map at `at`, recording it;
/// returns whether the compound is a sequence whose elements are now known
/// primitives (the next ones go at `NONE`). Kept out of line, so that the
/// loop over a sequence of primitives is the plain call in
/// [`Compound::part`].
#[inline(never)]
fn recorded<S: Sink, T: Serialize + ?Sized>(enc: &mut Encoder<S>, at: At, value: &T) -> Result<bool, Error> {
    let ctx = match at.children {
        Children::Elements(elem) => {
            // (out of line per element anyway: no need to heed the answer)
            let _ = enc.rec.element(elem);
            elem
        }
        Children::Tuple(base) if base != NONE => base.saturating_add(at.index),
        // a record's fields go through `Compound::field`
        Children::Tuple(_) | Children::Fields(_) => NONE,
        Children::Map(key, value) => {
            if at.index.is_multiple_of(2) {
                // an entry begins: entries, like a sequence's elements, may
                // repeat (a map at no context records nothing)
                if key != NONE {
                    let _ = enc.rec.element(key);
                }
                key
            } else {
                value
            }
        }
    };
    enc.ctx = ctx;
    enc.ty = typeid::of::<T>();
    value.serialize(&mut *enc)?;
    Ok(matches!(at.children, Children::Elements(elem) if enc.is_primitive(elem)))
}

impl<'e, S: Sink> Serializer for &'e mut Encoder<S> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'e, S>;
    type SerializeTuple = Compound<'e, S>;
    type SerializeTupleStruct = Compound<'e, S>;
    type SerializeTupleVariant = Compound<'e, S>;
    type SerializeMap = Compound<'e, S>;
    type SerializeStruct = Compound<'e, S>;
    type SerializeStructVariant = Compound<'e, S>;

    primitives!();

    fn serialize_none(self) -> Result<(), Error> {
        self.event(self.ctx, Event::Option);
        Ok(self.out.byte(0)?)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        let some = self.child(self.ctx, Event::Option, Slot::Some);
        self.out.byte(1)?;
        self.ctx = some;
        self.ty = typeid::of::<T>();
        value.serialize(self)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Error> {
        if self.ctx != NONE {
            self.rec.unit_struct(self.ctx, name);
        }
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.variant(self.ctx, name, index, variant, Kind::Unit, 0);
        Ok(self.out.varint(index.into())?)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let record = self.struct_record(self.ctx, name, Kind::Newtype, 1);
        let ctx = self.field(record, 0, None);
        self.ctx = ctx;
        self.ty = typeid::of::<T>();
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let record = self.variant(self.ctx, name, index, variant, Kind::Newtype, 1);
        let ctx = self.field(record, 0, None);
        self.out.varint(index.into())?;
        self.ctx = ctx;
        self.ty = typeid::of::<T>();
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'e, S>, Error> {
        let Some(len) = len else {
            return Err(self.unsupported(
                "a sequence of unknown length (a Serialize impl that calls serialize_seq(None), \
                 such as collect_seq over an iterator without an exact size_hint)"
                    .into(),
                SEQ_REMEDY,
            ));
        };
        let elem = self.child(self.ctx, Event::Seq, Slot::Elem);
        self.out.varint(len as u64)?;
        Ok(Compound::new(self, Children::Elements(elem), Some(len)))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'e, S>, Error> {
        let ctx = self.ctx;
        let base = if ctx == NONE { NONE } else { self.rec.tuple(ctx, announced(len)) };
        Ok(Compound::new(self, Children::Tuple(base), Some(len)))
    }

    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Compound<'e, S>, Error> {
        let record = self.struct_record(self.ctx, name, Kind::Tuple, len);
        Ok(Compound::new(self, Children::Fields(record), Some(len)))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'e, S>, Error> {
        let record = self.variant(self.ctx, name, index, variant, Kind::Tuple, len);
        self.out.varint(index.into())?;
        Ok(Compound::new(self, Children::Fields(record), Some(len)))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'e, S>, Error> {
        let Some(len) = len else {
            return Err(self.unsupported(
                "a map of unknown length, which is what #[serde(flatten)] writes \
                 (or a Serialize impl that calls serialize_map(None))"
                    .into(),
                FLATTEN_REMEDY,
            ));
        };
        let key = self.child(self.ctx, Event::Map, Slot::Key);
        let value = self.child(self.ctx, Event::Map, Slot::Value);
        self.out.varint(len as u64)?;
        Ok(Compound::new(self, Children::Map(key, value), len.checked_mul(2)))
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'e, S>, Error> {
        let record = self.struct_record(self.ctx, name, Kind::Struct, len);
        Ok(Compound::new(self, Children::Fields(record), None))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'e, S>, Error> {
        let record = self.variant(self.ctx, name, index, variant, Kind::Struct, len);
        self.out.varint(index.into())?;
        Ok(Compound::new(self, Children::Fields(record), None))
    }

    /// A sequence from an iterator (every `Vec`, slice and set): serde's
    /// loop, less the bookkeeping a compound does per element. Once an
    /// element was a primitive, the others are written in [runs](out::Run):
    /// a loop with the buffer in registers and no call in it, three times as
    /// fast as one through the encoder on a list of integers.
    #[inline(never)]
    fn collect_seq<I>(self, iter: I) -> Result<(), Error>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let iter = iter.into_iter();
        let len = match iter.size_hint() {
            (low, Some(high)) if low == high => Some(low),
            _ => None,
        };
        let seq = self.serialize_seq(len)?;
        let Children::Elements(elem) = seq.at.children else { return Ok(()) };
        let (enc, announced) = (seq.enc, seq.announced);
        let mut iter = iter;
        let mut written = 0usize;
        // the elements' context is recorded from the elements until one is
        // a primitive: then every other one is written in runs
        if elem != NONE
            && let Some(item) = iter.next()
        {
            let start = enc.out.buf.len();
            let mut tell = enc.rec.element(elem);
            enc.ctx = elem;
            enc.ty = typeid::of::<I::Item>();
            item.serialize(&mut *enc)?;
            written += 1;
            if let Event::Prim(prim) = enc.rec.event_at(elem) {
                enc.rec.primitive_elements(elem);
                // numbers (not strings or bytes) take about as many bytes
                // each as the first did: room for all of them now, not a
                // doubling at a time
                let number = !matches!(prim, Prim::Str | Prim::Bytes | Prim::Unit);
                if let (Some(announced), true) = (announced, number) {
                    let first = enc.out.buf.len().saturating_sub(start);
                    enc.out.reserve_run(announced.saturating_sub(1).saturating_mul(first));
                }
            } else {
                // the first element wrote no primitive, so no later one makes
                // the context one (it would vary): each goes through the encoder
                for item in iter.by_ref() {
                    if tell {
                        tell = enc.rec.element(elem);
                    }
                    enc.ctx = elem;
                    enc.ty = typeid::of::<I::Item>();
                    item.serialize(&mut *enc)?;
                    written += 1;
                }
            }
        }
        loop {
            let stopped = {
                let mut run = enc.out.run();
                'run: loop {
                    let chunk = run.chunk();
                    if chunk == 0 {
                        break Stopped::Full;
                    }
                    for _ in 0..chunk {
                        let Some(item) = iter.next() else { break 'run Stopped::Done };
                        if item.serialize(&mut run).is_err() {
                            break 'run Stopped::At(item);
                        }
                        written += 1;
                    }
                }
            };
            match stopped {
                Stopped::Done => break,
                Stopped::Full => enc.out.open_block()?,
                // what the run did not write (it didn't fit, or is no
                // primitive) goes through the encoder, nothing recorded
                Stopped::At(item) => {
                    enc.ctx = NONE;
                    item.serialize(&mut *enc)?;
                    written += 1;
                }
            }
        }
        if elem != NONE {
            enc.rec.end_elements(elem);
        }
        match announced {
            Some(announced) if announced != written => {
                Err(enc.miscounted("a sequence (its iterator's size_hint)", announced, written))
            }
            _ => Ok(()),
        }
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        // postcard formats twice (once to count); once into a string is the
        // same bytes for any Display that says the same thing twice
        self.serialize_str(&value.to_string())
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

macro_rules! compound {
    ($trait:ident, $method:ident, $what:literal) => {
        impl<S: Sink> ser::$trait for Compound<'_, S> {
            type Ok = ();
            type Error = Error;

            #[inline(always)]
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.part(value, None)
            }

            #[inline]
            fn end(self) -> Result<(), Error> {
                Compound::end(self, $what)
            }
        }
    };
}

compound!(SerializeSeq, serialize_element, "a sequence");
compound!(SerializeTuple, serialize_element, "a tuple");
compound!(SerializeTupleStruct, serialize_field, "a tuple struct");
compound!(SerializeTupleVariant, serialize_field, "a tuple variant");

impl<S: Sink> ser::SerializeMap for Compound<'_, S> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.part(key, None)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.part(value, None)
    }

    fn end(self) -> Result<(), Error> {
        Compound::end(self, "a map")
    }
}

macro_rules! compound_struct {
    ($trait:ident) => {
        impl<S: Sink> ser::$trait for Compound<'_, S> {
            type Ok = ();
            type Error = Error;

            #[inline]
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.part(value, Some(key))
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), Error> {
                Err(self.enc.unsupported(
                    format!("#[serde(skip_serializing_if = ..)] leaving out field `{key}`"),
                    SKIP_REMEDY,
                ))
            }

            #[inline]
            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        }
    };
}

compound_struct!(SerializeStruct);
compound_struct!(SerializeStructVariant);

/// A length a `Serialize` impl announced, as the shape table counts it: one
/// past `u32::MAX` is as long as `u32::MAX` (the table gives elements and
/// fields past its caps no context anyway, see `shape::MAX_TUPLE_CONTEXTS`).
#[inline]
fn announced(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
