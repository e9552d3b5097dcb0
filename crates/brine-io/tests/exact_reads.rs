//! `Options::load_exact` of envelopes large enough to be read into a memory
//! mapping of their own (4 MiB and up, on Linux) as well as small ones: the
//! same value, and the same errors, whatever the reader does.
#![allow(clippy::expect_used)] // the test helpers fail the test by panicking

use std::io::{self, Read};

use brine_io::{Options, load};

/// A reader that gives at most `step` bytes per call, fails with `fail_at`
/// bytes given (if set), and is interrupted before every other call.
struct Awkward<'a> {
    bytes: &'a [u8],
    step: usize,
    fail_at: Option<usize>,
    given: usize,
    interrupt: bool,
}

impl<'a> Awkward<'a> {
    fn new(bytes: &'a [u8], step: usize) -> Self {
        Awkward { bytes, step, fail_at: None, given: 0, interrupt: false }
    }
}

impl Read for Awkward<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::ErrorKind::Interrupted.into());
        }
        if self.fail_at.is_some_and(|at| self.given >= at) {
            return Err(io::Error::other("the disk went away"));
        }
        let n = buf.len().min(self.step).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.given += n;
        Ok(n)
    }
}

/// Envelopes on both sides of the size a mapping is made from.
fn envelopes() -> Vec<(Vec<u8>, Vec<u8>)> {
    [100, (4 << 20) - 64, 4 << 20, (6 << 20) + 12_345]
        .into_iter()
        .map(|len| {
            let value: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let envelope = brine_io::dump(&value).expect("dump");
            (value, envelope)
        })
        .collect()
}

#[test]
fn every_size_loads_the_value_whatever_the_reader_gives_per_call() {
    for (value, envelope) in envelopes() {
        let len = envelope.len() as u64;
        let whole: Vec<u8> = Options::new().load_exact(envelope.as_slice(), len).expect("one slice");
        assert_eq!(whole, value);
        let awkward = Awkward::new(&envelope, 65_537);
        let pieces: Vec<u8> = Options::new().load_exact(awkward, len).expect("in pieces");
        assert_eq!(pieces, value);
    }
}

#[test]
fn a_reader_that_ends_early_is_a_truncated_envelope() {
    for (_, envelope) in envelopes() {
        let len = envelope.len() as u64;
        let short = &envelope[..envelope.len() - 1];
        let error = Options::new().load_exact::<Vec<u8>, _>(short, len).unwrap_err();
        assert!(matches!(error, load::Error::Truncated { .. }), "{error:?}");
    }
}

#[test]
fn a_reader_that_fails_midway_is_an_io_error() {
    for (_, envelope) in envelopes() {
        let len = envelope.len() as u64;
        let mut failing = Awkward::new(&envelope, (envelope.len() / 4).min(1 << 20));
        failing.fail_at = Some(envelope.len() / 2);
        let error = Options::new().load_exact::<Vec<u8>, _>(failing, len).unwrap_err();
        assert!(matches!(error, load::Error::Io(_)), "{error:?}");
    }
}

#[test]
fn a_flipped_last_byte_is_a_checksum_mismatch() {
    for (_, mut envelope) in envelopes() {
        let len = envelope.len() as u64;
        *envelope.last_mut().expect("not empty") ^= 0x40;
        let error = Options::new().load_exact::<Vec<u8>, _>(envelope.as_slice(), len).unwrap_err();
        assert!(matches!(error, load::Error::ChecksumMismatch { .. }), "{error:?}");
    }
}

/// A reader that says it read one byte more than the buffer it was given.
struct Boastful<'a>(&'a [u8]);

impl Read for Boastful<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        Ok(if n == 0 { 0 } else { n + 1 })
    }
}

#[test]
fn a_reader_claiming_more_than_its_buffer_is_an_error_not_a_panic() {
    for (_, envelope) in envelopes() {
        let len = envelope.len() as u64;
        let exact = Options::new().load_exact::<Vec<u8>, _>(Boastful(&envelope), len).unwrap_err();
        let from = Options::new().load_from::<Vec<u8>, _>(Boastful(&envelope)).unwrap_err();
        for error in [exact, from] {
            let load::Error::Io(source) = &error else { panic!("an I/O error, not {error:?}") };
            assert_eq!(source.kind(), io::ErrorKind::InvalidData, "{error}");
            assert!(source.to_string().contains("into a buffer of"), "{error}");
        }
    }
}

#[test]
fn a_header_announcing_more_than_memory_holds_is_an_error_not_an_abort() {
    let mut bytes = brine_io::dump(&vec![1u8]).expect("dump");
    let name_len = u64::from(u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")));
    let header = brine_io::HEADER_LEN as u64;
    // 64 TiB, and the most a length can say
    for payload in [1u64 << 46, u64::MAX - header - name_len] {
        bytes[16..24].copy_from_slice(&payload.to_le_bytes());
        let len = header + name_len + payload; // what the header says: the caller's word agrees
        let options = Options::new().max_len(u64::MAX);
        let error = options.load_exact::<Vec<u8>, _>(bytes.as_slice(), len).unwrap_err();
        let fine = match &error {
            load::Error::Io(source) => source.kind() == io::ErrorKind::OutOfMemory,
            // the kernel gave the room (overcommitted): the bytes then run out
            load::Error::Truncated { part: "payload", .. } => true,
            _ => false,
        };
        assert!(fine, "{payload}: {error:?}");
    }
}
