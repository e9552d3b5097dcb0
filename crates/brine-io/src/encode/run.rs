//! The serializer of a [`Run`]: a sequence's primitives after its first,
//! written with nothing recorded and no call in the loop that could touch
//! the rest of the encoder.
//!
//! A run takes only what it can write whole: any other serialize call (a
//! struct, an option, a `Serialize` impl's own error) and any primitive that
//! doesn't fit writes nothing and returns [`Stop`], and the caller writes
//! that element through the encoder, which grows, hashes and records as
//! usual. Its bytes are the encoder's: both use the `primitives!` methods.

use std::fmt::{self, Display};

use serde::ser::{self, Impossible, Serialize, Serializer};

use super::out::{Put, Run, Stop, zigzag, zigzag_128};
use crate::shape::Prim;

impl Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not written in a run")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: Display>(_: M) -> Self {
        Stop
    }
}

impl Run<'_> {
    /// A run records nothing.
    #[inline(always)]
    fn note(&mut self, _: Prim) {}

    #[inline(always)]
    fn put(&mut self) -> &mut Self {
        self
    }
}

// the shared methods convert the write's error with `?`: here it is `Stop` already
#[allow(clippy::needless_question_mark)]
impl Serializer for &mut Run<'_> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Impossible<(), Stop>;
    type SerializeStructVariant = Impossible<(), Stop>;

    primitives!();

    fn serialize_none(self) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop)
    }

    fn collect_str<T: Display + ?Sized>(self, _: &T) -> Result<(), Stop> {
        // formatting is the encoder's: one way, one set of bytes
        Err(Stop)
    }

    /// As the encoder: a type that writes itself differently for people
    /// (an address as text) must write the same bytes in a run.
    fn is_human_readable(&self) -> bool {
        false
    }
}
