//! brine's automation, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`):
//!
//! - `cargo xtask bench [--quick] [--no-dill] [--render-only] [AREA...]` runs every criterion
//!   bench target of the workspace (or those of the named areas), the Python
//!   `dill.temp` peer and the peak-memory cases, and writes
//!   `docs/BENCHMARKS.md`;
//! - `cargo xtask release-check` runs every check a release needs and prints a
//!   pass/fail line for each; it exits non-zero when one fails;
//! - `cargo xtask fuzz [--seconds N] [--stable] [TARGET...]` runs the fuzz
//!   targets in `fuzz/` under libFuzzer, or a stable-Rust loop when it can't.
//!
//! Only `anyhow` and `serde_json` (for cargo's and criterion's JSON) beyond
//! std, so the xtask builds in seconds.

mod bench;
mod dill;
mod fuzz;
mod release;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "\
usage:
    cargo xtask bench [--quick] [--no-dill] [--render-only] [AREA...]
        Runs the criterion benchmarks of every area (or of the AREAs named:
        io, temp, source, capture, code, ...), Python's dill.temp on the same
        objects and the peak-memory cases, then writes docs/BENCHMARKS.md.
        --quick     short measurements (a few minutes for everything)
        --no-dill   leave out the Python dill.temp column
        --render-only  write docs/BENCHMARKS.md again from the last results
    cargo xtask release-check
        fmt, clippy, tests, docs, the README's commands, benches build,
        cargo package and crate metadata: one PASS/FAIL line each.
    cargo xtask fuzz [--seconds N] [--stable] [TARGET...]
        Runs the fuzz targets (io_load, source_from_str, round_trip) for N
        seconds each (default 60) under cargo-fuzz, installing it when
        missing; --stable, or no way to build for libFuzzer, runs the same
        targets in a stable-Rust mutation loop.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::Args::parse(&args[1..]).and_then(bench::run).map(|()| true),
        Some("release-check") if args.len() == 1 => release::run(),
        Some("fuzz") => fuzz::run(&workspace::root(), &args[1..]).map(|()| true),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
