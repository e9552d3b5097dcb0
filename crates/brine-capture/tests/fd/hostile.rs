//! Captures under hostile conditions: signals arriving every few
//! milliseconds and writers that never pause.
//!
//! Time bounds here only catch waits that do not end: each is many times the
//! bound the capture was given, never a measure of speed. (A snapshot under
//! writers that never pause is tested in `src/reader.rs`, on a pipe no
//! reader thread shares, so that every byte it reads is its own.)

use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use brine_capture::{Options, Stream};

use super::{sh, silent_panics, tempfile_path};

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
