//! Malformed text gives an error with a line and column that says what was
//! expected and what was found: never a panic, never a stack overflow.

#![allow(clippy::panic)] // test helpers fail the test by panicking

use std::collections::HashMap;

use brine_source::Error;
use proptest::prelude::*;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Circle(f64),
    Empty,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Doc {
    title: String,
    points: Vec<Point>,
    shape: Shape,
    meta: HashMap<String, u8>,
}

/// The error's position and message, or a failure naming the value read.
fn error_of<T: for<'de> Deserialize<'de> + std::fmt::Debug>(text: &str) -> (usize, usize, String) {
    match brine_source::from_str::<T>(text) {
        Ok(value) => panic!("{text:?} was read as {value:?}, expected an error"),
        Err(error) => {
            let (line, column) = error.position().unwrap_or_else(|| panic!("no position in {error}"));
            (line, column, error.to_string())
        }
    }
}

#[test]
fn unbalanced_brackets() {
    let (line, column, message) = error_of::<Vec<u8>>("[1, 2");
    assert_eq!((line, column), (1, 6));
    assert_eq!(message, "line 1, column 6: expected `,` or `]`, found end of input");

    let (line, column, message) = error_of::<Vec<u8>>("[1, 2)");
    assert_eq!((line, column), (1, 6));
    assert!(message.contains("expected `,` or `]`, found `)`"), "{message}");

    let (line, column, message) = error_of::<Point>("Point { x: 1, y: 2 }}");
    assert_eq!((line, column), (1, 21));
    assert!(message.contains("expected the end of the input, found `}`"), "{message}");

    let (line, column, message) = error_of::<(u8, u8)>("(1,\n  2\n");
    assert_eq!((line, column), (3, 1));
    assert!(message.contains("found end of input"), "{message}");

    let (line, column, message) = error_of::<String>("\"never closed");
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("expected a closing `\"` for this string"), "{message}");

    let (_, _, message) = error_of::<u8>("/* never closed");
    assert!(message.contains("`*/` closing this comment"), "{message}");
}

#[test]
fn wrong_field_name() {
    let (line, column, message) = error_of::<Point>("Point {\n    x: 1,\n    z: 2,\n}");
    assert_eq!((line, column), (3, 5));
    assert!(message.contains("unknown field `z`, expected `x` or `y`"), "{message}");

    let (line, column, message) = error_of::<Point>("Point { x: 1 }");
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("missing field `y`"), "{message}");

    let (line, column, message) = error_of::<Point>("Place { x: 1, y: 2 }");
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("expected struct `Point`, found `Place`"), "{message}");
}

#[test]
fn wrong_variant() {
    let (line, column, message) = error_of::<Vec<Shape>>("[Shape::Empty, Shape::Square(1.0)]");
    assert_eq!((line, column), (1, 16));
    assert!(message.contains("unknown variant `Square`, expected `Circle` or `Empty`"), "{message}");

    let (line, column, message) = error_of::<Shape>("Form::Empty");
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("expected enum `Shape`, found `Form::Empty`"), "{message}");

    let (line, column, message) = error_of::<Shape>("Shape::Empty(1)");
    assert_eq!((line, column), (1, 13));
    assert!(message.contains("expected nothing after unit variant `Empty`, found `(`"), "{message}");

    let (_, _, message) = error_of::<Shape>("Shape::Circle");
    assert!(message.contains("`(` after newtype variant `Circle`"), "{message}");
}

#[test]
fn out_of_range_integers() {
    let (line, column, message) = error_of::<Vec<u8>>("[1, 2, 256]");
    assert_eq!((line, column), (1, 8));
    assert_eq!(message, "line 1, column 8: expected a u8 (0 to 255), found `256`");

    let (line, column, message) = error_of::<i8>("  -129");
    assert_eq!((line, column), (1, 3));
    assert!(message.contains("expected an i8 (-128 to 127), found `-129`"), "{message}");

    let (_, _, message) = error_of::<u32>("-1");
    assert!(message.contains("expected a u32 (0 to 4294967295), found `-1`"), "{message}");

    let (_, _, message) = error_of::<u128>("340282366920938463463374607431768211456");
    assert!(message.contains("expected an integer below 2^128"), "{message}");

    let (_, _, message) = error_of::<u8>("0b102");
    assert!(message.contains("expected digits of base 2"), "{message}");

    let (_, _, message) = error_of::<u8>("1xyz");
    assert!(message.contains("an integer suffix"), "{message}");

    let (_, _, message) = error_of::<u8>("\"1\"");
    assert!(message.contains("expected a u8 (an integer literal), found `\"1\"`"), "{message}");
}

#[test]
fn bad_escapes() {
    let (line, column, message) = error_of::<String>(r#""ok \q""#);
    assert_eq!((line, column), (1, 5));
    assert!(message.contains("expected an escape"), "{message}");
    assert!(message.contains("found `\\q`"), "{message}");

    let (_, column, message) = error_of::<String>(r#""\u{110000}""#);
    assert_eq!(column, 2);
    assert!(message.contains("found `\\u{110000}`"), "{message}");

    let (_, _, message) = error_of::<String>(r#""\xff""#);
    assert!(message.contains("found `\\xff`"), "{message}");

    let (_, _, message) = error_of::<char>("'ab'");
    assert!(message.contains("a character literal"), "{message}");

    let (_, _, message) = error_of::<Vec<u8>>(r#"b"é""#);
    assert!(message.contains("ASCII in a byte literal"), "{message}");
}

#[test]
fn code_is_never_run() {
    let (_, _, message) = error_of::<Vec<u8>>("[1, 2].into_iter().map(|x| x * 2).collect()");
    assert!(message.contains("expected a conversion that keeps the value"), "{message}");
    assert!(message.contains("found `map`"), "{message}");

    let (_, _, message) = error_of::<u8>("std::process::exit(1)");
    assert!(message.contains("expected a u8"), "{message}");

    let (_, _, message) = error_of::<String>("env!(\"HOME\")");
    assert!(message.contains("expected a string literal"), "{message}");
}

#[test]
fn errors_in_files_name_the_file_and_the_position() -> anyhow::Result<()> {
    let file = brine_source::dump(&vec![1u8, 2])?;
    std::fs::write(file.path(), "// a comment line\n[1, 2, 300].into()\n")?;
    let error = brine_source::load::<Vec<u8>>(&file).unwrap_err();
    assert_eq!(error.position(), Some((2, 8)));
    assert!(matches!(error, Error::InFile { .. }));
    // the file in the message, the position and the reason in its source
    assert_eq!(error.to_string(), format!("in {}", file.path().display()));
    let error = anyhow::Error::from(error);
    let text = format!("{error:#}");
    assert!(text.ends_with("line 2, column 8: expected a u8 (0 to 255), found `300`"), "{text}");
    Ok(())
}

/// 10,000 levels of every kind of bracket: refused at the limit, with the
/// position of the first value past it, on a test thread's small stack.
#[test]
fn ten_thousand_levels_of_nesting() {
    let depth = 10_000;
    let limit = 128;
    let options = brine_source::value::Options::new().max_depth(limit);
    // (text, the column of the first value past the limit): each bracket is
    // a value, and so is each conversion's parenthesis
    let cases = [
        ("[".repeat(depth) + &"]".repeat(depth), limit + 1),
        ("(".repeat(depth) + &")".repeat(depth), limit + 1),
        ("vec![".repeat(depth) + &"]".repeat(depth), limit * 5 + 1),
        ("Some(".repeat(depth) + "1" + &")".repeat(depth), limit * 5 + 1),
        ("A(".repeat(depth) + "1" + &")".repeat(depth), limit * 2 + 1),
        ("A { a: ".repeat(depth) + "1" + &"}".repeat(depth), limit * 7 + 1),
        ("Box::new(".repeat(depth) + "1" + &")".repeat(depth), limit * 9),
        ("[(".repeat(depth) + &")]".repeat(depth), limit + 1),
    ];
    for (text, expected_column) in &cases {
        for error in [
            options.from_str::<IgnoredAny>(text).unwrap_err(),
            brine_source::from_str::<IgnoredAny>(text).unwrap_err(),
        ] {
            let Error::TooDeep { position: Some((line, column)), limit: reported, .. } = error else {
                panic!("expected TooDeep for {}..., got {error}", &text[..20]);
            };
            if reported == limit {
                assert_eq!((line, column), (1, *expected_column), "{}...", &text[..20]);
            } else {
                assert_eq!(reported, brine_source::value::DEFAULT_MAX_DEPTH);
            }
        }
    }
    // Typed readers of recursive types refuse it too: two levels a bracket,
    // the newtype and the sequence or option inside it.
    #[derive(Deserialize, Debug)]
    struct Tree(#[allow(dead_code)] Vec<Tree>);
    #[derive(Deserialize, Debug)]
    struct Chain(#[allow(dead_code)] Option<Box<Chain>>);
    let text = "[".repeat(depth) + &"]".repeat(depth);
    let error = options.from_str::<Tree>(&text).unwrap_err();
    assert!(matches!(error, Error::TooDeep { position: Some((1, 65)), .. }), "{error}");
    let text = "Some(".repeat(depth) + "None" + &")".repeat(depth);
    let error = options.from_str::<Chain>(&text).unwrap_err();
    assert!(matches!(error, Error::TooDeep { position: Some((1, 321)), .. }), "{error}");
    // Deep but within the limit reads fine.
    let ok = "[".repeat(limit) + &"]".repeat(limit);
    assert!(options.from_str::<IgnoredAny>(&ok).is_ok());
}

/// A valid text, to damage.
fn valid_text() -> String {
    let doc = Doc {
        title: "a \"title\"\twith escapes é".into(),
        points: vec![Point { x: 1, y: -2 }, Point { x: i32::MAX, y: i32::MIN }],
        shape: Shape::Circle(-0.5),
        meta: HashMap::from([("k".into(), 1), ("other".into(), 255)]),
    };
    brine_source::to_string(&doc).unwrap_or_default()
}

proptest! {
    /// Cut anywhere, changed anywhere, or arbitrary: an error with a
    /// position, or a value; never a panic.
    #[test]
    fn damaged_text_never_panics(cut in any::<prop::sample::Index>(),
                                 at in any::<prop::sample::Index>(),
                                 byte in any::<u8>(),
                                 noise in any::<String>()) {
        let text = valid_text();
        let cut = cut.index(text.len() + 1);
        if let Some(prefix) = text.get(..cut)
            && let Err(error) = brine_source::from_str::<Doc>(prefix)
        {
            prop_assert!(error.position().is_some(), "{}", error);
        }
        let mut bytes = text.into_bytes();
        let at = at.index(bytes.len());
        bytes[at] = byte;
        if let Ok(changed) = String::from_utf8(bytes) {
            if let Err(error) = brine_source::from_str::<Doc>(&changed) {
                prop_assert!(error.position().is_some(), "{}", error);
            }
            if let Err(error) = brine_source::from_str::<IgnoredAny>(&changed) {
                prop_assert!(error.position().is_some(), "{}", error);
            }
        }
        for result in [
            brine_source::from_str::<IgnoredAny>(&noise).map(|_| ()),
            brine_source::from_str::<Doc>(&noise).map(|_| ()),
        ] {
            if let Err(error) = result {
                prop_assert!(error.position().is_some(), "{}", error);
            }
        }
    }
}
