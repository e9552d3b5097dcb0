//! Serde features postcard can't store give an error that names the feature
//! and the remedy — never a value that differs from the one dumped.

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

use brine_io::{dump, load};
use serde::{Deserialize, Serialize};

fn dump_error<T: Serialize>(value: &T) -> dump::Error {
    match brine_io::dump(value) {
        Ok(bytes) => panic!("dump succeeded with {} bytes", bytes.len()),
        Err(error) => error,
    }
}

/// Dumps fine but must not load: postcard has no tags to read back.
fn load_error<T>(value: &T) -> load::Error
where
    T: Serialize + for<'de> Deserialize<'de> + std::fmt::Debug,
{
    let bytes = brine_io::dump(value).unwrap();
    match brine_io::load::<T>(&bytes) {
        Ok(back) => panic!("loaded {back:?}"),
        Err(error) => error,
    }
}

#[test]
fn skip_serializing_if_is_refused_at_dump_time() {
    #[derive(Serialize)]
    struct Profile {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        nickname: Option<String>,
        age: u8,
    }
    let error = dump_error(&Profile { name: "ada".into(), nickname: None, age: 36 });
    assert!(matches!(error, dump::Error::Unsupported { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("skip_serializing_if"), "{text}");
    assert!(text.contains("`nickname`"), "{text}");
    assert!(text.contains("remove skip_serializing_if"), "{text}");
    // when nothing is skipped the value is stored as usual
    assert!(brine_io::dump(&Profile { name: "ada".into(), nickname: Some("a".into()), age: 36 }).is_ok());
}

#[test]
fn skip_serializing_if_in_a_nested_struct_and_enum_variant() {
    #[derive(Serialize)]
    enum Event {
        Moved {
            #[serde(skip_serializing_if = "Vec::is_empty")]
            path: Vec<u8>,
        },
    }
    #[derive(Serialize)]
    struct Log {
        events: Vec<Option<Event>>,
    }
    let error = dump_error(&Log { events: vec![Some(Event::Moved { path: vec![] })] });
    assert!(error.to_string().contains("`path`"), "{error}");
}

#[test]
fn flatten_is_refused_at_dump_time() {
    #[derive(Serialize)]
    struct Inner {
        a: u8,
    }
    #[derive(Serialize)]
    struct Outer {
        #[serde(flatten)]
        inner: Inner,
        b: u8,
    }
    let error = dump_error(&Outer { inner: Inner { a: 1 }, b: 2 });
    let text = error.to_string();
    assert!(text.contains("#[serde(flatten)]"), "{text}");
    assert!(text.contains("replace #[serde(flatten)] with a plain nested field"), "{text}");
}

#[test]
fn sequences_of_unknown_length_are_refused() {
    struct Evens(u8);
    impl Serialize for Evens {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq((0..self.0).filter(|n| n % 2 == 0))
        }
    }
    let error = dump_error(&Evens(10));
    assert!(error.to_string().contains("sequence of unknown length"), "{error}");
    assert!(error.to_string().contains("collect the items into a Vec"), "{error}");
}

#[test]
fn untagged_enum_is_refused_at_load_time() {
    #[derive(Serialize, Deserialize, Debug)]
    #[serde(untagged)]
    enum Number {
        Int(i64),
        Text(String),
    }
    let error = load_error(&Number::Int(3));
    assert!(matches!(error, load::Error::Unsupported { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("#[serde(untagged)]"), "{text}");
    assert!(text.contains("use externally tagged enums"), "{text}");
    let _ = Number::Text(String::new());
}

#[test]
fn internally_tagged_enum_is_refused_at_load_time() {
    #[derive(Serialize, Deserialize, Debug)]
    #[serde(tag = "type")]
    enum Shape {
        Circle { r: f64 },
        Square { side: f64 },
    }
    let error = load_error(&Shape::Circle { r: 1.0 });
    assert!(error.to_string().contains("internally or adjacently tagged enums"), "{error}");
    let _ = Shape::Square { side: 0.0 };
}

#[test]
fn adjacently_tagged_enum_is_refused_at_load_time() {
    #[derive(Serialize, Deserialize, Debug)]
    #[serde(tag = "t", content = "c")]
    enum Message {
        Ping(u8),
    }
    let error = load_error(&Message::Ping(1));
    assert!(matches!(error, load::Error::Unsupported { .. }), "{error:?}");
}

#[test]
fn deserialize_any_is_refused_at_load_time() {
    let value: serde_json::Value = serde_json::json!({"a": [1, 2]});
    let bytes = brine_io::dump(&value);
    // serde_json::Value serializes a map of known length, so the dump works;
    // loading needs deserialize_any
    let bytes = bytes.unwrap();
    let error = brine_io::load::<serde_json::Value>(&bytes).unwrap_err();
    assert!(error.to_string().contains("deserialize_any"), "{error}");
}

#[test]
fn custom_serialize_errors_keep_their_message() {
    struct Refuses;
    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("sockets can't be stored"))
        }
    }
    let error = dump_error(&vec![Some(Refuses)]);
    assert!(matches!(&error, dump::Error::Serialize { message } if message == "sockets can't be stored"));
    assert_eq!(error.to_string(), "the value's Serialize implementation failed: sockets can't be stored");
}

#[test]
fn default_without_skip_is_fine() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct WithDefault {
        #[serde(default)]
        n: u8,
        #[serde(rename = "other")]
        m: u8,
    }
    let bytes = brine_io::dump(&WithDefault { n: 1, m: 2 }).unwrap();
    assert_eq!(brine_io::load::<WithDefault>(&bytes).unwrap(), WithDefault { n: 1, m: 2 });
}
