//! How a capture meets libtest, the harness of `cargo test`. Each claim of
//! docs/CAPTURE.md ("Under cargo test") is checked here by running this test
//! binary again as a child, exactly as `cargo test` or `cargo nextest` would,
//! and reading what the capture inside it saw.
//!
//! The `child_*` tests are the children: they are `#[ignore]`d so that a plain
//! run skips them, and the parent tests run them with `--ignored`.

#![allow(unsafe_code)] // C output through libc, to show it is captured

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use brine_capture::Stream;

const BEGIN: &str = "--- captured stdout ---\n";
const MIDDLE: &str = "\n--- captured stderr ---\n";
const END: &str = "\n--- end ---\n";

/// Runs this test binary with `args`; returns (its stdout, the captured stdout, the captured stderr).
fn run_child(args: &[&str]) -> anyhow::Result<(String, String, String)> {
    let out = Command::new(std::env::current_exe()?)
        .args(args)
        // the child's libtest settings are the ones given here, not the caller's
        .env_remove("RUST_TEST_NOCAPTURE")
        .env_remove("RUST_TEST_THREADS")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ensure!(out.status.success(), "child {args:?} failed: {}\n{stdout}\n{stderr}", out.status);
    let report = stderr.split_once(BEGIN).context("no report from the child")?.1;
    let (captured_out, rest) = report.split_once(MIDDLE).context("report cut short")?;
    let captured_err = rest.split_once(END).context("report cut short")?.0;
    Ok((stdout, captured_out.to_owned(), captured_err.to_owned()))
}

/// Hands the child's captures to the parent on fd 2, past libtest's capture
/// (which only takes the `print!` family).
fn report(stdout: &[u8], stderr: &[u8]) -> std::io::Result<()> {
    let mut report = Vec::new();
    for part in [BEGIN.as_bytes(), stdout, MIDDLE.as_bytes(), stderr, END.as_bytes()] {
        report.extend_from_slice(part);
    }
    std::io::stderr().write_all(&report)
}

const EVERY_WAY: &[&str] = &[
    "println! from the test thread",
    "println! from a spawned thread",
    "io::stdout().write_all",
    "libc::write",
    "child stdout",
];
const EVERY_WAY_ERR: &[&str] = &[
    "eprintln! from the test thread",
    "eprintln! from a spawned thread",
    "io::stderr().write_all",
    "child stderr",
];

#[test]
#[ignore = "a child of the tests below; they run it"]
fn child_writes_every_way() -> anyhow::Result<()> {
    let capture = brine_capture::capture_both()?;
    println!("println! from the test thread");
    eprintln!("eprintln! from the test thread");
    std::thread::spawn(|| {
        println!("println! from a spawned thread");
        eprintln!("eprintln! from a spawned thread");
    })
    .join()
    .map_err(|_| anyhow::anyhow!("thread panicked"))?;
    std::io::stdout().write_all(b"io::stdout().write_all\n")?;
    std::io::stderr().write_all(b"io::stderr().write_all\n")?;
    // SAFETY: a valid byte string and its length.
    unsafe { libc::write(1, b"libc::write\n".as_ptr().cast(), 12) };
    Command::new("sh").args(["-c", "echo child stdout; echo child stderr >&2"]).status()?;
    let both = capture.finish()?;
    report(both.stdout.as_bytes(), both.stderr.as_bytes())?;
    Ok(())
}

#[test]
fn libtest_takes_print_of_test_threads_before_fd_1() -> anyhow::Result<()> {
    // `cargo test`: libtest's output capture is on
    let (_, out, err) = run_child(&["--exact", "child_writes_every_way", "--ignored"])?;
    for missing in ["println! from the test thread", "println! from a spawned thread"] {
        ensure!(!out.contains(missing), "{missing:?} reached fd 1 under libtest's capture: {out:?}");
    }
    for missing in ["eprintln! from the test thread", "eprintln! from a spawned thread"] {
        ensure!(!err.contains(missing), "{missing:?} reached fd 2 under libtest's capture: {err:?}");
    }
    // everything that does not go through the print! family is captured
    ensure!(out == "io::stdout().write_all\nlibc::write\nchild stdout\n", "stdout: {out:?}");
    ensure!(err == "io::stderr().write_all\nchild stderr\n", "stderr: {err:?}");
    Ok(())
}

#[test]
fn nocapture_and_nextest_let_print_reach_fd_1() -> anyhow::Result<()> {
    // `cargo test -- --nocapture`, and the very command line `cargo nextest run` runs
    // each test with, in a process of its own
    let (_, out, err) = run_child(&["--exact", "child_writes_every_way", "--ignored", "--nocapture"])?;
    for line in EVERY_WAY {
        ensure!(out.contains(line), "{line:?} missing from captured stdout {out:?}");
    }
    for line in EVERY_WAY_ERR {
        ensure!(err.contains(line), "{line:?} missing from captured stderr {err:?}");
    }
    Ok(())
}

static CAPTURING: AtomicBool = AtomicBool::new(false);

#[test]
#[ignore = "a child of capture_swallows_progress_lines_of_parallel_tests"]
fn child_progress_capturer() -> anyhow::Result<()> {
    let capture = brine_capture::capture(Stream::Stdout)?;
    CAPTURING.store(true, Ordering::SeqCst);
    // wait (bounded) until libtest has printed the other test's result line
    let deadline = Instant::now() + Duration::from_secs(20);
    while !capture.snapshot()?.to_string_lossy().contains("child_progress_quick ... ok")
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    report(capture.finish()?.as_bytes(), b"")?;
    Ok(())
}

#[test]
#[ignore = "a child of capture_swallows_progress_lines_of_parallel_tests"]
fn child_progress_quick() {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !CAPTURING.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn capture_swallows_progress_lines_of_parallel_tests() -> anyhow::Result<()> {
    let (stdout, out, _) = run_child(&["--ignored", "--test-threads", "2", "child_progress_"])?;
    ensure!(out.contains("test child_progress_quick ... ok"), "progress line not captured: {out:?}");
    ensure!(
        !stdout.contains("test child_progress_quick ... ok"),
        "the progress line also reached libtest's own output: {stdout:?}"
    );
    ensure!(stdout.contains("test child_progress_capturer ... ok"), "libtest output: {stdout:?}");
    Ok(())
}
