//! Reading envelopes: every check, in the order docs/FORMAT.md gives, before
//! the decoder sees a byte of the payload.

use std::io::{self, Read};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::decode::notes::{self, Notes};
use crate::decode::{self, Decoder, Exceeded, Fail};
use crate::format::{self, FLAG_CODE, HEADER_LEN, Header, MAX_TYPE_NAME_LEN, SHAPES_SINCE, truncated};
use crate::shape::{self, CheckState, Checked};
use crate::trust::{Scope, Trust};
use crate::type_name;
use memo::Reader;
use room::{Room, Truthful};

pub(crate) mod error;
mod memo;
mod room;
pub use crate::decode::DecodeError;
pub use error::Error;

/// The default cap on a payload's length: 1 GiB.
pub const DEFAULT_MAX_LEN: u64 = 1 << 30;

/// The default limit on how deep values nest: 256 levels.
pub const DEFAULT_MAX_DEPTH: u32 = 256;

/// The default allowance for elements that take no payload bytes (unit,
/// unit structs, empty tuples) across one value's sequences and maps: 1 Mi.
pub const DEFAULT_MAX_ZERO_SIZED: u64 = 1 << 20;

/// How to load: the type check, the length cap and the decoder's limits.
///
/// The free functions [`load`] and [`load_from`]
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
    scope: Scope,
    check_type: bool,
    check_shape: bool,
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
    /// The format version it was written in.
    pub version: u16,
    /// The canonical name of the stored type.
    pub type_name: &'a str,
    /// The postcard-encoded value.
    pub payload: &'a [u8],
    /// The checksum, already verified.
    pub checksum: u64,
    /// Whether the header says the value holds code ([`FLAG_CODE`]).
    pub holds_code: bool,
    /// The shape table (version 2 and later).
    shapes: Option<&'a [u8]>,
    len: usize,
}

impl Envelope<'_> {
    /// Length of the whole envelope in bytes.
    pub fn len(&self) -> usize {
        self.len
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
            scope: Scope::new(Trust::Values),
            check_type: true,
            check_shape: true,
            max_len: DEFAULT_MAX_LEN,
            max_depth: DEFAULT_MAX_DEPTH,
            max_zero_sized: DEFAULT_MAX_ZERO_SIZED,
        }
    }

    /// What the load trusts the values to do (default: [`Trust::Values`],
    /// data only).
    ///
    /// An envelope whose header says it holds code (functions, see
    /// [`FLAG_CODE`]) is refused with
    /// [`Error::CodeRefused`] before a byte is decoded unless the load opts
    /// in. The trust is also in force, on this thread, while the value is
    /// decoded ([`trust::Scope`](crate::trust::Scope)), and the code values'
    /// own `Deserialize` refuses to load without it: a header forged to
    /// clear the flag gains nothing.
    ///
    /// ```
    /// use brine_io::{Options, Trust};
    ///
    /// struct Marked;
    /// impl serde::Serialize for Marked {
    ///     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    ///         brine_io::trust::mark_code(); // what a function value does
    ///         s.serialize_unit()
    ///     }
    /// }
    ///
    /// let bytes = brine_io::dump(&Marked)?;
    /// let error = Options::new().check_type(false).load::<()>(&bytes).unwrap_err();
    /// assert!(error.to_string().contains("Options::new().trust(Trust::Registry)"));
    /// Options::new().check_type(false).trust(Trust::Registry).load::<()>(&bytes)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn trust(mut self, trust: Trust) -> Self {
        self.scope = Scope::new(trust).allow_stale(self.scope.stale_allowed());
        self
    }

    /// Whether a function whose source changed since the dump (its stored
    /// source hash differs from the one registered in this program) may
    /// load anyway (default: no). Only matters with [`trust`](Self::trust).
    ///
    /// ```
    /// use brine_io::{Options, Trust};
    /// let options = Options::new().trust(Trust::Registry).allow_stale(true);
    /// # let _ = options;
    /// ```
    pub const fn allow_stale(mut self, allow: bool) -> Self {
        self.scope = self.scope.allow_stale(allow);
        self
    }

    /// Whether to compare the stored type name with the requested type
    /// (default: yes). Switch it off to load a type that was renamed or moved
    /// since the dump; the checksum and the decoder's own checks still apply,
    /// and so does the [shape check](Self::check_shape), less the name of the
    /// top-level struct or enum.
    pub const fn check_type(mut self, check: bool) -> Self {
        self.check_type = check;
        self
    }

    /// Whether to check, while decoding, that the requested type has the
    /// shape the stored value's type had when it was written (default: yes).
    ///
    /// A type that keeps its name but changes its fields (reordered, renamed,
    /// added, removed, retyped: `u32` to `u64` too) or its enum variants
    /// would otherwise decode the old bytes into a wrong value: postcard's
    /// bytes do not say what they are. With the check, that is
    /// [`Error::ShapeChanged`], naming the first difference. Envelopes of
    /// format version 1 carry no shapes and get the name check only.
    ///
    /// ```
    /// use brine_io::Options;
    ///
    /// mod v1 {
    ///     #[derive(serde::Serialize)]
    ///     pub struct Config { pub retries: u32, pub scale: f32 }
    /// }
    /// mod v2 {
    ///     #[derive(serde::Deserialize, Debug)]
    ///     pub struct Config { pub scale: f32, pub retries: u32 }
    /// }
    ///
    /// let bytes = brine_io::dump(&v1::Config { retries: 3, scale: 0.5 })?;
    /// let loose = Options::new().check_type(false); // the modules differ here; the name does not
    /// let error = loose.load::<v2::Config>(&bytes).unwrap_err();
    /// assert!(error.to_string().contains("changed since the value was written"), "{error}");
    /// // switched off, the bytes decode as whatever the new type makes of them
    /// assert!(loose.check_shape(false).load::<v2::Config>(&bytes).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn check_shape(mut self, check: bool) -> Self {
        self.check_shape = check;
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
    /// [`Error::TooDeep`]. Raise it for deeply recursive data, and give
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
    /// [`Error::TooManyElements`].
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

    /// Loads a value from an envelope in `bytes`; see [`load`].
    ///
    /// # Errors
    ///
    /// See [`load`].
    pub fn load<'de, T: Deserialize<'de>>(&self, bytes: &'de [u8]) -> Result<T, Error> {
        // two paths, so that the fast one keeps its envelope in registers
        match self.open_fast(bytes) {
            Some(opened) => self.decode(&opened),
            None => self.load_slow(bytes),
        }
    }

    /// [`load`](Self::load) of an envelope [`open_fast`](Self::open_fast)
    /// did not pass: [`open_raw`](Self::open_raw) runs the same checks, each
    /// with its error, and says which failed.
    #[inline(never)]
    fn load_slow<'de, T: Deserialize<'de>>(&self, bytes: &'de [u8]) -> Result<T, Error> {
        let opened = self.open_raw(bytes)?;
        self.decode(&opened)
    }

    /// Loads a value from an envelope read from `reader`; see [`load_from`].
    ///
    /// # Errors
    ///
    /// See [`load_from`].
    pub fn load_from<T: DeserializeOwned, R: Read>(&self, reader: R) -> Result<T, Error> {
        let mut reader = Truthful(reader);
        let mut header = [0u8; HEADER_LEN];
        let got = read_up_to(&mut reader, &mut header)?;
        let fixed = Header::decode(&header[..got])?;
        self.check_flags(&fixed)?;
        fixed.check_caps(self.max_len)?;
        // Read what the header promises but grow only as bytes arrive, so a
        // lying length costs nothing.
        let room = fixed.body_len().min(CHUNK);
        self.read_and_decode(reader, &header, &fixed, room)
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
    /// assert!(matches!(error, brine_io::load::Error::TrailingData { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`load`](crate::load()), plus [`Error::Io`] when reading fails,
    /// when there is no memory for the envelope the header announces (kind
    /// `OutOfMemory`), or when the reader claims more bytes than the buffer
    /// it was given holds (kind `InvalidData`).
    pub fn load_exact<T: DeserializeOwned, R: Read>(&self, reader: R, len: u64) -> Result<T, Error> {
        let mut reader = Truthful(reader);
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
            return Err(Error::TrailingData {
                extra: available - body_len,
                envelope: HEADER_LEN as u64 + body_len,
            });
        }
        // Both the caps and `len` (the caller's word, a file's length) bound
        // `body_len`: room for all of it at once, read straight into it (a
        // buffer grown as bytes arrive copied an 8 MB body three times).
        self.read_and_decode(reader, &header, &fixed, body_len)
    }

    /// Reads the body that `header` (already read, decoded as `fixed`)
    /// announces into a buffer with `room` bytes reserved for it (room for
    /// all of it never grows; less grows as bytes come), then checks the
    /// envelope and decodes it.
    fn read_and_decode<T: DeserializeOwned, R: Read>(
        &self,
        reader: R,
        header: &[u8; HEADER_LEN],
        fixed: &Header,
        room: u64,
    ) -> Result<T, Error> {
        let body_len = fixed.body_len();
        let capacity = room.saturating_add(HEADER_LEN as u64);
        let mut bytes = if room >= body_len { Room::exact(capacity) } else { Room::growing(capacity) }
            .map_err(Error::Io)?;
        bytes.push(header);
        let got = bytes.fill(reader, body_len).map_err(Error::Io)?;
        if got < body_len {
            return Err(body_truncated(fixed, got));
        }
        let opened = self.open_raw(bytes.as_slice())?;
        self.decode(&opened)
    }

    /// Runs every check but the type check and the decoding, and tells
    /// what the envelope holds; see [`inspect`].
    fn open<'a>(&self, bytes: &'a [u8]) -> Result<Envelope<'a>, Error> {
        let opened = self.open_raw(bytes)?;
        let type_name = std::str::from_utf8(opened.name).map_err(|_| Error::InvalidTypeName)?;
        Ok(Envelope {
            version: opened.version,
            type_name,
            payload: opened.payload,
            checksum: opened.checksum,
            holds_code: opened.holds_code,
            shapes: opened.shapes,
            len: opened.len,
        })
    }

    /// [`open_raw`](Self::open_raw) for an envelope that passes: `None` for
    /// any other, whose error `open_raw` then finds. No error is made on the
    /// way, so nothing is moved around for one.
    #[inline(always)]
    fn open_fast<'a>(&self, bytes: &'a [u8]) -> Option<Opened<'a>> {
        let header = Header::read(bytes)?;
        let refused = header.flags & FLAG_CODE != 0 && self.scope.trust() == Trust::Values;
        if refused || header.name_len as usize > MAX_TYPE_NAME_LEN || header.payload_len > self.max_len {
            return None;
        }
        let body = bytes.get(HEADER_LEN..)?;
        if body.len() as u64 != header.body_len() {
            return None;
        }
        let checksum = format::checksum(body);
        if checksum != header.checksum {
            return None;
        }
        let (name, rest) = body.split_at_checked(header.name_len as usize)?;
        let (payload, shapes) = if header.version >= SHAPES_SINCE {
            let (rest, table_len) = rest.split_last_chunk::<4>()?;
            let payload_len = rest.len().checked_sub(u32::from_le_bytes(*table_len) as usize)?;
            let (payload, shapes) = rest.split_at(payload_len);
            (payload, Some(shapes))
        } else {
            (rest, None)
        };
        let holds_code = header.flags & FLAG_CODE != 0;
        Some(Opened {
            version: header.version,
            name,
            payload,
            shapes,
            checksum,
            holds_code,
            len: bytes.len(),
        })
    }

    /// Runs every check but the type check and the decoding, and leaves
    /// the type name in bytes: a load compares them with the name it
    /// expects first, and a name equal to a `&str` is UTF-8.
    #[inline(never)]
    fn open_raw<'a>(&self, bytes: &'a [u8]) -> Result<Opened<'a>, Error> {
        let header = Header::decode(bytes)?;
        self.check_flags(&header)?;
        header.check_caps(self.max_len)?;
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        let body_len = header.body_len();
        if (body.len() as u64) < body_len {
            return Err(body_truncated(&header, body.len() as u64));
        }
        if body.len() as u64 > body_len {
            return Err(Error::TrailingData {
                extra: body.len() as u64 - body_len,
                envelope: HEADER_LEN as u64 + body_len,
            });
        }
        let computed = format::checksum(body);
        let (name, rest) = body.split_at(header.name_len as usize);
        if computed != header.checksum {
            return Err(Error::ChecksumMismatch { stored: header.checksum, computed });
        }
        let (payload, shapes) = if header.version >= SHAPES_SINCE {
            match split_shapes(rest) {
                Ok(split) => split,
                // the name's check comes first (docs/FORMAT.md)
                Err(_) if std::str::from_utf8(name).is_err() => return Err(Error::InvalidTypeName),
                Err(error) => return Err(error),
            }
        } else {
            (rest, None)
        };
        Ok(Opened {
            version: header.version,
            name,
            payload,
            shapes,
            checksum: computed,
            holds_code: header.flags & FLAG_CODE != 0,
            len: HEADER_LEN + body.len(),
        })
    }

    /// An envelope that holds code needs a load that opted in.
    fn check_flags(&self, header: &Header) -> Result<(), Error> {
        if header.flags & FLAG_CODE != 0 && self.scope.trust() == Trust::Values {
            return Err(Error::CodeRefused);
        }
        Ok(())
    }

    /// Checks the type and decodes. A type that passed every check against
    /// an envelope of the same name and shape table just before, on this
    /// thread, passes them again: it decodes at once (see [`memo`]).
    #[inline]
    fn decode<'de, T: Deserialize<'de>>(&self, opened: &Opened<'de>) -> Result<T, Error> {
        let reader = Reader::of::<T>(self.check_type, self.check_shape);
        let shapes = opened.shapes.filter(|_| self.check_shape);
        if memo::passed(&reader, opened.name, shapes) {
            return self.run(opened.payload, None, |de| T::deserialize(de), type_name::canonical::<T>);
        }
        self.check_and_decode(opened, reader)
    }

    /// The type check, the shape check and the decode, for a type not known
    /// to pass them: out of the way of the loads that are.
    #[inline(never)]
    fn check_and_decode<'de, T: Deserialize<'de>>(
        &self,
        opened: &Opened<'de>,
        reader: Reader,
    ) -> Result<T, Error> {
        let type_name = std::str::from_utf8(opened.name).map_err(|_| Error::InvalidTypeName)?;
        // The canonical name of a type outside the standard library is its
        // `type_name` as is: compare that first, and look up the canonical
        // name only when it differs (canonical names are a fixed point).
        if self.check_type
            && type_name != std::any::type_name::<T>()
            && type_name != type_name::canonical::<T>()
        {
            return Err(Error::TypeMismatch {
                stored: type_name.to_owned(),
                requested: type_name::canonical::<T>().to_owned(),
            });
        }
        // A type that has passed the check against this very table passes it
        // for every payload written with it: the reader's calls depend on its
        // type, the places they meet on the table. (The type is told by its
        // `TypeId`, lifetimes erased: not by its name, which two types can share.)
        let passer = (typeid::of::<T>(), self.check_type);
        let shapes = opened.shapes.filter(|_| self.check_shape);
        let table = match shapes {
            Some(shapes) if !shape::passed(shapes, passer) => {
                Some(shape::read(shapes).map_err(|reason| Error::ShapeTable { reason })?)
            }
            _ => None,
        };
        let state =
            table.as_deref().map(|table| CheckState::new(table, type_name::canonical::<T>, self.check_type));
        let result = self.run(
            opened.payload,
            state.as_ref(),
            |de| match &state {
                Some(state) => T::deserialize(Checked { inner: de, state, ctx: 0 }),
                None => T::deserialize(de),
            },
            type_name::canonical::<T>,
        );
        // a value that decoded passed the shape check, trailing bytes or not
        if let (Ok(_) | Err(Error::TrailingBytes { .. }), Some(table)) = (&result, &table) {
            table.pass(passer);
        }
        if result.is_ok() {
            memo::remember(reader, opened.name, shapes);
        }
        result
    }

    /// Decodes `payload` with `deserialize`, in this load's trust scope, and
    /// says why it failed if it did.
    #[inline(always)]
    fn run<'de, T>(
        &self,
        payload: &'de [u8],
        state: Option<&CheckState<'_>>,
        deserialize: impl FnOnce(&mut Decoder<'de>) -> Result<T, Fail>,
        requested: fn() -> &'static str,
    ) -> Result<T, Error> {
        let mut de = Decoder::new(payload, self.max_depth, self.max_zero_sized);
        let session = notes::begin(self.scope);
        let result = deserialize(&mut de);
        let result = if de.lost() { Err(decode::forgotten()) } else { result };
        match result {
            Ok(value) => {
                drop(session);
                // a refusal of the shape check stands, also when an impl
                // swallowed it and read on: the value was not read as written
                if let Some(changed) = state.and_then(CheckState::take_error) {
                    return Err(changed);
                }
                let rest = de.rest().len();
                if rest != 0 {
                    return Err(trailing(requested, payload.len(), rest));
                }
                Ok(value)
            }
            Err(fail) => {
                let notes = session.take();
                drop(session);
                let changed = state.and_then(CheckState::take_error);
                Err(failed(Failed {
                    fail,
                    notes,
                    changed,
                    decoder: &de,
                    len: payload.len(),
                    requested,
                    limits: self,
                }))
            }
        }
    }
}

/// An envelope that passed every check but the type check, its type name
/// still in bytes.
struct Opened<'a> {
    version: u16,
    name: &'a [u8],
    payload: &'a [u8],
    shapes: Option<&'a [u8]>,
    checksum: u64,
    holds_code: bool,
    len: usize,
}

#[cold]
fn trailing(requested: fn() -> &'static str, len: usize, rest: usize) -> Error {
    Error::TrailingBytes { requested: requested().to_owned(), used: (len - rest) as u64, len: len as u64 }
}

/// A decode that failed, and what is known about why.
struct Failed<'d, 'de> {
    fail: Fail,
    notes: Notes,
    /// The difference the shape check found, if it stopped the decode.
    changed: Option<Error>,
    decoder: &'d Decoder<'de>,
    len: usize,
    requested: fn() -> &'static str,
    limits: &'d Options,
}

/// The error a failed decode reports: a shape change first; then what
/// ended the decode: the decoder's refusal of the bytes, a feature it
/// lacks or a limit as they are, and for a `Deserialize` impl's own error
/// the error it raised, else a limit it turned into its own error, else
/// its message. (An impl that swallowed an error and read on leaves notes
/// behind: they name the error only when the impl's own error ended the
/// decode.)
#[cold]
fn failed(failed: Failed<'_, '_>) -> Error {
    let Failed { fail, notes, changed, decoder, len, requested, limits } = failed;
    if let Some(changed) = changed {
        return changed;
    }
    let offset = (len - decoder.rest().len()) as u64;
    let (requested, len) = (requested().to_owned(), len as u64);
    let limit = match decoder.exceeded() {
        Some(Exceeded::Depth) => Some(Error::TooDeep { max: limits.max_depth }),
        Some(Exceeded::Elements) => {
            Some(Error::TooManyElements { payload_len: len, max_zero_sized: limits.max_zero_sized })
        }
        None => None,
    };
    let message = || notes.message.unwrap_or_else(|| "a Deserialize impl refused the value".to_owned());
    match fail {
        Fail::Bytes(source) => decode_error(requested, offset, len, source),
        Fail::Unsupported => Error::Unsupported { requested, feature: ANY_FEATURE, remedy: ANY_REMEDY },
        Fail::Limit => limit.unwrap_or_else(|| Error::Invalid { requested, offset, len, message: message() }),
        Fail::Custom => match (notes.raised, limit) {
            (Some(source), _) => Error::Refused { requested, offset, len, source },
            (None, Some(limit)) => limit,
            (None, None) => Error::Invalid { requested, offset, len, message: message() },
        },
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
/// One [`Error`] variant per failed check; the message says what was
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
pub fn load<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, Error> {
    Options::new().load(bytes)
}

/// Loads a value from a brine envelope read from `reader`.
///
/// Reads exactly one envelope: bytes after it are left in the reader. The
/// payload is read into memory and checked before it is decoded.
///
/// # Errors
///
/// As [`load`], plus [`Error::Io`] when reading fails or the reader claims
/// more bytes than the buffer it was given holds (kind `InvalidData`).
///
/// # Example
///
/// ```
/// let bytes = brine_io::dump(&[1.5f32, 2.5])?;
/// let back: [f32; 2] = brine_io::load_from(bytes.as_slice())?;
/// assert_eq!(back, [1.5, 2.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_from<T: DeserializeOwned, R: Read>(reader: R) -> Result<T, Error> {
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
pub fn inspect(bytes: &[u8]) -> Result<Envelope<'_>, Error> {
    // nothing is decoded, so an envelope holding code can be looked at
    Options::new().max_len(u64::MAX).trust(Trust::Registry).open(bytes)
}

/// Refuses a value with a typed error: inside a brine load, the load fails
/// with [`Error::Refused`], whose [`source`](std::error::Error::source) is
/// `error` (a custom error carries only a message); under any other decoder
/// it is `E::custom` of the error's message.
///
/// For `Deserialize` impls whose callers want to match on why (brine-code's
/// function values raise their errors this way).
///
/// ```
/// use serde::de::{Deserialize, Deserializer};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("odd numbers are not allowed here, found {0}")]
/// struct Odd(u8);
///
/// #[derive(Debug)]
/// struct Even(u8);
/// impl<'de> Deserialize<'de> for Even {
///     fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
///         let n = u8::deserialize(d)?;
///         if n % 2 == 1 { return Err(brine_io::load::raise(Odd(n))); }
///         Ok(Even(n))
///     }
/// }
///
/// let bytes = brine_io::dump(&3u8)?;
/// let error = brine_io::Options::new().check_type(false).load::<Even>(&bytes).unwrap_err();
/// let odd = std::error::Error::source(&error).and_then(|e| e.downcast_ref::<Odd>());
/// assert_eq!(odd.map(|odd| odd.0), Some(3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn raise<E: serde::de::Error>(error: impl std::error::Error + Send + Sync + 'static) -> E {
    let message = error.to_string();
    notes::note_raised(Box::new(error));
    E::custom(message)
}

/// A version 2 body: the payload, the shape table, the table's length (u32).
fn split_shapes(rest: &[u8]) -> Result<(&[u8], Option<&[u8]>), Error> {
    let Some(table_end) = rest.len().checked_sub(4) else {
        return Err(truncated("shape table length", 4, rest.len() as u64));
    };
    let mut len = [0u8; 4];
    len.copy_from_slice(&rest[table_end..]);
    let table_len = u32::from_le_bytes(len) as usize;
    let Some(payload_end) = table_end.checked_sub(table_len) else {
        return Err(Error::ShapeTable { reason: "it claims more bytes than the envelope holds" });
    };
    Ok((&rest[..payload_end], Some(&rest[payload_end..table_end])))
}

fn body_truncated(header: &Header, available: u64) -> Error {
    let name_len = u64::from(header.name_len);
    if available < name_len {
        truncated("type name", name_len, available)
    } else {
        truncated("payload", header.payload_len, available - name_len)
    }
}

/// Reads until `buf` is full or the reader ends; returns how much was read.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(Error::Io(error)),
        }
    }
    Ok(filled)
}

const ANY_REMEDY: &str = "postcard stores no field names or type tags, so use externally tagged \
    enums (serde's default) and plain nested structs, or store such values with brine::source";

const ANY_FEATURE: &str = "a self-describing format (serde's deserialize_any or identifiers), which \
    #[serde(untagged)], internally or adjacently tagged enums (#[serde(tag = ..)]), #[serde(flatten)] \
    and types like serde_json::Value require";

fn decode_error(requested: String, offset: u64, len: u64, source: DecodeError) -> Error {
    let reason = match source {
        DecodeError::UnexpectedEnd => {
            "the payload ended inside the value (the type has more fields or elements than were stored)"
        }
        DecodeError::Varint => "an integer is malformed or too large for the requested integer type",
        DecodeError::Bool => "a bool byte is neither 0 nor 1",
        DecodeError::Char => "a char is not a Unicode scalar value",
        DecodeError::Utf8 => "a string is not valid UTF-8",
        DecodeError::OptionTag => "an Option tag is neither 0 nor 1",
    };
    Error::Decode { requested, offset, len, reason, source }
}
