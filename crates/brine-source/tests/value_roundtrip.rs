//! Round trips over generated values, for every shape serde has:
//! `from_str(to_string(v)) == v`, and for types with a deterministic text,
//! `to_string(from_str(to_string(v))) == to_string(v)` as well.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Debug;

use proptest::collection::{btree_map, btree_set, hash_map, hash_set, vec, vec_deque};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `from_str(to_string(v)) == v`, with the text in the failure message.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) -> Result<(), TestCaseError> {
    let text = brine_source::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = brine_source::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("{e}\n--- text ---\n{text}")))?;
    prop_assert_eq!(&back, value, "text:\n{}", text);
    Ok(())
}

/// The round trip, and the second fixed point: source -> value -> source.
fn both_fixed_points<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    value: &T,
) -> Result<(), TestCaseError> {
    round_trip(value)?;
    let text = brine_source::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = brine_source::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let again = brine_source::to_string(&back).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(again, text);
    Ok(())
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Meters(i64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Pair(u8, String);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Shape {
    Empty,
    Circle(i32),
    Segment(i16, i16),
    Labelled { label: String, sides: Option<u8> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Record {
    id: u64,
    name: String,
    #[serde(rename = "type")]
    kind: Shape,
    tags: Vec<String>,
    unit: Unit,
    nothing: (),
    meters: Meters,
    pair: Pair,
    nested: Option<Box<Record>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "kebab-case")]
#[allow(clippy::enum_variant_names)]
enum Kebab {
    FirstOne,
    SecondOne(u8),
    ThirdOne { field_name: bool },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "renamed-struct", rename_all = "kebab-case")]
struct Renamed {
    field_one: u8,
    kebab: Kebab,
}

/// Enum representations and `flatten` that serde writes as structs and
/// maps: they do not compile as written, but they read back.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type")]
enum Internal {
    Point { x: i32, y: i32 },
    Nothing,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Number(i64),
    Named { name: String },
    Empty,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
enum Untagged {
    Number(u8),
    Named { name: String },
    List(Vec<i16>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Flattened {
    #[serde(flatten)]
    inner: Pair2,
    extra: Option<u8>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Pair2 {
    a: u8,
    b: String,
}

/// Bytes written with `serialize_bytes` (as `serde_bytes` does).
#[derive(Debug, Clone, PartialEq)]
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        deserializer.deserialize_bytes(Visitor)
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Empty),
        any::<i32>().prop_map(Shape::Circle),
        (any::<i16>(), any::<i16>()).prop_map(|(a, b)| Shape::Segment(a, b)),
        (any::<String>(), any::<Option<u8>>()).prop_map(|(label, sides)| Shape::Labelled { label, sides }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    let leaf =
        (any::<u64>(), any::<String>(), shape(), vec(any::<String>(), 0..4), any::<i64>(), any::<u8>())
            .prop_map(|(id, name, kind, tags, meters, n)| Record {
                id,
                name: name.clone(),
                kind,
                tags,
                unit: Unit,
                nothing: (),
                meters: Meters(meters),
                pair: Pair(n, name),
                nested: None,
            });
    leaf.prop_recursive(3, 8, 1, |inner| {
        (inner.clone(), inner).prop_map(|(mut outer, nested)| {
            outer.nested = Some(Box::new(nested));
            outer
        })
    })
}

/// Every bit pattern, and the special values more often than chance gives them.
fn f64_bits() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        any::<f64>(),
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MIN_POSITIVE / 3.0),
        Just(f64::MAX),
    ]
}

fn f32_bits() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        any::<f32>(),
        Just(f32::NAN),
        Just(f32::NEG_INFINITY),
        Just(-0.0),
        Just(f32::MIN_POSITIVE / 3.0),
    ]
}

proptest! {
    #[test]
    fn integers_of_every_width(
        a in any::<i8>(), b in any::<i16>(), c in any::<i32>(), d in any::<i64>(), e in any::<i128>(),
        f in any::<u8>(), g in any::<u16>(), h in any::<u32>(), i in any::<u64>(), j in any::<u128>(),
        k in any::<isize>(), l in any::<usize>(),
    ) {
        both_fixed_points(&(a, b, c, d, e, f, g, h, i, j, k, l))?;
        both_fixed_points(&(i128::MIN, i128::MAX, u128::MAX, i8::MIN, i64::MIN))?;
    }

    #[test]
    fn floats_bit_exact(a in f64_bits(), b in f32_bits(), list in vec(f64_bits(), 0..20)) {
        let text = brine_source::to_string(&(a, b, &list)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (x, y, back): (f64, f32, Vec<f64>) = brine_source::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(x.to_bits(), a.to_bits(), "{}", text);
        prop_assert_eq!(y.to_bits(), b.to_bits(), "{}", text);
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&back), bits(&list), "{}", text);
        let again = brine_source::to_string(&(x, y, &back)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, text);
    }

    #[test]
    fn strings_chars_and_bools(s in any::<String>(), c in any::<char>(), b in any::<bool>(),
                               strings in vec(any::<String>(), 0..8)) {
        both_fixed_points(&(s, c, b))?;
        both_fixed_points(&strings)?;
        let ascii_controls: String = (0u8..0x80).map(char::from).collect();
        both_fixed_points(&ascii_controls)?;
    }

    #[test]
    fn bytes(data in vec(any::<u8>(), 0..64)) {
        both_fixed_points(&Bytes(data.clone()))?;
        both_fixed_points(&data)?;
    }

    #[test]
    fn options_units_and_tuples(a in any::<Option<u8>>(), b in any::<Option<Option<i32>>>(),
                                c in any::<(bool, char, (u16, i16))>()) {
        both_fixed_points(&(a, b, c, (), Unit))?;
        both_fixed_points(&Some(()))?;
        both_fixed_points(&(1u8,))?;
    }

    #[test]
    fn arrays_short_and_long(a in any::<[u8; 3]>(), b in any::<[i64; 12]>(), c in any::<[u16; 16]>(),
                             d in any::<[[bool; 2]; 2]>(), e in any::<[String; 2]>()) {
        both_fixed_points(&(a, b, c, d, e))?;
        both_fixed_points(&[0u8; 0])?;
        both_fixed_points(&[Some(1u32), None, Some(3)])?;
    }

    #[test]
    fn sequences_and_sets(
        v in vec(any::<i32>(), 0..50),
        q in vec_deque(any::<u8>(), 0..10),
        bs in btree_set(any::<String>(), 0..10),
        hs in hash_set(any::<i64>(), 0..10),
        nested in vec(vec(any::<u8>(), 0..4), 0..6),
    ) {
        both_fixed_points(&v)?;
        both_fixed_points::<VecDeque<u8>>(&q)?;
        both_fixed_points::<BTreeSet<String>>(&bs)?;
        round_trip::<HashSet<i64>>(&hs)?;
        both_fixed_points(&nested)?;
    }

    #[test]
    fn maps(
        hm in hash_map(any::<String>(), any::<u32>(), 0..10),
        bm in btree_map(any::<i16>(), any::<Option<String>>(), 0..10),
        keyed in btree_map((any::<u8>(), any::<bool>()), vec(any::<char>(), 0..3), 0..6),
        by_enum in btree_map(shape(), any::<u8>(), 0..6),
    ) {
        // Maps are written sorted: a HashMap's text is deterministic too.
        both_fixed_points::<HashMap<String, u32>>(&hm)?;
        both_fixed_points::<BTreeMap<i16, Option<String>>>(&bm)?;
        both_fixed_points(&keyed)?;
        both_fixed_points(&by_enum)?;
        let as_vec: Vec<(String, u32)> = {
            let text = brine_source::to_string(&hm).map_err(|e| TestCaseError::fail(e.to_string()))?;
            brine_source::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?
        };
        prop_assert_eq!(as_vec.into_iter().collect::<HashMap<_, _>>(), hm);
    }

    #[test]
    fn structs_enums_and_nesting(r in record(), shapes in vec(shape(), 0..8)) {
        both_fixed_points(&r)?;
        both_fixed_points(&shapes)?;
        both_fixed_points(&Meters(r.id as i64))?;
    }

    #[test]
    fn other_enum_representations_and_flatten(x in any::<i32>(), n in any::<i64>(), small in any::<u8>(),
                                              name in any::<String>(), list in vec(any::<i16>(), 0..4)) {
        round_trip(&vec![Internal::Point { x, y: -x }, Internal::Nothing])?;
        round_trip(&vec![Adjacent::Number(n), Adjacent::Named { name: name.clone() }, Adjacent::Empty])?;
        round_trip(&vec![Untagged::Number(small), Untagged::Named { name: name.clone() }, Untagged::List(list)])?;
        round_trip(&Flattened { inner: Pair2 { a: small, b: name }, extra: Some(small) })?;
    }

    #[test]
    fn renamed_names(n in any::<u8>(), flag in any::<bool>()) {
        for kebab in [Kebab::FirstOne, Kebab::SecondOne(n), Kebab::ThirdOne { field_name: flag }] {
            both_fixed_points(&Renamed { field_one: n, kebab })?;
        }
    }
}

#[test]
fn borrowed_strings_point_into_the_text() -> anyhow::Result<()> {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Label<'a> {
        text: &'a str,
    }
    let text = brine_source::to_string(&Label { text: "zero-copy" })?;
    let label: Label = brine_source::from_str(&text)?;
    assert_eq!(label.text, "zero-copy");
    assert!(text.as_bytes().as_ptr_range().contains(&label.text.as_ptr()));
    Ok(())
}
