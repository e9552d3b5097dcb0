//! Tapes (`shape/replay.rs`) against hostile values: a dump's bytes, error
//! or panic never depend on what the thread dumped before.
//!
//! Each test dumps values on this thread (four ways) and compares each with
//! a dump of the same value on a new thread. Values here may panic or fail
//! part-way and may dump other values (of their own type or others) from
//! inside their `Serialize`; the outcome (bytes, error, panic) must be the
//! one of a new thread.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::OnceLock;

use proptest::prelude::*;
use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
use serde::{Serialize, Serializer};

// -- harness ------------------------------------------------------------------------------

/// The message of the panics the values below make on purpose.
const SCRIPTED: &str = "scripted panic";

/// Keeps the default panic hook's output for every panic but the scripted ones.
fn quiet_scripted_panics() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let scripted = info.payload().downcast_ref::<&str>().is_some_and(|m| *m == SCRIPTED)
                || info.payload().downcast_ref::<String>().is_some_and(|m| m == SCRIPTED);
            if !scripted {
                default(info);
            }
        }));
    });
}

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
    quiet_scripted_panics();
    for (i, value) in values.iter().enumerate() {
        let alone = fresh(value);
        let here = outcome(|| brine_io::dump(value));
        assert!(here == alone, "value {i} ({value:?}): dump {here:?} but alone {alone:?}");
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
    quiet_scripted_panics();
    for (i, value) in values.iter().enumerate() {
        let alone = fresh(value);
        let here = outcome(|| brine_io::dump(value));
        assert!(here == alone, "value {i} ({value:?}): dump {here:?} but alone {alone:?}");
    }
}

// -- a value that makes any serializer calls, dumps inside, panics, fails ---------------

/// `"AB"`: names cut from it share an address.
const AB: &str = "AB";

/// Names: equal content at other addresses, one address with two lengths,
/// empty names.
fn name(i: u8) -> &'static str {
    static COPY: OnceLock<&'static str> = OnceLock::new();
    static EMPTY: OnceLock<&'static str> = OnceLock::new();
    match i % 8 {
        0 => "A",
        1 => COPY.get_or_init(|| Box::leak(String::from("A").into_boxed_str())),
        2 => &AB[..1],
        3 => AB,
        4 => "",
        5 => EMPTY.get_or_init(|| Box::leak(String::from("xy").into_boxed_str()).split_at(1).1.split_at(1).1),
        6 => "x",
        _ => "y",
    }
}

/// Variant indexes, `u32::MAX` (the table's `NONE`) among them.
fn index(i: u8) -> u32 {
    match i % 5 {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => u32::MAX,
        _ => u32::MAX - 1,
    }
}

/// The serializer calls of a value, written out.
#[derive(Debug, Clone)]
enum S {
    U8(u8),
    U16(u16),
    Str,
    Unit,
    None,
    Some(Box<S>),
    /// through `serialize_seq` (false) or `collect_seq` (true)
    Seq(bool, Vec<S>),
    Map(Vec<(S, S)>),
    Tuple(Vec<S>),
    TupleStruct(u8, Vec<S>),
    Newtype(u8, Box<S>),
    /// name, announced len, fields (name, value)
    Struct(u8, u8, Vec<(u8, S)>),
    UnitStruct(u8),
    UnitVariant(u8, u8, u8),
    NewtypeVariant(u8, u8, u8, Box<S>),
    TupleVariant(u8, u8, u8, Vec<S>),
    StructVariant(u8, u8, u8, u8, Vec<(u8, S)>),
    /// Dumps the inner value (of this type: 0 `dump`, 1 `dump_append`, 2
    /// `dump_into`; of another type `Other<N>`: 3 + N) and writes its bytes.
    Nest(u8, Box<S>),
    /// A panic here.
    Panic,
    /// An error here (returned, not swallowed).
    Fail,
    /// The inner value's error or panic swallowed: its calls so far stay made.
    Swallow(Box<S>),
}

/// A value of another type, one per `N`: more types than a thread keeps.
#[derive(Debug, Clone)]
struct Other<const N: usize>(S);

impl<const N: usize> Serialize for Other<N> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_newtype_struct("Other", &self.0)
    }
}

fn nested(mode: u8, inner: &S) -> Result<Vec<u8>, brine_io::dump::Error> {
    macro_rules! other {
        ($($n:literal)*) => {
            match mode - 3 {
                $($n => brine_io::dump(&Other::<$n>(inner.clone())),)*
                _ => brine_io::dump(&Other::<99>(inner.clone())),
            }
        };
    }
    match mode {
        0 => brine_io::dump(inner),
        1 => {
            let mut buf = vec![1, 2, 3];
            brine_io::dump_append(inner, &mut buf).map(|()| buf)
        }
        2 => {
            let mut buf = Vec::new();
            brine_io::dump_into(inner, &mut buf).map(|()| buf)
        }
        _ => other!(0 1 2 3 4 5 6 7 8 9 10 11),
    }
}

impl Serialize for S {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        match self {
            S::U8(v) => s.serialize_u8(*v),
            S::U16(v) => s.serialize_u16(*v),
            S::Str => s.serialize_str("s"),
            S::Unit => s.serialize_unit(),
            S::None => s.serialize_none(),
            S::Some(v) => s.serialize_some(v),
            S::Seq(true, items) => s.collect_seq(items),
            S::Seq(false, items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            S::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_key(k)?;
                    map.serialize_value(v)?;
                }
                map.end()
            }
            S::Tuple(items) => {
                let mut t = s.serialize_tuple(items.len())?;
                for item in items {
                    t.serialize_element(item)?;
                }
                t.end()
            }
            S::TupleStruct(n, items) => {
                let mut t = s.serialize_tuple_struct(name(*n), items.len())?;
                for item in items {
                    t.serialize_field(item)?;
                }
                t.end()
            }
            S::Newtype(n, v) => s.serialize_newtype_struct(name(*n), v),
            S::Struct(n, len, fields) => {
                let mut st = s.serialize_struct(name(*n), usize::from(*len))?;
                for (f, v) in fields {
                    st.serialize_field(name(*f), v)?;
                }
                st.end()
            }
            S::UnitStruct(n) => s.serialize_unit_struct(name(*n)),
            S::UnitVariant(n, i, v) => s.serialize_unit_variant(name(*n), index(*i), name(*v)),
            S::NewtypeVariant(n, i, v, x) => s.serialize_newtype_variant(name(*n), index(*i), name(*v), x),
            S::TupleVariant(n, i, v, items) => {
                let mut t = s.serialize_tuple_variant(name(*n), index(*i), name(*v), items.len())?;
                for item in items {
                    t.serialize_field(item)?;
                }
                t.end()
            }
            S::StructVariant(n, i, v, len, fields) => {
                let mut st = s.serialize_struct_variant(name(*n), index(*i), name(*v), usize::from(*len))?;
                for (f, x) in fields {
                    st.serialize_field(name(*f), x)?;
                }
                st.end()
            }
            S::Nest(mode, inner) => match nested(*mode, inner) {
                Ok(bytes) => s.serialize_bytes(&bytes),
                Err(error) => Err(serde::ser::Error::custom(error)),
            },
            S::Panic => panic!("{}", SCRIPTED),
            S::Fail => Err(serde::ser::Error::custom("scripted error")),
            S::Swallow(inner) => {
                // the inner value's calls are made; whatever it ends with, a unit
                let mut t = s.serialize_tuple(2)?;
                let caught =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.serialize_element(&**inner)));
                let _ = caught;
                t.serialize_element(&())?;
                t.end()
            }
        }
    }
}

fn leaf() -> impl Strategy<Value = S> {
    prop_oneof![
        6 => (0u8..3).prop_map(S::U8),
        2 => (0u16..3).prop_map(S::U16),
        3 => Just(S::Str),
        2 => Just(S::Unit),
        3 => Just(S::None),
        2 => (0u8..8).prop_map(S::UnitStruct),
        3 => (0u8..8, 0u8..5, 0u8..8).prop_map(|(n, i, v)| S::UnitVariant(n, i, v)),
        1 => Just(S::Panic),
        1 => Just(S::Fail),
    ]
}

fn scripts() -> impl Strategy<Value = S> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        let v = || proptest::collection::vec(inner.clone(), 0..4);
        let fields = || proptest::collection::vec((0u8..8, inner.clone()), 0..3);
        prop_oneof![
            inner.clone().prop_map(|c| S::Some(Box::new(c))),
            (any::<bool>(), v()).prop_map(|(c, items)| S::Seq(c, items)),
            proptest::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(S::Map),
            v().prop_map(S::Tuple),
            (0u8..8, v()).prop_map(|(n, items)| S::TupleStruct(n, items)),
            (0u8..8, inner.clone()).prop_map(|(n, c)| S::Newtype(n, Box::new(c))),
            (0u8..8, 0u8..4, fields()).prop_map(|(n, l, f)| S::Struct(n, l, f)),
            (0u8..8, 0u8..5, 0u8..8, inner.clone()).prop_map(|(n, i, v, c)| S::NewtypeVariant(
                n,
                i,
                v,
                Box::new(c)
            )),
            (0u8..8, 0u8..5, 0u8..8, v()).prop_map(|(n, i, v, items)| S::TupleVariant(n, i, v, items)),
            (0u8..8, 0u8..5, 0u8..8, 0u8..4, fields())
                .prop_map(|(n, i, v, l, f)| S::StructVariant(n, i, v, l, f)),
            (0u8..15, inner.clone()).prop_map(|(m, c)| S::Nest(m, Box::new(c))),
            inner.clone().prop_map(|c| S::Swallow(Box::new(c))),
        ]
    })
}

/// A small change of `s`, picked by `seed`: a part dropped, added, swapped,
/// cut short, a `Some` made `None`, a nested value changed.
fn mutate(s: &S, seed: &mut u64) -> S {
    fn next(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *seed >> 33
    }
    fn list<T: Clone>(items: &[T], seed: &mut u64, each: &mut dyn FnMut(&T, &mut u64) -> T) -> Vec<T> {
        let mut out: Vec<T> = items.iter().map(|item| each(item, seed)).collect();
        match next(seed) % 8 {
            0 if !out.is_empty() => {
                let at = (next(seed) as usize) % out.len();
                out.remove(at);
            }
            1 if out.len() > 1 => out.swap(0, 1),
            2 if !out.is_empty() => {
                let at = (next(seed) as usize) % out.len();
                let copy = out[at].clone();
                out.push(copy);
            }
            3 if !out.is_empty() => out.truncate(out.len() - 1),
            _ => {}
        }
        out
    }
    let roll = next(seed) % 10;
    let mut m = |c: &S, s: &mut u64| mutate(c, s);
    match s {
        S::Some(_) if roll == 0 => S::None,
        S::Some(inner) => S::Some(Box::new(mutate(inner, seed))),
        S::U8(v) if roll == 0 => S::U8(v.wrapping_add(1)),
        S::U8(_) if roll == 1 => S::U16(0),
        S::Seq(c, items) => S::Seq(*c, list(items, seed, &mut m)),
        S::Map(entries) => S::Map(list(entries, seed, &mut |(k, v), s| (mutate(k, s), mutate(v, s)))),
        S::Tuple(items) if roll == 0 && !items.is_empty() => items[0].clone(),
        S::Tuple(items) => S::Tuple(list(items, seed, &mut m)),
        S::TupleStruct(n, items) => S::TupleStruct(*n, items.iter().map(|i| mutate(i, seed)).collect()),
        S::Newtype(n, inner) => S::Newtype(*n, Box::new(mutate(inner, seed))),
        S::Struct(n, l, fields) if roll < 2 => {
            S::Struct(*n, *l, list(fields, seed, &mut |(f, v), s| (*f, mutate(v, s))))
        }
        S::Struct(n, l, fields) => {
            S::Struct(*n, *l, fields.iter().map(|(f, v)| (*f, mutate(v, seed))).collect())
        }
        S::UnitVariant(n, i, v) if roll == 0 => S::UnitVariant(*n, (i + 1) % 5, *v),
        S::NewtypeVariant(n, i, v, _) if roll == 0 => S::UnitVariant(*n, *i, *v),
        S::NewtypeVariant(n, i, v, inner) => S::NewtypeVariant(*n, *i, *v, Box::new(mutate(inner, seed))),
        S::TupleVariant(n, i, v, items) => {
            S::TupleVariant(*n, *i, *v, items.iter().map(|x| mutate(x, seed)).collect())
        }
        S::StructVariant(n, i, v, l, fields) => {
            S::StructVariant(*n, *i, *v, *l, fields.iter().map(|(f, x)| (*f, mutate(x, seed))).collect())
        }
        S::Nest(mode, inner) if roll < 2 => S::Nest((mode + 1) % 15, inner.clone()),
        S::Nest(mode, inner) => S::Nest(*mode, Box::new(mutate(inner, seed))),
        S::Swallow(inner) => S::Swallow(Box::new(mutate(inner, seed))),
        S::Panic | S::Fail if roll < 3 => S::Unit,
        other if roll == 9 => S::Tuple(vec![other.clone(), S::Panic]),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Any values in a row, with dumps inside, panics and errors.
    #[test]
    fn scripts_in_a_row(values in proptest::collection::vec(scripts(), 1..6)) {
        same_as_fresh(&values);
    }

    /// A value, near copies of it, and it again, each once: each dump meets
    /// the tape the one before left.
    #[test]
    fn near_copies_each_once(base in scripts(), seeds in proptest::collection::vec(any::<u64>(), 1..8)) {
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
    fn near_copies_nested(base in scripts(), seeds in proptest::collection::vec(any::<u64>(), 1..6), modes in proptest::collection::vec(0u8..15, 1..6)) {
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
