//! The reader: a thread that drains a capture's pipes into memory, so that
//! writers never block on a full pipe, however much they write.
//!
//! It only reads and appends. It never takes the stdout lock or flushes
//! anything: that happens on the capturing thread.
//!
//! Starting a thread costs more than the rest of a capture together, so a
//! reader whose capture has finished waits [`KEEP_IDLE`] for the next one
//! before it ends; each active capture still has a reader of its own.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::sys::{self, Read};

/// The smallest read the reader makes; reads grow with the output, up to the pipe's size.
const MIN_READ: usize = 4096;

/// Reads in a row from one pipe before polling again (the others get their turn).
const READS_PER_POLL: usize = 64;

/// How long a reader with nothing to do waits for the next capture.
pub(crate) const KEEP_IDLE: Duration = Duration::from_secs(5);

/// One pipe of a capture: its read end and what has been read from it.
#[derive(Debug)]
pub(crate) struct Pipe {
    /// The read end, non-blocking and close-on-exec. It lives as long as the
    /// capture and its reader, so no other file can take its number meanwhile.
    fd: OwnedFd,
    /// Everything read so far. Whoever reads from `fd` holds this lock while
    /// reading and appending, so bytes are appended in the order they were written.
    buf: Mutex<Vec<u8>>,
}

impl Pipe {
    pub(crate) fn new(fd: OwnedFd) -> Self {
        Pipe { fd, buf: Mutex::new(Vec::new()) }
    }

    fn buf(&self) -> MutexGuard<'_, Vec<u8>> {
        self.buf.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads what is in the pipe now and returns a copy of everything so far.
    pub(crate) fn snapshot(&self) -> io::Result<Vec<u8>> {
        let mut buf = self.buf();
        // one read as large as the largest pipe takes all it holds
        sys::read_into(&self.fd, &mut buf, sys::PIPE_SIZE)?;
        Ok(buf.clone())
    }

    /// Takes everything read so far.
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf())
    }

    fn read_some(&self, pipe_size: usize) -> io::Result<Read> {
        let mut buf = self.buf();
        let want = buf.len().clamp(MIN_READ, pipe_size.max(MIN_READ));
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

/// One capture's work for a reader.
struct Job {
    shared: Arc<Shared>,
    /// Becomes readable (hung up) when the capture finishes.
    wake: OwnedFd,
    drain: Drain,
    /// Told when the reader is done with the job and has let go of it.
    done: mpsc::SyncSender<()>,
}

/// The capture's side of its reader.
#[derive(Debug)]
pub(crate) struct Handle {
    done: mpsc::Receiver<()>,
}

impl Handle {
    /// Waits until the reader is done. Returns whether it ended normally.
    pub(crate) fn wait(self) -> bool {
        self.done.recv().is_ok()
    }
}

/// An idle reader: its id, the process it runs in, and the channel it waits
/// for its next job on.
type Idle = (u64, u32, mpsc::Sender<Job>);

/// Idle readers.
static IDLE: Mutex<Vec<Idle>> = Mutex::new(Vec::new());
static NEXT_READER: AtomicU64 = AtomicU64::new(0);

fn idle() -> MutexGuard<'static, Vec<Idle>> {
    IDLE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Has a reader drain `shared`'s pipes until each reaches end-of-file; once
/// `wake`'s write end is closed (the capture finished) it stops as well after
/// `drain`'s bounds.
pub(crate) fn start(shared: Arc<Shared>, wake: OwnedFd, drain: Drain) -> io::Result<Handle> {
    let (done, handle) = mpsc::sync_channel(1);
    let mut job = Job { shared, wake, drain, done };
    let pid = std::process::id();
    loop {
        let Some((_, in_process, reader)) = idle().pop() else { break };
        if in_process != pid {
            // a forked child inherits the list but not the threads
            continue;
        }
        match reader.send(job) {
            Ok(()) => return Ok(Handle { done: handle }),
            Err(mpsc::SendError(back)) => job = back, // that reader has ended
        }
    }
    let id = NEXT_READER.fetch_add(1, Ordering::Relaxed);
    std::thread::Builder::new()
        .name("brine-capture".into())
        // it needs little stack; a small one is quicker to set up
        .stack_size(64 * 1024)
        .spawn(move || serve(id, job))?;
    Ok(Handle { done: handle })
}

/// A reader thread: runs `job`, then waits for more until idle for [`KEEP_IDLE`].
fn serve(id: u64, mut job: Job) {
    let (sender, jobs) = mpsc::channel();
    loop {
        let Job { shared, wake, drain, done } = job;
        run(&shared, &wake, drain);
        // let go of the pipes before saying so: the capture may close them now
        drop((shared, wake));
        idle().push((id, std::process::id(), sender.clone()));
        let _ = done.send(());
        job = match jobs.recv_timeout(KEEP_IDLE) {
            Ok(next) => next,
            Err(RecvTimeoutError::Timeout) => {
                let mut idle = idle();
                if let Some(position) = idle.iter().position(|&(reader, _, _)| reader == id) {
                    idle.remove(position);
                    return;
                }
                drop(idle);
                // a capture took this reader off the list: its job is on the way
                match jobs.recv() {
                    Ok(next) => next,
                    Err(_) => return,
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
    }
}

fn run(shared: &Shared, wake: &OwnedFd, drain: Drain) {
    let pollfd = |fd: &OwnedFd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    let mut fds: Vec<libc::pollfd> = shared.pipes.iter().map(|pipe| pollfd(&pipe.fd)).collect();
    fds.push(pollfd(wake));
    let wake_index = fds.len() - 1;
    // pipes start small and are raised once output arrives: empty captures stay cheap
    let mut sizes: Vec<Option<usize>> = vec![None; shared.pipes.len()];
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
        for ((pipe, pollfd), size) in shared.pipes.iter().zip(&mut fds).zip(&mut sizes) {
            if pollfd.revents == 0 || pollfd.fd < 0 {
                continue;
            }
            for _ in 0..READS_PER_POLL {
                match pipe.read_some(size.unwrap_or(sys::DEFAULT_PIPE_SIZE)) {
                    Ok(Read::Data(more)) => {
                        if size.is_none() {
                            *size = Some(sys::grow_pipe(&pipe.fd));
                        }
                        if more {
                            continue;
                        }
                        // the pipe is empty: wait in poll rather than read again for EAGAIN
                    }
                    Ok(Read::Empty) => {}
                    Ok(Read::Eof) => {
                        pollfd.fd = -1; // poll skips negative descriptors
                        open -= 1;
                    }
                    Err(error) => return record(shared, error),
                }
                break;
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
