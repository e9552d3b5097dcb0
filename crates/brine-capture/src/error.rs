//! [`Error`]: why a capture could not start, finish or be read as text.

use std::io;
use std::time::Duration;

use crate::Stream;

/// Why a capture could not start or finish, or its output could not be read as text.
///
/// ```
/// let output = brine_capture::capturing(brine_capture::Stream::Stdout, || {
///     use std::io::Write;
///     std::io::stdout().write_all(b"\xff\xfe binary").unwrap();
/// })?.1;
/// let error = output.to_str().unwrap_err();
/// assert!(error.to_string().contains("not valid UTF-8"), "{error}");
/// # Ok::<(), brine_capture::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Another thread holds a capture and did not finish it in the time the
    /// [`Options::wait`](crate::Options::wait) allowed.
    ///
    /// File descriptors belong to the whole process, so only one thread at a
    /// time can capture; [`capture`](crate::capture) waits for its turn.
    #[error(
        "cannot capture {stream}: expected no capture held by another thread, found one held by {holder} \
         for longer than the {waited:?} allowed (descriptors are process-wide, so captures take turns)"
    )]
    Busy {
        /// What was to be captured.
        stream: Stream,
        /// The thread holding the capture, by name or id.
        holder: String,
        /// How long this capture waited.
        waited: Duration,
    },
    /// A system call needed to start or finish the capture failed.
    #[error("cannot {action} while capturing {stream}")]
    Os {
        /// What was being done, e.g. "create the pipe".
        action: &'static str,
        /// What was being captured.
        stream: Stream,
        /// The system's error.
        source: io::Error,
    },
    /// Reading the captured output from its pipe failed.
    #[error("reading the captured {stream} output from its pipe failed")]
    Read {
        /// What was being captured.
        stream: Stream,
        /// The system's error.
        source: io::Error,
    },
    /// The code under capture pointed the descriptor somewhere else (say,
    /// closed fd 1 and opened a file, which took number 1): the capture left
    /// it there instead of restoring it over the code's own file, and its
    /// output is discarded.
    #[error(
        "cannot restore fd {fd} after capturing {stream}: expected fd {fd} to point at the capture's pipe, \
         found it pointing elsewhere (the code under capture replaced it); left it as that code set it"
    )]
    Replaced {
        /// What was being captured.
        stream: Stream,
        /// The descriptor that was replaced: 1 or 2.
        fd: i32,
    },
    /// The capture was started in another process, which then forked this
    /// one: its output belongs to that process, so this one ends it without
    /// reading it (the descriptors are restored as in that process).
    #[error(
        "cannot collect the captured {stream} output in process {child}: expected the process that started \
         the capture, found a child forked from process {parent}; the output stays with that process \
         and the descriptor was restored"
    )]
    Inherited {
        /// What was being captured.
        stream: Stream,
        /// The process that started the capture.
        parent: u32,
        /// This process.
        child: u32,
    },
    /// The thread that reads the pipe ended abnormally.
    #[error("the thread reading the captured {stream} output ended abnormally; its output is lost")]
    ReaderLost {
        /// What was being captured.
        stream: Stream,
    },
    /// The captured bytes are not UTF-8 and strict text was asked for.
    #[error(
        "the captured {stream} output is not valid UTF-8: expected UTF-8 text, found {found} at byte {offset} \
         of {len}; use to_string_lossy() or as_bytes() for output that may be binary"
    )]
    NotUtf8 {
        /// Which output.
        stream: Stream,
        /// Offset of the first byte that is not part of valid UTF-8.
        offset: usize,
        /// The offending bytes, in hex, or "a truncated character" at the end.
        found: String,
        /// Length of the output.
        len: usize,
    },
}
