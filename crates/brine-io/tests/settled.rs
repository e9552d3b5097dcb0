//! Settled records: a struct (or struct variant) whose fields are all
//! primitives is recorded with its first value, and its later values record
//! nothing. The reader checks a settled record's first value and lets the
//! later ones through, so that it never refuses what the writer did not
//! record: every value a type wrote loads back.
//!
//! These cases were refused before: two structs of one serde name from two
//! modules (the writer took the second for the first, settled, and recorded
//! none of its names, which the reader then compared with the first's), and
//! a value whose primitive kinds depend on the value, in a table of more
//! than 64 records (the reader remembered the first 64 records only, and
//! checked every value of the others against what their first value wrote).

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use brine_io::load;
use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod common;
use common::round_trip;

mod first {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Point {
        pub x: i64,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Shape {
        Dot { x: i64 },
    }
}

mod second {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Point {
        pub y: i64,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Shape {
        Dot { y: i64 },
    }
}

/// Another field name and another primitive, under the serde name `Point`.
mod third {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    #[serde(rename = "Point")]
    pub struct Point {
        pub z: u8,
    }
}

#[test]
fn two_structs_of_one_name_load_back() {
    round_trip(&(first::Point { x: 1 }, second::Point { y: 2 }));
    round_trip(&(second::Point { y: 2 }, first::Point { x: 1 }));
    round_trip(&(first::Point { x: 1 }, third::Point { z: 3 }));
    round_trip(&vec![
        (first::Point { x: 1 }, second::Point { y: 2 }),
        (first::Point { x: 3 }, second::Point { y: 4 }),
    ]);
    // the other type first met after many values of the first
    let firsts: Vec<first::Point> = (0..10).map(|x| first::Point { x }).collect();
    round_trip(&(firsts, vec![second::Point { y: 7 }; 3]));
}

#[test]
fn two_enums_of_one_name_load_back() {
    round_trip(&(first::Shape::Dot { x: 1 }, second::Shape::Dot { y: 2 }));
    round_trip(&vec![(first::Shape::Dot { x: 1 }, second::Shape::Dot { y: 2 }); 3]);
}

#[test]
fn a_changed_struct_is_still_found_at_its_first_value() {
    // written as `first::Point`, read as a struct of that name whose field
    // was renamed: the first value is checked, whatever follows
    let bytes = brine_io::dump(&vec![first::Point { x: 1 }, first::Point { x: 2 }]).unwrap();
    let options = brine_io::Options::new().check_type(false);
    match options.load::<Vec<second::Point>>(&bytes) {
        Err(load::Error::ShapeChanged { expected, found, .. }) => {
            assert!(expected.contains("`y`") && found.contains("`x`"), "{expected} / {found}");
        }
        other => panic!("expected ShapeChanged, got {other:?}"),
    }
}

/// A struct whose second field's primitive depends on the first's: postcard
/// reads it back, as the reader knows from the tag what comes next.
#[derive(Debug, PartialEq, Clone)]
enum Tagged {
    Number(i64),
    Text(String),
}

impl Serialize for Tagged {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tagged = serializer.serialize_struct("Tagged", 2)?;
        match self {
            Tagged::Number(n) => {
                tagged.serialize_field("tag", &0u8)?;
                tagged.serialize_field("data", n)?;
            }
            Tagged::Text(text) => {
                tagged.serialize_field("tag", &1u8)?;
                tagged.serialize_field("data", text)?;
            }
        }
        tagged.end()
    }
}

impl<'de> Deserialize<'de> for Tagged {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Tagged;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a tag and its data")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tagged, A::Error> {
                let tag: u8 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let missing = || de::Error::invalid_length(1, &Fields);
                match tag {
                    0 => Ok(Tagged::Number(seq.next_element()?.ok_or_else(missing)?)),
                    _ => Ok(Tagged::Text(seq.next_element()?.ok_or_else(missing)?)),
                }
            }
        }
        deserializer.deserialize_struct("Tagged", &["tag", "data"], Fields)
    }
}

/// 70 structs, so that a record read after them is numbered past 64.
macro_rules! many {
    ($($name:ident)*) => {
        mod many {
            use super::*;
            $(
                #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
                pub struct $name {
                    pub n: u8,
                }
            )*
            #[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
            #[allow(non_snake_case)]
            pub struct Many {
                $(pub $name: $name,)*
            }
        }
    };
}

many!(
    S0 S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13 S14 S15 S16 S17 S18 S19 S20 S21 S22 S23 S24
    S25 S26 S27 S28 S29 S30 S31 S32 S33 S34 S35 S36 S37 S38 S39 S40 S41 S42 S43 S44 S45 S46 S47
    S48 S49 S50 S51 S52 S53 S54 S55 S56 S57 S58 S59 S60 S61 S62 S63 S64 S65 S66 S67 S68 S69
);

#[test]
fn values_whose_primitives_vary_load_back_in_any_table() {
    let tagged = vec![Tagged::Number(5), Tagged::Text("five".into()), Tagged::Number(6)];
    // a small table, and one where `Tagged` is record 71
    round_trip(&tagged);
    round_trip(&(many::Many::default(), tagged.clone()));
    // and postcard agrees on what was written
    let bytes = postcard::to_allocvec(&(many::Many::default(), tagged.clone())).unwrap();
    assert_eq!(postcard::from_bytes::<(many::Many, Vec<Tagged>)>(&bytes).unwrap().1, tagged);
}

#[test]
fn a_changed_struct_past_64_records_is_still_found() {
    // past 64 records a settled record's later values pass; its first is checked
    let bytes = brine_io::dump(&(many::Many::default(), vec![first::Point { x: 1 }; 3])).unwrap();
    let options = brine_io::Options::new().check_type(false);
    let error = options.load::<(many::Many, Vec<second::Point>)>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error:?}");
}

/// A newtype with either inner type.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Wrap<T>(T);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Two {
    Number(Wrap<u32>),
    Text(Wrap<String>),
}

mod newtypes_a {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct N(pub u32);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum E {
        V(u32),
    }
}

mod newtypes_b {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct N(pub String);

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum E {
        V(String),
    }

    /// Variant `V` of another kind.
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    #[serde(rename = "E")]
    pub enum Other {
        V { v: u32 },
    }
}

#[test]
fn newtypes_whose_inner_type_varies_load_back() {
    round_trip(&vec![Two::Number(Wrap(1)), Two::Text(Wrap("s".into())), Two::Number(Wrap(2))]);
    round_trip(&(Wrap(1u32), Wrap(String::from("s"))));
    round_trip(&(newtypes_a::N(1), newtypes_b::N("x".into())));
    round_trip(&(vec![newtypes_b::N("x".into())], vec![newtypes_a::N(1); 2]));
    round_trip(&(newtypes_a::E::V(1), newtypes_b::E::V("x".into())));
    round_trip(&(newtypes_a::E::V(1), newtypes_b::Other::V { v: 2 }));
}

mod record_v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Address {
        pub street: String,
        pub zip: u32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct User {
        pub id: u64,
        pub tags: Vec<String>,
        pub address: Option<Address>,
        pub scores: std::collections::BTreeMap<String, (u8, f64)>,
    }

    pub fn users(n: u64, none_every: u64) -> Vec<User> {
        (0..n)
            .map(|id| User {
                id,
                tags: (0..id % 3).map(|t| format!("t{t}")).collect(),
                address: (id % none_every != 0)
                    .then(|| Address { street: format!("{id} Main St"), zip: 10_000 + id as u32 }),
                scores: (0..id % 2).map(|s| (format!("s{s}"), (s as u8, 0.5))).collect(),
            })
            .collect()
    }
}

/// `record_v1` with `Address`'s fields swapped.
mod record_v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Address {
        pub zip: u32,
        pub street: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct User {
        pub id: u64,
        pub tags: Vec<String>,
        pub address: Option<Address>,
        pub scores: std::collections::BTreeMap<String, (u8, f64)>,
    }
}

#[test]
fn records_whose_parts_are_all_known_load_back() {
    for none_every in [1, 2, 3, 1000] {
        round_trip(&record_v1::users(50, none_every));
    }
    round_trip(&(record_v1::users(5, 3), record_v1::users(5, 2)));
}

#[test]
fn a_change_first_met_after_a_record_settled_elsewhere_is_found() {
    // the first users have no address, no tags and no scores: `User` is not
    // settled until a value shows what those hold, and the reader checks
    // until the writer stopped recording
    let options = brine_io::Options::new().check_type(false);
    for none_every in [1, 2, 3] {
        let mut users = record_v1::users(20, 1);
        // one user with everything, far into the list
        users[15] = record_v1::users(16, 1000).pop().unwrap();
        users[15].tags = vec!["a".into()];
        if none_every > 1 {
            users[10].address = Some(record_v1::Address { street: "x".into(), zip: 1 });
        }
        let bytes = brine_io::dump(&users).unwrap();
        assert_eq!(brine_io::load::<Vec<record_v1::User>>(&bytes).unwrap(), users);
        match options.load::<Vec<record_v2::User>>(&bytes) {
            Err(load::Error::ShapeChanged { place, .. }) => assert!(place.contains("`address`"), "{place}"),
            other => panic!("a swapped Address loaded: {other:?}"),
        }
    }
}

/// A struct whose sequence holds numbers or strings, by its tag: the
/// reader knows from the tag which to read.
#[derive(Debug, PartialEq, Clone)]
enum Column {
    Numbers(Vec<i64>),
    Words(Vec<String>),
}

impl Serialize for Column {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut column = serializer.serialize_struct("Column", 2)?;
        match self {
            Column::Numbers(numbers) => {
                column.serialize_field("tag", &0u8)?;
                column.serialize_field("values", numbers)?;
            }
            Column::Words(words) => {
                column.serialize_field("tag", &1u8)?;
                column.serialize_field("values", words)?;
            }
        }
        column.end()
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Column;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a tag and its values")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Column, A::Error> {
                let tag: u8 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let missing = || de::Error::invalid_length(1, &Fields);
                match tag {
                    0 => Ok(Column::Numbers(seq.next_element()?.ok_or_else(missing)?)),
                    _ => Ok(Column::Words(seq.next_element()?.ok_or_else(missing)?)),
                }
            }
        }
        deserializer.deserialize_struct("Column", &["tag", "values"], Fields)
    }
}

#[test]
fn values_whose_inner_shapes_vary_load_back() {
    let columns = vec![
        Column::Numbers(vec![1, 2]),
        Column::Words(vec!["a".into()]),
        Column::Numbers(vec![]),
        Column::Words(vec![]),
    ];
    round_trip(&columns);
    // an empty one first: not settled until the second
    let mut later = columns.clone();
    later.rotate_left(2);
    round_trip(&later);
    round_trip(&(many::Many::default(), columns));
}

/// A list: a recursive type settles once a value went two deep.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Node {
    value: u32,
    next: Option<Box<Node>>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct OtherNode {
    value: u64,
    next: Option<Box<OtherNode>>,
}

fn list(len: u32) -> Option<Box<Node>> {
    (0..len).rev().fold(None, |next, value| Some(Box::new(Node { value, next })))
}

#[test]
fn recursive_values_load_back_and_changes_in_them_are_found() {
    round_trip(&list(100));
    round_trip(&vec![list(0), list(1), list(2), list(3)]);
    let bytes = brine_io::dump(&list(100)).unwrap();
    let options = brine_io::Options::new().check_type(false);
    let error = options.load::<Option<Box<OtherNode>>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error:?}");
}

/// A generic struct used with two parameters: two types of one serde name.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Page<T> {
    items: Vec<T>,
    total: u32,
}

mod order_v1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Order {
        pub qty: u32,
        pub price: u32,
    }
}

/// `order_v1::Order` with its fields swapped.
mod order_v2 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Order {
        pub price: u32,
        pub qty: u32,
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Pair<T> {
    a: T,
}

#[test]
fn a_generic_struct_settled_for_one_parameter_still_records_the_other() {
    let users = Page { items: vec![first::Point { x: 1 }], total: 1 };
    let orders = Page { items: vec![order_v1::Order { qty: 2, price: 300 }], total: 1 };
    let value = (users.clone(), users.clone(), orders.clone(), users.clone(), orders.clone());
    round_trip(&value);
    // a change to the second parameter's type is found, though `Page`
    // settled with the first before it was met
    let bytes = brine_io::dump(&value).unwrap();
    let options = brine_io::Options::new().check_type(false);
    type Changed = (
        Page<first::Point>,
        Page<first::Point>,
        Page<order_v2::Order>,
        Page<first::Point>,
        Page<order_v2::Order>,
    );
    match options.load::<Changed>(&bytes) {
        Err(load::Error::ShapeChanged { expected, .. }) => assert!(expected.contains("Order"), "{expected}"),
        other => panic!("a changed Order loaded: {other:?}"),
    }
    // with primitives: `Pair<u32>` settles at once, `Pair<u64>` is still
    // recorded (its field then varies, and goes unchecked, as any place
    // that varies: FORMAT.md)
    round_trip(&(Pair { a: 1u32 }, Pair { a: 2u32 }, Pair { a: u64::MAX }, Pair { a: 3u32 }));
}
