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

/// An envelope of format version 1 holding `payload` under `T`'s name with a
/// correct checksum, so that fuzzed bytes get past the envelope checks and
/// reach the decoder (version 1 has no shape table to check them against).
pub fn sealed<T: ?Sized>(payload: &[u8]) -> Vec<u8> {
    sealed_as::<T>(1, payload)
}

/// An envelope of `version` whose body (after the type name) is `body`, under
/// `T`'s name, with a correct checksum. For version 2 the body is the payload,
/// the shape table and the table's length.
pub fn sealed_as<T: ?Sized>(version: u16, body: &[u8]) -> Vec<u8> {
    let name = brine::io::type_name::<T>().as_bytes();
    let mut bytes = Vec::with_capacity(brine::io::HEADER_LEN + name.len() + body.len());
    bytes.extend_from_slice(&brine::io::MAGIC);
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    hasher.update(name);
    hasher.update(body);
    bytes.extend_from_slice(&hasher.digest().to_le_bytes());
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(body);
    bytes
}

/// The shape table (with its length) that a real `Record` writes: fuzzed
/// payloads in front of it reach the shape check with a table it trusts.
fn record_shapes() -> &'static [u8] {
    static SHAPES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SHAPES.get_or_init(|| {
        let sample = Record {
            name: "n".into(),
            id: -1,
            score: Bits(0.5),
            matrix: vec![vec![1]],
            tags: BTreeMap::from([("t".into(), Shape::Rect { w: 1, h: 2, label: Some("l".into()) })]),
            counts: HashMap::from([(1, Some(2))]),
            shape: Shape::Line(1, -1),
            mark: 'm',
            tree: Tree::Node(vec![Tree::Leaf(1)]),
        };
        let bytes = brine::dump_io(&sample).unwrap_or_default();
        let envelope = brine::io::inspect(&bytes).ok().map(|e| (e.type_name.len(), e.payload.len()));
        let start = envelope.map_or(bytes.len(), |(name, payload)| brine::io::HEADER_LEN + name + payload);
        bytes[start.min(bytes.len())..].to_vec()
    })
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
    // version 2: the fuzzed bytes as a whole body (payload, table, length), and
    // as a payload in front of a real table
    let _ = brine::io::load::<Record>(&sealed_as::<Record>(2, data));
    let _ = brine::io::load::<Tree>(&sealed_as::<Tree>(2, data));
    let mut body = data.to_vec();
    body.extend_from_slice(record_shapes());
    let _ = brine::io::load::<Record>(&sealed_as::<Record>(2, &body));
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
    // this thread replays the shape table of the last Record it dumped; a new
    // thread has none: the bytes must be the same
    let alone = record.clone();
    let alone = std::thread::spawn(move || brine::dump_io(&alone).expect("every Record can be dumped"));
    let alone = alone.join().expect("the dump on a new thread ran");
    assert!(alone == bytes, "a dump's bytes depend on the dumps before it on the thread");
    match brine::load_io::<Record>(&bytes) {
        Ok(back) => assert_eq!(back, record, "envelope round trip changed the value"),
        Err(brine::io::load::Error::TooDeep { .. }) => {}
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
