//! [`Error`]: why a value could not be written as a brine envelope.

use std::{fmt, io};

/// Why a value could not be written as a brine envelope.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The value uses a serde feature that brine's format cannot store faithfully.
    ///
    /// Storing it anyway would give back a different value on load, so the dump
    /// is refused. The message names the feature and the way out.
    Unsupported {
        /// The serde feature, e.g. ``#[serde(skip_serializing_if = ..)] on field `name` ``.
        feature: String,
        /// What to do instead.
        remedy: &'static str,
    },
    /// The value's own `Serialize` implementation returned an error.
    Serialize {
        /// The message the implementation gave.
        message: String,
    },
    /// The value serialized to different bytes on the second of the two passes
    /// that [`dump_into`](crate::dump_into) makes over a non-seekable writer.
    Unstable {
        /// Payload length on the first pass.
        first: u64,
        /// Payload length on the second pass.
        second: u64,
    },
    /// The stored type name is longer than the format allows.
    TypeNameTooLong {
        /// Length of the name.
        len: usize,
        /// The format's limit.
        max: usize,
    },
    /// Writing to the destination failed.
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unsupported { feature, remedy } => write!(f, "cannot store {feature}: {remedy}"),
            Error::Serialize { message } => {
                write!(f, "the value's Serialize implementation failed: {message}")
            }
            Error::Unstable { first, second } => write!(
                f,
                "the value serialized differently on the second pass ({first} bytes, then {second}): \
                 its Serialize implementation is not deterministic; \
                 dump into a Vec or a seekable writer instead"
            ),
            Error::TypeNameTooLong { len, max } => {
                write!(f, "the type name is {len} bytes long; the format stores at most {max}")
            }
            Error::Io(_) => f.write_str("writing the envelope failed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // every variant named, so that a new one with a cause can't be missed
        match self {
            Error::Io(source) => Some(source),
            Error::Unsupported { .. }
            | Error::Serialize { .. }
            | Error::Unstable { .. }
            | Error::TypeNameTooLong { .. } => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        Error::Io(source)
    }
}
