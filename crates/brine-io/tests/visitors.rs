//! `Deserialize` impls that treat their `SeqAccess` in unusual ways: the
//! decoder hands a sequence's elements a copy of its place in the bytes,
//! taken back when the access drops, and a struct inside a sequence reads
//! its fields from that copy in place (see `decode/deserializer.rs`). A
//! panic caught inside a visitor still leaves the decoder where the
//! elements ended, as postcard's would; an access kept from dropping
//! (`mem::forget`) is either harmless (a struct's fields inside a
//! sequence: the bytes read are read) or a clear error, never a read from
//! a wrong place.

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use brine_io::{Options, load};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A pair of bytes written as a tuple; its visitor panics on (9, 9).
#[derive(Debug, PartialEq)]
struct Pair(u8, u8);

/// A pair whose visitor `mem::forget`s its `SeqAccess` when done.
#[derive(Debug, PartialEq)]
struct Forgets(u8, u8);

/// [`Pair`] and [`Forgets`] written and read as structs with two fields.
#[derive(Debug, PartialEq)]
struct PairStruct(u8, u8);
#[derive(Debug, PartialEq)]
struct ForgetsStruct(u8, u8);

const FIELDS: &[&str] = &["a", "b"];

macro_rules! as_struct {
    ($name:ident, $forget:literal) => {
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut fields = serializer.serialize_struct(stringify!($name), 2)?;
                fields.serialize_field(FIELDS[0], &self.0)?;
                fields.serialize_field(FIELDS[1], &self.1)?;
                fields.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_struct(stringify!($name), FIELDS, Two::<$forget>)
                    .map(|(a, b)| $name(a, b))
            }
        }
    };
}

as_struct!(PairStruct, false);
as_struct!(ForgetsStruct, true);

impl Serialize for Pair {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.0, self.1).serialize(serializer)
    }
}

impl Serialize for Forgets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.0, self.1).serialize(serializer)
    }
}

struct Two<const FORGET: bool>;

impl<'de, const FORGET: bool> Visitor<'de> for Two<FORGET> {
    type Value = (u8, u8);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("two bytes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(u8, u8), A::Error> {
        let a = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let b = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        assert!((a, b) != (9, 9), "nine nine");
        if FORGET {
            std::mem::forget(seq);
        }
        Ok((a, b))
    }
}

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(2, Two::<false>).map(|(a, b)| Pair(a, b))
    }
}

impl<'de> Deserialize<'de> for Forgets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(2, Two::<true>).map(|(a, b)| Forgets(a, b))
    }
}

/// A list that catches an element's panic and goes on with the next one.
#[derive(Debug, PartialEq)]
struct Resilient<P>(Vec<Option<P>>);

/// The pairs whose visitor panics on (9, 9).
trait Nines {
    const NINES: Self;
}

impl Nines for Pair {
    const NINES: Self = Pair(9, 9);
}

impl Nines for PairStruct {
    const NINES: Self = PairStruct(9, 9);
}

impl<P: Serialize + Nines> Serialize for Resilient<P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let nines = P::NINES;
        serializer.collect_seq(self.0.iter().map(|element| element.as_ref().unwrap_or(&nines)))
    }
}

impl<'de, P: Deserialize<'de>> Deserialize<'de> for Resilient<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct List<P>(std::marker::PhantomData<P>);
        impl<'de, P: Deserialize<'de>> Visitor<'de> for List<P> {
            type Value = Resilient<P>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Resilient<P>, A::Error> {
                let mut out = Vec::new();
                loop {
                    match catch_unwind(AssertUnwindSafe(|| seq.next_element::<P>())) {
                        Ok(Ok(Some(pair))) => out.push(Some(pair)),
                        Ok(Ok(None)) => return Ok(Resilient(out)),
                        Ok(Err(error)) => return Err(error),
                        Err(_) => out.push(None),
                    }
                }
            }
        }
        deserializer.deserialize_seq(List(std::marker::PhantomData))
    }
}

/// An element that panics after reading its bytes, caught by the list:
/// the list reads on after them, as with postcard.
#[test]
fn a_panic_caught_inside_a_sequence_reads_on_after_the_element() {
    fn reads_on<P>(value: Resilient<P>)
    where
        P: Serialize + Nines + for<'de> Deserialize<'de> + fmt::Debug + PartialEq,
    {
        let bytes = brine_io::dump(&value).unwrap();
        let payload = brine_io::inspect(&bytes).unwrap().payload.to_vec();
        assert_eq!(postcard::from_bytes::<Resilient<P>>(&payload).unwrap(), value);
        assert_eq!(brine_io::load::<Resilient<P>>(&bytes).unwrap(), value);
        let unchecked = Options::new().check_shape(false);
        assert_eq!(unchecked.load::<Resilient<P>>(&bytes).unwrap(), value);
    }
    reads_on(Resilient(vec![None, Some(Pair(1, 2)), None, Some(Pair(3, 4))]));
    // a struct's fields, read in the list's bytes
    reads_on(Resilient(vec![None, Some(PairStruct(1, 2)), None, Some(PairStruct(3, 4))]));
}

/// A forgotten access: where its elements ended is unknown, and the load
/// says so instead of reading on from before them.
#[test]
fn a_forgotten_seq_access_is_a_clear_error() {
    fn refused<T: for<'de> Deserialize<'de> + fmt::Debug>(options: Options, bytes: &[u8]) {
        match options.load::<T>(bytes) {
            Err(load::Error::Invalid { message, .. }) => {
                assert!(message.contains("forgot a SeqAccess"), "{message}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    let bytes = brine_io::dump(&Forgets(1, 2)).unwrap();
    refused::<Forgets>(Options::new(), &bytes);
    let bytes = brine_io::dump(&vec![Forgets(1, 2), Forgets(3, 4)]).unwrap();
    refused::<Vec<Forgets>>(Options::new(), &bytes);
    refused::<Vec<Forgets>>(Options::new().check_shape(false), &bytes);
    let bytes = brine_io::dump(&(7u8, Some(Forgets(1, 2)), 8u8)).unwrap();
    refused::<(u8, Option<Forgets>, u8)>(Options::new(), &bytes);
    // a struct at the top reads a copy of the bytes, as a sequence does
    let bytes = brine_io::dump(&ForgetsStruct(1, 2)).unwrap();
    refused::<ForgetsStruct>(Options::new(), &bytes);
    // the thread's next load is not disturbed
    assert_eq!(brine_io::load::<Pair>(&brine_io::dump(&Pair(5, 6)).unwrap()).unwrap(), Pair(5, 6));
}

/// A pair whose visitor reads its two elements, a `T` and a byte, then
/// `mem::forget`s its `SeqAccess`.
#[derive(Debug, PartialEq)]
struct ForgetsAfter<T>(T, u8);

impl<T: Serialize> Serialize for ForgetsAfter<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&self.0, self.1).serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ForgetsAfter<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct After<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for After<T> {
            type Value = ForgetsAfter<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ForgetsAfter<T>, A::Error> {
                let first = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let second = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                std::mem::forget(seq);
                Ok(ForgetsAfter(first, second))
            }
        }
        deserializer.deserialize_tuple(2, After(std::marker::PhantomData))
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Tag {
    Number(u8),
}

/// A sequence forgotten after an element the decoder read for it (a map,
/// an enum) or that was a sequence of its own: the decoder still holds no
/// place, and the load says so, rather than read on from inside the
/// forgotten sequence.
#[test]
fn a_sequence_forgotten_after_a_nested_element_is_a_clear_error() {
    fn refused<T: Serialize + for<'de> Deserialize<'de> + fmt::Debug>(value: &T) {
        let bytes = brine_io::dump(value).unwrap();
        for options in [Options::new(), Options::new().check_shape(false)] {
            match options.load::<T>(&bytes) {
                Err(load::Error::Invalid { message, .. }) if message.contains("forgot a SeqAccess") => {}
                other => panic!("{}: expected Invalid, got {other:?}", std::any::type_name::<T>()),
            }
        }
    }
    refused(&(ForgetsAfter(std::collections::BTreeMap::<u8, u8>::new(), 2), vec![7u8]));
    refused(&(ForgetsAfter(vec![3u8], 2), vec![7u8]));
    refused(&(ForgetsAfter((3u8,), 2), vec![7u8]));
    refused(&(ForgetsAfter(Tag::Number(3), 2), vec![7u8]));
    refused(&vec![ForgetsAfter(vec![0u8], 0), ForgetsAfter(vec![0u8], 0)]);
    refused(&ForgetsAfter(vec![3u8], 2));
}

/// A struct inside a sequence reads its fields in the sequence's bytes, in
/// place: forgetting its access loses nothing, and the value loads as
/// postcard loads it.
#[test]
fn a_forgotten_access_to_fields_inside_a_sequence_loses_nothing() {
    let value = vec![ForgetsStruct(1, 2), ForgetsStruct(3, 4)];
    let bytes = brine_io::dump(&value).unwrap();
    let payload = brine_io::inspect(&bytes).unwrap().payload.to_vec();
    assert_eq!(postcard::from_bytes::<Vec<ForgetsStruct>>(&payload).unwrap(), value);
    assert_eq!(load::<Vec<ForgetsStruct>>(&bytes).unwrap(), value);
    assert_eq!(Options::new().check_shape(false).load::<Vec<ForgetsStruct>>(&bytes).unwrap(), value);
    let nested = vec![(7u8, vec![ForgetsStruct(5, 6)], 8u8)];
    let bytes = brine_io::dump(&nested).unwrap();
    assert_eq!(load::<Vec<(u8, Vec<ForgetsStruct>, u8)>>(&bytes).unwrap(), nested);
}

/// A list of `u16`s whose visitor swallows an element's error, puts 0 in
/// its place and reads on.
#[derive(Debug, PartialEq)]
struct Swallows(Vec<u16>);

impl<'de> Deserialize<'de> for Swallows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Swallows;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Swallows, A::Error> {
                let mut out = Vec::new();
                loop {
                    match seq.next_element::<u16>() {
                        Ok(Some(element)) => out.push(element),
                        Ok(None) => return Ok(Swallows(out)),
                        Err(_) => out.push(0),
                    }
                }
            }
        }
        deserializer.deserialize_seq(List)
    }
}

/// A refusal of the shape check that a visitor swallows still refuses the
/// load, every time: the load gave a value neither postcard nor the load
/// without the check gives, and then let the type through unchecked.
#[test]
fn a_shape_refusal_a_visitor_swallows_still_refuses_the_load() {
    let bytes = brine_io::dump(&vec![1u8, 2, 3]).unwrap();
    let payload = brine_io::inspect(&bytes).unwrap().payload.to_vec();
    let unchecked = Options::new().check_type(false).check_shape(false);
    assert_eq!(
        unchecked.load::<Swallows>(&bytes).unwrap(),
        postcard::from_bytes::<Swallows>(&payload).unwrap()
    );
    for _ in 0..3 {
        match Options::new().check_type(false).load::<Swallows>(&bytes) {
            Err(load::Error::ShapeChanged { .. }) => {}
            other => panic!("expected ShapeChanged, got {other:?}"),
        }
    }
}

/// An odd byte, refused with an error of the impl's own (`raise`).
#[derive(Debug)]
struct Even;

#[derive(Debug, thiserror::Error)]
#[error("{0} is odd")]
struct Odd(u8);

impl<'de> Deserialize<'de> for Even {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u8::deserialize(deserializer)? {
            n if n % 2 == 1 => Err(load::raise(Odd(n))),
            _ => Ok(Even),
        }
    }
}

/// A pair whose visitor swallows the first element's error, then reads a bool.
#[derive(Debug)]
struct EvenThenBool(bool);

impl<'de> Deserialize<'de> for EvenThenBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pair;
        impl<'de> Visitor<'de> for Pair {
            type Value = EvenThenBool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EvenThenBool, A::Error> {
                let _swallowed = seq.next_element::<Even>();
                let flag = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(EvenThenBool(flag))
            }
        }
        deserializer.deserialize_tuple(2, Pair)
    }
}

/// The error a load reports is the one that ended the decode: an error an
/// impl raised and then swallowed does not stand for the bad byte read after.
#[test]
fn a_swallowed_error_does_not_stand_for_the_one_that_ended_the_load() {
    let bytes = brine_io::dump(&(3u8, 2u8)).unwrap();
    let unchecked = Options::new().check_type(false).check_shape(false);
    match unchecked.load::<EvenThenBool>(&bytes) {
        Err(load::Error::Decode { source: load::DecodeError::Bool, .. }) => {}
        Ok(EvenThenBool(flag)) => panic!("expected the bool's Decode error, got a value ({flag})"),
        Err(other) => panic!("expected the bool's Decode error, got {other:?}"),
    }
    // the raised error when it is what ended the load
    match unchecked.load::<(Even, u8)>(&bytes) {
        Err(load::Error::Refused { source, .. }) => assert_eq!(source.to_string(), "3 is odd"),
        other => panic!("expected Refused, got {other:?}"),
    }
}
