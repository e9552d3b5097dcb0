//! brine_capture against the two ways to do without it: a raw os_pipe with a
//! reader thread (what capture is built from; the floor it should stay near),
//! and gag's `BufferRedirect` (a redirect into a temporary file).
//!
//! Everything captures fd 2, so criterion's own progress output on stdout
//! never lands in a capture. Goals: an empty capture starts and finishes in
//! at most 30 µs; 64 MiB go through at 80% or more of the raw pipe's rate;
//! brine is faster than gag on both.
//!
//! ```text
//! cargo bench -p benches --bench capture -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::io::Read;
use std::os::fd::AsRawFd;

use brine_capture::Stream;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const LEN: usize = 64 << 20;
const CHUNK: usize = 64 << 10;

/// Writes all of `bytes` to `fd` with write(2), in `CHUNK`-sized calls.
fn write_fd(fd: i32, bytes: &[u8]) {
    for mut chunk in bytes.chunks(CHUNK) {
        while !chunk.is_empty() {
            // SAFETY: `chunk` is a valid readable slice of `chunk.len()` bytes.
            let n = unsafe { libc::write(fd, chunk.as_ptr().cast(), chunk.len()) };
            assert!(n > 0, "write: {}", std::io::Error::last_os_error());
            chunk = &chunk[n as usize..];
        }
    }
}

/// The hand-made way: a pipe, a thread reading it to the end, writes into it.
fn raw_pipe(data: &[u8], grow: bool) -> Vec<u8> {
    let (mut reader, writer) = os_pipe::pipe().unwrap();
    if grow {
        // SAFETY: F_SETPIPE_SZ takes and returns integers only.
        unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    }
    let thread = std::thread::spawn(move || {
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        out
    });
    write_fd(writer.as_raw_fd(), data);
    drop(writer);
    thread.join().unwrap()
}

fn empty(c: &mut Criterion) {
    let mut group = c.benchmark_group("capture_empty");
    group.bench_function("brine", |b| {
        b.iter(|| brine_capture::capture(Stream::Stderr).unwrap().finish().unwrap())
    });
    group.bench_function("gag_buffer_redirect", |b| {
        b.iter(|| {
            let mut redirect = gag::BufferRedirect::stderr().unwrap();
            let mut out = Vec::new();
            redirect.read_to_end(&mut out).unwrap();
            out
        })
    });
    group.bench_function("raw_os_pipe_thread", |b| b.iter(|| raw_pipe(b"", false)));
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let mut group = c.benchmark_group("capture_64mib");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.sample_size(10);
    group.bench_function("brine", |b| {
        b.iter(|| {
            let capture = brine_capture::capture(Stream::Stderr).unwrap();
            write_fd(2, black_box(&data));
            let output = capture.finish().unwrap();
            assert_eq!(output.len(), LEN);
            output
        })
    });
    group.bench_function("raw_os_pipe_thread", |b| {
        b.iter(|| {
            let out = raw_pipe(black_box(&data), false);
            assert_eq!(out.len(), LEN);
            out
        })
    });
    group.bench_function("raw_os_pipe_thread_1mib_pipe", |b| {
        b.iter(|| {
            let out = raw_pipe(black_box(&data), true);
            assert_eq!(out.len(), LEN);
            out
        })
    });
    group.bench_function("gag_buffer_redirect", |b| {
        b.iter(|| {
            let mut redirect = gag::BufferRedirect::stderr().unwrap();
            write_fd(2, black_box(&data));
            let mut out = Vec::new();
            redirect.read_to_end(&mut out).unwrap();
            assert_eq!(out.len(), LEN);
            out
        })
    });
    group.finish();
}

criterion_group!(benches, empty, throughput);
criterion_main!(benches);
