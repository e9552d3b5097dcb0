//! Depth: the reader counts every level of nesting a value has, whether or
//! not the text has a bracket there, so recursive types without brackets
//! (an unnamed newtype, a bare `Some`) are refused at the limit instead of
//! recursing until the stack overflows.

use brine_source::Error;
use serde::Deserialize;

/// Recursion through a newtype and an `Option` that the text may leave
/// unwritten: `Chain(Some(Chain(...)))` may be written `0`, or not at all.
#[derive(Deserialize, Debug)]
struct Chain(#[allow(dead_code)] Option<Box<Chain>>);

#[derive(Deserialize, Debug)]
struct Newtypes(#[allow(dead_code)] Box<Newtypes>);

#[test]
fn recursion_without_brackets_hits_the_depth_limit() {
    for text in ["0", "", "x", "Chain(0)", "Some(0)"] {
        let error = brine_source::from_str::<Chain>(text).unwrap_err();
        assert!(matches!(error, Error::TooDeep { .. }), "{text:?}: {error}");
        assert!(error.to_string().contains("levels of nesting"), "{error}");
    }
    for text in ["0", "", "Newtypes(1)"] {
        let error = brine_source::from_str::<Newtypes>(text).unwrap_err();
        assert!(matches!(error, Error::TooDeep { .. }), "{text:?}: {error}");
    }
}

/// Skipping an unknown field reads its value once: each level of `X(..)`
/// around a long list used to scan ahead to its closing bracket, 127 scans
/// of the whole list here (seconds in a debug build; now one pass).
#[test]
fn skipping_a_deep_unknown_field_reads_it_once() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Small {
        a: u8,
    }
    let levels = 127;
    let list = "1, ".repeat(300_000);
    let text = format!("Small {{ extra: {}[{list}]{}, a: 7 }}", "X(".repeat(levels), ")".repeat(levels));
    assert_eq!(brine_source::from_str::<Small>(&text).unwrap(), Small { a: 7 });
}
