//! A changed type is an error, never a wrong value: the shape check of format
//! version 2.
//!
//! Each test writes a value with one version of a type and reads it with
//! another of the same serde name, as a program and its next build would.
//! The two versions live in two modules here, so their Rust type names
//! differ and the tests switch the name check off (`check_type(false)`): the
//! shape check is what stands between the bytes and a wrong value.

#![allow(clippy::unwrap_used, clippy::panic)] // a failed unwrap or panic fails the test

use std::collections::BTreeMap;

use brine_io::{Options, load};
use serde::{Deserialize, Serialize};

/// The name check off, as between two builds whose type keeps its path.
const BUILDS: Options = Options::new().check_type(false);

fn changed<W: Serialize, R: for<'de> Deserialize<'de> + std::fmt::Debug>(written: &W) -> load::Error {
    let bytes = brine_io::dump(written).unwrap();
    match BUILDS.load::<R>(&bytes) {
        Ok(value) => panic!("a changed type loaded as {value:?}"),
        Err(error @ load::Error::ShapeChanged { .. }) => error,
        Err(other) => panic!("expected ShapeChanged, got {other:?}: {other}"),
    }
}

fn unchanged<W: Serialize, R: for<'de> Deserialize<'de>>(written: &W) -> R {
    let bytes = brine_io::dump(written).unwrap();
    BUILDS.load::<R>(&bytes).unwrap_or_else(|error| panic!("{error}"))
}

mod build1 {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Config {
        pub retries: u32,
        pub scale: f32,
        pub name: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub enum Mode {
        Fast,
        Careful { checks: u8 },
        Custom(String),
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Inner {
        pub x: i32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Outer {
        pub inner: Inner,
        pub modes: Vec<Mode>,
        pub maybe: Option<Inner>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    pub struct Node {
        pub v: i32,
        pub next: Option<Box<Node>>,
    }
}

/// `build1::Config` in the next build, its first two fields swapped.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Config {
    scale: f32,
    retries: u32,
    name: String,
}

/// The reproduction from the issue: fields reordered between two builds.
#[test]
fn reordered_fields_are_an_error_naming_the_change() {
    let written = build1::Config { retries: 3, scale: 0.5, name: "x".into() };
    let error = changed::<_, Config>(&written);
    let text = error.to_string();
    assert!(text.contains("changed since the value was written"), "{text}");
    assert!(text.contains("struct `Config` with fields [`scale`, `retries`, `name`]"), "{text}");
    assert!(text.contains("fields [`retries`, `scale`, `name`] was written"), "{text}");
    assert!(text.contains("load it with the type as it was"), "{text}");
    assert!(text.contains("Options::check_shape(false)"), "{text}");
    // switched off, postcard decodes the bytes into a wrong value: what the check prevents
    let bytes = brine_io::dump(&written).unwrap();
    let wrong: Config = BUILDS.check_shape(false).load(&bytes).unwrap();
    assert_ne!((wrong.retries, wrong.scale), (3, 0.5));
}

#[test]
fn renamed_added_and_removed_fields_are_errors() {
    let written = build1::Config { retries: 3, scale: 0.5, name: "x".into() };
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Config {
        tries: u32,
        scale: f32,
        name: String,
    }
    changed::<_, Config>(&written);
    mod added {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Config {
            pub retries: u32,
            pub scale: f32,
            pub name: String,
            pub extra: u8,
        }
    }
    changed::<_, added::Config>(&written);
    mod removed {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Config {
            pub retries: u32,
            pub scale: f32,
        }
    }
    changed::<_, removed::Config>(&written);
}

#[test]
fn a_retyped_field_is_an_error_naming_the_field() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Config {
        retries: u64,
        scale: f32,
        name: String,
    }
    let error = changed::<_, Config>(&build1::Config { retries: 3, scale: 0.5, name: "x".into() });
    let load::Error::ShapeChanged { place, expected, found, .. } = &error else { unreachable!() };
    assert_eq!(place, "field `retries` of struct `Config`");
    assert_eq!((expected.as_str(), found.as_str()), ("u64", "u32"));
}

#[test]
fn changed_enum_variants_are_errors() {
    let written = vec![build1::Mode::Fast, build1::Mode::Careful { checks: 2 }];
    // reordered: index 1 is now another variant
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    enum Mode {
        Fast,
        Custom(String),
        Careful { checks: u8 },
    }
    let error = changed::<_, Vec<Mode>>(&written);
    assert!(error.to_string().contains("`Mode::Careful`"), "{error}");
    // renamed
    mod renamed {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        pub enum Mode {
            Quick,
            Careful { checks: u8 },
            Custom(String),
        }
    }
    changed::<_, Vec<renamed::Mode>>(&written);
    // a variant's fields changed
    mod refielded {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        pub enum Mode {
            Fast,
            Careful { checks: u16 },
            Custom(String),
        }
    }
    changed::<_, Vec<refielded::Mode>>(&written);
    // a struct variant turned tuple variant
    mod retupled {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        pub enum Mode {
            Fast,
            Careful(u8),
            Custom(String),
        }
    }
    changed::<_, Vec<retupled::Mode>>(&written);
    // an added variant at the end changes nothing that was written
    mod added {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        pub enum Mode {
            Fast,
            Careful { checks: u8 },
            Custom(String),
            Later,
        }
    }
    let back: Vec<added::Mode> = unchanged(&written);
    assert_eq!(back, [added::Mode::Fast, added::Mode::Careful { checks: 2 }]);
}

#[test]
fn a_change_deep_inside_is_found_there() {
    mod build2 {
        use serde::Deserialize;

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Inner {
            pub x: i64,
        }

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        pub enum Mode {
            Fast,
            Careful { checks: u8 },
            Custom(String),
        }

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Outer {
            pub inner: Inner,
            pub modes: Vec<Mode>,
            pub maybe: Option<Inner>,
        }
    }
    let written = build1::Outer {
        inner: build1::Inner { x: 1 },
        modes: vec![build1::Mode::Custom("c".into())],
        maybe: None,
    };
    let error = changed::<_, build2::Outer>(&written);
    let load::Error::ShapeChanged { place, .. } = &error else { unreachable!() };
    assert_eq!(place, "field `x` of struct `Inner`");
}

#[test]
fn a_renamed_nested_type_is_an_error_but_a_renamed_top_level_type_is_not() {
    mod build2 {
        use serde::Deserialize;

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Point {
            pub x: i32,
        }

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Outer {
            pub inner: Point,
            pub modes: Vec<u8>,
            pub maybe: Option<Point>,
        }

        #[derive(Deserialize, Debug, PartialEq)]
        pub struct Renamed {
            pub x: i32,
        }
    }
    let written = build1::Outer { inner: build1::Inner { x: 1 }, modes: vec![], maybe: None };
    let error = changed::<_, build2::Outer>(&written);
    assert!(error.to_string().contains("struct `Point`"), "{error}");
    // the type check off is the way to load a type renamed since
    let back: build2::Renamed = unchanged(&build1::Inner { x: 7 });
    assert_eq!(back, build2::Renamed { x: 7 });
}

/// An unchanged type loads whatever the value held when it was written.
#[test]
fn an_unchanged_type_loads_every_value() {
    let values = [
        build1::Outer { inner: build1::Inner { x: 1 }, modes: vec![], maybe: None },
        build1::Outer {
            inner: build1::Inner { x: -1 },
            modes: vec![
                build1::Mode::Fast,
                build1::Mode::Custom("c".into()),
                build1::Mode::Careful { checks: 9 },
            ],
            maybe: Some(build1::Inner { x: 2 }),
        },
    ];
    for value in &values {
        let bytes = brine_io::dump(value).unwrap();
        assert_eq!(&brine_io::load::<build1::Outer>(&bytes).unwrap(), value);
    }
    // a deep recursive value: the table grows with the type, not the value
    let mut list = None;
    for v in 0..100 {
        list = Some(Box::new(build1::Node { v, next: list }));
    }
    let list = *list.unwrap();
    let bytes = brine_io::dump(&list).unwrap();
    let envelope = brine_io::inspect(&bytes).unwrap();
    assert!(bytes.len() - envelope.payload.len() < 120, "{} bytes of table and header", bytes.len());
    assert_eq!(brine_io::load::<build1::Node>(&bytes).unwrap(), list);
}

/// `str` and `String`, `&[u8]` and `Vec<u8>` read each other, as before.
#[test]
fn borrowed_and_owned_forms_read_each_other() {
    #[derive(Serialize)]
    struct Borrowed<'a> {
        name: &'a str,
        #[serde(with = "serde_bytes_like")]
        data: &'a [u8],
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Owned {
        name: String,
        data: Vec<u8>,
    }
    let bytes = brine_io::dump(&Borrowed { name: "n", data: &[1, 2] }).unwrap();
    let owned: Owned = BUILDS.load(&bytes).unwrap();
    assert_eq!(owned, Owned { name: "n".into(), data: vec![1, 2] });

    #[derive(Deserialize, Debug, PartialEq)]
    struct Bytes<'a> {
        name: &'a str,
        #[serde(borrow)]
        data: &'a [u8],
    }
    let bytes = brine_io::dump(&Owned { name: "n".into(), data: vec![3] }).unwrap();
    let borrowed: Bytes = BUILDS.load(&bytes).unwrap();
    assert_eq!(borrowed, Bytes { name: "n", data: &[3] });

    // a string may be read as its bytes; bytes read as a string are a change
    #[derive(Deserialize, Debug, PartialEq)]
    struct Raw<'a> {
        #[serde(borrow, with = "serde_bytes_like")]
        name: &'a [u8],
        data: Vec<u8>,
    }
    let raw: Raw = BUILDS.load(&bytes).unwrap();
    assert_eq!(raw, Raw { name: b"n", data: vec![3] });
    let bytes = brine_io::dump(&Borrowed { name: "n", data: b"xy" }).unwrap();
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Text {
        name: String,
        data: String,
    }
    let error = BUILDS.load::<Text>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");
}

/// `serialize_bytes` / `deserialize_bytes` for a `&[u8]` field, as serde_bytes does.
mod serde_bytes_like {
    pub fn serialize<S: serde::Serializer>(data: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(data)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'de [u8], D::Error> {
        <&[u8]>::deserialize(deserializer)
    }

    use serde::Deserialize;
}

#[test]
fn maps_tuples_and_generics() {
    let mut map = BTreeMap::new();
    map.insert("a".to_string(), (1u8, -2i16));
    let bytes = brine_io::dump(&map).unwrap();
    assert_eq!(brine_io::load::<BTreeMap<String, (u8, i16)>>(&bytes).unwrap(), map);
    let error = BUILDS.load::<BTreeMap<String, (u8, i32)>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");
    let error = BUILDS.load::<BTreeMap<String, (u8, i16, u8)>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");

    // one generic struct with two parameters in one value: its field varies,
    // and is not checked, so the value still loads
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Wrapper<T> {
        value: T,
    }
    let pair = (Wrapper { value: 1u8 }, Wrapper { value: "s".to_string() });
    let bytes = brine_io::dump(&pair).unwrap();
    assert_eq!(brine_io::load::<(Wrapper<u8>, Wrapper<String>)>(&bytes).unwrap(), pair);
}

#[test]
fn from_into_and_rename_follow_their_serde_form() {
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    #[serde(from = "u32", into = "u32")]
    struct Id(u32);
    impl From<u32> for Id {
        fn from(value: u32) -> Self {
            Id(value)
        }
    }
    impl From<Id> for u32 {
        fn from(id: Id) -> u32 {
            id.0
        }
    }
    let bytes = brine_io::dump(&Id(5)).unwrap();
    assert_eq!(brine_io::load::<Id>(&bytes).unwrap(), Id(5));
    assert_eq!(BUILDS.load::<u32>(&bytes).unwrap(), 5, "it is stored as what it converts into");
    assert!(BUILDS.load::<u64>(&bytes).is_err());

    #[derive(Serialize)]
    struct Before {
        #[serde(rename = "count")]
        n: u8,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct After {
        count: u8,
    }
    // the serde name is what counts: a rename that keeps it changes nothing
    let bytes = brine_io::dump(&Before { n: 4 }).unwrap();
    let error = BUILDS.load::<After>(&bytes);
    // the struct's serde name differs (Before/After), at the top level: allowed with the name check off
    assert_eq!(error.unwrap(), After { count: 4 });
}

#[test]
fn version_1_envelopes_still_load_with_the_name_check_only() {
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1/u32.brine");
    let bytes = std::fs::read(golden).unwrap();
    assert_eq!(brine_io::inspect(&bytes).unwrap().version, 1);
    assert_eq!(brine_io::load::<u32>(&bytes).unwrap(), 7);
    // no shapes to compare: a u32 read as i32 with the name check off is postcard's business
    assert!(BUILDS.load::<i32>(&bytes).is_ok());
}

/// A type that passed against a table is remembered (its next loads skip the
/// check); another type meeting the same table is still checked.
#[test]
fn a_passed_type_does_not_let_another_through() {
    let bytes = brine_io::dump(&build1::Config { retries: 3, scale: 0.5, name: "x".into() }).unwrap();
    for _ in 0..3 {
        assert_eq!(BUILDS.load::<build1::Config>(&bytes).unwrap().retries, 3);
        let error = BUILDS.load::<Config>(&bytes).unwrap_err();
        assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");
    }
}

#[test]
fn the_check_can_be_switched_off() {
    let bytes = brine_io::dump(&build1::Config { retries: 3, scale: 0.5, name: "x".into() }).unwrap();
    assert!(BUILDS.check_shape(false).load::<Config>(&bytes).is_ok());
}

/// Loads that passed are remembered with the checks they ran and the table
/// they ran against: a load with a check on, or with another table of the
/// same type name, is checked again.
#[test]
fn a_passed_load_lets_no_other_check_or_table_through() {
    let bytes = brine_io::dump(&build1::Config { retries: 3, scale: 0.5, name: "x".into() }).unwrap();
    for _ in 0..3 {
        assert!(BUILDS.check_shape(false).load::<Config>(&bytes).is_ok());
        let error = BUILDS.load::<Config>(&bytes).unwrap_err();
        assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");
        let error = Options::new().check_shape(false).load::<Config>(&bytes).unwrap_err();
        assert!(matches!(error, load::Error::TypeMismatch { .. }), "{error}");
    }

    /// `build1::Outer` with another type inside its `maybe`.
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        inner: build1::Inner,
        modes: Vec<build1::Mode>,
        maybe: Option<Config>,
    }
    let outer = |maybe| build1::Outer { inner: build1::Inner { x: 1 }, modes: vec![], maybe };
    // a `None` records nothing of what `maybe` holds: it passes, and is remembered
    let none = brine_io::dump(&outer(None)).unwrap();
    let some = brine_io::dump(&outer(Some(build1::Inner { x: 2 }))).unwrap();
    for _ in 0..3 {
        assert!(BUILDS.load::<Outer>(&none).is_ok());
        let error = BUILDS.load::<Outer>(&some).unwrap_err();
        assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");
    }
}

/// A tuple (a big array, say, as `serde_big_array` writes it) of `len`
/// bytes, read back through `deserialize_tuple` as such a crate does.
#[derive(Debug, PartialEq)]
struct LongTuple(Vec<u8>);

impl Serialize for LongTuple {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for byte in &self.0 {
            tuple.serialize_element(byte)?;
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for LongTuple {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes(usize);
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = LongTuple;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a tuple of {} bytes", self.0)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<LongTuple, A::Error> {
                let mut bytes = Vec::with_capacity(self.0);
                while let Some(byte) = seq.next_element()? {
                    bytes.push(byte);
                }
                Ok(LongTuple(bytes))
            }
        }
        // the length is the type's; here, the one this test wrote
        deserializer.deserialize_tuple(LONG, Bytes(LONG))
    }
}

const LONG: usize = 100_000;

/// The bytes an envelope's shape table takes.
fn table_len(bytes: &[u8]) -> usize {
    let envelope = brine_io::inspect(bytes).unwrap();
    envelope.len() - brine_io::HEADER_LEN - envelope.type_name.len() - envelope.payload.len()
}

/// A long tuple records its length, not a context per element: the table
/// stays small, the value loads back with every check on, and a tuple of
/// another length is still refused.
#[test]
fn a_long_tuple_records_its_length_not_each_element() {
    let value = LongTuple((0..LONG).map(|i| i as u8).collect());
    let bytes = brine_io::dump(&value).unwrap();
    assert!(table_len(&bytes) < 100, "a table of {} bytes for one tuple", table_len(&bytes));
    assert_eq!(brine_io::load::<LongTuple>(&bytes).unwrap(), value);
    // a dump that replays the first one's table writes the same bytes
    assert_eq!(brine_io::dump(&value).unwrap(), bytes);
    let short = LongTuple(vec![1, 2, 3]);
    let error =
        Options::new().check_type(false).load::<LongTuple>(&brine_io::dump(&short).unwrap()).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error}");
}

/// `Serialize` impls that announce lengths far beyond what they write:
/// serde leaves the numbers to the impl, and the recorder makes no room for
/// what is only announced.
struct Announces(usize);

impl Serialize for Announces {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut outer = serializer.serialize_struct("Announces", self.0)?;
        outer.serialize_field("inner", &AnnouncedVariant(self.0))?;
        outer.serialize_field("pair", &AnnouncedPair(self.0))?;
        outer.end()
    }
}

struct AnnouncedVariant(usize);

impl Serialize for AnnouncedVariant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStructVariant;
        let mut variant = serializer.serialize_struct_variant("Announced", 0, "Variant", self.0)?;
        variant.serialize_field("byte", &7u8)?;
        variant.end()
    }
}

/// A tuple that writes what it announces up to 2 elements: past that, its
/// count is wrong.
struct AnnouncedPair(usize);

impl Serialize for AnnouncedPair {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(self.0.min(2))?;
        tuple.serialize_element(&1u8)?;
        tuple.serialize_element(&2u8)?;
        tuple.end()
    }
}

struct AnnouncedTuple(usize);

impl Serialize for AnnouncedTuple {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(self.0)?;
        tuple.serialize_element(&1u8)?;
        tuple.serialize_element(&2u8)?;
        tuple.end()
    }
}

mod announced {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    pub struct Announces {
        pub inner: Announced,
        pub pair: (u8, u8),
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    pub enum Announced {
        Variant { byte: u8 },
    }
}

#[test]
fn announced_lengths_allocate_nothing() {
    for announced in [1 << 20, u32::MAX as usize - 1, u32::MAX as usize, u32::MAX as usize + 2, usize::MAX] {
        // a tuple checks its count: a clear error, not an allocation
        let error = brine_io::dump(&AnnouncedTuple(announced)).unwrap_err();
        assert!(error.to_string().contains("items that wrote 2"), "{announced}: {error}");
        // a struct's and a variant's counts are the impl's to give: the
        // dump goes through, and a reader of the fields written loads it
        let bytes = brine_io::dump(&Announces(announced)).unwrap();
        assert!(table_len(&bytes) < 200, "{announced}: a table of {} bytes", table_len(&bytes));
        let value: announced::Announces = BUILDS.load(&bytes).unwrap();
        assert_eq!(
            value,
            announced::Announces { inner: announced::Announced::Variant { byte: 7 }, pair: (1, 2) }
        );
    }
}
