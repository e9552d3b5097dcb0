//! Reading envelopes: every check, in the order docs/FORMAT.md gives, before
//! postcard sees a byte of the payload.

use std::io::{self, Read};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::format::{self, HEADER_LEN, Header, truncated};
use crate::limit::{Limited, Limits};
use crate::{LoadError, type_name};

/// The default cap on a payload's length: 1 GiB.
pub const DEFAULT_MAX_LEN: u64 = 1 << 30;

/// The default limit on how deep values nest: 256 levels.
pub const DEFAULT_MAX_DEPTH: u32 = 256;

/// The default allowance for elements that take no payload bytes (unit,
/// unit structs, empty tuples) across one value's sequences and maps: 1 Mi.
pub const DEFAULT_MAX_ZERO_SIZED: u64 = 1 << 20;

/// How to load: the type check, the length cap and the decoder's limits.
///
/// The free functions [`load`](crate::load) and [`load_from`](crate::load_from)
/// use `Options::new()`.
///
/// # Example
///
/// ```
/// use brine_io::Options;
///
/// #[derive(serde::Serialize)]
/// struct OldName { id: u32 }
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct NewName { id: u32 }
///
/// let bytes = brine_io::dump(&OldName { id: 7 })?;
/// // the type check refuses a value stored under another type's name...
/// assert!(brine_io::load::<NewName>(&bytes).is_err());
/// // ...unless it is switched off, for a type that was renamed or moved
/// let value: NewName = Options::new().check_type(false).load(&bytes)?;
/// assert_eq!(value, NewName { id: 7 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    check_type: bool,
    max_len: u64,
    max_depth: u32,
    max_zero_sized: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

/// What an envelope holds, read without decoding the value (see [`inspect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope<'a> {
    /// The canonical name of the stored type.
    pub type_name: &'a str,
    /// The postcard-encoded value.
    pub payload: &'a [u8],
    /// The checksum, already verified.
    pub checksum: u64,
}

impl Envelope<'_> {
    /// Length of the whole envelope in bytes.
    pub fn len(&self) -> usize {
        HEADER_LEN + self.type_name.len() + self.payload.len()
    }

    /// Whether the envelope is empty (it never is: the header is always there).
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl Options {
    /// Type check on, payload cap [`DEFAULT_MAX_LEN`], nesting limit
    /// [`DEFAULT_MAX_DEPTH`], zero-sized allowance [`DEFAULT_MAX_ZERO_SIZED`].
    pub const fn new() -> Self {
        Options {
            check_type: true,
            max_len: DEFAULT_MAX_LEN,
            max_depth: DEFAULT_MAX_DEPTH,
            max_zero_sized: DEFAULT_MAX_ZERO_SIZED,
        }
    }

    /// Whether to compare the stored type name with the requested type
    /// (default: yes). Switch it off to load a type that was renamed or moved
    /// since the dump; the checksum and the decoder's own checks still apply.
    pub const fn check_type(mut self, check: bool) -> Self {
        self.check_type = check;
        self
    }

    /// The longest payload to accept, in bytes (default: 1 GiB). A header that
    /// claims more is refused before anything is allocated for it.
    pub const fn max_len(mut self, max_len: u64) -> Self {
        self.max_len = max_len;
        self
    }

    /// How deep values may nest (default: 256). Each struct, enum, sequence,
    /// map, option and newtype is one level. A payload of recursive values
    /// (`Option<Box<Self>>` and the like) could otherwise recurse once per
    /// byte until the stack overflows; past the limit, loading fails with
    /// [`LoadError::TooDeep`]. Raise it for deeply recursive data, and give
    /// the loading thread a stack to match.
    pub const fn max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// How many elements that take no payload bytes (unit, unit structs, empty
    /// tuples) one value's sequences and maps may hold in all (default: 1 Mi).
    ///
    /// Any other element costs at least a byte, so a sequence may hold at most
    /// as many elements as the payload has bytes, plus this allowance. Without
    /// it, a payload of a few bytes could claim 2^60 elements of `()` and keep
    /// the decoder busy for centuries; past it, loading fails with
    /// [`LoadError::TooManyElements`].
    ///
    /// ```
    /// use brine_io::Options;
    ///
    /// let bytes = brine_io::dump(&vec![(); 2_000_000])?;
    /// assert!(brine_io::load::<Vec<()>>(&bytes).is_err());
    /// let units: Vec<()> = Options::new().max_zero_sized(2_000_000).load(&bytes)?;
    /// assert_eq!(units.len(), 2_000_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn max_zero_sized(mut self, max_zero_sized: u64) -> Self {
        self.max_zero_sized = max_zero_sized;
        self
    }

    /// Loads a value from an envelope in `bytes`; see [`load`](crate::load).
    ///
    /// # Errors
    ///
    /// See [`load`](crate::load).
    pub fn load<'de, T: Deserialize<'de>>(&self, bytes: &'de [u8]) -> Result<T, LoadError> {
        let envelope = self.open(bytes)?;
        self.decode(&envelope)
    }

    /// Loads a value from an envelope read from `reader`; see [`load_from`](crate::load_from).
    ///
    /// # Errors
    ///
    /// See [`load_from`](crate::load_from).
    pub fn load_from<T: DeserializeOwned, R: Read>(&self, mut reader: R) -> Result<T, LoadError> {
        let mut header = [0u8; HEADER_LEN];
        let got = read_up_to(&mut reader, &mut header)?;
        let fixed = Header::decode(&header[..got])?;
        fixed.check_caps(self.max_len)?;
        let body_len = fixed.body_len();
        let mut bytes = Vec::with_capacity(HEADER_LEN + body_len.min(CHUNK) as usize);
        bytes.extend_from_slice(&header);
        // Read what the header promises but grow only as bytes arrive, so a
        // lying length costs nothing.
        let got = reader.take(body_len).read_to_end(&mut bytes).map_err(LoadError::Io)? as u64;
        if got < body_len {
            return Err(body_truncated(&fixed, got));
        }
        let envelope = self.open(&bytes)?;
        self.decode(&envelope)
    }

    /// Loads a value from `reader`, which holds exactly `len` bytes: a file
    /// whose length is known, say. The header is read and checked first
    /// (magic, version, the caps, and the envelope's length against `len`),
    /// so a huge or endless input is refused before anything is allocated for
    /// it; then exactly the envelope is read, checked and decoded.
    ///
    /// ```
    /// let bytes = brine_io::dump(&vec![1u8, 2, 3])?;
    /// let options = brine_io::Options::new();
    /// let back: Vec<u8> = options.load_exact(bytes.as_slice(), bytes.len() as u64)?;
    /// assert_eq!(back, [1, 2, 3]);
    /// // `len` says what follows the envelope: trailing data is refused unread
    /// let error = options.load_exact::<Vec<u8>, _>(bytes.as_slice(), 1 << 40).unwrap_err();
    /// assert!(matches!(error, brine_io::LoadError::TrailingData { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`load`](crate::load), plus [`LoadError::Io`] when reading fails.
    pub fn load_exact<T: DeserializeOwned, R: Read>(&self, mut reader: R, len: u64) -> Result<T, LoadError> {
        let mut header = [0u8; HEADER_LEN];
        let want = HEADER_LEN.min(usize::try_from(len).unwrap_or(HEADER_LEN));
        let got = read_up_to(&mut reader, &mut header[..want])?;
        let fixed = Header::decode(&header[..got])?;
        fixed.check_caps(self.max_len)?;
        let body_len = fixed.body_len();
        let available = len.saturating_sub(HEADER_LEN as u64);
        if available < body_len {
            return Err(body_truncated(&fixed, available));
        }
        if available > body_len {
            return Err(LoadError::TrailingData {
                extra: available - body_len,
                envelope: HEADER_LEN as u64 + body_len,
            });
        }
        // Both the caps and `len` bound `body_len`; still grow only as bytes
        // arrive, in case the input is shorter than it said.
        let mut bytes = Vec::with_capacity(HEADER_LEN + body_len.min(CHUNK) as usize);
        bytes.extend_from_slice(&header);
        let got = reader.take(body_len).read_to_end(&mut bytes).map_err(LoadError::Io)? as u64;
        if got < body_len {
            return Err(body_truncated(&fixed, got));
        }
        let envelope = self.open(&bytes)?;
        self.decode(&envelope)
    }

    /// Runs every check but the type check and the decoding.
    fn open<'a>(&self, bytes: &'a [u8]) -> Result<Envelope<'a>, LoadError> {
        let header = Header::decode(bytes)?;
        header.check_caps(self.max_len)?;
        let body = &bytes[HEADER_LEN..];
        let body_len = header.body_len();
        if (body.len() as u64) < body_len {
            return Err(body_truncated(&header, body.len() as u64));
        }
        if body.len() as u64 > body_len {
            return Err(LoadError::TrailingData {
                extra: body.len() as u64 - body_len,
                envelope: HEADER_LEN as u64 + body_len,
            });
        }
        let computed = format::checksum(body);
        let (name, payload) = body.split_at(header.name_len as usize);
        if computed != header.checksum {
            return Err(LoadError::ChecksumMismatch { stored: header.checksum, computed });
        }
        let type_name = std::str::from_utf8(name).map_err(|_| LoadError::InvalidTypeName)?;
        Ok(Envelope { type_name, payload, checksum: computed })
    }

    fn decode<'de, T: Deserialize<'de>>(&self, envelope: &Envelope<'de>) -> Result<T, LoadError> {
        // The canonical name of a type outside the standard library is its
        // `type_name` as is: compare that first, and look up the canonical
        // name only when it differs (canonical names are a fixed point).
        if self.check_type
            && envelope.type_name != std::any::type_name::<T>()
            && envelope.type_name != type_name::canonical::<T>()
        {
            return Err(LoadError::TypeMismatch {
                stored: envelope.type_name.to_owned(),
                requested: type_name::canonical::<T>().to_owned(),
            });
        }
        let payload = envelope.payload;
        let len = payload.len() as u64;
        let limits = Limits::new(self.max_depth, len, self.max_zero_sized);
        let mut de = postcard::Deserializer::from_bytes(payload);
        let result = T::deserialize(Limited { inner: &mut de, limits: &limits });
        let rest = de.finalize().map_or(0, |rest| rest.len());
        let used = (payload.len() - rest) as u64;
        let requested = || type_name::canonical::<T>().to_owned();
        match result {
            Ok(_) if rest != 0 => Err(LoadError::TrailingBytes { requested: requested(), used, len }),
            Ok(value) => Ok(value),
            Err(source) => {
                Err(limits.take_exceeded().unwrap_or_else(|| decode_error(requested(), used, len, source)))
            }
        }
    }
}

const CHUNK: u64 = 64 * 1024;

/// Loads a value from a brine envelope, borrowing from `bytes` where the type
/// allows (`&str` and `&[u8]` fields point into the buffer: zero-copy).
///
/// Checks, in this order, before the payload is decoded: magic, version,
/// lengths (within `bytes` and under the cap), checksum, type name. After
/// decoding, the payload must have been used to its last byte.
///
/// # Errors
///
/// One [`LoadError`] variant per failed check; the message says what was
/// expected and what was found.
///
/// # Example
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Record<'a> {
///     name: &'a str,
///     scores: Vec<u16>,
/// }
///
/// let bytes = brine_io::dump(&Record { name: "ada", scores: vec![90, 85] })?;
/// let record: Record = brine_io::load(&bytes)?;
/// assert_eq!(record.name, "ada"); // borrowed from `bytes`, not copied
/// assert!(brine_io::load::<Vec<u16>>(&bytes).is_err()); // wrong type: a clear error
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, LoadError> {
    Options::new().load(bytes)
}

/// Loads a value from a brine envelope read from `reader`.
///
/// Reads exactly one envelope: bytes after it are left in the reader. The
/// payload is read into memory and checked before it is decoded.
///
/// # Errors
///
/// As [`load`], plus [`LoadError::Io`] when reading fails.
///
/// # Example
///
/// ```
/// let bytes = brine_io::dump(&[1.5f32, 2.5])?;
/// let back: [f32; 2] = brine_io::load_from(bytes.as_slice())?;
/// assert_eq!(back, [1.5, 2.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_from<T: DeserializeOwned, R: Read>(reader: R) -> Result<T, LoadError> {
    Options::new().load_from(reader)
}

/// Checks an envelope (magic, version, lengths, checksum) and tells what it
/// holds, without decoding the value.
///
/// # Errors
///
/// As [`load`], less the type check and decoding.
///
/// # Example
///
/// ```
/// let bytes = brine_io::dump(&vec!["a", "b"])?;
/// let envelope = brine_io::inspect(&bytes)?;
/// assert_eq!(envelope.type_name, "Vec<String>");
/// assert_eq!(envelope.len(), bytes.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect(bytes: &[u8]) -> Result<Envelope<'_>, LoadError> {
    Options::new().max_len(u64::MAX).open(bytes)
}

fn body_truncated(header: &Header, available: u64) -> LoadError {
    let name_len = u64::from(header.name_len);
    if available < name_len {
        truncated("type name", name_len, available)
    } else {
        truncated("payload", header.payload_len, available - name_len)
    }
}

/// Reads until `buf` is full or the reader ends; returns how much was read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, LoadError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(LoadError::Io(error)),
        }
    }
    Ok(filled)
}

const ANY_REMEDY: &str = "postcard stores no field names or type tags, so use externally tagged \
    enums (serde's default) and plain nested structs, or store such values with brine::source";

fn decode_error(requested: String, offset: u64, len: u64, source: postcard::Error) -> LoadError {
    use postcard::Error as E;
    let reason = match source {
        E::WontImplement | E::NotYetImplemented => {
            return LoadError::Unsupported {
                requested,
                feature: "a self-describing format (serde's deserialize_any or identifiers), which \
                    #[serde(untagged)], internally or adjacently tagged enums (#[serde(tag = ..)]), \
                    #[serde(flatten)] and types like serde_json::Value require",
                remedy: ANY_REMEDY,
            };
        }
        E::DeserializeUnexpectedEnd => {
            "the payload ended inside the value (the type has more fields or elements than were stored)"
        }
        E::DeserializeBadVarint => "an integer is malformed or too large for the requested integer type",
        E::DeserializeBadBool => "a bool byte is neither 0 nor 1",
        E::DeserializeBadChar => "a char is not a Unicode scalar value",
        E::DeserializeBadUtf8 => "a string is not valid UTF-8",
        E::DeserializeBadOption => "an Option tag is neither 0 nor 1",
        E::DeserializeBadEnum => "an enum variant index is larger than u32::MAX",
        E::SerdeDeCustom => {
            "serde refused a value (an enum variant index out of range, a length that doesn't fit, \
             or a check in a Deserialize impl)"
        }
        _ => "the bytes are not a valid encoding of this type",
    };
    LoadError::Decode { requested, offset, len, reason, source }
}
