//! The values the properties run over, and the strategies that generate them:
//! every shape serde has, with the integers, floats, lengths and characters
//! where an encoding changes form emphasized.

use std::collections::BTreeMap;
use std::fmt::{self, Debug};

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde::de::{self, EnumAccess, Unexpected, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An `f32` compared by its bits: NaN equals the same NaN, -0.0 differs from 0.0.
/// Transparent, so it encodes and decodes exactly as a bare `f32`.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(transparent)]
pub struct F32(f32);

/// An `f64` compared by its bits, as [`F32`].
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(transparent)]
pub struct F64(f64);

impl PartialEq for F32 {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl PartialEq for F64 {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Debug for F32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({:#010x})", self.0, self.0.to_bits())
    }
}

impl Debug for F64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({:#018x})", self.0, self.0.to_bits())
    }
}

/// A byte string written with `serialize_bytes` and read with
/// `deserialize_byte_buf`, as `serde_bytes::ByteBuf` does (postcard encodes it
/// as it does a `Vec<u8>`, through a different serializer call).
#[derive(Debug, Clone, PartialEq)]
pub struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Buf;
        impl Visitor<'_> for Buf {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Buf)
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Ints {
    a: i8,
    b: i16,
    c: i32,
    d: i64,
    e: i128,
    f: isize,
    g: u8,
    h: u16,
    i: u32,
    j: u64,
    k: u128,
    l: usize,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Floats {
    single: F32,
    double: F64,
    pair: (F64, F32),
    maybe: Option<F32>,
    list: Vec<F64>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Text {
    empty_or_not: String,
    letter: char,
    letters: Vec<char>,
    bytes: Vec<u8>,
    byte_string: Bytes,
    maybe: Option<String>,
    index: BTreeMap<String, char>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Marker;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Meters(F64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Point(i32, i32, u8);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Mode {
    Off,
    Level(u8),
    Range { lo: i16, hi: i16 },
    Pair(char, bool),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Event {
    Idle,
    Stop,
    Tick(u64),
    Scale(F32),
    Move(i32, i32),
    Rename { from: String, to: String },
    Switch(Mode),
    Both(Mode, Option<Mode>),
    At { point: Point, mode: Mode },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Inner {
    tag: char,
    scores: Vec<u32>,
    mode: Mode,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Record {
    id: u64,
    name: String,
    point: Point,
    length: Meters,
    marker: Marker,
    event: Event,
    events: Vec<Event>,
    inner: Option<Inner>,
    nested_option: Option<Option<u8>>,
    table: BTreeMap<String, Vec<Option<i16>>>,
    tuple: (u8, (i128, bool), ()),
    array: [u16; 3],
    unit: (),
    flag: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Lists {
    bytes: Vec<u8>,
    small: Vec<u16>,
    /// Sometimes over 64 KiB on its own, where the streaming writers start a new chunk.
    wide: Vec<i64>,
    floats: Vec<F64>,
    units: Vec<()>,
    markers: Vec<Marker>,
    nested: Vec<Vec<i8>>,
    strings: Vec<String>,
    map: BTreeMap<u32, u8>,
}

/// A recursive type: an enum whose variants hold the tree again, boxed, in a
/// sequence, in an option and in a map.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Tree {
    Leaf,
    Int(i64),
    Text(String),
    Pair(Box<Tree>, Box<Tree>),
    Branch { label: char, children: Vec<Tree> },
    Maybe(Option<Box<Tree>>),
    Keyed(BTreeMap<u8, Tree>),
}

/// The variant names of [`Wide`]; a variant's name is checked at its index.
pub const WIDE: [&str; 300] = ["Variant"; 300];

/// An enum of 300 newtype variants, so variant indices from 128 up take two
/// varint bytes (serde's derive would need 300 written-out variants).
#[derive(Debug, Clone, PartialEq)]
pub struct Wide {
    variant: u32,
    value: u16,
}

impl Serialize for Wide {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_variant("Wide", self.variant, WIDE[self.variant as usize], &self.value)
    }
}

impl<'de> Deserialize<'de> for Wide {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Variants;
        impl<'de> Visitor<'de> for Variants {
            type Value = Wide;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("enum Wide")
            }
            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Wide, A::Error> {
                let (variant, content): (u32, _) = data.variant()?;
                if variant as usize >= WIDE.len() {
                    let unexpected = Unexpected::Unsigned(variant.into());
                    return Err(de::Error::invalid_value(unexpected, &"a variant index below 300"));
                }
                Ok(Wide { variant, value: content.newtype_variant()? })
            }
        }
        deserializer.deserialize_enum("Wide", &WIDE, Variants)
    }
}

/// A small enum for the random payloads: each kind of variant once.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub enum Small {
    #[default]
    A,
    B(u8),
    C(i16, bool),
    D {
        x: char,
    },
}

/// Bare standard types at the top level, under their canonical names.
pub type Bare = (u16, i64, char, String, Option<u8>, bool, (), Vec<u8>, BTreeMap<i8, u128>, [i32; 2], (F32,));

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Magnitudes where an integer's encoding changes: each 7-bit varint step
/// (2^7k), each zigzag step of a signed varint (2^(7k-1)), each byte width (2^8k).
fn steps() -> Vec<u128> {
    let varint = (0..=18).map(|k| 1u128 << (7 * k));
    let zigzag = (1..=18).map(|k| 1u128 << (7 * k - 1));
    let bytes = (1..=15).map(|k| 1u128 << (8 * k));
    std::iter::once(0).chain(varint).chain(zigzag).chain(bytes).collect()
}

/// For each integer type, a strategy that is mostly values at and within two
/// of a step (both signs), MIN and MAX, and sometimes any value at all.
macro_rules! integers {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        #[allow(clippy::unnecessary_cast, trivial_numeric_casts)] // `d as $t` is a no-op for i8
        pub fn $name() -> BoxedStrategy<$t> {
            let mut edges: Vec<$t> = vec![<$t>::MIN, <$t>::MAX];
            for step in steps() {
                edges.extend(<$t>::try_from(step).ok());
                edges.extend(i128::try_from(step).ok().and_then(|s| <$t>::try_from(-s).ok()));
            }
            let near = (select(edges), -2i8..=2).prop_map(|(edge, d)| edge.wrapping_add(d as $t));
            prop_oneof![3 => near, 1 => any::<$t>()].boxed()
        }
    )*};
}

integers!(i8s: i8, i16s: i16, i32s: i32, i64s: i64, i128s: i128, isizes: isize);
integers!(u8s: u8, u16s: u16, u32s: u32, u64s: u64, u128s: u128, usizes: usize);

pub fn f32s() -> impl Strategy<Value = F32> + Clone {
    let special = select(vec![
        0.0,
        -0.0,
        1.0,
        -1.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7f80_0001), // signalling NaN
        f32::from_bits(0xffff_ffff), // NaN, every payload bit set
        f32::from_bits(1),           // smallest subnormal
        f32::from_bits(0x007f_ffff), // largest subnormal
        -f32::from_bits(0x0000_1234),
        f32::MIN_POSITIVE,
        f32::EPSILON,
        f32::MAX,
        f32::MIN,
    ]);
    prop_oneof![1 => special, 1 => any::<u32>().prop_map(f32::from_bits)].prop_map(F32)
}

pub fn f64s() -> impl Strategy<Value = F64> + Clone {
    let special = select(vec![
        0.0,
        -0.0,
        1.0,
        -1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff0_0000_0000_0001), // signalling NaN
        f64::from_bits(u64::MAX),              // NaN, every payload bit set
        f64::from_bits(1),                     // smallest subnormal
        f64::from_bits(0x000f_ffff_ffff_ffff), // largest subnormal
        -f64::from_bits(0x0000_0000_1234_5678),
        f64::MIN_POSITIVE,
        f64::EPSILON,
        f64::MAX,
        f64::MIN,
    ]);
    prop_oneof![1 => special, 1 => any::<u64>().prop_map(f64::from_bits)].prop_map(F64)
}

/// Characters of every UTF-8 length, at the edges of each length.
pub const CHARS: [char; 14] = [
    '\0',
    'a',
    '\u{7f}',
    '\u{80}',
    'é',
    '\u{7ff}',
    '\u{800}',
    '€',
    '\u{d7ff}',
    '\u{e000}',
    '\u{ffff}',
    '\u{10000}',
    '😀',
    '\u{10ffff}',
];

pub fn chars() -> impl Strategy<Value = char> + Clone {
    prop_oneof![1 => select(CHARS.to_vec()), 1 => any::<char>()]
}

/// Long lengths: either side of the step from one varint byte to two, and
/// (rarely, as they cost milliseconds each in a debug build) of the step to three.
pub fn lengths() -> impl Strategy<Value = usize> + Clone {
    prop_oneof![14 => 126usize..=130, 1 => 16_382usize..=16_386]
}

/// `pattern` repeated to `len` elements.
pub fn repeat<T: Clone>(pattern: &[T], len: usize) -> Vec<T> {
    pattern.iter().cycle().take(len).cloned().collect()
}

/// Sequences: mostly short, sometimes long (a short random pattern repeated,
/// so a long one costs little to generate).
pub fn lists<S>(element: S) -> impl Strategy<Value = Vec<S::Value>> + Clone
where
    S: Strategy + Clone,
    S::Value: Clone,
{
    let long = (vec(element.clone(), 1..=3), lengths()).prop_map(|(pattern, len)| repeat(&pattern, len));
    prop_oneof![12 => vec(element, 0..=5), 1 => long]
}

/// Strings: empty, short of any characters, and long (byte lengths either
/// side of the varint steps).
pub fn strings() -> impl Strategy<Value = String> + Clone {
    let long = (vec(chars(), 1..=3), lengths()).prop_map(|(pattern, len)| {
        let mut text = String::with_capacity(len + 4);
        for c in pattern.iter().cycle() {
            if text.len() >= len {
                break;
            }
            text.push(*c);
        }
        text
    });
    prop_oneof![12 => short_strings(), 1 => long]
}

/// Strings of at most a few characters (elements of long sequences).
pub fn short_strings() -> impl Strategy<Value = String> + Clone {
    prop_oneof![1 => Just(String::new()), 4 => vec(chars(), 0..=8).prop_map(String::from_iter)]
}

pub fn u32_maps() -> impl Strategy<Value = BTreeMap<u32, u8>> + Clone {
    let long = (lengths(), u32s()).prop_map(|(len, start)| {
        (0..len as u32).map(|i| (start.wrapping_add(i.wrapping_mul(1_000_003)), i as u8)).collect()
    });
    prop_oneof![12 => btree_map(u32s(), u8s(), 0..=5), 1 => long]
}

pub fn ints() -> impl Strategy<Value = Ints> {
    let signed = (i8s(), i16s(), i32s(), i64s(), i128s(), isizes());
    let unsigned = (u8s(), u16s(), u32s(), u64s(), u128s(), usizes());
    (signed, unsigned).prop_map(|((a, b, c, d, e, f), (g, h, i, j, k, l))| Ints {
        a,
        b,
        c,
        d,
        e,
        f,
        g,
        h,
        i,
        j,
        k,
        l,
    })
}

pub fn floats() -> impl Strategy<Value = Floats> {
    (f32s(), f64s(), (f64s(), f32s()), option::of(f32s()), lists(f64s()))
        .prop_map(|(single, double, pair, maybe, list)| Floats { single, double, pair, maybe, list })
}

pub fn texts() -> impl Strategy<Value = Text> {
    (
        strings(),
        chars(),
        vec(chars(), 0..=4),
        lists(u8s()),
        lists(u8s()).prop_map(Bytes),
        option::of(strings()),
        btree_map(strings(), chars(), 0..=3),
    )
        .prop_map(|(empty_or_not, letter, letters, bytes, byte_string, maybe, index)| Text {
            empty_or_not,
            letter,
            letters,
            bytes,
            byte_string,
            maybe,
            index,
        })
}

pub fn points() -> impl Strategy<Value = Point> + Clone {
    (i32s(), i32s(), u8s()).prop_map(|(x, y, z)| Point(x, y, z))
}

pub fn modes() -> impl Strategy<Value = Mode> + Clone {
    prop_oneof![
        Just(Mode::Off),
        u8s().prop_map(Mode::Level),
        (i16s(), i16s()).prop_map(|(lo, hi)| Mode::Range { lo, hi }),
        (chars(), any::<bool>()).prop_map(|(c, b)| Mode::Pair(c, b)),
    ]
}

pub fn events() -> impl Strategy<Value = Event> + Clone {
    prop_oneof![
        Just(Event::Idle),
        Just(Event::Stop),
        u64s().prop_map(Event::Tick),
        f32s().prop_map(Event::Scale),
        (i32s(), i32s()).prop_map(|(x, y)| Event::Move(x, y)),
        (strings(), strings()).prop_map(|(from, to)| Event::Rename { from, to }),
        modes().prop_map(Event::Switch),
        (modes(), option::of(modes())).prop_map(|(a, b)| Event::Both(a, b)),
        (points(), modes()).prop_map(|(point, mode)| Event::At { point, mode }),
    ]
}

pub fn records() -> impl Strategy<Value = Record> {
    let inner =
        (chars(), vec(u32s(), 0..=4), modes()).prop_map(|(tag, scores, mode)| Inner { tag, scores, mode });
    let first = (u64s(), strings(), points(), f64s().prop_map(Meters), events(), vec(events(), 0..=4));
    let second = (
        option::of(inner),
        option::of(option::of(u8s())),
        btree_map(strings(), vec(option::of(i16s()), 0..=3), 0..=3),
        (u8s(), (i128s(), any::<bool>())),
        [u16s(), u16s(), u16s()],
        any::<bool>(),
    );
    (first, second).prop_map(
        |((id, name, point, length, event, events), (inner, nested_option, table, t, array, flag))| Record {
            id,
            name,
            point,
            length,
            marker: Marker,
            event,
            events,
            inner,
            nested_option,
            table,
            tuple: (t.0, t.1, ()),
            array,
            unit: (),
            flag,
        },
    )
}

/// Mostly short, one time in 32 16 382 to 16 386 full-range `i64`s:
/// over 64 KiB of payload, so the streaming writers write more than one chunk.
pub fn past_a_chunk() -> impl Strategy<Value = Vec<i64>> {
    let any_i64 = any::<i64>().prop_filter("nine or ten varint bytes", |n| n.unsigned_abs() >= 1 << 55);
    let long = (vec(any_i64, 1..=3), 16_382usize..=16_386).prop_map(|(pattern, len)| repeat(&pattern, len));
    prop_oneof![31 => vec(i64s(), 0..=5), 1 => long]
}

pub fn all_lists() -> impl Strategy<Value = Lists> {
    let units = prop_oneof![4 => 0usize..=5, 1 => lengths()];
    (
        (lists(u8s()), lists(u16s()), past_a_chunk(), lists(f64s())),
        (units.clone().prop_map(|n| vec![(); n]), units.prop_map(|n| vec![Marker; n])),
        (lists(vec(i8s(), 0..=3)), lists(short_strings()), u32_maps()),
    )
        .prop_map(|((bytes, small, wide, floats), (units, markers), (nested, strings, map))| Lists {
            bytes,
            small,
            wide,
            floats,
            units,
            markers,
            nested,
            strings,
            map,
        })
}

pub fn trees() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![Just(Tree::Leaf), i64s().prop_map(Tree::Int), strings().prop_map(Tree::Text)];
    leaf.prop_recursive(6, 48, 4, |tree| {
        prop_oneof![
            (tree.clone(), tree.clone()).prop_map(|(a, b)| Tree::Pair(Box::new(a), Box::new(b))),
            (chars(), vec(tree.clone(), 0..=4))
                .prop_map(|(label, children)| Tree::Branch { label, children }),
            option::of(tree.clone()).prop_map(|tree| Tree::Maybe(tree.map(Box::new))),
            btree_map(u8s(), tree, 0..=3).prop_map(Tree::Keyed),
        ]
    })
}

pub fn wides() -> impl Strategy<Value = Vec<Wide>> {
    let variant = prop_oneof![0u32..=3, 125u32..=130, 296u32..=299];
    vec((variant, u16s()).prop_map(|(variant, value)| Wide { variant, value }), 0..=4)
}

pub fn bares() -> impl Strategy<Value = Bare> {
    (
        (u16s(), i64s(), chars(), strings(), option::of(u8s()), any::<bool>()),
        (lists(u8s()), btree_map(i8s(), u128s(), 0..=3), [i32s(), i32s()], f32s()),
    )
        .prop_map(|((a, b, c, d, e, f), (g, h, i, j))| (a, b, c, d, e, f, (), g, h, i, (j,)))
}

pub fn smalls() -> impl Strategy<Value = Small> + Clone {
    prop_oneof![
        Just(Small::A),
        u8s().prop_map(Small::B),
        (i16s(), any::<bool>()).prop_map(|(a, b)| Small::C(a, b)),
        chars().prop_map(|x| Small::D { x }),
    ]
}
