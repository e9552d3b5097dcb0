//! Writing envelopes: to a `Vec<u8>`, to any writer, to a seekable writer.

use std::io::{self, Seek, SeekFrom, Write};

use postcard::ser_flavors::Flavor;
use serde::Serialize;
use xxhash_rust::xxh3::{Xxh3Default, xxh3_64};

use crate::format::{FLAG_CODE, HEADER_LEN, Header, MAX_TYPE_NAME_LEN, VERSION};
use crate::shape::Table;
use crate::{guard, trust, type_name};

pub(crate) mod error;
pub use error::Error;

/// Room reserved for the payload before encoding starts: enough for small values.
const INITIAL_PAYLOAD_CAPACITY: usize = 64;

/// Writes `value` as a brine envelope into a new `Vec<u8>`.
///
/// The value is encoded once, straight into the returned buffer, which grows
/// as needed (a pre-pass to size it exactly costs more than the few doublings
/// it saves).
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
    let name = stored_name::<T>()?;
    let mut buf = Vec::with_capacity(HEADER_LEN + name.len() + INITIAL_PAYLOAD_CAPACITY);
    buf.extend_from_slice(&[0u8; HEADER_LEN]);
    buf.extend_from_slice(name.as_bytes());
    let mut ser = postcard::Serializer { output: VecFlavor(buf) };
    let (result, holds_code) = trust::dumping(|| guard::serialize(value, &mut ser));
    let table = result?;
    let mut buf = ser.output.0;
    append_shapes(&table, &mut buf);
    table.recycle();
    let header = Header {
        version: VERSION,
        flags: flags(holds_code),
        name_len: name.len() as u32,
        payload_len: (buf.len() - HEADER_LEN - name.len()) as u64,
        checksum: xxh3_64(&buf[HEADER_LEN..]),
    };
    buf[..HEADER_LEN].copy_from_slice(&header.encode());
    Ok(buf)
}

/// Writes `value` as a brine envelope to `writer`, streaming.
///
/// The header carries the payload's length and checksum, which a writer that
/// can't seek back must know first: the value is encoded twice, once to
/// count and hash it and once to write it, and never held in memory as a
/// whole. With a file or any other `Write + Seek`, prefer
/// [`dump_into_seekable`], which encodes once.
///
/// Output is written in 64 KiB chunks; the writer needs no buffering of its own.
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
/// As [`dump_into`].
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
    let start = writer.stream_position()?;
    writer.write_all(&[0u8; HEADER_LEN])?;
    writer.write_all(name.as_bytes())?;
    let ((payload_len, checksum), holds_code) = stream(value, name, &mut writer)?;
    let flags = flags(holds_code);
    let header = Header { version: VERSION, flags, name_len: name.len() as u32, payload_len, checksum };
    let end = writer.stream_position()?;
    writer.seek(SeekFrom::Start(start))?;
    writer.write_all(&header.encode())?;
    writer.seek(SeekFrom::Start(end))?;
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

/// Appends the shape table and its length: the end of a version 2 body.
fn append_shapes(table: &Table, out: &mut Vec<u8>) {
    let start = out.len();
    table.encode(out);
    let len = (out.len() - start) as u32;
    out.extend_from_slice(&len.to_le_bytes());
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
    let mut hasher = Xxh3Default::new();
    hasher.update(name.as_bytes());
    let sink = ChunkFlavor { chunk: Vec::with_capacity(CHUNK), writer, hasher, len: 0, error: None };
    let mut ser = postcard::Serializer { output: sink };
    let (result, holds_code) = trust::dumping(|| guard::serialize(value, &mut ser));
    let mut sink = ser.output;
    if let Some(error) = sink.error.take() {
        return Err(Error::Io(error));
    }
    let table = result?;
    let mut shapes = Vec::new();
    append_shapes(&table, &mut shapes);
    table.recycle();
    // an error here is kept in `sink.error`, reported below
    let _ = sink.try_extend(&shapes);
    sink.flush_chunk();
    match sink.error {
        Some(error) => Err(Error::Io(error)),
        None => Ok(((sink.len, sink.hasher.digest()), holds_code)),
    }
}

/// Postcard output into a `Vec<u8>` that already has room.
struct VecFlavor(Vec<u8>);

impl Flavor for VecFlavor {
    type Output = Vec<u8>;

    #[inline]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

const CHUNK: usize = 64 * 1024;

/// Postcard output gathered in chunks that are hashed and written as they fill.
///
/// Postcard maps every flavor error to its own, so an I/O error is kept here.
struct ChunkFlavor<W> {
    chunk: Vec<u8>,
    writer: W,
    hasher: Xxh3Default,
    len: u64,
    error: Option<io::Error>,
}

impl<W: Write> ChunkFlavor<W> {
    fn emit(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        if self.error.is_some() {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
        if let Err(error) = self.writer.write_all(bytes) {
            self.error = Some(error);
            return Err(postcard::Error::SerializeBufferFull);
        }
        Ok(())
    }

    fn flush_chunk(&mut self) {
        let chunk = std::mem::take(&mut self.chunk);
        let _ = self.emit(&chunk);
        self.chunk = chunk;
        self.chunk.clear();
    }
}

impl<W: Write> Flavor for ChunkFlavor<W> {
    type Output = ();

    #[inline]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        if self.chunk.len() == CHUNK {
            self.flush_chunk();
            if self.error.is_some() {
                return Err(postcard::Error::SerializeBufferFull);
            }
        }
        self.chunk.push(byte);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        if self.chunk.len() + bytes.len() > CHUNK {
            self.flush_chunk();
            if bytes.len() >= CHUNK {
                return self.emit(bytes);
            }
            if self.error.is_some() {
                return Err(postcard::Error::SerializeBufferFull);
            }
        }
        self.chunk.extend_from_slice(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}
