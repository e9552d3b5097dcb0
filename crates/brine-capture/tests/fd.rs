//! Capture of the real fd 1 and fd 2: `println!`, direct writes, C output,
//! threads, child processes, huge output, nesting, concurrency, panics, closed
//! descriptors and descriptor leaks; signals, writers that never pause, fork
//! and replaced descriptors in `fd/hostile.rs`.
//!
//! This target runs without libtest's harness (`harness = false` in
//! Cargo.toml): libtest would take `println!` of its test threads before it
//! reaches fd 1, and would print progress lines of parallel tests into our
//! captures. Here the cases run one after another on the main thread and the
//! runner prints only between captures. `--list`, name filters, `--exact` and
//! `--skip` work as with libtest; its other options are accepted and ignored.

#![allow(unsafe_code, clippy::panic)] // fd games through libc, each with its SAFETY comment; this harness reports a failure by panicking

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::panic;
use std::process::{Command, ExitCode};
use std::sync::Barrier;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use brine_capture::{Error, Options, Stream, capture, capture_both, capturing};

#[path = "fd/hostile.rs"]
mod hostile;

type Case = (&'static str, fn() -> anyhow::Result<()>);

const CASES: &[Case] = &[
    ("println_and_print", println_and_print),
    ("stdout_handle_writes", stdout_handle_writes),
    ("c_stdio_and_write", c_stdio_and_write),
    ("threads_spawned_inside", threads_spawned_inside),
    ("child_process_inherits", child_process_inherits),
    ("stderr_everything", stderr_everything),
    ("both_kept_apart", both_kept_apart),
    ("merged_in_arrival_order", merged_in_arrival_order),
    ("snapshot_reads_without_stopping", snapshot_reads_without_stopping),
    ("huge_output_every_byte", huge_output_every_byte),
    ("both_streams_huge_at_once", both_streams_huge_at_once),
    ("non_utf8_preserved_and_decoded_once", non_utf8_preserved_and_decoded_once),
    ("nested_same_stream", nested_same_stream),
    ("nested_out_of_order_finish", nested_out_of_order_finish),
    ("eight_threads_take_turns", eight_threads_take_turns),
    ("busy_after_wait_bound", busy_after_wait_bound),
    ("panic_in_closure_restores", panic_in_closure_restores),
    ("panic_with_guard_restores", panic_with_guard_restores),
    ("panic_message_not_lost", panic_message_not_lost),
    ("fd_pointing_to_dev_null", fd_pointing_to_dev_null),
    ("fd_closed_at_start", fd_closed_at_start),
    ("background_child_is_drained_not_awaited", background_child_is_drained_not_awaited),
    ("no_fd_or_thread_leak_over_10000_cycles", no_fd_or_thread_leak_over_10000_cycles),
    ("works_in_a_forked_child", works_in_a_forked_child),
    ("drain_idle_bound_survives_signals", hostile::drain_idle_bound_survives_signals),
    ("drain_limit_holds_under_busy_writers", hostile::drain_limit_holds_under_busy_writers),
    ("drain_without_bounds_does_not_overflow", hostile::drain_without_bounds_does_not_overflow),
    ("fork_while_another_thread_captures", hostile::fork_while_another_thread_captures),
    ("fork_child_leaves_parents_output_alone", hostile::fork_child_leaves_parents_output_alone),
    ("replaced_fd_is_left_to_the_user", hostile::replaced_fd_is_left_to_the_user),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(scenario) = args.iter().position(|arg| arg == "--child").and_then(|i| args.get(i + 1)) {
        return child(scenario);
    }
    if args.iter().any(|arg| arg == "--ignored") {
        return ExitCode::SUCCESS; // none is ignored: nothing to list or run
    }
    if args.iter().any(|arg| arg == "--list") {
        for (name, _) in CASES {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let exact = args.iter().any(|arg| arg == "--exact");
    // libtest's options that take a value, so the value is not read as a filter
    const WITH_VALUE: &[&str] =
        &["--test-threads", "--format", "--color", "--logfile", "--shuffle-seed", "-Z", "--skip"];
    let (mut filters, mut skips) = (Vec::new(), Vec::new());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if WITH_VALUE.contains(&arg.as_str()) {
            let value = rest.next().map(String::as_str).unwrap_or_default();
            if arg == "--skip" {
                skips.push(value);
            }
        } else if !arg.starts_with('-') {
            filters.push(arg.as_str());
        }
    }
    let matches = |name: &str, pattern: &str| if exact { name == pattern } else { name.contains(pattern) };
    let selected: Vec<&Case> = CASES
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| matches(name, f)))
        .filter(|(name, _)| !skips.iter().any(|s| matches(name, s)))
        .collect();
    println!("\nrunning {} tests (fd capture, one at a time)", selected.len());
    let mut failed = Vec::new();
    for (name, case) in &selected {
        match case() {
            Ok(()) => println!("test {name} ... ok"),
            Err(error) => {
                println!("test {name} ... FAILED\n    {error:#}");
                failed.push(*name);
            }
        }
    }
    let passed = selected.len() - failed.len();
    if failed.is_empty() {
        println!("\ntest result: ok. {passed} passed; 0 failed\n");
        ExitCode::SUCCESS
    } else {
        println!("\nfailures: {failed:?}\ntest result: FAILED. {passed} passed; {} failed\n", failed.len());
        ExitCode::FAILURE
    }
}

// ---- helpers -------------------------------------------------------------

/// What `fd` points to, as (device, inode): equal before and after means restored.
fn identity(fd: i32) -> anyhow::Result<(u64, u64)> {
    let meta = std::fs::metadata(format!("/proc/self/fd/{fd}")).with_context(|| format!("stat fd {fd}"))?;
    Ok((meta.dev(), meta.ino()))
}

fn count_dir(path: &str) -> anyhow::Result<usize> {
    Ok(std::fs::read_dir(path)?.count())
}

fn sh(script: &str) -> anyhow::Result<()> {
    let status = Command::new("sh").args(["-c", script]).status()?;
    ensure!(status.success(), "sh -c {script:?} failed: {status}");
    Ok(())
}

/// `libc::write` on `fd`, all of `bytes`.
fn raw_write(fd: i32, mut bytes: &[u8]) -> anyhow::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a valid readable slice of `bytes.len()` bytes.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        ensure!(n > 0, "write to fd {fd}: {}", std::io::Error::last_os_error());
        bytes = &bytes[n as usize..];
    }
    Ok(())
}

/// Runs `f` with fd `fd` temporarily replaced (by `setup`) and restored after.
fn with_fd_replaced(
    fd: i32,
    setup: impl FnOnce() -> anyhow::Result<()>,
    f: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let _ = std::io::stdout().flush();
    // SAFETY: dup only takes a descriptor number.
    let saved = unsafe { libc::dup(fd) };
    ensure!(saved >= 0, "dup: {}", std::io::Error::last_os_error());
    let result = setup().and_then(|()| f());
    let _ = std::io::stdout().flush();
    // SAFETY: dup2/close only take descriptor numbers; `saved` is ours.
    unsafe {
        libc::dup2(saved, fd);
        libc::close(saved);
    }
    result
}

fn silent_panics<R>(f: impl FnOnce() -> R) -> R {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = f();
    panic::set_hook(hook);
    result
}

// ---- what a capture sees ---------------------------------------------------

fn println_and_print() -> anyhow::Result<()> {
    let capture = capture(Stream::Stdout)?;
    println!("line {}", 1);
    print!("no newline yet");
    let output = capture.finish()?;
    ensure!(output.to_str()? == "line 1\nno newline yet", "got {:?}", output.to_string_lossy());
    // a small output keeps a small buffer, not one sized for a full pipe
    let capacity = output.into_bytes().capacity();
    ensure!(capacity <= 64 << 10, "22 bytes captured in a buffer of {capacity} bytes");
    Ok(())
}

fn stdout_handle_writes() -> anyhow::Result<()> {
    let (result, output) = capturing(Stream::Stdout, || -> std::io::Result<()> {
        std::io::stdout().write_all(b"write_all\n")?;
        let mut lock = std::io::stdout().lock();
        write!(lock, "locked {}", 2)?;
        lock.write_all(b"\n")
    })?;
    result?;
    ensure!(output.to_str()? == "write_all\nlocked 2\n", "got {:?}", output.to_string_lossy());
    Ok(())
}

fn c_stdio_and_write() -> anyhow::Result<()> {
    // C stdio buffers output to a pipe: finishing must flush it (fflush(NULL))
    let output = capturing(Stream::Stdout, || {
        // SAFETY: NUL-terminated literals; printf's format matches its one int argument.
        unsafe {
            libc::puts(c"puts".as_ptr());
            libc::printf(c"printf %d\n".as_ptr(), 7 as libc::c_int);
        }
    })?
    .1;
    ensure!(output.to_str()? == "puts\nprintf 7\n", "C stdio: got {:?}", output.to_string_lossy());

    let (written, output) = capturing(Stream::Stdout, || raw_write(1, b"libc::write\n"))?;
    written?;
    ensure!(output.to_str()? == "libc::write\n", "libc::write: got {:?}", output.to_string_lossy());
    Ok(())
}

fn threads_spawned_inside() -> anyhow::Result<()> {
    let ((), output) = capturing(Stream::Stdout, || {
        std::thread::scope(|scope| {
            for t in 0..4 {
                scope.spawn(move || {
                    for i in 0..100 {
                        println!("thread {t} line {i}");
                    }
                });
            }
        });
    })?;
    let mut lines: Vec<&str> = output.to_str()?.lines().collect();
    lines.sort_unstable();
    let mut expected: Vec<String> =
        (0..4).flat_map(|t| (0..100).map(move |i| format!("thread {t} line {i}"))).collect();
    expected.sort_unstable();
    ensure!(lines == expected, "got {} lines, expected 400 distinct ones", lines.len());
    Ok(())
}

fn child_process_inherits() -> anyhow::Result<()> {
    // stderr outside, stdout inside: also nesting across the two streams
    let errors = capture(Stream::Stderr)?;
    let out = capture(Stream::Stdout)?;
    sh("echo hi; echo err >&2")?;
    let out = out.finish()?;
    let errors = errors.finish()?;
    ensure!(out.to_str()? == "hi\n", "child stdout: {:?}", out.to_string_lossy());
    ensure!(errors.to_str()? == "err\n", "child stderr: {:?}", errors.to_string_lossy());
    Ok(())
}

fn stderr_everything() -> anyhow::Result<()> {
    let capture = capture(Stream::Stderr)?;
    eprintln!("eprintln");
    eprint!("eprint ");
    std::io::stderr().write_all(b"write_all\n")?;
    raw_write(2, b"libc::write\n")?;
    // C stdio on fd 2: a fully buffered stream that only finish's fflush(NULL) empties.
    // SAFETY: NUL-terminated strings; the FILE is left open (it would close fd 2).
    unsafe {
        let file = libc::fdopen(2, c"w".as_ptr());
        ensure!(!file.is_null(), "fdopen: {}", std::io::Error::last_os_error());
        libc::setvbuf(file, std::ptr::null_mut(), libc::_IOFBF, 4096);
        libc::fputs(c"C stdio\n".as_ptr(), file);
    }
    std::thread::spawn(|| eprintln!("from a thread")).join().map_err(|_| anyhow::anyhow!("thread"))?;
    sh("echo child >&2")?;
    let output = capture.finish()?;
    let expected = "eprintln\neprint write_all\nlibc::write\nfrom a thread\nchild\nC stdio\n";
    ensure!(output.to_str()? == expected, "got {:?}", output.to_string_lossy());
    Ok(())
}

fn both_kept_apart() -> anyhow::Result<()> {
    let (status, both) = brine_capture::capturing_both(|| {
        println!("out 1");
        eprintln!("err 1");
        let status = Command::new("sh").args(["-c", "echo hi; echo err >&2"]).status();
        println!("out 2");
        status
    })?;
    ensure!(status?.success());
    ensure!(both.stdout.to_str()? == "out 1\nhi\nout 2\n", "stdout {:?}", both.stdout);
    ensure!(both.stderr.to_str()? == "err 1\nerr\n", "stderr {:?}", both.stderr);
    ensure!(both.stdout.stream() == Stream::Stdout && both.stderr.stream() == Stream::Stderr);
    Ok(())
}

fn merged_in_arrival_order() -> anyhow::Result<()> {
    let capture = capture(Stream::Merged)?;
    println!("out 1");
    eprintln!("err 1");
    sh("echo child out; echo child err >&2; echo child out again")?;
    raw_write(2, b"err 2\n")?;
    println!("out 2");
    let output = capture.finish()?;
    let expected = "out 1\nerr 1\nchild out\nchild err\nchild out again\nerr 2\nout 2\n";
    ensure!(output.to_str()? == expected, "got {:?}", output.to_string_lossy());
    Ok(())
}

fn snapshot_reads_without_stopping() -> anyhow::Result<()> {
    let capture = capture(Stream::Stdout)?;
    ensure!(capture.snapshot()?.is_empty());
    print!("a");
    ensure!(capture.snapshot()?.to_str()? == "a");
    sh("printf b")?;
    ensure!(capture.snapshot()?.to_str()? == "ab");
    print!("c");
    ensure!(capture.finish()?.to_str()? == "abc");

    let both = capture_both()?;
    eprint!("e");
    let snap = both.snapshot()?;
    ensure!(snap.stderr.to_str()? == "e" && snap.stdout.is_empty(), "{snap:?}");
    print!("o");
    let done = both.finish()?;
    ensure!(done.stdout.to_str()? == "o" && done.stderr.to_str()? == "e", "{done:?}");
    Ok(())
}

// ---- volume and bytes --------------------------------------------------------

fn huge_output_every_byte() -> anyhow::Result<()> {
    const LEN: usize = 64 << 20;
    // every byte value, in a pattern that does not repeat at the chunk size
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8 ^ (i >> 20) as u8).collect();
    let (written, output) = capturing(Stream::Stdout, || -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        for chunk in data.chunks(1 << 20) {
            stdout.write_all(chunk)?;
        }
        stdout.flush()
    })?;
    written?;
    ensure!(output.len() == LEN, "captured {} of {LEN} bytes", output.len());
    ensure!(output.as_bytes() == data, "the bytes differ");
    Ok(())
}

fn both_streams_huge_at_once() -> anyhow::Result<()> {
    // two threads fill stdout and stderr at the same time, each far past a
    // pipe's size: the one reader must drain both pipes, or a writer blocks
    const LEN: usize = 16 << 20;
    let out: Vec<u8> = (0..LEN).map(|i| (i % 253) as u8).collect();
    let err: Vec<u8> = (0..LEN).map(|i| (i % 241) as u8 ^ 0x5a).collect();
    let capture = capture_both()?;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let writers = [(1, &out), (2, &err)].map(|(fd, data)| {
            scope.spawn(move || data.chunks(64 << 10).try_for_each(|chunk| raw_write(fd, chunk)))
        });
        for writer in writers {
            writer.join().map_err(|_| anyhow::anyhow!("a writer panicked"))??;
        }
        Ok(())
    })?;
    let both = capture.finish()?;
    ensure!(both.stdout.as_bytes() == out, "stdout: {} of {LEN} bytes, or they differ", both.stdout.len());
    ensure!(both.stderr.as_bytes() == err, "stderr: {} of {LEN} bytes, or they differ", both.stderr.len());
    Ok(())
}

fn non_utf8_preserved_and_decoded_once() -> anyhow::Result<()> {
    // "é" is c3 a9: split across two writes, it still decodes as one character
    let capture = capture(Stream::Stdout)?;
    raw_write(1, b"caf\xc3")?;
    std::thread::sleep(Duration::from_millis(5)); // let the reader take the first half alone
    raw_write(1, b"\xa9\n")?;
    let output = capture.finish()?;
    ensure!(output.to_str()? == "café\n", "got {:?}", output.as_bytes());

    let bytes: Vec<u8> = (0..=255).collect();
    let (_, output) = capturing(Stream::Stderr, || raw_write(2, &bytes))?;
    ensure!(output.as_bytes() == bytes, "bytes changed");
    match output.to_str() {
        Err(Error::NotUtf8 { offset: 128, ref found, len: 256, .. }) if found == "80" => {}
        other => bail!("expected NotUtf8 at byte 128, got {other:?}"),
    }
    let message = output.to_str().err().map(|e| e.to_string()).unwrap_or_default();
    ensure!(message.contains("expected UTF-8 text, found 80 at byte 128 of 256"), "{message}");
    let lossy = output.to_string_lossy();
    ensure!(lossy.starts_with(std::str::from_utf8(&bytes[..128])?) && lossy.ends_with('\u{fffd}'));
    ensure!(output.clone().into_string().is_err() && output.into_bytes() == bytes);
    Ok(())
}

// ---- nesting and threads ------------------------------------------------------

fn nested_same_stream() -> anyhow::Result<()> {
    let before = identity(1)?;
    let outer = capture(Stream::Stdout)?;
    println!("outer 1");
    let middle = capture(Stream::Stdout)?;
    println!("middle 1");
    let inner = capture(Stream::Stdout)?;
    println!("inner");
    sh("echo inner child")?;
    ensure!(middle.snapshot()?.to_str()? == "middle 1\n", "middle sees only its own");
    let inner = inner.finish()?;
    println!("middle 2");
    let middle = middle.finish()?;
    println!("outer 2");
    let outer = outer.finish()?;
    ensure!(inner.to_str()? == "inner\ninner child\n", "inner {:?}", inner);
    ensure!(middle.to_str()? == "middle 1\nmiddle 2\n", "middle {:?}", middle);
    ensure!(outer.to_str()? == "outer 1\nouter 2\n", "outer {:?}", outer);
    ensure!(identity(1)? == before, "fd 1 not restored");
    Ok(())
}

fn nested_out_of_order_finish() -> anyhow::Result<()> {
    let before = identity(1)?;
    let outer = capture(Stream::Stdout)?;
    println!("a");
    let inner = capture(Stream::Stdout)?;
    println!("b");
    // the outer finishes first: it keeps what it got; the inner stays on top
    let outer = outer.finish()?;
    println!("c");
    let inner_identity = identity(1)?;
    ensure!(inner_identity != before, "fd 1 left the still active inner capture");
    let inner = inner.finish()?;
    ensure!(outer.to_str()? == "a\n", "outer {:?}", outer);
    ensure!(inner.to_str()? == "b\nc\n", "inner {:?}", inner);
    ensure!(identity(1)? == before, "fd 1 not restored");

    // the same with drop, and three levels dropped bottom-up
    let one = capture(Stream::Stdout)?;
    let two = capture(Stream::Stdout)?;
    let three = capture(Stream::Stdout)?;
    println!("to three");
    drop(one);
    drop(two);
    ensure!(three.finish()?.to_str()? == "to three\n");
    ensure!(identity(1)? == before, "fd 1 not restored after drops");
    Ok(())
}

fn eight_threads_take_turns() -> anyhow::Result<()> {
    let before = (identity(1)?, identity(2)?);
    let start = Barrier::new(8);
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let start = &start;
                scope.spawn(move || -> anyhow::Result<()> {
                    start.wait();
                    for round in 0..10 {
                        let stream = if t % 2 == 0 { Stream::Stdout } else { Stream::Merged };
                        let capture = capture(stream)?;
                        let mut expected = String::new();
                        for line in 0..50 {
                            println!("thread {t} round {round} line {line}");
                            expected += &format!("thread {t} round {round} line {line}\n");
                        }
                        if round % 5 == 0 {
                            // a child process: to stdout, or to stderr when both are merged
                            let redirect = if stream == Stream::Merged { " >&2" } else { "" };
                            sh(&format!("echo thread {t} child {round}{redirect}"))?;
                            expected += &format!("thread {t} child {round}\n");
                        }
                        let output = capture.finish()?;
                        ensure!(
                            output.to_str()? == expected,
                            "thread {t} round {round}: got {} bytes, expected {}",
                            output.len(),
                            expected.len()
                        );
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("thread panicked"))))
            .collect()
    });
    for result in results {
        result?;
    }
    ensure!((identity(1)?, identity(2)?) == before, "fd 1/2 not restored");
    Ok(())
}

fn busy_after_wait_bound() -> anyhow::Result<()> {
    let held = capture(Stream::Stdout)?;
    let refused = std::thread::Builder::new()
        .name("second".into())
        .spawn(|| Options::new().wait(Duration::from_millis(20)).capture(Stream::Stderr).map(drop))?
        .join()
        .map_err(|_| anyhow::anyhow!("thread panicked"))?;
    let message = match refused {
        Err(error @ Error::Busy { .. }) => error.to_string(),
        other => bail!("expected Busy, got {other:?}"),
    };
    ensure!(message.contains("found one held by thread `main`"), "{message}");
    // the same thread nests instead of waiting
    let nested = Options::new().wait(Duration::ZERO).capture(Stream::Stdout)?;
    nested.finish()?;
    held.finish()?;
    // and once it is free, the other thread gets its turn
    std::thread::spawn(|| Options::new().wait(Duration::ZERO).capture(Stream::Stdout).map(drop))
        .join()
        .map_err(|_| anyhow::anyhow!("thread panicked"))??;
    Ok(())
}

// ---- panics --------------------------------------------------------------------

fn panic_in_closure_restores() -> anyhow::Result<()> {
    let before = identity(1)?;
    let outer = capture(Stream::Stdout)?;
    let caught = silent_panics(|| {
        panic::catch_unwind(|| {
            capturing(Stream::Stdout, || {
                println!("written before the panic");
                panic!("boom");
            })
        })
    });
    ensure!(caught.is_err(), "the panic was swallowed");
    // the inner capture was undone and, being dropped in a panic, handed its output on
    let outer = outer.finish()?;
    ensure!(outer.to_str()? == "written before the panic\n", "outer {:?}", outer);
    ensure!(identity(1)? == before, "fd 1 not restored");
    let after = capturing(Stream::Stdout, || println!("works again"))?.1;
    ensure!(after.to_str()? == "works again\n");
    Ok(())
}

fn panic_with_guard_restores() -> anyhow::Result<()> {
    let before = (identity(1)?, identity(2)?);
    let caught = silent_panics(|| {
        panic::catch_unwind(|| -> Result<(), Error> {
            let _both = capture_both()?;
            let _err = capture(Stream::Stderr)?;
            panic!("boom");
        })
    });
    ensure!(caught.is_err(), "the panic was swallowed");
    ensure!((identity(1)?, identity(2)?) == before, "fd 1/2 not restored");
    let again = capture(Stream::Stderr)?;
    eprint!("ok");
    ensure!(again.finish()?.to_str()? == "ok");
    Ok(())
}

fn panic_message_not_lost() -> anyhow::Result<()> {
    // in a child, with the default panic hook: capture stderr and panic
    let out =
        Command::new(std::env::current_exe()?).args(["--child", "panic-under-stderr-capture"]).output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.code() == Some(101), "child exit {:?}; stderr {stderr}", out.status);
    ensure!(stderr.contains("written before the panic"), "captured output lost: {stderr}");
    ensure!(stderr.contains("panicked") && stderr.contains("boom under capture"), "message lost: {stderr}");
    Ok(())
}

// ---- unusual descriptors ---------------------------------------------------------

fn fd_pointing_to_dev_null() -> anyhow::Result<()> {
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    let null_identity = (null.metadata()?.dev(), null.metadata()?.ino());
    with_fd_replaced(
        1,
        || {
            // SAFETY: dup2 only takes descriptor numbers.
            ensure!(unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), 1) } == 1);
            Ok(())
        },
        || {
            let output = capturing(Stream::Stdout, || println!("seen despite /dev/null"))?.1;
            ensure!(output.to_str()? == "seen despite /dev/null\n", "got {:?}", output);
            ensure!(identity(1)? == null_identity, "fd 1 not restored to /dev/null");
            Ok(())
        },
    )
}

fn fd_closed_at_start() -> anyhow::Result<()> {
    with_fd_replaced(
        1,
        || {
            // SAFETY: close only takes a descriptor number; fd 1 is restored by the helper.
            ensure!(unsafe { libc::close(1) } == 0);
            ensure!(std::fs::read_link("/proc/self/fd/1").is_err(), "fd 1 still open");
            Ok(())
        },
        || {
            let capture = capture(Stream::Stdout)?;
            println!("captured from a closed fd 1");
            sh("echo child too")?;
            let output = capture.finish()?;
            ensure!(output.to_str()? == "captured from a closed fd 1\nchild too\n", "got {:?}", output);
            let target = std::fs::read_link("/proc/self/fd/1")?;
            ensure!(target == std::path::Path::new("/dev/null"), "fd 1 now points to {target:?}");
            // and it is inheritable, like any fd 1
            // SAFETY: F_GETFD reads flags only.
            let flags = unsafe { libc::fcntl(1, libc::F_GETFD) };
            ensure!(flags & libc::FD_CLOEXEC == 0, "fd 1 is close-on-exec");
            Ok(())
        },
    )
}

fn background_child_is_drained_not_awaited() -> anyhow::Result<()> {
    // output the background part writes soon after the shell exits is collected
    let capture =
        Options::new().drain(Duration::from_secs(2), Duration::from_secs(10)).capture(Stream::Stdout)?;
    sh("echo fg; (for i in 1 2 3; do sleep 0.01; echo bg $i; done) &")?;
    let output = capture.finish()?;
    ensure!(output.to_str()? == "fg\nbg 1\nbg 2\nbg 3\n", "got {:?}", output);

    // a silent background child holding the pipe does not keep finish waiting for its exit
    let capture =
        Options::new().drain(Duration::from_millis(30), Duration::from_secs(1)).capture(Stream::Stdout)?;
    let pid_file = tempfile_path("bg-pid");
    sh(&format!("echo started; sleep 30 2>/dev/null & echo $! > {}", pid_file.display()))?;
    let output = capture.finish()?;
    let pid: i32 = std::fs::read_to_string(&pid_file)?.trim().parse()?;
    let _ = std::fs::remove_file(&pid_file);
    // SAFETY: kill with signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    // SAFETY: ends the background child this case started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    ensure!(output.to_str()? == "started\n", "got {:?}", output);
    ensure!(alive, "finish returned only after the background child had exited");
    Ok(())
}

fn tempfile_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("brine-capture-{name}-{}", std::process::id()))
}

fn no_fd_or_thread_leak_over_10000_cycles() -> anyhow::Result<()> {
    // one warm-up cycle, so lazily opened handles are not counted as leaks
    capture(Stream::Stdout)?.finish()?;
    let fds = count_dir("/proc/self/fd")?;
    let threads = count_dir("/proc/self/task")?;
    for i in 0..10_000 {
        match i % 4 {
            0 => drop(capture(Stream::Stdout)?),
            1 => {
                let capture = capture(Stream::Stderr)?;
                eprint!("x");
                ensure!(capture.finish()?.as_bytes() == b"x");
            }
            2 => drop(capture(Stream::Merged)?.finish()?),
            _ => drop(capture_both()?.finish()?),
        }
    }
    // the poll-based reader polls its own duplicates of the read ends and
    // closes those of finished captures when it next wakes, which the last
    // finish has just asked it to: give it that moment
    let mut fds_after = count_dir("/proc/self/fd")?;
    for _ in 0..200 {
        if fds_after == fds {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
        fds_after = count_dir("/proc/self/fd")?;
    }
    let threads_after = count_dir("/proc/self/task")?;
    ensure!(fds_after == fds, "open descriptors: {fds} before, {fds_after} after 10,000 captures");
    // the reader thread ends after a while idle, so there may be fewer; never more
    ensure!(threads_after <= threads, "threads: {threads} before, {threads_after} after");
    Ok(())
}

fn works_in_a_forked_child() -> anyhow::Result<()> {
    // leave the reader thread running: a forked child inherits the record of
    // it (and its epoll set, shared with the parent) but not the thread, and
    // must start its own rather than hand its pipe to a ghost
    capture(Stream::Stdout)?.finish()?;
    let _ = std::io::stdout().flush();
    // SAFETY: the child only captures, checks and leaves with _exit; no lock is
    // held by another thread at this point of the single-threaded runner.
    let pid = unsafe { libc::fork() };
    ensure!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    // more than a pipe holds: only a running reader lets the writer finish
    let big = vec![b'f'; 1 << 20];
    if pid == 0 {
        let ok = capturing(Stream::Stdout, || {
            println!("in the fork");
            std::io::stdout().write_all(&big)
        })
        .is_ok_and(|(written, output)| {
            written.is_ok()
                && output.as_bytes().starts_with(b"in the fork\n")
                && output.len() == 12 + big.len()
        });
        // SAFETY: ends the forked child without running the parent's exit handlers.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    // bounded wait: a child that hangs is killed and reported, not waited on forever
    let mut status = 0;
    for _ in 0..2000 {
        // SAFETY: waits for our own child; `status` is a valid out-pointer.
        if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
            ensure!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status:#x}");
            // the child's captures left the parent's reader and its epoll set alone
            let (_, output) = capturing(Stream::Stdout, || std::io::stdout().write_all(&big))?;
            ensure!(output.as_bytes() == big, "parent captured {} bytes after the fork", output.len());
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kills and reaps the hung child this case forked.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, &mut status, 0);
    }
    bail!("the capture in the forked child hung")
}

// ---- child scenarios -------------------------------------------------------------

fn child(scenario: &str) -> ExitCode {
    match scenario {
        "panic-under-stderr-capture" => {
            let _capture = capture(Stream::Stderr);
            eprintln!("written before the panic");
            panic!("boom under capture");
        }
        _ => {
            eprintln!("unknown child scenario {scenario:?}");
            ExitCode::FAILURE
        }
    }
}
