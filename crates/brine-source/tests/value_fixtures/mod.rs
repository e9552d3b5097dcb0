//! The fixture set shared by `value_compile.rs` (the compiler builds each
//! fixture from its checked-in source) and `value_layout.rs` (the checked-in
//! source is what `dump` writes, and `rustfmt` leaves it unchanged).
//!
//! The source of fixture `<name>` is `tests/fixtures/values/<name>.rs`.

#![allow(dead_code, clippy::approx_constant)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde::{Serialize, Serializer};

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit;

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Meters(pub f64);

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Span(pub u32, pub u32, pub String);

#[derive(Serialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    Empty,
    Circle(u32),
    Segment(i16, i16),
    Labelled { label: String, sides: Option<u8> },
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Scene {
    pub name: String,
    pub origin: Point,
    pub shapes: Vec<Shape>,
    pub tags: BTreeMap<String, u32>,
    pub note: Option<String>,
    pub missing: Option<Point>,
    pub r#type: Unit,
    pub scale: Meters,
    pub spans: Vec<Span>,
    pub nothing: (),
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Numbers {
    pub small: (i8, i16, i32, i64, isize),
    pub unsigned: (u8, u16, u32, u64, usize),
    pub wide: [i128; 3],
    pub wider: [u128; 2],
    pub mins: (i8, i16, i32, i64),
}

/// Floats compare by their bits, so that NaNs and `-0.0` are checked too.
#[derive(Serialize, Debug, Clone)]
pub struct Floats {
    pub specials: [f64; 5],
    pub other_nan: f64,
    pub tiny: f64,
    pub huge: f64,
    pub thirds: (f32, f64),
    pub f32s: Vec<f32>,
    pub whole: f64,
}

impl PartialEq for Floats {
    fn eq(&self, other: &Self) -> bool {
        let bits = |f: &Floats| {
            let mut all: Vec<u64> = f.specials.iter().map(|x| x.to_bits()).collect();
            all.extend(
                [f.other_nan, f.tiny, f.huge, f64::from(f.thirds.0), f.thirds.1, f.whole].map(f64::to_bits),
            );
            all.extend(f.f32s.iter().map(|x| u64::from(x.to_bits())));
            all
        };
        bits(self) == bits(other)
    }
}

/// Bytes written with `serialize_bytes`, as `serde_bytes` does.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob(pub &'static [u8]);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Raw<'a>(&'a [u8]);
        impl Serialize for Raw<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(self.0)
            }
        }
        serializer.serialize_newtype_struct("Blob", &Raw(self.0))
    }
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Text {
    pub plain: String,
    pub escaped: String,
    pub unicode: String,
    pub borrowed: &'static str,
    pub boxed: Box<str>,
    pub cow: Cow<'static, str>,
    pub chars: Vec<char>,
    pub bytes: Vec<u8>,
    pub blob: Blob,
    pub long: String,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Collections {
    pub vec: Vec<u16>,
    pub deque: VecDeque<i8>,
    pub boxed_slice: Box<[u8]>,
    pub set: BTreeSet<String>,
    pub hash_set: HashSet<u8>,
    pub map: HashMap<String, Vec<u8>>,
    pub tree: BTreeMap<(u8, bool), Option<char>>,
    pub by_shape: BTreeMap<Shape, u8>,
    pub pairs: Vec<(String, u8)>,
    pub empty: Vec<Point>,
    pub empty_map: HashMap<u8, u8>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Arrays {
    pub three: [u8; 3],
    pub grid: [[i32; 2]; 2],
    pub long: [u16; 16],
    pub strings: [String; 2],
    pub options: [Option<u8>; 3],
    pub empty: [u8; 0],
    pub mixed: (u8, String, f32),
    pub one: (u8,),
    pub points: [Point; 2],
}

pub fn scene() -> Scene {
    Scene {
        name: "demo scene".into(),
        origin: Point { x: -1, y: 2 },
        shapes: vec![
            Shape::Empty,
            Shape::Circle(3),
            Shape::Segment(-4, 5),
            Shape::Labelled { label: "triangle".into(), sides: Some(3) },
            Shape::Labelled { label: "blob".into(), sides: None },
        ],
        tags: BTreeMap::from([("zeta".into(), 26), ("alpha".into(), 1), ("mu".into(), 12)]),
        note: Some("a note long enough that the struct literal is laid out over several lines".into()),
        missing: None,
        r#type: Unit,
        scale: Meters(1.5),
        spans: vec![Span(0, 4, "word".into()), Span(5, 9, "next".into())],
        nothing: (),
    }
}

pub fn numbers() -> Numbers {
    Numbers {
        small: (-8, -16, -32, -64, -1),
        unsigned: (u8::MAX, u16::MAX, u32::MAX, u64::MAX, usize::MAX),
        wide: [i128::MIN, 0, i128::MAX],
        wider: [u128::MAX, 1 << 100],
        mins: (i8::MIN, i16::MIN, i32::MIN, i64::MIN),
    }
}

pub fn floats() -> Floats {
    Floats {
        specials: [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0],
        other_nan: f64::from_bits(0x7ff8_0000_dead_beef),
        tiny: 5e-324,
        huge: 1.7976931348623157e308,
        thirds: (1.0 / 3.0, 1.0 / 3.0),
        f32s: vec![0.1, -2.5e-30, f32::NAN, f32::NEG_INFINITY, f32::from_bits(1)],
        whole: 12.0,
    }
}

pub fn text() -> Text {
    Text {
        plain: "plain text".into(),
        escaped: "quote \" backslash \\ tab \t newline \n nul \0 cr \r del \x7f".into(),
        unicode: "é ü 日本 😀 combining e\u{301} zero-width \u{200b}".into(),
        borrowed: "a &'static str",
        boxed: "a Box<str>".into(),
        cow: Cow::Borrowed("a Cow<str>"),
        chars: vec!['a', '\'', '"', '\\', '\n', '\t', '\0', 'é', '\u{301}', '😀'],
        bytes: b"bytes \x00\xff".to_vec(),
        blob: Blob(b"\x00\x01 raw \"bytes\" \\ \xfe\xff\n"),
        long: "a string that is longer than one line of source text can hold, so that its field breaks \
               onto a line of its own"
            .into(),
    }
}

pub fn collections() -> Collections {
    Collections {
        vec: (0..40).map(|i| i * 7).collect(),
        deque: VecDeque::from([-1, 0, 1]),
        boxed_slice: Box::from([1u8, 2, 3]),
        set: BTreeSet::from(["b".into(), "a".into(), "c".into()]),
        hash_set: HashSet::from([42]),
        map: HashMap::from([("one".into(), vec![1]), ("two".into(), vec![2, 2]), ("none".into(), vec![])]),
        tree: BTreeMap::from([((1, true), Some('x')), ((0, false), None), ((1, false), Some('\''))]),
        by_shape: BTreeMap::from([(Shape::Empty, 0), (Shape::Circle(1), 1), (Shape::Segment(1, 2), 2)]),
        pairs: vec![("k".into(), 1), ("l".into(), 2)],
        empty: vec![],
        empty_map: HashMap::new(),
    }
}

pub fn arrays() -> Arrays {
    Arrays {
        three: [1, 2, 3],
        grid: [[1, -2], [3, -4]],
        long: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        strings: ["left".into(), "right".into()],
        options: [Some(1), None, Some(255)],
        empty: [],
        mixed: (7, "seven".into(), 7.5),
        one: (1,),
        points: [Point { x: 0, y: 0 }, Point { x: 1, y: 1 }],
    }
}

/// Calls `$m! { name: Type = value; ... }` with every fixture.
#[macro_export]
macro_rules! for_each_fixture {
    ($m:ident) => {
        $m! {
            scene: Scene = scene();
            numbers: Numbers = numbers();
            floats: Floats = floats();
            text: Text = text();
            collections: Collections = collections();
            arrays: Arrays = arrays();
            points: Vec<Point> = (0..12).map(|i| Point { x: i, y: -i }).collect::<Vec<Point>>();
            shapes: Vec<Shape> = scene().shapes;
            nested: Vec<Vec<Option<(u8, String)>>> =
                vec![vec![Some((1, "one".to_string())), None], vec![], vec![Some((2, "two".to_string()))]];
            maybe: Option<Option<Point>> = Some(Some(Point { x: 1, y: 2 }));
        }
    };
}
