//! Sequence elements that differ only in an enum's variant: once each
//! variant met has settled, the next elements follow the calls of the one
//! before, and each variant call (a *hole*, `shape/replay/repeats.rs`) is
//! made anew. Whatever the variants do, a dump's bytes are those of a dump
//! on a new thread and of a dump that follows no element's calls, and every
//! value loads back. (In debug builds, the recorder also checks that each
//! call followed answers what the tape says and changes nothing.)

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::ser::{SerializeStruct, SerializeStructVariant};
use serde::{Deserialize, Serialize, Serializer};

mod common;
use common::{fresh_bytes, plain_bytes, round_trip};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Kind {
    Alpha,
    Beta(u32),
    Gamma {
        x: i64,
    },
    /// Never settles while `y` is `None`: its calls are not a hole.
    Delta {
        y: Option<u32>,
    },
    /// Holds an enum: never settles.
    Nested(Status),
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
enum Status {
    Active,
    Idle,
    Gone,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Rec {
    id: u64,
    name: String,
    tags: Vec<String>,
    kind: Kind,
    score: f64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Wrap<T> {
    One(T),
    Two { a: T },
}

fn kind(n: u64) -> Kind {
    match n % 5 {
        0 => Kind::Alpha,
        1 => Kind::Beta(n as u32),
        2 => Kind::Gamma { x: -(n as i64) },
        3 => Kind::Delta { y: None },
        _ => Kind::Nested([Status::Active, Status::Idle, Status::Gone][(n % 3) as usize]),
    }
}

fn rec(id: u64, kind: Kind) -> Rec {
    Rec { id, name: format!("n{id}"), tags: vec!["t".into(); (id % 2) as usize], kind, score: 0.5 }
}

/// `value` dumped here (twice: the second dump meets the first's template)
/// is the bytes of a dump on a new thread and of one that follows no
/// element's calls, and loads back.
fn same_everywhere<T>(value: &T)
where
    T: Serialize + for<'de> Deserialize<'de> + Clone + Send + PartialEq + std::fmt::Debug + 'static,
{
    let fresh = fresh_bytes(value);
    let plain = plain_bytes(value);
    assert!(fresh == plain, "following elements changed the bytes of {value:?}");
    for _ in 0..2 {
        assert!(brine_io::dump(value).unwrap() == fresh, "history changed the bytes of {value:?}");
    }
    round_trip(value);
}

/// Three variants that settle, cycling: every element after the first few
/// differs from the one before in its variant only.
#[test]
fn records_whose_variants_cycle() {
    let recs: Vec<Rec> = (0..120).map(|i| rec(i, kind(i % 3))).collect();
    same_everywhere(&recs);
}

/// Variants met for the first time after the elements began to follow:
/// the hole is made anew and changes the table, and the elements leave the
/// tape there; a variant that never settles, and one holding an enum.
#[test]
fn new_variants_after_following_began() {
    let recs: Vec<Rec> = (0..200)
        .map(|i| {
            rec(
                i,
                if i < 60 {
                    kind(i % 3)
                } else if i < 120 {
                    kind(i % 4)
                } else {
                    kind(i)
                },
            )
        })
        .collect();
    same_everywhere(&recs);
}

/// Elements that are a variant alone, and pairs of them: holes side by side.
#[test]
fn sequences_of_enums() {
    let kinds: Vec<Kind> = (0..300).map(|i| kind(i % 3)).collect();
    same_everywhere(&kinds);
    let statuses: Vec<Status> =
        (0..300).map(|i| [Status::Active, Status::Idle, Status::Gone][i % 3]).collect();
    same_everywhere(&statuses);
    let pairs: Vec<(Kind, Status, Kind)> = (0..300)
        .map(|i| (kind(i % 3), [Status::Gone, Status::Idle][(i % 2) as usize], kind((i + 1) % 3)))
        .collect();
    same_everywhere(&pairs);
}

/// Map values, options around the enum, and one generic enum written with
/// two types at two places (each of its places settles for its own type).
#[test]
fn enums_in_maps_options_and_generics() {
    let map: BTreeMap<u32, Kind> = (0..200).map(|i| (i, kind(u64::from(i) % 3))).collect();
    same_everywhere(&map);
    let options: Vec<(u8, Option<Kind>)> =
        (0..200u32).map(|i| (i as u8, (i % 4 != 0).then(|| kind(u64::from(i) % 3)))).collect();
    same_everywhere(&options);
    let generic: Vec<(Wrap<u8>, Wrap<String>)> = (0..200)
        .map(|i| {
            let a = if i % 2 == 0 { Wrap::One(i as u8) } else { Wrap::Two { a: i as u8 } };
            let b = if i % 3 == 0 { Wrap::Two { a: format!("{i}") } } else { Wrap::One(String::new()) };
            (a, b)
        })
        .collect();
    same_everywhere(&generic);
}

/// A hand-written enum whose variants of one index change their kind and
/// length from one element to the next, after the elements began to follow:
/// each change makes the variant's record conflicting, which the hole must
/// see as a change.
#[derive(Debug, Clone, PartialEq)]
struct Shifty(u32);

impl Serialize for Shifty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut outer = s.serialize_struct("Outer", 2)?;
        outer.serialize_field("n", &self.0)?;
        outer.serialize_field("e", &ShiftyVariant(self.0))?;
        outer.end()
    }
}

#[derive(Debug)]
struct ShiftyVariant(u32);

impl Serialize for ShiftyVariant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 % 7 {
            // the same index as a unit variant, then as a struct variant
            0..=3 => {
                s.serialize_unit_variant("E", self.0 % 2, if self.0.is_multiple_of(2) { "A" } else { "B" })
            }
            4 | 5 => {
                let mut v = s.serialize_struct_variant("E", 0, "A", 1)?;
                v.serialize_field("x", &self.0)?;
                v.end()
            }
            _ => s.serialize_newtype_variant("E", 1, "B", &self.0),
        }
    }
}

#[test]
fn variants_that_change_their_kind() {
    for start in [0u32, 3, 40] {
        let values: Vec<Shifty> = (0..150)
            .map(|i| {
                Shifty(if i < start {
                    i % 2
                } else if i < 100 {
                    (i % 4) * 7
                } else {
                    i
                })
            })
            .collect();
        let fresh = fresh_bytes(&values);
        let plain = plain_bytes(&values);
        assert!(fresh == plain, "following elements changed the bytes (start {start})");
        assert!(brine_io::dump(&values).unwrap() == fresh, "history changed the bytes (start {start})");
    }
}

/// Two Rust enums of one serde name at one place, the second written after
/// the first's variant settled (a record settles for one Rust type only,
/// so the second's calls are recorded).
mod one {
    #[derive(serde::Serialize, Debug, Clone, PartialEq)]
    #[serde(rename = "E")]
    pub enum E {
        A(u32),
    }
}

mod two {
    #[derive(serde::Serialize, Debug, Clone, PartialEq)]
    #[serde(rename = "E")]
    pub enum E {
        A(u64),
    }
}

/// A field that holds `one::E` or `two::E` by the value: each is the
/// field's Rust type when it is written.
#[derive(Debug, Clone, PartialEq)]
struct EitherE(bool, u32);

impl Serialize for EitherE {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut outer = s.serialize_struct("Outer", 1)?;
        if self.0 {
            outer.serialize_field("e", &one::E::A(self.1))?;
        } else {
            outer.serialize_field("e", &two::E::A(u64::from(self.1)))?;
        }
        outer.end()
    }
}

#[test]
fn a_settled_variant_written_by_a_second_type() {
    for at in [2u32, 5, 30] {
        let values: Vec<(u8, EitherE)> =
            (0..80).map(|i| (i as u8, EitherE(i != at && i != at + 7, i))).collect();
        let fresh = fresh_bytes(&values);
        let plain = plain_bytes(&values);
        assert!(fresh == plain, "following elements changed the bytes (at {at})");
        assert!(brine_io::dump(&values).unwrap() == fresh, "history changed the bytes (at {at})");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any sequence of records and variants, dumped after any other.
    #[test]
    fn any_variants_in_any_order(
        before in proptest::collection::vec(0u64..5, 0..40),
        picks in proptest::collection::vec(0u64..5, 1..120),
    ) {
        let first: Vec<Rec> = before.iter().enumerate().map(|(i, &k)| rec(i as u64, kind(k))).collect();
        let _ = brine_io::dump(&first).unwrap();
        let recs: Vec<Rec> = picks.iter().enumerate().map(|(i, &k)| rec(i as u64, kind(k))).collect();
        let fresh = fresh_bytes(&recs);
        let plain = plain_bytes(&recs);
        prop_assert!(fresh == plain);
        prop_assert!(brine_io::dump(&recs).unwrap() == fresh);
        let back: Vec<Rec> = brine_io::load(&fresh).unwrap();
        prop_assert_eq!(back, recs);
    }
}
