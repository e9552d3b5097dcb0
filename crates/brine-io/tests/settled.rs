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

fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = brine_io::dump(value).unwrap();
    match brine_io::load::<T>(&bytes) {
        Ok(back) => assert_eq!(&back, value),
        Err(error) => panic!("a value its own type wrote was refused: {error}"),
    }
}

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
