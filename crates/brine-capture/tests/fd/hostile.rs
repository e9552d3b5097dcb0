//! Captures under hostile conditions: signals arriving every few
//! milliseconds, writers that never pause, `fork` with captures active, and
//! code under capture that replaces fd 1 itself.
//!
//! Time bounds here only catch waits that do not end: each is many times the
//! bound the capture was given, never a measure of speed. (A snapshot under
//! writers that never pause is tested in `src/reader.rs`, on a pipe no
//! reader thread shares, so that every byte it reads is its own.)

use std::io::Write;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use brine_capture::{Error, Options, Stream, capture, capturing};

use super::{identity, raw_write, sh, silent_panics, tempfile_path, with_fd_replaced};

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

// ---- fork --------------------------------------------------------------------

/// Waits (bounded) for the forked child `pid`; its exit code, or an error if
/// it hung and had to be killed.
fn wait_child(pid: i32, what: &str) -> anyhow::Result<i32> {
    let mut status = 0;
    for _ in 0..2000 {
        // SAFETY: waits for our own child; `status` is a valid out-pointer.
        if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
            ensure!(libc::WIFEXITED(status), "{what}: child status {status:#x}");
            return Ok(libc::WEXITSTATUS(status));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kills and reaps the hung child this case forked.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, &mut status, 0);
    }
    bail!("{what}: the forked child hung")
}

fn fork() -> anyhow::Result<i32> {
    let _ = std::io::stdout().flush();
    // SAFETY: the children of these cases only capture, check and leave with
    // _exit; no lock of ours or std's is held by another thread meanwhile.
    let pid = unsafe { libc::fork() };
    ensure!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    Ok(pid)
}

fn exit(code: i32) -> ! {
    // SAFETY: ends the forked child without running the parent's exit handlers.
    unsafe { libc::_exit(code) }
}

pub(crate) fn fork_while_another_thread_captures() -> anyhow::Result<()> {
    let before = identity(1)?;
    let (held_tx, held_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || -> Result<(), Error> {
        let capture = capture(Stream::Stdout)?;
        let _ = held_tx.send(());
        let _ = done_rx.recv();
        capture.finish().map(drop)
    });
    let _ = held_rx.recv();
    let pid = fork()?;
    if pid == 0 {
        // the holder does not exist here: its turn and its redirect must not
        // outlive it, or this capture waits forever
        let code = match capturing(Stream::Stdout, || println!("in the child")) {
            Err(_) => 2,
            Ok((_, output)) if output.as_bytes() != b"in the child\n" => 3,
            Ok(_) if identity(1).ok() != Some(before) => 4,
            Ok(_) => 0,
        };
        exit(code);
    }
    let code = wait_child(pid, "capture in a child forked while another thread captured");
    let _ = done_tx.send(());
    holder.join().map_err(|_| anyhow::anyhow!("the holder panicked"))??;
    let code = code?;
    ensure!(code == 0, "child failed with code {code} (2: capture failed, 3: wrong output, 4: fd 1 moved)");
    ensure!(identity(1)? == before, "fd 1 not restored");
    Ok(())
}

pub(crate) fn fork_child_leaves_parents_output_alone() -> anyhow::Result<()> {
    let before = identity(1)?;
    // a long drain: if the child read the pipe, it would read for 500 ms
    let capture =
        Options::new().drain(Duration::from_millis(500), Duration::from_secs(2)).capture(Stream::Stdout)?;
    print!("before the fork;");
    let pid = fork()?;
    if pid == 0 {
        // the child ends the guard it inherited: it must not read the
        // parent's pipe, and it puts its fd 1 back where it was
        let code = match capture.finish() {
            Ok(_) => 2,
            Err(Error::Inherited { .. }) if identity(1).ok() == Some(before) => 0,
            Err(Error::Inherited { .. }) => 4,
            Err(_) => 3,
        };
        exit(code);
    }
    // meanwhile the parent keeps writing, in many small writes
    let mut expected = String::from("before the fork;");
    for i in 0..300 {
        let line = format!("parent line {i:03} {}\n", "x".repeat(60));
        raw_write(1, line.as_bytes())?;
        expected += &line;
        std::thread::sleep(Duration::from_millis(1));
    }
    let code = wait_child(pid, "child ending an inherited capture")?;
    let output = capture.finish()?;
    ensure!(output.to_str()? == expected, "the parent captured {} of {} bytes", output.len(), expected.len());
    ensure!(code == 0, "child failed with code {code} (2: finish succeeded, 3: other error, 4: fd 1 moved)");
    ensure!(identity(1)? == before, "fd 1 not restored");
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
                Err(error @ Error::Replaced { .. }) => {
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
            let again = capturing(Stream::Stdout, || println!("again"))?.1;
            ensure!(again.to_str()? == "again\n", "got {again:?}");
            Ok(())
        },
    )
}
