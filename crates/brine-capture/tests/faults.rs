//! Out of file descriptors: a capture needs a few (a saved copy of the fd and
//! a pipe). With none, or too few, left, starting one must fail with a clear
//! error and leave stdout where it was — no half-made redirect.
//!
//! `RLIMIT_NOFILE` applies to the whole process and capturing moves fd 1, so
//! each case runs in a child: this test binary again, filtered to this test,
//! with `BRINE_FAULT_CHILD` set. The child reports on stderr, which is never
//! redirected here.

#![allow(unsafe_code, clippy::unwrap_used)] // fd games through libc in a child process; a failed unwrap fails the test

use std::process::Command;

use brine_capture::Stream;

const CHILD: &str = "BRINE_FAULT_CHILD";

/// Device and inode of what `fd` points at.
fn identity(fd: i32) -> (u64, u64) {
    // SAFETY: fstat writes into the zeroed struct we own and reads nothing else.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `fd` is a plain number.
    assert_eq!(unsafe { libc::fstat(fd, &mut stat) }, 0, "fstat({fd}) failed");
    (stat.st_dev, stat.st_ino)
}

/// The highest descriptor number open now.
fn highest_fd() -> i32 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .max()
        .unwrap()
}

/// Sets the soft limit; the hard limit stays, so the soft one can go back up.
fn set_nofile(value: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0, "getrlimit failed");
    limit.rlim_cur = value.min(limit.rlim_max);
    // SAFETY: setrlimit reads the struct we pass; it has no other memory effects.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0, "setrlimit failed");
}

#[test]
fn out_of_descriptors_is_a_clear_error_and_stdout_stays_put() {
    if std::env::var_os(CHILD).is_some() {
        let before = identity(1);
        // fill every free number below the highest open descriptor, so that a
        // limit of highest + 1 + room leaves exactly `room` descriptors free
        let highest = highest_fd() as u64;
        set_nofile(highest + 1);
        let mut fillers = Vec::new();
        while let Ok(file) = std::fs::File::open("/dev/null") {
            fillers.push(file);
        }
        // room for 0, 1, 2, ... new descriptors: the capture fails at each step
        // it can fail at, and succeeds once there is room for all it needs
        for room in 0..7u64 {
            set_nofile(highest + 1 + room);
            match brine_capture::capture(Stream::Stdout) {
                Ok(capture) => {
                    print!("captured with room for {room}");
                    let output = capture.finish().unwrap();
                    eprintln!("ROOM {room}: ok, got {:?}", output.to_string_lossy());
                }
                Err(error) => eprintln!("ROOM {room}: error: {:#}", anyhow::Error::from(error)),
            }
            set_nofile(highest + 1);
            assert_eq!(identity(1), before, "fd 1 moved after a capture with room for {room}");
        }
        drop(fillers);
        eprintln!("FD1 UNCHANGED");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["out_of_descriptors_is_a_clear_error_and_stdout_stays_put", "--exact", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{report}");
    assert!(report.contains("FD1 UNCHANGED"), "{report}");
    // with no room at all the capture can't start, and says why
    let first = report.lines().find(|l| l.starts_with("ROOM 0:")).unwrap_or_default();
    assert!(first.contains("error:") && first.contains("Too many open files"), "{report}");
    // with room enough it works, and captures what was printed (the poll
    // reader's first capture needs one more: its wake-up pipe and a
    // duplicate of the read end it polls, against epoll's one instance)
    assert!(report.contains("ROOM 6: ok, got \"captured with room for 6\""), "{report}");
}
