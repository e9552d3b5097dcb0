//! `#[source]` and `source_of!`: every kind of item keeps its exact text,
//! name, kind, file and line; macro-made items fall back to printed tokens;
//! code dumps through the same functions as values. No compiler needed.

#![allow(missing_docs)] // the items here are fixtures for #[source]

use brine_code::{Code, Items, Kind, TextOrigin};
use brine_code::{source, source_of};

/// Squares a number.
#[source]
pub fn square(x: i64) -> i64 {
    // a comment between statements
    let y = x; /* and one inside a line */
    y * y
}

#[source]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64, // east
    pub y: f64, // north
}

#[source]
impl Point {
    /// Distance from the origin.
    pub fn norm(&self) -> f64 {
        self.x.hypot(self.y)
    }
}

#[source]
impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

#[source]
#[derive(Debug)]
pub enum Shape {
    Circle { r: f64 },
    Square(f64),
}

#[source]
pub trait Area {
    fn area(&self) -> f64;
}

#[source]
pub const LIMIT: usize = 10; // ten

#[source]
pub static mut COUNTER: u32 = 0;

#[source]
pub type Pair = (i64, i64);

#[source]
#[allow(dead_code)]
union Bits {
    f: f32,
    u: u32,
}

#[source]
pub mod geometry {
    //! Inner docs.

    /// Twice the input.
    #[super::source]
    pub fn double(x: f64) -> f64 {
        2.0 * x
    }
}

#[source]
pub const SQUARE: fn(i64) -> i64 = |x| x * x; // dill's `f = lambda x: x**2`

#[source]
pub fn größe(wörter: &[&str]) -> usize {
    wörter.iter().map(|w| w.chars().count()).sum() // ünïcödé
}

#[derive(Debug, Default)]
#[source] // after a derive, which rustc expands first
/// Documented after the attribute.
pub struct Late {
    pub n: u8,
}

#[allow(clippy::all)]
#[source]
pub fn inert_first() {}

macro_rules! make_fn {
    ($name:ident, $value:expr) => {
        #[source]
        pub fn $name() -> i64 {
            $value // from the macro
        }
    };
}
make_fn!(from_macro, 7);

fn kept(code: &Code) -> (Kind, &str, TextOrigin) {
    (code.kind(), code.name(), code.origin())
}

#[test]
fn a_function_keeps_its_exact_text_with_comments_and_docs() {
    let code = source_of!(square);
    assert_eq!(kept(code), (Kind::Fn, "square", TextOrigin::File));
    assert_eq!(
        code.text(),
        "/// Squares a number.\npub fn square(x: i64) -> i64 {\n    // a comment between statements\n    \
         let y = x; /* and one inside a line */\n    y * y\n}"
    );
    assert_eq!(code.file(), "crates/brine-code/tests/keep.rs");
    assert_eq!((code.line(), code.column()), (10, 1));
    assert_eq!(code.module_path(), "keep");
    assert_eq!(square(3), 9, "the item compiles unchanged");
}

#[test]
fn every_kind_of_item_is_kept() {
    let cases: [(&Code, Kind, &str, &str); 12] = [
        (
            source_of!(Point),
            Kind::Struct,
            "Point",
            "#[derive(Debug, Clone, Copy, PartialEq)]\npub struct Point {",
        ),
        (source_of!(impl Point), Kind::Impl, "impl Point", "impl Point {\n    /// Distance from the origin."),
        (
            source_of!(impl Display for Point),
            Kind::Impl,
            "impl Display for Point",
            "impl std::fmt::Display for",
        ),
        (source_of!(Shape), Kind::Enum, "Shape", "#[derive(Debug)]\npub enum Shape {\n    Circle {"),
        (source_of!(Area), Kind::Trait, "Area", "pub trait Area {\n    fn area(&self) -> f64;\n}"),
        (source_of!(LIMIT), Kind::Const, "LIMIT", "pub const LIMIT: usize = 10;"),
        (source_of!(COUNTER), Kind::Static, "COUNTER", "pub static mut COUNTER: u32 = 0;"),
        (source_of!(Pair), Kind::Type, "Pair", "pub type Pair = (i64, i64);"),
        (source_of!(Bits), Kind::Union, "Bits", "#[allow(dead_code)]\nunion Bits {\n    f: f32,"),
        (source_of!(geometry), Kind::Mod, "geometry", "pub mod geometry {\n    //! Inner docs."),
        (source_of!(geometry::double), Kind::Fn, "double", "/// Twice the input.\n    pub fn double"),
        (source_of!(SQUARE), Kind::Const, "SQUARE", "pub const SQUARE: fn(i64) -> i64 = |x| x * x;"),
    ];
    for (code, kind, name, start) in cases {
        assert_eq!(kept(code), (kind, name, TextOrigin::File), "{name}");
        assert!(code.text().starts_with(start), "{name}: {:?}", code.text());
        assert!(!code.text().contains("#[source]"), "{name}: the attribute is stripped: {:?}", code.text());
    }
    // a trailing comment after the last token is not part of the item
    assert_eq!(source_of!(LIMIT).text(), "pub const LIMIT: usize = 10;");
    // the module's text holds its items, with their own (inner) attribute
    assert!(source_of!(geometry).text().contains("#[super::source]\n    pub fn double"));
    assert_eq!(Point { x: 3.0, y: 4.0 }.norm(), 5.0);
    assert_eq!(geometry::double(2.0), 4.0);
}

#[test]
fn attributes_expanded_before_it_are_not_in_the_text() {
    // rustc runs the derive first and hands `#[source]` the item without it:
    // write `#[source]` first to keep the derive (as `Point` does above)
    let code = source_of!(Late);
    assert_eq!(kept(code), (Kind::Struct, "Late", TextOrigin::File));
    assert_eq!(code.text(), "/// Documented after the attribute.\npub struct Late {\n    pub n: u8,\n}");
    assert_eq!(Late::default().n, 0, "the derive still applies to the item");
    // an inert attribute before it stays, and `#[source]` is cut out between
    assert_eq!(source_of!(inert_first).text(), "#[allow(clippy::all)]\npub fn inert_first() {}");
}

#[test]
fn columns_and_slices_count_characters_not_bytes() {
    let code = source_of!(größe);
    assert_eq!(kept(code), (Kind::Fn, "größe", TextOrigin::File));
    assert!(code.text().ends_with("sum() // ünïcödé\n}"), "{:?}", code.text());
    assert_eq!(größe(&["ä", "bc"]), 3);
}

#[test]
fn an_item_a_macro_wrote_falls_back_to_its_printed_tokens() {
    let code = source_of!(from_macro);
    assert_eq!(kept(code), (Kind::Fn, "from_macro", TextOrigin::Tokens));
    // the printer's layout, and the comment is gone
    assert_eq!(code.text(), "pub fn from_macro () -> i64 { 7 }");
    assert_eq!(from_macro(), 7);
}

#[test]
fn an_item_inside_a_function_body_is_kept_too() {
    #[source]
    fn local(x: u8) -> u8 {
        x + 1
    }
    let code = source_of!(local);
    assert_eq!(code.text(), "fn local(x: u8) -> u8 {\n        x + 1\n    }");
    assert_eq!(code.column(), 5);
    assert_eq!(local(1), 2);
}

#[test]
fn an_alias_renames_the_definition_only() -> anyhow::Result<()> {
    let renamed = source_of!(square).alias("_f")?;
    assert_eq!(renamed.name(), "_f");
    assert!(renamed.text().starts_with("/// Squares a number.\npub fn _f(x: i64) -> i64 {\n"));
    assert_eq!(renamed.text().replace("_f(", "square("), source_of!(square).text());
    let lambda = source_of!(SQUARE).alias("_f")?;
    assert_eq!(lambda.text(), "pub const _f: fn(i64) -> i64 = |x| x * x;");
    assert_eq!(source_of!(COUNTER).alias("TOTAL")?.text(), "pub static mut TOTAL: u32 = 0;");

    let error = source_of!(impl Point).alias("Other").unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot rename impl `impl Point` to `Other`: an `impl` block has no name to change"
    );
    assert!(source_of!(square).alias("two words").is_err());
    Ok(())
}

#[test]
fn code_dumps_through_the_same_functions_as_values() -> anyhow::Result<()> {
    let code = source_of!(square);
    // a `&Code` and a `&&Code` both work
    assert_eq!(brine_source::to_string(code)?, code.text());
    assert_eq!(brine_source::to_string(&code)?, code.text());

    let file = brine_source::dump(&code.alias("_f")?)?;
    assert_eq!(file.path().extension().and_then(|e| e.to_str()), Some("rs"));
    let text = std::fs::read_to_string(&file)?;
    assert_eq!(
        text,
        format!(
            "// Rust code kept by #[brine::source]: fn `_f` (crates/brine-code/tests/keep.rs:10)\n{}\n",
            code.alias("_f")?.text()
        )
    );
    Ok(())
}

#[test]
fn a_list_of_items_dumps_as_one_file_in_order() -> anyhow::Result<()> {
    let items = Items::new([source_of!(impl Point), source_of!(Point)]);
    let text = brine_source::to_string(&items)?;
    assert_eq!(text, format!("{}\n\n{}\n", source_of!(impl Point).text(), source_of!(Point).text()));

    let file = brine_source::dump(&items)?;
    let written = std::fs::read_to_string(&file)?;
    let (header, body) = written.split_at(written.find("impl Point {").unwrap_or(0));
    assert_eq!(
        header,
        "// Rust code kept by #[brine::source]: 2 items\n\
         //   impl `impl Point` (crates/brine-code/tests/keep.rs:26)\n\
         //   struct `Point` (crates/brine-code/tests/keep.rs:19)\n"
    );
    assert_eq!(body, text);
    Ok(())
}
