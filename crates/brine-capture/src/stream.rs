//! [`Stream`]: which descriptor a capture takes over.

use std::fmt;
use std::os::fd::RawFd;

/// The output a capture takes over.
///
/// A capture works on the file descriptor, not on a Rust handle, so it sees
/// everything the process writes there: `print!`, `std::io::stdout()`, C
/// libraries, threads and child processes that inherit it.
///
/// ```
/// use brine_capture::Stream;
///
/// assert_eq!(Stream::Stdout.to_string(), "stdout (fd 1)");
/// assert_eq!(Stream::Merged.to_string(), "stdout and stderr (fd 1 and 2, merged)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stream {
    /// Standard output, file descriptor 1.
    Stdout,
    /// Standard error, file descriptor 2.
    Stderr,
    /// Both, into one buffer in the order the writes arrive — the shell's
    /// `>out 2>&1`. To keep them apart instead, use
    /// [`capture_both`](crate::capture_both).
    Merged,
}

impl Stream {
    /// The descriptors this stream redirects.
    pub(crate) fn fds(self) -> &'static [RawFd] {
        match self {
            Stream::Stdout => &[1],
            Stream::Stderr => &[2],
            Stream::Merged => &[1, 2],
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "stdout (fd 1)",
            Stream::Stderr => "stderr (fd 2)",
            Stream::Merged => "stdout and stderr (fd 1 and 2, merged)",
        })
    }
}
