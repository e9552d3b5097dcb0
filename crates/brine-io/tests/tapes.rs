//! Tapes (`shape/replay.rs`) against hostile values: a dump's bytes, error
//! or panic never depend on what the thread dumped before.
//!
//! Each test dumps values on this thread (four ways) and compares each with
//! a dump of the same value on a new thread. Values here may panic or fail
//! part-way and may dump other values (of their own type or others) from
//! inside their `Serialize`; the outcome (bytes, error, panic) must be the
//! one of a new thread.

#![allow(clippy::unwrap_used, clippy::panic)]

use proptest::prelude::*;

mod scripted;
use scripted::{S, SCRIPTED, mutate, quiet_scripted_panics, scripts};
use serde::Serialize;

// -- harness ------------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Bytes(Vec<u8>),
    Error,
    /// A scripted panic (any other panic fails the test with its message).
    Panic,
}

fn outcome(run: impl FnOnce() -> Result<Vec<u8>, brine_io::dump::Error>) -> Outcome {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(bytes)) => Outcome::Bytes(bytes),
        Ok(Err(_)) => Outcome::Error,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|m| (*m).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if message == SCRIPTED { Outcome::Panic } else { panic!("an unscripted panic: {message}") }
        }
    }
}

/// `value` dumped on a thread of its own: with no template.
fn fresh<T: Serialize + Clone + Send + 'static>(value: &T) -> Outcome {
    quiet_scripted_panics();
    let value = value.clone();
    std::thread::spawn(move || outcome(|| brine_io::dump(&value))).join().unwrap()
}

/// Dumps each value on this thread, in order, four ways, and checks each
/// outcome against a dump on a new thread.
fn same_as_fresh<T: Serialize + Clone + Send + std::fmt::Debug + 'static>(values: &[T]) {
    for (i, value) in values.iter().enumerate() {
        let alone = dump_as_alone(i, value);
        let appended = outcome(|| {
            let mut buf = vec![7u8];
            brine_io::dump_append(value, &mut buf).map(|()| buf[1..].to_vec())
        });
        assert!(appended == alone, "value {i} ({value:?}): dump_append {appended:?} but alone {alone:?}");
        let streamed = outcome(|| {
            let mut buf = Vec::new();
            brine_io::dump_into(value, &mut buf).map(|()| buf)
        });
        // dump_into serializes twice: a value that fails fails either way
        assert!(streamed == alone, "value {i} ({value:?}): dump_into {streamed:?} but alone {alone:?}");
        let seekable = outcome(|| {
            let mut cursor = std::io::Cursor::new(Vec::new());
            brine_io::dump_into_seekable(value, &mut cursor).map(|()| cursor.into_inner())
        });
        assert!(
            seekable == alone,
            "value {i} ({value:?}): dump_into_seekable {seekable:?} but alone {alone:?}"
        );
    }
}

/// Dumps each value once with `dump` (no other ways in between), checking
/// each against a new thread: a sequence whose tapes each dump leaves are
/// exactly the ones the next dump meets.
fn each_once_as_fresh<T: Serialize + Clone + Send + std::fmt::Debug + 'static>(values: &[T]) {
    for (i, value) in values.iter().enumerate() {
        dump_as_alone(i, value);
    }
}

/// `value` dumped on a thread of its own that records every call of every
/// sequence element, as if none repeated.
fn plain<T: Serialize + Clone + Send + 'static>(value: &T) -> Outcome {
    quiet_scripted_panics();
    let value = value.clone();
    std::thread::spawn(move || brine_io::without_repeats(|| outcome(|| brine_io::dump(&value))))
        .join()
        .unwrap()
}

/// Checks that `dump` of value `i` here has the outcome of a dump on a new
/// thread, and that one the outcome of a dump that follows no repeated
/// elements; returns that outcome.
fn dump_as_alone<T: Serialize + Clone + Send + std::fmt::Debug + 'static>(i: usize, value: &T) -> Outcome {
    let alone = fresh(value);
    let recorded = plain(value);
    assert!(
        alone == recorded,
        "value {i} ({value:?}): alone {alone:?} but with every call recorded {recorded:?}"
    );
    let here = outcome(|| brine_io::dump(value));
    assert!(here == alone, "value {i} ({value:?}): dump {here:?} but alone {alone:?}");
    alone
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Any values in a row, with dumps inside, panics and errors.
    #[test]
    fn scripts_in_a_row(values in proptest::collection::vec(scripts(true), 1..6)) {
        same_as_fresh(&values);
    }

    /// A value, near copies of it, and it again, each once: each dump meets
    /// the tape the one before left.
    #[test]
    fn near_copies_each_once(base in scripts(true), seeds in proptest::collection::vec(any::<u64>(), 1..8)) {
        let mut values = vec![base.clone(), base.clone()];
        for mut seed in seeds {
            values.push(mutate(&base, &mut seed));
            values.push(base.clone());
            values.push(base.clone());
        }
        each_once_as_fresh(&values);
    }

    /// A value that dumps a near copy of itself inside, after and before
    /// parts that the value's tape follows.
    #[test]
    fn near_copies_nested(base in scripts(true), seeds in proptest::collection::vec(any::<u64>(), 1..6), modes in proptest::collection::vec(0u8..15, 1..6)) {
        let mut values = vec![base.clone(), base.clone()];
        for (mut seed, mode) in seeds.into_iter().zip(modes.into_iter().cycle()) {
            let near = mutate(&base, &mut seed);
            let other = mutate(&base, &mut seed);
            values.push(S::Tuple(vec![base.clone(), S::Nest(mode % 3, Box::new(near.clone())), base.clone()]));
            values.push(S::Tuple(vec![base.clone(), S::Nest(mode % 3, Box::new(base.clone())), other.clone()]));
            values.push(S::Tuple(vec![base.clone(), S::Nest(mode, Box::new(near)), base.clone()]));
            values.push(S::Tuple(vec![other, S::Nest(mode, Box::new(base.clone())), base.clone()]));
        }
        each_once_as_fresh(&values);
    }
}

// -- a settled record that conflicts later ----------------------------------------------
//
// A new table remembers a record settled (`Record::settled`) and answers a
// later struct call of the record `NONE` even after that call marked the
// record conflicting (another field count). A replay that missed after the
// record settled goes on in `Template::prefix`'s table, whose records are
// all unsettled: it recomputes, finds the conflict, and answers the record.
// So the answer to one call depended on where an earlier replay missed, and
// a tape held that answer. `prefix` now keeps what the replay found settled.

/// The struct `A { x: u8 }` (announced with one field).
fn a1() -> S {
    S::Struct(0, 1, vec![(6, S::U8(1))])
}

/// The struct `A` announced with two fields, and more after them.
fn a2(extra: Vec<(u8, S)>) -> S {
    S::Struct(0, 2, [vec![(6, S::U8(1)), (7, S::U8(2))], extra].concat())
}

/// `V1`: makes a template where `A` twice is followed by a u8.
/// `V2`: replays it, finds `A` settled, misses at its third part: its tape
/// answers the record (not `NONE`) for the third part's struct call.
fn settled_then_conflicting() -> (S, S) {
    let v1 = S::Tuple(vec![a1(), a1(), S::U8(0)]);
    let v2 = S::Tuple(vec![a1(), a1(), a2(vec![])]);
    (v1, v2)
}

/// A dump that follows V2's tape past that answer and leaves it while the
/// template is gone (a dump before it took it out and panicked): its calls
/// are re-executed into a new table, which answers `NONE` where the tape
/// says the record, and `untape`'s debug assertion panics.
#[test]
fn a_tape_answer_a_new_table_does_not_give_after_a_panic() {
    let (v1, v2) = settled_then_conflicting();
    let panics = S::Tuple(vec![a1(), a1(), a2(vec![(0, S::Panic)])]);
    let v3 = S::Tuple(vec![a1(), a1(), a2(vec![(0, S::U8(3))])]);
    each_once_as_fresh(&[v1, v2, panics, v3]);
}

/// The same, with the template out in an outer dump of the type (which
/// left V2's tape at its first call), the inner dump re-executing into a
/// new table.
#[test]
fn a_tape_answer_a_new_table_does_not_give_inside_a_dump() {
    let (v1, v2) = settled_then_conflicting();
    let v3 = S::Tuple(vec![a1(), a1(), a2(vec![(0, S::U8(3))])]);
    each_once_as_fresh(&[v1, v2, S::Tuple(vec![S::Nest(0, Box::new(v3))])]);
}

/// The same with no panic and no dump inside: a dump in between that
/// leaves the tape at its first call and makes a table too large to keep
/// (over `KEPT_NODES`) takes the template off the shelf for good and leaves
/// the tape there.
#[test]
fn a_tape_answer_a_new_table_does_not_give_after_a_large_dump() {
    let (v1, v2) = settled_then_conflicting();
    let v3 = S::Tuple(vec![a1(), a1(), a2(vec![(0, S::U8(3))])]);
    let large = S::Tuple(vec![S::U8(0); 5000]);
    each_once_as_fresh(&[v1, v2, large, v3]);
}

/// As above, the dump in between failing with an error.
#[test]
fn a_tape_answer_a_new_table_does_not_give_after_a_failed_dump() {
    let (v1, v2) = settled_then_conflicting();
    let v3 = S::Tuple(vec![a1(), a1(), a2(vec![(0, S::U8(3))])]);
    each_once_as_fresh(&[v1, v2, S::Tuple(vec![S::Fail]), v3]);
}

/// The same with an enum: variant `A::x(u8)` settles, then `A::x` as a
/// struct variant of two fields conflicts with it.
#[test]
fn a_tape_answer_a_new_table_does_not_give_for_a_variant() {
    let newtype = || S::NewtypeVariant(0, 0, 6, Box::new(S::U8(1)));
    let fields = |extra: Vec<(u8, S)>| {
        S::StructVariant(0, 0, 6, 2, [vec![(6, S::U8(1)), (7, S::U8(2))], extra].concat())
    };
    let v1 = S::Tuple(vec![newtype(), newtype(), S::U8(0)]);
    let v2 = S::Tuple(vec![newtype(), newtype(), fields(vec![])]);
    let v3 = S::Tuple(vec![newtype(), newtype(), fields(vec![(0, S::U8(3))])]);
    each_once_as_fresh(&[v1, v2, S::Tuple(vec![S::Nest(0, Box::new(v3))])]);
}

// -- records of one name with other layouts, settled or not -----------------------------

/// Values of few names, which settle, conflict and nest: what makes the
/// answers of a struct or variant call depend on what came before.
fn focused() -> impl Strategy<Value = S> {
    let prim = prop_oneof![(0u8..2).prop_map(S::U8), Just(S::Str), Just(S::None), Just(S::U16(1))];
    let field_name = prop_oneof![Just(6u8), Just(7u8), Just(0u8), Just(1u8)];
    let struct_name = prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)];
    let leaf = prop_oneof![
        4 => prim.clone(),
        3 => (struct_name.clone(), 0u8..3, proptest::collection::vec((field_name.clone(), prim.clone()), 0..4))
            .prop_map(|(n, l, f)| S::Struct(n, l, f)),
        2 => (struct_name.clone(), 0u8..2, field_name.clone(), prim.clone())
            .prop_map(|(n, i, v, x)| S::NewtypeVariant(n, i, v, Box::new(x))),
        1 => (struct_name.clone(), 0u8..2, field_name.clone(), proptest::collection::vec(prim.clone(), 0..3))
            .prop_map(|(n, i, v, x)| S::TupleVariant(n, i, v, x)),
        2 => (struct_name.clone(), 0u8..2, field_name.clone(), 0u8..3, proptest::collection::vec((field_name.clone(), prim.clone()), 0..4))
            .prop_map(|(n, i, v, l, f)| S::StructVariant(n, i, v, l, f)),
        1 => (struct_name.clone(), 0u8..2, field_name.clone()).prop_map(|(n, i, v)| S::UnitVariant(n, i, v)),
        1 => (struct_name.clone(), proptest::collection::vec(prim.clone(), 0..3)).prop_map(|(n, x)| S::TupleStruct(n, x)),
        1 => (struct_name.clone(), prim).prop_map(|(n, x)| S::Newtype(n, Box::new(x))),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 1..6).prop_map(S::Tuple),
            2 => (any::<bool>(), proptest::collection::vec(inner.clone(), 0..5)).prop_map(|(c, x)| S::Seq(c, x)),
            1 => inner.clone().prop_map(|x| S::Some(Box::new(x))),
            1 => (0u8..6, inner.clone()).prop_map(|(m, x)| S::Nest(m, Box::new(x))),
            1 => (struct_name_n(), 0u8..4, proptest::collection::vec((0u8..8, inner.clone()), 0..4)).prop_map(|(n, l, f)| S::Struct(n, l, f)),
        ]
    })
}

fn struct_name_n() -> impl Strategy<Value = u8> {
    prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn focused_in_a_row(values in proptest::collection::vec(focused(), 1..7)) {
        each_once_as_fresh(&values);
    }

    #[test]
    fn focused_near_copies(base in focused(), seeds in proptest::collection::vec(any::<u64>(), 1..6), nest in 0u8..6) {
        let mut values = vec![base.clone()];
        for mut seed in seeds {
            let near = mutate(&base, &mut seed);
            values.push(near.clone());
            values.push(base.clone());
            values.push(S::Tuple(vec![S::Nest(nest, Box::new(near.clone())), base.clone()]));
            values.push(S::Tuple(vec![base.clone(), S::Nest(nest, Box::new(base.clone())), near]));
        }
        each_once_as_fresh(&values);
    }
}

// -- targeted: nested dumps of the type while the outer follows a tape ------------------

fn u8s(n: usize) -> Vec<S> {
    (0..n).map(|i| S::U8(i as u8)).collect()
}

/// `Some` `k` times around `inside`: `k` child calls, then `inside`'s.
fn chain(k: usize, inside: S) -> S {
    (0..k).fold(inside, |inner, _| S::Some(Box::new(inner)))
}

/// The outer dump follows the tape of V; inside, a dump of another value
/// of the type leaves the tape and puts its own template and tape on the
/// shelf; the outer then follows its tape to the end, or leaves it (and is
/// replayed against the inner one's template), at its first call, in the
/// middle, or past the end.
#[test]
fn an_inner_dump_replaces_the_tape_the_outer_follows() {
    let body = |nest: S, tail: Vec<S>| {
        S::Tuple(vec![S::Struct(0, 2, vec![(6, S::U8(1)), (7, nest)]), S::Seq(false, tail)])
    };
    let inner_values = [
        S::U8(1),
        S::Str,
        chain(3, S::U8(0)),
        body(S::Str, vec![]),
        body(S::Str, u8s(3)),
        S::Tuple(vec![S::Struct(0, 2, vec![(6, S::U8(1))])]),
    ];
    for mode in [0u8, 1, 2] {
        for inner in &inner_values {
            let nest = || S::Nest(mode, Box::new(inner.clone()));
            let v = body(nest(), u8s(2));
            let values = vec![
                v.clone(),
                v.clone(),                          // follows to the end (inner replaced the shelf)
                body(nest(), vec![S::Str, S::Str]), // leaves the tape after the nest
                v.clone(),
                body(nest(), vec![]), // fewer calls than the tape
                v.clone(),
                body(nest(), vec![S::U8(0), S::Some(Box::new(S::U8(1)))]), // more calls
                v.clone(),
                S::Tuple(vec![nest(), S::U8(0)]), // leaves at the first call, before the nest
                v.clone(),
                v,
            ];
            each_once_as_fresh(&values);
            same_as_fresh(&values);
        }
    }
}

/// An inner dump that is the outer's own value (follows the same tape to
/// its end), nested twice, and an inner dump of the outer's value with the
/// nest one level deeper.
#[test]
fn inner_dumps_of_the_outer_value_follow_the_same_tape() {
    let leaf = S::Struct(0, 1, vec![(6, S::U8(1))]);
    let one = S::Tuple(vec![leaf.clone(), S::Nest(0, Box::new(leaf.clone())), leaf.clone()]);
    let two = S::Tuple(vec![leaf.clone(), S::Nest(0, Box::new(one.clone())), leaf.clone()]);
    let three = S::Tuple(vec![leaf.clone(), S::Nest(1, Box::new(two.clone())), leaf.clone()]);
    each_once_as_fresh(&[
        leaf.clone(),
        one.clone(),
        one.clone(),
        two.clone(),
        two.clone(),
        three.clone(),
        one,
        three,
        two,
        leaf,
    ]);
}

/// A dump that panics, or fails, while following a tape (before and after
/// leaving it, with and without a dump of the type inside it), then more
/// dumps of the type; `dump_append` leaves its buffer as it was.
#[test]
fn a_dump_that_stops_while_following_a_tape() {
    let v = |last: S| {
        S::Tuple(vec![S::Struct(0, 2, vec![(6, S::U8(1)), (7, S::Str)]), S::Seq(false, vec![S::U8(1), last])])
    };
    let stops = [
        S::Panic,
        S::Fail,
        S::Tuple(vec![S::Nest(0, Box::new(v(S::U8(2)))), S::Panic]),
        S::Tuple(vec![S::Nest(0, Box::new(v(S::Str))), S::Fail]),
        S::Nest(0, Box::new(v(S::Panic))),
        S::Swallow(Box::new(S::Panic)),
        S::Swallow(Box::new(S::Fail)),
        S::Swallow(Box::new(S::Nest(0, Box::new(v(S::Panic))))),
    ];
    for stop in &stops {
        let values = [
            v(S::U8(2)),
            v(stop.clone()), // follows up to the stop
            v(S::U8(2)),
            v(S::Str),
            v(stop.clone()), // leaves the tape at the stop... or stops
            v(S::Str),
            S::Tuple(vec![stop.clone()]),
            v(S::U8(2)),
            v(S::U8(2)),
        ];
        same_as_fresh(&values);
        // dump_append: the buffer as it was when the dump stops
        let mut buf = vec![9u8; 5];
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            brine_io::dump_append(&v(stop.clone()), &mut buf)
        }));
        if !matches!(stop, S::Swallow(_)) {
            assert_eq!(buf, vec![9u8; 5], "{stop:?}");
        }
    }
}

// -- targeted: runs, prefixes, tape length -----------------------------------------------

/// `k` children, then a sequence written element by element of `n` settled
/// structs: its last step is the run of `event_at` calls after each element.
/// Steps: 1 (tuple) + k + 1 (u8) + 7 (the sequence, n >= 2).
fn run_value(k: usize, n: usize, last: Option<S>) -> S {
    let elem = S::Struct(3, 1, vec![(6, S::U8(1))]);
    let mut items = vec![elem; n];
    if let Some(last) = last {
        items.push(last);
    }
    S::Tuple(vec![chain(k, S::U8(0)), S::Seq(false, items)])
}

/// Tapes of 63, 64 and 65 steps (a tape of 64 is kept, of 65 not), with
/// values of one call fewer, as many, one more, and the last one different.
#[test]
fn tapes_of_63_64_65_steps() {
    for steps in [62usize, 63, 64, 65, 66] {
        let k = steps - 9;
        for n in [2usize, 3, 4] {
            let values = [
                run_value(k, n, None),
                run_value(k, n, None),
                run_value(k, n - 1, None), // one call fewer (the run)
                run_value(k, n, None),
                run_value(k, n + 1, None), // one call more
                run_value(k, n, None),
                run_value(k, n, Some(S::U8(1))), // another call after the run
                run_value(k, n, None),
                run_value(k + 1, n, None), // another call early
                run_value(k, n, None),
                run_value(k - 1, n, None),
                run_value(k, n, None),
                run_value(k, n, Some(S::Struct(3, 2, vec![(6, S::U8(1))]))), // conflict after the run
                run_value(k, n, None),
            ];
            each_once_as_fresh(&values);
        }
    }
    same_as_fresh(&[
        run_value(55, 2, None),
        run_value(55, 3, None),
        run_value(56, 3, None),
        run_value(55, 3, None),
    ]);
}

/// Values whose calls are prefixes of each other: a struct announced with
/// 9 fields written with 0 to 9 of them, each length after each other.
#[test]
fn values_whose_calls_are_prefixes_of_each_other() {
    let value = |j: usize, last: S| {
        let mut fields: Vec<(u8, S)> = (0..j).map(|i| ((6 + i % 2) as u8, S::U8(i as u8))).collect();
        if let Some(f) = fields.last_mut() {
            f.1 = last;
        }
        S::Tuple(vec![S::U8(0), S::Struct(0, 9, fields)])
    };
    let mut values = Vec::new();
    for a in 0..10usize {
        for b in [a.saturating_sub(1), a, a + 1] {
            values.push(value(a, S::U8(0)));
            values.push(value(b.min(9), S::U8(0)));
            values.push(value(a, S::Str));
            values.push(value(a, S::U8(0)));
        }
    }
    each_once_as_fresh(&values);
}

// -- targeted: calls that must not compare equal ------------------------------------------

/// Pairs of values whose calls differ in one argument only: the kind of a
/// struct, a slot, `None` and `Some` field names, names of one content at
/// two addresses, of one address with two lengths, empty names at two
/// addresses, variant indexes (u32::MAX, which is not recorded, among them).
#[test]
fn calls_that_differ_in_one_argument() {
    let pairs: Vec<(S, S)> = vec![
        (S::TupleStruct(0, vec![S::U8(1)]), S::Struct(0, 1, vec![(6, S::U8(1))])),
        (S::Newtype(0, Box::new(S::U8(1))), S::TupleStruct(0, vec![S::U8(1)])),
        (S::Struct(0, 1, vec![(6, S::U8(1))]), S::Struct(1, 1, vec![(6, S::U8(1))])),
        (S::Struct(0, 1, vec![(6, S::U8(1))]), S::Struct(2, 1, vec![(6, S::U8(1))])),
        (S::Struct(2, 1, vec![(6, S::U8(1))]), S::Struct(3, 1, vec![(6, S::U8(1))])),
        (S::Struct(0, 1, vec![(4, S::U8(1))]), S::Struct(0, 1, vec![(5, S::U8(1))])),
        (S::Struct(4, 1, vec![(4, S::U8(1))]), S::Struct(5, 1, vec![(5, S::U8(1))])),
        (S::Struct(0, 1, vec![(2, S::U8(1))]), S::Struct(0, 1, vec![(3, S::U8(1))])),
        (S::UnitStruct(2), S::UnitStruct(3)),
        (S::UnitStruct(0), S::UnitStruct(1)),
        (S::UnitVariant(0, 0, 6), S::UnitVariant(0, 3, 6)),
        (S::UnitVariant(0, 3, 6), S::UnitVariant(0, 4, 6)),
        (S::UnitVariant(2, 1, 2), S::UnitVariant(3, 1, 2)),
        (S::UnitVariant(2, 1, 2), S::UnitVariant(2, 1, 3)),
        (S::UnitVariant(0, 1, 0), S::UnitVariant(0, 1, 1)),
        (S::NewtypeVariant(0, 3, 6, Box::new(S::U8(1))), S::NewtypeVariant(0, 0, 6, Box::new(S::U8(1)))),
        (S::NewtypeVariant(0, 1, 6, Box::new(S::U8(1))), S::TupleVariant(0, 1, 6, vec![S::U8(1)])),
        (S::StructVariant(0, 1, 6, 1, vec![(6, S::U8(1))]), S::TupleVariant(0, 1, 6, vec![S::U8(1)])),
        (
            S::StructVariant(0, 1, 6, 1, vec![(6, S::U8(1))]),
            S::StructVariant(0, 1, 6, 2, vec![(6, S::U8(1))]),
        ),
        (S::Some(Box::new(S::Unit)), S::None),
        (S::Unit, S::None),
        (S::Map(vec![(S::U8(1), S::Str)]), S::Map(vec![(S::Str, S::U8(1))])),
        (S::Seq(false, vec![S::Str]), S::Seq(true, vec![S::Str])),
        (S::Seq(false, vec![S::Some(Box::new(S::Unit))]), S::Some(Box::new(S::Seq(false, vec![S::Unit])))),
        (S::Tuple(vec![S::U8(1), S::U8(2)]), S::Tuple(vec![S::U8(1), S::U16(2)])),
        (S::Tuple(vec![S::U8(1)]), S::Tuple(vec![S::Tuple(vec![])])),
        (S::Tuple(vec![S::Tuple(vec![]), S::U8(0)]), S::Tuple(vec![S::Tuple(vec![S::U8(0)])])),
    ];
    for (a, b) in pairs {
        let wrap = |x: S| S::Tuple(vec![S::U8(0), x.clone(), x]);
        each_once_as_fresh(&[
            wrap(a.clone()),
            wrap(b.clone()),
            wrap(a.clone()),
            wrap(a.clone()),
            wrap(b.clone()),
            wrap(b),
        ]);
    }
}

// -- targeted: more types than a thread keeps, nested -------------------------------------

/// Twelve types (four more than `KEPT`) dumped inside a dump of `S` that
/// follows its tape, each also nesting `S`.
#[test]
fn more_types_than_kept_inside_a_dump_that_follows_a_tape() {
    let base = S::Tuple(vec![S::Struct(0, 1, vec![(6, S::U8(1))]), S::Str]);
    for round in 0..3u8 {
        let mut values = vec![base.clone()];
        for mode in 3..15u8 {
            let inner = S::Tuple(vec![S::U8(round), S::Nest(mode % 3, Box::new(base.clone()))]);
            values.push(S::Tuple(vec![S::Struct(0, 1, vec![(6, S::U8(1))]), S::Nest(mode, Box::new(inner))]));
            values.push(base.clone());
        }
        each_once_as_fresh(&values);
        same_as_fresh(&values);
    }
}

// -- targeted: dumps in thread-local destructors -----------------------------------------

struct DumpsOnDrop(Vec<S>, std::sync::mpsc::Sender<Vec<Outcome>>);

impl Drop for DumpsOnDrop {
    fn drop(&mut self) {
        let outcomes = self.0.iter().map(|v| outcome(|| brine_io::dump(v))).collect();
        let _ = self.1.send(outcomes);
    }
}

thread_local! {
    static ON_EXIT: std::cell::RefCell<Option<DumpsOnDrop>> = const { std::cell::RefCell::new(None) };
}

/// Dumps (following tapes, leaving them, nesting) in a thread-local
/// destructor that runs before the thread's templates are gone, and after.
#[test]
fn dumps_in_thread_local_destructors() {
    quiet_scripted_panics();
    let v = S::Tuple(vec![S::Struct(0, 1, vec![(6, S::U8(1))]), S::Str]);
    let w = S::Tuple(vec![S::Struct(0, 1, vec![(6, S::U8(1))]), S::Nest(0, Box::new(v.clone()))]);
    let values =
        vec![v.clone(), v.clone(), w.clone(), v.clone(), S::Tuple(vec![S::Panic]), w.clone(), v.clone()];
    let expected: Vec<Outcome> = values.iter().map(fresh).collect();
    for register_first in [true, false] {
        let (tx, rx) = std::sync::mpsc::channel();
        let (values2, v2) = (values.clone(), v.clone());
        std::thread::spawn(move || {
            if register_first {
                ON_EXIT.with(|slot| *slot.borrow_mut() = Some(DumpsOnDrop(values2, tx)));
                brine_io::dump(&v2).unwrap();
            } else {
                brine_io::dump(&v2).unwrap();
                ON_EXIT.with(|slot| *slot.borrow_mut() = Some(DumpsOnDrop(values2, tx)));
            }
        })
        .join()
        .unwrap();
        assert_eq!(rx.recv().unwrap(), expected, "registered first: {register_first}");
    }
}

// -- targeted: a writer that dumps ---------------------------------------------------------

/// A writer that dumps a value of `S` on each write.
struct DumpingWriter(Vec<u8>, S);

impl std::io::Write for DumpingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = brine_io::dump(&self.1);
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `dump_into` writes the table's bytes (`finish`) to a writer that dumps
/// the type, between the dump taking its template and keeping it.
#[test]
fn a_writer_that_dumps_the_type() {
    quiet_scripted_panics();
    let v = S::Tuple(vec![S::Struct(0, 1, vec![(6, S::U8(1))]), S::Str]);
    let others = [v.clone(), S::Str, S::Tuple(vec![S::Struct(0, 2, vec![(6, S::U8(1))])])];
    for other in &others {
        for value in [v.clone(), S::Tuple(vec![S::Str]), v.clone(), v.clone()] {
            let alone = fresh(&value);
            let mut writer = DumpingWriter(Vec::new(), other.clone());
            brine_io::dump_into(&value, &mut writer).unwrap();
            assert_eq!(Outcome::Bytes(writer.0), alone);
            let mut writer = DumpingWriter(Vec::new(), other.clone());
            brine_io::dump_into(&value, std::io::BufWriter::with_capacity(1, &mut writer)).unwrap();
            assert_eq!(Outcome::Bytes(writer.0), alone);
        }
    }
}

// -- sequences whose elements repeat ------------------------------------------------------

/// A record as programs have them: strings, an `Option` of another record
/// and a sequence, which never settle.
fn record(name: u8, some: bool, tags: usize) -> S {
    let inner =
        if some { S::Some(Box::new(S::Struct(1, 2, vec![(0, S::Str), (1, S::U8(3))]))) } else { S::None };
    S::Struct(name, 4, vec![(6, S::U16(1)), (7, S::Str), (0, inner), (1, S::Seq(true, vec![S::Str; tags]))])
}

/// A sequence of `count` copies of `base`, some of them changed (by the
/// seeds, at their places), written in one of five ways: alone, in a
/// record, twice in a tuple, three times in a sequence of them, or as the
/// values of a map.
fn repeated(base: &S, count: usize, changes: &[(usize, u64)], collect: bool, wrap: u8, hostile: bool) -> S {
    let mut items = vec![base.clone(); count];
    for &(at, seed) in changes {
        let mut seed = seed;
        if let Some(item) = items.get_mut(at) {
            *item = if hostile { mutate(base, &mut seed) } else { scripted::mutate_calm(base, &mut seed) };
        }
    }
    if wrap % 5 == 4 {
        return S::Map(items.into_iter().map(|item| (S::Str, item)).collect());
    }
    let seq = S::Seq(collect, items);
    match wrap % 5 {
        0 => seq,
        1 => S::Struct(2, 2, vec![(6, S::U8(0)), (7, seq)]),
        2 => S::Tuple(vec![seq.clone(), seq]),
        _ => S::Seq(collect, vec![seq.clone(), seq.clone(), seq]),
    }
}

fn repeating(base: impl Strategy<Value = S>, hostile: bool) -> impl Strategy<Value = S> {
    (base, 0usize..12, proptest::collection::vec((0usize..12, any::<u64>()), 0..4), any::<bool>(), 0u8..5)
        .prop_map(move |(base, count, changes, collect, wrap)| {
            repeated(&base, count, &changes, collect, wrap, hostile)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn repeated_focused_elements(values in proptest::collection::vec(repeating(focused(), false), 1..5)) {
        each_once_as_fresh(&values);
    }

    #[test]
    fn repeated_hostile_elements(values in proptest::collection::vec(repeating(scripts(true), true), 1..4)) {
        each_once_as_fresh(&values);
    }

    #[test]
    fn repeated_records(
        shapes in proptest::collection::vec((0u8..3, any::<bool>(), 0usize..3), 1..40),
        collect in any::<bool>(),
        wrap in 0u8..5,
    ) {
        let items: Vec<S> = shapes.iter().map(|&(name, some, tags)| record(name % 2, some, tags)).collect();
        let value = repeated(&S::Seq(collect, items), 1, &[], collect, wrap, false);
        each_once_as_fresh(&[value.clone(), value]);
    }
}

/// A `Vec` of records whose elements repeat, then change (an `Option` made
/// `None`, a sequence emptied or longer, a record of another layout, a
/// panic, an error swallowed, a dump inside) at each place, then repeat
/// again; each dumped after the others, as the thread's templates and tapes
/// build up.
#[test]
fn elements_that_repeat_then_change() {
    let base = record(0, true, 2);
    let changes = [
        record(0, false, 2),
        record(0, true, 0),
        record(0, true, 5),
        S::Struct(0, 2, vec![(6, S::U16(1)), (7, S::Str)]),
        S::Tuple(vec![base.clone(), S::Panic]),
        S::Swallow(Box::new(S::Tuple(vec![S::Str, S::Fail]))),
        S::Nest(0, Box::new(S::Seq(true, vec![base.clone(); 5]))),
        S::Nest(3, Box::new(base.clone())),
    ];
    for change in &changes {
        for at in [0, 1, 2, 3, 4, 7] {
            let mut items = vec![base.clone(); 8];
            items[at] = change.clone();
            let entries = items.iter().map(|item| (S::Str, item.clone())).collect();
            let values = [
                S::Seq(true, items.clone()),
                S::Seq(false, items.clone()),
                S::Map(entries),
                S::Seq(true, vec![base.clone(); 9]),
            ];
            each_once_as_fresh(&values);
            same_as_fresh(&values);
        }
    }
}

// -- elements from a small pool, in runs, nested and recursive -----------------------------

/// A sequence of runs of values from `pool` (each run `n` copies of one).
fn runs(pool: &[S], pattern: &[(usize, usize)], collect: bool) -> S {
    let mut items = Vec::new();
    for &(at, n) in pattern {
        if !pool.is_empty() {
            items.extend(std::iter::repeat_n(pool[at % pool.len()].clone(), n));
        }
    }
    S::Seq(collect, items)
}

/// A tree of the struct `A { x, children }` (one record at every depth: the
/// children's sequence is one context, reached again inside each element).
fn tree(leaves: &[S], shape: &[(usize, usize)], depth: usize, collect: bool) -> S {
    let (leaf, n) = shape.get(depth).copied().unwrap_or((0, 0));
    let x = leaves.get(leaf % leaves.len().max(1)).cloned().unwrap_or(S::U8(0));
    let children = if depth >= 3 {
        Vec::new()
    } else {
        (0..n).map(|i| tree(leaves, shape, depth + 1 + (i % 2), collect)).collect()
    };
    S::Struct(0, 2, vec![(6, x), (7, S::Seq(collect, children))])
}

fn pooled(base: BoxedStrategy<S>) -> impl Strategy<Value = S> {
    (
        proptest::collection::vec(base, 1..4),
        proptest::collection::vec((0usize..4, 1usize..6), 1..8),
        any::<bool>(),
        0u8..7,
    )
        .prop_map(|(pool, pattern, collect, wrap)| {
            let seq = runs(&pool, &pattern, collect);
            match wrap {
                0 => seq,
                // a map whose values are the sequence: one element context
                // for the elements of every value
                1 => S::Map(vec![(S::Str, seq.clone()), (S::U8(1), seq.clone()), (S::Str, seq)]),
                // the sequence inside its own elements' record, recursively
                2 => tree(&pool, &pattern, 0, collect),
                // sequences of the sequence, and of sequences of it
                3 => {
                    S::Seq(collect, vec![seq.clone(), seq.clone(), runs(&pool, &pattern[..1], !collect), seq])
                }
                4 => S::Seq(!collect, vec![S::Seq(collect, vec![seq.clone(); 3]); 3]),
                // an option of it flipping
                5 => S::Seq(
                    collect,
                    vec![
                        S::Some(Box::new(seq.clone())),
                        S::None,
                        S::Some(Box::new(seq.clone())),
                        S::Some(Box::new(seq)),
                    ],
                ),
                _ => S::Tuple(vec![seq.clone(), S::Str, seq]),
            }
        })
}

/// Near copies of `base`, each dumped after the ones before.
fn with_near_copies(base: S, seeds: &[u64], hostile: bool) -> Vec<S> {
    let mut values = vec![base.clone(), base.clone()];
    for &seed in seeds {
        let mut seed = seed;
        values.push(if hostile { mutate(&base, &mut seed) } else { scripted::mutate_calm(&base, &mut seed) });
        values.push(base.clone());
    }
    values
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn pooled_focused(base in pooled(focused().boxed()), seeds in proptest::collection::vec(any::<u64>(), 0..4)) {
        each_once_as_fresh(&with_near_copies(base, &seeds, false));
    }

    #[test]
    fn pooled_hostile(base in pooled(scripts(true)), seeds in proptest::collection::vec(any::<u64>(), 0..3)) {
        each_once_as_fresh(&with_near_copies(base, &seeds, true));
    }

    #[test]
    fn pooled_calm_in_a_row(values in proptest::collection::vec(pooled(scripts(false)), 1..5)) {
        each_once_as_fresh(&values);
    }
}

/// Elements of 254..258 different calls (a tuple of `n` u8s, each at its own
/// context, plus the tuple call), repeating, then changing at their first,
/// middle or last call, in sequences nested in sequences.
#[test]
fn elements_around_repeat_steps() {
    for n in [254usize, 255, 256, 257, 300] {
        let base = S::Tuple(vec![S::U8(0); n]);
        for at in [0, n / 2, n - 1] {
            let mut changed = vec![S::U8(0); n];
            changed[at] = S::Str;
            let changed = S::Tuple(changed);
            let mut items = vec![base.clone(); 6];
            items[3] = changed.clone();
            for collect in [false, true] {
                let seq = S::Seq(collect, items.clone());
                let values = [
                    seq.clone(),
                    S::Seq(collect, vec![base.clone(); 4]),
                    S::Seq(
                        !collect,
                        vec![seq.clone(), seq.clone(), S::Seq(collect, vec![changed.clone(); 3])],
                    ),
                    seq,
                ];
                each_once_as_fresh(&values);
            }
        }
    }
}

/// More than `REPEAT_MISSES` elements in a row that differ, then a run
/// that repeats, then differ again; and elements of no calls between.
#[test]
fn many_misses_then_repeats() {
    let a = S::Some(Box::new(S::U8(1)));
    let b = S::None;
    let c = S::Struct(0, 1, vec![(6, S::U8(1))]); // settles: no calls after its second
    for misses in [6usize, 7, 8, 9, 12] {
        let mut items: Vec<S> = (0..misses).map(|i| if i % 2 == 0 { a.clone() } else { b.clone() }).collect();
        items.extend(vec![a.clone(); 5]);
        items.extend((0..misses).map(|i| if i % 2 == 0 { b.clone() } else { a.clone() }));
        items.extend(vec![c.clone(); 4]);
        items.extend(vec![b.clone(); 4]);
        for collect in [false, true] {
            let values = [
                S::Seq(collect, items.clone()),
                S::Seq(collect, items[1..].to_vec()),
                S::Seq(collect, items.clone()),
            ];
            each_once_as_fresh(&values);
            same_as_fresh(&values);
        }
    }
}

/// Small values whose whole dump fits a tape (64 steps) while some of their
/// elements repeat: the tape holds the calls followed (`note_followed`), and
/// later dumps of other counts follow it and leave it at each place.
#[test]
fn tapes_made_while_following_repeats() {
    let kinds = [
        S::None,
        S::Some(Box::new(S::U8(1))),
        S::Some(Box::new(S::None)),
        S::Tuple(vec![S::U8(1), S::Str]),
        S::Seq(false, vec![S::None, S::None]),
        S::UnitVariant(0, 0, 6),
        S::NewtypeVariant(0, 1, 7, Box::new(S::Str)),
        S::Struct(0, 2, vec![(6, S::Str)]),
    ];
    for kind in &kinds {
        for other in &kinds {
            let mut values = Vec::new();
            for n in [3usize, 4, 5, 4, 3, 2, 9, 30, 5, 5] {
                let mut items = vec![kind.clone(); n];
                values.push(S::Seq(false, items.clone()));
                items[n / 2] = other.clone();
                values.push(S::Seq(true, items.clone()));
                items.push(kind.clone());
                values.push(S::Seq(false, items));
            }
            each_once_as_fresh(&values);
        }
    }
}

/// A hand-written sequence that swallows the errors of its elements and
/// goes on, elements that fail half-way and elements that panic inside a
/// caught `catch_unwind`, among elements that repeat.
#[test]
fn swallowed_elements() {
    struct Swallowing(Vec<S>);
    impl Serialize for Swallowing {
        fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            for item in &self.0 {
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| seq.serialize_element(item)));
            }
            seq.end()
        }
    }
    impl Clone for Swallowing {
        fn clone(&self) -> Self {
            Swallowing(self.0.clone())
        }
    }
    impl std::fmt::Debug for Swallowing {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.fmt(f)
        }
    }
    let good = record(0, true, 2);
    let fails = S::Struct(0, 4, vec![(6, S::U16(1)), (7, S::Str), (0, S::Fail)]);
    let panics = S::Struct(0, 4, vec![(6, S::U16(1)), (7, S::Str), (0, S::Panic)]);
    for bad in [&fails, &panics] {
        for at in [0usize, 1, 2, 3, 5] {
            let mut items = vec![good.clone(); 7];
            items[at] = bad.clone();
            let mut twice = items.clone();
            twice[6] = bad.clone();
            let values = vec![
                Swallowing(items.clone()),
                Swallowing(twice),
                Swallowing(vec![bad.clone(); 4]),
                Swallowing(items),
            ];
            each_once_as_fresh(&values);
        }
    }
}

/// An element that makes as many calls as the one before but other ones,
/// and settles the record it makes first: the next element must not follow
/// its calls (its struct call now answers the record settled, and the field
/// of another type that follows is not recorded). Holds `same_steps` to
/// comparing the calls, not only their number.
#[test]
fn an_element_that_settles_what_it_makes_is_not_followed() {
    let values = [
        S::Seq(
            false,
            vec![
                S::Newtype(6, Box::new(S::U8(0))),
                S::Newtype(0, Box::new(S::U8(0))),
                S::Newtype(0, Box::new(S::U16(0))),
            ],
        ),
        S::Seq(
            true,
            vec![
                S::Newtype(6, Box::new(S::U8(0))),
                S::Newtype(7, Box::new(S::U8(0))),
                S::Newtype(0, Box::new(S::U8(0))),
                S::Newtype(0, Box::new(S::U16(0))),
            ],
        ),
    ];
    each_once_as_fresh(&values);
}

// -- found by a second review ----------------------------------------------------------------

/// Elements whose last one writes another primitive where the ones before
/// wrote the same: a follow that took any event (answers alike: none) would
/// miss the change; the debug build's check that a followed element changed
/// nothing does not.
#[test]
fn an_element_whose_primitive_differs_after_repeats() {
    let item = |p: S| S::Struct(2, 2, vec![(6, S::Str), (7, S::Some(Box::new(p)))]);
    let mut items = vec![item(S::U8(1)); 4];
    items.push(item(S::Str));
    let mut middle = items.clone();
    middle.swap(2, 4);
    each_once_as_fresh(&[S::Seq(true, items.clone()), S::Seq(false, items), S::Seq(true, middle)]);
}

/// A map at no context (inside a record that conflicts, so its fields are
/// not recorded), then a sequence whose elements repeat: the map's entries
/// begin no elements, and the sequence is compared.
#[test]
fn a_map_at_no_context_then_repeats() {
    let first = S::Struct(3, 2, vec![(6, S::U8(0)), (7, S::U8(1))]);
    let conflicting = S::Struct(3, 1, vec![(6, S::Map(vec![(S::Str, S::U8(0)), (S::Str, S::U8(1))]))]);
    let repeats = S::Seq(true, vec![record(0, true, 2); 6]);
    let value = S::Tuple(vec![first, conflicting, repeats]);
    each_once_as_fresh(&[value.clone(), value]);
}

/// A sequence whose element is too long to compare, then short sequences
/// that gain nothing, then one whose elements repeat: each is compared on
/// its own.
#[test]
fn sequences_that_gain_nothing_then_one_that_repeats() {
    let big = S::Tuple(vec![S::U8(0); 300]);
    let short = |n: usize| S::Seq(true, vec![record(1, true, 1); n]);
    let value = S::Tuple(vec![
        S::Seq(false, vec![big.clone(), big]),
        short(3),
        short(4),
        short(2),
        S::Seq(false, vec![S::Some(Box::new(S::U8(0))), S::None, S::Some(Box::new(S::U8(0))), S::None]),
        S::Seq(true, vec![record(0, true, 2); 12]),
    ]);
    each_once_as_fresh(&[value.clone(), value]);
}
