//! Peak memory of dumping and loading a 100 MB `Vec<u8>` through a temporary
//! file, brine against the hand-written tempfile + postcard way.
//!
//! Each measurement runs in a fresh process (the peak can't be reset), so run
//! one mode per invocation:
//!
//! ```text
//! cargo run --release -p benches --bin peak_rss -- brine-dump
//! cargo run --release -p benches --bin peak_rss -- hand-dump
//! cargo run --release -p benches --bin peak_rss -- brine-load
//! cargo run --release -p benches --bin peak_rss -- hand-load
//! cargo run --release -p benches --bin peak_rss            # all four, each in a child
//! ```

use std::io::{Read, Write};

use anyhow::{Context, bail};

const LEN: usize = 100_000_000;

fn main() -> anyhow::Result<()> {
    let Some(mode) = std::env::args().nth(1) else {
        println!("{:<12} {:>14} {:>14} {:>10}", "mode", "value (MB)", "peak (MB)", "extra (MB)");
        for mode in ["brine-dump", "hand-dump", "brine-load", "hand-load"] {
            let exe = std::env::current_exe()?;
            let out = std::process::Command::new(exe).arg(mode).output()?;
            if !out.status.success() {
                bail!("{mode} failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
        return Ok(());
    };
    let value: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let (baseline, peak) = match mode.as_str() {
        "brine-dump" => {
            let baseline = peak()?;
            let file = brine_temp::dump(&value)?;
            let peak = peak()?;
            drop(file);
            (baseline, peak)
        }
        "hand-dump" => {
            let baseline = peak()?;
            let mut file = tempfile::NamedTempFile::new()?;
            file.write_all(&postcard::to_allocvec(&value)?)?;
            file.flush()?;
            (baseline, peak()?)
        }
        "brine-load" | "hand-load" => {
            let file = brine_temp::dump(&value)?;
            let raw = tempfile::NamedTempFile::new()?;
            postcard::to_io(&value, raw.as_file())?;
            drop(value);
            // the dropped value's pages went back to the system: start from what is resident now
            let baseline = benches::current_rss().context("no VmRSS in /proc/self/status")?;
            let back: Vec<u8> = if mode == "brine-load" {
                brine_temp::load(&file)?
            } else {
                let mut bytes = Vec::new();
                std::fs::File::open(raw.path())?.read_to_end(&mut bytes)?;
                postcard::from_bytes(&bytes)?
            };
            assert_eq!(back.len(), LEN);
            (baseline, peak()?)
        }
        other => bail!("unknown mode {other}"),
    };
    let extra = peak.saturating_sub(baseline);
    println!("{mode:<12} {:>14.1} {:>14.1} {:>10.1}", mb(LEN as u64), mb(peak), mb(extra));
    Ok(())
}

fn peak() -> anyhow::Result<u64> {
    benches::peak_rss().context("no VmHWM in /proc/self/status")
}
