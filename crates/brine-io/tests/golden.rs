//! Golden files pin the format's bytes: a change to what brine writes must be a
//! conscious version bump, not an accident.
//!
//! The files in tests/golden/ were written by format version 1. Regenerate them
//! only together with a version bump and an update of docs/FORMAT.md:
//! `BRINE_BLESS=1 cargo test -p brine-io --test golden`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Dot(Point),
    Line { from: Point, to: Point },
    Empty,
}

/// Stands for a function value: its dump sets the header's code flag.
#[derive(Deserialize, Debug, PartialEq)]
struct CodeLike(String);

impl Serialize for CodeLike {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        brine_io::trust::mark_code();
        serializer.serialize_newtype_struct("CodeLike", &self.0)
    }
}

fn check<T>(file: &str, value: &T)
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    check_with(file, value, &brine_io::Options::new());
}

fn check_with<T>(file: &str, value: &T, options: &brine_io::Options)
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(file);
    let bytes = brine_io::dump(value).unwrap();
    if std::env::var_os("BRINE_BLESS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes, golden, "{file}: the bytes brine writes have changed");
    assert_eq!(&options.load::<T>(&golden).unwrap(), value, "{file}: no longer loads");
}

#[test]
fn u32_seven() {
    check("u32.brine", &7u32);
}

#[test]
fn string() {
    check("string.brine", &String::from("brine ✓"));
}

#[test]
fn struct_and_enum() {
    check(
        "shapes.brine",
        &vec![
            Shape::Dot(Point { x: 1, y: -1 }),
            Shape::Line { from: Point { x: 0, y: 0 }, to: Point { x: 300, y: -300 } },
            Shape::Empty,
        ],
    );
}

#[test]
fn map_float_option() {
    let value: BTreeMap<String, Option<f64>> =
        BTreeMap::from([("pi".into(), Some(std::f64::consts::PI)), ("none".into(), None)]);
    check("map.brine", &value);
}

/// An envelope holding code: flags 0x0001, and only an opted-in load reads it.
#[test]
fn code_flag() {
    let options = brine_io::Options::new().trust(brine_io::Trust::Registry);
    check_with("code.brine", &CodeLike("golden::f".into()), &options);
    let golden =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/code.brine")).unwrap();
    assert_eq!(golden[10..12], [1, 0]);
    assert!(matches!(brine_io::load::<CodeLike>(&golden), Err(brine_io::load::Error::CodeRefused)));
}

/// The spec's worked example in docs/FORMAT.md, byte for byte.
#[test]
fn the_documented_example() {
    let bytes = brine_io::dump(&7u32).unwrap();
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex.join(" "),
        "89 42 52 49 4e 45 0d 0a 01 00 00 00 03 00 00 00 01 00 00 00 00 00 00 00 \
         17 fb 63 18 8e 78 18 fd 75 33 32 07"
    );
}
