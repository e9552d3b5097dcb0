//! The bodies of brine's fuzz targets, shared by the libFuzzer binaries
//! (`fuzz_targets/`, run by `cargo fuzz`) and the stable-Rust loop
//! (`src/bin/stable_loop.rs`), so both exercise exactly the same code.
//!
//! Every body asserts what brine promises: loading hostile input gives a value
//! or an error, never a panic, a hang or a wrong value on a round trip.

use std::collections::{BTreeMap, HashMap};

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

/// A value with strings, maps, enums, options and nested vectors: the shapes
/// a hostile input can lie about.
#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, PartialEq)]
pub struct Record {
    /// A string.
    pub name: String,
    /// A signed integer.
    pub id: i64,
    /// A float (compared bit for bit, so NaN round-trips too).
    pub score: Bits,
    /// Nested vectors.
    pub matrix: Vec<Vec<u32>>,
    /// A sorted map.
    pub tags: BTreeMap<String, Shape>,
    /// A hash map.
    pub counts: HashMap<u16, Option<u8>>,
    /// An enum of every variant kind.
    pub shape: Shape,
    /// A char.
    pub mark: char,
    /// A recursive type.
    pub tree: Tree,
}

/// An `f64` compared by its bits.
#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, Copy)]
#[serde(transparent)]
pub struct Bits(pub f64);

impl PartialEq for Bits {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

/// Every variant kind.
#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, PartialEq)]
pub enum Shape {
    /// Unit.
    Empty,
    /// Newtype.
    Circle(u32),
    /// Tuple.
    Line(i8, i8),
    /// Struct.
    Rect {
        /// Width.
        w: u16,
        /// Height.
        h: u16,
        /// Label.
        label: Option<String>,
    },
}

/// A recursive value: depth limits matter here.
#[derive(Serialize, Deserialize, Arbitrary, Debug, Clone, PartialEq)]
pub enum Tree {
    /// A leaf.
    Leaf(u8),
    /// A node.
    Node(Vec<Tree>),
}

/// Recursion the text need not spell out: a newtype may be written without
/// its name and a bare value stands for `Some(value)`, so `0` alone would
/// recurse forever but for the depth limit.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Chain(pub Option<Box<Chain>>);

/// A type no value has (it always holds another): every text is refused.
#[derive(Deserialize, Debug)]
pub struct Endless(pub Box<Endless>);

/// An envelope holding `payload` under `T`'s name with a correct checksum, so
/// that fuzzed bytes get past the envelope checks and reach the decoder.
pub fn sealed<T: ?Sized>(payload: &[u8]) -> Vec<u8> {
    let name = brine::io::type_name::<T>().as_bytes();
    let mut bytes = Vec::with_capacity(brine::io::HEADER_LEN + name.len() + payload.len());
    bytes.extend_from_slice(&brine::io::MAGIC);
    bytes.extend_from_slice(&brine::io::VERSION.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    hasher.update(name);
    hasher.update(payload);
    bytes.extend_from_slice(&hasher.digest().to_le_bytes());
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    bytes
}

/// `brine::io::load` of arbitrary bytes into several types: as whole
/// envelopes (the header checks) and as payloads sealed in a valid envelope
/// (the decoder and its limits).
pub fn io_load(data: &[u8]) {
    let _ = brine::io::load::<Record>(&sealed::<Record>(data));
    let _ = brine::io::load::<Vec<u64>>(&sealed::<Vec<u64>>(data));
    let _ = brine::io::load::<String>(&sealed::<String>(data));
    // the default allowance of 2^20 zero-sized elements is proven by tests;
    // a small one keeps each run short, and the limit's logic is the same
    let small = brine::io::Options::new().max_zero_sized(1000);
    let _ = small.load::<Vec<()>>(&sealed::<Vec<()>>(data));
    let _ = brine::io::load::<Tree>(&sealed::<Tree>(data));
    let _ = brine::io::load::<Record>(data);
    let _ = brine::io::load::<Vec<u64>>(data);
    let _ = brine::io::load::<String>(data);
    let _ = brine::io::load::<&str>(data);
    let _ = small.load::<Vec<()>>(data);
    let _ = brine::io::load_from::<Tree, _>(data);
    // with the type check off, the payload reaches the decoder whatever the name
    let unchecked = brine::io::Options::new().check_type(false);
    let _ = unchecked.load::<Record>(data);
    let _ = unchecked.load::<Tree>(data);
}

/// `brine::source::from_str` of arbitrary text into several types.
pub fn source_from_str(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = brine::source::from_str::<Record>(text);
    let _ = brine::source::from_str::<Vec<u64>>(text);
    let _ = brine::source::from_str::<String>(text);
    let _ = brine::source::from_str::<Tree>(text);
    // every text recurses to the limit in these two: a lower one keeps each
    // run short (the default's depth is proven by tests)
    let shallow = brine::source::value::Options::new().max_depth(256);
    let _ = shallow.from_str::<Chain>(text);
    let _ = shallow.from_str::<Endless>(text);
}

/// An arbitrary value dumped and loaded back equal, as an envelope and as source.
pub fn round_trip(data: &[u8]) {
    let mut input = arbitrary::Unstructured::new(data);
    let Ok(record) = Record::arbitrary(&mut input) else { return };
    // a generated tree can nest deeper than the default limit: that is an error, not a bug
    let bytes = brine::dump_io(&record).expect("every Record can be dumped");
    match brine::load_io::<Record>(&bytes) {
        Ok(back) => assert_eq!(back, record, "envelope round trip changed the value"),
        Err(brine::io::LoadError::TooDeep { .. }) => {}
        Err(error) => panic!("envelope round trip failed: {error}"),
    }
    // past the depth limit the writer refuses what the reader would
    let text = match brine::dump_io_source(&record) {
        Ok(text) => text,
        Err(brine::source::Error::TooDeep { .. }) => return,
        Err(error) => panic!("every Record can be written as source: {error}"),
    };
    match brine::load_io_source::<Record>(&text) {
        Ok(back) => assert_eq!(back, record, "source round trip changed the value:\n{text}"),
        Err(brine::source::Error::TooDeep { .. }) => {}
        Err(error) => panic!("source round trip failed: {error}\n{text}"),
    }
}

/// The targets by name, for the stable loop.
pub const TARGETS: &[(&str, fn(&[u8]))] =
    &[("io_load", io_load), ("source_from_str", source_from_str), ("round_trip", round_trip)];
