//! Code is opt-in on load: the header flag, the refusal before decoding, the
//! per-load trust scope a code value reads, and typed errors raised by a
//! `Deserialize` impl.

use std::cell::Cell;

use brine_io::trust::{self, Scope};
use brine_io::{Options, Trust, load};
use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

thread_local! {
    static DECODED: Cell<u32> = const { Cell::new(0) };
}

/// Stands for a function value: marks the dump, and refuses to load unless
/// the load running on its thread trusts the registry.
#[derive(Debug, PartialEq)]
struct CodeLike(u8);

impl Serialize for CodeLike {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        trust::mark_code();
        self.0.serialize(serializer)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("code refused: no trust")]
struct NoTrust;

impl<'de> Deserialize<'de> for CodeLike {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DECODED.with(|n| n.set(n.get() + 1));
        let value = u8::deserialize(deserializer)?;
        if Scope::current().trust() < Trust::Registry {
            return Err(load::raise(NoTrust));
        }
        Ok(CodeLike(value))
    }
}

fn decoded() -> u32 {
    DECODED.with(Cell::get)
}

#[test]
fn a_value_holding_code_sets_the_flag_on_every_dump_path() {
    let bytes = brine_io::dump(&vec![CodeLike(1)]).unwrap();
    assert_eq!(u16::from_le_bytes([bytes[10], bytes[11]]), brine_io::FLAG_CODE);
    assert!(brine_io::inspect(&bytes).unwrap().holds_code);

    let mut streamed = Vec::new();
    brine_io::dump_into(&vec![CodeLike(1)], &mut streamed).unwrap();
    assert_eq!(streamed, bytes);
    let mut seekable = std::io::Cursor::new(Vec::new());
    brine_io::dump_into_seekable(&vec![CodeLike(1)], &mut seekable).unwrap();
    assert_eq!(seekable.into_inner(), bytes);

    // no code, no flag; and an empty Vec of code values holds none
    let plain = brine_io::dump(&vec![1u8]).unwrap();
    assert!(!brine_io::inspect(&plain).unwrap().holds_code);
    assert!(!brine_io::inspect(&brine_io::dump(&Vec::<CodeLike>::new()).unwrap()).unwrap().holds_code);
}

#[test]
fn a_plain_load_refuses_code_before_decoding_a_byte() {
    let bytes = brine_io::dump(&CodeLike(7)).unwrap();
    let before = decoded();
    let error = brine_io::load::<CodeLike>(&bytes).unwrap_err();
    assert!(matches!(error, load::Error::CodeRefused), "{error:?}");
    assert!(error.to_string().contains("Options::new().trust(Trust::Registry)"), "{error}");
    let error = brine_io::load_from::<CodeLike, _>(bytes.as_slice()).unwrap_err();
    assert!(matches!(error, load::Error::CodeRefused), "{error:?}");
    assert_eq!(decoded(), before, "the payload was decoded");
}

#[test]
fn an_opted_in_load_decodes_with_its_trust_in_scope() {
    let bytes = brine_io::dump(&CodeLike(7)).unwrap();
    let registry = Options::new().trust(Trust::Registry);
    assert_eq!(registry.load::<CodeLike>(&bytes).unwrap(), CodeLike(7));
    assert_eq!(registry.load_from::<CodeLike, _>(bytes.as_slice()).unwrap(), CodeLike(7));
    // the scope ends with the load
    assert_eq!(Scope::current(), Scope::default());
}

#[test]
fn a_load_that_may_compile_also_gets_past_the_header_with_its_trust_in_scope() {
    thread_local! {
        static SEEN: Cell<Option<Trust>> = const { Cell::new(None) };
    }
    struct Seen;
    impl<'de> Deserialize<'de> for Seen {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            SEEN.with(|seen| seen.set(Some(Scope::current().trust())));
            u8::deserialize(deserializer).map(|_| Seen)
        }
    }
    let bytes = brine_io::dump(&CodeLike(7)).unwrap();
    let compile = Options::new().trust(Trust::Compile).check_type(false);
    compile.load::<Seen>(&bytes).unwrap();
    assert_eq!(SEEN.with(Cell::get), Some(Trust::Compile));
    let error = brine_io::load::<CodeLike>(&bytes).unwrap_err();
    assert!(error.to_string().contains("Trust::Compile also compiles"), "{error}");
}

#[test]
fn a_forged_header_without_the_flag_gets_the_value_refused_by_itself() {
    let mut bytes = brine_io::dump(&CodeLike(7)).unwrap();
    bytes[10] = 0; // the checksum covers name and payload, not the header
    let error = brine_io::load::<CodeLike>(&bytes).unwrap_err();
    match &error {
        load::Error::Refused { source, .. } => assert!(source.downcast_ref::<NoTrust>().is_some()),
        other => panic!("expected Refused, got {other:?}"),
    }
    let chain = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(chain.as_deref(), Some("code refused: no trust"));
}

#[test]
fn other_decoders_opt_in_with_a_scope() {
    let json = serde_json::to_string(&CodeLike(3)).unwrap();
    let error = serde_json::from_str::<CodeLike>(&json).unwrap_err();
    assert!(error.to_string().contains("code refused: no trust"), "{error}");
    let value = Scope::new(Trust::Registry).run(|| serde_json::from_str::<CodeLike>(&json)).unwrap();
    assert_eq!(value, CodeLike(3));
}

#[test]
fn stale_code_is_a_separate_opt_in() {
    let scope = |options: Options| {
        let bytes = brine_io::dump(&StaleProbe).unwrap();
        options.load::<StaleProbe>(&bytes).unwrap();
        STALE.with(Cell::get)
    };
    assert!(!scope(Options::new().trust(Trust::Registry)));
    assert!(scope(Options::new().allow_stale(true).trust(Trust::Registry)));
}

thread_local! {
    static STALE: Cell<bool> = const { Cell::new(false) };
}

struct StaleProbe;

impl Serialize for StaleProbe {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        trust::mark_code();
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for StaleProbe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        STALE.with(|stale| stale.set(Scope::current().stale_allowed()));
        <()>::deserialize(deserializer)?;
        Ok(StaleProbe)
    }
}
