//! The reader thread: drains a capture's pipes into memory so that writers
//! never block on a full pipe, however much they write.
//!
//! It only reads and appends. It never takes the stdout lock or flushes
//! anything: that happens on the capturing thread.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::sys::{self, Read};

/// The smallest read the reader makes; reads grow with the output, up to the pipe's size.
const MIN_READ: usize = 4096;

/// One pipe of a capture: its read end and what has been read from it.
#[derive(Debug)]
pub(crate) struct Pipe {
    /// The read end, non-blocking and close-on-exec. It lives as long as the
    /// capture and its reader, so no other file can take its number meanwhile.
    fd: OwnedFd,
    /// The pipe's buffer size.
    size: usize,
    /// Everything read so far. Whoever reads from `fd` holds this lock while
    /// reading and appending, so bytes are appended in the order they were written.
    buf: Mutex<Vec<u8>>,
}

impl Pipe {
    pub(crate) fn new(fd: OwnedFd, size: usize) -> Self {
        Pipe { fd, size, buf: Mutex::new(Vec::new()) }
    }

    fn buf(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.buf.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads what is in the pipe now and returns a copy of everything so far.
    pub(crate) fn snapshot(&self) -> io::Result<Vec<u8>> {
        let mut buf = self.buf();
        sys::read_into(&self.fd, &mut buf, self.size)?;
        Ok(buf.clone())
    }

    /// Takes everything read so far.
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf())
    }

    fn read_some(&self) -> io::Result<Read> {
        let mut buf = self.buf();
        let want = buf.len().clamp(MIN_READ, self.size.max(MIN_READ));
        sys::read_into(&self.fd, &mut buf, want)
    }
}

/// What the reader and the capture share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) pipes: Vec<Pipe>,
    /// The first read error, if any; the reader stops at it.
    pub(crate) error: Mutex<Option<io::Error>>,
}

/// How long the reader keeps draining once the capture has finished but a
/// write end is still open somewhere (a background child inherited it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Drain {
    /// Stop after this long without new output.
    pub(crate) idle: Duration,
    /// Stop after this long in any case.
    pub(crate) limit: Duration,
}

/// Starts the reader of `shared`'s pipes. It runs until every pipe reaches
/// end-of-file; once `wake`'s write end is closed (the capture finished) it
/// stops as well after `drain`'s bounds.
pub(crate) fn spawn(shared: Arc<Shared>, wake: OwnedFd, drain: Drain) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("brine-capture".into())
        // it needs little stack; a small one makes starting a capture cheaper
        .stack_size(64 * 1024)
        .spawn(move || run(&shared, &wake, drain))
}

fn run(shared: &Shared, wake: &OwnedFd, drain: Drain) {
    let pollfd = |fd: &OwnedFd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    let mut fds: Vec<libc::pollfd> = shared.pipes.iter().map(|pipe| pollfd(&pipe.fd)).collect();
    fds.push(pollfd(wake));
    let wake_index = fds.len() - 1;
    let mut open = shared.pipes.len();
    let mut deadline: Option<Instant> = None;
    while open > 0 {
        let timeout = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                millis(left.min(drain.idle))
            }
        };
        match sys::poll(&mut fds, timeout) {
            Ok(0) if deadline.is_some() => break, // idle: nothing came for `drain.idle`
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return record(shared, error),
        }
        for (pipe, pollfd) in shared.pipes.iter().zip(&mut fds) {
            if pollfd.revents == 0 || pollfd.fd < 0 {
                continue;
            }
            match pipe.read_some() {
                Ok(Read::Data | Read::Empty) => {}
                Ok(Read::Eof) => {
                    pollfd.fd = -1; // poll skips negative descriptors
                    open -= 1;
                }
                Err(error) => return record(shared, error),
            }
        }
        let wake = &mut fds[wake_index];
        if wake.revents != 0 && wake.fd >= 0 {
            // the capture finished: drain until idle, within the limit
            wake.fd = -1;
            deadline = Some(Instant::now() + drain.limit);
        }
    }
}

fn record(shared: &Shared, error: io::Error) {
    shared.error.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(error);
}

/// `duration` in whole milliseconds for poll, at least 1.
fn millis(duration: Duration) -> libc::c_int {
    libc::c_int::try_from(duration.as_millis()).unwrap_or(libc::c_int::MAX).max(1)
}
