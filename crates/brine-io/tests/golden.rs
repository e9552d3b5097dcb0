//! Golden files pin the format's bytes: a change to what brine writes must be a
//! conscious version bump, not an accident.
//!
//! tests/golden/v2/ holds files of the version written now (2). Regenerate
//! them only together with a version bump and an update of docs/FORMAT.md:
//! `BRINE_BLESS=1 cargo test -p brine-io --test golden`. tests/golden/v1/
//! holds files written by version 1, kept as they are: they must still load.

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

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
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let path = golden.join("v2").join(file);
    let bytes = brine_io::dump(value).unwrap();
    if std::env::var_os("BRINE_BLESS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    let read = |path: &PathBuf| std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let current = read(&path);
    assert_eq!(bytes, current, "{file}: the bytes brine writes have changed");
    assert_eq!(&options.load::<T>(&current).unwrap(), value, "{file}: no longer loads");
    // what version 1 wrote (values that existed then) still loads
    let old = golden.join("v1").join(file);
    if old.exists() {
        assert_eq!(&options.load::<T>(&read(&old)).unwrap(), value, "{file}: version 1 no longer loads");
    }
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
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v2/code.brine")).unwrap();
    assert_eq!(golden[10..12], [1, 0]);
    assert!(matches!(brine_io::load::<CodeLike>(&golden), Err(brine_io::load::Error::CodeRefused)));
}

/// The spec's worked example in docs/FORMAT.md, byte for byte.
#[test]
fn the_documented_example() {
    let bytes = brine_io::dump(&7u32).unwrap();
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex.join(" "), DOCUMENTED_EXAMPLE);
    let version_1 =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1/u32.brine"));
    let hex: Vec<String> = version_1.unwrap().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex.join(" "),
        "89 42 52 49 4e 45 0d 0a 01 00 00 00 03 00 00 00 01 00 00 00 00 00 00 00 \
         17 fb 63 18 8e 78 18 fd 75 33 32 07"
    );
}

const DOCUMENTED_EXAMPLE: &str = "89 42 52 49 4e 45 0d 0a 02 00 00 00 03 00 00 00 0a 00 00 00 00 00 00 00 \
     12 ef 41 65 7b ff 2c c9 75 33 32 07 00 01 18 00 00 05 00 00 00";
