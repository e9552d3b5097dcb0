//! `cargo xtask fuzz`: run the fuzz targets in `fuzz/`.
//!
//! The targets run under libFuzzer with cargo-fuzz, which needs a nightly
//! compiler (for its `-Z` sanitizer and coverage flags): a missing nightly
//! toolchain or cargo-fuzz is installed first (the install policy of
//! `install.rs`), and when that fails the run stops with the command to run
//! by hand. When the targets don't build for libFuzzer here (a platform
//! without its sanitizers), or with `--stable`, the same target bodies run
//! in `stable_loop`, a mutation loop over the seed corpus. An input that
//! panics, crashes or runs past 10 s fails the run and is saved under
//! `fuzz/artifacts/<target>/`.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::install::{self, Need};

pub const TARGETS: &[&str] = &["io_load", "source_from_str", "round_trip"];

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, PartialEq)]
pub struct Args {
    pub seconds: u64,
    pub stable: bool,
    /// The targets to run; all of them when empty.
    pub targets: Vec<String>,
}

/// Runs `cargo xtask fuzz [--seconds N] [--stable] [TARGET...]`.
pub fn run(root: &Path, args: Args) -> Result<()> {
    let wanted =
        if args.targets.is_empty() { TARGETS.iter().map(|t| t.to_string()).collect() } else { args.targets };
    let fuzz = root.join("fuzz");
    if args.stable {
        return run_stable(&fuzz, &wanted, args.seconds);
    }
    let needs = [
        (Need::Toolchain("nightly".into()), "for cargo-fuzz's sanitizer and coverage flags (-Z)"),
        (
            Need::CargoSubcommand { subcommand: "fuzz", krate: "cargo-fuzz" },
            "to run the targets under libFuzzer",
        ),
    ];
    for (need, why) in &needs {
        if let Err(reason) = install::ensure(need, "fuzz", why) {
            bail!("{reason}\n(or run the stable-Rust loop instead: cargo xtask fuzz --stable)");
        }
    }
    let status = fuzz_command(&fuzz).args(["build", "--features", "libfuzzer"]).status()?;
    if !status.success() {
        println!(
            "fuzz: the targets don't build for libFuzzer here (`cargo +nightly fuzz build` {status}); \
             running the stable loop instead"
        );
        return run_stable(&fuzz, &wanted, args.seconds);
    }
    run_libfuzzer(&fuzz, &wanted, args.seconds)
}

/// `cargo +nightly fuzz`, in `fuzz/`, through rustup (the cargo running the
/// xtask may be a toolchain's own binary, which takes no `+toolchain`).
fn fuzz_command(fuzz: &Path) -> Command {
    let mut command = Command::new("rustup");
    command.current_dir(fuzz).args(["run", "nightly", "cargo", "fuzz"]);
    command
}

fn run_libfuzzer(fuzz: &Path, targets: &[String], seconds: u64) -> Result<()> {
    let mut failed = Vec::new();
    let mut summary = Vec::new();
    for target in targets {
        // new inputs go to target/fuzz-corpus, so the committed seed corpus stays small
        let work = fuzz.join("target").join("fuzz-corpus").join(target);
        std::fs::create_dir_all(&work)?;
        let seeds = fuzz.join("corpus").join(target);
        println!("fuzz: {target} for {seconds} s under libFuzzer");
        let output = fuzz_command(fuzz)
            .args(["run", "--features", "libfuzzer", target])
            .arg(&work)
            .arg(&seeds)
            .args(["--", &format!("-max_total_time={seconds}"), "-timeout=10", "-print_final_stats=1"])
            .output()?;
        let log = String::from_utf8_lossy(&output.stderr);
        let line = stats(&log);
        println!("fuzz: {target}: {line}");
        summary.push(format!("{target}: {line}"));
        if !output.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            println!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            failed.push(target.clone());
        }
    }
    println!("\nfuzz summary (libFuzzer):\n  {}", summary.join("\n  "));
    if !failed.is_empty() {
        bail!("fuzz targets failed: {} (inputs in fuzz/artifacts/)", failed.join(", "));
    }
    Ok(())
}

/// Execs, coverage and crashes from libFuzzer's final stats.
fn stats(log: &str) -> String {
    let stat = |key: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| "?".into())
    };
    let cov = log
        .lines()
        .rev()
        .find_map(|l| l.split("cov: ").nth(1).and_then(|r| r.split_whitespace().next()))
        .unwrap_or("?");
    let crashed = log.contains("ERROR: libFuzzer") || log.contains("SUMMARY: AddressSanitizer");
    format!(
        "{} execs, {} execs/s, coverage {cov} edges, peak RSS {} MB, {}",
        stat("stat::number_of_executed_units:"),
        stat("stat::average_exec_per_sec:"),
        stat("stat::peak_rss_mb:"),
        if crashed { "CRASHED" } else { "0 crashes" }
    )
}

fn run_stable(fuzz: &Path, targets: &[String], seconds: u64) -> Result<()> {
    let status = Command::new("cargo")
        .current_dir(fuzz)
        .args(["run", "--release", "--bin", "stable_loop", "--", "--seconds", &seconds.to_string()])
        .args(targets)
        .status()?;
    if !status.success() {
        bail!("the stable fuzz loop found a failing input (saved under fuzz/artifacts/)");
    }
    Ok(())
}
