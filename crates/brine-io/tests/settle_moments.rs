//! The moments at which the writer and the reader decide: a third hostile
//! review of settled records and of the reader's memory of what it read at a
//! place that varies (`Seen`). Each case named `f*` failed before its fix (a
//! string and bytes taken for one kind, bytes read as a sequence where the
//! elements vary, a record settling inside a value of a record it reaches);
//! the proptests guard that a thread's dumps never depend on its history.
//! Two cases are known limitations, ignored with their reason.

#![allow(clippy::unwrap_used, clippy::panic, missing_docs)] // a failed unwrap or panic fails the test

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Wrap<H> {
    h: H,
    e: Option<u8>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Item<T> {
    v: T,
}

// ---- F1: `Seen` takes a string and bytes for one kind of primitive ----

#[test]
fn f1_str_then_bytes_head_hides_recorded_items() {
    type Written = (Wrap<Het<String, Item<u64>>>, Wrap<Het<Buf, Item<u64>>>);
    type Read = (Wrap<Het<String, Item<u64>>>, Wrap<Het<Buf, Item<i64>>>);
    let value: Written = (
        Wrap { h: Het { head: "a".into(), items: vec![] }, e: None },
        Wrap { h: Het { head: Buf(vec![1]), items: vec![Item { v: u64::MAX }] }, e: None },
    );
    let bytes = brine_io::dump(&value).unwrap();
    assert_eq!(brine_io::load::<Written>(&bytes).unwrap(), value);
    match brine_io::Options::new().check_type(false).load::<Read>(&bytes) {
        Err(brine_io::load::Error::ShapeChanged { .. }) => {}
        other => panic!("expected ShapeChanged, got {other:?}"),
    }
}

// ---- F2: a sequence of u8 read as bytes where the element place varies ----

#[test]
fn f2_blob_where_elements_vary_is_refused() {
    round_trip(&(Wrap { h: vec!["a".to_string()], e: None }, Wrap { h: Blob(vec![1, 2]), e: None }));
}

// ---- (c) proptest: dumps of settle-heavy, replay-heavy values in a row ----

use proptest::prelude::*;
use std::collections::BTreeMap;

mod common;
use common::{Blob, Buf, Het, fresh_bytes, round_trip, unchanged_by_history};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum En {
    A,
    B(Item<u8>),
    C { x: Option<u8>, y: Vec<Item<u16>> },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Node {
    k: BTreeMap<u8, Option<Item<Option<u8>>>>,
    t: Vec<(u8, Option<String>)>,
    e: Option<En>,
    n: Option<Box<Node>>,
    w: Wrap<Option<Item<u8>>>,
}

fn item_opt() -> impl Strategy<Value = Item<Option<u8>>> {
    proptest::option::of(0u8..3).prop_map(|v| Item { v })
}

fn en() -> impl Strategy<Value = En> {
    prop_oneof![
        Just(En::A),
        (0u8..3).prop_map(|v| En::B(Item { v })),
        (proptest::option::of(0u8..3), proptest::collection::vec((0u16..3).prop_map(|v| Item { v }), 0..3))
            .prop_map(|(x, y)| En::C { x, y }),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = (
        proptest::collection::btree_map(0u8..4, proptest::option::of(item_opt()), 0..3),
        proptest::collection::vec((0u8..3, proptest::option::of("[a-b]{0,2}")), 0..3),
        proptest::option::of(en()),
        proptest::option::of((0u8..3).prop_map(|v| Item { v })),
        proptest::option::of(0u8..2),
    )
        .prop_map(|(k, t, e, w, we)| Node { k, t, e, n: None, w: Wrap { h: w, e: we } });
    leaf.prop_recursive(3, 8, 1, |r| {
        (r.clone(), proptest::option::of(r)).prop_map(|(mut a, b)| {
            a.n = b.map(Box::new);
            a
        })
    })
}

/// An optional item beside sequences whose head is a byte.
type ByteHeads = (Option<Item<u8>>, Vec<Het<u8, Item<Option<u8>>>>);

#[derive(Debug, Clone)]
enum Dumped {
    Nodes(Vec<Node>),
    HetS(Vec<Wrap<Het<String, Item<u64>>>>),
    HetB(Vec<Wrap<Het<Buf, Item<u64>>>>),
    HetU(Vec<ByteHeads>),
}

fn dumped() -> impl Strategy<Value = Dumped> {
    let het_items = proptest::collection::vec((0u64..3).prop_map(|v| Item { v }), 0..3);
    prop_oneof![
        proptest::collection::vec(node(), 0..6).prop_map(Dumped::Nodes),
        proptest::collection::vec(
            ("[a]{0,1}", het_items.clone(), proptest::option::of(0u8..2))
                .prop_map(|(head, items, e)| Wrap { h: Het { head, items }, e }),
            0..4
        )
        .prop_map(Dumped::HetS),
        proptest::collection::vec(
            (proptest::collection::vec(0u8..2, 0..2), het_items, proptest::option::of(0u8..2))
                .prop_map(|(head, items, e)| Wrap { h: Het { head: Buf(head), items }, e }),
            0..4
        )
        .prop_map(Dumped::HetB),
        proptest::collection::vec(
            (
                proptest::option::of((0u8..2).prop_map(|v| Item { v })),
                proptest::collection::vec(
                    (0u8..2, proptest::collection::vec(item_opt(), 0..3))
                        .prop_map(|(head, items)| Het { head, items }),
                    0..3
                )
            ),
            0..4
        )
        .prop_map(Dumped::HetU),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn c_history_mixed(values in proptest::collection::vec(dumped(), 1..8)) {
        for d in &values {
            match d {
                Dumped::Nodes(v) => unchanged_by_history(v)?,
                Dumped::HetS(v) => unchanged_by_history(v)?,
                Dumped::HetB(v) => unchanged_by_history(v)?,
                Dumped::HetU(v) => unchanged_by_history(v)?,
            }
        }
    }
}

/// Written as bytes, read as a sequence of u8 (FORMAT: bytes read as `Vec<u8>`).
#[derive(Debug, PartialEq, Clone)]
struct Bin(Vec<u8>);
impl Serialize for Bin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}
impl<'de> Deserialize<'de> for Bin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<u8>::deserialize(d).map(Bin)
    }
}

// ---- F3: bytes read as a sequence of u8 where the sequence place varies ----

#[test]
#[ignore = "known limitation: where one place held a sequence of strings and, in another value, bytes, \
            bytes read as Vec<u8> are checked as elements against the strings' place"]
fn f3_bytes_read_as_seq_where_elements_vary_is_refused() {
    round_trip(&(Wrap { h: vec!["a".to_string()], e: None }, Wrap { h: Bin(vec![1]), e: None }));
}

// ---- F4: a head written as bytes, read as a sequence: `Seen` says OTHER
// where the writer held a primitive, and the reader checks the unrecorded
// items against a later record ----

#[test]
#[ignore = "known limitation: a hand-written sequence whose first element is bytes read as Vec<u8>, \
            at a place that varies: the reader can't tell the bytes written from a sequence"]
fn f4_bytes_head_read_as_seq_checks_unrecorded_items() {
    round_trip(&(
        Wrap { h: Het { head: Bin(vec![1]), items: vec![Item { v: 1u32 }] }, e: None },
        Wrap { h: Het { head: 2u8, items: vec![Item { v: 2u64 }] }, e: None },
    ));
}

// ---- F5: a record S settles (in R's walk) while a value of S is being
// written, but S's own cached flag is not set, so S's next field is still
// recorded (its place turns to varies); R was found settled by the writer
// at that moment, and a later value of R is written unrecorded; the reader
// walks the final table, finds S.w varying (Never) and checks it ----

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct S<T> {
    r: Option<Box<R<u32>>>,
    w: T,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct R<V> {
    s: Option<Box<S<u8>>>,
    v: V,
}

#[test]
fn f5_outer_record_settles_inside_inner_value_then_inner_field_varies() {
    round_trip(&(
        R::<u32> { s: Some(Box::new(S::<u8> { r: None, w: 1 })), v: 1 },
        S::<u16> { r: Some(Box::new(R { s: None, v: 2 })), w: 3 },
        R::<u64> { s: None, v: 5 },
    ));
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct S2 {
    r: Option<Box<R2>>,
    w: Vec<u8>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct R2 {
    s: Option<Box<S2>>,
    v: Option<u8>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum RS {
    R(R2),
    S(S2),
}

fn rs(depth: u32) -> BoxedStrategy<RS> {
    let s2 = s2(depth);
    let r2 = r2(depth);
    prop_oneof![r2.prop_map(RS::R), s2.prop_map(RS::S)].boxed()
}

fn s2(depth: u32) -> BoxedStrategy<S2> {
    let w = proptest::collection::vec(0u8..2, 0..2);
    if depth == 0 {
        return w.prop_map(|w| S2 { r: None, w }).boxed();
    }
    (proptest::option::of(r2(depth - 1)), w).prop_map(|(r, w)| S2 { r: r.map(Box::new), w }).boxed()
}

fn r2(depth: u32) -> BoxedStrategy<R2> {
    let v = proptest::option::of(0u8..2);
    if depth == 0 {
        return v.prop_map(|v| R2 { s: None, v }).boxed();
    }
    (proptest::option::of(s2(depth - 1)), v).prop_map(|(s, v)| R2 { s: s.map(Box::new), v }).boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn c_history_mutual_recursion(values in proptest::collection::vec(proptest::collection::vec(rs(3), 0..5), 1..6)) {
        for v in &values {
            unchanged_by_history(v)?;
            let t = (v.clone(), v.len() as u8);
            unchanged_by_history(&t)?;
        }
    }
}

/// A value whose type its tag picks (tag 0: u8, 1: u16, 2: String, 3: Option<u8>).
#[derive(Debug, PartialEq, Clone)]
enum Dyn {
    A(u8),
    B(u16),
    C(String),
    D(Option<u8>),
}
impl Serialize for Dyn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(2)?;
        match self {
            Dyn::A(v) => {
                t.serialize_element(&0u8)?;
                t.serialize_element(v)?;
            }
            Dyn::B(v) => {
                t.serialize_element(&1u8)?;
                t.serialize_element(v)?;
            }
            Dyn::C(v) => {
                t.serialize_element(&2u8)?;
                t.serialize_element(v)?;
            }
            Dyn::D(v) => {
                t.serialize_element(&3u8)?;
                t.serialize_element(v)?;
            }
        }
        t.end()
    }
}
impl<'de> Deserialize<'de> for Dyn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Dyn;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a tagged value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dyn, A::Error> {
                let e = || serde::de::Error::custom("short");
                let tag: u8 = seq.next_element()?.ok_or_else(e)?;
                Ok(match tag {
                    0 => Dyn::A(seq.next_element()?.ok_or_else(e)?),
                    1 => Dyn::B(seq.next_element()?.ok_or_else(e)?),
                    2 => Dyn::C(seq.next_element()?.ok_or_else(e)?),
                    _ => Dyn::D(seq.next_element()?.ok_or_else(e)?),
                })
            }
        }
        d.deserialize_tuple(2, V)
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct S3 {
    r: Option<Box<R3>>,
    w: Dyn,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct R3 {
    s: Option<Box<S3>>,
    v: Dyn,
    l: Vec<Dyn>,
}

fn dyn_() -> impl Strategy<Value = Dyn> {
    prop_oneof![
        (0u8..2).prop_map(Dyn::A),
        (0u16..2).prop_map(Dyn::B),
        "[a]{0,1}".prop_map(Dyn::C),
        proptest::option::of(0u8..2).prop_map(Dyn::D),
    ]
}

fn s3(depth: u32) -> BoxedStrategy<S3> {
    if depth == 0 {
        return dyn_().prop_map(|w| S3 { r: None, w }).boxed();
    }
    (proptest::option::of(r3(depth - 1)), dyn_()).prop_map(|(r, w)| S3 { r: r.map(Box::new), w }).boxed()
}

fn r3(depth: u32) -> BoxedStrategy<R3> {
    let l = proptest::collection::vec(dyn_(), 0..3);
    if depth == 0 {
        return (dyn_(), l).prop_map(|(v, l)| R3 { s: None, v, l }).boxed();
    }
    (proptest::option::of(s3(depth - 1)), dyn_(), l)
        .prop_map(|(s, v, l)| R3 { s: s.map(Box::new), v, l })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn a_c_dyn_fields(values in proptest::collection::vec(proptest::collection::vec(prop_oneof![r3(3).prop_map(|r| (Some(r), None)), s3(3).prop_map(|s| (None, Some(s)))], 0..5), 1..4)) {
        for v in &values {
            unchanged_by_history(v)?;
        }
    }

    #[test]
    fn c_only_dyn_fields(values in proptest::collection::vec(proptest::collection::vec(prop_oneof![r3(3).prop_map(|r| (Some(r), None)), s3(3).prop_map(|s| (None, Some(s)))], 0..5), 1..6)) {
        for v in &values {
            let here = brine_io::dump(v).unwrap();
            prop_assert_eq!(&here, &fresh_bytes(v), "history changed the bytes of {:?}", v);
        }
    }
}

/// F5b: the same defect in one type with no generics: a field whose type
/// its tag picks (FORMAT: "a struct whose Serialize picks a field's type
/// from an earlier field"); found by `a_c_dyn_fields`.
#[test]
fn f5b_tag_picked_field_in_mutual_recursion() {
    round_trip(&vec![
        (None, Some(S3 { r: None, w: Dyn::A(0) })),
        (Some(R3 { s: None, v: Dyn::A(0), l: vec![Dyn::A(0)] }), None),
        (
            None,
            Some(S3 {
                r: Some(Box::new(R3 {
                    s: Some(Box::new(S3 { r: None, w: Dyn::A(0) })),
                    v: Dyn::A(0),
                    l: vec![Dyn::B(0)],
                })),
                w: Dyn::B(0),
            }),
        ),
    ]);
}
