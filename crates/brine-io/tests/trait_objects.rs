//! `Box<dyn Trait>` inside values, with typetag (externally tagged), and the
//! messages of `Deserialize` impls kept: postcard turns every custom error
//! into "Serde Deserialization Error", brine's decoder keeps what was said.

use std::collections::BTreeMap;

use brine_io::{Options, load};
use serde::{Deserialize, Serialize};

#[typetag::serde]
trait Shape: std::fmt::Debug {
    fn area(&self) -> f64;
}

#[derive(Serialize, Deserialize, Debug)]
struct Square {
    side: f64,
}

#[typetag::serde]
impl Shape for Square {
    fn area(&self) -> f64 {
        self.side * self.side
    }
}

#[derive(Serialize, Deserialize, Debug)]
struct Rect {
    w: f64,
    h: f64,
}

#[typetag::serde]
impl Shape for Rect {
    fn area(&self) -> f64 {
        self.w * self.h
    }
}

/// A shape of a type no `impl Shape` is registered for, written the way
/// typetag writes a tagged value: a map of one entry, tag to value.
#[derive(Serialize)]
struct Circle {
    r: f64,
}

#[test]
fn trait_objects_round_trip() {
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Square { side: 2.0 }), Box::new(Rect { w: 2.0, h: 3.0 })];
    let bytes = brine_io::dump(&shapes).unwrap();
    let back: Vec<Box<dyn Shape>> = brine_io::load(&bytes).unwrap();
    let areas: Vec<f64> = back.iter().map(|shape| shape.area()).collect();
    assert_eq!(areas, [4.0, 6.0]);
}

#[test]
fn an_unknown_tag_says_which() {
    let circle = vec![BTreeMap::from([("Circle", Circle { r: 1.0 })])];
    let bytes = brine_io::dump(&circle).unwrap();
    let error = Options::new().check_type(false).load::<Vec<Box<dyn Shape>>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::Invalid { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("unknown variant `Circle`"), "{text}");
    assert!(text.contains("`Rect`") && text.contains("`Square`"), "{text}");
    assert!(!text.contains("Serde Deserialization Error"), "{text}");
}

/// A `Deserialize` impl that refuses a value with a message of its own.
#[derive(Debug)]
struct NonZero(u8);

impl<'de> Deserialize<'de> for NonZero {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u8::deserialize(deserializer)? {
            0 => Err(serde::de::Error::custom("zero is not allowed here")),
            n => Ok(NonZero(n)),
        }
    }
}

#[test]
fn a_custom_message_is_kept_at_any_depth() {
    let bytes = brine_io::dump(&vec![vec![1u8, 2], vec![0]]).unwrap();
    let error = Options::new().check_type(false).load::<Vec<Vec<NonZero>>>(&bytes).unwrap_err();
    match &error {
        load::Error::Invalid { message, offset, .. } => {
            assert_eq!(message, "zero is not allowed here");
            assert_eq!(*offset, 6); // after the zero
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    let ok: Vec<Vec<NonZero>> =
        Options::new().check_type(false).load(&brine_io::dump(&vec![vec![3u8]]).unwrap()).unwrap();
    assert_eq!(ok[0][0].0, 3);

    // and a message made in a visitor (serde's own, for a zero NonZeroU8)
    let bytes = brine_io::dump(&0u8).unwrap();
    let error = Options::new().check_type(false).load::<std::num::NonZeroU8>(&bytes).unwrap_err();
    assert!(error.to_string().contains("expected a nonzero u8"), "{error}");
}
