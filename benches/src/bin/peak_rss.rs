//! Peak memory of dumping and loading a 100 MB `Vec<u8>` through a temporary
//! file, brine against the hand-written tempfile + postcard way.
//!
//! A process's peak can't be reset, so every case runs in a child process of
//! its own and the parent reads the child's peak resident set size from
//! `wait4` (`getrusage`'s `ru_maxrss` of that one child). The files the load
//! cases read are written by the parent beforehand, so a load's peak holds no
//! trace of the dump that made its file.
//!
//! ```text
//! cargo run --release -p benches --bin peak_rss            # every case, a table
//! cargo run --release -p benches --bin peak_rss -- --tsv   # every case, `case<TAB>peak bytes` lines
//! ```
//!
//! The cases:
//!
//! - `empty`: the process itself, nothing allocated (the floor of every case);
//! - `value`: the 100 MB value built, nothing else (the floor of a dump);
//! - `brine-dump`: the value, then `brine_temp::dump`;
//! - `hand-dump`: the value, then `postcard::to_allocvec` written to a `NamedTempFile`;
//! - `hand-dump-to-io`: the value, then `postcard::to_io` streamed to a `NamedTempFile`;
//! - `brine-load`: `brine_temp::load` of a file the parent wrote;
//! - `hand-load`: the file read into a `Vec<u8>`, then `postcard::from_bytes`.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail, ensure};

/// The size of the value, in bytes.
const LEN: usize = 100_000_000;

const CASES: [&str; 7] =
    ["empty", "value", "brine-dump", "hand-dump", "hand-dump-to-io", "brine-load", "hand-load"];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--case") => {
            let [_, case, dir] = args.as_slice() else { bail!("usage: peak_rss --case <case> <dir>") };
            run_case(case, Path::new(dir))
        }
        Some("--tsv") => {
            for (case, peak) in measure_all()? {
                println!("{case}\t{peak}");
            }
            Ok(())
        }
        None => {
            let peaks = measure_all()?;
            let floor = peaks.iter().find(|(case, _)| *case == "empty").map_or(0, |(_, peak)| *peak);
            println!("{:<16} {:>10} {:>22}", "case", "peak (MB)", "above empty (x value)");
            for (case, peak) in peaks {
                let above = peak.saturating_sub(floor) as f64 / LEN as f64;
                println!("{case:<16} {:>10.1} {above:>22.2}", peak as f64 / 1e6);
            }
            Ok(())
        }
        Some(other) => bail!("unknown argument {other}; expected --tsv, or nothing"),
    }
}

fn value() -> Vec<u8> {
    (0..LEN).map(|i| (i % 251) as u8).collect()
}

fn brine_file(dir: &Path) -> PathBuf {
    dir.join("value.brine")
}

fn hand_file(dir: &Path) -> PathBuf {
    dir.join("value.postcard")
}

/// Writes the files the load cases read, then runs every case in a child.
///
/// The files are written by a child too: a child's `ru_maxrss` starts from
/// the peak of the process that spawned it (Linux keeps the larger of the two
/// across `exec`, and `posix_spawn` execs from the parent's memory map), so
/// the parent itself must never hold the value.
fn measure_all() -> anyhow::Result<Vec<(&'static str, u64)>> {
    let dir = tempfile::tempdir()?;
    run_child("write-files", dir.path())?;
    CASES.into_iter().map(|case| Ok((case, run_child(case, dir.path())?))).collect()
}

/// Runs one case in a child process and returns the child's peak resident
/// set size in bytes.
fn run_child(case: &str, dir: &Path) -> anyhow::Result<u64> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--case")
        .arg(case)
        .arg(dir)
        .stdin(Stdio::null())
        .spawn()
        .with_context(|| format!("starting the {case} case"))?;
    let (status, peak) = wait_with_peak(&mut child)?;
    ensure!(status == 0, "the {case} case failed (wait status {status})");
    Ok(peak)
}

/// Waits for `child` and returns its wait status and its peak resident set
/// size in bytes.
fn wait_with_peak(child: &mut std::process::Child) -> anyhow::Result<(i32, u64)> {
    let pid = libc::pid_t::try_from(child.id())?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std's `Child` is never
    // waited on here), and both out-pointers point to live, writable locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if reaped != pid {
        return Err(std::io::Error::last_os_error()).context("wait4 on the case's process");
    }
    // Linux reports ru_maxrss in KiB.
    Ok((status, u64::try_from(usage.ru_maxrss)? * 1024))
}

fn run_case(case: &str, dir: &Path) -> anyhow::Result<()> {
    match case {
        "write-files" => {
            let value = value();
            brine_temp::Builder::new().dir(dir).dump(&value)?.persist(brine_file(dir))?;
            let mut out = BufWriter::new(std::fs::File::create(hand_file(dir))?);
            postcard::to_io(&value, &mut out)?;
            out.flush()?;
        }
        "empty" => {}
        "value" => {
            std::hint::black_box(value());
        }
        "brine-dump" => {
            let value = value();
            let file = brine_temp::Builder::new().dir(dir).dump(&value)?;
            std::hint::black_box(&file);
        }
        "hand-dump" => {
            let value = value();
            let mut file = tempfile::NamedTempFile::new_in(dir)?;
            file.write_all(&postcard::to_allocvec(&value)?)?;
            file.flush()?;
        }
        "hand-dump-to-io" => {
            let value = value();
            let mut file = tempfile::NamedTempFile::new_in(dir)?;
            postcard::to_io(&value, BufWriter::new(file.as_file_mut()))?.flush()?;
        }
        "brine-load" => {
            let back: Vec<u8> = brine_temp::load(brine_file(dir))?;
            ensure!(back.len() == LEN, "loaded {} bytes, expected {LEN}", back.len());
        }
        "hand-load" => {
            let mut bytes = Vec::new();
            std::fs::File::open(hand_file(dir))?.read_to_end(&mut bytes)?;
            let back: Vec<u8> = postcard::from_bytes(&bytes)?;
            ensure!(back.len() == LEN, "loaded {} bytes, expected {LEN}", back.len());
        }
        other => bail!("unknown case {other}; expected one of {CASES:?}"),
    }
    Ok(())
}
