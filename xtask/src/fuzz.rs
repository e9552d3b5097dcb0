//! `cargo xtask fuzz`: run the fuzz targets in `fuzz/`.
//!
//! With cargo-fuzz (installed when missing) the targets run under libFuzzer
//! with coverage guidance and AddressSanitizer. cargo-fuzz needs nightly
//! flags: a nightly toolchain is used when rustup has one, else the stable
//! compiler with `RUSTC_BOOTSTRAP=1`. When neither builds, the same target
//! bodies run in `stable_loop`, a mutation loop over the seed corpus, so the
//! check still runs. An input that panics, crashes or runs past 10 s fails
//! the run and is saved under `fuzz/artifacts/<target>/`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

const TARGETS: &[&str] = &["io_load", "source_from_str", "round_trip"];

/// Runs `cargo xtask fuzz [--seconds N] [--stable] [TARGET...]`.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut wanted: Vec<String> = Vec::new();
    let mut stable = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = it.next().context("--seconds needs a number")?.parse().context("--seconds N")?
            }
            "--stable" => stable = true,
            name if TARGETS.contains(&name) => wanted.push(name.to_owned()),
            other => bail!("unknown argument {other:?}; targets are {}", TARGETS.join(", ")),
        }
    }
    if wanted.is_empty() {
        wanted = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    let fuzz = root.join("fuzz");
    if !stable {
        match libfuzzer_ready(&fuzz) {
            Ok(()) => return run_libfuzzer(&fuzz, &wanted, seconds),
            Err(why) => {
                println!("fuzz: libFuzzer can't be used here ({why:#}); running the stable loop instead")
            }
        }
    }
    run_stable(&fuzz, &wanted, seconds)
}

/// cargo-fuzz is installed (or installs) and the targets build with it.
fn libfuzzer_ready(fuzz: &Path) -> Result<()> {
    let have = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !have {
        println!("fuzz: installing cargo-fuzz from crates.io");
        let status = Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]).status()?;
        if !status.success() {
            bail!("`cargo install cargo-fuzz` failed");
        }
    }
    let status = fuzz_command(fuzz).args(["build", "--features", "libfuzzer"]).status()?;
    if !status.success() {
        bail!(
            "`cargo fuzz build` failed (cargo-fuzz needs nightly flags: no nightly toolchain, \
             and RUSTC_BOOTSTRAP=1 did not help)"
        );
    }
    Ok(())
}

fn fuzz_command(fuzz: &Path) -> Command {
    let mut command = Command::new("cargo");
    command.current_dir(fuzz);
    let rustup_nightly =
        Command::new("rustc").args(["+nightly", "-V"]).output().is_ok_and(|o| o.status.success());
    if rustup_nightly {
        command.arg("+nightly");
    } else {
        // cargo-fuzz passes -Z flags (sanitizers, coverage); a stable rustc accepts them with this
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    command.arg("fuzz");
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
