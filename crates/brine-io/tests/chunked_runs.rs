//! Sequences written in runs, chunk by chunk: primitives and strings of
//! every length around the 64 KiB block boundaries and the 1 MiB hand-off
//! of a streamed dump, kinds that change inside a run, lying lengths, failing
//! `Serialize` impls and writers. Every dump function must write postcard's
//! payload and the same envelope as `dump`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::io::{self, Cursor, Seek, SeekFrom, Write};

use proptest::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

const BLOCK: usize = 64 * 1024;
const WRITE: usize = 1024 * 1024;

// -- an element of any kind --------------------------------------------------------

#[derive(Clone, Debug)]
enum E {
    U8(u8),
    U64(u64),
    U128(u128),
    I128(i128),
    F32(f32),
    F64(f64),
    Bool(bool),
    Char(char),
    Unit,
    Str(String),
    Bytes(Vec<u8>),
    Struct(u128, String),
    Opt(Option<u32>),
    Seq(Vec<E>),
    Tuple(u128, u128, u128),
}

impl Serialize for E {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            E::U8(v) => s.serialize_u8(*v),
            E::U64(v) => s.serialize_u64(*v),
            E::U128(v) => s.serialize_u128(*v),
            E::I128(v) => s.serialize_i128(*v),
            E::F32(v) => s.serialize_f32(*v),
            E::F64(v) => s.serialize_f64(*v),
            E::Bool(v) => s.serialize_bool(*v),
            E::Char(v) => s.serialize_char(*v),
            E::Unit => s.serialize_unit(),
            E::Str(v) => s.serialize_str(v),
            E::Bytes(v) => s.serialize_bytes(v),
            E::Struct(a, b) => {
                let mut st = s.serialize_struct("S", 2)?;
                st.serialize_field("a", a)?;
                st.serialize_field("b", b)?;
                st.end()
            }
            E::Opt(v) => v.serialize(s),
            E::Seq(v) => s.collect_seq(v),
            E::Tuple(a, b, c) => (a, b, c).serialize(s),
        }
    }
}

/// A writer that writes at most `max` bytes per call, and records the
/// largest call.
struct Short {
    out: Vec<u8>,
    max: usize,
    biggest: usize,
}

impl Write for Short {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.biggest = self.biggest.max(buf.len());
        let n = buf.len().min(self.max);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn diff(a: &[u8], b: &[u8]) -> String {
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    format!("lengths {} vs {}, first difference at {at}", a.len(), b.len())
}

/// Every dump function writes the same envelope, its payload is postcard's,
/// and its checksum verifies.
fn check<T: Serialize + ?Sized>(value: &T) -> Result<(), TestCaseError> {
    let expected = postcard::to_allocvec(value);
    let bytes = match brine_io::dump(value) {
        Ok(b) => b,
        Err(e) => {
            // then every writer must refuse it too
            prop_assert!(brine_io::dump_into(value, Vec::new()).is_err(), "dump failed ({e}), dump_into not");
            prop_assert!(
                brine_io::dump_into_seekable(value, Cursor::new(Vec::new())).is_err(),
                "dump failed ({e}), dump_into_seekable not"
            );
            let mut buf = vec![1, 2, 3];
            prop_assert!(brine_io::dump_append(value, &mut buf).is_err());
            prop_assert_eq!(buf, vec![1, 2, 3]);
            return Ok(());
        }
    };
    let env = brine_io::inspect(&bytes).map_err(|e| TestCaseError::fail(format!("inspect(dump): {e}")))?;
    let expected =
        expected.map_err(|e| TestCaseError::fail(format!("postcard failed where brine did not: {e}")))?;
    prop_assert!(env.payload == &expected[..], "payload != postcard: {}", diff(env.payload, &expected));

    for prefix in [0usize, 33, BLOCK - 5] {
        let mut buf = vec![0xAAu8; prefix];
        brine_io::dump_append(value, &mut buf)
            .map_err(|e| TestCaseError::fail(format!("dump_append: {e}")))?;
        prop_assert!(buf[prefix..] == bytes[..], "dump_append at {prefix}: {}", diff(&buf[prefix..], &bytes));
        brine_io::inspect(&buf[prefix..]).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    }
    // dump_append into a buffer with large spare capacity
    let mut buf = Vec::with_capacity(bytes.len() * 2 + 10 * BLOCK);
    buf.extend_from_slice(&[9; 13]);
    brine_io::dump_append(value, &mut buf).unwrap();
    prop_assert!(buf[13..] == bytes[..], "dump_append (roomy): {}", diff(&buf[13..], &bytes));

    let mut streamed = Vec::new();
    brine_io::dump_into(value, &mut streamed).map_err(|e| TestCaseError::fail(format!("dump_into: {e}")))?;
    prop_assert!(streamed == bytes, "dump_into: {}", diff(&streamed, &bytes));

    let mut short = Short { out: Vec::new(), max: 4093, biggest: 0 };
    brine_io::dump_into(value, &mut short).unwrap();
    prop_assert!(short.out == bytes, "dump_into short: {}", diff(&short.out, &bytes));

    for offset in [3usize, 4096] {
        let mut file = Cursor::new(vec![0x55u8; offset]);
        file.seek(SeekFrom::End(0)).unwrap();
        brine_io::dump_into_seekable(value, &mut file)
            .map_err(|e| TestCaseError::fail(format!("dump_into_seekable: {e}")))?;
        let w = &file.get_ref()[offset..];
        prop_assert!(w == &bytes[..], "dump_into_seekable at {offset}: {}", diff(w, &bytes));
    }
    Ok(())
}

fn run(value: &impl Serialize) {
    check(value).unwrap_or_else(|e| panic!("{e}"));
}

// -- deterministic sweeps ------------------------------------------------------------

fn s(n: usize) -> String {
    (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect()
}

/// Integers at every varint length's edges (1 to 10 bytes for 64 bits, up
/// to 19 for 128), as a run writes them: wide ones are made out of line and
/// stored 16 or 20 bytes at a time, then cut back.
fn varint_edges() -> Vec<u64> {
    let mut edges = vec![0, 1, u64::MAX, u64::MAX - 1];
    for bits in (7..64).step_by(7).chain([63]) {
        let at = 1u64 << bits;
        edges.extend([at - 1, at, at + 1, (at << 1).wrapping_sub(1)]);
    }
    edges
}

/// Typed sequences of integers at every varint length, after a 1-byte
/// first element (so the run's room, made for 1-byte elements, runs out),
/// and shifted across the first block boundary a byte at a time.
#[test]
fn varints_of_every_length_in_runs() {
    let edges = varint_edges();
    let signed: Vec<i64> = edges.iter().flat_map(|&u| [u as i64, -((u >> 1) as i64) - 1]).collect();
    let wide: Vec<u128> =
        edges.iter().map(|&u| u128::from(u)).chain((64..128).step_by(7).map(|bits| 1u128 << bits)).collect();
    run(&[vec![1u64], edges.clone()].concat());
    run(&[vec![1i64], signed.clone()].concat());
    run(&[vec![1u128], wide.clone(), vec![u128::MAX]].concat());
    for fill in (BLOCK - 70..BLOCK - 10).step_by(3) {
        let mut value = vec![5u64; fill];
        value.extend(&edges);
        run(&value);
    }
}

/// A first primitive, then a string that ends right at or around the
/// limit, then many longest varints after it in the same chunk.
#[test]
fn a_string_that_fills_the_chunk_then_longest_varints() {
    // the payload starts at HEADER_LEN + name for `dump`, at 0 for streams:
    // sweep the string length through a wide window to hit both
    for lead in [0usize, 5, 31] {
        for len in (BLOCK - 2200..BLOCK + 40).step_by(223).chain((BLOCK - 80..BLOCK - 20).step_by(7)) {
            let mut v = vec![E::U8(1)];
            v.extend(std::iter::repeat_n(E::U8(2), lead));
            v.push(E::Str(s(len)));
            v.extend(std::iter::repeat_n(E::U128(u128::MAX), 400));
            v.push(E::Str(s(3)));
            v.extend(std::iter::repeat_n(E::I128(i128::MIN), 100));
            run(&v);
        }
    }
}

/// Many short strings then longest varints, in every phase relative to the
/// boundary, across several blocks and the 1 MiB hand-off.
#[test]
fn strings_then_varints_across_many_blocks() {
    for phase in [0usize, 7, 29] {
        let mut v = vec![E::U128(u128::MAX)];
        let mut n = 0;
        while n < WRITE + 3 * BLOCK {
            let len = (phase * 131 + n / 7) % 9000;
            v.push(E::Str(s(len)));
            n += len + 2;
            for _ in 0..(len % 700) {
                v.push(E::U128(u128::MAX - n as u128));
                n += 19;
            }
            v.push(E::Str(String::new()));
            v.push(E::Char('\u{10FFFF}'));
            v.push(E::Unit);
            v.push(E::Bool(true));
            n += 8;
        }
        run(&v);
    }
}

/// Strings (and byte strings) around the block, over a block, and over the
/// 1 MiB hand-off, inside a run of f64s.
#[test]
fn very_large_strings_inside_a_run() {
    for len in [0, BLOCK - 33, BLOCK + 1, WRITE + 1] {
        for before in [1usize, 8193, 70_000] {
            let mut v: Vec<E> = (0..before).map(|i| E::F64(i as f64 * 0.5)).collect();
            v.push(E::Str(s(len)));
            v.extend((0..500).map(|i| E::U128(u128::MAX >> (i % 128))));
            v.push(E::Bytes(vec![7; len]));
            v.extend((0..500).map(|i| E::F64(i as f64)));
            run(&v);
        }
    }
}

/// Elements that change kind inside a run: structs, options, nested
/// sequences and tuples stop the run and go through the encoder.
#[test]
fn kinds_that_change_inside_a_run() {
    for step in [1usize, 3, 5, 33, 2049] {
        let mut v = vec![E::U8(0)];
        for i in 0..20_000usize {
            v.push(match i % step {
                0 => E::Struct(u128::MAX, s(i % 300)),
                1 => E::Opt(Some(i as u32)),
                2 => E::Seq(vec![E::U128(u128::MAX), E::Str(s(i % 97)), E::F64(1.5)]),
                3 => E::Tuple(u128::MAX, 1, u128::MAX / 3),
                4 => E::Opt(None),
                _ => E::U128(u128::MAX - i as u128),
            });
        }
        run(&v);
    }
}

/// First element a primitive, later ones all structs; and the reverse.
#[test]
fn first_primitive_then_structs_and_reverse() {
    let mut v = vec![E::U128(5)];
    v.extend((0..10_000).map(|i| E::Struct(i, s((i % 50) as usize))));
    run(&v);
    let mut v = vec![E::Struct(1, s(3))];
    v.extend((0..10_000).map(|i| if i % 2 == 0 { E::U128(u128::MAX) } else { E::Str(s(i % 3000)) }));
    run(&v);
}

/// Typed sequences that round-trip through `load`.
#[test]
fn typed_sequences_load_back() {
    fn typed<T>(value: T)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        run(&value);
        let bytes = brine_io::dump(&value).unwrap();
        assert_eq!(brine_io::load::<T>(&bytes).unwrap(), value);
        let mut out = Vec::new();
        brine_io::dump_into(&value, &mut out).unwrap();
        assert_eq!(brine_io::load::<T>(&out).unwrap(), value);
    }
    for n in [0usize, 1, 5, 2049, 8193, 70_000] {
        typed((0..n).map(|i| u128::MAX - i as u128).collect::<Vec<u128>>());
        typed((0..n).map(|i| i128::MIN + i as i128).collect::<Vec<i128>>());
        typed((0..n).map(|i| i as f64 * 1.25).collect::<Vec<f64>>());
        typed((0..n).map(|i| char::from_u32(0x10000 + i as u32 % 0xFFFF).unwrap()).collect::<Vec<char>>());
        typed((0..n).map(|i| i % 3 == 0).collect::<Vec<bool>>());
        typed(vec![(); n]);
        typed((0..n.min(20_000)).map(|i| s(i % 200)).collect::<Vec<String>>());
        typed(vec![String::new(); n]);
        typed(
            (0..n.min(2000))
                .map(|i| (0..i % 50).map(|j| j as u64 * 0x1234_5678_9abc).collect())
                .collect::<Vec<Vec<u64>>>(),
        );
        typed((0..n).map(|i| if i % 2 == 0 { Some(i as u32) } else { None }).collect::<Vec<Option<u32>>>());
    }
    // strings of lengths around a block and 1 MiB in a Vec<String>
    for len in [BLOCK - 35, BLOCK - 3, BLOCK + 1, WRITE + 1] {
        typed(vec![s(len), String::new(), s(len), s(1), s(len)]);
    }
}

// -- lying and failing impls ---------------------------------------------------------

/// An iterator of `items` that claims `claimed`.
struct Lying(Vec<E>, usize);

impl Serialize for Lying {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct It<'a>(std::slice::Iter<'a, E>, usize);
        impl<'a> Iterator for It<'a> {
            type Item = &'a E;
            fn next(&mut self) -> Option<&'a E> {
                self.0.next()
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                (self.1, Some(self.1))
            }
        }
        s.collect_seq(It(self.0.iter(), self.1))
    }
}

#[test]
fn lying_size_hints_are_refused() {
    for n in [1usize, 2, 2048, 2049, 5000, 100_000] {
        let items: Vec<E> =
            (0..n).map(|i| if i % 1000 == 999 { E::Str(s(i % 5000)) } else { E::U128(u128::MAX) }).collect();
        for claimed in [0, n - 1, n + 1, n * 2] {
            let v = Lying(items.clone(), claimed);
            assert!(brine_io::dump(&v).is_err(), "{n} claimed {claimed}");
            assert!(brine_io::dump_into(&v, Vec::new()).is_err(), "{n} claimed {claimed}");
            assert!(brine_io::dump_into_seekable(&v, Cursor::new(Vec::new())).is_err());
            let mut buf = vec![5; 3];
            assert!(brine_io::dump_append(&v, &mut buf).is_err());
            assert_eq!(buf, [5, 5, 5]);
        }
        run(&Lying(items.clone(), n));
    }
}

/// An element that fails after `at` successful serializations.
struct FailAt<'a> {
    count: &'a Cell<usize>,
    at: usize,
}

impl Serialize for FailAt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.count.get();
        self.count.set(n + 1);
        if n >= self.at {
            return Err(serde::ser::Error::custom("midway"));
        }
        s.serialize_u128(u128::MAX)
    }
}

#[test]
fn a_serialize_that_fails_midway_fails_every_dump() {
    for at in [0usize, 1, 2, 2047, 2048, 3449, 3450, 3451, 6000, 60_000] {
        let count = Cell::new(0);
        let items: Vec<FailAt> = (0..70_000).map(|_| FailAt { count: &count, at }).collect();
        let mut buf = vec![1u8, 2];
        count.set(0);
        assert!(brine_io::dump(&items).is_err(), "{at}");
        count.set(0);
        assert!(brine_io::dump_append(&items, &mut buf).is_err(), "{at}");
        assert_eq!(buf, [1, 2]);
        count.set(0);
        assert!(brine_io::dump_into(&items, Vec::new()).is_err(), "{at}");
        count.set(0);
        assert!(brine_io::dump_into_seekable(&items, Cursor::new(Vec::new())).is_err(), "{at}");
    }
}

/// A writer that fails after `ok` bytes.
struct FailAfter {
    ok: usize,
    written: usize,
}

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written >= self.ok {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone"));
        }
        let n = buf.len().min(self.ok - self.written).min(1000);
        self.written += n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn failing_writers_fail_the_dump() {
    let mut v = vec![E::U128(1)];
    for i in 0..200_000usize {
        v.push(if i % 500 == 0 { E::Str(s(i % 70_000)) } else { E::U128(u128::MAX) });
    }
    let total = brine_io::dump(&v).unwrap().len();
    for ok in [0usize, 1, 32, 33, 100, BLOCK, WRITE - 1, WRITE, WRITE + 1, total / 2, total - 1] {
        let e = brine_io::dump_into(&v, FailAfter { ok, written: 0 }).unwrap_err();
        assert!(
            matches!(&e, brine_io::dump::Error::Io(io) if io.kind() == io::ErrorKind::BrokenPipe),
            "{ok}: {e:?}"
        );
    }
    assert!(brine_io::dump_into(&v, FailAfter { ok: total, written: 0 }).is_ok());
}

// -- memory ---------------------------------------------------------------------------

// -- generated ----------------------------------------------------------------------

fn elem() -> impl Strategy<Value = E> {
    let len = prop_oneof![
        4 => 0usize..40,
        1 => (BLOCK - 80)..(BLOCK + 8),
        1 => 0usize..(3 * BLOCK),
    ];
    let leaf = prop_oneof![
        3 => any::<u128>().prop_map(|v| E::U128(v | (1 << 127))),
        2 => any::<i128>().prop_map(E::I128),
        2 => any::<u64>().prop_map(E::U64),
        2 => any::<u8>().prop_map(E::U8),
        2 => any::<f64>().prop_map(E::F64),
        1 => any::<f32>().prop_map(E::F32),
        1 => any::<bool>().prop_map(E::Bool),
        1 => any::<char>().prop_map(E::Char),
        1 => Just(E::Unit),
        2 => len.clone().prop_map(|n| E::Str(s(n))),
        1 => len.prop_map(|n| E::Bytes(vec![3; n])),
        1 => (any::<u128>(), 0usize..100).prop_map(|(a, n)| E::Struct(a, s(n))),
        1 => proptest::option::of(any::<u32>()).prop_map(E::Opt),
        1 => any::<(u128, u128, u128)>().prop_map(|(a, b, c)| E::Tuple(a, b, c)),
    ];
    leaf.prop_recursive(2, 64, 8, |inner| proptest::collection::vec(inner, 0..10).prop_map(E::Seq))
}

/// A run of `n` copies of one element, or one element: long runs of the
/// same kind make chunks, with the odd string in between.
fn seq() -> impl Strategy<Value = Vec<E>> {
    proptest::collection::vec((elem(), prop_oneof![3 => Just(1usize), 1 => 1usize..3000]), 1..24).prop_map(
        |groups| {
            groups
                .into_iter()
                .flat_map(|(e, n)| {
                    let n = if weight(&e) > 64 { n.min(3) } else { n };
                    std::iter::repeat_n(e, n)
                })
                .collect()
        },
    )
}

fn weight(e: &E) -> usize {
    match e {
        E::Str(s) => s.len(),
        E::Bytes(b) => b.len(),
        E::Struct(_, s) => s.len(),
        E::Seq(v) => v.iter().map(weight).sum::<usize>() + v.len(),
        _ => 1,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn generated_sequences_match_postcard_everywhere(v in seq()) {
        check(&v)?;
    }

    #[test]
    fn generated_nested_sequences_match_postcard_everywhere(v in proptest::collection::vec(seq(), 1..4)) {
        check(&v)?;
    }
}

/// Units write nothing, so a run that ends within a few bytes of the block
/// boundary would never reach it: a new block is opened for the next chunk.
#[test]
fn units_near_a_block_boundary() {
    let units = vec![(); 3_000_000];
    for pad in [0usize, BLOCK - 60, BLOCK - 50, BLOCK - 45, BLOCK - 40] {
        let value = (s(pad), &units);
        let bytes = brine_io::dump(&value).unwrap();
        assert_eq!(brine_io::inspect(&bytes).unwrap().payload, &postcard::to_allocvec(&value).unwrap()[..]);
    }
}
