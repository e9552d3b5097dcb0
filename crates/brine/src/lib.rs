//! brine brings Python's `dill.temp` to Rust: dump any serde value to a
//! temporary file or a buffer and load it back, turn values and code into Rust
//! source and back, and capture what the process writes to stdout/stderr.
//!
//! This crate is a facade: each area is its own crate, re-exported here as a
//! module behind a cargo feature of the same name, and the `dill.temp`-shaped
//! functions are re-exported at the root.
//!
//! | dill.temp | brine | crate |
//! |---|---|---|
//! | `dump(obj)` | [`dump`]`(&value) -> NamedTempFile` | [`temp`] |
//! | `load(file)` | [`load`]`::<T>(path)` | [`temp`] |
//! | `dumpIO(obj)` | [`dump_io`]`(&value) -> Vec<u8>` | [`io`] |
//! | `loadIO(buffer)` | [`load_io`]`::<T>(&bytes)` | [`io`] |
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Config {
//!     name: String,
//!     retries: u8,
//! }
//!
//! let config = Config { name: "nightly".into(), retries: 3 };
//!
//! // to a temporary file, deleted when `file` is dropped
//! let file = brine::dump(&config)?;
//! assert_eq!(brine::load::<Config>(&file)?, config);
//!
//! // to a buffer
//! let bytes = brine::dump_io(&config)?;
//! assert_eq!(brine::load_io::<Config>(&bytes)?, config);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// The READMEs' examples (this crate's and the workspace's), run as doctests
/// so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

// -- io ---------------------------------------------------------------------
#[cfg(feature = "io")]
pub use brine_io as io;
#[cfg(feature = "io")]
pub use brine_io::{Trust, dump as dump_io, load as load_io};

// -- temp -------------------------------------------------------------------
#[cfg(feature = "temp")]
pub use brine_temp as temp;
#[cfg(feature = "temp")]
pub use brine_temp::{NamedTempFile, dump, load};

// -- source -----------------------------------------------------------------
#[cfg(feature = "source")]
pub use brine_source as source;
#[cfg(feature = "source")]
pub use brine_source::{
    dump as dump_source, from_str as load_io_source, load as load_source, to_string as dump_io_source,
};

// -- code -------------------------------------------------------------------
#[cfg(feature = "code")]
pub use brine_code as code;
// `#[brine::source]` (an attribute: macro namespace) next to the module `brine::source`
#[cfg(feature = "code")]
pub use brine_code::__private::source_in_facade as source;
#[cfg(feature = "code")]
pub use brine_code::source_of;
// `#[brine::function]`, `brine::func!` and `brine::Func`: functions inside values
#[cfg(feature = "code")]
pub use brine_code::__private::function_in_facade as function;
#[cfg(feature = "code")]
pub use brine_code::{Func, func};

// -- capture ----------------------------------------------------------------
#[cfg(feature = "capture")]
pub use brine_capture as capture;
#[cfg(feature = "capture")]
pub use brine_capture::{Capture, Stream, capture};

// -- errors -----------------------------------------------------------------
mod error;

pub use error::Error;
