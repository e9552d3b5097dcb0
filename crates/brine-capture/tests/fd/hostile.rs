//! Captures under hostile conditions: signals arriving every few
//! milliseconds, writers that never pause, and code under capture that
//! replaces fd 1 itself.
//!
//! Time bounds here only catch waits that do not end: each is many times the
//! bound the capture was given, never a measure of speed. (A snapshot under
//! writers that never pause is tested in `src/reader.rs`, on a pipe no
//! reader thread shares, so that every byte it reads is its own.)

use std::io::Write;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use brine_capture::{CaptureError, Options, Stream, capture, capture_with};

use super::{identity, sh, silent_panics, tempfile_path, with_fd_replaced};

// ---- deadlines -------------------------------------------------------------

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Runs `f` while another thread sends SIGUSR1 to this thread every 2 ms
/// (with a handler that does nothing, so each only interrupts a system call).
fn under_signal_storm<R>(f: impl FnOnce() -> R) -> anyhow::Result<R> {
    // SAFETY: a zeroed sigaction is valid; sa_sigaction is set to a handler
    // that touches nothing, and the old action is restored below.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = ignore_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: as above; `old` is written by sigaction.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: both structs are valid for the call.
    ensure!(unsafe { libc::sigaction(libc::SIGUSR1, &action, &mut old) } == 0, "sigaction failed");
    // SAFETY: pthread_self has no preconditions.
    let target = unsafe { libc::pthread_self() };
    let stop = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: `target` is this scope's caller, alive until the scope ends.
                unsafe { libc::pthread_kill(target, libc::SIGUSR1) };
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let result = f();
        stop.store(true, Ordering::Relaxed);
        result
    });
    // SAFETY: restores the action saved above.
    unsafe { libc::sigaction(libc::SIGUSR1, &old, std::ptr::null_mut()) };
    Ok(result)
}

/// Starts a background child that holds the captured stdout and writes
/// nothing; returns its pid, to be killed with [`kill`].
fn silent_background_child(name: &str) -> anyhow::Result<i32> {
    let pid_file = tempfile_path(name);
    sh(&format!("sleep 30 2>/dev/null & echo $! > {}", pid_file.display()))?;
    let pid = std::fs::read_to_string(&pid_file)?.trim().parse()?;
    let _ = std::fs::remove_file(&pid_file);
    Ok(pid)
}

fn kill(pid: i32) {
    // SAFETY: ends a background child this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

pub(crate) fn drain_idle_bound_survives_signals() -> anyhow::Result<()> {
    // a signal every 2 ms interrupts each wait for output: the 50 ms without
    // output must still count from the last output, not from the last signal
    let idle = Duration::from_millis(50);
    let capture = Options::new().drain(idle, Duration::from_secs(10)).capture(Stream::Stdout)?;
    let pid = silent_background_child("signals-pid")?;
    let (result, took) = under_signal_storm(|| {
        let start = Instant::now();
        (capture.finish(), start.elapsed())
    })?;
    kill(pid);
    ensure!(result?.is_empty(), "captured output from a silent child");
    ensure!(took < Duration::from_secs(3), "finish took {took:?} with an idle bound of {idle:?}");
    Ok(())
}

pub(crate) fn drain_limit_holds_under_busy_writers() -> anyhow::Result<()> {
    // four background writers that never pause keep the pipe from ever
    // being empty: the limit must still end the reading
    let limit = Duration::from_millis(200);
    let capture = Options::new().drain(Duration::from_secs(5), limit).capture(Stream::Stdout)?;
    sh("for i in 1 2 3 4; do head -c 400000000 /dev/zero 2>/dev/null & done")?;
    let start = Instant::now();
    let output = capture.finish()?;
    let took = start.elapsed();
    ensure!(output.as_bytes().iter().all(|&byte| byte == 0), "unexpected bytes");
    ensure!(took < 10 * limit, "finish took {took:?} with a limit of {limit:?}");
    Ok(())
}

pub(crate) fn drain_without_bounds_does_not_overflow() -> anyhow::Result<()> {
    // Duration::MAX means no bound: the other one ends the reading
    for (idle, limit) in
        [(Duration::from_millis(20), Duration::MAX), (Duration::MAX, Duration::from_millis(100))]
    {
        let capture = Options::new().drain(idle, limit).capture(Stream::Stdout)?;
        print!("bounded");
        let pid = silent_background_child("max-pid")?;
        let start = Instant::now();
        let finished = silent_panics(|| panic::catch_unwind(panic::AssertUnwindSafe(|| capture.finish())));
        let took = start.elapsed();
        kill(pid);
        let output = match finished {
            Ok(output) => output?,
            Err(_) => bail!("finish panicked with drain({idle:?}, {limit:?})"),
        };
        ensure!(output.to_str()? == "bounded", "got {output:?}");
        ensure!(took < Duration::from_secs(5), "finish took {took:?} with drain({idle:?}, {limit:?})");
    }
    Ok(())
}

// ---- the user's descriptor -------------------------------------------------------

/// Closes fd 1 and opens a new file, which takes number 1; returns its identity.
fn replace_fd_1(name: &str) -> anyhow::Result<(u64, u64)> {
    let _ = std::io::stdout().flush();
    // SAFETY: close only takes a descriptor number; the caller restores fd 1.
    ensure!(unsafe { libc::close(1) } == 0, "close(1)");
    let file = std::fs::File::create(tempfile_path(name))?;
    ensure!(file.as_raw_fd() == 1, "the file landed on fd {} (is fd 0 closed?)", file.as_raw_fd());
    // it is fd 1 now: the process's stdout
    let _ = file.into_raw_fd();
    identity(1)
}

pub(crate) fn replaced_fd_is_left_to_the_user() -> anyhow::Result<()> {
    with_fd_replaced(
        1,
        || Ok(()),
        || {
            // finish: an error that says so, and fd 1 stays the user's file
            let started = capture(Stream::Stdout)?;
            println!("to the pipe");
            let file = replace_fd_1("replaced-finish")?;
            println!("to the file");
            match started.finish() {
                Err(error @ CaptureError::Replaced { .. }) => {
                    let message = error.to_string();
                    ensure!(message.contains("expected fd 1 to point at the capture's pipe"), "{message}");
                }
                other => bail!("expected Replaced, got {other:?}"),
            }
            ensure!(identity(1)? == file, "finish moved the user's fd 1");
            let _ = std::io::stdout().flush();
            let written = std::fs::read_to_string(tempfile_path("replaced-finish"))?;
            ensure!(written == "to the file\n", "the file holds {written:?}");

            // drop: the same, silently
            let started = capture(Stream::Stdout)?;
            let file = replace_fd_1("replaced-drop")?;
            drop(started);
            ensure!(identity(1)? == file, "drop moved the user's fd 1");

            // a panic unwinding through the capture: the same
            let file = silent_panics(|| {
                panic::catch_unwind(|| {
                    let _capture = capture(Stream::Stdout);
                    let file = replace_fd_1("replaced-panic");
                    panic!("{file:?}");
                })
            });
            ensure!(file.is_err(), "the panic was swallowed");
            let file = std::fs::metadata(tempfile_path("replaced-panic"))?;
            use std::os::unix::fs::MetadataExt;
            ensure!(identity(1)? == (file.dev(), file.ino()), "a panic moved the user's fd 1");
            for name in ["replaced-finish", "replaced-drop", "replaced-panic"] {
                let _ = std::fs::remove_file(tempfile_path(name));
            }
            // and a capture started now captures the new fd 1 as usual
            let again = capture_with(Stream::Stdout, || println!("again"))?.1;
            ensure!(again.to_str()? == "again\n", "got {again:?}");
            Ok(())
        },
    )
}
