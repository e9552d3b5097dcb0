//! brine's own decoder of postcard 1.x's wire format, with the load's limits
//! in its state.
//!
//! Invariants:
//!
//! - The bytes are postcard's: whatever `postcard::from_bytes` reads, this
//!   reads to the same value, and whatever it refuses, this refuses (the
//!   tests hold it to that, byte for byte). postcard's crate is the
//!   reference; this one exists because it is faster here (no wrapper per
//!   value, the limits in one struct, a one-byte fast path for varints).
//! - No input makes it panic, loop without bound or allocate more than the
//!   bytes left justify: every length is checked against the bytes left
//!   before it is used, and the size hints handed to visitors never exceed
//!   them.
//! - Each struct, enum, sequence, map, tuple, option, newtype and unit
//!   struct is one level of depth; past [`Options::max_depth`] the decode
//!   stops. Every element of a sequence, map, tuple or struct costs one
//!   unit of a budget of the payload's length plus
//!   [`Options::max_zero_sized`]: counted up front when the bytes left could
//!   hold that many elements, one by one otherwise (where running out of
//!   bytes comes first for all but zero-sized elements).
//! - The decoder's error ([`Fail`]) is one byte, so a `Result` per element
//!   stays small; what a `Deserialize` impl says lives in [`notes`], touched
//!   only when something goes wrong.
//!
//! [`Options::max_depth`]: crate::Options::max_depth
//! [`Options::max_zero_sized`]: crate::Options::max_zero_sized

use std::fmt;

use serde::de;

mod deserializer;
pub(crate) mod notes;

/// What was wrong with the payload's bytes, as the decoder found it: the
/// [`source`](std::error::Error::source) of
/// [`load::Error::Decode`](crate::load::Error::Decode).
///
/// ```
/// let bytes = brine_io::dump(&2u8)?;
/// let options = brine_io::Options::new().check_type(false).check_shape(false);
/// let error = options.load::<bool>(&bytes).unwrap_err();
/// let source = std::error::Error::source(&error).and_then(|e| e.downcast_ref::<brine_io::load::DecodeError>());
/// assert_eq!(source, Some(&brine_io::load::DecodeError::Bool));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// The payload ended inside a value.
    UnexpectedEnd,
    /// A varint is longer than its integer type's longest encoding, or its
    /// last byte carries bits the type does not have.
    Varint,
    /// A bool byte is neither 0 nor 1.
    Bool,
    /// A char is longer than 4 bytes, or its bytes are not exactly one
    /// UTF-8 encoded char.
    Char,
    /// A string's bytes are not UTF-8.
    Utf8,
    /// An Option's tag is neither 0 nor 1.
    OptionTag,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::UnexpectedEnd => "unexpected end of the payload",
            DecodeError::Varint => "malformed varint: too long, or too large for its integer type",
            DecodeError::Bool => "bool byte other than 0 or 1",
            DecodeError::Char => "char that is not one UTF-8 encoded char of at most 4 bytes",
            DecodeError::Utf8 => "string that is not UTF-8",
            DecodeError::OptionTag => "Option tag other than 0 or 1",
        })
    }
}

impl std::error::Error for DecodeError {}

/// The error the value's code sees while brine decodes: one byte. A custom
/// message, or the limit that stopped the decode, waits in [`notes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fail {
    /// The bytes are not postcard's encoding of the type.
    Bytes(DecodeError),
    /// A `Deserialize` impl refused a value (`de::Error::custom`).
    Custom,
    /// A limit stopped the decode ([`Decoder::exceeded`] says which).
    Limit,
    /// The type needs `deserialize_any` or identifiers, which postcard's
    /// bytes can't give.
    Unsupported,
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Bytes(error) => error.fmt(f),
            Fail::Custom => notes::with_message(|message| {
                f.write_str(message.unwrap_or("a Deserialize impl refused the value"))
            }),
            Fail::Limit => f.write_str(
                "the value nests deeper or holds more elements than the load allows \
                 (Options::max_depth, Options::max_zero_sized)",
            ),
            Fail::Unsupported => f.write_str(
                "postcard's bytes are not self-describing: deserialize_any, deserialize_identifier \
                 and deserialize_ignored_any are not supported",
            ),
        }
    }
}

impl std::error::Error for Fail {}

impl de::Error for Fail {
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> Self {
        notes::note_message(message.to_string());
        Fail::Custom
    }
}

/// The decode's error when a visitor forgot a sequence ([`Decoder::lost`]).
#[cold]
pub(crate) fn forgotten() -> Fail {
    de::Error::custom(
        "a Deserialize impl forgot a SeqAccess (std::mem::forget) instead of dropping it: \
         brine cannot tell where its elements ended",
    )
}

impl From<DecodeError> for Fail {
    #[inline]
    fn from(error: DecodeError) -> Self {
        Fail::Bytes(error)
    }
}

/// Which limit stopped a decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// Values nest deeper than the depth limit.
    Depth,
    /// More elements than the budget.
    Elements,
}

/// The decoder: the bytes left, and what the limits leave.
#[derive(Debug)]
pub(crate) struct Decoder<'de> {
    input: Bytes<'de>,
    elements_left: u64,
    depth_left: u32,
    /// The elements of the sequence being read that were not counted up
    /// front: they count one by one as they are read.
    uncounted: usize,
    exceeded: Option<Exceeded>,
}

impl<'de> Decoder<'de> {
    /// A decoder of `payload`, values nesting at most `max_depth` levels,
    /// with room for `max_zero_sized` elements beyond one per payload byte.
    pub(crate) fn new(payload: &'de [u8], max_depth: u32, max_zero_sized: u64) -> Self {
        Decoder {
            input: Bytes(payload),
            elements_left: (payload.len() as u64).saturating_add(max_zero_sized),
            depth_left: max_depth,
            uncounted: 0,
            exceeded: None,
        }
    }

    /// The bytes not decoded yet.
    #[inline(always)]
    pub(crate) fn rest(&self) -> &'de [u8] {
        self.input.0
    }

    /// Whether a visitor forgot a sequence (`mem::forget`) instead of
    /// dropping it: where its elements ended is unknown, and the decoder
    /// read nothing after it (see `deserializer::Seq`).
    pub(crate) fn lost(&self) -> bool {
        self.input.is_unknown()
    }

    /// The limit that stopped the decode, if one did.
    pub(crate) fn exceeded(&self) -> Option<Exceeded> {
        self.exceeded
    }

    #[cold]
    fn exceed(&mut self, which: Exceeded) -> Fail {
        self.exceeded = Some(which);
        Fail::Limit
    }

    // -- the limits ------------------------------------------------------------

    /// Runs `f` one level deeper; the level is left however `f` ends, also
    /// by a panic that a visitor further out catches and goes on from.
    #[inline(always)]
    fn nested<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R, Fail>) -> Result<R, Fail> {
        if self.depth_left == 0 {
            return Err(self.exceed(Exceeded::Depth));
        }
        self.depth_left -= 1;
        let up = Up(self);
        f(up.0)
    }

    /// `n` more elements against the budget.
    #[inline(always)]
    fn count(&mut self, n: u64) -> Result<(), Fail> {
        match self.elements_left.checked_sub(n) {
            Some(left) => {
                self.elements_left = left;
                Ok(())
            }
            None => Err(self.exceed(Exceeded::Elements)),
        }
    }
}

/// A level entered ([`Decoder::nested`]): left when this drops.
struct Up<'a, 'de>(&'a mut Decoder<'de>);

impl Drop for Up<'_, '_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.depth_left += 1;
    }
}

/// The bytes left to decode, read from the front: a slice that shrinks,
/// every read checking its length once. A value of its own, so that a
/// sequence's elements can read a copy of it that stays in registers across
/// the element loop (see `deserializer::Seq`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bytes<'de>(&'de [u8]);

/// What [`Bytes::UNKNOWN`] points into: its middle, which no slice of any
/// payload can start at (no payload is this array, and one past the end of
/// another object is this array's start at most).
static NOWHERE: [u8; 2] = [0; 2];

impl Bytes<'static> {
    /// A place in no payload: what the decoder holds while a sequence reads
    /// its own copy (see `deserializer::Seq`), until the sequence hands it
    /// back.
    pub(crate) const UNKNOWN: Bytes<'static> = Bytes(NOWHERE.split_at(1).1.split_at(0).0);
}

impl<'de> Bytes<'de> {
    /// Whether this is [`Bytes::UNKNOWN`].
    #[inline(always)]
    pub(crate) fn is_unknown(&self) -> bool {
        std::ptr::eq(self.0.as_ptr(), Bytes::UNKNOWN.0.as_ptr())
    }

    // -- bytes -----------------------------------------------------------------

    #[inline(always)]
    fn byte(&mut self) -> Result<u8, Fail> {
        match self.0.split_first() {
            Some((&byte, rest)) => {
                self.0 = rest;
                Ok(byte)
            }
            None => Err(ended()),
        }
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'de [u8], Fail> {
        match self.0.split_at_checked(n) {
            Some((head, rest)) => {
                self.0 = rest;
                Ok(head)
            }
            None => Err(ended()),
        }
    }

    #[inline(always)]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Fail> {
        match self.0.split_first_chunk::<N>() {
            Some((head, rest)) => {
                self.0 = rest;
                Ok(*head)
            }
            None => Err(ended()),
        }
    }

    // -- varints ---------------------------------------------------------------

    /// A varint of an unsigned integer of `BITS` bits (at most 64).
    ///
    /// Varints of up to three bytes (values below 2^21) are read here, one
    /// predictable branch a byte and little code, so that the element
    /// loops of sequences stay in one piece; longer ones, the payload's
    /// last bytes and malformed varints go the byte-by-byte way, which also
    /// gives postcard's error and offset.
    #[inline(always)]
    fn varint<const BITS: u32>(&mut self) -> Result<u64, Fail> {
        if likely(self.0.len() >= 4)
            && let Some(&word) = self.0.first_chunk::<4>()
        {
            let word = u32::from_le_bytes(word);
            if word & 0x80 == 0 {
                self.0 = &self.0[1..];
                return Ok(u64::from(word & 0x7F));
            }
            let two = (word & 0x7F) | (word >> 1 & 0x3F80);
            if word & 0x8000 == 0 {
                self.0 = &self.0[2..];
                return Ok(u64::from(two));
            }
            let three = two | (word >> 2 & 0x1F_C000);
            if word & 0x80_0000 == 0 && (BITS > 21 || three >> BITS == 0) {
                self.0 = &self.0[3..];
                return Ok(u64::from(three));
            }
        }
        self.varint_slow::<BITS>()
    }

    /// A varint past the fast cases, read by [`varint_long`].
    #[inline(always)]
    fn varint_slow<const BITS: u32>(&mut self) -> Result<u64, Fail> {
        let (value, used) = varint_long::<BITS>(self.0);
        let failed = used & FAILED != 0;
        self.0 = self.0.get(used & !FAILED..).unwrap_or_default();
        if failed {
            return Err(if value == 0 { DecodeError::UnexpectedEnd } else { DecodeError::Varint }.into());
        }
        Ok(value)
    }

    /// A varint of a `u128`.
    fn varint_u128(&mut self) -> Result<u128, Fail> {
        const MAX: usize = 128usize.div_ceil(7);
        const LAST_MAX: u8 = (1 << (128 % 7)) - 1;
        let mut out = 0u128;
        for i in 0..MAX {
            let byte = self.byte()?;
            out |= u128::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                if i == MAX - 1 && byte > LAST_MAX {
                    return Err(DecodeError::Varint.into());
                }
                return Ok(out);
            }
        }
        Err(DecodeError::Varint.into())
    }

    /// A length: a varint of a `usize`, as postcard writes it on this target.
    #[inline(always)]
    fn len(&mut self) -> Result<usize, Fail> {
        Ok(self.varint::<{ usize::BITS }>()? as usize)
    }

    #[inline(always)]
    fn u16(&mut self) -> Result<u16, Fail> {
        Ok(self.varint::<16>()? as u16)
    }

    #[inline(always)]
    fn u32(&mut self) -> Result<u32, Fail> {
        Ok(self.varint::<32>()? as u32)
    }

    #[inline(always)]
    fn u64(&mut self) -> Result<u64, Fail> {
        self.varint::<64>()
    }

    /// A string's bytes, checked.
    #[inline(always)]
    fn str(&mut self) -> Result<&'de str, Fail> {
        let len = self.len()?;
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text),
            Err(_) => Err(not_utf8()),
        }
    }
}

/// The way a branch usually goes, told to the compiler by a call to a cold
/// function on the other way: it lays the usual way out straight.
#[inline(always)]
fn likely(b: bool) -> bool {
    if !b {
        cold();
    }
    b
}

#[inline(always)]
fn unlikely(b: bool) -> bool {
    if b {
        cold();
    }
    b
}

#[cold]
#[inline(always)]
fn cold() {}

/// The payload ended inside a value: made out of the way.
#[cold]
fn ended() -> Fail {
    DecodeError::UnexpectedEnd.into()
}

#[cold]
fn not_utf8() -> Fail {
    DecodeError::Utf8.into()
}

// -- zigzag ----------------------------------------------------------------------

#[inline(always)]
fn zigzag_i16(n: u16) -> i16 {
    ((n >> 1) as i16) ^ -((n & 1) as i16)
}

#[inline(always)]
fn zigzag_i32(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

#[inline(always)]
fn zigzag_i64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

#[inline(always)]
fn zigzag_i128(n: u128) -> i128 {
    ((n >> 1) as i128) ^ -((n & 1) as i128)
}

/// A varint of an unsigned integer of `BITS` bits (at most 64) at the
/// start of `input`, read as postcard reads it: at most as many bytes as the
/// type's longest encoding, the last of which may carry no bit beyond the
/// type's. Longer encodings than needed (a 0 as `80 00`) are read, as
/// postcard reads them. Hands back how many bytes it used, also on error.
///
/// A function of the bytes alone, out of line: the element loops that call
/// it keep the decoder's state in registers. Both halves of the answer come
/// back in registers: the value and the bytes used, or,
/// with [`FAILED`] set in the bytes used, 0 for an end too soon and 1 for
/// a varint refused.
#[inline(never)]
fn varint_long<const BITS: u32>(input: &[u8]) -> (u64, usize) {
    if let Some(read) = varint_word::<BITS>(input) {
        return read;
    }
    match varint_bytes::<BITS>(input) {
        (Ok(value), used) => (value, used),
        (Err(DecodeError::UnexpectedEnd), used) => (0, used | FAILED),
        (Err(_), used) => (1, used | FAILED),
    }
}

/// A varint of up to 8 bytes, valid for `BITS`, at the start of an input
/// of 8 bytes or more, read a word at a time: the first byte without a
/// continuation bit found in one step, the 7-bit groups packed in three
/// (for 1000 six-byte `u64`s, a quarter fewer instructions and 3% less
/// time than a byte at a time). `None` for anything else (longer, refused,
/// or less than 8 bytes of input), which [`varint_bytes`] reads and
/// reports. (The payload's last varint, with less input, was tried padded
/// from two 4-byte reads: no faster than the byte loop, whose predicted
/// branches make a shorter chain of work than the word's.)
#[inline(always)]
fn varint_word<const BITS: u32>(input: &[u8]) -> Option<(u64, usize)> {
    let max = BITS.div_ceil(7) as usize;
    let last_max = (1u64 << (BITS % 7)) - 1;
    let word = u64::from_le_bytes(*input.first_chunk::<8>()?);
    let ends = !word & 0x8080_8080_8080_8080;
    if ends == 0 {
        return None;
    }
    let len = (ends.trailing_zeros() / 8 + 1) as usize;
    if len > input.len() || len > max {
        return None;
    }
    let groups = word & (u64::MAX >> (64 - 8 * len)) & 0x7F7F_7F7F_7F7F_7F7F;
    if len == max && groups >> (8 * (len - 1)) > last_max {
        return None;
    }
    let pairs = groups & 0x007F_007F_007F_007F | (groups & 0x7F00_7F00_7F00_7F00) >> 1;
    let quads = pairs & 0x0000_3FFF_0000_3FFF | (pairs & 0x3FFF_0000_3FFF_0000) >> 2;
    Some((quads & 0x0FFF_FFFF | (quads & 0x0FFF_FFFF_0000_0000) >> 4, len))
}

/// The flag of a refused varint in [`varint_long`]'s bytes used.
const FAILED: usize = 1 << (usize::BITS - 1);

/// [`varint_long`], its error typed. (The same loop returning the flagged
/// pair itself compiled to 4% more instructions on long varints: kept apart.)
#[inline]
fn varint_bytes<const BITS: u32>(input: &[u8]) -> (Result<u64, DecodeError>, usize) {
    let max = BITS.div_ceil(7) as usize;
    let last_max = (1u8 << (BITS % 7)) - 1;
    let mut out = 0u64;
    // `max` is a constant: the loop unrolls into one check and branch a byte
    for i in 0..max {
        let Some(&byte) = input.get(i) else {
            return (Err(DecodeError::UnexpectedEnd), i);
        };
        out |= u64::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            if i == max - 1 && byte > last_max {
                return (Err(DecodeError::Varint), i + 1);
            }
            return (Ok(out), i + 1);
        }
    }
    (Err(DecodeError::Varint), max)
}

#[cfg(test)]
mod tests;
