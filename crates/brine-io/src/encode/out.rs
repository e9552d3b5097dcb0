//! Where the encoder's bytes go: a growing `Vec<u8>` or fixed chunks handed
//! to a writer, hashed block by block while they are still in cache.
//!
//! Invariants:
//! - Every write through the `Out` checks room once (`len + n <= limit`);
//!   the slow path ([`Out::spill`]) runs at most once per 64 KiB block. A
//!   [`Run`] checks only the capacity per write: its caller writes
//!   [`Run::chunk`] primitives at a time, each at most `ADVANCE` bytes, so
//!   fixed-size writes stay below the limit (a string in a chunk may push
//!   them past it, by less than a block). Below the first
//!   block boundary nothing but the bytes is touched, and the checksum is
//!   one-shot XXH3 at the end (several times faster on small envelopes than
//!   a streaming hasher).
//! - The bytes hashed are exactly the bytes after `hash_from` in the order
//!   written: the streaming hasher gives the same XXH3-64 as the one-shot
//!   hash of the whole body.
//! - Varints are written as one fixed-size store followed by a truncate, so
//!   no variable-length copy (a call to `memmove`) sits in the hot path.

use std::io::Write;

use std::hash::Hasher as _;

use twox_hash::XxHash3_64;

use crate::format::HEADER_LEN;

/// How many bytes are written between two steps of the streaming hash.
pub(crate) const BLOCK: usize = 64 * 1024;

/// How many bytes are gathered before they are handed to a writer: few
/// system calls for a large dump, little memory for any.
const WRITE: usize = 1024 * 1024;

/// Room every fixed-size write may take: the longest varint (a `u128`, 19
/// bytes) rounded up.
const SLACK: usize = 32;

/// The most one primitive moves the length: the longest varint (a
/// `u128`'s). A write may store up to `SLACK` bytes and cut them back.
const ADVANCE: usize = 19;

/// What happens to a full block.
pub(crate) trait Sink {
    /// Whether the bytes stay in the buffer (a `Vec` being filled) or leave
    /// it for a writer.
    const KEEPS: bool;

    /// Takes a full chunk (only called when `KEEPS` is false).
    fn take(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

/// The bytes stay in the buffer: `dump` and `dump_append`.
#[derive(Debug)]
pub(crate) struct Keep;

impl Sink for Keep {
    const KEEPS: bool = true;

    fn take(&mut self, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes go to a writer in chunks: `dump_into` and `dump_into_seekable`.
#[derive(Debug)]
pub(crate) struct Stream<W>(pub(crate) W);

impl<W: Write> Sink for Stream<W> {
    const KEEPS: bool = false;

    fn take(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }
}

/// The encoder's output.
pub(crate) struct Out<S> {
    pub(crate) buf: Vec<u8>,
    /// Where the bytes not yet hashed start.
    hashed: usize,
    /// Where the body (the hashed bytes) starts in `buf`, for the one-shot hash.
    hash_from: usize,
    /// How far `buf` may grow before [`Out::spill`] runs.
    limit: usize,
    /// Bytes already handed to the sink.
    taken: u64,
    /// Created when the first block is complete.
    hasher: Option<Box<XxHash3_64>>,
    sink: S,
    /// The sink's error, kept typed: the error passed up through the value's
    /// `Serialize` impls may come out as a message.
    failed: Option<std::io::Error>,
}

impl<S> std::fmt::Debug for Out<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Out")
            .field("len", &self.buf.len())
            .field("taken", &self.taken)
            .finish_non_exhaustive()
    }
}

impl Out<Keep> {
    /// Output appended to `buf`, hashing from `hash_from` on.
    pub(crate) fn keep(buf: Vec<u8>, hash_from: usize) -> Self {
        Out {
            buf,
            hashed: hash_from,
            hash_from,
            limit: hash_from + BLOCK,
            taken: 0,
            hasher: None,
            sink: Keep,
            failed: None,
        }
    }
}

impl<W: Write> Out<Stream<W>> {
    /// Output to `writer`, the hash started with `prefix` (the type name),
    /// which is not written.
    pub(crate) fn stream(writer: W, prefix: &[u8]) -> Self {
        let mut hasher = Box::new(XxHash3_64::new());
        hash(&mut hasher, prefix);
        Out {
            buf: Vec::with_capacity(BLOCK + SLACK),
            hashed: 0,
            hash_from: 0,
            limit: BLOCK,
            taken: 0,
            hasher: Some(hasher),
            sink: Stream(writer),
            failed: None,
        }
    }
}

impl<W: Write> Out<Stream<W>> {
    /// Output to `writer` of a whole envelope: room for the header, then
    /// `name`, then the body. See [`Out::finish_headed`].
    pub(crate) fn stream_headed(writer: W, name: &[u8]) -> Self {
        let mut buf = Vec::with_capacity(BLOCK + SLACK);
        buf.extend_from_slice(&[0; HEADER_LEN]);
        buf.extend_from_slice(name);
        Out {
            buf,
            hashed: HEADER_LEN,
            hash_from: HEADER_LEN,
            limit: BLOCK,
            taken: 0,
            hasher: None,
            sink: Stream(writer),
            failed: None,
        }
    }

    /// Finishes an output begun with [`Out::stream_headed`]: `header` makes
    /// the header from the body's length and checksum. When nothing has left
    /// the buffer yet, the header is put in place and the envelope leaves in
    /// one write (`None`); else the header is handed back, for the caller to
    /// write at the envelope's start.
    pub(crate) fn finish_headed(
        &mut self,
        header: impl FnOnce(u64, u64) -> [u8; HEADER_LEN],
    ) -> std::io::Result<Option<[u8; HEADER_LEN]>> {
        let (len, checksum) = self.digest();
        let header = header(len, checksum);
        let in_place = self.taken == 0;
        if in_place {
            self.buf[..HEADER_LEN].copy_from_slice(&header);
        }
        self.take_buf().map_err(|error| self.failed.take().unwrap_or(error))?;
        Ok(if in_place { None } else { Some(header) })
    }
}

/// Writing postcard's primitives into a `Vec`: the one place their bytes
/// are made, for [`Out`] (which grows, hashes and hands on its buffer) and
/// for [`Run`] (which stops where the buffer is full).
///
/// Every write calls [`room`](Put::room) once, then stores: a write that
/// gets room never fails halfway.
pub(crate) trait Put {
    /// Why a write did not happen.
    type Stop;

    /// Makes room for a write of `n` bytes, `n <= SLACK`.
    fn room(&mut self, n: usize) -> Result<(), Self::Stop>;

    /// Whether a write of `n` bytes fits with no room made.
    fn fits(&self, n: usize) -> bool;

    /// The buffer written to, with room made.
    fn buf(&mut self) -> &mut Vec<u8>;

    /// A varint of the length of `bytes`, then `bytes`: a string or byte
    /// string.
    fn prefixed(&mut self, bytes: &[u8]) -> Result<(), Self::Stop>;

    /// A varint of 4 to 10 bytes (`v >= 2^21`), out of the way of the
    /// short ones that inline into a caller's loop.
    fn varint_wide(&mut self, v: u64) -> Result<(), Self::Stop>;

    #[inline(always)]
    fn byte(&mut self, byte: u8) -> Result<(), Self::Stop> {
        self.room(1)?;
        self.buf().push(byte);
        Ok(())
    }

    /// A fixed-size write of `N <= SLACK` bytes: one store. (`extend` of an
    /// array, unlike `extend_from_slice`, never reads the length back after
    /// the copy, which lets a caller's loop keep it in a register.)
    #[inline(always)]
    fn array<const N: usize>(&mut self, bytes: [u8; N]) -> Result<(), Self::Stop> {
        self.room(N)?;
        self.buf().extend(bytes);
        Ok(())
    }

    /// The first `len` of `N` bytes: one fixed-size store, then the length
    /// is cut back (cheaper than a copy of variable length).
    #[inline(always)]
    fn prefix<const N: usize>(&mut self, bytes: [u8; N], len: usize) -> Result<(), Self::Stop> {
        self.room(N)?;
        let buf = self.buf();
        let end = buf.len() + len;
        buf.extend(bytes);
        buf.truncate(end);
        Ok(())
    }

    /// The varint in a [`wide`] word, then the length cut back to the bytes
    /// that count. Up to 8 bytes (below 2^56) it is one 8-byte store
    /// straight from a register: stored as one 16-byte array, the word went
    /// through the stack, and the 16-byte load of its two 8-byte halves
    /// waited for both stores (a store-forwarding stall that was a tenth
    /// of a small struct's dump).
    #[inline(always)]
    fn wide_word(&mut self, word: u128) -> Result<(), Self::Stop> {
        self.room(16)?;
        let buf = self.buf();
        let len = (word >> 120) as usize;
        let end = buf.len() + len;
        if len <= 8 {
            buf.extend((word as u64).to_le_bytes());
        } else {
            buf.extend(word.to_le_bytes());
        }
        buf.truncate(end);
        Ok(())
    }

    /// A `u64` as a LEB128 varint (postcard's `u16`, `u32`, `u64`, `usize`
    /// and lengths).
    #[inline(always)]
    fn varint(&mut self, v: u64) -> Result<(), Self::Stop> {
        if v < 0x80 {
            return self.byte(v as u8);
        }
        if v < 1 << 14 {
            let v = v as u16;
            return self.array((v & 0x7f | 0x80 | (v >> 7) << 8).to_le_bytes());
        }
        if v < 1 << 21 {
            let v = v as u32;
            let bytes = v & 0x7f | 0x80 | ((v >> 7) & 0x7f | 0x80) << 8 | (v >> 14) << 16;
            return self.prefix(bytes.to_le_bytes(), 3);
        }
        self.varint_wide(v)
    }

    /// A `u128` as a LEB128 varint.
    #[inline]
    fn varint_u128(&mut self, v: u128) -> Result<(), Self::Stop> {
        match u64::try_from(v) {
            Ok(v) => self.varint(v),
            Err(_) => {
                let (bytes, len) = varint_long(v);
                self.prefix(bytes, len)
            }
        }
    }
}

/// [`wide`], called.
#[inline(never)]
fn wide_out_of_line(v: u64) -> u128 {
    wide(v)
}

/// A varint of 4 to 10 bytes (`v >= 2^21`) in the low bytes of the word,
/// its length in the top byte.
#[inline(always)]
fn wide(v: u64) -> u128 {
    debug_assert!(v >= 1 << 21, "a short varint is written inline");
    // spread the low 8 groups of 7 bits over 8 bytes, halving the lanes
    // each step (4 bytes of 28 bits, 2 of 14, 1 of 7), then set the
    // continuation bit of all but the last used byte: no branch
    let halves = v & 0x0fff_ffff | (v & 0x00ff_ffff_f000_0000) << 4;
    let quarters = halves & 0x0000_3fff_0000_3fff | (halves & 0x0fff_c000_0fff_c000) << 2;
    let spread = quarters & 0x007f_007f_007f_007f | (quarters & 0x3f80_3f80_3f80_3f80) << 1;
    let len = (64 + 6 - v.leading_zeros()) / 7;
    if len <= 8 {
        let continuation = 0x8080_8080_8080_8080 & ((1u64 << (8 * (len - 1))) - 1);
        return u128::from(spread | continuation) | u128::from(len) << 120;
    }
    // the top 8 bits: one more byte, or two
    let top = v >> 56;
    let tail = if top < 0x80 { top } else { top & 0x7f | 0x80 | (top >> 7) << 8 };
    u128::from(spread | 0x8080_8080_8080_8080) | u128::from(tail) << 64 | u128::from(len) << 120
}

/// Any `u128` as a varint (up to 19 bytes), and its length.
#[cold]
#[inline(never)]
fn varint_long(mut v: u128) -> ([u8; 20], usize) {
    let mut bytes = [0u8; 20];
    let mut len = 0;
    while v >= 0x80 {
        bytes[len] = (v as u8) | 0x80;
        v >>= 7;
        len += 1;
    }
    bytes[len] = v as u8;
    (bytes, len + 1)
}

impl<S: Sink> Put for Out<S> {
    type Stop = std::io::Error;

    #[inline(always)]
    fn room(&mut self, n: usize) -> std::io::Result<()> {
        // the second test is the one `Vec` makes before it writes: made here,
        // the compiler drops it there, and both share one slow path
        if !self.fits(n) {
            self.make_room(n)?;
        }
        Ok(())
    }

    #[inline(always)]
    fn fits(&self, n: usize) -> bool {
        self.buf.len() + n <= self.limit && self.buf.capacity() - self.buf.len() >= n
    }

    #[inline(always)]
    fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Out of line, `self` and all: the encoder's buffer is in memory anyway.
    #[inline(never)]
    fn varint_wide(&mut self, v: u64) -> std::io::Result<()> {
        let word = wide(v);
        if !self.fits(16) {
            // a call in tail position: the path that fits saves no registers for it
            return self.wide_out_of_room(word);
        }
        self.wide_word(word)
    }

    #[inline]
    fn prefixed(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.varint(bytes.len() as u64)?;
        self.bytes(bytes)
    }
}

/// A run of primitives written straight into an [`Out`]'s buffer, up to its
/// capacity and its next block boundary. The run holds the buffer itself
/// while it lasts (and gives it back when dropped, also on a panic), and
/// never grows it: with no call in a loop over a `Run` that could see the
/// buffer, the compiler keeps its pointer, length and capacity in
/// registers. A write that doesn't fit is not made: it stops the run, and the
/// caller writes it through the `Out`.
///
/// A fixed-size write checks the capacity alone, the one test `Vec` makes
/// (so the compiler drops `Vec`'s). The block boundary is the caller's: it
/// writes at most [`chunk`](Run::chunk) primitives before it asks again.
/// With one test per element whose bound doesn't move, the compiler can
/// count a loop over numbers ahead and copy several at once (a loop that
/// also tested the boundary per element wrote `f64`s one at a time, at
/// twice the cost).
pub(crate) struct Run<'a> {
    buf: Vec<u8>,
    /// The `Out`'s limit (the next block boundary) or the capacity, whichever
    /// comes first, and never before the length.
    limit: usize,
    home: &'a mut Vec<u8>,
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        std::mem::swap(self.home, &mut self.buf);
    }
}

/// A write that a [`Run`] did not make.
#[derive(Debug)]
pub(crate) struct Stop;

impl Put for Run<'_> {
    type Stop = Stop;

    #[inline(always)]
    fn room(&mut self, n: usize) -> Result<(), Stop> {
        // the capacity test is the one `Vec` makes before it writes: made
        // here, the compiler drops it there, and with it the call that grows
        // (the limit is the caller's: see `chunk`)
        if self.fits(n) { Ok(()) } else { Err(Stop) }
    }

    #[inline(always)]
    fn fits(&self, n: usize) -> bool {
        self.buf.capacity() - self.buf.len() >= n
    }

    #[inline(always)]
    fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// The bytes made out of line, by a function that doesn't take `self`:
    /// one that did would keep the run's buffer out of registers in every
    /// loop that inlines this.
    #[inline(always)]
    fn varint_wide(&mut self, v: u64) -> Result<(), Stop> {
        self.wide_word(wide_out_of_line(v))
    }

    #[inline]
    fn prefixed(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        // room for all of it before the limit: a run never writes half a
        // value (the limit is never past the capacity; the length may pass
        // the limit, after the fixed-size writes of a chunk that held a
        // string, so the room saturates)
        if self.limit.saturating_sub(self.buf.len()).saturating_sub(SLACK) < bytes.len() {
            return Err(Stop);
        }
        self.varint(bytes.len() as u64)?;
        self.buf.extend_from_slice(bytes);
        Ok(())
    }
}

impl Run<'_> {
    /// How many more primitives surely fit before the limit: a caller
    /// writes that many, then asks again. When the capacity comes first,
    /// the test each write makes is the limit: no count is needed.
    #[inline(always)]
    pub(crate) fn chunk(&self) -> usize {
        if self.limit >= self.buf.capacity() {
            return usize::MAX;
        }
        self.limit.saturating_sub(self.buf.len()) / ADVANCE
    }
}

impl<S: Sink> Out<S> {
    /// A run of writes into the buffer as it is: see [`Run`].
    #[inline]
    pub(crate) fn run(&mut self) -> Run<'_> {
        let limit = self.limit.min(self.buf.capacity()).max(self.buf.len());
        Run { buf: std::mem::take(&mut self.buf), limit, home: &mut self.buf }
    }

    /// Room for a run's next chunk, when the last one ended less than
    /// `ADVANCE` bytes before the limit or the capacity: the block is hashed
    /// (and handed on) a little early, and the buffer grows if it must.
    /// Afterwards [`Run::chunk`] is at least 1, also for elements that write
    /// nothing (a sequence of `()` never reaches the limit by itself).
    #[cold]
    #[inline(never)]
    pub(crate) fn open_block(&mut self) -> std::io::Result<()> {
        if self.buf.len() + ADVANCE > self.limit {
            self.spill()?;
        }
        self.buf.reserve(SLACK);
        Ok(())
    }

    /// [`Put::wide_word`], making room first.
    #[cold]
    #[inline(never)]
    fn wide_out_of_room(&mut self, word: u128) -> std::io::Result<()> {
        self.wide_word(word)
    }

    #[cold]
    #[inline(never)]
    fn make_room(&mut self, n: usize) -> std::io::Result<()> {
        if self.buf.len() + n > self.limit {
            self.spill()?;
        }
        self.buf.reserve(n);
        Ok(())
    }

    /// Hashes what was written since the last spill, hands it to the sink if
    /// it leaves the buffer, and moves the limit one block on.
    #[cold]
    #[inline(never)]
    fn spill(&mut self) -> std::io::Result<()> {
        let hasher = self.hasher.get_or_insert_with(|| Box::new(XxHash3_64::new()));
        hash(hasher, &self.buf[self.hashed..]);
        self.hashed = self.buf.len();
        if !S::KEEPS && self.buf.len() >= WRITE {
            self.take_buf()?;
        }
        self.limit = self.hashed + BLOCK;
        Ok(())
    }

    /// Hands the buffer to the sink and empties it (all of it hashed, or
    /// about to be: what the hasher has not seen starts at 0 again).
    fn take_buf(&mut self) -> std::io::Result<()> {
        let result = give(&mut self.sink, self.failed.as_ref(), &self.buf);
        self.taken += self.buf.len() as u64;
        self.buf.clear();
        self.hashed = 0;
        self.kept(result)
    }

    /// Keeps the sink's error, and hands back one that says it is kept.
    fn kept(&mut self, result: std::io::Result<()>) -> std::io::Result<()> {
        result.map_err(|error| {
            let message = error.to_string();
            self.failed.get_or_insert(error);
            std::io::Error::other(message)
        })
    }

    /// The sink's first error, if it failed.
    pub(crate) fn take_failure(&mut self) -> Option<std::io::Error> {
        self.failed.take()
    }

    /// How many bytes were written after `hash_from` so far.
    pub(crate) fn written(&self) -> usize {
        usize::try_from(self.taken)
            .unwrap_or(usize::MAX)
            .saturating_add(self.buf.len())
            .saturating_sub(self.hash_from)
    }

    /// Room for about `n` more bytes in a kept buffer (at most 64 MiB at
    /// once: a hint, never a promise).
    pub(crate) fn reserve_hint(&mut self, n: usize) {
        if S::KEEPS {
            self.buf.reserve(n.min(64 << 20));
        }
    }

    /// Room for a run of about `n` bytes, and `ADVANCE` more: a run whose
    /// room ends within `ADVANCE` bytes of its last element grows the
    /// buffer to write it.
    pub(crate) fn reserve_run(&mut self, n: usize) {
        self.reserve_hint(n.saturating_add(ADVANCE));
    }

    /// Bytes of any length (strings, byte strings).
    #[inline]
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.buf.len() + bytes.len() <= self.limit {
            self.buf.extend_from_slice(bytes);
            return Ok(());
        }
        self.spill_bytes(bytes)
    }

    #[cold]
    #[inline(never)]
    fn spill_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.spill()?;
        if S::KEEPS || bytes.len() < BLOCK {
            // a kept buffer grows; a chunk has room for anything under a block
            self.buf.extend_from_slice(bytes);
            return Ok(());
        }
        // a long string or byte string goes to the writer as it is, after
        // what the buffer holds
        if !self.buf.is_empty() {
            self.take_buf()?;
            self.limit = BLOCK;
        }
        if let Some(hasher) = &mut self.hasher {
            hash(hasher, bytes);
        }
        let result = give(&mut self.sink, self.failed.as_ref(), bytes);
        self.taken += bytes.len() as u64;
        self.kept(result)
    }

    /// Finishes: hands the last bytes to the sink; returns the number of
    /// bytes written after `hash_from`, and their checksum. (The bytes, when they
    /// stay in the buffer, are in `buf`.)
    pub(crate) fn finish(&mut self) -> std::io::Result<(u64, u64)> {
        let (len, checksum) = self.digest();
        if !S::KEEPS {
            self.take_buf().map_err(|error| self.failed.take().unwrap_or(error))?;
        }
        Ok((len, checksum))
    }

    /// The length of the bytes written after `hash_from`, and their checksum.
    fn digest(&mut self) -> (u64, u64) {
        let checksum = match self.hasher.as_mut() {
            None => XxHash3_64::oneshot(&self.buf[self.hash_from..]),
            Some(hasher) => {
                hash(hasher, &self.buf[self.hashed..]);
                hasher.finish()
            }
        };
        (self.taken + self.buf.len() as u64 - self.hash_from as u64, checksum)
    }
}

/// Feeds `bytes` to the streaming hasher, behind a call, through a copy of
/// its state on the stack. The hasher's loop keeps its accumulators in
/// registers only where the compiler can tell that nothing else reaches
/// them: handed the boxed state (reached through `self` elsewhere), it kept
/// them in memory, a store and a load per 64 bytes, in some builds and not
/// others as brine-io's code changed (a million-float dump took 620 µs
/// instead of 320 µs, and with one codegen unit 318 µs). Given a local
/// whose address goes nowhere else, the builds measured keep them in
/// registers. (The copy is a few hundred bytes per 64 KiB block.)
#[inline(never)]
fn hash(hasher: &mut XxHash3_64, bytes: &[u8]) {
    let mut local = std::mem::take(hasher);
    local.write(bytes);
    *hasher = local;
}

/// Hands `bytes` to `sink`, unless it has `failed` already: a writer that
/// lost bytes must not get the ones after them (a `Serialize` impl may go
/// on after an error it was handed).
fn give<S: Sink>(sink: &mut S, failed: Option<&std::io::Error>, bytes: &[u8]) -> std::io::Result<()> {
    match failed {
        Some(failed) => Err(std::io::Error::new(failed.kind(), failed.to_string())),
        None => sink.take(bytes),
    }
}

/// A signed integer's zigzag form: small magnitudes, small varints.
#[inline(always)]
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// A signed `i128`'s zigzag form.
#[inline(always)]
pub(crate) fn zigzag_128(v: i128) -> u128 {
    ((v << 1) ^ (v >> 127)) as u128
}

#[cfg(test)]
mod tests {
    use super::*;
    // an independent XXH3, as the reference
    use xxhash_rust::xxh3::xxh3_64;

    fn varint_bytes(v: u128) -> Vec<u8> {
        let mut out = Out::keep(Vec::new(), 0);
        out.varint_u128(v).ok();
        out.buf
    }

    fn reference(mut v: u128) -> Vec<u8> {
        let mut bytes = Vec::new();
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                bytes.push(byte);
                return bytes;
            }
            bytes.push(byte | 0x80);
        }
    }

    #[test]
    fn varints_are_leb128_at_every_boundary() {
        for shift in 0..128u32 {
            let base = 1u128 << shift;
            for v in [base - 1, base, base + 1, base.wrapping_mul(3) / 2] {
                assert_eq!(varint_bytes(v), reference(v), "{v:#x}");
            }
        }
        assert_eq!(varint_bytes(u128::MAX), reference(u128::MAX));
        assert_eq!(varint_bytes(u128::MAX).len(), 19);
    }

    #[test]
    fn zigzag_matches_the_definition() {
        for v in [0i64, -1, 1, -2, 2, i64::MAX, i64::MIN, 12345, -12345] {
            let expected = if v >= 0 { (v as u64) * 2 } else { (-(v + 1)) as u64 * 2 + 1 };
            assert_eq!(zigzag(v), expected, "{v}");
            assert_eq!(zigzag_128(i128::from(v)), u128::from(expected));
        }
        assert_eq!(zigzag_128(i128::MIN), u128::MAX);
    }

    /// Writes `chunk` elements at a time, as the encoder's sequences do,
    /// each a string of `text` bytes every `every` elements, else the
    /// longest varint; returns where the run stopped and its limit.
    fn chunked(capacity: usize, text: usize, every: usize) -> (usize, usize) {
        let mut out = Out::keep(Vec::with_capacity(capacity), 0);
        let mut run = out.run();
        let mut i = 0usize;
        'run: loop {
            let chunk = run.chunk();
            if chunk == 0 {
                break;
            }
            for _ in 0..chunk {
                i += 1;
                let wrote = if i.is_multiple_of(every) {
                    run.prefixed(&vec![b'x'; text])
                } else {
                    run.varint_u128(u128::MAX)
                };
                if wrote.is_err() {
                    break 'run;
                }
            }
        }
        (run.buf.len(), run.limit)
    }

    /// A run never grows its buffer, and its fixed-size writes end within
    /// `SLACK` of the block boundary; strings in a chunk may push them past
    /// it, by less than a block (the hash still sees each block warm).
    #[test]
    fn a_run_in_chunks_keeps_to_its_block() {
        for capacity in [BLOCK / 3, BLOCK, 4 * BLOCK] {
            let limit = capacity.min(BLOCK);
            let (len, run_limit) = chunked(capacity, 0, usize::MAX);
            assert_eq!(run_limit, limit);
            assert!(len <= limit && limit - len < SLACK, "{capacity}: {len} of {limit}");
            for (text, every) in [(100, 3), (1000, 2), (BLOCK / 2, 5), (BLOCK, 1)] {
                let (len, _) = chunked(capacity, text, every);
                assert!(len <= capacity, "{capacity} {text} {every}: {len}");
                assert!(len < limit + BLOCK, "{capacity} {text} {every}: {len} of {limit}");
            }
        }
    }

    #[test]
    fn the_streamed_hash_is_the_one_shot_hash() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut out = Out::keep(vec![9; 5], 5);
        for chunk in data.chunks(1000) {
            for &b in &chunk[..10] {
                out.byte(b).ok();
            }
            out.bytes(&chunk[10..]).ok();
        }
        let (len, checksum) = out.finish().ok().unwrap_or_default();
        let buf = out.buf;
        assert_eq!(len, data.len() as u64);
        assert_eq!(&buf[5..], &data[..]);
        assert_eq!(checksum, xxh3_64(&data));

        let mut written = Vec::new();
        let mut out = Out::stream(&mut written, b"name");
        out.bytes(&data[..100]).ok();
        out.bytes(&data[100..200_000]).ok();
        for &b in &data[200_000..] {
            out.byte(b).ok();
        }
        let (len, checksum) = out.finish().ok().unwrap_or_default();
        drop(out);
        assert_eq!(len, data.len() as u64);
        assert_eq!(written, data);
        let mut named = b"name".to_vec();
        named.extend_from_slice(&data);
        assert_eq!(checksum, xxh3_64(&named));
    }
}
