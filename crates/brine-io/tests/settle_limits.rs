//! Where settled records rest on an assumption: that every value of one
//! Rust type makes the calls its type makes, and that one reading type (a
//! visitor's) reads one layout. A fourth hostile review probed it. Derived
//! types hold it, generic ones included (the tests that run here); some
//! hand-written impls break it, and those cases are kept, ignored, with
//! what goes wrong: a `Serialize` that forwards to two types' impls under
//! one outer type, a `deserialize_with` whose visitor differs from the
//! type's own, a record settled before a record it reaches was written with
//! a second type, and one visitor type reading two layouts by its state.
//! A load refused this way reads with `Options::check_shape(false)`.

#![allow(clippy::unwrap_used, clippy::panic, missing_docs)] // a failed unwrap or panic fails the test
use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Page<T> {
    x: T,
}

/// One Rust type (the writer's `ty`) whose Serialize forwards to one of two
/// `Page` types by value, as `#[serde(untagged)]` does; a tag before it
/// tells the reader which.
#[derive(Debug, PartialEq, Clone)]
enum Either {
    L(Page<u8>),
    R(Page<String>),
}
impl Serialize for Either {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Either::L(p) => p.serialize(s),
            Either::R(p) => p.serialize(s),
        }
    }
}

/// `(is_r, page)` as a 2-tuple.
#[derive(Debug, PartialEq, Clone)]
struct Tagged(Either);
impl Serialize for Tagged {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&matches!(self.0, Either::R(_)))?;
        t.serialize_element(&self.0)?;
        t.end()
    }
}
impl<'de> Deserialize<'de> for Tagged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tagged;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tagged page")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tagged, A::Error> {
                let is_r: bool = seq.next_element()?.unwrap();
                Ok(Tagged(if is_r {
                    Either::R(seq.next_element()?.unwrap())
                } else {
                    Either::L(seq.next_element()?.unwrap())
                }))
            }
        }
        d.deserialize_tuple(2, V)
    }
}

#[test]
#[ignore = "known limitation: a Serialize that forwards to two types' impls under one outer type looks like one type to the writer"]
fn r1_one_writer_type_forwarding_to_two_generic_records() {
    // `Page` settles for the writer's one type `Either` at its second value,
    // so `Page<String>`'s value records nothing; the reader, reading it as
    // `Page<String>` (a second visitor type), checks it against `x: u8`
    round_trip(&vec![Tagged(Either::L(Page { x: 1 })), Tagged(Either::R(Page { x: "hi".to_string() }))]);
}

/// A struct whose Serialize picks `val`'s type from `tag` (FORMAT.md says
/// such values load as written), read by a generic visitor: `Rec`'s own
/// Deserialize uses `RecV<()>`, a `deserialize_with` function `RecV<u8>`.
#[derive(Debug, PartialEq, Clone)]
struct Rec {
    tag: bool,
    num: u8,
    text: String,
}
impl Serialize for Rec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Rec", 2)?;
        st.serialize_field("tag", &self.tag)?;
        if self.tag {
            st.serialize_field("val", &self.text)?;
        } else {
            st.serialize_field("val", &self.num)?;
        }
        st.end()
    }
}
struct RecV<M>(std::marker::PhantomData<M>);
impl<'de, M> Visitor<'de> for RecV<M> {
    type Value = Rec;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Rec")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rec, A::Error> {
        let tag: bool = seq.next_element()?.unwrap();
        Ok(if tag {
            Rec { tag, num: 0, text: seq.next_element()?.unwrap() }
        } else {
            Rec { tag, num: seq.next_element()?.unwrap(), text: String::new() }
        })
    }
}
impl<'de> Deserialize<'de> for Rec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Rec", &["tag", "val"], RecV::<()>(std::marker::PhantomData))
    }
}
fn rec_other<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Rec, D::Error> {
    d.deserialize_struct("Rec", &["tag", "val"], RecV::<u8>(std::marker::PhantomData))
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Holder {
    a: Rec,
    #[serde(deserialize_with = "rec_other")]
    b: Rec,
}

#[test]
#[ignore = "known limitation: a deserialize_with visitor is a second reading type where the writer had one"]
fn r2_deserialize_with_gives_the_reader_a_second_type_the_writer_never_had() {
    // control: the same values with one visitor load back
    round_trip(&(
        Rec { tag: false, num: 1, text: String::new() },
        Rec { tag: true, num: 0, text: "hi".into() },
    ));
    round_trip(&Holder {
        a: Rec { tag: false, num: 1, text: String::new() },
        b: Rec { tag: true, num: 0, text: "hi".into() },
    });
}

/// `Rec` with a `Page<u8>` in front: `{ p, tag, val }`, `val` picked by `tag`.
#[derive(Debug, PartialEq, Clone)]
struct Outer {
    p: Page<u8>,
    r: Rec,
}
impl Serialize for Outer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Outer", 3)?;
        st.serialize_field("p", &self.p)?;
        st.serialize_field("tag", &self.r.tag)?;
        if self.r.tag {
            st.serialize_field("val", &self.r.text)?;
        } else {
            st.serialize_field("val", &self.r.num)?;
        }
        st.end()
    }
}
impl<'de> Deserialize<'de> for Outer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Outer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an Outer")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outer, A::Error> {
                let p = seq.next_element()?.unwrap();
                let tag: bool = seq.next_element()?.unwrap();
                let r = if tag {
                    Rec { tag, num: 0, text: seq.next_element()?.unwrap() }
                } else {
                    Rec { tag, num: seq.next_element()?.unwrap(), text: String::new() }
                };
                Ok(Outer { p, r })
            }
        }
        d.deserialize_struct("Outer", &["p", "tag", "val"], V)
    }
}

#[test]
#[ignore = "known limitation: a record settled before a record it reaches met a second type; with a value-dependent impl the reader checks what the writer left unrecorded"]
fn r3_record_settled_then_a_record_it_reaches_becomes_mixed_later() {
    let o = |tag: bool| Outer { p: Page { x: 1 }, r: rec(tag) };
    // control: without the later `Page<u16>`, it loads back
    round_trip(&(o(false), o(true), 5u16));
    // the writer settled `Outer` at its second value (its `val` a string,
    // unrecorded); `Page<u16>` later makes `Page.x` vary, so the reader's
    // walk of `Outer` (over the final table) says never, and it checks the
    // second `Outer`'s string against the `u8` the first recorded
    round_trip(&(o(false), o(true), Page { x: 5u16 }));
}

// ---- history and round trips with generics used with several parameters ----

use proptest::prelude::*;
use std::collections::BTreeMap;

mod common;
use common::{fresh_bytes, round_trip, unchanged_by_history, with_table_flipped};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(transparent)]
struct Tr(Page<u8>);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Two<A, B> {
    a: A,
    b: Vec<B>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Item {
    A(Page<u8>),
    B(Page<u16>),
    C(Box<Page<u8>>),
    D(Page<Page<u8>>),
    E(Option<Page<Vec<u8>>>),
    F(Page<Option<Page<u16>>>),
    G(Tr),
    H(BTreeMap<u8, Page<u8>>),
    I { p: Page<u8>, q: Page<i8> },
    J(Two<Page<u8>, Page<u16>>),
    K(Two<Page<u16>, Page<u8>>),
    L(Vec<Two<u8, Page<u8>>>),
    M,
}

fn item() -> impl Strategy<Value = Item> {
    let p8 = any::<u8>().prop_map(|x| Page { x });
    let p16 = any::<u16>().prop_map(|x| Page { x });
    prop_oneof![
        p8.clone().prop_map(Item::A),
        p16.clone().prop_map(Item::B),
        p8.clone().prop_map(|p| Item::C(Box::new(p))),
        p8.clone().prop_map(|x| Item::D(Page { x })),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..3).prop_map(|x| Page { x }))
            .prop_map(Item::E),
        proptest::option::of(p16.clone()).prop_map(|x| Item::F(Page { x })),
        p8.clone().prop_map(|p| Item::G(Tr(p))),
        proptest::collection::btree_map(any::<u8>(), p8.clone(), 0..3).prop_map(Item::H),
        (p8.clone(), any::<i8>()).prop_map(|(p, q)| Item::I { p, q: Page { x: q } }),
        (p8.clone(), proptest::collection::vec(p16.clone(), 0..3)).prop_map(|(a, b)| Item::J(Two { a, b })),
        (p16.clone(), proptest::collection::vec(p8.clone(), 0..3)).prop_map(|(a, b)| Item::K(Two { a, b })),
        proptest::collection::vec((any::<u8>(), proptest::collection::vec(p8.clone(), 0..3)), 0..3)
            .prop_map(|v| Item::L(v.into_iter().map(|(a, b)| Two { a, b }).collect())),
        Just(Item::M),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn c_history_generics(values in proptest::collection::vec(proptest::collection::vec(item(), 0..12), 1..8)) {
        for v in &values {
            unchanged_by_history(v)?;
            if let Some(first) = v.first() {
                unchanged_by_history(first)?;
                unchanged_by_history(&(first.clone(), v.clone()))?;
            }
        }
    }
}

// ---- changed parameter types must be ShapeChanged ----

mod v1 {
    use serde::{Deserialize, Serialize};
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Point {
        pub x: u8,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Order {
        pub qty: u16,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum En {
        A(super::Page<Point>),
        B(super::Page<Order>),
        C { p: super::Page<Order> },
    }
}
mod v2 {
    use serde::{Deserialize, Serialize};
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Order {
        pub qty: u32,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum En {
        A(super::Page<super::v1::Point>),
        B(super::Page<Order>),
        C { p: super::Page<Order> },
    }
}

fn expect_changed<W: Serialize + fmt::Debug, R: for<'de> Deserialize<'de> + fmt::Debug>(w: &W) {
    let bytes = brine_io::dump(w).unwrap();
    match brine_io::Options::new().check_type(false).load::<R>(&bytes) {
        Err(brine_io::load::Error::ShapeChanged { .. }) => {}
        other => panic!("a changed type loaded: {other:?}"),
    }
}

fn pt(x: u8) -> Page<v1::Point> {
    Page { x: v1::Point { x } }
}
fn or1(q: u16) -> Page<v1::Order> {
    Page { x: v1::Order { qty: q } }
}

#[test]
fn b_changed_second_parameter_in_arrangements() {
    use v1::En as E1;
    use v2::En as E2;
    let many: Vec<E1> = (0..40).map(|i| E1::A(pt(i))).chain([E1::B(or1(3)), E1::C { p: or1(4) }]).collect();
    expect_changed::<_, Vec<E2>>(&many);
    let many_c: Vec<E1> = (0..40).map(|i| E1::A(pt(i))).chain([E1::C { p: or1(4) }]).collect();
    expect_changed::<_, Vec<E2>>(&many_c);
    // in Options, maps, nested pages
    let w = (vec![Some(pt(1)); 20], vec![None, Some(or1(2))]);
    expect_changed::<_, (Vec<Option<Page<v1::Point>>>, Vec<Option<Page<v2::Order>>>)>(&w);
    let mut m = BTreeMap::new();
    for i in 0..10u8 {
        m.insert(i, pt(i));
    }
    let w = (m.clone(), BTreeMap::from([(1u8, or1(1))]));
    expect_changed::<_, (BTreeMap<u8, Page<v1::Point>>, BTreeMap<u8, Page<v2::Order>>)>(&w);
    let w = (vec![Page { x: pt(1) }; 10], vec![Page { x: or1(1) }; 3]);
    expect_changed::<_, (Vec<Page<Page<v1::Point>>>, Vec<Page<Page<v2::Order>>>)>(&w);
    let w = vec![Two { a: pt(1), b: vec![or1(1)] }; 5];
    expect_changed::<_, Vec<Two<Page<v1::Point>, Page<v2::Order>>>>(&w);
    let w = (vec![Two { a: pt(1), b: vec![pt(2)] }; 5], vec![Two { a: or1(1), b: vec![or1(2)] }]);
    expect_changed::<
        _,
        (Vec<Two<Page<v1::Point>, Page<v1::Point>>>, Vec<Two<Page<v2::Order>, Page<v2::Order>>>),
    >(&w);
    let w = (vec![Two { a: pt(1), b: vec![pt(2)] }; 5], vec![Two { a: or1(1), b: vec![or1(2)] }]);
    expect_changed::<
        _,
        (Vec<Two<Page<v1::Point>, Page<v1::Point>>>, Vec<Two<Page<v1::Order>, Page<v2::Order>>>),
    >(&w);
}

#[test]
fn b_changed_across_repeated_dumps() {
    // tapes: the same type dumped again and again on one thread, the second
    // parameter appearing late
    for n in [0usize, 1, 2, 5, 30] {
        let w: Vec<v1::En> = (0..n).map(|i| v1::En::A(pt(i as u8))).chain([v1::En::B(or1(3))]).collect();
        for _ in 0..3 {
            expect_changed::<_, Vec<v2::En>>(&w);
            let back: Vec<v1::En> = brine_io::load(&brine_io::dump(&w).unwrap()).unwrap();
            assert_eq!(back, w);
        }
    }
}

// ---- typetag: every implementor is written under the one type Box<dyn Shape> ----

#[typetag::serde]
trait Shape: fmt::Debug {
    fn describe(&self) -> String;
}

#[typetag::serde(name = "P8")]
impl Shape for Page<u8> {
    fn describe(&self) -> String {
        format!("P8 {}", self.x)
    }
}

#[typetag::serde(name = "PS")]
impl Shape for Page<String> {
    fn describe(&self) -> String {
        format!("PS {}", self.x)
    }
}

#[test]
fn r4_typetag_two_instantiations_of_one_generic_struct() {
    let shapes: Vec<Box<dyn Shape>> =
        vec![Box::new(Page { x: 1u8 }), Box::new(Page { x: 2u8 }), Box::new(Page { x: "hi".to_string() })];
    let bytes = brine_io::dump(&shapes).unwrap();
    let back: Vec<Box<dyn Shape>> = match brine_io::load(&bytes) {
        Ok(back) => back,
        Err(error) => panic!("a value its own type wrote was refused: {error}"),
    };
    let described: Vec<String> = back.iter().map(|s| s.describe()).collect();
    assert_eq!(described, ["P8 1", "P8 2", "PS hi"]);
}

/// As `Either`, with serde's own `#[serde(untagged)]` writing it (read
/// through `Tagged2`'s tag).
#[derive(Serialize, Debug, PartialEq, Clone)]
#[serde(untagged)]
enum Un {
    L(Page<u8>),
    R(Page<String>),
}
#[derive(Serialize, Debug, PartialEq, Clone)]
#[serde(into = "(bool, Un)")]
struct Tagged2(bool, Un);
impl From<Tagged2> for (bool, Un) {
    fn from(t: Tagged2) -> Self {
        (t.0, t.1)
    }
}
impl<'de> Deserialize<'de> for Tagged2 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tagged2;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tagged page")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tagged2, A::Error> {
                let is_r: bool = seq.next_element()?.unwrap();
                Ok(Tagged2(
                    is_r,
                    if is_r {
                        Un::R(seq.next_element()?.unwrap())
                    } else {
                        Un::L(seq.next_element()?.unwrap())
                    },
                ))
            }
        }
        d.deserialize_tuple(2, V)
    }
}

#[test]
#[ignore = "known limitation: an untagged enum forwards to two types' impls under one outer type"]
fn r1b_serde_untagged_forwarding_to_two_generic_records() {
    round_trip(&vec![
        Tagged2(false, Un::L(Page { x: 1 })),
        Tagged2(false, Un::L(Page { x: 2 })),
        Tagged2(true, Un::R(Page { x: "hi".to_string() })),
    ]);
}

#[derive(Serialize, Debug, Clone)]
enum Fw {
    T(Tagged2),
    O(Outer),
    H(Holder),
    P(Page<u16>),
    Q(Page<u8>),
    X(Vec<Un>),
}

fn rec(tag: bool) -> Rec {
    if tag { Rec { tag, num: 0, text: "hi".into() } } else { Rec { tag, num: 7, text: String::new() } }
}

fn fw() -> impl Strategy<Value = Fw> {
    let un = prop_oneof![
        any::<u8>().prop_map(|x| Un::L(Page { x })),
        "[a-c]{0,2}".prop_map(|x| Un::R(Page { x }))
    ];
    prop_oneof![
        un.clone().prop_map(|u| Fw::T(Tagged2(matches!(u, Un::R(_)), u))),
        (any::<u8>(), any::<bool>()).prop_map(|(x, t)| Fw::O(Outer { p: Page { x }, r: rec(t) })),
        (any::<bool>(), any::<bool>()).prop_map(|(a, b)| Fw::H(Holder { a: rec(a), b: rec(b) })),
        any::<u16>().prop_map(|x| Fw::P(Page { x })),
        any::<u8>().prop_map(|x| Fw::Q(Page { x })),
        proptest::collection::vec(un, 0..4).prop_map(Fw::X),
    ]
}

fn same_as_fresh<T: Serialize + Clone + Send + fmt::Debug + 'static>(v: &T) -> Result<(), TestCaseError> {
    let here = brine_io::dump(v).unwrap();
    prop_assert_eq!(&here, &fresh_bytes(v), "history changed the bytes of {:?}", v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn c_history_forwarding(values in proptest::collection::vec(proptest::collection::vec(fw(), 0..10), 1..8)) {
        for v in &values {
            same_as_fresh(v)?;
            if let Some(first) = v.first() {
                same_as_fresh(first)?;
                same_as_fresh(&(v.clone(), first.clone()))?;
            }
        }
    }
}

// ---- (d) mutated tables of generic, mixed-type envelopes ----

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn d_mutated_generic_tables_never_panic(
        v in proptest::collection::vec(item(), 1..6),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let forged = with_table_flipped::<Vec<Item>>(&brine_io::dump(&v).unwrap(), &flips);
        let _ = brine_io::load::<Vec<Item>>(&forged);
        let _ = brine_io::Options::new().check_type(false).load::<Vec<v1::En>>(&forged);
        let _ = brine_io::Options::new().check_type(false).load::<Vec<Two<Page<u8>, Page<u16>>>>(&forged);
    }
}

// ---- one visitor type behind two reading types of one serde name ----

/// A visitor of `Page`, reading `x` as `u8` or (a changed field) as `i8`.
struct PageV {
    signed: bool,
}
impl<'de> Visitor<'de> for PageV {
    type Value = i16;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Page")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<i16, A::Error> {
        Ok(if self.signed {
            i16::from(seq.next_element::<i8>()?.unwrap())
        } else {
            i16::from(seq.next_element::<u8>()?.unwrap())
        })
    }
}
/// `Page<u8>` as read.
#[derive(Debug, PartialEq)]
struct PU(i16);
/// `Page` with `x: i8`: another layout, one visitor type with `PU`.
#[derive(Debug, PartialEq)]
struct PI(i16);
impl<'de> Deserialize<'de> for PU {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Page", &["x"], PageV { signed: false }).map(PU)
    }
}
impl<'de> Deserialize<'de> for PI {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Page", &["x"], PageV { signed: true }).map(PI)
    }
}

#[test]
#[ignore = "known limitation: one visitor type reading two layouts by its state is taken for one reading type"]
fn r5_a_visitor_type_shared_by_two_layouts_reads_a_changed_field_unchecked() {
    let written = (Page { x: 1u8 }, Page { x: 255u8 });
    let bytes = brine_io::dump(&written).unwrap();
    // control: the changed type alone (or first) is found
    match brine_io::Options::new().check_type(false).load::<(PI, PU)>(&bytes) {
        Err(brine_io::load::Error::ShapeChanged { .. }) => {}
        other => panic!("control: {other:?}"),
    }
    match brine_io::Options::new().check_type(false).load::<(PU, PI)>(&bytes) {
        Err(brine_io::load::Error::ShapeChanged { .. }) => {}
        other => panic!("a changed type loaded: {other:?}"),
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum GE<T> {
    A(T),
    B { t: T, n: u8 },
    C(T, T),
    U,
}
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct NT<T>(T);
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct TS<T>(T, u8);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Gi {
    A(GE<u8>),
    B(GE<u16>),
    C(GE<Page<u8>>),
    D(Vec<GE<NT<u8>>>),
    E(Option<GE<TS<u16>>>),
    F(NT<TS<u8>>),
    G(TS<NT<u16>>),
    H(Page<GE<u8>>),
    I(Page<Vec<GE<u16>>>),
}

fn ge<T: Clone + fmt::Debug>(t: impl Strategy<Value = T> + Clone) -> impl Strategy<Value = GE<T>> {
    prop_oneof![
        t.clone().prop_map(GE::A),
        (t.clone(), any::<u8>()).prop_map(|(t, n)| GE::B { t, n }),
        (t.clone(), t).prop_map(|(a, b)| GE::C(a, b)),
        Just(GE::U),
    ]
}

fn gi() -> impl Strategy<Value = Gi> {
    prop_oneof![
        ge(any::<u8>()).prop_map(Gi::A),
        ge(any::<u16>()).prop_map(Gi::B),
        ge(any::<u8>().prop_map(|x| Page { x })).prop_map(Gi::C),
        proptest::collection::vec(ge(any::<u8>().prop_map(NT)), 0..4).prop_map(Gi::D),
        proptest::option::of(ge(any::<u16>().prop_map(|x| TS(x, 1)))).prop_map(Gi::E),
        any::<u8>().prop_map(|x| Gi::F(NT(TS(x, 2)))),
        any::<u16>().prop_map(|x| Gi::G(TS(NT(x), 3))),
        ge(any::<u8>()).prop_map(|x| Gi::H(Page { x })),
        proptest::collection::vec(ge(any::<u16>()), 0..4).prop_map(|x| Gi::I(Page { x })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn c_history_generic_enums(values in proptest::collection::vec(proptest::collection::vec(gi(), 0..12), 1..8)) {
        for v in &values {
            unchanged_by_history(v)?;
            if let Some(first) = v.first() {
                unchanged_by_history(first)?;
                unchanged_by_history(&(v.clone(), first.clone(), v.clone()))?;
            }
        }
    }
}
