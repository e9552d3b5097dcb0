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
//! | `dump(obj)` | [`dump`](dump())`(&value) -> NamedTempFile` | [`temp`] |
//! | `load(file)` | [`load`](load())`::<T>(path)` | [`temp`] |
//! | `dumpIO(obj)` | [`dump_io`](dump_io())`(&value) -> Vec<u8>` | [`io`] |
//! | `loadIO(buffer)` | [`load_io`](load_io())`::<T>(&bytes)` | [`io`] |
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
//!
//! # Features
//!
//! One cargo feature per area, all on by default; each adds its crate as a
//! module and its functions at the root. Turn off the ones you don't use
//! with `default-features = false`.
//!
//! | feature | adds | needs |
//! |---|---|---|
//! | `io` | `io`, `dump_io`, `load_io` | |
//! | `temp` | `temp`, `dump`, `load`, `NamedTempFile` | `io` |
//! | `source` | `source`, `dump_source`, `load_source`, `dump_io_source`, `load_io_source` | `temp` |
//! | `code` | `code`, `#[source]`, `source_of!` | `source` |
//! | `capture` | `capture`, `capture()`, `Capture`, `Stream` | a Unix target |
//!
//! `capture` redirects file descriptors and exists on Unix only: on other
//! targets (Windows) the feature is accepted and adds nothing, so the default
//! features build everywhere.

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The READMEs' examples (this crate's and the workspace's), run as doctests
/// so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

// -- io ---------------------------------------------------------------------
#[cfg(feature = "io")]
#[cfg_attr(docsrs, doc(cfg(feature = "io")))]
pub use brine_io as io;
#[cfg(feature = "io")]
#[cfg_attr(docsrs, doc(cfg(feature = "io")))]
pub use brine_io::{Trust, dump as dump_io, load as load_io};

// -- temp -------------------------------------------------------------------
#[cfg(feature = "temp")]
#[cfg_attr(docsrs, doc(cfg(feature = "temp")))]
pub use brine_temp as temp;
#[cfg(feature = "temp")]
#[cfg_attr(docsrs, doc(cfg(feature = "temp")))]
pub use brine_temp::{NamedTempFile, dump, load};

// -- source -----------------------------------------------------------------
#[cfg(feature = "source")]
#[cfg_attr(docsrs, doc(cfg(feature = "source")))]
pub use brine_source as source;
#[cfg(feature = "source")]
#[cfg_attr(docsrs, doc(cfg(feature = "source")))]
pub use brine_source::{
    dump as dump_source, from_str as load_io_source, load as load_source, to_string as dump_io_source,
};

// -- code -------------------------------------------------------------------
#[cfg(feature = "code")]
#[cfg_attr(docsrs, doc(cfg(feature = "code")))]
pub use brine_code as code;
// `#[brine::source]` (an attribute: macro namespace) next to the module `brine::source`
#[cfg(feature = "code")]
#[cfg_attr(docsrs, doc(cfg(feature = "code")))]
pub use brine_code::__private::source_in_facade as source;
#[cfg(feature = "code")]
#[cfg_attr(docsrs, doc(cfg(feature = "code")))]
pub use brine_code::source_of;
// `#[brine::function]`, `brine::func!` and `brine::Func`: functions inside values
#[cfg(feature = "code")]
pub use brine_code::__private::function_in_facade as function;
#[cfg(feature = "code")]
pub use brine_code::{Func, func};

// -- capture ----------------------------------------------------------------
#[cfg(all(feature = "capture", unix))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "capture", unix))))]
pub use brine_capture as capture;
#[cfg(all(feature = "capture", unix))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "capture", unix))))]
pub use brine_capture::{Capture, Stream, capture};

// -- errors -----------------------------------------------------------------
mod error;

pub use error::Error;
