//! Resource faults: a directory that can't be written, a full disk, no file
//! descriptors left. Each gives a clear error and leaves no partial file.
//!
//! Resource limits apply to the whole process, so each fault runs in a child:
//! the test re-runs this test binary, filtered to itself, with
//! `BRINE_FAULT_CHILD` set, and checks what the child reports.

#![allow(unsafe_code, clippy::unwrap_used)] // resource limits through libc in a child process; test helpers fail the test by panicking

use std::path::{Path, PathBuf};
use std::process::Command;

use brine_temp::{Builder, dump};

const CHILD: &str = "BRINE_FAULT_CHILD";

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

/// Runs the test `name` again in a child with `CHILD=dir`; returns its output.
fn in_child(name: &str, dir: &Path) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {}\n{stdout}\n{stderr}", out.status);
    stdout
}

fn set_limit(resource: libc::__rlimit_resource_t, value: u64) {
    let limit = libc::rlimit { rlim_cur: value, rlim_max: value };
    // SAFETY: setrlimit reads the struct we pass; it has no other memory effects.
    assert_eq!(unsafe { libc::setrlimit(resource, &limit) }, 0, "setrlimit failed");
}

#[test]
fn disk_full_is_a_write_error_and_leaves_no_file() {
    if let Some(dir) = std::env::var_os(CHILD) {
        // the child: files may grow to 64 KiB; writing past it is EFBIG, not a signal
        // SAFETY: ignoring SIGXFSZ changes no memory; the write then fails with EFBIG.
        unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
        set_limit(libc::RLIMIT_FSIZE, 64 * 1024);
        let error = Builder::new().dir(&dir).dump(&vec![7u8; 1 << 20]).unwrap_err();
        println!("ERROR: {}", chain(&error));
        assert!(matches!(&error, dump::Error::Write { .. }), "{error:?}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = in_child("disk_full_is_a_write_error_and_leaves_no_file", dir.path());
    assert!(out.contains("ERROR: cannot write temporary file"), "{out}");
    assert!(out.contains("File too large"), "{out}");
    assert!(files_in(dir.path()).is_empty(), "a partial file was left: {:?}", files_in(dir.path()));
}

#[test]
fn no_file_descriptors_left_is_a_create_error() {
    if let Some(dir) = std::env::var_os(CHILD) {
        // the child: no new descriptor at all (those open stay usable)
        set_limit(libc::RLIMIT_NOFILE, 0);
        let error = Builder::new().dir(&dir).dump(&"value").unwrap_err();
        println!("ERROR: {}", chain(&error));
        assert!(matches!(&error, dump::Error::Create { .. }), "{error:?}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = in_child("no_file_descriptors_left_is_a_create_error", dir.path());
    assert!(out.contains("ERROR: cannot create a temporary file in"), "{out}");
    assert!(out.contains("Too many open files"), "{out}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_directory_that_cannot_be_written_is_a_create_error() {
    // /proc refuses new files even to root, so this holds whoever runs the tests
    let error = Builder::new().dir("/proc").dump(&1u8).unwrap_err();
    assert!(matches!(error, dump::Error::Create { .. }), "{error:?}");
    assert_eq!(error.to_string(), "cannot create a temporary file in /proc", "the cause is not repeated");
    assert!(std::error::Error::source(&error).is_some(), "the OS error is the source");

    // a "directory" that is a file
    let file = tempfile::NamedTempFile::new().unwrap();
    let error = Builder::new().dir(file.path()).dump(&1u8).unwrap_err();
    assert!(chain(&error).contains("Not a directory"), "{error}");
}

#[test]
fn ten_thousand_dumps_and_loads_leave_no_file_and_no_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let fds = || std::fs::read_dir("/proc/self/fd").unwrap().count();
    let before = fds();
    for i in 0..10_000u32 {
        let file = Builder::new().dir(dir.path()).dump(&(i, "cycle")).unwrap();
        let back: (u32, String) = brine_temp::load(&file).unwrap();
        assert_eq!(back.0, i);
    }
    assert!(files_in(dir.path()).is_empty());
    // other tests run in parallel and open files of their own: allow for them,
    // but a leak of one descriptor per cycle would show as thousands
    assert!(fds() < before + 16, "descriptors: {before} before, {} after", fds());
}

/// A file far larger than memory allows (sparse: it takes no disk) is judged
/// by its header: refused at once, never read. The child may map 1 GiB in
/// all; reading the 8 GiB file whole would fail to allocate and abort.
#[test]
fn a_huge_file_is_judged_by_its_header() {
    if let Some(dir) = std::env::var_os(CHILD) {
        let dir = Path::new(&dir);
        let not_brine = dir.join("huge.bin");
        std::fs::File::create(&not_brine).unwrap().set_len(8 << 30).unwrap();
        // an envelope followed by 8 GiB of zeros: trailing data, also unread
        let trailing = dir.join("trailing.brine");
        let bytes = brine_io::dump(&7u32).unwrap();
        std::fs::write(&trailing, &bytes).unwrap();
        std::fs::OpenOptions::new().write(true).open(&trailing).unwrap().set_len(8 << 30).unwrap();
        set_limit(libc::RLIMIT_AS, 1 << 30);
        let error = brine_temp::load::<u32>(&not_brine).unwrap_err();
        println!("ERROR: {}", chain(&error));
        assert!(matches!(error.format_error(), Some(brine_io::load::Error::NotBrine { .. })), "{error:?}");
        let error = brine_temp::load::<u32>(&trailing).unwrap_err();
        println!("ERROR: {}", chain(&error));
        assert!(
            matches!(error.format_error(), Some(brine_io::load::Error::TrailingData { .. })),
            "{error:?}"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = in_child("a_huge_file_is_judged_by_its_header", dir.path());
    assert!(out.contains("not a brine envelope"), "{out}");
    assert!(out.contains("trailing"), "{out}");
}

/// The message and its causes, as anyhow's `{:#}` prints them: each once.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
