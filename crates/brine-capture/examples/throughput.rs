//! 64 MiB through a capture against a raw `os_pipe` with a reader thread,
//! the two runs interleaved so that a busy machine slows both alike (the
//! criterion benchmark in `benches/` runs them one after the other).
//!
//! ```text
//! cargo run --release -p brine-capture --example throughput [rounds]
//! ```

#![allow(unsafe_code)] // libc calls that write to fd 1, each with its SAFETY comment

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use anyhow::ensure;
use brine_capture::Stream;

const LEN: usize = 64 << 20;

/// Writes `bytes` to `fd` with write(2) in 64 KiB calls.
fn write_fd(fd: i32, bytes: &[u8]) -> anyhow::Result<()> {
    for mut chunk in bytes.chunks(64 << 10) {
        while !chunk.is_empty() {
            // SAFETY: `chunk` is a valid readable slice of `chunk.len()` bytes.
            let n = unsafe { libc::write(fd, chunk.as_ptr().cast(), chunk.len()) };
            ensure!(n > 0, "write: {}", std::io::Error::last_os_error());
            chunk = &chunk[n as usize..];
        }
    }
    Ok(())
}

fn raw(data: &[u8], grow: bool) -> anyhow::Result<usize> {
    let (mut reader, writer) = os_pipe::pipe()?;
    if grow {
        // SAFETY: F_SETPIPE_SZ takes and returns integers only.
        unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    }
    let thread = std::thread::spawn(move || {
        let mut out = Vec::new();
        reader.read_to_end(&mut out).map(|_| out)
    });
    write_fd(writer.as_raw_fd(), data)?;
    drop(writer);
    let out = thread.join().map_err(|_| anyhow::anyhow!("reader panicked"))??;
    Ok(out.len())
}

fn brine(data: &[u8]) -> anyhow::Result<usize> {
    let capture = brine_capture::capture(Stream::Stderr)?;
    write_fd(2, data)?;
    Ok(capture.finish()?.len())
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(15);
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let names = ["brine_capture", "raw_os_pipe_thread", "raw_os_pipe_thread_1mib_pipe"];
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..rounds {
        for (which, times) in times.iter_mut().enumerate() {
            let start = Instant::now();
            let len = match which {
                0 => brine(&data)?,
                1 => raw(&data, false)?,
                _ => raw(&data, true)?,
            };
            times.push(start.elapsed());
            ensure!(len == LEN, "{} got {len} bytes", names[which]);
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let medians: Vec<Duration> = times.iter_mut().map(median).collect();
    for ((name, times), median) in names.iter().zip(&times).zip(&medians) {
        let rate = |time: &Duration| (LEN >> 20) as f64 / time.as_secs_f64();
        println!(
            "{name:30} median {median:>10.2?} ({:>5.0} MiB/s)   best {:>10.2?} ({:>5.0} MiB/s)",
            rate(median),
            times[0],
            rate(&times[0])
        );
    }
    let ratio = medians[1].as_secs_f64() / medians[0].as_secs_f64();
    println!("brine_capture / raw_os_pipe_thread throughput, medians: {:.0}%", ratio * 100.0);
    Ok(())
}
