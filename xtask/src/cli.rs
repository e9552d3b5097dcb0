//! The command line: `cargo xtask <command> [options]`, parsed with
//! `lexopt`, and the usage text of each command.
//!
//! Parsing only builds a [`Command`]; nothing runs here, so every rule
//! (unknown options, missing values, `--help` anywhere) is unit tested.

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::{bench, fuzz};

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Print this text on stdout and exit 0.
    Help(&'static str),
    Bench(bench::Args),
    ReleaseCheck,
    Fuzz(fuzz::Args),
}

pub const USAGE: &str = "\
brine's automation.

usage: cargo xtask <COMMAND> [OPTIONS]

commands:
    bench           run the benchmarks and write docs/BENCHMARKS.md
    release-check   run every check a release needs, a PASS/FAIL line each
    fuzz            run the fuzz targets in fuzz/
    help [COMMAND]  print this text, or a command's

`cargo xtask <COMMAND> --help` prints the options of a command.
";

pub const BENCH_USAGE: &str = "\
Runs the criterion benchmarks of every area (or of the AREAs named: io,
temp, source, capture, code, ...), Python's dill.temp on the same objects
and the peak-memory cases, then writes docs/BENCHMARKS.md.

usage: cargo xtask bench [OPTIONS] [AREA...]

options:
    --quick         short measurements (a few minutes for everything)
    --no-dill       leave out the Python dill.temp column
    --render-only   write docs/BENCHMARKS.md again from the stored results
                    of an earlier run (refused when there are none)
    -h, --help      print this text
";

pub const RELEASE_USAGE: &str = "\
Runs every check a release needs and prints a PASS/FAIL line for each, with
its time: fmt, clippy, the tests (once), the README's commands, the docs
(as docs.rs builds them too), the declared MSRV (rust-version), the facade
with each feature alone and for a Windows and a macOS target, the benches'
build, cargo package and the crates' metadata. Exits non-zero when one fails.

What a check needs and lacks (a toolchain, a target) is installed with rustup
first, saying so; when that fails (offline), the check fails with the command
to run by hand.

usage: cargo xtask release-check

options:
    -h, --help      print this text
";

pub const FUZZ_USAGE: &str = "\
Runs the fuzz targets under libFuzzer (cargo-fuzz, on a nightly toolchain)
for N seconds each. A missing nightly toolchain or cargo-fuzz is installed
first, saying so; when that fails, the run stops with the command to run by
hand. --stable, or targets that don't build for libFuzzer here, run the same
targets in a stable-Rust mutation loop instead.

usage: cargo xtask fuzz [OPTIONS] [TARGET...]

targets: io_load, source_from_str, round_trip (default: all)

options:
    --seconds N     how long each target runs (default 60)
    --stable        use the stable-Rust loop, not libFuzzer
    -h, --help      print this text
";

/// Parses the arguments after `cargo xtask`.
pub fn parse<I>(args: I) -> Result<Command, lexopt::Error>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut parser = lexopt::Parser::from_args(args);
    match parser.next()? {
        None => Err("expected a command, found none".into()),
        Some(Short('h') | Long("help")) => Ok(Command::Help(USAGE)),
        Some(Value(command)) => match command.string()?.as_str() {
            "bench" => bench_args(&mut parser),
            "release-check" => release_args(&mut parser),
            "fuzz" => fuzz_args(&mut parser),
            "help" => help_args(&mut parser),
            other => {
                Err(format!("unknown command `{other}`; the commands are bench, release-check, fuzz").into())
            }
        },
        Some(other) => Err(other.unexpected()),
    }
}

fn bench_args(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut args = bench::Args { quick: false, dill: true, render_only: false, areas: Vec::new() };
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help(BENCH_USAGE)),
            Long("quick") => args.quick = true,
            Long("no-dill") => args.dill = false,
            Long("render-only") => args.render_only = true,
            Value(area) => args.areas.push(area.string()?),
            other => return Err(other.unexpected()),
        }
    }
    Ok(Command::Bench(args))
}

fn release_args(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    match parser.next()? {
        None => Ok(Command::ReleaseCheck),
        Some(Short('h') | Long("help")) => Ok(Command::Help(RELEASE_USAGE)),
        Some(other) => Err(other.unexpected()),
    }
}

fn fuzz_args(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut args = fuzz::Args { seconds: 60, stable: false, targets: Vec::new() };
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help(FUZZ_USAGE)),
            Long("seconds") => args.seconds = parser.value()?.parse()?,
            Long("stable") => args.stable = true,
            Value(target) => {
                let target = target.string()?;
                if !fuzz::TARGETS.contains(&target.as_str()) {
                    let known = fuzz::TARGETS.join(", ");
                    return Err(format!("unknown fuzz target `{target}`; the targets are {known}").into());
                }
                args.targets.push(target);
            }
            other => return Err(other.unexpected()),
        }
    }
    Ok(Command::Fuzz(args))
}

fn help_args(parser: &mut lexopt::Parser) -> Result<Command, lexopt::Error> {
    let usage = match parser.next()? {
        None => USAGE,
        Some(Value(command)) => match command.string()?.as_str() {
            "bench" => BENCH_USAGE,
            "release-check" => RELEASE_USAGE,
            "fuzz" => FUZZ_USAGE,
            "help" => USAGE,
            other => return Err(format!("no help for `{other}`: it is not a command").into()),
        },
        Some(other) => return Err(other.unexpected()),
    };
    match parser.next()? {
        None => Ok(Command::Help(usage)),
        Some(other) => Err(other.unexpected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &str) -> Result<Command, String> {
        parse(args.split_whitespace()).map_err(|e| e.to_string())
    }

    #[test]
    fn every_command_has_its_own_help() {
        assert_eq!(parse_str("--help"), Ok(Command::Help(USAGE)));
        assert_eq!(parse_str("-h"), Ok(Command::Help(USAGE)));
        assert_eq!(parse_str("help"), Ok(Command::Help(USAGE)));
        for (command, usage) in
            [("bench", BENCH_USAGE), ("release-check", RELEASE_USAGE), ("fuzz", FUZZ_USAGE)]
        {
            assert_eq!(parse_str(&format!("{command} --help")), Ok(Command::Help(usage)), "{command}");
            assert_eq!(parse_str(&format!("{command} -h")), Ok(Command::Help(usage)), "{command}");
            assert_eq!(parse_str(&format!("help {command}")), Ok(Command::Help(usage)), "{command}");
            assert!(usage.contains(&format!("usage: cargo xtask {command}")), "{command}");
        }
        // `--help` wins wherever it stands, even after other options
        assert_eq!(parse_str("bench --quick io --help"), Ok(Command::Help(BENCH_USAGE)));
        assert_eq!(parse_str("fuzz --seconds 5 -h"), Ok(Command::Help(FUZZ_USAGE)));
    }

    #[test]
    fn bench_takes_flags_and_areas_in_any_order() {
        let Ok(Command::Bench(args)) = parse_str("bench io --quick temp --no-dill") else {
            panic!("expected bench");
        };
        assert_eq!(args.areas, ["io", "temp"]);
        assert!(args.quick && !args.dill && !args.render_only);

        let Ok(Command::Bench(args)) = parse_str("bench --render-only") else { panic!("expected bench") };
        assert!(args.render_only && args.dill && args.areas.is_empty());
    }

    #[test]
    fn fuzz_reads_seconds_in_both_spellings_and_checks_targets() {
        let Ok(Command::Fuzz(args)) = parse_str("fuzz --seconds 5 io_load") else { panic!("expected fuzz") };
        assert_eq!((args.seconds, args.stable, args.targets), (5, false, vec!["io_load".to_owned()]));
        let Ok(Command::Fuzz(args)) = parse_str("fuzz --seconds=7 --stable") else { panic!("expected fuzz") };
        assert_eq!((args.seconds, args.stable, args.targets.len()), (7, true, 0));

        let missing = parse_str("fuzz --seconds").unwrap_err();
        assert!(missing.contains("--seconds"), "{missing}");
        let not_a_number = parse_str("fuzz --seconds soon").unwrap_err();
        assert!(not_a_number.contains("soon"), "{not_a_number}");
        let unknown = parse_str("fuzz io_dump").unwrap_err();
        assert!(
            unknown.contains("unknown fuzz target `io_dump`") && unknown.contains("round_trip"),
            "{unknown}"
        );
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse_str("").unwrap_err().contains("expected a command"));
        assert!(parse_str("benhc").unwrap_err().contains("unknown command `benhc`"));
        assert!(parse_str("bench --fast").unwrap_err().contains("--fast"));
        assert!(parse_str("release-check --quick").unwrap_err().contains("--quick"));
        assert!(parse_str("release-check now").unwrap_err().contains("now"));
        assert!(parse_str("help frobnicate").unwrap_err().contains("`frobnicate`"));
        assert!(parse_str("--quick bench").unwrap_err().contains("--quick"));
    }

    #[test]
    fn release_check_takes_no_arguments() {
        assert_eq!(parse_str("release-check"), Ok(Command::ReleaseCheck));
    }
}
