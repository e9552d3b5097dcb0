//! Settled records, as a hostile review attacked them: the reader must let
//! through what the writer left unrecorded, and check everything else, at
//! the same moments as the writer. Each case named after a defect failed
//! before its fix (a record conflicting after another holding it settled, a
//! record settled inside a value of itself, a sequence read as bytes, the
//! elements after a first primitive in a sequence whose place varies, a
//! forged record of a huge field count); the others guard what held.

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use serde::{Deserialize, Serialize};

// ---- (a1) a record marked conflicting after a record holding it settled ----

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct R {
    a: u8,
}

mod other {
    use super::*;
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename = "R")]
    pub struct R {
        pub a: u8,
        pub b: u8,
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Q<T> {
    r: R,
    v: T,
}

#[test]
fn a1_conflict_after_settle_refuses_own_value() {
    round_trip(&(Q { r: R { a: 1 }, v: 2u32 }, Q { r: R { a: 3 }, v: 4u64 }, other::R { a: 5, b: 6 }));
}

#[test]
fn a1_control_without_conflict_loads() {
    round_trip(&(Q { r: R { a: 1 }, v: 2u32 }, Q { r: R { a: 3 }, v: 4u64 }));
}

// ---- (a2)/(b1) a sequence whose first element is a primitive and whose
// later elements are structs: the writer records the first only (the rest
// go at NONE), but once the element context varies (another value of the
// place wrote another first element) the reader checks every element ----

/// A generic holder: its field `h` is one context for every `Wrap<..>`;
/// `e` (always `None`) keeps it from settling.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Wrap<H, I> {
    h: Het<H, I>,
    e: Option<u8>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Item<T> {
    v: T,
}

#[test]
fn a2_unrecorded_elements_checked_against_later_record() {
    // the items of the first Het were never recorded (after a primitive
    // head), Item<u64> of the second is; the reader checks the first's
    // Item<u32> against it
    round_trip(&(
        Wrap { h: Het { head: 1u32, items: vec![Item { v: 7u32 }] }, e: None },
        Wrap { h: Het { head: 2u64, items: vec![Item { v: 8u64 }] }, e: None },
    ));
}

#[test]
fn b1_reader_settles_before_writer_and_skips_recorded_change() {
    // written: the first Het's items at no context (after its u32 head),
    // the second's recorded (its head made the element context vary)
    type Written = (Wrap<u32, Item<u64>>, Wrap<u64, Item<u64>>);
    // read: the second Het's items changed, `v` now an i64
    type Read = (Wrap<u32, Item<u64>>, Wrap<u64, Item<i64>>);
    let value: Written = (
        Wrap { h: Het { head: 1, items: vec![Item { v: 7 }] }, e: None },
        Wrap { h: Het { head: 2, items: vec![Item { v: u64::MAX }] }, e: None },
    );
    let bytes = brine_io::dump(&value).unwrap();
    assert_eq!(brine_io::load::<Written>(&bytes).unwrap(), value);
    // the table holds `Item.v` as u64, recorded from the second Het's item:
    // reading that item as i64 must be ShapeChanged, not a wrong value
    match brine_io::Options::new().check_type(false).load::<Read>(&bytes) {
        Err(brine_io::load::Error::ShapeChanged { .. }) => {}
        other => panic!("expected ShapeChanged, got {other:?}"),
    }
}

// ---- (d) a forged table: a newtype record announced with a huge field
// count (decode bounds base+len by the node count only, not by the kind)
// makes every reader walk (`CheckState::done`, settle.rs `Walk::record`)
// loop over all its fields; the walk is redone each time a new context is
// reached, so a 32x32 array of the newtype costs 1024 x len ----

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy, Default)]
struct N(u8);

/// The table of `[[N; 32]; 32]` as a writer would make it, except that the
/// record of `N` says it has `len` fields (its field 0 the `u8`, the rest
/// unset nodes).
fn forged_grid_table(len: u32) -> Vec<u8> {
    let mut t = Vec::new();
    varint32(&mut t, 1); // names
    varint32(&mut t, 1);
    t.push(b'N');
    let leaves = 33u32;
    let base = leaves + 1024;
    let nodes = base + len;
    varint32(&mut t, nodes);
    // root: a tuple of 32 at 1..=32
    t.push(5);
    varint32(&mut t, 32);
    t.push(1 << 4);
    varint32(&mut t, 1);
    varint32(&mut t, 32);
    for i in 0..32 {
        t.push(5);
        varint32(&mut t, 32);
        t.push(1 << 4);
        varint32(&mut t, leaves + 32 * i);
        varint32(&mut t, 32);
    }
    for _ in 0..1024 {
        t.push(8); // newtype struct, record 0
        varint32(&mut t, 0);
        t.push(0);
    }
    t.push(16 + 6); // u8
    t.push(0);
    for _ in 1..len {
        t.push(0);
        t.push(0);
    }
    varint32(&mut t, 1); // records
    varint32(&mut t, 0); // name N
    varint32(&mut t, 0); // a struct
    varint32(&mut t, 0);
    t.push(2); // newtype
    varint32(&mut t, len);
    varint32(&mut t, base);
    varint32(&mut t, 0); // no names
    t
}

fn load_forged(len: u32) {
    type Grid = [[N; 32]; 32];
    let payload = vec![7u8; 1024];
    let bytes = envelope_with_table::<Grid>(&payload, &forged_grid_table(len));
    let grid = brine_io::load::<Grid>(&bytes).unwrap();
    assert_eq!(grid[31][31], N(7));
}

/// Each walk is bounded, so that the 1024 walks of this load cost 512
/// contexts each, not the forged field count (2^18): before, it took 2.8 s
/// in a debug build, against 0.5 ms for the honest table.
#[test]
fn d1_a_forged_record_of_a_huge_field_count_loads() {
    load_forged(1);
    load_forged(1 << 18);
}

// ---- (c) thread history: values of settle-heavy types dumped in a row on
// one thread, each compared with a dump on a fresh thread ----

use proptest::prelude::*;
use std::collections::BTreeMap;

mod common;
use common::{Blob, Het, envelope_with_table, fresh_bytes, round_trip, varint32, with_table_flipped};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Inner {
    a: u16,
    s: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Rec {
    name: String,
    tags: Vec<String>,
    opt: Option<Inner>,
    map: BTreeMap<u8, Vec<Inner>>,
    pair: (u8, Option<Inner>),
    next: Option<Box<Rec>>,
}

fn inner() -> impl Strategy<Value = Inner> {
    (any::<u16>(), proptest::option::of("[a-z]{0,3}")).prop_map(|(a, s)| Inner { a, s })
}

fn rec() -> impl Strategy<Value = Rec> {
    let leaf = (
        "[a-z]{0,3}",
        proptest::collection::vec("[a-z]{0,2}", 0..3),
        proptest::option::of(inner()),
        proptest::collection::btree_map(any::<u8>(), proptest::collection::vec(inner(), 0..3), 0..3),
        (any::<u8>(), proptest::option::of(inner())),
    )
        .prop_map(|(name, tags, opt, map, pair)| Rec { name, tags, opt, map, pair, next: None });
    leaf.prop_recursive(3, 8, 1, |r| {
        (r.clone(), proptest::option::of(r)).prop_map(|(mut a, b)| {
            a.next = b.map(Box::new);
            a
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn c_history_settle_heavy(values in proptest::collection::vec(proptest::collection::vec(rec(), 0..40), 1..6)) {
        for v in &values {
            let here = brine_io::dump(v).unwrap();
            prop_assert_eq!(&here, &fresh_bytes(v));
            let back: Vec<Rec> = brine_io::load(&here).unwrap();
            prop_assert_eq!(&back, v);
            // interleave another type sharing struct names
            let other = (v.len() as u32, v.first().cloned());
            let b = brine_io::dump(&other).unwrap();
            prop_assert_eq!(&b, &fresh_bytes(&other));
        }
    }
}

// ---- (a3) a sequence of u8 read back as bytes: the reader never reaches
// the element context (check.rs `prim`, `Event::Seq if elem_is_bytes`), so
// a record holding it never settles for the reader, while the writer
// settled it and recorded none of its later values ----

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Q2<T> {
    blob: Blob,
    v: T,
}

#[test]
fn a3_seq_read_as_bytes_never_settles_for_the_reader() {
    round_trip(&(Q2 { blob: Blob(vec![1]), v: 2u32 }, Q2 { blob: Blob(vec![3]), v: 4u64 }));
}

#[test]
fn a3_control_vec_u8_settles() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Q3<T> {
        blob: Vec<u8>,
        v: T,
    }
    round_trip(&(Q3 { blob: vec![1], v: 2u32 }, Q3 { blob: vec![3], v: 4u64 }));
}

// ---- (a4) a record that settles inside its own first recorded value: the
// outer value goes on recording into the settled record's fields (its `v`
// turns to varies), the writer keeps its stale "settled" (shape.rs
// `Table::settled`, sticky `found.settled`), the reader's walk at the next
// value finds `v` varying (Never) and checks a value the writer recorded
// nothing of ----

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct RR<V, W, C> {
    x: Option<Box<C>>,
    v: V,
    w: W,
}

#[test]
fn a4_settled_inside_own_value_then_outer_value_varies_a_field() {
    type Leaf = RR<u32, u32, ()>;
    round_trip(&(
        RR::<u32, u32, ()> { x: None, v: 1, w: 2 },
        RR::<u64, u32, Leaf> { x: Some(Box::new(RR { x: None, v: 3, w: 4 })), v: 5, w: 6 },
        RR::<u32, u64, ()> { x: None, v: 7, w: 8 },
    ));
}

#[test]
fn c_history_on_the_findings_values() {
    type Leaf = RR<u32, u32, ()>;
    let a4 = (
        RR::<u32, u32, ()> { x: None, v: 1, w: 2 },
        RR::<u64, u32, Leaf> { x: Some(Box::new(RR { x: None, v: 3, w: 4 })), v: 5, w: 6 },
        RR::<u32, u64, ()> { x: None, v: 7, w: 8 },
    );
    let a4b = (
        RR::<u32, u32, ()> { x: None, v: 1, w: 2 },
        RR::<u64, u32, Leaf> { x: None, v: 5, w: 6 },
        RR::<u32, u64, ()> { x: None, v: 7, w: 8 },
    );
    for _ in 0..3 {
        assert_eq!(brine_io::dump(&a4).unwrap(), fresh_bytes(&a4));
        assert_eq!(brine_io::dump(&a4b).unwrap(), fresh_bytes(&a4b));
    }
}

// ---- (d) mutated tables of real settle-heavy envelopes: never a panic ----

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn d_mutated_tables_never_panic(v in proptest::collection::vec(rec(), 1..4), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let forged = with_table_flipped::<Vec<Rec>>(&brine_io::dump(&v).unwrap(), &flips);
        let _ = brine_io::load::<Vec<Rec>>(&forged);
        let _ = brine_io::Options::new().check_type(false).load::<Vec<Option<(String, Vec<String>)>>>(&forged);
    }
}

#[test]
fn d_helper_reseals_a_real_table() {
    let v = vec![Rec {
        name: "a".into(),
        tags: vec![],
        opt: None,
        map: BTreeMap::new(),
        pair: (1, None),
        next: None,
    }];
    let bytes = brine_io::dump(&v).unwrap();
    assert_eq!(with_table_flipped::<Vec<Rec>>(&bytes, &[]), bytes);
}
