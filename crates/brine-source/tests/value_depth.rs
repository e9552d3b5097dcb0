//! Depth: the reader counts every level of nesting a value has, whether or
//! not the text has a bracket there, so recursive types without brackets
//! (an unnamed newtype, a bare `Some`) are refused at the limit instead of
//! recursing until the stack overflows.

#![allow(clippy::unwrap_used)] // test helpers fail the test by panicking

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

#[derive(serde::Serialize, Deserialize, Debug, PartialEq)]
struct Node {
    v: i32,
    next: Option<Box<Node>>,
}

/// A linked list of `n` nodes: `2n` levels, a struct and an option a node.
fn list(n: i32) -> Node {
    (1..n).rev().fold(Node { v: n - 1, next: None }, |next, v| Node { v: v - 1, next: Some(Box::new(next)) })
}

/// Runs `f` on a thread with a 2 MiB stack, the default for spawned threads.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap();
}

#[test]
fn what_the_writer_writes_the_reader_reads_a_thousand_nodes_deep() {
    on_small_stack(|| {
        let value = list(1000);
        let text = brine_source::to_string(&value).unwrap();
        assert_eq!(brine_source::from_str::<Node>(&text).unwrap(), value);
    });
}

#[test]
fn past_the_limit_writer_and_reader_give_the_same_error() {
    on_small_stack(|| {
        let limit = brine_source::value::DEFAULT_MAX_DEPTH;
        // 2049 nodes: 4098 levels, two past the limit
        let value = list(2049);
        let Err(written) = brine_source::to_string(&value) else { panic!("written past the limit") };
        assert!(matches!(written, Error::TooDeep { position: None, limit: l } if l == limit), "{written}");
        let raised = brine_source::value::Options::new().max_depth(limit + 2);
        let text = raised.to_string(&value).unwrap();
        let read = brine_source::from_str::<Node>(&text).unwrap_err();
        assert!(matches!(read, Error::TooDeep { position: Some(_), limit: l } if l == limit), "{read}");
        let message = |e: &Error| e.to_string().rsplit(": ").next().unwrap().to_owned();
        assert_eq!(message(&written), message(&read));
        assert!(written.to_string().contains("Options::max_depth"), "{written}");
        assert_eq!(raised.from_str::<Node>(&text).unwrap(), value);
        // one level fewer is written and read
        let value = list(2048);
        let text = brine_source::to_string(&value).unwrap();
        assert_eq!(brine_source::from_str::<Node>(&text).unwrap(), value);
    });
}

/// The writer's text grows linearly with the depth of a value: the
/// indentation stops growing past a point, so a node deep in a list costs
/// as many bytes as one near the top.
#[test]
fn deep_text_grows_linearly() {
    let len = |n| brine_source::to_string(&list(n)).unwrap().len();
    // nodes 100 to 399 all have three-digit values: each costs the same
    let (a, b, c) = (len(100), len(200), len(400));
    assert!(c - b <= 2 * (b - a), "100 nodes: {a} bytes, 200: {b}, 400: {c}");
    assert!(c < 400 * 400, "400 nodes: {c} bytes");
}

/// Map keys are sorted by comparing their trees: two keys alike down to
/// their last level (3,000 levels deep) are compared on a small stack too.
#[test]
fn deep_map_keys_are_sorted_on_a_small_stack() {
    on_small_stack(|| {
        let (mut a, b) = (list(1500), list(1500));
        let mut last = &mut a;
        while let Some(next) = last.next.as_deref_mut() {
            last = next;
        }
        last.v = -1;
        // `a` sorts first: its last node's value is smaller
        let text = brine_source::to_string(&MapOf(vec![(b, 2), (a, 1)])).unwrap();
        let (first, second) = (text.find("v: -1").unwrap(), text.find("v: 1499").unwrap());
        assert!(first < second, "the keys are not sorted");
    });
}

/// A map whose keys are any serializable values.
struct MapOf(Vec<(Node, u8)>);

impl serde::Serialize for MapOf {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(serde::Serialize, Deserialize, Debug, PartialEq)]
struct Tree(Vec<Tree>);

#[derive(serde::Serialize, Deserialize, Debug, PartialEq)]
enum Expr {
    Leaf { value: i64 },
    Neg { inner: Box<Expr>, note: String },
}

#[derive(serde::Serialize, Deserialize, Debug, PartialEq)]
struct Dir(std::collections::BTreeMap<String, Dir>);

/// Writes and reads `value` on a 2 MiB stack; it fills the default limit.
fn round_trip_on_a_small_stack<T>(value: T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Send + 'static,
{
    on_small_stack(move || {
        let text = brine_source::to_string(&value).unwrap();
        assert!(brine_source::from_str::<T>(&text).unwrap() == value);
        // the values' own drop recurses: let it go on a big stack
        std::thread::Builder::new().stack_size(64 << 20).spawn(move || drop(value)).unwrap().join().unwrap();
    });
}

#[test]
fn every_shape_at_the_default_depth_round_trips_on_a_small_stack() {
    let levels = brine_source::value::DEFAULT_MAX_DEPTH;
    // two levels a tree (the newtype and its sequence), one an expression
    // (the enum), two a directory (the newtype and its map)
    round_trip_on_a_small_stack((1..levels / 2).fold(Tree(vec![]), |inner, _| Tree(vec![inner])));
    round_trip_on_a_small_stack(
        (1..levels)
            .fold(Expr::Leaf { value: 1 }, |inner, _| Expr::Neg { inner: Box::new(inner), note: "n".into() }),
    );
    round_trip_on_a_small_stack(
        (1..levels / 2).fold(Dir(Default::default()), |inner, _| Dir([("d".to_owned(), inner)].into())),
    );
}
