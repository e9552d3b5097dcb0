//! Every shape of the serde data model goes through an envelope and comes back equal.

#![allow(clippy::unwrap_used)] // test helpers fail the test by panicking

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

fn round_trip<T>(value: &T) -> T
where
    T: Serialize + DeserializeOwned + Debug,
{
    let bytes = brine_io::dump(value).unwrap();
    let back: T = brine_io::load(&bytes).unwrap();
    // the streaming writers produce the very same bytes
    let mut streamed = Vec::new();
    brine_io::dump_into(value, &mut streamed).unwrap();
    assert_eq!(streamed, bytes, "dump_into differs from dump for {value:?}");
    let mut seekable = std::io::Cursor::new(Vec::new());
    brine_io::dump_into_seekable(value, &mut seekable).unwrap();
    assert_eq!(seekable.into_inner(), bytes, "dump_into_seekable differs for {value:?}");
    back
}

/// The value as read back by `load_from` from a reader.
fn read_back<T: Serialize + DeserializeOwned>(value: &T) -> T {
    let bytes = brine_io::dump(value).unwrap();
    brine_io::load_from(bytes.as_slice()).unwrap()
}

fn same<T>(value: T)
where
    T: Serialize + DeserializeOwned + Debug + PartialEq,
{
    assert_eq!(round_trip(&value), value);
    assert_eq!(read_back(&value), value);
}

#[test]
fn integers_of_every_width() {
    same(0u8);
    same(u8::MAX);
    same(i8::MIN);
    same(u16::MAX);
    same(i16::MIN);
    same(u32::MAX);
    same(i32::MIN);
    same(u64::MAX);
    same(i64::MIN);
    same(u128::MAX);
    same(i128::MIN);
    same(i128::MAX);
    same(usize::MAX);
    same(isize::MIN);
    same(-1i64);
}

#[test]
fn floats_including_special_values() {
    for value in [0.0f64, -0.0, 1.5, f64::MIN_POSITIVE, f64::MAX, f64::INFINITY, f64::NEG_INFINITY, 1e-310] {
        let back = round_trip(&value);
        assert_eq!(back.to_bits(), value.to_bits(), "{value:?}");
        assert_eq!(read_back(&value).to_bits(), value.to_bits(), "{value:?}");
    }
    for value in [0.0f32, -0.0, 3.25, f32::INFINITY, f32::NEG_INFINITY, f32::MAX] {
        assert_eq!(round_trip(&value).to_bits(), value.to_bits(), "{value:?}");
    }
    assert!(round_trip(&f64::NAN).is_nan());
    assert!(round_trip(&f32::NAN).is_nan());
    // a NaN with a payload keeps its bits
    let odd_nan = f64::from_bits(0x7ff8_0000_dead_beef);
    assert_eq!(round_trip(&odd_nan).to_bits(), odd_nan.to_bits());
}

#[test]
fn chars_strings_and_bools() {
    same('a');
    same('\u{10FFFF}');
    same('é');
    same(true);
    same(false);
    same(String::new());
    same(String::from("héllo, wörld — ✓ \u{0} \n"));
    same("x".repeat(100_000));
}

#[test]
fn borrowed_str_and_bytes_are_zero_copy() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct View<'a> {
        name: &'a str,
        #[serde(with = "serde_bytes_like")]
        raw: &'a [u8],
    }
    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'de [u8], D::Error> {
            <&[u8] as serde::Deserialize>::deserialize(d)
        }
    }
    let bytes = brine_io::dump(&View { name: "borrowed", raw: &[1, 2, 3] }).unwrap();
    let view: View = brine_io::load(&bytes).unwrap();
    assert_eq!(view, View { name: "borrowed", raw: &[1, 2, 3] });
    let range = bytes.as_ptr_range();
    assert!(range.contains(&view.name.as_ptr()), "the &str points into the buffer");
    assert!(range.contains(&view.raw.as_ptr()), "the &[u8] points into the buffer");
    // a bare &str too, and it loads as String as well
    let bytes = brine_io::dump("plain").unwrap();
    let text: &str = brine_io::load(&bytes).unwrap();
    assert!(range_of(&bytes).contains(&text.as_ptr()));
    assert_eq!(brine_io::load::<String>(&bytes).unwrap(), "plain");
}

fn range_of(bytes: &[u8]) -> std::ops::Range<*const u8> {
    bytes.as_ptr_range()
}

#[test]
fn sequences_arrays_tuples_and_unit() {
    same(Vec::<u8>::new());
    same(vec![1u16, 2, 3]);
    same([1u8, 2, 3, 4]);
    same([[0i32; 3]; 2]);
    same(());
    same((1u8,));
    same((1u8, "two".to_string(), 3.0f64, '4', [5u8; 2]));
    same(vec![vec![vec![1i8]], vec![], vec![vec![], vec![-1, 2]]]);
    same(std::collections::VecDeque::from([1, 2, 3]));
}

#[test]
fn options() {
    same(None::<u8>);
    same(Some(7u8));
    same(Some(None::<u8>));
    same(Some(Some(String::from("deep"))));
    same(vec![Some(1u32), None, Some(3)]);
}

#[test]
fn maps_and_sets() {
    same(HashMap::<String, u32>::new());
    same(HashMap::from([("a".to_string(), 1u32), ("b".to_string(), 2)]));
    same(BTreeMap::from([(1u8, vec!["x".to_string()]), (2, vec![])]));
    same(HashSet::from([1u64, 2, 3]));
    same(BTreeSet::from(['a', 'b']));
    same(HashMap::from([((1u8, 2u8), Some(BTreeSet::from([3u8])))]));
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Newtype(u32);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Pair(i16, String);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Inner {
    id: u64,
    tags: Vec<String>,
    weight: Option<f32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Outer {
    name: String,
    inner: Inner,
    children: Vec<Inner>,
    lookup: BTreeMap<String, Inner>,
    unit: Unit,
    newtype: Newtype,
    pair: Pair,
    kinds: Vec<Kind>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Kind {
    Unit,
    Newtype(u8),
    Tuple(u8, String),
    Struct { x: i32, y: i32 },
    Nested(Box<Kind>),
}

#[test]
fn structs_and_every_enum_variant_kind() {
    same(Unit);
    same(Newtype(9));
    same(Pair(-3, "p".into()));
    same(Kind::Unit);
    same(Kind::Newtype(1));
    same(Kind::Tuple(2, "t".into()));
    same(Kind::Struct { x: -1, y: 1 });
    same(Kind::Nested(Box::new(Kind::Nested(Box::new(Kind::Unit)))));
    let inner = Inner { id: 1, tags: vec!["a".into()], weight: Some(0.5) };
    same(Outer {
        name: "outer".into(),
        inner: inner.clone(),
        children: vec![inner.clone(), Inner { id: 2, tags: vec![], weight: None }],
        lookup: BTreeMap::from([("k".into(), inner)]),
        unit: Unit,
        newtype: Newtype(5),
        pair: Pair(1, "one".into()),
        kinds: vec![Kind::Unit, Kind::Newtype(3), Kind::Struct { x: 0, y: 0 }],
    });
}

#[test]
fn empty_collections() {
    same(Vec::<Vec<u8>>::new());
    same(String::new());
    same(BTreeMap::<u8, u8>::new());
    same(HashSet::<String>::new());
    same(Vec::<()>::new());
}

#[test]
fn a_million_elements() {
    let big: Vec<u64> = (0..1_000_000u64).map(|i| i * 2654435761 % 1_000_003).collect();
    let bytes = brine_io::dump(&big).unwrap();
    assert_eq!(brine_io::load::<Vec<u64>>(&bytes).unwrap(), big);
    let floats: Vec<f64> = (0..1_000_000).map(|i| i as f64 / 7.0).collect();
    same(floats);
}

#[test]
fn several_envelopes_read_back_to_back_from_one_stream() {
    let mut stream = Vec::new();
    brine_io::dump_into(&1u8, &mut stream).unwrap();
    brine_io::dump_into("two", &mut stream).unwrap();
    let mut reader = stream.as_slice();
    assert_eq!(brine_io::load_from::<u8, _>(&mut reader).unwrap(), 1);
    assert_eq!(brine_io::load_from::<String, _>(&mut reader).unwrap(), "two");
    assert!(reader.is_empty());
}

/// The dump of a value is the same bytes whatever the thread dumped before
/// (the writer keeps the shape table of a fixed type between dumps; it must
/// never change what is written).
#[test]
fn a_dump_does_not_depend_on_earlier_dumps() {
    #[derive(Serialize, Debug)]
    struct Fixed {
        a: u32,
        b: (i8, String),
    }
    #[derive(Serialize, Debug)]
    struct Varying {
        a: Option<Vec<u8>>,
    }
    let fresh = |f: fn() -> Vec<u8>| std::thread::spawn(f).join().unwrap();

    let first = brine_io::dump(&Fixed { a: 1, b: (2, "x".into()) }).unwrap();
    let second = brine_io::dump(&Fixed { a: 3, b: (-4, "yz".into()) }).unwrap();
    assert_eq!(first, fresh(|| brine_io::dump(&Fixed { a: 1, b: (2, "x".into()) }).unwrap()));
    assert_eq!(second, fresh(|| brine_io::dump(&Fixed { a: 3, b: (-4, "yz".into()) }).unwrap()));

    brine_io::dump(&Varying { a: Some(vec![1, 2]) }).unwrap();
    let none = brine_io::dump(&Varying { a: None }).unwrap();
    assert_eq!(none, fresh(|| brine_io::dump(&Varying { a: None }).unwrap()));

    // appending into a reused buffer writes the same bytes as a new dump
    let mut buf = b"kept".to_vec();
    brine_io::dump_append(&Varying { a: None }, &mut buf).unwrap();
    assert_eq!(&buf[..4], b"kept");
    assert_eq!(&buf[4..], &none[..]);
}

/// A dump starts with room for what the last dump of its type took, but
/// a small value after a huge one gets a small buffer, and either comes out
/// whole.
#[test]
fn a_small_dump_after_a_huge_one_allocates_little() {
    let huge = vec![7u8; 4 << 20];
    let bytes = brine_io::dump(&huge).unwrap();
    assert_eq!(brine_io::load::<Vec<u8>>(&bytes).unwrap(), huge);
    let small = brine_io::dump(&vec![1u8, 2, 3]).unwrap();
    assert!(small.capacity() <= 64 * 1024 + 1024, "{} bytes for {}", small.capacity(), small.len());
    assert_eq!(brine_io::load::<Vec<u8>>(&small).unwrap(), [1, 2, 3]);
    // the other way round: a value that outgrows the room it was given
    let again = brine_io::dump(&huge).unwrap();
    assert_eq!(again, bytes);
}

/// A failed append leaves the caller's buffer as it was.
#[test]
fn a_failed_append_leaves_the_buffer_alone() {
    struct Refuses;
    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = s.serialize_seq(Some(3))?;
            seq.serialize_element(&1u8)?;
            Err(serde::ser::Error::custom("no more"))
        }
    }
    let mut buf = b"before".to_vec();
    let error = brine_io::dump_append(&Refuses, &mut buf).unwrap_err();
    assert!(error.to_string().contains("no more"), "{error}");
    assert_eq!(buf, b"before");
}

/// A seekable writer gets the same bytes as `dump`, from where it stands:
/// a small envelope in one write, a large one with its header written last.
#[test]
fn seekable_dumps_start_where_the_writer_stands() {
    use std::io::{Cursor, Seek, SeekFrom};
    for len in [3usize, 70_000, 300_000] {
        let value: Vec<u32> = (0..len as u32).collect();
        let expected = brine_io::dump(&value).unwrap();
        let mut file = Cursor::new(b"prefix".to_vec());
        file.seek(SeekFrom::End(0)).unwrap();
        brine_io::dump_into_seekable(&value, &mut file).unwrap();
        assert_eq!(file.position() as usize, 6 + expected.len(), "len {len}");
        assert_eq!(&file.get_ref()[..6], b"prefix");
        assert_eq!(&file.get_ref()[6..], &expected[..], "len {len}");
    }
}

/// The benchmarks' dump without a shape table is a version 1 envelope of the
/// same payload, which loads with the name check alone.
#[cfg(feature = "bench-internals")]
#[test]
fn a_dump_without_shapes_is_a_version_1_envelope_of_the_same_payload() {
    let value = (vec![1u32, 2, 3], "text".to_string(), Some(2.5f64));
    let plain = brine_io::dump_without_shapes(&value).unwrap();
    let full = brine_io::dump(&value).unwrap();
    let (plain_env, full_env) = (brine_io::inspect(&plain).unwrap(), brine_io::inspect(&full).unwrap());
    assert_eq!(plain_env.version, 1);
    assert_eq!(plain_env.payload, full_env.payload);
    assert_eq!(brine_io::load::<(Vec<u32>, String, Option<f64>)>(&plain).unwrap(), value);
}
