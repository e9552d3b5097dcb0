//! What brine-io's tests share: a round trip that postcard checks first, a
//! dump on a thread of its own, envelopes around a forged payload or table,
//! and three hand-written shapes (bytes, a sequence read as bytes, a head
//! and items in one flat sequence).

#![allow(dead_code, clippy::unwrap_used, clippy::panic)] // each test file uses some; a failed unwrap fails the test

use std::marker::PhantomData;

use proptest::prelude::{TestCaseError, prop_assert_eq};
use proptest::sample::Index;
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize};

/// Dumps `value` and loads it back as its own type: postcard itself must
/// read it back first, and brine must not refuse it.
pub fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = brine_io::dump(value).unwrap();
    let pc: T = postcard::from_bytes(&postcard::to_allocvec(value).unwrap()).unwrap();
    assert_eq!(&pc, value, "postcard itself round-trips");
    match brine_io::load::<T>(&bytes) {
        Ok(back) => assert_eq!(&back, value),
        Err(error) => panic!("a value its own type wrote was refused: {error}"),
    }
}

/// `value` dumped on a thread of its own: with no template, no tape.
pub fn fresh_bytes<T: Serialize + Clone + Send + 'static>(value: &T) -> Vec<u8> {
    let value = value.clone();
    std::thread::spawn(move || brine_io::dump(&value).unwrap()).join().unwrap()
}

/// `value` dumped on a thread of its own that follows no sequence
/// element's calls (each recorded as if none repeated).
pub fn plain_bytes<T: Serialize + Clone + Send + 'static>(value: &T) -> Vec<u8> {
    let value = value.clone();
    std::thread::spawn(move || brine_io::without_repeats(|| brine_io::dump(&value).unwrap())).join().unwrap()
}

/// For a proptest: `v` dumped on this thread is the bytes of a dump on a
/// thread of its own (history changes nothing), and loads back as itself.
pub fn unchanged_by_history<T>(v: &T) -> Result<(), TestCaseError>
where
    T: Serialize + for<'de> Deserialize<'de> + Clone + Send + PartialEq + std::fmt::Debug + 'static,
{
    let here = brine_io::dump(v).unwrap();
    prop_assert_eq!(&here, &fresh_bytes(v), "history changed the bytes of {:?}", v);
    let back: T = brine_io::load(&here).map_err(|e| TestCaseError::fail(format!("{e} for {v:?}")))?;
    prop_assert_eq!(&back, v);
    Ok(())
}

/// The envelope `bytes` of `T` with bytes of its shape table replaced
/// (`flips`: where in the table, and the new byte), resealed with a
/// checksum that matches: a forged table that reaches the shape check.
pub fn with_table_flipped<T: ?Sized>(bytes: &[u8], flips: &[(Index, u8)]) -> Vec<u8> {
    let envelope = brine_io::inspect(bytes).unwrap();
    let body = &bytes[brine_io::HEADER_LEN + envelope.type_name.len()..];
    let (payload, shapes) = body.split_at(envelope.payload.len());
    let mut table = shapes[..shapes.len() - 4].to_vec();
    for (at, byte) in flips {
        let at = at.index(table.len());
        table[at] = *byte;
    }
    envelope_with_table::<T>(payload, &table)
}

/// A LEB128 `u32`, as a shape table writes its numbers.
pub fn varint32(out: &mut Vec<u8>, mut n: u32) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A version 2 envelope of `T` holding `payload` and the shape table
/// `table` (followed by its length), with a checksum that matches.
pub fn envelope_with_table<T: ?Sized>(payload: &[u8], table: &[u8]) -> Vec<u8> {
    let mut shapes = table.to_vec();
    shapes.extend_from_slice(&(table.len() as u32).to_le_bytes());
    envelope_with_shapes::<T>(payload, &shapes)
}

/// A version 2 envelope of `T` whose body is `payload` then `shapes` (a
/// table and its length, or any bytes), with a checksum that matches.
pub fn envelope_with_shapes<T: ?Sized>(payload: &[u8], shapes: &[u8]) -> Vec<u8> {
    let mut body = payload.to_vec();
    body.extend_from_slice(shapes);
    let name = brine_io::type_name::<T>().as_bytes();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&brine_io::MAGIC);
    bytes.extend_from_slice(&brine_io::VERSION.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let mut hashed = name.to_vec();
    hashed.extend_from_slice(&body);
    bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&hashed).to_le_bytes());
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(&body);
    bytes
}

/// Bytes written and read as bytes (as serde_bytes::ByteBuf).
#[derive(Debug, PartialEq, Clone)]
pub struct Buf(pub Vec<u8>);

impl Serialize for Buf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Buf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Buf;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Buf, E> {
                Ok(Buf(v.to_vec()))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// Written as a sequence of u8 (as `Vec<u8>` is), read as bytes: postcard
/// encodes both alike, a length and the bytes.
#[derive(Debug, PartialEq, Clone)]
pub struct Blob(pub Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Buf::deserialize(d).map(|b| Blob(b.0))
    }
}

/// A head and items written as one flat sequence `[head, item, item...]`:
/// a legit serde pattern, the reader knows the first element is the head.
#[derive(Debug, PartialEq, Clone)]
pub struct Het<H, I> {
    pub head: H,
    pub items: Vec<I>,
}

impl<H: Serialize, I: Serialize> Serialize for Het<H, I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(1 + self.items.len()))?;
        seq.serialize_element(&self.head)?;
        for item in &self.items {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl<'de, H: Deserialize<'de>, I: Deserialize<'de>> Deserialize<'de> for Het<H, I> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<H, I>(PhantomData<(H, I)>);
        impl<'de, H: Deserialize<'de>, I: Deserialize<'de>> Visitor<'de> for V<H, I> {
            type Value = Het<H, I>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a head and items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let head = seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Het { head, items })
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}
