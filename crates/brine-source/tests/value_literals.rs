//! The reader never accepts a literal that rustc rejects for the requested
//! type: a suffix must name that type, a value must fit it, a constant must
//! be that type's, and escapes are spelled as the Rust reference has them.
//! The conveniences that are no literal (a bare value for `Some(value)`,
//! `.into()`, `vec![..]`, a newtype without its name) stay.

#![allow(clippy::panic)] // test helpers fail the test by panicking

use serde::de::{DeserializeOwned, IgnoredAny};

fn refused<T: DeserializeOwned + std::fmt::Debug>(texts: &[&str]) {
    for text in texts {
        let result = brine_source::from_str::<T>(text);
        assert!(result.is_err(), "{text} read as {}: {result:?}", std::any::type_name::<T>());
    }
}

fn accepted<T: DeserializeOwned + std::fmt::Debug + PartialEq>(cases: &[(&str, T)]) {
    for (text, expected) in cases {
        let value = brine_source::from_str::<T>(text)
            .unwrap_or_else(|e| panic!("{text} as {}: {e}", std::any::type_name::<T>()));
        assert_eq!(&value, expected, "{text}");
    }
}

#[test]
fn integers_rustc_rejects_are_refused() {
    refused::<u16>(&[
        "300u8",
        "7u32",
        "7i16",
        "u8::MAX",
        "a::b::u16::MAX",
        "x::u16::MAX",
        "b'a'",
        "-0",
        "-1",
        "0x1_0000",
    ]);
    refused::<i32>(&["-5u32", "5i64", "-i32::MIN", "i64::MAX", "u32::MAX", "2147483648"]);
    refused::<u8>(&["-0u8", "256u8", "300", "-u8::MAX", "0x100"]);
    refused::<i8>(&["0xff", "128i8", "-129"]);
    refused::<IgnoredAny>(&["300u8", "-5u32", "-1u8", "128i8", "-0u64"]);
    refused::<Vec<i64>>(&["[1, 2u8]", "vec![u32::MAX]"]);
}

#[test]
fn integers_rustc_accepts_are_read() {
    accepted::<u16>(&[
        ("300u16", 300),
        ("u16::MAX", u16::MAX),
        ("::core::primitive::u16::MAX", u16::MAX),
        ("std::primitive::u16::MIN", 0),
        ("core::u16::MAX", u16::MAX),
        ("0x_ff_u16", 255),
    ]);
    accepted::<i32>(&[("-5i32", -5), ("-5", -5), ("-i32::MAX", -i32::MAX), ("i32::MIN", i32::MIN)]);
    accepted::<i8>(&[("-0x80", -128), ("-128i8", -128), ("-0b1", -1)]);
    accepted::<u8>(&[("b'a'", b'a'), (r"b'\x7f'", 0x7f), (r"b'\xFf'", 0xff)]);
    accepted::<Option<u8>>(&[("5", Some(5)), ("Some(5u8)", Some(5))]);
}

#[test]
fn floats_rustc_rejects_are_refused() {
    refused::<f64>(&[
        "1e400",
        "-1e400",
        "1.5f32",
        "7",
        "7u8",
        "f32::NAN",
        "f32::MAX",
        "f32::from_bits(0)",
        "std::f32::consts::PI",
        "a::f64::NAN",
        "x::consts::PI",
    ]);
    refused::<f32>(&["1e39", "1.0f64", "f64::NAN", "3"]);
    refused::<IgnoredAny>(&["1e400", "1e39f32"]);
}

#[test]
fn floats_rustc_accepts_are_read() {
    accepted::<f64>(&[
        ("1e300", 1e300),
        ("2.5f64", 2.5),
        ("3f64", 3.0),
        ("f64::INFINITY", f64::INFINITY),
        ("-f64::MAX", -f64::MAX),
        ("std::f64::consts::PI", std::f64::consts::PI),
        ("::core::f64::consts::E", std::f64::consts::E),
        ("1e-400", 0.0),
        ("f64::from_bits(0x4000_0000_0000_0000)", 2.0),
    ]);
    accepted::<f32>(&[("3.4e38", 3.4e38), ("1.5f32", 1.5), ("f32::MAX", f32::MAX)]);
}

#[test]
fn escapes_rustc_rejects_are_refused() {
    refused::<char>(&[r"'\u{+41}'", r"'\u{0000041}'", r"'\u{}'", r"'\u{_41}'", r"'\u{-41}'", r"'\x+f'"]);
    refused::<u8>(&[r"b'\x+f'", r"b'\x-1'", r"b'\x 1'"]);
    refused::<String>(&[r#""\u{+41}""#, r#""\x+f""#, r#""\u{1234567}""#]);
}

#[test]
fn escapes_rustc_accepts_are_read() {
    accepted::<char>(&[
        (r"'\u{41}'", 'A'),
        (r"'\u{1_F600}'", '😀'),
        (r"'\u{10FFFF}'", '\u{10FFFF}'),
        (r"'\u{00_0041}'", 'A'),
    ]);
    accepted::<String>(&[(r#""\u{41}\x42""#, "AB".to_owned())]);
}
