//! [`Error`]: why bytes could not be loaded as a value.

use std::{fmt, io};

/// Why bytes could not be loaded as a value.
///
/// Every check that fails has its own variant; the message says what was
/// expected and what was found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not start with brine's magic number.
    NotBrine {
        /// The magic number, in hex.
        expected: HexBytes,
        /// What the input starts with, in hex.
        found: HexBytes,
    },
    /// The envelope was written by a format version this library does not read.
    UnsupportedVersion {
        /// The version in the header.
        found: u16,
        /// The newest version this library reads.
        supported: u16,
    },
    /// The header has flag bits set that this library does not know.
    UnsupportedFlags {
        /// The flags in the header.
        found: u16,
        /// The flags this library understands.
        known: u16,
    },
    /// The envelope holds code (functions), and the load did not opt in.
    CodeRefused,
    /// The input ends before the envelope does.
    Truncated {
        /// Which part was cut: `"header"`, `"type name"` or `"payload"`.
        part: &'static str,
        /// Bytes the part needs.
        needed: u64,
        /// Bytes that were there.
        available: u64,
    },
    /// A length in the header is over the configured cap.
    TooLarge {
        /// `"payload"` or `"type name"`.
        part: &'static str,
        /// The length in the header.
        len: u64,
        /// The limit in force.
        max: u64,
    },
    /// The checksum in the header does not match the bytes.
    ChecksumMismatch {
        /// The checksum in the header.
        stored: u64,
        /// The checksum of the bytes that are there.
        computed: u64,
    },
    /// The stored type name is not valid UTF-8.
    InvalidTypeName,
    /// The envelope holds a value of another type.
    TypeMismatch {
        /// The type the envelope was written from.
        stored: String,
        /// The type the caller asked for.
        requested: String,
    },
    /// The requested type needs a serde feature postcard cannot provide.
    Unsupported {
        /// The type that was requested.
        requested: String,
        /// The serde feature.
        feature: &'static str,
        /// What to do instead.
        remedy: &'static str,
    },
    /// A `Deserialize` impl of the requested type refused a value, with a
    /// message of its own (an unknown trait-object tag, a failed check).
    Invalid {
        /// The type that was requested.
        requested: String,
        /// Offset in the payload where decoding stopped.
        offset: u64,
        /// Payload length.
        len: u64,
        /// What the `Deserialize` impl said.
        message: String,
    },
    /// A `Deserialize` impl refused a value with a typed error of its own
    /// (raised with [`raise`](crate::load::raise)), reachable as the
    /// [`source`](std::error::Error::source): brine-code's function errors
    /// come this way.
    Refused {
        /// The type that was requested.
        requested: String,
        /// Offset in the payload where decoding stopped.
        offset: u64,
        /// Payload length.
        len: u64,
        /// The error the `Deserialize` impl raised.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The payload does not decode as the requested type.
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
        source: crate::decode::DecodeError,
    },
    /// The value decoded without using the whole payload.
    TrailingBytes {
        /// The type that was requested.
        requested: String,
        /// Bytes the value used.
        used: u64,
        /// Payload length.
        len: u64,
    },
    /// Values in the payload nest deeper than [`Options::max_depth`](crate::Options::max_depth).
    TooDeep {
        /// The limit in force.
        max: u32,
    },
    /// The payload's sequences and maps claim more elements than its bytes can
    /// hold, beyond the allowance of [`Options::max_zero_sized`](crate::Options::max_zero_sized).
    TooManyElements {
        /// The payload's length in bytes.
        payload_len: u64,
        /// The allowance of zero-sized elements in force.
        max_zero_sized: u64,
    },
    /// The requested type has another shape than the stored value's type had
    /// when it was written: a field reordered, renamed, added, removed or
    /// retyped, a variant changed. (Format version 2 and later; see
    /// [`Options::check_shape`](crate::Options::check_shape).)
    ShapeChanged {
        /// The type that was requested.
        requested: String,
        /// Where in the value the first difference is (`field `retries` of struct `Config``).
        place: String,
        /// What the requested type reads there.
        expected: String,
        /// What was written there.
        found: String,
    },
    /// The envelope's shape table cannot be read.
    ShapeTable {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Bytes follow the envelope in the input slice.
    TrailingData {
        /// Bytes after the envelope.
        extra: u64,
        /// Length of the envelope.
        envelope: u64,
    },
    /// Reading the input failed.
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotBrine { expected, found } => {
                write!(f, "not a brine envelope: expected magic bytes {expected} at offset 0, found {found}")
            }
            Error::UnsupportedVersion { found, supported } => {
                write!(
                    f,
                    "unsupported brine format version {found}: this library reads versions 1 to {supported}"
                )
            }
            Error::UnsupportedFlags { found, known } => write!(
                f,
                "unsupported header flags {found:#06x}: this library understands only {known:#06x} \
                 (written by a newer brine?)"
            ),
            Error::CodeRefused => f.write_str(
                "the envelope holds functions (code), which a plain load refuses before decoding: \
                 to call functions registered in this program, load with \
                 brine_io::Options::new().trust(Trust::Registry) \
                 (Trust::Compile also compiles the functions' stored source)",
            ),
            Error::Truncated { part, needed, available } => {
                write!(f, "truncated envelope: the {part} needs {needed} bytes but only {available} remain")
            }
            Error::TooLarge { part, len, max } => {
                write!(f, "the {part} is {len} bytes, over the limit of {max} ({})", raise_it(part))
            }
            Error::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch: header says {stored:#018x}, \
                 the type name and payload hash to {computed:#018x} (the data is damaged)"
            ),
            Error::InvalidTypeName => f.write_str("the stored type name is not valid UTF-8"),
            Error::TypeMismatch { stored, requested } => write!(
                f,
                "type mismatch: the envelope holds `{stored}`, but `{requested}` was requested \
                 (for a renamed or moved type, load with Options::new().check_type(false))"
            ),
            Error::Unsupported { requested, feature, remedy } => {
                write!(f, "cannot load `{requested}`: it needs {feature}; {remedy}")
            }
            Error::Invalid { requested, offset, len, message } => {
                write!(f, "the payload does not decode as `{requested}` at byte {offset} of {len}: {message}")
            }
            Error::Refused { requested, offset, len, .. } => write!(
                f,
                "the payload does not load as `{requested}`: a value at byte {offset} of {len} was refused"
            ),
            Error::Decode { requested, offset, len, reason, .. } => {
                write!(f, "the payload does not decode as `{requested}` at byte {offset} of {len}: {reason}")
            }
            Error::TrailingBytes { requested, used, len } => write!(
                f,
                "trailing bytes: `{requested}` decoded from {used} of the payload's {len} bytes; \
                 the rest does not belong to it"
            ),
            Error::TooDeep { max } => write!(
                f,
                "values nest deeper than the limit of {max} levels (expected at most {max}); \
                 for deeply recursive data raise Options::max_depth"
            ),
            Error::TooManyElements { payload_len, max_zero_sized } => write!(
                f,
                "the payload claims more elements than its {payload_len} bytes can hold (expected at most \
                 {payload_len} elements plus {max_zero_sized} zero-sized ones); for values with more \
                 elements of unit-like types raise Options::max_zero_sized"
            ),
            Error::ShapeChanged { requested, place, expected, found } => write!(
                f,
                "the type `{requested}` changed since the value was written: at {place}, the type reads \
                 {expected}, but {found} was written; load it with the type as it was when written, or \
                 switch this check off with Options::check_shape(false)"
            ),
            Error::ShapeTable { reason } => write!(f, "the envelope's shape table is damaged: {reason}"),
            Error::TrailingData { extra, envelope } => {
                write!(
                    f,
                    "{extra} unexpected bytes after the end of the envelope (which is {envelope} bytes long)"
                )
            }
            Error::Io(_) => f.write_str("reading the envelope failed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // every variant named, so that a new one with a cause can't be missed
        match self {
            Error::Refused { source, .. } => Some(&**source),
            Error::Decode { source, .. } => Some(source),
            Error::Io(source) => Some(source),
            Error::NotBrine { .. }
            | Error::UnsupportedVersion { .. }
            | Error::UnsupportedFlags { .. }
            | Error::CodeRefused
            | Error::Truncated { .. }
            | Error::TooLarge { .. }
            | Error::ChecksumMismatch { .. }
            | Error::InvalidTypeName
            | Error::TypeMismatch { .. }
            | Error::Unsupported { .. }
            | Error::Invalid { .. }
            | Error::TrailingBytes { .. }
            | Error::TooDeep { .. }
            | Error::TooManyElements { .. }
            | Error::ShapeChanged { .. }
            | Error::ShapeTable { .. }
            | Error::TrailingData { .. } => None,
        }
    }
}

/// Bytes shown in hex in error messages (at most the first 16).
#[derive(Clone, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl fmt::Display for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing (empty input)");
        }
        for (i, byte) in self.0.iter().take(16).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02X}")?;
        }
        if self.0.len() > 16 {
            f.write_str(" ..")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{self}]")
    }
}

/// How to raise the limit an [`Error::TooLarge`] names, if anything does.
fn raise_it(part: &str) -> &'static str {
    if part == "type name" {
        "the format's own limit, brine_io::MAX_TYPE_NAME_LEN, which no option raises: \
         the header is damaged or not brine's"
    } else {
        "raise it with Options::max_len"
    }
}
