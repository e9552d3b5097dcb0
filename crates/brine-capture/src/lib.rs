//! Capture what the process writes to stdout and stderr, at the
//! file-descriptor level: Rust's `print!`, direct writes, C libraries, threads
//! and child processes all land in the capture.
//!
//! This is Python `dill.temp`'s `capture('stdout')`, made to see more. dill
//! swaps `sys.stdout`, a language-level object, and misses everything written
//! below it; brine points file descriptor 1 (or 2) itself at a pipe, so nothing
//! that reaches the descriptor escapes.
//!
//! ```
//! use std::io::Write;
//! use brine_capture::Stream;
//!
//! let capture = brine_capture::capture(Stream::Stdout)?;
//! std::io::stdout().write_all(b"from Rust\n")?;
//! std::process::Command::new("echo").arg("from a child").status()?;
//! // SAFETY: a NUL-terminated string literal
//! unsafe { libc::puts(c"from C".as_ptr()) };
//! // C's stdio buffers output to a pipe; finishing flushes it
//! let output = capture.finish()?;
//! assert_eq!(output.to_str()?, "from Rust\nfrom a child\nfrom C\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What you get
//!
//! - [`capture`] returns a [`Capture`] guard: [`snapshot`](Capture::snapshot)
//!   reads what has been captured so far, [`finish`](Capture::finish) restores
//!   the descriptor and returns an [`Output`] — the exact bytes, with strict
//!   ([`to_str`](Output::to_str)) and lossy
//!   ([`to_string_lossy`](Output::to_string_lossy)) text. Dropping the guard
//!   restores the descriptor too, also when a panic unwinds through it.
//! - [`capturing`] runs a closure under capture and returns its result
//!   and the output.
//! - [`capture_both`] keeps stdout and stderr apart; [`Stream::Merged`]
//!   collects both in one buffer in arrival order, like `2>&1`.
//! - [`Options`] bound how long to wait for another thread's capture and how
//!   long to read output from background processes after finishing.
//!
//! # How it works
//!
//! Starting a capture flushes Rust's and C's buffered output, saves the
//! descriptor with `dup` (close-on-exec), creates a pipe with `pipe2`
//! (close-on-exec, raised to 1 MiB where Linux allows once output arrives),
//! hands its read end to the process's reader thread and `dup2`s its write
//! end onto the descriptor. The reader drains the pipe into memory as it
//! fills, so no amount of output can block the writer. Finishing flushes
//! Rust's stdout and C's stdio (`fflush(NULL)`) on the capturing thread,
//! `dup2`s the saved descriptor back, takes the read end back from the reader,
//! closes the write end and reads what is left, to end-of-file, itself.
//! Handing the pipe over and back only changes the set the reader waits on
//! (`epoll` on Linux), so an empty capture never waits on another thread. A
//! child process still running in the background may hold the write end:
//! finishing then reads until the output goes idle and stops within a bound
//! ([`Options::drain`]) instead of waiting for it to exit.
//!
//! # Threads, nesting and panics
//!
//! Descriptors belong to the whole process, so the output of two threads
//! cannot be told apart once it reaches fd 1. Captures therefore take turns:
//! while one thread has a capture, a capture started by another thread **waits**
//! until the first thread's captures have all finished (or fails with
//! [`Error::Busy`] after [`Options::wait`]). Waiting, not failing, is
//! the default because it gives every capture exactly its own output, as a
//! mutex would. The thread holding the turn can start more captures — of
//! the same stream or the other — and they nest: the innermost active capture
//! receives what is written while it is active, and the outer ones receive the
//! rest, in order. Captures may finish in any order: finishing one re-points
//! the descriptor at the innermost capture still active, or restores it.
//!
//! A closed fd 1 or 2 is replaced by `/dev/null` before capturing (as pytest
//! does), so the capture works and, afterwards, no file opened later can take
//! the descriptor's number and receive printed output.
//!
//! # Signal handlers and async runtimes
//!
//! Capture is not async-signal-safe: starting and finishing take locks,
//! allocate and flush stdio, so a capture started or finished in a signal
//! handler can deadlock. Under a multi-threaded async runtime a capture
//! takes what every task prints, and its guard belongs to one thread: run
//! the code to capture on a blocking thread, start to end (with tokio,
//! `spawn_blocking(|| capturing(..))`). `docs/CAPTURE.md` shows how.
//!
//! # Under `cargo test`
//!
//! libtest captures `print!`/`eprint!` of each test thread — and of the
//! threads it spawns — *before* they reach fd 1, so inside a normal `#[test]`
//! a capture sees `io::stdout().write_all`, C output and child processes, but
//! not `println!`. Run with `--nocapture` (as `cargo nextest` does, one
//! process per test), or put the tests in a `harness = false` target, and
//! `println!` reaches the descriptor. While a test captures fd 1, the progress
//! lines libtest prints for tests finishing in parallel land in that capture;
//! keep exact-output captures of fd 1 in their own process. `docs/CAPTURE.md`
//! explains each point and the tests that check it.
//!
//! Unix only.

#[cfg(not(unix))]
compile_error!("brine-capture works on Unix file descriptors and builds only on Unix");

mod capture;
mod error;
mod output;
mod reader;
mod registry;
mod stream;
#[allow(unsafe_code)] // the libc calls, each block with its SAFETY comment
mod sys;

pub use capture::{Capture, CaptureBoth, Options};
pub use error::Error;
pub use output::{BothOutput, Output};
pub use stream::Stream;

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Starts capturing `stream`; the returned guard collects its output until
/// [`finish`](Capture::finish)ed or dropped.
///
/// If another thread is capturing, this waits for its captures to finish
/// (see [`Options::wait`] for a bound).
///
/// ```
/// use brine_capture::Stream;
///
/// let capture = brine_capture::capture(Stream::Merged)?;
/// println!("out");
/// eprintln!("err");
/// println!("out again");
/// assert_eq!(capture.finish()?.to_str()?, "out\nerr\nout again\n");
/// # Ok::<(), brine_capture::Error>(())
/// ```
pub fn capture(stream: Stream) -> Result<Capture, Error> {
    Options::new().capture(stream)
}

/// Runs `f` while capturing `stream`; returns what `f` returned and the output.
///
/// If `f` panics, the descriptor is restored, the output is written to it,
/// and the panic continues.
///
/// ```
/// use brine_capture::Stream;
///
/// let (sum, output) = brine_capture::capturing(Stream::Stdout, || {
///     println!("adding");
///     2 + 2
/// })?;
/// assert_eq!((sum, output.to_str()?), (4, "adding\n"));
/// # Ok::<(), brine_capture::Error>(())
/// ```
pub fn capturing<R>(stream: Stream, f: impl FnOnce() -> R) -> Result<(R, Output), Error> {
    let capture = capture(stream)?;
    let result = f();
    Ok((result, capture.finish()?))
}

/// Starts capturing stdout and stderr, each into its own buffer.
///
/// ```
/// let capture = brine_capture::capture_both()?;
/// println!("out");
/// eprintln!("err");
/// let both = capture.finish()?;
/// assert_eq!((both.stdout.to_str()?, both.stderr.to_str()?), ("out\n", "err\n"));
/// # Ok::<(), brine_capture::Error>(())
/// ```
pub fn capture_both() -> Result<CaptureBoth, Error> {
    Options::new().capture_both()
}

/// Runs `f` while capturing stdout and stderr apart; returns what `f`
/// returned and both outputs.
///
/// ```
/// let (code, both) = brine_capture::capturing_both(|| {
///     std::process::Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]).status()
/// })?;
/// assert_eq!(code?.code(), Some(3));
/// assert_eq!((both.stdout.to_str()?, both.stderr.to_str()?), ("out\n", "err\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn capturing_both<R>(f: impl FnOnce() -> R) -> Result<(R, BothOutput), Error> {
    let capture = capture_both()?;
    let result = f();
    Ok((result, capture.finish()?))
}
