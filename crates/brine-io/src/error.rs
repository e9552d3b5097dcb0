//! The two error types: [`DumpError`] and [`LoadError`].

use std::io;

use crate::format::{HexBytes, MAGIC, VERSION};

/// Why a value could not be written as a brine envelope.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
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
    #[error("writing the envelope failed: {0}")]
    Io(#[from] io::Error),
}

/// Why bytes could not be loaded as a value.
///
/// Every check that fails has its own variant; the message says what was
/// expected and what was found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes do not start with brine's magic number.
    #[error("not a brine envelope: expected magic bytes {expected} at offset 0, found {found}")]
    NotBrine {
        /// The magic number, in hex.
        expected: HexBytes,
        /// What the input starts with, in hex.
        found: HexBytes,
    },
    /// The envelope was written by a format version this library does not read.
    #[error("unsupported brine format version {found}: this library reads version {supported}")]
    UnsupportedVersion {
        /// The version in the header.
        found: u16,
        /// The version this library reads.
        supported: u16,
    },
    /// The header's reserved flag bits are set.
    #[error("unsupported header flags {found:#06x}: this library understands no flags (expected 0x0000)")]
    UnsupportedFlags {
        /// The flags in the header.
        found: u16,
    },
    /// The input ends before the envelope does.
    #[error("truncated envelope: the {part} needs {needed} bytes but only {available} remain")]
    Truncated {
        /// Which part was cut: `"header"`, `"type name"` or `"payload"`.
        part: &'static str,
        /// Bytes the part needs.
        needed: u64,
        /// Bytes that were there.
        available: u64,
    },
    /// A length in the header is over the configured cap.
    #[error("the {part} is {len} bytes, over the limit of {max} ({})", raise_it(part))]
    TooLarge {
        /// `"payload"` or `"type name"`.
        part: &'static str,
        /// The length in the header.
        len: u64,
        /// The limit in force.
        max: u64,
    },
    /// The checksum in the header does not match the bytes.
    #[error(
        "checksum mismatch: header says {stored:#018x}, the type name and payload hash to {computed:#018x} \
         (the data is damaged)"
    )]
    ChecksumMismatch {
        /// The checksum in the header.
        stored: u64,
        /// The checksum of the bytes that are there.
        computed: u64,
    },
    /// The stored type name is not valid UTF-8.
    #[error("the stored type name is not valid UTF-8")]
    InvalidTypeName,
    /// The envelope holds a value of another type.
    #[error(
        "type mismatch: the envelope holds `{stored}`, but `{requested}` was requested \
         (for a renamed or moved type, load with Options::new().check_type(false))"
    )]
    TypeMismatch {
        /// The type the envelope was written from.
        stored: String,
        /// The type the caller asked for.
        requested: String,
    },
    /// The requested type needs a serde feature postcard cannot provide.
    #[error("cannot load `{requested}`: it needs {feature}; {remedy}")]
    Unsupported {
        /// The type that was requested.
        requested: String,
        /// The serde feature.
        feature: &'static str,
        /// What to do instead.
        remedy: &'static str,
    },
    /// The payload does not decode as the requested type.
    #[error("the payload does not decode as `{requested}` at byte {offset} of {len}: {reason}")]
    Decode {
        /// The type that was requested.
        requested: String,
        /// Offset in the payload where decoding stopped.
        offset: u64,
        /// Payload length.
        len: u64,
        /// What the decoder found wrong.
        reason: &'static str,
        /// The decoder's error.
        #[source]
        source: postcard::Error,
    },
    /// The value decoded without using the whole payload.
    #[error(
        "trailing bytes: `{requested}` decoded from {used} of the payload's {len} bytes; \
         the rest does not belong to it"
    )]
    TrailingBytes {
        /// The type that was requested.
        requested: String,
        /// Bytes the value used.
        used: u64,
        /// Payload length.
        len: u64,
    },
    /// Values in the payload nest deeper than [`Options::max_depth`](crate::Options::max_depth).
    #[error(
        "values nest deeper than the limit of {max} levels (expected at most {max}); \
         for deeply recursive data raise Options::max_depth"
    )]
    TooDeep {
        /// The limit in force.
        max: u32,
    },
    /// The payload's sequences and maps claim more elements than its bytes can
    /// hold, beyond the allowance of [`Options::max_zero_sized`](crate::Options::max_zero_sized).
    #[error(
        "the payload claims more elements than its {payload_len} bytes can hold (expected at most \
         {payload_len} elements plus {max_zero_sized} zero-sized ones); for values with more \
         elements of unit-like types raise Options::max_zero_sized"
    )]
    TooManyElements {
        /// The payload's length in bytes.
        payload_len: u64,
        /// The allowance of zero-sized elements in force.
        max_zero_sized: u64,
    },
    /// Bytes follow the envelope in the input slice.
    #[error("{extra} unexpected bytes after the end of the envelope (which is {envelope} bytes long)")]
    TrailingData {
        /// Bytes after the envelope.
        extra: u64,
        /// Length of the envelope.
        envelope: u64,
    },
    /// Reading the input failed.
    #[error("reading the envelope failed: {0}")]
    Io(#[source] io::Error),
}

impl LoadError {
    pub(crate) fn not_brine(input: &[u8]) -> Self {
        let shown = &input[..input.len().min(MAGIC.len())];
        LoadError::NotBrine { expected: HexBytes(MAGIC.to_vec()), found: HexBytes(shown.to_vec()) }
    }

    pub(crate) fn version(found: u16) -> Self {
        LoadError::UnsupportedVersion { found, supported: VERSION }
    }
}

/// How to raise the limit a [`LoadError::TooLarge`] names, if anything does.
fn raise_it(part: &str) -> &'static str {
    if part == "type name" {
        "the format's own limit, brine_io::MAX_TYPE_NAME_LEN, which no option raises: \
         the header is damaged or not brine's"
    } else {
        "raise it with Options::max_len"
    }
}
