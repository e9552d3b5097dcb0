//! The reader accepts what people write by hand, not only what the writer
//! writes: every form the crate documents, each checked for its value.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Empty,
    Circle(f64),
    Rect(u8, u8),
    Named { name: String },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Wrapper(String);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Config {
    name: String,
    retries: Option<u8>,
    ports: Vec<u16>,
    shape: Shape,
    #[serde(rename = "type")]
    kind: char,
}

#[test]
fn comments_whitespace_and_trailing_commas() -> anyhow::Result<()> {
    let text = "// a leading comment
        Point /* a block /* nested */ comment */ {
            x : 1 , // the x
            y:-2,
        }
        /// even a doc comment at the end";
    assert_eq!(brine_source::from_str::<Point>(text)?, Point { x: 1, y: -2 });
    assert_eq!(brine_source::from_str::<Vec<u8>>("[\n1,\n2,\n]")?, [1, 2]);
    assert_eq!(brine_source::from_str::<(u8, u8)>("( 1 ,2 , )")?, (1, 2));
    assert_eq!(brine_source::from_str::<(u8,)>("(1,)")?, (1,));
    assert_eq!(brine_source::from_str::<Shape>("Shape::Rect(1, 2,)")?, Shape::Rect(1, 2));
    Ok(())
}

#[test]
fn integer_forms() -> anyhow::Result<()> {
    let text =
        "[1_000, 0xff, 0o17, 0b1010_1010, 7i64, 0x_FF_i64, 1_2_3i64, -0x10, i64::MAX, i64::MIN, 8isize]";
    let values: Vec<i64> = brine_source::from_str(text)?;
    assert_eq!(values, [1000, 255, 15, 0b1010_1010, 7, 255, 123, -16, i64::MAX, i64::MIN, 8]);
    assert_eq!(brine_source::from_str::<u8>("b'a'")?, b'a');
    assert_eq!(brine_source::from_str::<u8>(r"b'\x7f'")?, 0x7f);
    assert_eq!(brine_source::from_str::<u128>("u128::MAX")?, u128::MAX);
    assert_eq!(brine_source::from_str::<i128>("-170141183460469231731687303715884105728")?, i128::MIN);
    assert_eq!(brine_source::from_str::<i8>("-128i8")?, -128);
    assert_eq!(brine_source::from_str::<u64>("::core::primitive::u64::MAX")?, u64::MAX);
    Ok(())
}

#[test]
fn float_forms() -> anyhow::Result<()> {
    let values: Vec<f64> = brine_source::from_str("[1., 2.5e3, 1E-2, 3f64, 4_000.000_1, -0.0, 7.0, 1e1_0]")?;
    assert_eq!(values, [1.0, 2500.0, 0.01, 3.0, 4000.0001, -0.0, 7.0, 1e10]);
    assert!(values[5].is_sign_negative());
    let specials: Vec<f32> = brine_source::from_str(
        "[f32::NAN, f32::INFINITY, -f32::INFINITY, f32::NEG_INFINITY, std::f32::consts::PI]",
    )?;
    assert!(specials[0].is_nan());
    assert_eq!(specials[1..], [f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY, std::f32::consts::PI]);
    let bits: f64 = brine_source::from_str("f64::from_bits(0x7ff8_0000_0000_0001)")?;
    assert_eq!(bits.to_bits(), 0x7ff8_0000_0000_0001);
    assert_eq!(brine_source::from_str::<f32>("1.5f32")?, 1.5);
    Ok(())
}

#[test]
fn string_forms() -> anyhow::Result<()> {
    let text = r####"[
        "plain",
        "esc\t\n\r\\\"\'\0\x41\u{1F600}\u{00_e9}",
        r"raw \n stays",
        r#"raw with "quotes""#,
        "line \
            continued",
        String::from("from"),
        "into".into(),
        "owned".to_owned(),
        "string".to_string(),
        &"borrowed",
        Cow::Borrowed("cow"),
    ]"####;
    let values: Vec<String> = brine_source::from_str(text)?;
    assert_eq!(
        values,
        [
            "plain",
            "esc\t\n\r\\\"'\0A\u{1F600}\u{e9}",
            r"raw \n stays",
            r#"raw with "quotes""#,
            "line continued",
            "from",
            "into",
            "owned",
            "string",
            "borrowed",
            "cow",
        ]
    );
    let chars: Vec<char> = brine_source::from_str(r"['a', '\'', '\\', '\n', '\u{301}', 'é', '\x7f']")?;
    assert_eq!(chars, ['a', '\'', '\\', '\n', '\u{301}', 'é', '\x7f']);
    let cow: Cow<str> = brine_source::from_str("\"cow\"")?;
    assert_eq!(cow, "cow");
    Ok(())
}

#[test]
fn byte_forms() -> anyhow::Result<()> {
    let bytes: Vec<u8> = brine_source::from_str(r#"b"a\x00\xff\n""#)?;
    assert_eq!(bytes, b"a\x00\xff\n");
    let raw: Vec<u8> = brine_source::from_str(r##"br#"a\x"#"##)?;
    assert_eq!(raw, br"a\x");
    let list: Vec<u8> = brine_source::from_str("b\"ab\".to_vec()")?;
    assert_eq!(list, b"ab");
    Ok(())
}

#[test]
fn sequence_and_map_forms() -> anyhow::Result<()> {
    let forms = [
        "vec![1, 2, 3]",
        "[1, 2, 3]",
        "[1, 2, 3].into()",
        "[1, 2, 3].to_vec()",
        "Vec::from([1, 2, 3])",
        "std::vec::Vec::<u8>::from([1, 2, 3])",
        "[1, 2, 3].into_iter().collect::<Vec<_>>()",
        "vec![1u8, 2, 3,]",
    ];
    for form in forms {
        let values: Vec<u8> = brine_source::from_str(form).map_err(|e| anyhow::anyhow!("{form}: {e}"))?;
        assert_eq!(values, [1, 2, 3], "{form}");
    }
    let set: HashSet<u8> = brine_source::from_str("HashSet::from([3, 1, 2])")?;
    assert_eq!(set, HashSet::from([1, 2, 3]));
    let map: HashMap<String, u8> =
        brine_source::from_str(r#"HashMap::from([("a".to_string(), 1), (String::from("b"), 2),])"#)?;
    assert_eq!(map, HashMap::from([("a".into(), 1), ("b".into(), 2)]));
    let map: BTreeMap<u8, Vec<bool>> = brine_source::from_str("vec![(1, vec![true]), (2, vec![])]")?;
    assert_eq!(map, BTreeMap::from([(1, vec![true]), (2, vec![])]));
    Ok(())
}

#[test]
fn options_structs_and_variants() -> anyhow::Result<()> {
    let forms = [
        r#"Config { name: "a".into(), retries: Some(3), ports: vec![80], shape: Shape::Empty, r#type: 'x' }"#,
        r#"Config { name: String::from("a"), retries: ::core::option::Option::Some(3u8), ports: [80].into(),
                    shape: Empty, r#type: 'x', }"#,
        r#"Config { retries: Option::Some(3), ports: Vec::from([80]), shape: Self::Empty, r#type: 'x',
                    name: "a".to_owned() }"#,
        r#"crate::Config { name: "a".into(), retries: 3, ports: [80], shape: Shape::Empty, r#type: 'x' }"#,
    ];
    let expected =
        Config { name: "a".into(), retries: Some(3), ports: vec![80], shape: Shape::Empty, kind: 'x' };
    for form in forms {
        let value: Config = brine_source::from_str(form).map_err(|e| anyhow::anyhow!("{form}: {e}"))?;
        assert_eq!(value, expected, "{form}");
    }
    let shapes: Vec<Shape> = brine_source::from_str(
        r#"[Shape::Circle(1.5), Circle(2.), Shape::Rect(1, 2), Shape::Named { name: "n".into() }, Empty]"#,
    )?;
    assert_eq!(
        shapes,
        [
            Shape::Circle(1.5),
            Shape::Circle(2.0),
            Shape::Rect(1, 2),
            Shape::Named { name: "n".into() },
            Shape::Empty
        ]
    );
    let none: Option<u8> = brine_source::from_str("None")?;
    assert_eq!(none, None);
    assert_eq!(brine_source::from_str::<Wrapper>(r#"Wrapper("w".into())"#)?, Wrapper("w".into()));
    assert_eq!(brine_source::from_str::<Wrapper>(r#""w""#)?, Wrapper("w".into()));
    assert_eq!(brine_source::from_str::<Box<Point>>("Box::new(Point { x: 1, y: 2 })")?.x, 1);
    Ok(())
}
