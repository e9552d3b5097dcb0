//! Hostile cases of brine's own encoder and decoder: lying iterators and
//! impls, thread-local caches, writers that fail or append, block and chunk
//! boundaries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed unwrap or panic fails the test

use std::cell::Cell;
use std::fmt;
use std::io::{self, Cursor, Seek, SeekFrom, Write};

use brine_io::{Options, dump::Error as DumpError, load};
use serde::de::{self, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const BLOCK: usize = 64 * 1024;
const WRITE: usize = 1024 * 1024;

// -- lengths that lie ---------------------------------------------------------------

/// An iterator whose `size_hint` claims an exact length it does not keep.
struct Lying {
    items: std::vec::IntoIter<u8>,
    claimed: usize,
}

impl Iterator for Lying {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        self.items.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.claimed, Some(self.claimed))
    }
}

struct LyingSeq(Vec<u8>, usize);

impl Serialize for LyingSeq {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(Lying { items: self.0.clone().into_iter(), claimed: self.1 })
    }
}

/// `serialize_seq(Some(n))` followed by another number of elements.
struct MiscountedSeq(Vec<u8>, usize);

impl Serialize for MiscountedSeq {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1))?;
        for item in &self.0 {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

/// A dump whose lengths lie must be refused, or load back as what was
/// written: never as another value. With a claim one too long, the second
/// vector's length byte is read as the first one's last element, and the
/// payload still decodes to the end.
#[test]
fn a_size_hint_that_lies_is_refused_not_stored() {
    let value = (LyingSeq(vec![7, 8], 3), vec![0u8]);
    let loose = Options::new().check_type(false);
    match brine_io::dump(&value) {
        Err(DumpError::Unsupported { .. } | DumpError::Serialize { .. }) => {}
        Err(other) => panic!("unexpected error {other:?}"),
        Ok(bytes) => match loose.load::<(Vec<u8>, Vec<u8>)>(&bytes) {
            Ok(back) => assert_eq!(back, (vec![7, 8], vec![0]), "stored one value, loaded another"),
            Err(_) => panic!("a dump that succeeded does not load"),
        },
    }
    // one too few claimed: the last element is read as the second's length
    let value = (LyingSeq(vec![7, 8, 0], 2), ());
    let error = brine_io::dump(&value).expect_err("a seq of 3 stored with length 2");
    assert!(matches!(error, DumpError::Unsupported { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("announced with 2 items that wrote 3") && text.contains("size_hint"), "{text}");
}

#[test]
fn a_seq_of_another_length_than_announced_is_refused() {
    let value = (MiscountedSeq(vec![7, 8], 3), vec![0u8]);
    assert!(brine_io::dump(&value).is_err(), "a seq of 2 stored with length 3");
    let value = (MiscountedSeq(vec![7, 8, 0], 2), ());
    assert!(brine_io::dump(&value).is_err(), "a seq of 3 stored with length 2");
    // to a writer, too
    assert!(brine_io::dump_into(&MiscountedSeq(vec![1], 2), Vec::new()).is_err());
    assert!(brine_io::dump_into_seekable(&MiscountedSeq(vec![1], 2), Cursor::new(Vec::new())).is_err());
    // a truthful one still goes through, primitives and records alike
    let bytes = brine_io::dump(&MiscountedSeq(vec![1, 2, 3], 3)).unwrap();
    assert_eq!(Options::new().check_type(false).load::<Vec<u8>>(&bytes).unwrap(), [1, 2, 3]);
}

/// A map announced with one entry more than it writes.
struct MiscountedMap;

impl Serialize for MiscountedMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry(&1u8, &2u8)?;
        map.end()
    }
}

#[test]
fn a_map_of_another_length_than_announced_is_refused() {
    assert!(brine_io::dump(&(MiscountedMap, 3u8, 4u8)).is_err());
}

// -- the cache of fixed tables ------------------------------------------------------

/// A hand-written tagged union in a tuple (tag, then a u32 or a string), as
/// one writes for a format that is not self-describing: its table has only
/// tuples and primitives, yet its values write two different ones.
#[derive(Debug, PartialEq)]
enum Tagged {
    Number(u32),
    Text(String),
}

impl Serialize for Tagged {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        match self {
            Tagged::Number(n) => {
                t.serialize_element(&0u8)?;
                t.serialize_element(n)?;
            }
            Tagged::Text(text) => {
                t.serialize_element(&1u8)?;
                t.serialize_element(text)?;
            }
        }
        t.end()
    }
}

impl<'de> Deserialize<'de> for Tagged {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tagged;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag and its value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tagged, A::Error> {
                let tag: u8 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                Ok(match tag {
                    0 => Tagged::Number(
                        seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?,
                    ),
                    _ => {
                        Tagged::Text(seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?)
                    }
                })
            }
        }
        d.deserialize_tuple(2, V)
    }
}

/// "The check never refuses a value its own type wrote": also when an
/// earlier value of the type, on this thread, wrote another table.
#[test]
fn a_type_whose_values_write_different_shapes_loads_each_of_them() {
    let first = brine_io::dump(&Tagged::Number(5)).unwrap();
    assert_eq!(brine_io::load::<Tagged>(&first).unwrap(), Tagged::Number(5));
    let second = brine_io::dump(&Tagged::Text("five".into())).unwrap();
    let mut third = Vec::new();
    brine_io::dump_into(&Tagged::Text("six".into()), &mut third).unwrap();
    // on a thread of its own, where no load passed before (the memo of
    // loads that passed would hide it here: the tables are equal)
    std::thread::spawn(move || {
        assert_eq!(
            brine_io::load::<Tagged>(&second).unwrap_or_else(|e| panic!("{e}")),
            Tagged::Text("five".into())
        );
        assert_eq!(
            brine_io::load::<Tagged>(&third).unwrap_or_else(|e| panic!("{e}")),
            Tagged::Text("six".into())
        );
    })
    .join()
    .unwrap();
}

/// Two types of one `type_name`: items of one name in two blocks of one
/// function. (Whether their names share an address is up to the compiler
/// and linker; the test holds either way.)
#[test]
fn two_types_of_one_type_name_keep_their_own_shapes() {
    let (a_bytes, a_name) = {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Same {
            a: u32,
        }
        (brine_io::dump(&Same { a: 1 }).unwrap(), std::any::type_name::<Same>())
    };
    let b_name = {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Same {
            b: String,
        }
        // the cache of fixed tables: B must write B's table
        let b_bytes = brine_io::dump(&Same { b: "x".into() }).unwrap();
        assert_eq!(
            brine_io::load::<Same>(&b_bytes).unwrap_or_else(|e| panic!("{e}")),
            Same { b: "x".into() }
        );
        std::any::type_name::<Same>()
    };
    assert_eq!(a_name, b_name);
    let c = {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Same {
            c: u32,
        }
        // A's envelope through a type of the same name and layout, other field
        // names: the shape check refuses it
        load::<Same>(&a_bytes).map(|_| ())
    };
    assert!(matches!(c, Err(load::Error::ShapeChanged { .. })), "{c:?}");
}

/// The memo of loads that passed: a type that passed must not let another
/// type of the same `type_name` through.
#[test]
fn the_memo_tells_types_of_one_name_apart() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Other {
        a: u32,
    }
    let bytes = {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Other {
            a: u32,
        }
        let bytes = brine_io::dump(&Other { a: 1 }).unwrap();
        assert_eq!(load::<Other>(&bytes).unwrap(), Other { a: 1 }); // remembered
        bytes
    };
    {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Other {
            z: u32,
        }
        let result = load::<Other>(&bytes);
        assert!(matches!(result, Err(load::Error::ShapeChanged { .. })), "{result:?}");
    }
    assert_eq!(load::<Other>(&bytes).unwrap(), Other { a: 1 });
}

/// Every byte of the stored name and of the shape table changed (the
/// checksum made again to match), loaded once on a thread where the memo
/// holds nothing of it and once right after the unchanged envelope passed
/// with each setting of the checks, other types loaded in between or not:
/// a memo hit never decides what the checks would not.
#[test]
fn the_memo_never_lets_a_changed_name_or_table_through() {
    #[derive(Serialize, Deserialize)]
    struct Record {
        count: u32,
        label: String,
        values: Vec<u64>,
    }
    #[derive(Serialize, Deserialize)]
    struct Filler(u8);
    let unchanged = brine_io::dump(&Record { count: 1, label: "x".into(), values: vec![2] }).unwrap();
    let filler = brine_io::dump(&Filler(1)).unwrap();
    let name_len = brine_io::inspect(&unchanged).unwrap().type_name.len();
    let table_len = u32::from_le_bytes(*unchanged.last_chunk::<4>().unwrap()) as usize;
    let table = unchanged.len() - 4 - table_len..unchanged.len() - 4;
    let lax = Options::new().check_type(false);
    let options = [Options::new(), lax, Options::new().check_shape(false), lax.check_shape(false)];
    let outcome = |options: &Options, bytes: &[u8]| match options.load::<Record>(bytes) {
        Ok(_) => "loads".to_owned(),
        Err(error) => format!("{error:?}"),
    };
    for at in (32..32 + name_len).chain(table) {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut changed = unchanged.clone();
            changed[at] ^= flip;
            let checksum = xxhash_rust::xxh3::xxh3_64(&changed[32..]);
            changed[24..32].copy_from_slice(&checksum.to_le_bytes());
            for reading in &options {
                let cold = std::thread::scope(|s| s.spawn(|| outcome(reading, &changed)).join().unwrap());
                for primed in &options {
                    for others in [false, true] {
                        primed.load::<Record>(&unchanged).unwrap();
                        if others {
                            primed.load::<Filler>(&filler).unwrap();
                        }
                        assert_eq!(outcome(reading, &changed), cold, "byte {at} ^ {flip:#04x}");
                    }
                }
            }
        }
    }
}

// -- re-entrancy and panics ---------------------------------------------------------

/// A value whose `Serialize` dumps another value (of a fixed type, and of
/// its own type) and stores that envelope as bytes.
struct Nested(u32);

impl Serialize for Nested {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let inner = brine_io::dump(&(self.0, self.0 as u8)).map_err(serde::ser::Error::custom)?;
        let again = if self.0 > 0 {
            brine_io::dump(&Nested(self.0 - 1)).map_err(serde::ser::Error::custom)?
        } else {
            Vec::new()
        };
        let mut st = s.serialize_struct("Nested", 2)?;
        st.serialize_field("inner", &Bytes(&inner))?;
        st.serialize_field("again", &Bytes(&again))?;
        st.end()
    }
}

/// A byte string.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[derive(Deserialize)]
struct NestedBack {
    #[serde(with = "serde_bytes_owned")]
    inner: Vec<u8>,
    #[serde(with = "serde_bytes_owned")]
    again: Vec<u8>,
}

mod serde_bytes_owned {
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        <&[u8]>::deserialize(d).map(<[u8]>::to_vec)
    }
    use serde::Deserialize;
}

#[test]
fn a_dump_inside_a_dump_leaves_both_whole() {
    for sink in 0..3 {
        let bytes = match sink {
            0 => brine_io::dump(&Nested(3)).unwrap(),
            1 => {
                let mut out = Vec::new();
                brine_io::dump_into(&Nested(3), &mut out).unwrap();
                out
            }
            _ => {
                let mut out = Cursor::new(vec![0xAA; 5]);
                out.seek(SeekFrom::End(0)).unwrap();
                brine_io::dump_into_seekable(&Nested(3), &mut out).unwrap();
                out.into_inner()[5..].to_vec()
            }
        };
        let mut level = 3u32;
        let mut bytes = bytes;
        loop {
            let back: NestedBack =
                Options::new().check_type(false).load(&bytes).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(load::<(u32, u8)>(&back.inner).unwrap(), (level, level as u8));
            if level == 0 {
                assert!(back.again.is_empty());
                break;
            }
            bytes = back.again;
            level -= 1;
        }
    }
}

/// A `Serialize` that panics when asked to.
struct Bomb<'a>(&'a Cell<bool>, u32);

impl Serialize for Bomb<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.get() {
            panic!("bomb");
        }
        s.serialize_u32(self.1)
    }
}

#[test]
fn a_panicking_serialize_leaves_the_thread_able_to_dump_and_load() {
    let armed = Cell::new(false);
    let value = |n| (Bomb(&armed, n), 2u8);
    let bytes = brine_io::dump(&value(1)).unwrap();
    armed.set(true);
    for _ in 0..2 {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| brine_io::dump(&value(3))));
        assert!(caught.is_err());
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            brine_io::dump_into_seekable(&value(3), Cursor::new(Vec::new()))
        }));
        assert!(caught.is_err());
    }
    armed.set(false);
    let again = brine_io::dump(&value(1)).unwrap();
    assert_eq!(bytes, again);
    assert_eq!(Options::new().check_type(false).load::<(u32, u8)>(&again).unwrap(), (1, 2));
    // the code flag was not left on by the panic
    assert!(!brine_io::inspect(&brine_io::dump(&1u8).unwrap()).unwrap().holds_code);
}

/// `dump_append` leaves `buf` as it was on error; on a panic, the caller
/// that catches it should find its bytes too.
#[test]
fn a_panicking_serialize_leaves_dump_appends_buffer() {
    let armed = Cell::new(true);
    let mut buf = b"kept".to_vec();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        brine_io::dump_append(&Bomb(&armed, 1), &mut buf)
    }));
    assert!(caught.is_err());
    assert_eq!(buf, b"kept");
}

/// A `Deserialize` that panics.
#[derive(Debug)]
struct DeBomb;

impl<'de> Deserialize<'de> for DeBomb {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        panic!("de bomb");
    }
}

#[test]
fn a_panicking_deserialize_leaves_the_thread_able_to_load() {
    let bytes = brine_io::dump(&(1u32, 2u32)).unwrap();
    let loose = Options::new().check_type(false).trust(brine_io::Trust::Registry);
    let caught = std::panic::catch_unwind(|| loose.load::<(DeBomb, u32)>(&bytes));
    assert!(caught.is_err());
    assert_eq!(brine_io::trust::Scope::current().trust(), brine_io::Trust::Values);
    assert_eq!(load::<(u32, u32)>(&bytes).unwrap(), (1, 2));
    // a type the table does not fit is still refused after the panic
    assert!(Options::new().check_type(false).load::<(String, u32)>(&bytes).is_err());
}

// -- writers -------------------------------------------------------------------------

/// A writer that writes at most `step` bytes a call, returns `Interrupted`
/// every other call, and fails for good after `fail_after` bytes.
struct Awkward {
    out: Vec<u8>,
    step: usize,
    calls: usize,
    fail_after: usize,
}

impl Write for Awkward {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(2) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "again"));
        }
        if self.out.len() >= self.fail_after {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        let n = buf.len().min(self.step).min(self.fail_after - self.out.len()).max(1);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn big_value() -> (Vec<u32>, String, Vec<u8>) {
    ((0..300_000).collect(), "s".repeat(BLOCK + 1), vec![3; WRITE + 5])
}

#[test]
fn short_writes_and_interruptions_are_retried_and_a_failure_keeps_its_kind() {
    let value = big_value();
    let expected = brine_io::dump(&value).unwrap();
    let mut w = Awkward { out: Vec::new(), step: 777, calls: 0, fail_after: usize::MAX };
    brine_io::dump_into(&value, &mut w).unwrap();
    assert_eq!(w.out, expected);
    for fail_after in [0, 10, 100, BLOCK, WRITE - 3, WRITE + 100, expected.len() - 1] {
        let mut w = Awkward { out: Vec::new(), step: 1 << 20, calls: 0, fail_after };
        match brine_io::dump_into(&value, &mut w) {
            Err(DumpError::Io(error)) => assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{fail_after}"),
            other => panic!("{fail_after}: {other:?}"),
        }
    }
}

/// A `Serialize` impl that goes on after an element failed (ignoring the
/// error): the dump must still fail, since bytes are missing.
struct Stubborn(Vec<String>);

impl Serialize for Stubborn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in &self.0 {
            let _ignored = seq.serialize_element(item);
        }
        seq.end()
    }
}

/// A writer that fails once, on its `n`th call, then works again.
struct FailsOnce {
    out: Vec<u8>,
    calls: usize,
    n: usize,
}

impl Write for FailsOnce {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls == self.n {
            return Err(io::Error::other("transient"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for FailsOnce {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        // enough for the header write at the start
        match pos {
            SeekFrom::Start(at) => Ok(at),
            _ => Ok(self.out.len() as u64),
        }
    }
}

#[test]
fn a_failed_write_that_the_value_ignored_still_fails_the_dump() {
    let value = Stubborn(vec!["x".repeat(BLOCK * 2); 3]);
    let mut w = FailsOnce { out: Vec::new(), calls: 0, n: 2 };
    let result = brine_io::dump_into(&value, &mut w);
    assert!(result.is_err(), "a dump whose bytes were lost succeeded");
    let mut w = FailsOnce { out: Vec::new(), calls: 0, n: 1 };
    let result = brine_io::dump_into_seekable(&value, &mut w);
    assert!(result.is_err(), "a dump whose bytes were lost succeeded");
}

/// The same for a refusal the value ignored.
struct StubbornRefused;

impl Serialize for StubbornRefused {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        let _ignored = seq.serialize_element(&LyingSeq(vec![1], 0).unknown());
        seq.serialize_element(&vec![1u8])?;
        seq.serialize_element(&vec![2u8])?;
        seq.end()
    }
}

/// A sequence of unknown length: refused.
struct Unknown;

impl Serialize for Unknown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_seq(None)?.end()
    }
}

impl LyingSeq {
    fn unknown(&self) -> Unknown {
        Unknown
    }
}

#[test]
fn a_refusal_that_the_value_ignored_still_fails_the_dump() {
    assert!(brine_io::dump(&StubbornRefused).is_err());
}

#[test]
fn sizes_around_blocks_and_chunks_write_the_same_envelope_everywhere() {
    for len in [BLOCK - 1, BLOCK, BLOCK + 1, WRITE - 1, WRITE, WRITE + 1] {
        for pre in [0usize, 1, 9] {
            let value =
                ("é".repeat(pre), "a".repeat(len), vec![0xFFu8; len], (u128::MAX, i128::MIN, i128::MAX, 'ß'));
            let expected = brine_io::dump(&value).unwrap();
            let mut into = Vec::new();
            brine_io::dump_into(&value, &mut into).unwrap();
            assert_eq!(into, expected, "dump_into {len} {pre}");
            let mut appended = vec![1, 2, 3];
            brine_io::dump_append(&value, &mut appended).unwrap();
            assert_eq!(appended[3..], expected[..], "dump_append {len} {pre}");
            // at an odd position, after bytes that must stay
            let mut cursor = Cursor::new(vec![0xEE; 13]);
            cursor.seek(SeekFrom::Start(7)).unwrap();
            brine_io::dump_into_seekable(&value, &mut cursor).unwrap();
            assert_eq!(cursor.position(), 7 + expected.len() as u64);
            let written = cursor.into_inner();
            assert_eq!(written[..7], [0xEE; 7]);
            assert_eq!(written[7..], expected[..], "dump_into_seekable {len} {pre}");
            let back: (String, String, Vec<u8>, (u128, i128, i128, char)) =
                Options::new().check_type(false).load(&expected).unwrap();
            assert_eq!(back.1.len(), len);
            assert_eq!(back.3, (u128::MAX, i128::MIN, i128::MAX, 'ß'));
        }
    }
}

/// A file opened to append is `Write + Seek`, but its writes go to the end
/// whatever the position: the header written last lands after the envelope.
#[test]
fn dump_into_seekable_never_leaves_a_broken_envelope_in_a_file_opened_to_append() {
    let dir = std::env::temp_dir().join(format!("brine-review-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("append.brine");
    std::fs::write(&path, b"").unwrap();
    let value = vec![7u8; WRITE + 10];
    let result = {
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        brine_io::dump_into_seekable(&value, &mut file)
    };
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    if result.is_ok() {
        let back = load::<Vec<u8>>(&bytes);
        assert!(back.is_ok_and(|back| back == value), "dump_into_seekable succeeded; the file does not load");
    }
}

/// A writer whose position is not where its bytes went (it counts from 100)
/// gets its header in the right place or an error, never a wrong place.
struct Offset(Cursor<Vec<u8>>);

impl Write for Offset {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Offset {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let pos = match pos {
            SeekFrom::Start(at) => SeekFrom::Start(at.saturating_sub(100)),
            other => other,
        };
        self.0.seek(pos).map(|at| at + 100)
    }
}

#[test]
fn a_writer_with_its_own_origin_gets_the_header_in_place() {
    let value = vec![1u8; WRITE + 1];
    let mut w = Offset(Cursor::new(Vec::new()));
    brine_io::dump_into_seekable(&value, &mut w).unwrap();
    assert_eq!(load::<Vec<u8>>(w.0.get_ref()).unwrap(), value);
}

// -- strings through collect_str and chars ------------------------------------------

struct Shown(u64);

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("n={}", self.0))
    }
}

#[test]
fn collect_str_and_chars_are_postcards_bytes() {
    let value =
        (Shown(42), ['\0', '\u{7f}', '\u{80}', '\u{7ff}', '\u{800}', '\u{ffff}', '\u{10000}', char::MAX]);
    let bytes = brine_io::dump(&value).unwrap();
    let reference = postcard::to_allocvec(&value).unwrap();
    assert_eq!(brine_io::inspect(&bytes).unwrap().payload, reference);
    let back: (String, [char; 8]) = Options::new().check_type(false).load(&bytes).unwrap();
    assert_eq!(back.0, "n=42");
    assert_eq!(back.1, value.1);
}

// -- a field whose error an impl swallows ---------------------------------------------

/// A field that fails to serialize.
struct Fails;

impl Serialize for Fails {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("no"))
    }
}

/// Goes on past its first field's error, which serde lets an impl do.
struct SwallowedField;

impl Serialize for SwallowedField {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields = s.serialize_struct("SwallowedField", 2)?;
        let _ = fields.serialize_field("a", &Fails);
        fields.serialize_field("b", &1u8)?;
        fields.end()
    }
}

/// The same in a struct variant.
struct SwallowedVariantField;

impl Serialize for SwallowedVariantField {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStructVariant;
        let mut fields = s.serialize_struct_variant("SwallowedVariantField", 0, "V", 2)?;
        let _ = fields.serialize_field("a", &Fails);
        fields.serialize_field("b", &1u8)?;
        fields.end()
    }
}

/// A field that failed takes no place in the shape table: the next one is
/// recorded at its index, as for every other compound. Bytes written by
/// `d0cab34`, before struct fields took a path of their own (which gave
/// the failed field its index for a while).
#[test]
fn a_field_whose_error_was_swallowed_takes_no_index() {
    let hex = |bytes: Vec<u8>| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(brine_io::dump(&SwallowedField).unwrap()),
        "894252494e450d0a02000000160000002800000000000000d6b32658d6752830\
         7265766965773a3a5377616c6c6f7765644669656c6401020e5377616c6c6f77\
         65644669656c640161030600001600000001000000800201010123000000"
    );
    assert_eq!(
        hex(brine_io::dump(&SwallowedVariantField).unwrap()),
        "894252494e450d0a020000001d0000003200000000000000dc14c2178e2eb5c4\
         7265766965773a3a5377616c6c6f77656456617269616e744669656c64000103\
         155377616c6c6f77656456617269616e744669656c6401560161030a00001600\
         00000100010280020101022c000000"
    );
}
