//! Payloads for the random-payload properties: byte strings biased toward
//! the places a varint, a string or a tag can go wrong, and valid encodings
//! with one mutation.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde::Serialize;

/// Pieces of payloads: varint edges, runs of continuation bytes (overlong and
/// overflowing varints), valid and broken UTF-8.
#[rustfmt::skip]
const PIECES: &[&[u8]] = &[
    &[0x00], &[0x01], &[0x02], &[0x03], &[0x04], &[0x0f], &[0x10], &[0x1f], &[0x3f], &[0x40],
    &[0x7e], &[0x7f], &[0x80], &[0x81], &[0xfe], &[0xff],
    &[0x80; 4], &[0xff; 4], &[0x80; 9], &[0xff; 9], &[0xff; 18],
    b"a",
    b"\xc3\xa9",         // é
    b"\xe2\x82\xac",     // €
    b"\xf0\x9f\x98\x80", // 😀
    b"\xf4\x8f\xbf\xbf", // U+10FFFF
    b"\xed\xa0\x80",     // a surrogate: not UTF-8
    b"\xf4\x90\x80\x80", // past U+10FFFF: not UTF-8
    b"\xc0\x80",         // overlong UTF-8
];

/// One change to a valid encoding.
#[derive(Debug, Clone)]
enum Mutation {
    /// Drop the bytes from here on.
    Truncate(Index),
    /// One more byte at the end.
    Append(u8),
    /// One byte replaced by an edge byte.
    Set(Index, u8),
    /// The byte here gets its continuation bit and a 0x00 after it: an
    /// overlong varint where a varint ended here.
    Overlong(Index),
}

fn mutate(mut bytes: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    match *mutation {
        Mutation::Truncate(ref at) => bytes.truncate(at.index(bytes.len())),
        Mutation::Append(byte) => bytes.push(byte),
        Mutation::Set(ref at, byte) => {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        Mutation::Overlong(ref at) => {
            let at = at.index(bytes.len());
            bytes[at] |= 0x80;
            bytes.insert(at + 1, 0x00);
        }
    }
    bytes
}

fn edge_bytes() -> impl Strategy<Value = u8> + Clone {
    select(vec![0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff])
}

fn mutations() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        edge_bytes().prop_map(Mutation::Append),
        (any::<Index>(), edge_bytes()).prop_map(|(at, byte)| Mutation::Set(at, byte)),
        any::<Index>().prop_map(Mutation::Overlong),
    ]
}

/// Payloads for `T`: pieces strung together, `T`'s own encodings, and those
/// with one mutation.
pub fn payloads<S>(values: S) -> impl Strategy<Value = Vec<u8>>
where
    S: Strategy + Clone,
    S::Value: Serialize,
{
    let piece =
        prop_oneof![4 => select(PIECES).prop_map(<[u8]>::to_vec), 1 => any::<u8>().prop_map(|b| vec![b])];
    let pieces = vec(piece, 0..=6).prop_map(|pieces| pieces.concat());
    let encode = |value: &S::Value| postcard::to_allocvec(value).unwrap();
    let valid = values.clone().prop_map(move |value| encode(&value));
    let mutated = (values, mutations()).prop_map(move |(value, mutation)| mutate(encode(&value), &mutation));
    prop_oneof![3 => pieces, 1 => valid, 2 => mutated]
}
