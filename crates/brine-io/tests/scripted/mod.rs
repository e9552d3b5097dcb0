//! Values that make any serializer calls: a script of them, with names
//! and variant indexes chosen to meet the shape table's edge cases, dumps
//! of other values inside, panics and errors; and two hand-written enums
//! that write one serde enum in layouts that conflict. Shared by the tests
//! of the thread's templates, tapes and element holes (`templates.rs`,
//! `tapes.rs`, `holes_review.rs`, `repeats_review.rs`).

#![allow(dead_code)] // each test file uses its own part

use std::sync::OnceLock;

use proptest::prelude::*;

use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
use serde::{Serialize, Serializer};

/// The message of the panics the values below make on purpose.
pub const SCRIPTED: &str = "scripted panic";

/// `"AB"`: names cut from it share an address.
pub const AB: &str = "AB";

/// Names: equal content at other addresses, one address with two lengths,
/// empty names.
pub fn name(i: u8) -> &'static str {
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
pub fn index(i: u8) -> u32 {
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
pub enum S {
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
pub struct Other<const N: usize>(pub S);

impl<const N: usize> Serialize for Other<N> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_newtype_struct("Other", &self.0)
    }
}

pub fn nested(mode: u8, inner: &S) -> Result<Vec<u8>, brine_io::dump::Error> {
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

/// A small change of `s`, picked by `seed` (see [`change`]), which may add
/// a panic.
pub fn mutate(s: &S, seed: &mut u64) -> S {
    change(s, seed, true)
}

/// A small change of `s` that adds no panic, error or dump inside.
pub fn mutate_calm(s: &S, seed: &mut u64) -> S {
    change(s, seed, false)
}

/// A small change of `s`, picked by `seed`: a part dropped, added, swapped,
/// cut short, a `Some` made `None`, a nested value changed.
fn change(s: &S, seed: &mut u64, hostile: bool) -> S {
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
    let mut m = |c: &S, s: &mut u64| change(c, s, hostile);
    match s {
        S::Some(_) if roll == 0 => S::None,
        S::Some(inner) => S::Some(Box::new(change(inner, seed, hostile))),
        S::U8(v) if roll == 0 => S::U8(v.wrapping_add(1)),
        S::U8(_) if roll == 1 => S::U16(0),
        S::Seq(c, items) => S::Seq(*c, list(items, seed, &mut m)),
        S::Map(entries) => {
            S::Map(list(entries, seed, &mut |(k, v), s| (change(k, s, hostile), change(v, s, hostile))))
        }
        S::Tuple(items) if roll == 0 && !items.is_empty() => items[0].clone(),
        S::Tuple(items) => S::Tuple(list(items, seed, &mut m)),
        S::TupleStruct(n, items) => {
            S::TupleStruct(*n, items.iter().map(|i| change(i, seed, hostile)).collect())
        }
        S::Newtype(n, inner) => S::Newtype(*n, Box::new(change(inner, seed, hostile))),
        S::Struct(n, l, fields) if roll < 2 => {
            S::Struct(*n, *l, list(fields, seed, &mut |(f, v), s| (*f, change(v, s, hostile))))
        }
        S::Struct(n, l, fields) => {
            S::Struct(*n, *l, fields.iter().map(|(f, v)| (*f, change(v, seed, hostile))).collect())
        }
        S::UnitVariant(n, i, v) if roll == 0 => S::UnitVariant(*n, (i + 1) % 5, *v),
        S::NewtypeVariant(n, i, v, _) if roll == 0 => S::UnitVariant(*n, *i, *v),
        S::NewtypeVariant(n, i, v, inner) => {
            S::NewtypeVariant(*n, *i, *v, Box::new(change(inner, seed, hostile)))
        }
        S::TupleVariant(n, i, v, items) => {
            S::TupleVariant(*n, *i, *v, items.iter().map(|x| change(x, seed, hostile)).collect())
        }
        S::StructVariant(n, i, v, l, fields) => S::StructVariant(
            *n,
            *i,
            *v,
            *l,
            fields.iter().map(|(f, x)| (*f, change(x, seed, hostile))).collect(),
        ),
        S::Nest(mode, inner) if roll < 2 => S::Nest((mode + 1) % 15, inner.clone()),
        S::Nest(mode, inner) => S::Nest(*mode, Box::new(change(inner, seed, hostile))),
        S::Swallow(inner) => S::Swallow(Box::new(change(inner, seed, hostile))),
        S::Panic | S::Fail if roll < 3 => S::Unit,
        other if hostile && roll == 9 => S::Tuple(vec![other.clone(), S::Panic]),
        other => other.clone(),
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

/// Any values, of any serializer calls; `hostile` ones also panic, fail, dump
/// values inside and swallow an inner value's error.
pub fn scripts(hostile: bool) -> BoxedStrategy<S> {
    let any = leaf().prop_recursive(4, 32, 4, |inner| {
        let v = || proptest::collection::vec(inner.clone(), 0..4);
        let fields = || proptest::collection::vec((0u8..8, inner.clone()), 0..3);
        prop_oneof![
            1 => inner.clone().prop_map(|c| S::Some(Box::new(c))),
            1 => (any::<bool>(), v()).prop_map(|(c, items)| S::Seq(c, items)),
            1 => proptest::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(S::Map),
            1 => v().prop_map(S::Tuple),
            1 => (0u8..8, v()).prop_map(|(n, items)| S::TupleStruct(n, items)),
            1 => (0u8..8, inner.clone()).prop_map(|(n, c)| S::Newtype(n, Box::new(c))),
            1 => (0u8..8, 0u8..4, fields()).prop_map(|(n, l, f)| S::Struct(n, l, f)),
            1 => (0u8..8, 0u8..5, 0u8..8, inner.clone())
                .prop_map(|(n, i, v, c)| S::NewtypeVariant(n, i, v, Box::new(c))),
            1 => (0u8..8, 0u8..5, 0u8..8, v()).prop_map(|(n, i, v, items)| S::TupleVariant(n, i, v, items)),
            1 => (0u8..8, 0u8..5, 0u8..8, 0u8..4, fields())
                .prop_map(|(n, i, v, l, f)| S::StructVariant(n, i, v, l, f)),
            1 => (0u8..15, inner.clone()).prop_map(|(m, c)| S::Nest(m, Box::new(c))),
            1 => inner.clone().prop_map(|c| S::Swallow(Box::new(c))),
        ]
    });
    if hostile { any.boxed() } else { any.prop_map(calm).boxed() }
}

/// `s` with its panics and errors made units, its dumps inside and
/// swallowed values made the values themselves.
fn calm(s: S) -> S {
    let all = |items: Vec<S>| items.into_iter().map(calm).collect();
    let fields = |fields: Vec<(u8, S)>| fields.into_iter().map(|(f, v)| (f, calm(v))).collect();
    match s {
        S::Panic | S::Fail => S::Unit,
        S::Nest(_, inner) | S::Swallow(inner) => calm(*inner),
        S::Some(inner) => S::Some(Box::new(calm(*inner))),
        S::Seq(c, items) => S::Seq(c, all(items)),
        S::Map(entries) => S::Map(entries.into_iter().map(|(k, v)| (calm(k), calm(v))).collect()),
        S::Tuple(items) => S::Tuple(all(items)),
        S::TupleStruct(n, items) => S::TupleStruct(n, all(items)),
        S::Newtype(n, inner) => S::Newtype(n, Box::new(calm(*inner))),
        S::Struct(n, l, f) => S::Struct(n, l, fields(f)),
        S::NewtypeVariant(n, i, v, inner) => S::NewtypeVariant(n, i, v, Box::new(calm(*inner))),
        S::TupleVariant(n, i, v, items) => S::TupleVariant(n, i, v, all(items)),
        S::StructVariant(n, i, v, l, f) => S::StructVariant(n, i, v, l, fields(f)),
        leaf => leaf,
    }
}

// -- shared by the tests of tapes and holes ---------------------------------------------------

/// Keeps the default panic hook's output for every panic but the scripted ones.
pub fn quiet_scripted_panics() {
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

/// The message a panic carried.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|m| (*m).to_string()))
        .unwrap_or_default()
}

/// `value` dumped on a thread of its own, following sequence elements'
/// calls (`repeats`) or none; an error or a panic as its message.
pub fn dump_on_new_thread<T: Serialize + Clone + Send + 'static>(
    value: &T,
    repeats: bool,
) -> Result<Vec<u8>, String> {
    let value = value.clone();
    std::thread::spawn(move || {
        if repeats {
            brine_io::dump(&value).map_err(|e| e.to_string())
        } else {
            brine_io::without_repeats(|| brine_io::dump(&value).map_err(|e| e.to_string()))
        }
    })
    .join()
    .map_err(panic_message)?
}

/// For a proptest: `v` dumped on a new thread, here after `before`, and
/// here again, is each time what a dump on a new thread that follows no
/// element's calls gives (bytes, or an error's message); returns that.
pub fn same_as_plain<T: Serialize + Clone + Send + 'static>(
    before: &T,
    v: &T,
) -> Result<Result<Vec<u8>, String>, TestCaseError> {
    quiet_scripted_panics();
    let plain = dump_on_new_thread(v, false);
    prop_assert!(plain.is_ok(), "{plain:?}");
    let fresh = dump_on_new_thread(v, true);
    prop_assert!(fresh == plain, "fresh {fresh:?}\nplain {plain:?}");
    let _ = brine_io::dump(before);
    let here = brine_io::dump(v).map_err(|e| e.to_string());
    prop_assert!(here == plain, "after another dump: {here:?}");
    let again = brine_io::dump(v).map_err(|e| e.to_string());
    prop_assert!(again == plain, "again: {again:?}");
    Ok(plain)
}

/// One enum name, one address: the variants [`H`] and [`C`] write are of
/// one enum.
pub static E: &str = "E";

/// `E::A(u32)` (a newtype variant, index 0), `E::A` as a unit variant (the
/// same index, another kind: a conflict), or `E::B`.
#[derive(Debug, Clone)]
pub enum H {
    ANew(u32),
    AUnit,
    B,
}

impl Serialize for H {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            H::ANew(x) => s.serialize_newtype_variant(E, 0, "A", x),
            H::AUnit => s.serialize_unit_variant(E, 0, "A"),
            H::B => s.serialize_unit_variant(E, 1, "B"),
        }
    }
}

/// Another Rust type writing `E::A(..)`: a record settled for [`H`] answers
/// it (its values are of two types now), so its field is recorded.
#[derive(Debug, Clone)]
pub enum C {
    U32(u32),
    U64(u64),
}

impl Serialize for C {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            C::U32(x) => s.serialize_newtype_variant(E, 0, "A", x),
            C::U64(x) => s.serialize_newtype_variant(E, 0, "A", x),
        }
    }
}

/// `V` written as the Rust type `Ty<N>`: the type a variant call carries.
#[derive(Debug, Clone)]
pub struct Ty<const N: usize>(pub V);

impl<const N: usize> Serialize for Ty<N> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        self.0.serialize(s)
    }
}

/// Records whose fields are written as one of three Rust types (the type
/// a variant call carries), sequences, tuples and options of them, around
/// scripted values.
#[derive(Debug, Clone)]
pub enum V {
    S(S),
    /// a struct of fields (type, name, value)
    Rec(u8, Vec<(u8, u8, V)>),
    Seq(Vec<V>),
    Tuple(Vec<V>),
    Some(Box<V>),
}

impl Serialize for V {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct, SerializeTuple};
        match self {
            V::S(x) => x.serialize(s),
            V::Rec(n, fields) => {
                let mut st = s.serialize_struct(name(*n), fields.len())?;
                for (ty, f, v) in fields {
                    let f = name(*f);
                    match ty % 3 {
                        0 => st.serialize_field(f, &Ty::<0>(v.clone()))?,
                        1 => st.serialize_field(f, &Ty::<1>(v.clone()))?,
                        _ => st.serialize_field(f, &Ty::<2>(v.clone()))?,
                    }
                }
                st.end()
            }
            V::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            V::Tuple(items) => {
                let mut t = s.serialize_tuple(items.len())?;
                for item in items {
                    t.serialize_element(item)?;
                }
                t.end()
            }
            V::Some(v) => s.serialize_some(&**v),
        }
    }
}
