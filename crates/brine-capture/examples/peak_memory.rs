//! Peak memory of capturing 64 MiB: how much the process's peak resident set
//! grows beyond the data being written.
//!
//! ```text
//! cargo run --release -p brine-capture --example peak_memory
//! ```
//!
//! Linux only (reads `VmHWM` from /proc/self/status).

use std::io::Write;

use anyhow::Context;
use brine_capture::Stream;

const LEN: usize = 64 << 20;

fn peak_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).context("no VmHWM")?;
    Ok(line.split_whitespace().nth(1).context("VmHWM without a value")?.parse()?)
}

fn main() -> anyhow::Result<()> {
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    // one small capture first, so the reader thread's stack is in the baseline
    brine_capture::capture(Stream::Stderr)?.finish()?;
    let before = peak_kib()?;
    let capture = brine_capture::capture(Stream::Stderr)?;
    for chunk in data.chunks(64 << 10) {
        std::io::stderr().write_all(chunk)?;
    }
    let output = capture.finish()?;
    let after = peak_kib()?;
    anyhow::ensure!(output.as_bytes() == data, "captured bytes differ");
    let extra = (after - before) as f64 / 1024.0;
    println!(
        "captured {} MiB: peak resident set grew by {extra:.1} MiB ({:.2}x the output)",
        LEN >> 20,
        extra / (LEN >> 20) as f64
    );
    Ok(())
}
