//! The envelope's byte layout (docs/FORMAT.md is the spec) and its checks.
//!
//! ```text
//! offset  size  field
//!      0     8  magic          89 42 52 49 4E 45 0D 0A   ("\x89BRINE\r\n")
//!      8     2  version        u16 little-endian, 2 (1 still read)
//!     10     2  flags          u16 little-endian: bit 0 = holds code, others 0
//!     12     4  name length    u32 little-endian, N
//!     16     8  body length    u64 little-endian, L
//!     24     8  checksum       u64 little-endian: XXH3-64 (seed 0) of name ++ body
//!     32     N  type name      UTF-8, canonical form of the stored type
//!   32+N     L  body           version 1: the postcard encoding of the value;
//!                              version 2: that, the shape table (S bytes), S as u32 LE
//! ```

use crate::load::error::{self as load, HexBytes}; // the error alone: no loop back into load.rs

/// The first eight bytes of every envelope: a non-ASCII byte (so text tools
/// don't take the file for text), the name, and CR LF (so a newline
/// translation is caught at once).
pub const MAGIC: [u8; 8] = *b"\x89BRINE\r\n";
/// The format version this library writes (it reads this one and every
/// earlier one).
pub const VERSION: u16 = 2;
/// The first version whose body ends with a shape table.
pub(crate) const SHAPES_SINCE: u16 = 2;
/// Length of the fixed header that precedes the type name.
pub const HEADER_LEN: usize = 32;
/// Header flag: the payload holds code (functions stored by reference), which
/// a plain load refuses before decoding; see [`Trust`](crate::Trust).
pub const FLAG_CODE: u16 = 0x0001;
/// The flags this library understands.
const KNOWN_FLAGS: u16 = FLAG_CODE;
/// The longest type name the format stores.
pub const MAX_TYPE_NAME_LEN: usize = 64 * 1024;

/// The fixed header, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub version: u16,
    pub flags: u16,
    pub name_len: u32,
    pub payload_len: u64,
    pub checksum: u64,
}

impl Header {
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        self.write(&mut out);
        out
    }

    /// Writes the header's bytes into `out` in place: a field at a time,
    /// straight from registers. (Made on the stack and copied, its 16-byte
    /// loads each waited for the smaller stores they spanned: a
    /// store-forwarding stall that was a tenth of a small dump.)
    #[inline]
    pub(crate) fn write(&self, out: &mut [u8; HEADER_LEN]) {
        out[..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&self.version.to_le_bytes());
        out[10..12].copy_from_slice(&self.flags.to_le_bytes());
        out[12..16].copy_from_slice(&self.name_len.to_le_bytes());
        out[16..24].copy_from_slice(&self.payload_len.to_le_bytes());
        out[24..32].copy_from_slice(&self.checksum.to_le_bytes());
    }

    /// The header at the start of `input`, if it is one this library reads
    /// (magic, version, known flags); `None` otherwise, and
    /// [`decode`](Self::decode) says why. The way a load that goes well
    /// takes: no error is made, so nothing is moved around for one.
    #[inline(always)]
    pub(crate) fn read(input: &[u8]) -> Option<Header> {
        let fixed = input.first_chunk::<HEADER_LEN>()?;
        let version = u16::from_le_bytes([fixed[8], fixed[9]]);
        let flags = u16::from_le_bytes([fixed[10], fixed[11]]);
        if fixed[..8] != MAGIC || version == 0 || version > VERSION || flags & !KNOWN_FLAGS != 0 {
            return None;
        }
        Some(Header {
            version,
            flags,
            name_len: u32::from_le_bytes(le(&fixed[12..16])),
            payload_len: u64::from_le_bytes(le(&fixed[16..24])),
            checksum: u64::from_le_bytes(le(&fixed[24..32])),
        })
    }

    /// Checks magic, version and that every flag is known, and decodes the lengths and checksum.
    ///
    /// `input` may be shorter than a header: a prefix of the magic is reported
    /// as truncated, anything else as not brine.
    #[inline]
    pub(crate) fn decode(input: &[u8]) -> Result<Header, load::Error> {
        // the whole magic compared as one word, without a call
        let magic = match input.first_chunk::<8>() {
            Some(head) => *head == MAGIC,
            None => MAGIC.starts_with(input),
        };
        if !magic {
            let shown = &input[..input.len().min(MAGIC.len())];
            return Err(load::Error::NotBrine {
                expected: HexBytes(MAGIC.to_vec()),
                found: HexBytes(shown.to_vec()),
            });
        }
        let Some(fixed) = input.get(..HEADER_LEN) else {
            return Err(truncated("header", HEADER_LEN as u64, input.len() as u64));
        };
        let version = u16::from_le_bytes([fixed[8], fixed[9]]);
        if version == 0 || version > VERSION {
            return Err(load::Error::UnsupportedVersion { found: version, supported: VERSION });
        }
        let flags = u16::from_le_bytes([fixed[10], fixed[11]]);
        if flags & !KNOWN_FLAGS != 0 {
            return Err(load::Error::UnsupportedFlags { found: flags, known: KNOWN_FLAGS });
        }
        Ok(Header {
            version,
            flags,
            name_len: u32::from_le_bytes(le(&fixed[12..16])),
            payload_len: u64::from_le_bytes(le(&fixed[16..24])),
            checksum: u64::from_le_bytes(le(&fixed[24..32])),
        })
    }

    /// Checks both lengths against their caps.
    pub(crate) fn check_caps(&self, max_len: u64) -> Result<(), load::Error> {
        if self.name_len as usize > MAX_TYPE_NAME_LEN {
            return Err(load::Error::TooLarge {
                part: "type name",
                len: u64::from(self.name_len),
                max: MAX_TYPE_NAME_LEN as u64,
            });
        }
        if self.payload_len > max_len {
            return Err(load::Error::TooLarge { part: "payload", len: self.payload_len, max: max_len });
        }
        Ok(())
    }

    /// Length of name and payload together, which the caps keep far from overflow.
    pub(crate) fn body_len(&self) -> u64 {
        u64::from(self.name_len).saturating_add(self.payload_len)
    }
}

#[inline(always)]
fn le<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

pub(crate) fn truncated(part: &'static str, needed: u64, available: u64) -> load::Error {
    load::Error::Truncated { part, needed, available }
}

/// The checksum of an envelope's body: its type name followed by its payload,
/// which lie next to each other, so one call hashes both (the one-shot hash is
/// several times faster than a streaming hasher on small envelopes).
pub(crate) fn checksum(body: &[u8]) -> u64 {
    twox_hash::XxHash3_64::oneshot(body)
}
