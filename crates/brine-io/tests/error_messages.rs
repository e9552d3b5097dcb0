//! Every error's message, word for word, and the causes its `source()` chain
//! gives: what users read, match on and see in anyhow's `{:#}`.

use std::error::Error as _;
use std::io;

use brine_io::{HexBytes, dump, load};

/// The error's message, then each cause's, in order.
fn chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages
}

/// An error a `Deserialize` impl raises through `brine_io::load::raise`.
#[derive(Debug)]
struct Odd(u32);

impl std::fmt::Display for Odd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "odd numbers are not allowed here, found {}", self.0)
    }
}

impl std::error::Error for Odd {}

#[test]
fn load_messages_without_a_cause() {
    let cases = [
        (
            load::Error::NotBrine { expected: HexBytes(vec![0x89, 0x42]), found: HexBytes(vec![]) },
            "not a brine envelope: expected magic bytes 89 42 at offset 0, found nothing (empty input)",
        ),
        (
            load::Error::UnsupportedVersion { found: 3, supported: 2 },
            "unsupported brine format version 3: this library reads versions 1 to 2",
        ),
        (
            load::Error::UnsupportedFlags { found: 2, known: 1 },
            "unsupported header flags 0x0002: this library understands only 0x0001 (written by a newer brine?)",
        ),
        (
            load::Error::CodeRefused,
            "the envelope holds functions (code), which a plain load refuses before decoding: to call \
             functions registered in this program, load with brine_io::Options::new().trust(Trust::Registry) \
             (Trust::Compile also compiles the functions' stored source)",
        ),
        (
            load::Error::Truncated { part: "header", needed: 32, available: 20 },
            "truncated envelope: the header needs 32 bytes but only 20 remain",
        ),
        (
            load::Error::TooLarge { part: "payload", len: 1000, max: 100 },
            "the payload is 1000 bytes, over the limit of 100 (raise it with Options::max_len)",
        ),
        (
            load::Error::TooLarge { part: "type name", len: 70_000, max: 65_535 },
            "the type name is 70000 bytes, over the limit of 65535 (the format's own limit, \
             brine_io::MAX_TYPE_NAME_LEN, which no option raises: the header is damaged or not brine's)",
        ),
        (
            load::Error::ChecksumMismatch { stored: 0xdead, computed: 0xbeef },
            "checksum mismatch: header says 0x000000000000dead, the type name and payload hash to \
             0x000000000000beef (the data is damaged)",
        ),
        (load::Error::InvalidTypeName, "the stored type name is not valid UTF-8"),
        (
            load::Error::TypeMismatch { stored: "a::Old".into(), requested: "b::New".into() },
            "type mismatch: the envelope holds `a::Old`, but `b::New` was requested \
             (for a renamed or moved type, load with Options::new().check_type(false))",
        ),
        (
            load::Error::Unsupported { requested: "T".into(), feature: "a feature", remedy: "do this" },
            "cannot load `T`: it needs a feature; do this",
        ),
        (
            load::Error::Invalid { requested: "T".into(), offset: 3, len: 9, message: "no".into() },
            "the payload does not decode as `T` at byte 3 of 9: no",
        ),
        (
            load::Error::TrailingBytes { requested: "T".into(), used: 4, len: 6 },
            "trailing bytes: `T` decoded from 4 of the payload's 6 bytes; the rest does not belong to it",
        ),
        (
            load::Error::TooDeep { max: 128 },
            "values nest deeper than the limit of 128 levels (expected at most 128); \
             for deeply recursive data raise Options::max_depth",
        ),
        (
            load::Error::TooManyElements { payload_len: 10, max_zero_sized: 1024 },
            "the payload claims more elements than its 10 bytes can hold (expected at most 10 elements \
             plus 1024 zero-sized ones); for values with more elements of unit-like types raise \
             Options::max_zero_sized",
        ),
        (
            load::Error::ShapeChanged {
                requested: "Config".into(),
                place: "field `retries` of struct `Config`".into(),
                expected: "a u32".into(),
                found: "a string".into(),
            },
            "the type `Config` changed since the value was written: at field `retries` of struct \
             `Config`, the type reads a u32, but a string was written; load it with the type as it \
             was when written, or switch this check off with Options::check_shape(false)",
        ),
        (
            load::Error::ShapeTable { reason: "a kind byte is unknown" },
            "the envelope's shape table is damaged: a kind byte is unknown",
        ),
        (
            load::Error::TrailingData { extra: 5, envelope: 40 },
            "5 unexpected bytes after the end of the envelope (which is 40 bytes long)",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(chain(&error), [message], "{error:?}");
    }
}

#[test]
fn load_causes_are_the_source_not_the_message() {
    let error =
        load::Error::Refused { requested: "Vec<u32>".into(), offset: 2, len: 5, source: Box::new(Odd(3)) };
    assert_eq!(
        chain(&error),
        [
            "the payload does not load as `Vec<u32>`: a value at byte 2 of 5 was refused",
            "odd numbers are not allowed here, found 3",
        ]
    );
    // the boxed error itself, not the box: it downcasts to the raised type
    assert!(error.source().and_then(|e| e.downcast_ref::<Odd>()).is_some());

    let error = load::Error::Decode {
        requested: "u8".into(),
        offset: 0,
        len: 0,
        reason: "the payload ends early",
        source: load::DecodeError::UnexpectedEnd,
    };
    assert_eq!(
        chain(&error),
        [
            "the payload does not decode as `u8` at byte 0 of 0: the payload ends early".to_string(),
            "unexpected end of the payload".to_string(),
        ]
    );
    assert!(error.source().and_then(|e| e.downcast_ref::<load::DecodeError>()).is_some());

    let error = load::Error::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "the pipe closed"));
    assert_eq!(chain(&error), ["reading the envelope failed", "the pipe closed"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());
}

#[test]
fn dump_messages_and_causes() {
    let cases = [
        (
            dump::Error::Unsupported { feature: "a flattened map".into(), remedy: "drop the flatten" },
            "cannot store a flattened map: drop the flatten",
        ),
        (dump::Error::Serialize { message: "no".into() }, "the value's Serialize implementation failed: no"),
        (
            dump::Error::Unstable { first: 10, second: 12 },
            "the value serialized differently on the second pass (10 bytes, then 12): its Serialize \
             implementation is not deterministic; dump into a Vec or a seekable writer instead",
        ),
        (
            dump::Error::TypeNameTooLong { len: 70_000, max: 65_535 },
            "the type name is 70000 bytes long; the format stores at most 65535",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(chain(&error), [message], "{error:?}");
    }

    // `?` on an io::Error makes the Io variant, with the io::Error as its source
    let error = dump::Error::from(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
    assert!(matches!(error, dump::Error::Io(_)), "{error:?}");
    assert_eq!(chain(&error), ["writing the envelope failed", "disk full"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());
}

/// A value whose `Deserialize` notes a message, then runs a brine load of
/// its own (one that fails with another message, then one that succeeds),
/// then fails: each load reports its own first message, the outer one's
/// set aside while the inner ones ran and put back after.
#[derive(Debug)]
struct Nests;

impl<'de> serde::Deserialize<'de> for Nests {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let inner: Vec<u8> = serde::Deserialize::deserialize(deserializer)?;
        drop(D::Error::custom("the outer value's first word"));
        match brine_io::Options::new().check_type(false).load::<Refuses>(&inner) {
            Ok(_) => return Err(D::Error::custom("the inner value loaded")),
            Err(error) => assert!(error.to_string().ends_with(": the inner value's word"), "{error}"),
        }
        assert_eq!(brine_io::load::<u8>(&brine_io::dump(&7u8).map_err(D::Error::custom)?).ok(), Some(7));
        Err(D::Error::custom("the outer value's last word"))
    }
}

#[derive(Debug)]
struct Refuses;

impl<'de> serde::Deserialize<'de> for Refuses {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom("the inner value's word"))
    }
}

#[test]
fn a_load_inside_a_load_keeps_the_outer_ones_first_message() {
    let inner = dump(&()).expect("dumps");
    let outer = dump(&inner).expect("dumps");
    let error = brine_io::Options::new().check_type(false).load::<Nests>(&outer).expect_err("refuses");
    assert!(matches!(error, load::Error::Invalid { .. }), "{error:?}");
    assert!(error.to_string().ends_with(": the outer value's first word"), "{error}");
    // and after it, a load on this thread starts with no notes
    let error = brine_io::Options::new().check_type(false).load::<Refuses>(&inner).expect_err("refuses");
    assert!(error.to_string().ends_with(": the inner value's word"), "{error}");
}

thread_local! {
    /// How many quiet `Dropped` errors were dropped on this thread.
    static DROPPED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// An error whose drop is counted, or (a bomb) panics.
#[derive(Debug)]
struct Dropped {
    bomb: bool,
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.bomb { "bomb" } else { "counted" })
    }
}

impl std::error::Error for Dropped {}

impl Drop for Dropped {
    #[allow(clippy::panic)] // the bomb's panic is what the test is about
    fn drop(&mut self) {
        if self.bomb {
            panic!("the bomb's drop panics")
        }
        DROPPED.with(|dropped| dropped.set(dropped.get() + 1));
    }
}

/// Raises a bomb, ignores it and loads: the bomb goes off when the load
/// drops its notes.
#[derive(Debug)]
struct IgnoresBomb;

impl<'de> serde::Deserialize<'de> for IgnoresBomb {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let _: u8 = serde::Deserialize::deserialize(deserializer)?;
        drop(brine_io::load::raise::<D::Error>(Dropped { bomb: true }));
        Ok(IgnoresBomb)
    }
}

/// Raises a counted error, ignores it, and loads an `IgnoresBomb` inside.
#[derive(Debug)]
struct HostsBomb;

impl<'de> serde::Deserialize<'de> for HostsBomb {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let inner: Vec<u8> = serde::Deserialize::deserialize(deserializer)?;
        drop(brine_io::load::raise::<D::Error>(Dropped { bomb: false }));
        let lax = brine_io::Options::new().check_type(false);
        let inner = std::panic::catch_unwind(|| lax.load::<IgnoresBomb>(&inner).map(drop));
        if inner.is_ok() {
            return Err(serde::de::Error::custom("the bomb did not go off"));
        }
        Ok(HostsBomb)
    }
}

#[test]
fn a_panic_while_an_inner_load_ends_still_gives_the_outer_load_its_notes_back() {
    let outer = dump(&dump(&1u8).expect("dumps")).expect("dumps");
    let loaded = brine_io::Options::new().check_type(false).load::<HostsBomb>(&outer);
    assert!(loaded.is_ok(), "{loaded:?}");
    // the outer load is over: its notes (the counted error) were dropped with it
    assert_eq!(DROPPED.with(std::cell::Cell::get), 1);
}
