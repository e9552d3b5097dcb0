//! The brine envelope format: any serde value to and from bytes that check
//! themselves.
//!
//! A brine envelope is [postcard](https://docs.rs/postcard) bytes behind a
//! 32-byte header that says what they are: a magic number, the format version,
//! the payload's length and checksum, and the stored type's name. Loading checks
//! all of it before the decoder sees a byte, so a file that is damaged, cut
//! short, of another format or of another type gives a clear error — never a
//! wrong value.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Sample<'a> {
//!     label: &'a str,
//!     readings: Vec<f64>,
//! }
//!
//! let bytes = brine_io::dump(&Sample { label: "probe-1", readings: vec![0.5, 1.25] })?;
//!
//! // `label` borrows from `bytes`: loading copies no string.
//! let sample: Sample = brine_io::load(&bytes)?;
//! assert_eq!(sample.readings, [0.5, 1.25]);
//!
//! // A wrong type or damaged bytes are errors that say what is wrong.
//! let error = brine_io::load::<Vec<u8>>(&bytes).unwrap_err();
//! assert!(error.to_string().contains("type mismatch"));
//! let mut damaged = bytes.clone();
//! *damaged.last_mut().unwrap() ^= 1;
//! assert!(brine_io::load::<Sample>(&damaged).unwrap_err().to_string().contains("checksum"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What postcard can't store
//!
//! Postcard writes no field names and no type tags. Serde features that need
//! them are refused with an error that names the feature and the remedy:
//! `#[serde(skip_serializing_if)]` and `#[serde(flatten)]` at dump time;
//! `#[serde(untagged)]`, internally and adjacently tagged enums, and anything
//! else that needs `deserialize_any`, at load time.
//!
//! # Trait objects, and what `Deserialize` impls say
//!
//! `Box<dyn Trait>` works with [typetag](https://docs.rs/typetag) in its
//! default, externally tagged form (`#[typetag::serde]`): a map of one
//! entry, tag to value, which postcard stores like any map. The internally
//! and adjacently tagged forms need `deserialize_any` and are refused.
//! Postcard keeps no message of a `Deserialize` impl's error; brine's
//! decoder does, so an unknown tag is named:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[typetag::serde]
//! trait Shape {
//!     fn area(&self) -> f64;
//! }
//!
//! #[derive(Serialize, Deserialize)]
//! struct Square(f64);
//!
//! #[typetag::serde]
//! impl Shape for Square {
//!     fn area(&self) -> f64 { self.0 * self.0 }
//! }
//!
//! let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Square(3.0))];
//! let back: Vec<Box<dyn Shape>> = brine_io::load(&brine_io::dump(&shapes)?)?;
//! assert_eq!(back[0].area(), 9.0);
//!
//! // a tag no impl is registered under: what typetag would write for a `Circle`
//! let circle = vec![std::collections::BTreeMap::from([("Circle", 1.0)])];
//! let options = brine_io::Options::new().check_type(false);
//! let Err(error) = options.load::<Vec<Box<dyn Shape>>>(&brine_io::dump(&circle)?) else {
//!     panic!("a Circle loaded")
//! };
//! assert!(error.to_string().ends_with("unknown variant `Circle`, expected `Square`"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The byte layout is specified in `docs/FORMAT.md`.
//!
//! # Blocking I/O, and async code
//!
//! Everything here is synchronous: [`load_from`] and the `dump_into`
//! functions block on the reader or writer they are given, and a large
//! value takes a while to encode or check even in memory. In async code,
//! run them on a blocking thread, e.g. with tokio's `spawn_blocking`
//! (brine does not depend on tokio):
//!
//! ```text
//! // `config: Config`, an owned type: the closures run on another thread
//! let bytes = tokio::task::spawn_blocking(move || brine_io::dump(&config)).await??;
//! let back: Config = tokio::task::spawn_blocking(move || brine_io::load(&bytes)).await??;
//! ```

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

mod decode;
pub mod dump;
mod encode;
mod format;
pub mod load;
mod running;
mod shape;
pub mod trust;
mod type_name;

#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub use dump::dump_without_shapes;
pub use dump::{dump, dump_append, dump_into, dump_into_seekable};
pub use format::{FLAG_CODE, HEADER_LEN, MAGIC, MAX_TYPE_NAME_LEN, VERSION};
pub use load::error::HexBytes;
pub use load::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_LEN, DEFAULT_MAX_ZERO_SIZED, Envelope, Options, inspect, load, load_from,
};
#[doc(hidden)]
pub use shape::without_repeats;
pub use trust::Trust;

/// The canonical name of `T` that envelopes store and the type check compares.
///
/// It is `std::any::type_name` with references dropped, the standard
/// library's paths shortened to their last segment, and the owned and
/// borrowed forms that serde encodes alike made equal (`&str` and `String`,
/// `&[T]` and `Vec<T>`, `Box<T>` and `T`).
///
/// ```
/// assert_eq!(brine_io::type_name::<&str>(), "String");
/// assert_eq!(brine_io::type_name::<std::collections::BTreeMap<u8, &[u16]>>(), "BTreeMap<u8, Vec<u16>>");
/// ```
pub fn type_name<T: ?Sized>() -> &'static str {
    type_name::canonical::<T>()
}
