//! Hostile payloads: valid envelopes (right magic, lengths, checksum and type)
//! whose payload makes the decoder claim huge sizes or recurse without end.
//! Each must fail fast with a clear error — no huge allocation, no long loop,
//! no stack overflow.

#![allow(clippy::unwrap_used)] // test helpers fail the test by panicking

use std::collections::{BTreeMap, HashMap};

use brine_io::{Options, load};
use serde::{Deserialize, Serialize};

mod common;
use common::{envelope_with_shapes, envelope_with_table};

/// A version 2 shape table that records nothing (no names, one root context
/// with no event, no records) followed by its length: every shape check passes,
/// so the payload reaches the decoder's own limits.
const EMPTY_SHAPES: [u8; 9] = [0, 1, 0, 0, 0, 5, 0, 0, 0];

/// An envelope holding `payload` under `T`'s name, with a correct checksum:
/// everything the outer checks look at is right, only the payload lies.
fn envelope<T: ?Sized>(payload: &[u8]) -> Vec<u8> {
    envelope_with_shapes::<T>(payload, &EMPTY_SHAPES)
}

/// postcard's varint (LEB128) of `n`.
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

const HUGE: u64 = 1 << 60;

#[test]
fn the_helper_builds_envelopes_that_load() {
    // guards the test helper itself: a truthful payload loads
    let bytes = envelope::<Vec<u8>>(&[3, 7, 8, 9]);
    assert_eq!(brine_io::load::<Vec<u8>>(&bytes).unwrap(), [7, 8, 9]);
}

#[test]
fn a_vec_of_bytes_claiming_2_pow_60_elements() {
    // the decoder runs out of bytes after the length: no huge allocation first
    let bytes = envelope::<Vec<u8>>(&varint(HUGE));
    assert!(bytes.len() < 60, "a tiny envelope: {} bytes", bytes.len());
    let error = brine_io::load::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::Decode { .. }), "{error}");

    // a length the payload could hold, but doesn't: the decoder runs out of bytes
    let mut payload = varint(1000);
    payload.extend_from_slice(&[1, 2, 3]);
    let error = brine_io::load::<Vec<u8>>(&envelope::<Vec<u8>>(&payload)).unwrap_err();
    assert!(matches!(error, load::Error::Decode { .. }), "{error}");
    assert!(error.to_string().contains("ended inside the value"), "{error}");
}

#[test]
fn a_vec_of_unit_claiming_2_pow_60_elements_stops_at_the_allowance() {
    let bytes = envelope::<Vec<()>>(&varint(HUGE));
    let error = brine_io::load::<Vec<()>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooManyElements { max_zero_sized: 1_048_576, .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("more elements than its 9 bytes can hold"), "{message}");
    assert!(message.contains("Options::max_zero_sized"), "{message}");

    // a smaller allowance stops sooner, with the same error
    let error = Options::new().max_zero_sized(10).load::<Vec<()>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooManyElements { max_zero_sized: 10, .. }), "{error}");
}

#[test]
fn unit_elements_within_the_allowance_load() {
    let bytes = brine_io::dump(&vec![(); 1000]).unwrap();
    assert_eq!(brine_io::load::<Vec<()>>(&bytes).unwrap().len(), 1000);
    // the allowance is shared by the whole value, not per sequence
    let nested = vec![vec![(); 600], vec![(); 600]];
    let bytes = brine_io::dump(&nested).unwrap();
    let error = Options::new().max_zero_sized(1000).load::<Vec<Vec<()>>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooManyElements { .. }), "{error}");
    assert_eq!(Options::new().max_zero_sized(1200).load::<Vec<Vec<()>>>(&bytes).unwrap(), nested);
}

#[test]
fn maps_claiming_2_pow_60_entries() {
    let bytes = envelope::<HashMap<u64, String>>(&varint(HUGE));
    let error = brine_io::load::<HashMap<u64, String>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooManyElements { .. }), "{error}");

    // zero-sized keys and values cost no bytes: the allowance stops them
    let bytes = envelope::<BTreeMap<(), ()>>(&varint(HUGE));
    let error = brine_io::load::<BTreeMap<(), ()>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooManyElements { .. }), "{error}");
}

#[test]
fn a_string_claiming_2_pow_60_bytes() {
    let bytes = envelope::<String>(&varint(HUGE));
    let error = brine_io::load::<String>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::Decode { .. }), "{error}");
    let error = brine_io::load::<&str>(&envelope::<&str>(&varint(HUGE))).unwrap_err();
    assert!(matches!(error, load::Error::Decode { .. }), "{error}");
}

#[test]
fn a_length_that_does_not_fit_usize_or_u64() {
    // ten continuation bytes: more than a u64 holds
    let bytes = envelope::<Vec<u8>>(&[0xff; 11]);
    let error = brine_io::load::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::Decode { .. }), "{error}");
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Nest {
    Leaf,
    Node(Box<Nest>),
}

fn nest(depth: usize) -> Nest {
    (0..depth).fold(Nest::Leaf, |inner, _| Nest::Node(Box::new(inner)))
}

#[test]
fn deep_nesting_is_refused_before_the_stack_overflows() {
    // one byte per level: a 1 MB payload would recurse a million times
    let mut payload = vec![1u8; 1_000_000];
    payload.push(0);
    let bytes = envelope::<Nest>(&payload);
    let error = brine_io::load::<Nest>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooDeep { max: 256 }), "{error}");
    assert!(error.to_string().contains("Options::max_depth"), "{error}");

    // a lower limit is honoured
    let bytes = brine_io::dump(&nest(20)).unwrap();
    let error = Options::new().max_depth(10).load::<Nest>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooDeep { max: 10 }), "{error}");
}

#[test]
fn nesting_up_to_the_default_limit_loads_on_a_test_thread() {
    // one level per enum value: 255 nodes and the leaf fill the default 256 levels
    let value = nest(255);
    let bytes = brine_io::dump(&value).unwrap();
    assert_eq!(brine_io::load::<Nest>(&bytes).unwrap(), value);
    let bytes = brine_io::dump(&nest(256)).unwrap();
    assert!(matches!(brine_io::load::<Nest>(&bytes), Err(load::Error::TooDeep { .. })));
}

/// Recursive shapes that take more stack a level than `Nest`: a newtype
/// around an option, a struct of several fields, a tree of vectors, an
/// enum of struct variants, a map.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Chain(Option<Box<Chain>>);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    id: u64,
    name: String,
    tags: Vec<String>,
    score: f64,
    child: Option<Box<Record>>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Tree(Vec<Tree>);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Expr {
    Leaf { value: i64 },
    Neg { inner: Box<Expr>, note: String },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Dir(BTreeMap<String, Dir>);

/// Loads a value as deep as `options` allows, on a thread with 2 MiB of
/// stack (the default for spawned threads).
fn at_the_limit_on_a_small_stack<T>(options: Options, value: T)
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Send + 'static,
{
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let bytes = brine_io::dump(&value).unwrap();
            assert_eq!(options.load::<T>(&bytes).unwrap(), value);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn every_shape_at_the_default_depth_loads_on_a_two_mib_stack() {
    let levels = brine_io::DEFAULT_MAX_DEPTH as usize;
    let options = Options::new();
    // each shape fills the limit exactly: one level more is refused
    // (Chain: the newtype and the option, two levels a link)
    let chain = (1..levels / 2).fold(Chain(None), |inner, _| Chain(Some(Box::new(inner))));
    assert!(matches!(
        options.max_depth(levels as u32 - 3).load::<Chain>(&brine_io::dump(&chain).unwrap()),
        Err(load::Error::TooDeep { .. })
    ));
    at_the_limit_on_a_small_stack(options, chain);
    let record = (1..levels / 2).fold(None, |child, id| {
        Some(Record {
            id: id as u64,
            name: "n".into(),
            tags: vec!["t".into()],
            score: 0.5,
            child: child.map(Box::new),
        })
    });
    at_the_limit_on_a_small_stack(options, record);
    let tree = (1..levels / 2).fold(Tree(vec![]), |inner, _| Tree(vec![inner]));
    at_the_limit_on_a_small_stack(options, tree);
    let expr = (1..levels)
        .fold(Expr::Leaf { value: 1 }, |inner, _| Expr::Neg { inner: Box::new(inner), note: String::new() });
    at_the_limit_on_a_small_stack(options, expr);
    let dir =
        (1..levels / 2).fold(Dir(BTreeMap::new()), |inner, _| Dir(BTreeMap::from([("d".into(), inner)])));
    at_the_limit_on_a_small_stack(options, dir);
}

#[test]
fn streams_are_limited_too() {
    let bytes = envelope::<Vec<()>>(&varint(HUGE));
    let error = brine_io::load_from::<Vec<()>, _>(bytes.as_slice()).unwrap_err();
    assert!(matches!(error, load::Error::TooManyElements { .. }), "{error}");
}

/// A forged shape table whose contexts link in a circle: an error names the
/// place it found, walking up the links a bounded number of levels (it
/// recursed without end: a stack overflow that aborted the process).
#[test]
fn a_shape_table_that_links_in_a_circle_is_an_error_not_a_crash() {
    type Three = Option<Option<Option<u16>>>;
    // no names; four Option contexts, 0 -> 3, 1 -> 2, 2 -> 1, 3 -> 1; no records
    let table = [0, 4, 2, 1, 3, 2, 1, 2, 2, 1, 1, 2, 1, 1, 0];
    let bytes = envelope_with_table::<Three>(&[1, 1, 1, 5], &table);
    assert_eq!(Options::new().check_shape(false).load::<Three>(&bytes).unwrap(), Some(Some(Some(5))));
    match brine_io::load::<Three>(&bytes) {
        Err(load::Error::ShapeChanged { place, .. }) => assert!(place.contains("Option"), "{place}"),
        other => panic!("expected ShapeChanged, got {other:?}"),
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct N(Option<u8>);

/// A forged record whose field lies past the table's contexts: the check
/// reads no context that is not there (it indexed past the table and
/// panicked).
#[test]
fn a_record_whose_field_lies_past_the_table_is_not_a_panic() {
    // one name `N`; one context holding newtype struct 0; one record of
    // name 0 whose one field is context 1, past the one context
    let table = [1, 1, b'N', 1, 8, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0];
    let bytes = envelope_with_table::<N>(&[1, 5], &table);
    let loaded = std::panic::catch_unwind(|| brine_io::load::<N>(&bytes));
    assert!(loaded.is_ok(), "the load panicked");
    assert_eq!(Options::new().check_shape(false).load::<N>(&bytes).unwrap(), N(Some(5)));
}
