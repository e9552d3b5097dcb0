//! [`Error`]: why a value could not be written as a brine envelope.

use std::io;

/// Why a value could not be written as a brine envelope.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The value uses a serde feature that brine's format cannot store faithfully.
    ///
    /// Storing it anyway would give back a different value on load, so the dump
    /// is refused. The message names the feature and the way out.
    #[error("cannot store {feature}: {remedy}")]
    Unsupported {
        /// The serde feature, e.g. ``#[serde(skip_serializing_if = ..)] on field `name` ``.
        feature: String,
        /// What to do instead.
        remedy: &'static str,
    },
    /// The value's own `Serialize` implementation returned an error.
    #[error("the value's Serialize implementation failed: {message}")]
    Serialize {
        /// The message the implementation gave.
        message: String,
    },
    /// The value serialized to different bytes on the second of the two passes
    /// that [`dump_into`](crate::dump_into) makes over a non-seekable writer.
    #[error(
        "the value serialized differently on the second pass ({first} bytes, then {second}): \
         its Serialize implementation is not deterministic; dump into a Vec or a seekable writer instead"
    )]
    Unstable {
        /// Payload length on the first pass.
        first: u64,
        /// Payload length on the second pass.
        second: u64,
    },
    /// The stored type name is longer than the format allows.
    #[error("the type name is {len} bytes long; the format stores at most {max}")]
    TypeNameTooLong {
        /// Length of the name.
        len: usize,
        /// The format's limit.
        max: usize,
    },
    /// Writing to the destination failed.
    #[error("writing the envelope failed")]
    Io(#[from] io::Error),
}
