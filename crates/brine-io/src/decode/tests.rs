//! The decoder against postcard's own, the reference: on the same bytes, the
//! same value and the same bytes left over, or a refusal of the same kind.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeMap;
use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::{DecodeError, Decoder, Fail};

/// Decodes `bytes` as `T` with brine's decoder; hands back the value and the
/// bytes left over.
fn ours<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<(T, &'de [u8]), Fail> {
    let mut decoder = Decoder::new(bytes, 256, 1 << 20);
    let value = T::deserialize(&mut decoder)?;
    Ok((value, decoder.rest()))
}

/// postcard's refusal, in brine's words.
fn kind(error: &postcard::Error) -> Fail {
    use postcard::Error as E;
    match error {
        E::DeserializeUnexpectedEnd => Fail::Bytes(DecodeError::UnexpectedEnd),
        E::DeserializeBadVarint => Fail::Bytes(DecodeError::Varint),
        E::DeserializeBadBool => Fail::Bytes(DecodeError::Bool),
        E::DeserializeBadChar => Fail::Bytes(DecodeError::Char),
        E::DeserializeBadUtf8 => Fail::Bytes(DecodeError::Utf8),
        E::DeserializeBadOption => Fail::Bytes(DecodeError::OptionTag),
        E::SerdeDeCustom => Fail::Custom,
        E::WontImplement => Fail::Unsupported,
        other => panic!("postcard refused with {other:?}, which its deserializer never gives"),
    }
}

/// Asserts that brine's decoder does with `bytes` what postcard's does.
/// Values compare by their encoding, so that floats compare by their bits.
fn same<'de, T: Deserialize<'de> + Serialize + Debug>(bytes: &'de [u8]) {
    let theirs = postcard::take_from_bytes::<T>(bytes);
    let mine = ours::<T>(bytes);
    match (theirs, mine) {
        (Ok((theirs, their_rest)), Ok((mine, my_rest))) => {
            let encode = |value: &T| postcard::to_allocvec(value).unwrap();
            assert_eq!(encode(&theirs), encode(&mine), "{} from {bytes:02X?}", std::any::type_name::<T>());
            assert_eq!(their_rest, my_rest, "{} from {bytes:02X?}", std::any::type_name::<T>());
        }
        // brine's limits may stop a claimed length before the bytes run out
        (Err(_), Err(Fail::Limit)) => {}
        (Err(theirs), Err(mine)) => {
            assert_eq!(kind(&theirs), mine, "{} from {bytes:02X?}", std::any::type_name::<T>());
        }
        (theirs, mine) => {
            panic!("{} from {bytes:02X?}: postcard {theirs:?}, brine {mine:?}", std::any::type_name::<T>())
        }
    }
}

/// A small xorshift generator: the same bytes on every run.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Bytes that favour what varints, tags and lengths trip on.
    fn byte(&mut self) -> u8 {
        const EDGES: [u8; 12] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0F, 0x10, 0x7F, 0x80, 0x81, 0xFE, 0xFF];
        let n = self.next();
        if n.is_multiple_of(3) { n as u8 >> 1 } else { EDGES[(n >> 8) as usize % EDGES.len()] }
    }

    fn fill(&mut self, max_len: usize) -> Vec<u8> {
        let len = (self.next() % (max_len as u64 + 1)) as usize;
        (0..len).map(|_| self.byte()).collect()
    }
}

/// Every integer width: boundary values round trip, and random bytes
/// (short ones, which end inside a varint, and long ones, which take the
/// fast paths) read as postcard reads them.
#[test]
fn integers_of_every_width_read_as_postcard_reads_them() {
    macro_rules! width {
        ($($ty:ty),*) => {$(
            for value in [<$ty>::MIN, <$ty>::MAX, 0, 1, <$ty>::MAX - 1, <$ty>::MIN + 1] {
                let bytes = postcard::to_allocvec(&value).unwrap();
                same::<$ty>(&bytes);
                assert_eq!(ours::<$ty>(&bytes).unwrap().0, value);
            }
            // each power of two and its neighbours: every varint length's edges
            for shift in 0..<$ty>::BITS - 1 {
                for value in [(1 as $ty) << shift, ((1 as $ty) << shift) - 1, ((1 as $ty) << shift).wrapping_neg()] {
                    let mut bytes = postcard::to_allocvec(&value).unwrap();
                    assert_eq!(ours::<$ty>(&bytes).unwrap().0, value, "{value}");
                    bytes.extend_from_slice(&[0xAA; 8]); // and with bytes after it
                    same::<$ty>(&bytes);
                }
            }
            let mut random = Bytes(0x9E37_79B9_7F4A_7C15 ^ <$ty>::BITS as u64);
            for _ in 0..20_000 {
                same::<$ty>(&random.fill(24));
            }
        )*};
    }
    width!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);
    let mut random = Bytes(7);
    for _ in 0..20_000 {
        let bytes = random.fill(24);
        same::<usize>(&bytes);
        same::<isize>(&bytes);
    }
}

/// The varints postcard refuses, refused the same way, and where the
/// decoder stopped.
#[test]
fn overlong_and_overflowing_varints_are_refused_per_width() {
    fn refused<'de, T: Deserialize<'de> + Serialize + Debug>(
        bytes: &'de [u8],
        error: DecodeError,
        used: usize,
    ) {
        same::<T>(bytes);
        let mut decoder = Decoder::new(bytes, 256, 0);
        assert_eq!(T::deserialize(&mut decoder).err(), Some(Fail::Bytes(error)), "{bytes:02X?}");
        assert_eq!(bytes.len() - decoder.rest().len(), used, "{bytes:02X?}");
    }
    // (longest encoding, largest last byte)
    for (max, last) in [(3, 0x03u8), (5, 0x0F), (10, 0x01), (19, 0x03)] {
        let mut longest = vec![0xFF; max - 1];
        longest.push(last);
        let mut over = vec![0xFF; max - 1];
        over.push(last + 1);
        let mut too_long = vec![0x80; max];
        too_long.push(0);
        let cut = vec![0x80; max - 1];
        // with and without bytes after them: the fast paths look ahead
        for tail in [&[][..], &[0u8; 8][..]] {
            let with = |bytes: &[u8]| [bytes, tail].concat();
            match max {
                3 => {
                    assert_eq!(ours::<u16>(&with(&longest)).unwrap().0, u16::MAX);
                    refused::<u16>(&with(&over), DecodeError::Varint, max);
                    refused::<u16>(&with(&too_long), DecodeError::Varint, max);
                    refused::<i16>(&with(&over), DecodeError::Varint, max);
                }
                5 => {
                    assert_eq!(ours::<u32>(&with(&longest)).unwrap().0, u32::MAX);
                    refused::<u32>(&with(&over), DecodeError::Varint, max);
                    refused::<u32>(&with(&too_long), DecodeError::Varint, max);
                    refused::<i32>(&with(&over), DecodeError::Varint, max);
                    // an enum's variant index is a u32
                    refused::<Shape>(&with(&over), DecodeError::Varint, max);
                }
                10 => {
                    assert_eq!(ours::<u64>(&with(&longest)).unwrap().0, u64::MAX);
                    refused::<u64>(&with(&over), DecodeError::Varint, max);
                    refused::<u64>(&with(&too_long), DecodeError::Varint, max);
                    refused::<i64>(&with(&over), DecodeError::Varint, max);
                    // lengths are usize varints
                    refused::<Vec<u8>>(&with(&over), DecodeError::Varint, max);
                    refused::<String>(&with(&too_long), DecodeError::Varint, max);
                }
                _ => {
                    assert_eq!(ours::<u128>(&with(&longest)).unwrap().0, u128::MAX);
                    refused::<u128>(&with(&over), DecodeError::Varint, max);
                    refused::<u128>(&with(&too_long), DecodeError::Varint, max);
                    refused::<i128>(&with(&over), DecodeError::Varint, max);
                }
            }
        }
        // cut short inside the varint: the end, after every byte was read
        match max {
            3 => refused::<u16>(&cut, DecodeError::UnexpectedEnd, cut.len()),
            5 => refused::<u32>(&cut, DecodeError::UnexpectedEnd, cut.len()),
            10 => refused::<u64>(&cut, DecodeError::UnexpectedEnd, cut.len()),
            _ => refused::<u128>(&cut, DecodeError::UnexpectedEnd, cut.len()),
        }
    }
    // longer encodings than needed are read, as postcard reads them
    same::<u32>(&[0x80, 0x80, 0x00]);
    assert_eq!(ours::<u32>(&[0x80, 0x80, 0x80, 0x80, 0x00]).unwrap().0, 0);
    assert_eq!(ours::<u16>(&[0xFF, 0x80, 0x00, 0x55]).unwrap(), (0x7F, &[0x55][..]));
}

#[test]
fn bools_options_and_floats() {
    for byte in 0..=255u8 {
        same::<bool>(&[byte]);
        same::<Option<u8>>(&[byte, 7]);
        same::<Option<()>>(&[byte]);
    }
    assert_eq!(ours::<bool>(&[2]).err(), Some(Fail::Bytes(DecodeError::Bool)));
    assert_eq!(ours::<Option<u8>>(&[2, 0]).err(), Some(Fail::Bytes(DecodeError::OptionTag)));
    same::<bool>(&[]);
    same::<Option<u8>>(&[1]);
    for bits in [0u64, 1, 0x8000_0000_0000_0000, 0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0001, u64::MAX] {
        let bytes = bits.to_le_bytes();
        assert_eq!(ours::<f64>(&bytes).unwrap().0.to_bits(), bits);
        assert_eq!(ours::<f32>(&bytes[..4]).unwrap().0.to_bits(), bits as u32);
        for cut in 0..8 {
            same::<u8>(&bytes[..cut]);
            assert_eq!(ours::<f64>(&bytes[..cut]).err(), Some(Fail::Bytes(DecodeError::UnexpectedEnd)));
        }
    }
}

#[test]
fn chars_are_exactly_one_utf8_char() {
    let cases: &[&[u8]] = &[
        &[0],
        &[1, b'a'],
        &[2, 0xC3, 0xA9],
        &[3, 0xE2, 0x82, 0xAC],
        &[4, 0xF0, 0x9F, 0x98, 0x80],
        &[2, b'a', b'b'],                   // two chars
        &[3, 0xED, 0xA0, 0x80],             // a surrogate
        &[2, 0xC0, 0x80],                   // overlong
        &[1, 0x80],                         // a lone continuation byte
        &[5, b'a', b'b', b'c', b'd', b'e'], // longer than any char
        &[4, 0xF0, 0x9F, 0x98],             // cut short
        &[0x80, 0x00, b'a'],                // a longer length varint than needed
    ];
    for bytes in cases {
        same::<char>(bytes);
    }
    assert_eq!(ours::<char>(&[4, 0xF0, 0x9F, 0x98, 0x80]).unwrap().0, '😀');
    assert_eq!(ours::<char>(&[2, b'a', b'b']).err(), Some(Fail::Bytes(DecodeError::Char)));
    assert_eq!(ours::<char>(&[5, b'a', b'b', b'c', b'd', b'e']).err(), Some(Fail::Bytes(DecodeError::Char)));
    let mut random = Bytes(11);
    for _ in 0..20_000 {
        let mut bytes = random.fill(6);
        if let Some(len) = bytes.first_mut() {
            *len &= 7;
        }
        same::<char>(&bytes);
    }
}

#[test]
fn strings_and_bytes_borrow_from_the_input() {
    let bytes = postcard::to_allocvec(&("borrowed", &b"raw"[..])).unwrap();
    let ((text, raw), rest) = ours::<(&str, &[u8])>(&bytes).unwrap();
    assert!(rest.is_empty());
    let range = bytes.as_ptr_range();
    assert!(range.contains(&text.as_ptr()), "the &str was copied");
    assert!(range.contains(&raw.as_ptr()), "the &[u8] was copied");
    assert_eq!((text, raw), ("borrowed", &b"raw"[..]));
    same::<(String, Vec<u8>)>(&bytes);

    same::<&str>(&[2, 0xC3, 0x28]);
    assert_eq!(ours::<String>(&[2, 0xC3, 0x28]).err(), Some(Fail::Bytes(DecodeError::Utf8)));
    assert_eq!(ours::<&str>(&[5, b'a']).err(), Some(Fail::Bytes(DecodeError::UnexpectedEnd)));
    let mut random = Bytes(13);
    for _ in 0..20_000 {
        let bytes = random.fill(12);
        same::<&str>(&bytes);
        same::<&[u8]>(&bytes);
        same::<String>(&bytes);
        same::<Vec<u8>>(&bytes);
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Dot,
    Circle(f32),
    Line { from: (i16, i16), to: (i16, i16) },
    Poly(Vec<(u8, u8)>),
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Id(u64);

/// A struct whose fields are all zero-sized, and one of a few bytes.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Units {
    a: (),
    b: (),
    c: (),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Point {
    x: u8,
    y: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Everything {
    small: (u8, i8, u16, i16),
    wide: (u32, i32, u64, i64, u128, i128),
    flag: bool,
    letter: char,
    name: String,
    bytes: Vec<u8>,
    maybe: Option<Id>,
    unit: Unit,
    nothing: (),
    shapes: Vec<Shape>,
    table: BTreeMap<u16, Option<String>>,
    array: [i32; 3],
}

fn everything() -> Everything {
    Everything {
        small: (255, -128, 65535, -32768),
        wide: (u32::MAX, i32::MIN, u64::MAX, i64::MIN, u128::MAX, i128::MIN),
        flag: true,
        letter: 'ß',
        name: "brine".into(),
        bytes: vec![0, 1, 0xFF],
        maybe: Some(Id(300)),
        unit: Unit,
        nothing: (),
        shapes: vec![
            Shape::Dot,
            Shape::Circle(1.5),
            Shape::Line { from: (-1, 2), to: (300, -400) },
            Shape::Poly(vec![(1, 2), (3, 4)]),
        ],
        table: BTreeMap::from([(1, None), (20_000, Some("x".into()))]),
        array: [-1, 0, i32::MAX],
    }
}

/// A value of every kind round trips; then its bytes, damaged in every way
/// a fuzzer would start with, read as postcard reads them.
#[test]
fn whole_values_and_their_damaged_bytes_read_as_postcard_reads_them() {
    let value = everything();
    let bytes = postcard::to_allocvec(&value).unwrap();
    assert_eq!(ours::<Everything>(&bytes).unwrap(), (value, &[][..]));
    for cut in 0..bytes.len() {
        same::<Everything>(&bytes[..cut]);
    }
    for at in 0..bytes.len() {
        for mask in [0x01u8, 0x02, 0x40, 0x80, 0xFF] {
            let mut damaged = bytes.clone();
            damaged[at] ^= mask;
            same::<Everything>(&damaged);
        }
    }
    let mut random = Bytes(17);
    for _ in 0..20_000 {
        same::<Everything>(&random.fill(64));
        same::<Vec<Shape>>(&random.fill(24));
        same::<BTreeMap<u8, Option<bool>>>(&random.fill(16));
    }
}

#[test]
fn self_describing_calls_are_unsupported() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Untagged {
        Number(u8),
    }
    same::<Untagged>(&[1]);
    assert_eq!(ours::<Untagged>(&[1]).err(), Some(Fail::Unsupported));
    assert_eq!(ours::<serde::de::IgnoredAny>(&[1]).err(), Some(Fail::Unsupported));
    assert!(!serde::Deserializer::is_human_readable(&&mut Decoder::new(&[], 1, 0)));
}

/// The limits stop the decode where limit.rs stopped it: each struct, enum,
/// sequence, map, tuple, option, newtype and unit struct is a level.
#[test]
fn every_nesting_kind_is_a_level() {
    fn depth<T: Serialize + for<'de> Deserialize<'de>>(value: &T) -> u32 {
        let bytes = postcard::to_allocvec(value).unwrap();
        (0..64)
            .find(|&max| {
                let mut decoder = Decoder::new(&bytes, max, 100);
                T::deserialize(&mut decoder).is_ok()
            })
            .unwrap()
    }
    assert_eq!(depth(&1u8), 0);
    assert_eq!(depth(&Some(1u8)), 1);
    assert_eq!(depth(&None::<u8>), 1);
    assert_eq!(depth(&Unit), 1);
    assert_eq!(depth(&Id(1)), 1);
    assert_eq!(depth(&(1u8, 2u8)), 1);
    assert_eq!(depth(&[1u8; 3]), 1);
    assert_eq!(depth(&vec![1u8]), 1);
    assert_eq!(depth(&Vec::<Vec<u8>>::new()), 1);
    assert_eq!(depth(&vec![vec![1u8]]), 2);
    assert_eq!(depth(&BTreeMap::from([(1u8, 2u8)])), 1);
    assert_eq!(depth(&Shape::Dot), 1);
    // a variant's fields are a level of their enum; the tuples in it are one more
    assert_eq!(depth(&Shape::Circle(1.0)), 1);
    assert_eq!(depth(&Shape::Line { from: (0, 0), to: (0, 0) }), 2);
    assert_eq!(depth(&Shape::Poly(vec![(1, 2)])), 3);
    assert_eq!(depth(&Some(Some(Id(1)))), 3);
    // the same inside a sequence, whose elements read their own copy of the bytes
    assert_eq!(depth(&vec![Some(1u8)]), 2);
    assert_eq!(depth(&vec![None::<u8>]), 2);
    assert_eq!(depth(&vec![Unit]), 2);
    assert_eq!(depth(&vec![Id(1)]), 2);
    assert_eq!(depth(&vec![(1u8, 2u8)]), 2);
    assert_eq!(depth(&vec![Point { x: 1, y: 2 }]), 2);
    assert_eq!(depth(&vec![vec![Point { x: 1, y: 2 }]]), 3);
    assert_eq!(depth(&vec![Some(Point { x: 1, y: 2 })]), 3);
    assert_eq!(depth(&vec![[1u8; 3]]), 2);
    assert_eq!(depth(&vec![BTreeMap::from([(1u8, 2u8)])]), 2);
    assert_eq!(depth(&vec![Shape::Line { from: (0, 0), to: (0, 0) }]), 3);
    assert_eq!(depth(&(1u8, vec![Some(Some(Id(1)))])), 5);

    let mut decoder = Decoder::new(&[1, 1, 1, 0], 2, 0);
    assert_eq!(Option::<Option<Option<u8>>>::deserialize(&mut decoder).err(), Some(Fail::Limit));
    assert_eq!(decoder.exceeded(), Some(super::Exceeded::Depth));
}

/// A refusal deep inside sequences leaves the decoder just past the byte
/// refused, as one at the top does: each sequence hands its copy of the
/// bytes back however its elements end.
#[test]
fn a_refusal_inside_sequences_is_placed_where_it_was_read() {
    type Value = Vec<(u8, Vec<Option<bool>>)>;
    let value: Value = vec![(7, vec![Some(true), None]); 3];
    let bytes = postcard::to_allocvec(&value).unwrap();
    // the length, then per element: 7, the length 2, Some's tag, the bool, None's tag
    assert_eq!(bytes.len(), 1 + 3 * 5);
    for element in 0..3 {
        let start = 1 + 5 * element;
        for (at, refusal) in
            [(2, DecodeError::OptionTag), (3, DecodeError::Bool), (4, DecodeError::OptionTag)]
        {
            let mut damaged = bytes.clone();
            damaged[start + at] = 2;
            let mut decoder = Decoder::new(&damaged, 256, 0);
            assert_eq!(Value::deserialize(&mut decoder).err(), Some(Fail::Bytes(refusal)), "{damaged:02X?}");
            assert_eq!(decoder.rest(), &damaged[start + at + 1..], "{damaged:02X?}");
        }
    }
    // and a value that ends early, anywhere: the decoder is left at the end
    // (an allowance for the elements, so that the bytes run out first)
    for len in 0..bytes.len() {
        let mut decoder = Decoder::new(&bytes[..len], 256, 1 << 20);
        let refusal = Value::deserialize(&mut decoder).err();
        assert_eq!(refusal, Some(Fail::Bytes(DecodeError::UnexpectedEnd)), "{len}");
        assert_eq!(decoder.rest(), &[] as &[u8], "{len}");
    }
}

/// The element budget: counted up front when the bytes left could hold the
/// elements, one by one otherwise.
#[test]
fn elements_count_against_the_payload_and_the_allowance() {
    // a thousand units in two bytes: within an allowance of 998, not 997
    let bytes = postcard::to_allocvec(&vec![(); 1000]).unwrap();
    assert_eq!(bytes.len(), 2);
    assert_eq!(ours_with::<Vec<()>>(&bytes, 998).unwrap().len(), 1000);
    let mut decoder = Decoder::new(&bytes, 8, 997);
    assert_eq!(Vec::<()>::deserialize(&mut decoder).err(), Some(Fail::Limit));
    assert_eq!(decoder.exceeded(), Some(super::Exceeded::Elements));

    // more bytes claimed than there are: the bytes run out first
    let mut decoder = Decoder::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2], 8, 0);
    assert_eq!(Vec::<u8>::deserialize(&mut decoder).err(), Some(Fail::Bytes(DecodeError::UnexpectedEnd)));
    assert_eq!(decoder.exceeded(), None);

    // a map's entries count up front, whatever the bytes left
    let mut decoder = Decoder::new(&[0xFF, 0x01], 8, 100);
    assert_eq!(BTreeMap::<u8, u8>::deserialize(&mut decoder).err(), Some(Fail::Limit));
    assert_eq!(decoder.exceeded(), Some(super::Exceeded::Elements));

    // struct fields are elements too
    let bytes = postcard::to_allocvec(&everything()).unwrap();
    assert!(ours_with::<Everything>(&bytes, 0).is_ok());

    // also a struct's inside a sequence, which reads its fields in the
    // sequence's bytes: ten elements of three zero-sized fields each in one
    // byte (the length) count 40, one by one
    let units = vec![Units { a: (), b: (), c: () }; 10];
    let bytes = postcard::to_allocvec(&units).unwrap();
    assert_eq!(bytes.len(), 1);
    assert_eq!(ours_with::<Vec<Units>>(&bytes, 39).unwrap(), units);
    let mut decoder = Decoder::new(&bytes, 8, 38);
    assert_eq!(Vec::<Units>::deserialize(&mut decoder).err(), Some(Fail::Limit));
    assert_eq!(decoder.exceeded(), Some(super::Exceeded::Elements));
    // and counted up front where the bytes could hold them: ten elements
    // of two fields, 30 in 21 bytes
    let points = vec![Point { x: 1, y: -2 }; 10];
    let bytes = postcard::to_allocvec(&points).unwrap();
    assert_eq!(bytes.len(), 21);
    assert_eq!(ours_with::<Vec<Point>>(&bytes, 9).unwrap(), points);
    let mut decoder = Decoder::new(&bytes, 8, 8);
    assert_eq!(Vec::<Point>::deserialize(&mut decoder).err(), Some(Fail::Limit));
    assert_eq!(decoder.exceeded(), Some(super::Exceeded::Elements));
}

/// A struct or enum inside a sequence reads its fields from the
/// sequence's bytes: each way its bytes can be damaged or cut is refused
/// where postcard refuses it, and leaves the decoder just past what was
/// read.
#[test]
fn structs_and_enums_inside_sequences_read_as_postcard_reads_them() {
    type Value = Vec<(Point, Vec<Point>, Option<Point>, Vec<Shape>)>;
    let point = |x: u8| Point { x, y: -1_000_000_007 * i64::from(x) };
    let shapes = || {
        vec![
            Shape::Line { from: (1, -2), to: (300, -400) },
            Shape::Dot,
            Shape::Circle(1.5),
            Shape::Poly(vec![(1, 2), (3, 4)]),
        ]
    };
    let value: Value = vec![
        (point(1), vec![point(2), point(3)], Some(point(4)), shapes()),
        (point(5), vec![], None, vec![]),
    ];
    let bytes = postcard::to_allocvec(&value).unwrap();
    same::<Value>(&bytes);
    for len in 0..bytes.len() {
        same::<Value>(&bytes[..len]);
        let mut decoder = Decoder::new(&bytes[..len], 256, 1 << 20);
        assert!(Value::deserialize(&mut decoder).is_err(), "{len}");
        // at the end, but for a cut float's bytes, left unread as postcard leaves them
        assert!(decoder.rest().len() < 4 && bytes[..len].ends_with(decoder.rest()), "{len}");
    }
    for at in 0..bytes.len() {
        for byte in [0x00, 0x02, 0x80, 0xFF] {
            let mut damaged = bytes.clone();
            damaged[at] = byte;
            same::<Value>(&damaged);
        }
    }
}

fn ours_with<'de, T: Deserialize<'de>>(bytes: &'de [u8], max_zero_sized: u64) -> Result<T, Fail> {
    let mut decoder = Decoder::new(bytes, 256, max_zero_sized);
    T::deserialize(&mut decoder)
}

/// The byte loop's reading: what [`varint_word`](super::varint_word) must
/// agree with (value and bytes used, or the same refusal and offset).
fn byte_at_a_time<const BITS: u32>(input: &[u8]) -> (u64, usize) {
    match super::varint_bytes::<BITS>(input) {
        (Ok(value), used) => (value, used),
        (Err(DecodeError::UnexpectedEnd), used) => (0, used | super::FAILED),
        (Err(_), used) => (1, used | super::FAILED),
    }
}

/// Varints of every length 1..=11 in inputs of every length 0..=12 (under
/// 8 bytes the byte loop reads them, from 8 on the word), each group's bits
/// from a set of edges: read as the byte loop and postcard read them.
#[test]
fn varints_read_a_word_at_a_time_as_a_byte_at_a_time() {
    const LOW: [u8; 6] = [0x00, 0x01, 0x0F, 0x10, 0x7E, 0x7F];
    let mut random = Bytes(0xDEAD_BEEF);
    for varint_len in 1..=11usize {
        for input_len in 0..=12usize {
            for _ in 0..300 {
                let input: Vec<u8> = (0..input_len)
                    .map(|i| {
                        let low = if random.next().is_multiple_of(2) {
                            LOW[(random.next() % 6) as usize]
                        } else {
                            random.next() as u8 & 0x7F
                        };
                        let more = match (i + 1).cmp(&varint_len) {
                            std::cmp::Ordering::Less => 0x80,
                            std::cmp::Ordering::Equal => 0,
                            std::cmp::Ordering::Greater => random.next() as u8 & 0x80,
                        };
                        low | more
                    })
                    .collect();
                assert_eq!(super::varint_long::<16>(&input), byte_at_a_time::<16>(&input), "{input:02X?}");
                assert_eq!(super::varint_long::<32>(&input), byte_at_a_time::<32>(&input), "{input:02X?}");
                assert_eq!(super::varint_long::<64>(&input), byte_at_a_time::<64>(&input), "{input:02X?}");
                same::<u32>(&input);
                same::<i64>(&input);
            }
        }
    }
}

/// A list whose first `panics` elements are read as a sequence (or a
/// tuple of `tuple` elements) whose visitor panics before reading, the
/// others as `u8`s or units; the list catches the panics and reads on. Its
/// value: how many elements it read, and the size hints it was given after
/// each.
#[derive(Debug, PartialEq)]
struct Survivor {
    elements: usize,
    hints: Vec<Option<usize>>,
}

/// What [`Survivor`]'s elements are read as, after the one that panics.
#[derive(Clone, Copy)]
enum Rest {
    Bytes,
    Units,
}

struct SurvivorSeed {
    panics: usize,
    tuple: Option<usize>,
    rest: Rest,
}

impl<'de> serde::de::DeserializeSeed<'de> for SurvivorSeed {
    type Value = Survivor;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Survivor, D::Error> {
        use serde::de::{DeserializeSeed, SeqAccess, Visitor};
        use std::panic::{AssertUnwindSafe, catch_unwind};

        struct Panics;
        impl<'de> Visitor<'de> for Panics {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("nothing")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<(), A::Error> {
                panic!("an element's visitor panics");
            }
        }
        struct Element(bool, Option<usize>, Rest);
        impl<'de> DeserializeSeed<'de> for Element {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                match self {
                    Element(true, Some(len), _) => d.deserialize_tuple(len, Panics),
                    Element(true, None, _) => d.deserialize_seq(Panics),
                    Element(false, _, Rest::Bytes) => u8::deserialize(d).map(drop),
                    Element(false, _, Rest::Units) => <()>::deserialize(d),
                }
            }
        }
        struct List(usize, Option<usize>, Rest);
        impl<'de> Visitor<'de> for List {
            type Value = Survivor;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Survivor, A::Error> {
                let mut survivor = Survivor { elements: 0, hints: Vec::new() };
                loop {
                    let panics = survivor.elements < self.0;
                    let read = catch_unwind(AssertUnwindSafe(|| {
                        seq.next_element_seed(Element(panics, self.1, self.2))
                    }));
                    match read {
                        Ok(Ok(Some(()))) | Err(_) => survivor.elements += 1,
                        Ok(Ok(None)) => return Ok(survivor),
                        Ok(Err(error)) => return Err(error),
                    }
                    survivor.hints.push(seq.size_hint());
                }
            }
        }
        deserializer.deserialize_seq(List(self.panics, self.tuple, self.rest))
    }
}

/// Reads `bytes` as a [`Survivor`] with postcard's decoder and brine's.
fn survivors(bytes: &[u8], panics: usize, tuple: Option<usize>, rest: Rest) {
    use serde::de::DeserializeSeed;
    let seed = || SurvivorSeed { panics, tuple, rest };
    let mut theirs = postcard::Deserializer::from_bytes(bytes);
    let theirs = seed().deserialize(&mut theirs).map(|value| value.elements);
    let mut decoder = Decoder::new(bytes, 256, 1 << 20);
    let mine = seed().deserialize(&mut decoder);
    assert_eq!(theirs.ok(), mine.as_ref().ok().map(|value| value.elements), "{bytes:02X?}: {mine:?}");
    if let Ok(mine) = mine {
        assert!(mine.hints.iter().flatten().all(|&hint| hint <= bytes.len()), "{bytes:02X?}: {mine:?}");
    }
}

/// A panic caught inside a sequence leaves the sequence as it was: an
/// inner sequence's uncounted elements are not the outer one's, whichever
/// of the two counted its elements up front (both read postcard's values
/// before the decoder put the uncounted count back on unwind too).
#[test]
fn a_caught_panic_leaves_the_outer_sequence_its_own_count() {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    // a list of 1 (counted); its element claims 2 with 1 byte left
    survivors(&[0x01, 0x02, 0x07], 1, None, Rest::Bytes);
    // a list of 3 units in 1 byte (uncounted); its first element is an
    // empty list (counted)
    survivors(&[0x03, 0x00], 1, None, Rest::Units);
    // an element that announces a tuple of usize::MAX: the list's size hint
    // after it neither overflows nor passes the bytes left
    survivors(&[0x02, 0x05], 1, Some(usize::MAX), Rest::Bytes);
    std::panic::set_hook(quiet);
}

/// Each panic caught inside a sequence leaves the levels it entered: three
/// hundred of them in a row stay within the depth limit of 256.
#[test]
fn caught_panics_leave_their_levels() {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    // 301 elements: 300 that panic in a tuple of one (a level each) before
    // reading, then a byte
    let mut bytes = postcard::to_allocvec(&301usize).unwrap();
    bytes.push(0x07);
    survivors(&bytes, 300, Some(1), Rest::Bytes);
    std::panic::set_hook(quiet);
}
