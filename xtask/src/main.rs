//! brine's automation, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`):
//!
//! - `cargo xtask bench [--quick] [--no-dill] [--render-only] [AREA...]` runs every criterion
//!   bench target of the workspace (or those of the named areas), the Python
//!   `dill.temp` peer and the peak-memory cases, and writes
//!   `docs/BENCHMARKS.md`;
//! - `cargo xtask release-check` runs every check a release needs and prints a
//!   pass/fail line for each; it exits non-zero when one fails.
//!
//! Only `anyhow` and `serde_json` (for cargo's and criterion's JSON) beyond
//! std, so the xtask builds in seconds.

mod bench;
mod dill;
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
        cargo package and crate metadata: one PASS/FAIL line each.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::Args::parse(&args[1..]).and_then(bench::run).map(|()| true),
        Some("release-check") if args.len() == 1 => release::run(),
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
