//! A dump's bytes never depend on what the thread dumped before.
//!
//! A thread keeps the shape table of each type it dumped lately and checks
//! the next value of the type against it instead of recording a new table
//! (`shape/replay.rs`). These tests dump values one after another on one
//! thread and compare each with a dump of the same value on a new thread,
//! which has no template: the bytes must be the same, whatever the values
//! before held (other variants, `None` after `Some`, variants in another
//! order, empty sequences, a type whose `Serialize` writes something else
//! each time, a dump inside a dump, arbitrary serializer calls and near
//! copies of a value, more types than a thread keeps, trait objects, dumps
//! that stopped midway). A value is serialized once, also when its replay
//! misses; hostile serde calls neither panic nor make a value its own type
//! refuses; and a table written by a replay still stops a changed type.

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use std::collections::BTreeMap;

use proptest::prelude::*;

mod scripted;
use scripted::{mutate_calm, scripts};
use serde::ser::{SerializeSeq, SerializeStruct, SerializeTuple};
use serde::{Deserialize, Serialize, Serializer};

/// `value` dumped on a thread of its own: with no template.
fn fresh<T: Serialize + Clone + Send + 'static>(value: &T) -> Vec<u8> {
    let value = value.clone();
    std::thread::spawn(move || brine_io::dump(&value).unwrap()).join().unwrap()
}

/// Dumps each value on this thread, in order, four ways, and checks its bytes.
fn same_as_fresh<T: Serialize + Clone + Send + std::fmt::Debug + 'static>(values: &[T]) {
    for (i, value) in values.iter().enumerate() {
        let alone = fresh(value);
        let here = brine_io::dump(value).unwrap();
        assert!(here == alone, "value {i} ({value:?}): dump depends on the dumps before it");
        let mut appended = vec![7u8];
        brine_io::dump_append(value, &mut appended).unwrap();
        assert!(appended[1..] == alone[..], "value {i} ({value:?}): dump_append differs");
        let mut streamed = Vec::new();
        brine_io::dump_into(value, &mut streamed).unwrap();
        assert!(streamed == alone, "value {i} ({value:?}): dump_into differs");
        let mut seekable = std::io::Cursor::new(Vec::new());
        brine_io::dump_into_seekable(value, &mut seekable).unwrap();
        assert!(seekable.into_inner() == alone, "value {i} ({value:?}): dump_into_seekable differs");
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(i16, String),
    Struct { a: Option<Box<Shape>>, b: Vec<Shape> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Leaf {
    x: u32,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Empty;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Doc {
    name: String,
    shapes: Vec<Shape>,
    index: BTreeMap<String, Option<(u8, Vec<u16>)>>,
    tail: Option<Leaf>,
    unit: (),
    empty: Empty,
    pair: (Leaf, [Leaf; 0], Vec<[u8; 2]>),
}

fn shapes() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![
        Just(Shape::Unit),
        any::<u8>().prop_map(Shape::Newtype),
        (any::<i16>(), "[a-c]{0,3}").prop_map(|(n, s)| Shape::Tuple(n, s)),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        (proptest::option::of(inner.clone()), proptest::collection::vec(inner, 0..3))
            .prop_map(|(a, b)| Shape::Struct { a: a.map(Box::new), b })
    })
}

fn docs() -> impl Strategy<Value = Doc> {
    (
        "[a-z]{0,4}",
        proptest::collection::vec(shapes(), 0..4),
        proptest::collection::btree_map(
            "[a-b]{1,2}",
            proptest::option::of((any::<u8>(), proptest::collection::vec(any::<u16>(), 0..3))),
            0..3,
        ),
        proptest::option::of(any::<u32>().prop_map(|x| Leaf { x })),
        proptest::collection::vec(any::<[u8; 2]>(), 0..3),
    )
        .prop_map(|(name, shapes, index, tail, pairs)| Doc {
            name,
            shapes,
            index,
            tail,
            unit: (),
            empty: Empty,
            pair: (Leaf { x: 1 }, [], pairs),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn values_dumped_in_a_row_are_the_bytes_of_each_alone(values in proptest::collection::vec(docs(), 1..6)) {
        same_as_fresh(&values);
        for value in &values {
            let back: Doc = brine_io::load(&brine_io::dump(value).unwrap()).unwrap();
            prop_assert_eq!(&back, value);
        }
    }
}

#[test]
fn variants_met_in_another_order_write_their_own_table() {
    use Shape::*;
    let forward = Struct { a: Some(Box::new(Newtype(1))), b: vec![Tuple(2, "x".into()), Unit] };
    let backward = Struct { a: Some(Box::new(Unit)), b: vec![Tuple(2, "x".into()), Newtype(1)] };
    same_as_fresh(&[forward.clone(), backward.clone(), forward.clone(), forward, backward, Unit, Unit]);
}

/// Everything a value reaches comes before its optional end, so a template
/// with the end present holds all of a value without it, and more.
#[derive(Serialize, Debug, Clone)]
struct Ends {
    first: u8,
    last: Option<(u16, Leaf)>,
}

#[test]
fn a_template_that_holds_more_than_the_value_is_not_its_table() {
    let some = Ends { first: 1, last: Some((2, Leaf { x: 3 })) };
    let none = Ends { first: 1, last: None };
    same_as_fresh(&[some.clone(), none.clone(), some.clone(), some, none.clone(), none]);
}

/// A type whose `Serialize` writes something else for each value: a number,
/// a string, a struct, a sequence of them, by turns.
#[derive(Debug, Clone)]
struct Switch(u8);

impl Serialize for Switch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 % 4 {
            0 => serializer.serialize_u8(self.0),
            1 => serializer.serialize_str("text"),
            2 => {
                let mut record = serializer.serialize_struct("Record", 2)?;
                record.serialize_field("a", &self.0)?;
                record.serialize_field(if self.0 > 100 { "b" } else { "c" }, &u64::from(self.0))?;
                record.end()
            }
            _ => {
                let mut seq = serializer.serialize_seq(Some(2))?;
                seq.serialize_element(&Switch(self.0 / 4))?;
                seq.serialize_element(&Switch(self.0 / 4 + 1))?;
                seq.end()
            }
        }
    }
}

#[test]
fn a_type_that_writes_something_else_each_time_gets_its_own_table_each_time() {
    let values: Vec<Switch> =
        [0u8, 1, 2, 3, 3, 2, 102, 2, 1, 0, 7, 11, 15, 0, 0, 0, 0, 1].map(Switch).to_vec();
    same_as_fresh(&values);
    let lists: Vec<Vec<Switch>> = vec![
        vec![Switch(0), Switch(4)],
        vec![Switch(1)],
        vec![Switch(0), Switch(1)],
        vec![],
        vec![Switch(2), Switch(102)],
        vec![Switch(0), Switch(4)],
    ];
    same_as_fresh(&lists);
}

/// A value whose `Serialize` dumps another value of its own type inside.
#[derive(Debug, Clone)]
struct Nested(u8, Option<Box<Nested>>);

impl Serialize for Nested {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inner = match &self.1 {
            Some(inner) => brine_io::dump(&**inner).map_err(serde::ser::Error::custom)?,
            None => Vec::new(),
        };
        let mut record = serializer.serialize_struct("Nested", 2)?;
        record.serialize_field("n", &self.0)?;
        record.serialize_field("inner", &inner)?;
        record.end()
    }
}

#[test]
fn a_dump_inside_a_dump_of_the_same_type_changes_no_bytes() {
    let deep = Nested(1, Some(Box::new(Nested(2, Some(Box::new(Nested(3, None)))))));
    same_as_fresh(&[deep.clone(), Nested(4, None), deep.clone(), deep]);
}

mod build1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub struct Config {
        pub retries: u32,
        pub scale: f32,
    }
}

mod build2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, Clone)]
    pub struct Config {
        pub scale: f32,
        pub retries: u32,
    }
}

#[test]
fn a_replayed_table_still_stops_a_changed_type() {
    let builds = brine_io::Options::new().check_type(false);
    for round in 0..4 {
        let bytes = brine_io::dump(&build1::Config { retries: round, scale: 0.5 }).unwrap();
        match builds.load::<build2::Config>(&bytes) {
            Err(brine_io::load::Error::ShapeChanged { .. }) => {}
            other => panic!("round {round}: expected ShapeChanged, got {other:?}"),
        }
        let back: build1::Config = builds.load(&bytes).unwrap();
        assert_eq!(back.retries, round);
    }
}

// -- a value that makes any sequence of serializer calls ------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any sequence of serializer calls, values one after another.
    #[test]
    fn any_calls_in_a_row_are_the_bytes_of_each_alone(values in proptest::collection::vec(scripts(false), 1..6)) {
        same_as_fresh(&values);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// A value, then small changes of it, then it again: templates that
    /// nearly fit.
    #[test]
    fn near_copies_in_a_row_are_the_bytes_of_each_alone(
        base in scripts(false),
        seeds in proptest::collection::vec(any::<u64>(), 1..6),
    ) {
        let mut values = vec![base.clone()];
        for mut seed in seeds {
            values.push(mutate_calm(&base, &mut seed));
            values.push(base.clone());
        }
        same_as_fresh(&values);
    }
}

// -- a miss encodes the value a second time -----------------------------------------

use std::cell::Cell;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

/// An `Option` that counts how often it is serialized.
#[derive(Debug, Clone)]
struct Counted(Option<(u16, String)>);

impl Serialize for Counted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        CALLS.with(|calls| calls.set(calls.get() + 1));
        self.0.serialize(s)
    }
}

/// `dump`'s docs: "The value is encoded once". A replay that misses (here:
/// `None` after a `Some`, whose template holds more) encodes it again, in
/// `Encoder::body`'s second pass (`pass.encode(value, 0)`), so every side
/// effect of a `Serialize` impl happens twice.
#[test]
fn dump_serializes_a_value_once() {
    let some = Counted(Some((1, "x".into())));
    let none = Counted(None);
    brine_io::dump(&some).unwrap();
    CALLS.with(|calls| calls.set(0));
    brine_io::dump(&none).unwrap();
    assert_eq!(CALLS.with(Cell::get), 1, "dump called Serialize more than once");
}

/// Values that keep differing, but never three misses in a row: `Some`,
/// `None`, `None`, ... Each `Some` misses (the `None` template has no
/// inside), the next `None` misses (the `Some` template holds more), the
/// third passes and resets the count (`finish`: `template.misses = 0`). So
/// two dumps in three encode the value twice, for ever: the `UNSTABLE`
/// guard only counts misses in a row.
#[test]
fn values_that_keep_differing_are_not_encoded_twice_for_ever() {
    let values = [Counted(Some((1, "x".into()))), Counted(None), Counted(None)];
    for value in &values {
        brine_io::dump(value).unwrap(); // whatever the first few cost
    }
    CALLS.with(|calls| calls.set(0));
    let rounds = 100;
    for _ in 0..rounds {
        for value in &values {
            brine_io::dump(value).unwrap();
        }
    }
    let calls = CALLS.with(Cell::get);
    assert!(
        calls <= 3 * rounds + 10,
        "{} dumps called Serialize {calls} times: a miss in most dumps, for ever",
        3 * rounds
    );
}

/// A hand-written tagged union, as in tests/review.rs: a tuple (tag, then
/// a u32 or a string). Its tag flips each time it is serialized (a stand-in
/// for a value another thread changes while it is dumped, or any impl whose
/// output is not the same twice).
#[derive(Debug)]
struct Flip(Cell<u8>);

impl Serialize for Flip {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let tag = self.0.get() % 2;
        self.0.set(self.0.get().wrapping_add(1));
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&tag)?;
        if tag == 0 {
            t.serialize_element(&7u32)?
        } else {
            t.serialize_element("seven")?
        }
        t.end()
    }
}

#[derive(Debug, PartialEq)]
enum Tagged {
    Num(u32),
    Text(String),
}

impl<'de> serde::Deserialize<'de> for Tagged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Tagged;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("(tag, value)")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Tagged, A::Error> {
                let tag: u8 = seq.next_element()?.unwrap();
                Ok(if tag == 0 {
                    Tagged::Num(seq.next_element()?.unwrap())
                } else {
                    Tagged::Text(seq.next_element()?.unwrap())
                })
            }
        }
        d.deserialize_tuple(2, V)
    }
}

/// The first pass writes the bytes of one serialization, the second pass
/// records the table of another: the envelope's table does not describe its
/// payload, and the value is refused as `ShapeChanged` by its own type. A
/// dump on a fresh thread (one pass) loads.
#[test]
fn the_table_written_is_the_one_of_the_bytes_written() {
    let value = Flip(Cell::new(0));
    let first = brine_io::dump(&value).unwrap(); // tag 0: a fresh table, u32 at element 1
    // loaded on threads of their own: no memo of an earlier check
    let load = |bytes: Vec<u8>| {
        std::thread::spawn(move || brine_io::Options::new().check_type(false).load::<Tagged>(&bytes))
            .join()
            .unwrap()
    };
    assert_eq!(load(first).unwrap(), Tagged::Num(7));
    // tag 1 misses the u32 template; the second pass sees tag 0 again
    let second = brine_io::dump(&value).unwrap();
    match load(second) {
        Ok(back) => assert_eq!(back, Tagged::Text("seven".into())),
        Err(error) => panic!("a value its own type wrote is refused: {error}"),
    }
}

// -- hostile serde calls that panic or confuse the recording (not the replay) --------

/// A struct named `E` and a unit variant of an enum named `E` with index
/// `u32::MAX` (= the table's `NONE`) in one value.
#[derive(Debug, Clone)]
struct MaxIndex;

impl Serialize for MaxIndex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&StructE)?;
        t.serialize_element(&VariantMax)?;
        t.end()
    }
}

#[derive(Debug, Clone)]
struct StructE;
impl Serialize for StructE {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_struct("E", 0)?.end()
    }
}

#[derive(Debug, Clone)]
struct VariantMax;
impl Serialize for VariantMax {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit_variant("E", u32::MAX, "V")
    }
}

/// `Table::variant_record` finds variants by `r.variant_index == index`, which
/// a struct record (`variant_index: NONE`) matches when `index` is
/// `u32::MAX`; it then indexes `names[NONE]` and panics. serde allows any u32
/// variant index. A dump returns an error or bytes, never panics.
#[test]
fn a_variant_index_of_u32_max_does_not_panic() {
    let dumped = std::panic::catch_unwind(|| brine_io::dump(&MaxIndex).map(|_| ()));
    assert!(dumped.is_ok(), "dump panicked");
}

/// Two struct names that start at one address: "A" and "AB", both slices
/// of one `&'static str`.
const AB: &str = "AB";

#[derive(Debug, Clone, PartialEq)]
struct Two {
    a: u8,
    b: String,
}

impl Serialize for Two {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Short(u8);
        impl Serialize for Short {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct(&AB[..1], 1)?;
                st.serialize_field("a", &self.0)?;
                st.end()
            }
        }
        struct Long<'a>(&'a str);
        impl Serialize for Long<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct(&AB[..2], 1)?;
                st.serialize_field("b", self.0)?;
                st.end()
            }
        }
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&Short(self.a))?;
        t.serialize_element(&Long(&self.b))?;
        t.end()
    }
}

impl<'de> serde::Deserialize<'de> for Two {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename = "A")]
        struct Short {
            a: u8,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename = "AB")]
        struct Long {
            b: String,
        }
        let (short, long): (Short, Long) = serde::Deserialize::deserialize(d)?;
        Ok(Two { a: short.a, b: long.b })
    }
}

/// `Table::struct_record`'s `last_record` knows a name by `name.as_ptr()`
/// alone, not its length (and the new `Recorder::settled_at` memo does the
/// same): "AB" gets the record of "A", whose fields are settled, so the
/// table says a struct `A {a: u8}` sits where `AB {b: String}` was written,
/// and the value's own type is refused.
#[test]
fn two_names_at_one_address_are_two_records() {
    let value = Two { a: 1, b: "x".into() };
    let bytes = brine_io::dump(&value).unwrap();
    let back = brine_io::Options::new().check_type(false).load::<Two>(&bytes);
    assert_eq!(back.unwrap(), value);
}

// -- thread state ---------------------------------------------------------------------

struct DumpsOnDrop(std::sync::mpsc::Sender<bool>);

impl Drop for DumpsOnDrop {
    fn drop(&mut self) {
        let dumped = std::panic::catch_unwind(|| brine_io::dump(&5u8).is_ok()).unwrap_or(false);
        let _ = self.0.send(dumped);
    }
}

thread_local! {
    static ON_EXIT: std::cell::RefCell<Option<DumpsOnDrop>> = const { std::cell::RefCell::new(None) };
}

/// `Recorder::start` reads `TEMPLATES` with `LocalKey::with`, which panics
/// once the thread's `TEMPLATES` is destroyed: a dump from another
/// thread-local's destructor (registered before the thread's first dump, so
/// run after `TEMPLATES` is gone) panics ("cannot access a Thread Local
/// Storage value during or after destruction") instead of dumping without
/// a template.
#[test]
fn a_dump_in_a_thread_local_destructor_does_not_panic() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        ON_EXIT.with(|slot| *slot.borrow_mut() = Some(DumpsOnDrop(tx)));
        brine_io::dump(&1u8).unwrap();
    })
    .join()
    .unwrap();
    assert!(rx.recv().unwrap(), "a dump in a thread-local destructor panicked or failed");
}

/// One generic type per `N`: more types than a thread keeps templates of.
#[derive(Serialize, Debug, Clone)]
struct Kind<const N: usize> {
    tail: Option<Vec<(u8, String)>>,
}

fn kinds(round: usize) {
    macro_rules! each {
        ($($n:literal)*) => {$(
            let some = Kind::<$n> { tail: Some(vec![(1, "a".into())]) };
            let none = Kind::<$n> { tail: (round % 3 == 0).then(Vec::new) };
            same_as_fresh(&[some, none]);
        )*};
    }
    each!(0 1 2 3 4 5 6 7 8 9 10);
}

/// Eleven types in turn (three more than `KEPT`), each `Some` then `None`.
#[test]
fn more_types_than_kept_in_turn_are_the_bytes_of_each_alone() {
    for round in 0..4 {
        kinds(round);
    }
}

/// Fails (with an error, or a panic) after writing part of its value.
#[derive(Debug, Clone)]
struct Halfway {
    fail: Option<bool>, // Some(true): panic, Some(false): error
    tail: Option<String>,
}

impl Serialize for Halfway {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Halfway", 3)?;
        st.serialize_field("head", &Some((1u8, "x")))?;
        match self.fail {
            Some(true) => panic!("halfway"),
            Some(false) => return Err(serde::ser::Error::custom("halfway")),
            None => {}
        }
        st.serialize_field("mid", &vec![Some(2u16)])?;
        st.serialize_field("tail", &self.tail)?;
        st.end()
    }
}

/// A dump that stopped midway (an error, a panic, a refused
/// `skip_serializing_if`) leaves no half-made template behind.
#[test]
fn a_dump_that_stopped_midway_leaves_no_template_behind() {
    #[derive(Serialize)]
    struct Skips {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<u8>,
    }
    let whole = Halfway { fail: None, tail: Some("t".into()) };
    let short = Halfway { fail: None, tail: None };
    for fail in [false, true, false, true] {
        same_as_fresh(std::slice::from_ref(&whole));
        let failing = Halfway { fail: Some(fail), tail: None };
        let stopped = std::panic::catch_unwind(|| brine_io::dump(&failing).is_err());
        assert!(stopped.unwrap_or(true));
        same_as_fresh(&[short.clone(), whole.clone()]);
        assert!(brine_io::dump(&Skips { a: Some(1) }).is_ok());
        assert!(brine_io::dump(&Skips { a: None }).is_err());
        assert!(brine_io::dump(&Skips { a: Some(1) }).is_ok());
    }
}

#[typetag::serde]
trait Animal: std::fmt::Debug + Send {}

#[derive(Serialize, serde::Deserialize, Debug, Clone)]
struct Cat {
    lives: u8,
}
#[typetag::serde]
impl Animal for Cat {}

#[derive(Serialize, serde::Deserialize, Debug, Clone)]
struct Dog {
    name: String,
    friend: Option<Box<dyn Animal>>,
}
#[typetag::serde]
impl Animal for Dog {}

impl Clone for Box<dyn Animal> {
    fn clone(&self) -> Self {
        // the tests only clone what they build: round trip through brine
        brine_io::load(&brine_io::dump(self).unwrap()).unwrap()
    }
}

/// Trait objects of several types behind one `TypeId`, in every order.
#[test]
fn trait_objects_in_a_row_are_the_bytes_of_each_alone() {
    let cat = || -> Box<dyn Animal> { Box::new(Cat { lives: 9 }) };
    let dog = |friend| -> Box<dyn Animal> { Box::new(Dog { name: "d".into(), friend }) };
    let values: Vec<Vec<Box<dyn Animal>>> = vec![
        vec![cat(), dog(None)],
        vec![dog(Some(cat()))],
        vec![dog(Some(dog(None))), cat()],
        vec![cat(), dog(None)],
        vec![],
        vec![dog(Some(cat()))],
    ];
    same_as_fresh(&values);
    for value in &values {
        let back: Vec<Box<dyn Animal>> = brine_io::load(&brine_io::dump(value).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{value:?}"));
    }
}

// -- tapes ------------------------------------------------------------------------------
//
// A template also keeps the calls of the dump that made it (`Recorder::taped`),
// a call repeated in a row counted once; a dump that makes the same calls
// follows that tape instead of checking the table.

/// A struct named by a cut of one `&'static str`: `Point` and `Poin` at one
/// address, told apart by their length only.
#[derive(Debug, Clone)]
struct Cut(bool);

const POINT: &str = "Point";

impl Serialize for Cut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let name = if self.0 { POINT } else { &POINT[..4] };
        let mut st = s.serialize_struct(name, 1)?;
        st.serialize_field(&POINT[..if self.0 { 1 } else { 2 }], &7u8)?;
        st.end()
    }
}

#[test]
fn a_name_cut_from_another_is_another_call() {
    same_as_fresh(&[Cut(true), Cut(false), Cut(false), Cut(true), Cut(true), Cut(false)]);
}

/// A sequence written element by element: the recorder is asked after each
/// one whether its elements are primitives, the same call again and again.
#[derive(Debug, Clone)]
struct ByHand(Vec<Option<Leaf>>);

impl Serialize for ByHand {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in &self.0 {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

/// Runs of one call longer and shorter than the tape's, and other calls
/// where the tape repeats one.
#[test]
fn calls_repeated_more_or_fewer_times_than_the_tape_holds() {
    let leaf = |x| Some(Leaf { x });
    let values = [
        ByHand(vec![leaf(1), leaf(2), leaf(3)]),
        ByHand(vec![leaf(1), leaf(2), leaf(3), leaf(4), leaf(5)]),
        ByHand(vec![leaf(1), leaf(2)]),
        ByHand(vec![leaf(1), leaf(2), leaf(3), leaf(4), leaf(5)]),
        ByHand(vec![leaf(1), None, leaf(3), leaf(4), leaf(5)]),
        ByHand(vec![leaf(1), leaf(2), leaf(3), leaf(4), None]),
        ByHand(vec![None, None]),
        ByHand(vec![]),
        ByHand(vec![leaf(9)]),
        ByHand(vec![leaf(9)]),
    ];
    same_as_fresh(&values);
}

/// A value that makes more different calls than a tape holds keeps its
/// table without one; the values after it, longer or shorter, still write
/// their own bytes.
#[test]
fn values_of_more_calls_than_a_tape_holds() {
    // a variant at the end that the first elements don't have: a table of
    // the whole value holds more than one of its first elements
    let long: Vec<Shape> = (0..200)
        .map(|i| match i % 3 {
            _ if i == 199 => Shape::Struct { a: None, b: vec![] },
            0 => Shape::Unit,
            1 => Shape::Newtype(i as u8),
            _ => Shape::Tuple(i as i16, String::new()),
        })
        .collect();
    let short = long[..4].to_vec();
    same_as_fresh(&[
        long.clone(),
        long.clone(),
        short.clone(),
        short.clone(),
        long.clone(),
        long.clone(),
        short,
    ]);
    // each length's calls are the first calls of the long value's: one of
    // them ends where a tape would have been cut
    for len in 0..80 {
        same_as_fresh(&[long.clone(), long[..len].to_vec()]);
    }
}

/// A record whose optional part is there in two of three: in a `Vec`, the
/// elements' calls differ from the one before too often to be followed,
/// so past a few elements each call is checked against the template alone
/// (the replay's plain way, with no tape and no element compared).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Home {
    id: u32,
    label: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Member {
    id: u64,
    name: String,
    tags: Vec<String>,
    home: Option<Home>,
    score: f64,
}

fn members(count: u64, shift: u64) -> Vec<Member> {
    (0..count)
        .map(|i| Member {
            id: i,
            name: format!("member {i}"),
            tags: (0..(i + shift) % 3).map(|t| format!("t{t}")).collect(),
            home: (!(i + shift).is_multiple_of(3)).then(|| Home { id: i as u32, label: format!("home {i}") }),
            score: i as f64 / 4.0,
        })
        .collect()
}

#[test]
fn records_whose_options_vary_replay_to_the_bytes_of_a_fresh_dump() {
    // the same pattern again (the template passes), another phase of it,
    // one record fewer, all with a home, then none with one
    let mut all_home = members(40, 1);
    all_home.iter_mut().for_each(|m| m.home.get_or_insert(Home { id: 1, label: "h".into() }).id += 1);
    let mut no_home = members(40, 2);
    no_home.iter_mut().for_each(|m| m.home = None);
    same_as_fresh(&[members(60, 0), members(60, 0), members(60, 1), members(59, 0), all_home, no_home]);
    // and in a map, whose entries are compared as a sequence's elements
    let map = |shift| members(50, shift).into_iter().map(|m| (m.id, m)).collect::<BTreeMap<_, _>>();
    same_as_fresh(&[map(0), map(0), map(2)]);
}
