//! Writing envelopes: to a `Vec<u8>`, to any writer, to a seekable writer.

use std::cell::Cell;
use std::io::{self, Seek, SeekFrom, Write};

use serde::Serialize;

use crate::encode::{Encoder, Keep, Out};
use crate::format::{FLAG_CODE, HEADER_LEN, Header, MAX_TYPE_NAME_LEN, VERSION};
use crate::type_name;

pub(crate) mod error;
pub use error::Error;

/// Room reserved for the payload before encoding starts: enough for small values.
const INITIAL_PAYLOAD_CAPACITY: usize = 64;

/// The most room a new envelope's buffer starts with for the body (a hash
/// block, 64 KiB): past that, it grows as it fills, so that a small value
/// dumped after a huge one of its type allocates little.
const MAX_INITIAL_PAYLOAD: usize = crate::encode::BLOCK;

thread_local! {
    /// The stored name (by address) of this thread's last [`dump`] and the
    /// length of its envelope: a dump of the same type next starts with room
    /// for about as much, in one allocation, rather than a few doublings.
    /// (One type only: a dump of another type, also one nested in a
    /// `Serialize` impl, takes its place.)
    static LAST_LEN: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Writes `value` as a brine envelope into a new `Vec<u8>`.
///
/// The value is encoded once, straight into the returned buffer (a pre-pass
/// to size it exactly costs more than it saves). One exception: an element
/// of a sequence that doesn't fit the room left for the sequence's fast loop
/// is serialized again, through the encoder, so a `Serialize` impl with side
/// effects may run twice for it.
///
/// When this thread's last `dump` was of the same type, the buffer starts
/// with room for about what that one took (up to 64 KiB); it grows as needed.
///
/// # Errors
///
/// [`Error::Unsupported`] when the value uses a serde feature the format
/// cannot store faithfully (`#[serde(skip_serializing_if)]`,
/// `#[serde(flatten)]`, sequences of unknown length), and
/// [`Error::Serialize`] when its `Serialize` impl fails.
///
/// # Example
///
/// ```
/// let bytes = brine_io::dump(&vec![1u32, 2, 3])?;
/// let back: Vec<u32> = brine_io::load(&bytes)?;
/// assert_eq!(back, [1, 2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dump<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    new_envelope(value, true)
}

/// [`dump`] without the shape table: a version 1 envelope, which loads with
/// the name check alone. For brine's benchmarks, to measure what the table
/// costs a dump; not part of the API.
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub fn dump_without_shapes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    new_envelope(value, false)
}

/// The envelope of `value` in a new buffer (of version 1, with no shape
/// table, unless `shapes`).
fn new_envelope<T: Serialize + ?Sized>(value: &T, shapes: bool) -> Result<Vec<u8>, Error> {
    let name = stored_name::<T>()?;
    let key = name.as_ptr() as usize;
    let head = HEADER_LEN + name.len();
    let payload = match LAST_LEN.with(Cell::get) {
        // an eighth more for a value that grew, and the room a write may
        // take before it cuts back to what it wrote
        (last, len) if last == key => {
            len.saturating_sub(head).saturating_add(len / 8 + INITIAL_PAYLOAD_CAPACITY)
        }
        _ => INITIAL_PAYLOAD_CAPACITY,
    };
    let room = head + payload.min(MAX_INITIAL_PAYLOAD);
    // the new buffer goes to the encoder as it is made, not through a
    // `&mut Vec` in memory: a 16-byte copy of the `Vec` just stored a word
    // at a time waited for those stores (a store-forwarding stall)
    let mut buf = Vec::with_capacity(room);
    open(&mut buf, name);
    // the encoder dropped where it is, at the end of the function (`drop`
    // would first copy its few hundred bytes)
    let mut encoder = Encoder::new(Out::keep(buf, HEADER_LEN));
    close(&mut encoder, value, name, 0, shapes)?;
    let buf = &mut encoder.out.buf;
    LAST_LEN.with(|last| last.set((key, buf.len())));
    // moved out of memory last, in one copy: a caller that reads the
    // returned `Vec` at once waits for no smaller stores
    Ok(std::mem::take(buf))
}

/// Appends `value` as a brine envelope to the end of `buf`, encoding once,
/// straight into `buf`'s spare room.
///
/// This is [`dump`] into a buffer you keep: clear it and dump again, and no
/// allocation happens once it has grown to the size of your values. What
/// was in `buf` before stays in front of the envelope, as with
/// [`dump_into`] into a `Vec` (which encodes twice, as for any writer); on
/// error, `buf` is left as it was.
///
/// # Errors
///
/// As [`dump`].
///
/// # Example
///
/// ```
/// let mut buf = Vec::new();
/// for n in 0..3u32 {
///     buf.clear(); // reuse the room of the last envelope
///     brine_io::dump_append(&vec![n; 100], &mut buf)?;
///     assert_eq!(brine_io::load::<Vec<u32>>(&buf)?, vec![n; 100]);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dump_append<T: Serialize + ?Sized>(value: &T, buf: &mut Vec<u8>) -> Result<(), Error> {
    let name = stored_name::<T>()?;
    write_envelope(value, name, buf)
}

/// Writes the envelope of `value` at the end of `buf`; on error (or a panic
/// in the value's `Serialize`), `buf` is left as it was.
fn write_envelope<T: Serialize + ?Sized>(value: &T, name: &str, buf: &mut Vec<u8>) -> Result<(), Error> {
    let start = buf.len();
    open(buf, name);
    // the buffer comes home when `lent` goes out of scope, dropped where
    // it is (`drop(lent)` would first copy its few hundred bytes)
    let out = Out::keep(std::mem::take(buf), start + HEADER_LEN);
    let mut lent = Lent { encoder: Encoder::new(out), home: buf, start, complete: false };
    close(&mut lent.encoder, value, name, start, true)?;
    lent.complete = true;
    Ok(())
}

/// Starts an envelope at the end of `buf`: room for its header, then the
/// stored type's name.
#[inline(always)]
fn open(buf: &mut Vec<u8>, name: &str) {
    buf.extend_from_slice(&[0u8; HEADER_LEN]);
    buf.extend_from_slice(name.as_bytes());
}

/// Ends the envelope [`open`]ed at `start` of the encoder's buffer: encodes
/// `value` (with its shape table, or alone in a version 1 envelope unless
/// `shapes`), then fills in the header.
#[inline(always)]
fn close<T: Serialize + ?Sized>(
    encoder: &mut Encoder<Keep>,
    value: &T,
    name: &str,
    start: usize,
    shapes: bool,
) -> Result<(), Error> {
    let holds_code = if shapes { encoder.body(value)? } else { encoder.payload(value)? };
    let (body_len, checksum) = encoder.out.finish()?; // a kept buffer can't fail
    let header = Header {
        version: if shapes { VERSION } else { 1 },
        flags: flags(holds_code),
        name_len: name.len() as u32,
        payload_len: body_len - name.len() as u64,
        checksum,
    };
    if let Some(place) = encoder.out.buf.get_mut(start..).and_then(<[u8]>::first_chunk_mut) {
        header.write(place);
    }
    Ok(())
}

/// The caller's buffer, lent to the encoder while it writes: given back
/// when this drops, cut to where it was unless the envelope is complete,
/// also when a `Serialize` impl panics.
struct Lent<'a> {
    encoder: Encoder<Keep>,
    home: &'a mut Vec<u8>,
    start: usize,
    complete: bool,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        *self.home = std::mem::take(&mut self.encoder.out.buf);
        if !self.complete {
            self.home.truncate(self.start);
        }
    }
}

/// Writes `value` as a brine envelope to `writer`, streaming.
///
/// The header carries the payload's length and checksum, which a writer that
/// can't seek back must know first: the value is encoded twice, once to
/// count and hash it and once to write it, and never held in memory as a
/// whole. With a file or any other `Write + Seek`, prefer
/// [`dump_into_seekable`], which encodes once.
///
/// Output is written in chunks of up to 1 MiB; the writer needs no buffering of its own.
///
/// # Errors
///
/// As [`dump`], plus [`Error::Io`] when writing fails and
/// [`Error::Unstable`] when the two encodings differ.
///
/// # Example
///
/// ```
/// let mut out = Vec::new();
/// brine_io::dump_into(&("id", 7u8), &mut out)?;
/// assert_eq!(brine_io::load::<(&str, u8)>(&out)?, ("id", 7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dump_into<T, W>(value: &T, mut writer: W) -> Result<(), Error>
where
    T: Serialize + ?Sized,
    W: Write,
{
    let name = stored_name::<T>()?;
    let ((first_len, checksum), holds_code) = stream(value, name, io::sink())?;
    let flags = flags(holds_code);
    let header =
        Header { version: VERSION, flags, name_len: name.len() as u32, payload_len: first_len, checksum };
    writer.write_all(&header.encode())?;
    writer.write_all(name.as_bytes())?;
    let ((second_len, second_checksum), _) = stream(value, name, &mut writer)?;
    if (second_len, second_checksum) != (first_len, checksum) {
        return Err(Error::Unstable { first: first_len, second: second_len });
    }
    writer.flush()?;
    Ok(())
}

/// Writes `value` as a brine envelope to a seekable writer, such as a file,
/// in one streaming pass.
///
/// The envelope is written from the writer's current position; the header is
/// filled in at the end, and the writer is left positioned after the envelope.
///
/// # Errors
///
/// As [`dump_into`]; [`Error::Io`] also when the writer does not write where
/// it was sought to, as a file opened to append does (the envelope is then
/// broken: use [`dump_into`] for such a writer).
///
/// # Example
///
/// ```
/// use std::io::{Cursor, Seek};
///
/// let mut file = Cursor::new(Vec::new());
/// brine_io::dump_into_seekable(&vec![0.5f64; 3], &mut file)?;
/// assert_eq!(brine_io::load::<Vec<f64>>(file.get_ref())?, [0.5; 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dump_into_seekable<T, W>(value: &T, mut writer: W) -> Result<(), Error>
where
    T: Serialize + ?Sized,
    W: Write + Seek,
{
    let name = stored_name::<T>()?;
    let mut encoder = Encoder::new(Out::stream_headed(&mut writer, name.as_bytes()));
    let holds_code = encoder.body(value)?;
    let mut envelope_len = 0;
    // the hashed bytes are the name and the body
    let header = |hashed_len: u64, checksum| {
        envelope_len = HEADER_LEN as u64 + hashed_len;
        let payload_len = hashed_len - name.len() as u64;
        let flags = flags(holds_code);
        Header { version: VERSION, flags, name_len: name.len() as u32, payload_len, checksum }.encode()
    };
    // a small envelope leaves in one write, its header in place; a large
    // one gets its header written at its start last
    let written = encoder.out.finish_headed(header)?;
    drop(encoder);
    if let Some(header) = written {
        let end = writer.stream_position()?;
        let start = end
            .checked_sub(envelope_len)
            .ok_or_else(|| io::Error::other("the writer's position is before the envelope it just wrote"))?;
        writer.seek(SeekFrom::Start(start))?;
        writer.write_all(&header)?;
        // a file opened to append writes at its end whatever the position:
        // the header went after the envelope, which is then no envelope
        if writer.stream_position()? != start + HEADER_LEN as u64 {
            return Err(Error::Io(io::Error::other(
                "the writer did not write the header where it was sought to (a file opened to \
                 append?); use dump_into for such a writer",
            )));
        }
        writer.seek(SeekFrom::Start(end))?;
    }
    writer.flush()?;
    Ok(())
}

fn stored_name<T: ?Sized>() -> Result<&'static str, Error> {
    let name = type_name::canonical::<T>();
    if name.len() > MAX_TYPE_NAME_LEN {
        return Err(Error::TypeNameTooLong { len: name.len(), max: MAX_TYPE_NAME_LEN });
    }
    Ok(name)
}

/// The header flags of a dump.
fn flags(holds_code: bool) -> u16 {
    if holds_code { FLAG_CODE } else { 0 }
}

/// Encodes `value`'s body (payload, shape table) into `writer` in chunks;
/// returns its length and the envelope checksum (of `name` followed by the
/// body), and whether the value holds code.
fn stream<T, W>(value: &T, name: &str, writer: W) -> Result<((u64, u64), bool), Error>
where
    T: Serialize + ?Sized,
    W: Write,
{
    let mut encoder = Encoder::new(Out::stream(writer, name.as_bytes()));
    let holds_code = encoder.body(value)?;
    let (len, checksum) = encoder.out.finish()?;
    Ok(((len, checksum), holds_code))
}
