//! Every load check fails on its own input with its own error, and no damaged
//! envelope ever loads as a value.

use std::collections::BTreeMap;

use brine_io::{Options, load};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Record {
    id: u32,
    name: String,
    scores: Vec<i64>,
    tags: BTreeMap<String, bool>,
    parent: Option<Box<Record>>,
}

fn record() -> Record {
    Record {
        id: 42,
        name: "answer".into(),
        scores: vec![-1, 0, 1, 1 << 40],
        tags: BTreeMap::from([("a".into(), true), ("b".into(), false)]),
        parent: Some(Box::new(Record {
            id: 1,
            name: String::new(),
            scores: vec![],
            tags: BTreeMap::new(),
            parent: None,
        })),
    }
}

fn message(error: &load::Error) -> String {
    error.to_string()
}

#[test]
fn not_brine() {
    let error = brine_io::load::<u8>(b"PK\x03\x04 a zip file, say").unwrap_err();
    assert!(matches!(error, load::Error::NotBrine { .. }), "{error:?}");
    let text = message(&error);
    assert!(text.contains("89 42 52 49 4E 45 0D 0A"), "{text}");
    assert!(text.contains("found 50 4B 03 04"), "{text}");
    let error = brine_io::load::<u8>(b"").unwrap_err();
    assert!(matches!(error, load::Error::Truncated { part: "header", .. }), "{error:?}");
}

#[test]
fn unsupported_version_and_flags() {
    let mut bytes = brine_io::dump(&record()).unwrap();
    bytes[8] = 3;
    let error = brine_io::load::<Record>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::UnsupportedVersion { found: 3, supported: 2 }), "{error:?}");
    assert_eq!(message(&error), "unsupported brine format version 3: this library reads versions 1 to 2");

    let mut bytes = brine_io::dump(&record()).unwrap();
    bytes[10] = 2;
    let error = brine_io::load::<Record>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::UnsupportedFlags { found: 2, known: 1 }), "{error:?}");
    // refused whatever the load trusts: the flag's meaning is unknown
    let error = Options::new().trust(brine_io::Trust::Registry).load::<Record>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::UnsupportedFlags { found: 2, .. }), "{error:?}");
}

#[test]
fn truncated_in_each_part() {
    let bytes = brine_io::dump(&record()).unwrap();
    let name_len = brine_io::inspect(&bytes).unwrap().type_name.len();
    let error = brine_io::load::<Record>(&bytes[..20]).unwrap_err();
    assert_eq!(message(&error), "truncated envelope: the header needs 32 bytes but only 20 remain");
    let error = brine_io::load::<Record>(&bytes[..34]).unwrap_err();
    assert!(matches!(error, load::Error::Truncated { part: "type name", available: 2, .. }), "{error:?}");
    let cut = bytes.len() - 3;
    let error = brine_io::load::<Record>(&bytes[..cut]).unwrap_err();
    let payload_len = (bytes.len() - 32 - name_len) as u64;
    match error {
        load::Error::Truncated { part: "payload", needed, available } => {
            assert_eq!((needed, available), (payload_len, payload_len - 3));
        }
        other => panic!("expected a truncated payload, got {other:?}"),
    }
}

#[test]
fn too_large_for_the_cap() {
    let bytes = brine_io::dump(&vec![0u8; 1000]).unwrap();
    let error = Options::new().max_len(100).load::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooLarge { part: "payload", max: 100, .. }), "{error:?}");
    assert!(message(&error).contains("over the limit of 100"), "{error}");
    // the cap is on the body: the payload and, since version 2, its shape table
    let body = bytes.len() as u64 - 32 - brine_io::type_name::<Vec<u8>>().len() as u64;
    assert!(Options::new().max_len(body).load::<Vec<u8>>(&bytes).is_ok());
    assert!(Options::new().max_len(body - 1).load::<Vec<u8>>(&bytes).is_err());
}

#[test]
fn a_header_claiming_huge_lengths_allocates_nothing_and_fails_fast() {
    let mut bytes = brine_io::dump(&vec![1u8]).unwrap();
    bytes[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let error = brine_io::load::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooLarge { part: "payload", .. }), "{error:?}");
    let error = Options::new().max_len(u64::MAX).load::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::Truncated { part: "payload", .. }), "{error:?}");
    // from a reader, too: the buffer only grows as bytes arrive
    let error = Options::new().max_len(u64::MAX).load_from::<Vec<u8>, _>(bytes.as_slice()).unwrap_err();
    assert!(matches!(error, load::Error::Truncated { part: "payload", .. }), "{error:?}");
    bytes[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    let error = brine_io::load::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TooLarge { part: "type name", .. }), "{error:?}");
    // no option raises the type name's limit: the message names none
    let text = error.to_string();
    assert!(!text.contains("max_len"), "{text}");
    assert!(text.contains("MAX_TYPE_NAME_LEN"), "{text}");
}

#[test]
fn checksum_mismatch() {
    let mut bytes = brine_io::dump(&record()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    let error = brine_io::load::<Record>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ChecksumMismatch { .. }), "{error:?}");
    assert!(message(&error).starts_with("checksum mismatch: header says 0x"), "{error}");
}

#[test]
fn type_mismatch_names_both_types() {
    let bytes = brine_io::dump(&record()).unwrap();
    let error = brine_io::load::<Vec<u8>>(&bytes).unwrap_err();
    assert_eq!(
        message(&error),
        "type mismatch: the envelope holds `errors::Record`, but `Vec<u8>` was requested \
         (for a renamed or moved type, load with Options::new().check_type(false))"
    );
    // numeric widths are told apart as well
    let bytes = brine_io::dump(&7u32).unwrap();
    assert!(matches!(brine_io::load::<u64>(&bytes), Err(load::Error::TypeMismatch { .. })));
}

#[test]
fn invalid_type_name() {
    // an envelope a hostile writer made: consistent checksum, name not UTF-8
    let payload = [5u8];
    let name = [0xFFu8, 0xFE];
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&brine_io::MAGIC);
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let mut both = name.to_vec();
    both.extend_from_slice(&payload);
    bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&both).to_le_bytes());
    bytes.extend_from_slice(&both);
    let error = brine_io::load::<u8>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::InvalidTypeName), "{error:?}");
}

#[test]
fn trailing_bytes_in_the_payload_and_after_the_envelope() {
    // a u16 payload read as u8 (type check off) leaves a byte unread
    let bytes = brine_io::dump(&300u16).unwrap();
    let error = Options::new().check_type(false).check_shape(false).load::<u8>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TrailingBytes { used: 1, len: 2, .. }), "{error:?}");
    // the shape check sees the change first
    let error = Options::new().check_type(false).load::<u8>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::ShapeChanged { .. }), "{error:?}");

    let mut bytes = brine_io::dump(&1u8).unwrap();
    bytes.extend_from_slice(b"junk");
    let error = brine_io::load::<u8>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::TrailingData { extra: 4, .. }), "{error:?}");
}

#[test]
fn decode_failure_says_where() {
    #[derive(Serialize)]
    struct Short {
        a: u8,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Long {
        a: u8,
        b: u64,
    }
    let bytes = brine_io::dump(&Short { a: 1 }).unwrap();
    let error = Options::new().check_type(false).check_shape(false).load::<Long>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::Decode { offset: 1, len: 1, .. }), "{error:?}");
    assert!(message(&error).contains("at byte 1 of 1: the payload ended inside the value"), "{error}");

    let bytes = brine_io::dump(&2u8).unwrap();
    let error = Options::new().check_type(false).check_shape(false).load::<bool>(&bytes).unwrap_err();
    assert!(message(&error).contains("a bool byte is neither 0 nor 1"), "{error}");
}

/// Cutting a valid envelope anywhere gives an error, never a panic or a value.
#[test]
fn truncated_at_every_offset() {
    let bytes = brine_io::dump(&record()).unwrap();
    for cut in 0..bytes.len() {
        let result = brine_io::load::<Record>(&bytes[..cut]);
        assert!(result.is_err(), "loaded from the first {cut} bytes");
        let result = brine_io::load_from::<Record, _>(&bytes[..cut]);
        assert!(result.is_err(), "load_from loaded from the first {cut} bytes");
    }
}

/// Flipping any bit of any byte gives an error, never a panic or a value.
#[test]
fn every_flipped_byte_is_caught() {
    let bytes = brine_io::dump(&record()).unwrap();
    for at in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut damaged = bytes.clone();
            damaged[at] ^= mask;
            match brine_io::load::<Record>(&damaged) {
                Ok(value) => panic!("flipping byte {at} with {mask:#x} loaded {value:?}"),
                Err(error) => assert!(!error.to_string().is_empty()),
            }
        }
    }
}

/// Garbage of every small length never panics.
#[test]
fn arbitrary_bytes_after_a_valid_header_never_panic() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..2000 {
        let len = (next() % 64) as usize;
        let payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let name = brine_io::type_name::<Record>();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&brine_io::MAGIC);
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        let mut body = name.as_bytes().to_vec();
        body.extend_from_slice(&payload);
        bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        // valid envelopes around random payloads: decoding must fail cleanly or
        // give a value that re-encodes to the very same payload
        if let Ok(value) = brine_io::load::<Record>(&bytes) {
            let again = brine_io::dump(&value).unwrap();
            assert_eq!(again, bytes, "round {round}");
        }
    }
}
