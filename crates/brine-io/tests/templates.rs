//! A dump's bytes never depend on what the thread dumped before.
//!
//! A thread keeps the shape table of each type it dumped lately and checks
//! the next value of the type against it instead of recording a new table
//! (`shape/replay.rs`). These tests dump values one after another on one
//! thread and compare each with a dump of the same value on a new thread,
//! which has no template: the bytes must be the same, whatever the values
//! before held (other variants, `None` after `Some`, variants in another
//! order, empty sequences, a type whose `Serialize` writes something else
//! each time, a dump inside a dump). And a table written by a replay still
//! stops a changed type.

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};

/// `value` dumped on a thread of its own: with no template.
fn fresh<T: Serialize + Clone + Send + 'static>(value: &T) -> Vec<u8> {
    let value = value.clone();
    std::thread::spawn(move || brine_io::dump(&value).unwrap()).join().unwrap()
}

/// Dumps each value on this thread, in order, and checks its bytes.
fn same_as_fresh<T: Serialize + Clone + Send + std::fmt::Debug + 'static>(values: &[T]) {
    for (i, value) in values.iter().enumerate() {
        let here = brine_io::dump(value).unwrap();
        let mut appended = Vec::new();
        brine_io::dump_append(value, &mut appended).unwrap();
        let mut streamed = Vec::new();
        brine_io::dump_into(value, &mut streamed).unwrap();
        let alone = fresh(value);
        assert!(here == alone, "value {i} ({value:?}): its bytes depend on the dumps before it");
        assert!(appended == alone, "value {i} ({value:?}): dump_append differs");
        assert!(streamed == alone, "value {i} ({value:?}): dump_into differs");
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
