//! brine's automation, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`); `cargo xtask --help` lists the commands and
//! `cargo xtask <command> --help` their options:
//!
//! - `bench` runs every criterion bench target of the workspace (or those of
//!   the named areas), the Python `dill.temp` peer and the peak-memory cases,
//!   and writes `docs/BENCHMARKS.md`;
//! - `release-check` runs every check a release needs and prints a
//!   pass/fail line with its time for each; it exits non-zero when one fails;
//! - `fuzz` runs the fuzz targets in `fuzz/` under libFuzzer, or a
//!   stable-Rust loop.
//!
//! The workspace is the one the current directory is in, found at run time.
//! What a command needs and the machine lacks (a toolchain, a target,
//! cargo-fuzz) is installed first, saying so (`install.rs`).
//!
//! Beyond std: `anyhow`, `serde_json` (for cargo's and criterion's JSON) and
//! `lexopt` (the command line), so the xtask builds in seconds.

mod bench;
mod cli;
mod dill;
mod fuzz;
mod install;
mod release;
mod workspace;

use std::process::ExitCode;

use cli::Command;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!(
                "error: {error}\n(`cargo xtask --help` lists the commands, `cargo xtask <COMMAND> --help` their options)"
            );
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help(usage) => {
            print!("{usage}");
            return ExitCode::SUCCESS;
        }
        Command::Bench(args) => workspace::root().and_then(|root| bench::run(&root, args)).map(|()| true),
        Command::ReleaseCheck => workspace::root().and_then(|root| release::run(&root)),
        Command::Fuzz(args) => workspace::root().and_then(|root| fuzz::run(&root, args)).map(|()| true),
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
