//! brine's payload is postcard's wire format, byte for byte, in both directions.
//!
//! brine-io is free to encode and decode payloads with its own code instead of
//! postcard's crate (issue 17), but never to change the bytes: envelopes
//! already on disk, the golden files and any reader that strips the header and
//! calls `postcard::from_bytes` rely on them. postcard's crate stays the
//! reference here. Over generated values of every shape serde has (structs of
//! each kind, enums with each kind of variant and variant indices past 127,
//! options, sequences and maps with lengths either side of each varint step,
//! strings, chars, byte strings, arrays, tuples, unit, integers of every width
//! with values at every varint and zigzag step, floats with NaNs, infinities,
//! -0.0 and subnormals, a recursive tree), each family checks:
//!
//! - `payload_is_postcards`: the payload of `dump(v)` is `postcard::to_allocvec(v)`;
//! - `postcard_reads_brines_payload`: `postcard::from_bytes` of that payload is `v`,
//!   and uses all of it;
//! - `brine_reads_its_own`: `load(dump(v))` is `v`;
//! - `brine_reads_postcards_bytes`: `load` of a version 1 envelope built here by
//!   hand around `postcard::to_allocvec(v)` is `v` (the decoder alone, no shape table);
//! - `streaming_writers_match_dump`: `dump_into` and `dump_into_seekable` (from
//!   any start position) write the very bytes `dump` returns.
//!
//! And `random_payloads::*` feeds the decoder byte strings biased toward
//! varint edges (0x00, 0x01, 0x7f, 0x80, 0xff, runs of continuation bytes,
//! overlong and overflowing varints, broken UTF-8) and valid encodings with one
//! mutation: brine's load must succeed exactly when postcard reads the payload
//! with no byte left over, and then to the same value; a payload postcard reads
//! with bytes left over is brine's `TrailingBytes`.
//!
//! Floats are compared by their bits ([`F32`], [`F64`]), so NaN payloads and
//! -0.0 must survive too. 256 cases per property (`PROPTEST_CASES` raises it
//! for a longer run); long collections are rare and built by repeating a short
//! pattern, so the file runs in seconds in a debug build.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail the test by panicking

#[path = "postcard_format/payloads.rs"]
mod payloads;
#[path = "postcard_format/values.rs"]
mod values;

use std::fmt::{self, Debug};
use std::io::{Cursor, Seek, SeekFrom, Write};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use payloads::payloads;
use values::*;

// ---------------------------------------------------------------------------
// The envelope, built by hand from docs/FORMAT.md
// ---------------------------------------------------------------------------

/// A version 1 envelope around `payload`, stored under `name`: the 32-byte
/// header (magic, version 1, flags 0, name length, payload length, XXH3-64 of
/// name and payload), the name, the payload. Version 1 has no shape table, so
/// brine's decoder reads these bytes and nothing else.
fn v1_envelope(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(name.len() + payload.len());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(payload);
    let mut out = Vec::with_capacity(32 + body.len());
    out.extend_from_slice(b"\x89BRINE\r\n");
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&u32::try_from(name.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The hand-built envelope is the one docs/FORMAT.md shows and tests/golden/v1 holds.
#[test]
fn the_hand_built_envelope_is_version_1_as_documented() {
    let golden = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/v1/u32.brine")).unwrap();
    assert_eq!(v1_envelope("u32", &[7]), golden);
    assert_eq!(stored_name(&7u32).unwrap(), "u32");
    assert_eq!(brine_io::load::<u32>(&golden).unwrap(), 7);
}

/// The name brine stores `value` under, as the envelope says.
fn stored_name<T: Serialize>(value: &T) -> Result<String, TestCaseError> {
    let bytes = brine_io::dump(value).map_err(failed("dump"))?;
    Ok(brine_io::inspect(&bytes).map_err(failed("inspect of dump"))?.type_name.to_owned())
}

/// A test failure that says what failed, with the error's whole chain of causes.
fn failed<E: std::error::Error>(what: &'static str) -> impl Fn(E) -> TestCaseError {
    move |error| TestCaseError::fail(format!("{what} failed: {}", chain(&error)))
}

/// An error's message, then each of its causes'.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The bytes in hex, the first 64 of them for a long input.
fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(64).map(|b| format!("{b:02x}")).collect();
    match bytes.len() {
        0 => "(no bytes)".to_owned(),
        1..=64 => shown.join(" "),
        len => format!("{} ... ({len} bytes)", shown.join(" ")),
    }
}

/// A generated value whose Debug output is cut short, so that a failing case
/// of 16 384 elements still gives a readable report.
#[derive(Clone)]
struct Shown<T>(T);

impl<T: Debug> Debug for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 4000;
        let text = if f.alternate() { format!("{:#?}", self.0) } else { format!("{:?}", self.0) };
        if text.len() <= MAX {
            return f.write_str(&text);
        }
        let cut = (0..=MAX).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
        write!(f, "{}\n... ({} more bytes of Debug output)", &text[..cut], text.len() - cut)
    }
}

/// `got == want`, or a failure that shows where their Debug output first differs.
fn same<T: PartialEq + Debug>(what: &str, got: &T, want: &T) -> Result<(), TestCaseError> {
    if got == want {
        return Ok(());
    }
    let (got, want) = (format!("{got:?}"), format!("{want:?}"));
    let at = got.char_indices().zip(want.chars()).find(|((_, a), b)| a != b);
    let at = at.map_or(got.len().min(want.len()), |((at, _), _)| at);
    // the two are equal before `at`, so it is a character boundary in both
    let around = |text: &str| {
        let start = (0..=at.saturating_sub(100)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let end = (at + 100..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        format!(
            "{}{}{}",
            if start > 0 { "..." } else { "" },
            &text[start..end],
            if end < text.len() { "..." } else { "" }
        )
    };
    Err(TestCaseError::fail(format!(
        "{what} gives another value; the Debug output first differs at byte {at}:\n  got:  {}\n  want: {}",
        around(&got),
        around(&want),
    )))
}

/// Where two byte strings first differ, with the bytes around that place.
fn difference((ours, left): (&str, &[u8]), (theirs, right): (&str, &[u8])) -> String {
    let at = left.iter().zip(right).position(|(a, b)| a != b).unwrap_or(left.len().min(right.len()));
    let start = at.saturating_sub(8);
    let around = |bytes: &[u8]| {
        let end = bytes.len().min(at + 8);
        let before: Vec<String> =
            bytes[start.min(end)..at.min(end)].iter().map(|b| format!("{b:02x}")).collect();
        let before = before.join(" ");
        let here = bytes.get(at).map_or_else(|| "(end)".to_owned(), |b| format!("[{b:02x}]"));
        let after = hex(bytes.get(at + 1..end).unwrap_or_default());
        format!("{before} {here} {after}")
    };
    let width = ours.len().max(theirs.len()) + 1;
    format!(
        "{ours} and {theirs} differ at byte {at} ({ours}: {} bytes, {theirs}: {}); from byte {start}:\n  \
         {:width$} {}\n  {:width$} {}",
        left.len(),
        right.len(),
        format!("{ours}:"),
        around(left),
        format!("{theirs}:"),
        around(right),
    )
}

// ---------------------------------------------------------------------------
// The properties, over one value
// ---------------------------------------------------------------------------

/// (a) The payload of `dump(v)` is `postcard::to_allocvec(v)`, byte for byte.
fn payload_is_postcards<T: Serialize>(value: &T) -> Result<(), TestCaseError> {
    let bytes = brine_io::dump(value).map_err(failed("dump"))?;
    let envelope = brine_io::inspect(&bytes).map_err(failed("inspect of dump"))?;
    let postcard = postcard::to_allocvec(value).map_err(failed("postcard::to_allocvec"))?;
    if envelope.payload != postcard.as_slice() {
        let difference =
            difference(("brine's payload", envelope.payload), ("postcard::to_allocvec", &postcard));
        return Err(TestCaseError::fail(difference));
    }
    Ok(())
}

/// (b) `postcard::from_bytes` reads brine's payload back as `v`, using all of it.
fn postcard_reads_brines_payload<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = brine_io::dump(value).map_err(failed("dump"))?;
    let payload = brine_io::inspect(&bytes).map_err(failed("inspect of dump"))?.payload;
    let back: T = postcard::from_bytes(payload).map_err(failed("postcard::from_bytes of brine's payload"))?;
    same("postcard::from_bytes of brine's payload", &back, value)?;
    let (_, rest) = postcard::take_from_bytes::<T>(payload).map_err(failed("postcard::take_from_bytes"))?;
    prop_assert!(rest.is_empty(), "postcard left {} of {} payload bytes unread", rest.len(), payload.len());
    Ok(())
}

/// (c) `load(dump(v))` is `v`.
fn brine_reads_its_own<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = brine_io::dump(value).map_err(failed("dump"))?;
    let back: T = brine_io::load(&bytes).map_err(failed("load of dump"))?;
    same("load of dump", &back, value)?;
    Ok(())
}

/// (d) brine's decoder reads postcard's own bytes: `load` of a version 1
/// envelope around `postcard::to_allocvec(v)` is `v`.
fn brine_reads_postcards_bytes<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let postcard = postcard::to_allocvec(value).map_err(failed("postcard::to_allocvec"))?;
    let envelope = v1_envelope(&stored_name(value)?, &postcard);
    let back: T = brine_io::load(&envelope).map_err(|error| {
        TestCaseError::fail(format!("load of postcard's bytes {}: {}", hex(&postcard), chain(&error)))
    })?;
    same(&format!("load of postcard's bytes {}", hex(&postcard)), &back, value)?;
    Ok(())
}

/// (e) The streaming writers write exactly what `dump` returns; the seekable
/// one from wherever the writer stands.
fn streaming_writers_match_dump<T: Serialize>(value: &T) -> Result<(), TestCaseError> {
    let bytes = brine_io::dump(value).map_err(failed("dump"))?;
    let mut streamed = Vec::new();
    brine_io::dump_into(value, &mut streamed).map_err(failed("dump_into"))?;
    prop_assert!(streamed == bytes, "{}", difference(("dump_into", &streamed), ("dump", &bytes)));
    let mut seekable = Cursor::new(Vec::new());
    brine_io::dump_into_seekable(value, &mut seekable).map_err(failed("dump_into_seekable"))?;
    let seekable = seekable.into_inner();
    prop_assert!(seekable == bytes, "{}", difference(("dump_into_seekable", &seekable), ("dump", &bytes)));
    // after three bytes already in the file: the envelope starts there, and they stay
    let mut file = Cursor::new(b"abc".to_vec());
    file.seek(SeekFrom::End(0)).unwrap();
    brine_io::dump_into_seekable(value, &mut file).map_err(failed("dump_into_seekable at offset 3"))?;
    file.write_all(b"z").unwrap();
    let file = file.into_inner();
    prop_assert_eq!(&file[..3], b"abc");
    let written = &file[3..file.len() - 1];
    prop_assert!(
        written == bytes,
        "{}",
        difference(("dump_into_seekable at offset 3", written), ("dump", &bytes))
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Each property over each family of values
// ---------------------------------------------------------------------------

/// For each family, a module of the five properties, so a failure names both
/// (`record::payload_is_postcards`).
macro_rules! families {
    ($($family:ident: $t:ty = $strategy:expr;)*) => {$(
        mod $family {
            use super::*;

            proptest! {
                #[test]
                fn payload_is_postcards(value in $strategy.prop_map(Shown)) {
                    super::payload_is_postcards::<$t>(&value.0)?;
                }

                #[test]
                fn postcard_reads_brines_payload(value in $strategy.prop_map(Shown)) {
                    super::postcard_reads_brines_payload::<$t>(&value.0)?;
                }

                #[test]
                fn brine_reads_its_own(value in $strategy.prop_map(Shown)) {
                    super::brine_reads_its_own::<$t>(&value.0)?;
                }

                #[test]
                fn brine_reads_postcards_bytes(value in $strategy.prop_map(Shown)) {
                    super::brine_reads_postcards_bytes::<$t>(&value.0)?;
                }

                #[test]
                fn streaming_writers_match_dump(value in $strategy.prop_map(Shown)) {
                    super::streaming_writers_match_dump::<$t>(&value.0)?;
                }
            }
        }
    )*};
}

families! {
    ints: Ints = ints();
    floats: Floats = floats();
    text: Text = texts();
    record: Record = records();
    lists: Lists = all_lists();
    tree: Tree = trees();
    wide_enum: Vec<Wide> = wides();
    bare: Bare = bares();
    small_enum: Small = smalls();
}

// ---------------------------------------------------------------------------
// Long sequences: the encoder writes a sequence's primitives after its first
// in runs that stop at each 64 KiB block and at the buffer's capacity
// ---------------------------------------------------------------------------

/// Every property but the random payloads, on one (large) value.
fn all_properties<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    payload_is_postcards(value)?;
    postcard_reads_brines_payload(value)?;
    brine_reads_its_own(value)?;
    streaming_writers_match_dump(value)?;
    let mut appended = b"head".to_vec();
    brine_io::dump_append(value, &mut appended).map_err(failed("dump_append"))?;
    let bytes = brine_io::dump(value).map_err(failed("dump"))?;
    prop_assert!(
        appended[4..] == bytes[..],
        "{}",
        difference(("dump_append", &appended[4..]), ("dump", &bytes))
    );
    Ok(())
}

#[test]
fn long_sequences_cross_blocks_as_postcard_writes_them() {
    // fixed-size numbers, one-byte ones, varints of every width in turn
    all_properties(&(0..300_000u32).map(|i| f64::from(i) * 0.25).collect::<Vec<f64>>()).unwrap();
    all_properties(&(0..200_003u32).map(|i| i as u8).collect::<Vec<u8>>()).unwrap();
    let widths = (0..150_000u64).map(|i| (1u64 << (i % 64)).wrapping_add(i)).collect::<Vec<u64>>();
    all_properties(&widths).unwrap();
    let signed = (0..150_000i64).map(|i| if i % 2 == 0 { i << (i % 60) } else { -i }).collect::<Vec<i64>>();
    all_properties(&signed).unwrap();
    all_properties(
        &(0..70_000u32).map(|i| char::from_u32(0x20 + i % 0x2000).unwrap()).collect::<Vec<char>>(),
    )
    .unwrap();
    // strings of every size, some longer than a block, between short ones
    let texts = (0..400usize)
        .map(|i| match i % 5 {
            0 => "x".repeat(i * 37),
            1 => "é".repeat(70_000 + i),
            2 => String::new(),
            _ => format!("item-{i}"),
        })
        .collect::<Vec<String>>();
    all_properties(&texts).unwrap();
    // nested: the inner sequences' runs inside the outer's elements
    all_properties(&(0..40u32).map(|i| (0..i * 900).collect::<Vec<u32>>()).collect::<Vec<_>>()).unwrap();
}

/// A sequence whose elements write different things (a `Serialize` impl may
/// do that): a number first, then bigger numbers, strings, structs and options.
#[derive(Debug, PartialEq)]
enum Mixed {
    Number(u64),
    Text(String),
    Pair { a: u8, b: String },
    Maybe(Option<u16>),
}

impl Serialize for Mixed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match self {
            Mixed::Number(n) => serializer.serialize_u64(*n),
            Mixed::Text(text) => serializer.serialize_str(text),
            Mixed::Pair { a, b } => {
                let mut pair = serializer.serialize_struct("Pair", 2)?;
                pair.serialize_field("a", a)?;
                pair.serialize_field("b", b)?;
                pair.end()
            }
            Mixed::Maybe(maybe) => maybe.serialize(serializer),
        }
    }
}

#[test]
fn a_sequence_whose_elements_change_kind_is_written_as_postcard_writes_it() {
    let mixed: Vec<Mixed> = (0..100_000u64)
        .map(|i| match i % 7 {
            0..=2 => Mixed::Number(i << (i % 50)),
            3 => Mixed::Text("t".repeat((i % 300) as usize)),
            4 => Mixed::Pair { a: i as u8, b: format!("{i}") },
            5 => Mixed::Maybe(Some(i as u16)),
            _ => Mixed::Maybe(None),
        })
        .collect();
    let bytes = brine_io::dump(&mixed).unwrap();
    let payload = brine_io::inspect(&bytes).unwrap().payload;
    let postcard = postcard::to_allocvec(&mixed).unwrap();
    assert!(
        payload == postcard.as_slice(),
        "{}",
        difference(("brine's payload", payload), ("postcard", &postcard))
    );
    let mut streamed = Vec::new();
    brine_io::dump_into(&mixed, &mut streamed).unwrap();
    assert!(streamed == bytes, "{}", difference(("dump_into", &streamed), ("dump", &bytes)));
}

/// A type that borrows from the envelope: the same bytes as its owned form,
/// and brine's load hands out slices of the buffer.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Borrowing<'a> {
    text: &'a str,
    #[serde(borrow)]
    raw: RawRef<'a>,
}

/// A borrowed byte string, written with `serialize_bytes` as `serde_bytes` does.
#[derive(Debug, PartialEq)]
struct RawRef<'a>(&'a [u8]);

impl Serialize for RawRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawRef<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&[u8]>::deserialize(deserializer).map(RawRef)
    }
}

proptest! {
    #[test]
    fn borrowed_strings_and_bytes(value in (strings(), lists(u8s())).prop_map(Shown)) {
        let Shown((text, raw)) = value;
        let value = Borrowing { text: &text, raw: RawRef(&raw) };
        let postcard = postcard::to_allocvec(&value).map_err(failed("postcard::to_allocvec"))?;
        let bytes = brine_io::dump(&value).map_err(failed("dump"))?;
        let payload = brine_io::inspect(&bytes).map_err(failed("inspect of dump"))?.payload;
        let difference = difference(("brine's payload", payload), ("postcard::to_allocvec", &postcard));
        prop_assert!(payload == postcard.as_slice(), "{}", difference);
        let back: Borrowing = postcard::from_bytes(payload).map_err(failed("postcard::from_bytes"))?;
        same("postcard::from_bytes of brine's payload", &back, &value)?;
        for envelope in [bytes.clone(), v1_envelope(&stored_name(&value)?, &postcard)] {
            let back: Borrowing = brine_io::load(&envelope).map_err(failed("load"))?;
            same("load", &back, &value)?;
            let inside = |p: *const u8| envelope.as_ptr_range().contains(&p);
            prop_assert!(inside(back.text.as_ptr()) || back.text.is_empty(), "the string was copied");
            prop_assert!(inside(back.raw.0.as_ptr()) || back.raw.0.is_empty(), "the bytes were copied");
        }
    }
}

// ---------------------------------------------------------------------------
// (f) Random payloads: brine's decoder accepts exactly what postcard's does
// ---------------------------------------------------------------------------

/// brine's load of `payload` in a version 1 envelope succeeds exactly when
/// postcard reads it with nothing left over, and to the same value.
fn same_verdict<T>(payload: &[u8], name: &str) -> Result<(), TestCaseError>
where
    T: DeserializeOwned + PartialEq + Debug,
{
    use brine_io::load::Error;
    let ours = brine_io::load::<T>(&v1_envelope(name, payload));
    let theirs = postcard::take_from_bytes::<T>(payload);
    let payload = hex(payload);
    match (ours, theirs) {
        (Ok(ours), Ok((theirs, []))) => {
            same(&format!("brine's load of {payload} (want: postcard's)"), &ours, &theirs)?
        }
        (Err(Error::TrailingBytes { .. }), Ok((_, rest))) if !rest.is_empty() => {}
        (Err(Error::Decode { .. } | Error::Invalid { .. }), Err(_)) => {}
        (Ok(ours), Ok((_, rest))) => {
            prop_assert!(
                false,
                "brine loaded {:?} from {}, where postcard leaves {} byte(s)",
                ours,
                payload,
                rest.len()
            )
        }
        (Ok(ours), Err(error)) => {
            prop_assert!(false, "brine loaded {:?} from {}, which postcard refuses: {}", ours, payload, error)
        }
        (Err(error), Ok((theirs, rest))) => prop_assert!(
            false,
            "brine refused {} ({}), which postcard reads as {:?} with {} byte(s) left \
             (expected the value, or TrailingBytes when bytes are left)",
            payload,
            chain(&error),
            theirs,
            rest.len()
        ),
        (Err(error), Err(theirs)) => {
            prop_assert!(
                false,
                "brine refused {} with {:?}, not a decode error (postcard: {})",
                payload,
                error,
                theirs
            )
        }
    }
    Ok(())
}

/// For each target type, random payloads of its encoding and around it.
macro_rules! random_payloads {
    ($($test:ident: $t:ty = $values:expr;)*) => {
        mod random_payloads {
            use super::*;

            proptest! {
                $(
                    #[test]
                    fn $test(payload in payloads($values)) {
                        let name = stored_name::<$t>(&<$t as Default>::default())?;
                        same_verdict::<$t>(&payload, &name)?;
                    }
                )*
            }
        }
    };
}

random_payloads! {
    of_u16: u16 = u16s();
    of_u32: u32 = u32s();
    of_u64: u64 = u64s();
    of_i64: i64 = i64s();
    of_u128: u128 = u128s();
    of_i128: i128 = i128s();
    of_char: char = chars();
    of_string: String = strings();
    of_option_u8: Option<u8> = option::of(u8s());
    of_bool: bool = any::<bool>();
    of_vec_u16: Vec<u16> = vec(u16s(), 0..=4);
    of_small_enum: Small = smalls();
}
