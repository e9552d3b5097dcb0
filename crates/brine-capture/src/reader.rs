//! The reader: one thread per process that drains the pipes of active
//! captures into memory, so that writers never block on a full pipe, however
//! much they write.
//!
//! A capture hands its pipes to the reader with [`watch`] and takes them back
//! with [`Watch::unwatch`]; both only change the set the reader waits on
//! (`epoll_ctl` on Linux), without waking it or waiting for it. Finishing
//! then reads whatever is left in the pipes on the capturing thread
//! ([`collect`]). So the reader is only ever busy while there is output, and
//! an empty capture never waits on another thread.
//!
//! The reader only reads and appends. It never takes the stdout lock or
//! flushes anything: that happens on the capturing thread. It ends after
//! [`KEEP_IDLE`] with nothing to watch, and the next capture starts a new one.

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use crate::sys::{self, Poller, Read};

/// The smallest read the reader makes; reads grow with the output, up to the pipe's size.
const MIN_READ: usize = 4096;

/// Reads in a row from one pipe before waiting again (the others get their turn).
const READS_PER_WAKE: usize = 64;

/// How long the reader waits with nothing to watch before it ends.
const KEEP_IDLE: Duration = Duration::from_secs(5);

/// One pipe of a capture: its read end and what has been read from it.
///
/// Whoever reads from the pipe holds the lock while reading and appending, so
/// bytes are appended in the order they were written.
#[derive(Debug)]
pub(crate) struct Pipe {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The read end, non-blocking and close-on-exec; taken (and closed) when
    /// the capture collects its output. Only the capture closes it, so no
    /// other file can take its number while the reader might still use it.
    fd: Option<OwnedFd>,
    /// Everything read so far.
    buf: Vec<u8>,
    /// The pipe's size once raised (on the first output; empty captures skip it).
    size: Option<usize>,
    /// The first read error; the pipe is no longer watched after it.
    error: Option<io::Error>,
    /// The reader thread ended abnormally while watching this pipe.
    lost: bool,
}

impl Pipe {
    pub(crate) fn new(fd: OwnedFd) -> Self {
        let state = State { fd: Some(fd), buf: Vec::new(), size: None, error: None, lost: false };
        Pipe { state: Mutex::new(state) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads what is in the pipe now and returns a copy of everything so far.
    ///
    /// It reads until a read comes back short (the pipe held no more just
    /// then), and at most the pipe's size: that is all the pipe can have held
    /// when called, so a writer that never pauses cannot keep it reading.
    pub(crate) fn snapshot(&self) -> io::Result<Vec<u8>> {
        let mut state = self.state();
        let State { fd, buf, size, .. } = &mut *state;
        if let Some(fd) = fd {
            let mut left = None;
            loop {
                let before = buf.len();
                let at_most = left.map_or(want(buf, *size), |left: usize| want(buf, *size).min(left));
                match sys::read_into(fd, buf, at_most)? {
                    Read::Data(true) => {}
                    _ => break,
                }
                let left = left.get_or_insert_with(|| size.unwrap_or_else(|| sys::pipe_size(fd)));
                *left = left.saturating_sub(buf.len() - before);
                if *left == 0 {
                    break;
                }
            }
        }
        Ok(buf.clone())
    }

    /// Closes the read end without reading, in a forked child whose parent
    /// owns the output. A lock held at the fork by a thread of the parent
    /// stays held here forever: then the read end is left open rather than
    /// wait.
    pub(crate) fn abandon(&self) {
        let state = match self.state.try_lock() {
            Ok(state) => Some(state),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(mut state) = state {
            state.fd = None;
        }
    }

    /// The reader's turn: reads what the pipe holds, a bounded number of times.
    fn read_ready(&self, poller: &Poller) {
        let mut state = self.state();
        let State { fd: Some(fd), buf, size, error, .. } = &mut *state else {
            return; // collected already
        };
        for _ in 0..READS_PER_WAKE {
            match sys::read_into(fd, buf, want(buf, *size)) {
                Ok(Read::Data(more)) => {
                    if size.is_none() {
                        *size = Some(sys::grow_pipe(fd));
                    }
                    if more {
                        continue;
                    }
                    // the pipe is empty: wait rather than read again for EAGAIN
                }
                Ok(Read::Empty) => {}
                Ok(Read::Eof) => {
                    // only a collected pipe reaches its end, and that is no longer
                    // watched; stop watching anyway rather than be woken forever
                    let _ = poller.remove(fd);
                }
                Err(failure) => {
                    error.get_or_insert(failure);
                    let _ = poller.remove(fd);
                }
            }
            break;
        }
    }
}

/// How much to read next into `buf` from a pipe of `size` (`None`: not
/// raised): as much as is there already, from [`MIN_READ`] up to the pipe's
/// size, so that a small output keeps a small buffer.
fn want(buf: &[u8], size: Option<usize>) -> usize {
    buf.len().clamp(MIN_READ, size.unwrap_or(sys::DEFAULT_PIPE_SIZE).max(MIN_READ))
}

/// Whether `deadline` (`None`: none) has passed at `now`.
fn passed(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|deadline| now >= deadline)
}

/// Why [`collect`] could not return the whole output.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Reading a pipe failed.
    Read(io::Error),
    /// The reader thread ended abnormally while the capture was active.
    ReaderLost,
}

/// How long to keep reading once the capture has finished but a write end
/// is still open somewhere (a background child inherited it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Drain {
    /// Stop after this long without new output.
    pub(crate) idle: Duration,
    /// Stop after this long in any case.
    pub(crate) limit: Duration,
}

/// The process's reader thread and the pipes it watches, by token.
struct Reader {
    /// A forked child inherits this but not the thread (and must not touch
    /// the parent's epoll instance, which it shares): it starts its own.
    pid: u32,
    poller: Arc<Poller>,
    pipes: HashMap<u64, Arc<Pipe>>,
    next_token: u64,
}

static READER: Mutex<Option<Reader>> = Mutex::new(None);

fn reader() -> MutexGuard<'static, Option<Reader>> {
    READER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Pipes handed to the reader, to be taken back with [`Watch::unwatch`].
#[derive(Debug)]
pub(crate) struct Watch {
    /// The process that handed the pipes over.
    pid: u32,
    poller: Arc<Poller>,
    tokens: Vec<u64>,
}

/// Has the reader drain `pipes` as output arrives, starting it if needed.
/// `pid` is this process's id.
pub(crate) fn watch(pipes: &[Arc<Pipe>], pid: u32) -> io::Result<Watch> {
    let mut guard = reader();
    let reader = match &mut *guard {
        Some(reader) if reader.pid == pid => reader,
        stale => {
            let poller = Arc::new(Poller::new()?);
            let serving = Arc::clone(&poller);
            std::thread::Builder::new()
                .name("brine-capture".into())
                // it needs little stack; a small one is quicker to set up
                .stack_size(64 * 1024)
                .spawn(move || serve(&serving))?;
            stale.insert(Reader { pid, poller, pipes: HashMap::new(), next_token: 0 })
        }
    };
    let mut watch =
        Watch { pid, poller: Arc::clone(&reader.poller), tokens: Vec::with_capacity(pipes.len()) };
    for pipe in pipes {
        let token = reader.next_token;
        reader.next_token += 1;
        let added = match &pipe.state().fd {
            Some(fd) => reader.poller.add(fd, token),
            None => Ok(()),
        };
        if let Err(error) = added {
            drop(guard);
            watch.unwatch(pipes);
            return Err(error);
        }
        reader.pipes.insert(token, Arc::clone(pipe));
        watch.tokens.push(token);
    }
    Ok(watch)
}

impl Watch {
    /// Takes `pipes` (those given to [`watch`]) back from the reader. Once
    /// this returns, the reader does not read them again.
    ///
    /// Called only in the process that called [`watch`]: a forked child ends
    /// inherited captures without it (see `Session::end`).
    pub(crate) fn unwatch(self, pipes: &[Arc<Pipe>]) {
        let mut guard = reader();
        let ours = guard
            .as_ref()
            .is_some_and(|reader| reader.pid == self.pid && Arc::ptr_eq(&reader.poller, &self.poller));
        if let (true, Some(reader)) = (ours, guard.as_mut()) {
            for token in &self.tokens {
                reader.pipes.remove(token);
            }
        }
        drop(guard);
        for pipe in pipes {
            // the pipe's lock waits out a read the reader is making now
            let state = pipe.state();
            if let (true, Some(fd)) = (ours, &state.fd) {
                let _ = self.poller.remove(fd);
            }
        }
    }
}

/// The reader thread: reads the pipes that are ready until it has watched
/// nothing for [`KEEP_IDLE`].
fn serve(poller: &Arc<Poller>) {
    let _lost = OnExit(poller);
    let mut ready = Vec::new();
    loop {
        ready.clear();
        match poller.wait(&mut ready, Some(KEEP_IDLE)) {
            Ok(0) => {
                let mut guard = reader();
                match &*guard {
                    Some(reader) if Arc::ptr_eq(&reader.poller, poller) && !reader.pipes.is_empty() => {
                        continue;
                    }
                    Some(reader) if Arc::ptr_eq(&reader.poller, poller) => *guard = None,
                    _ => {}
                }
                return;
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return, // `OnExit` tells the captures
        }
        for token in &ready {
            let pipe = reader().as_ref().and_then(|reader| reader.pipes.get(token).cloned());
            if let Some(pipe) = pipe {
                pipe.read_ready(poller);
            }
        }
    }
}

/// Marks the pipes still watched as lost and retires the reader if its thread
/// ends without having retired it (it failed or panicked), so the next capture
/// starts a new one.
struct OnExit<'a>(&'a Arc<Poller>);

impl Drop for OnExit<'_> {
    fn drop(&mut self) {
        let mut guard = reader();
        if guard.as_ref().is_some_and(|reader| Arc::ptr_eq(&reader.poller, self.0))
            && let Some(reader) = guard.take()
        {
            for pipe in reader.pipes.values() {
                pipe.state().lost = true;
            }
        }
    }
}

/// Once the capture's write ends are closed and `pipes` unwatched: reads what
/// is left in them until end-of-file, closes them and returns their output.
///
/// A write end still open in a background child keeps a pipe from ending:
/// its output is read while it comes, until `drain.idle` passes without any
/// or `drain.limit` in all. Both are instants, checked after every read and
/// every wait, so neither a writer that never pauses nor a signal that
/// interrupts each wait can stretch them. What a pipe held when the capture
/// ended (at most its size) is read whatever the limit.
pub(crate) fn collect(pipes: &[Arc<Pipe>], drain: Drain) -> Result<Vec<Vec<u8>>, Failure> {
    let mut states: Vec<_> = pipes.iter().map(|pipe| pipe.state()).collect();
    let start = Instant::now();
    // `None`: no bound (a duration past the clock's range, such as Duration::MAX)
    let limit = start.checked_add(drain.limit);
    let mut quiet_until = start.checked_add(drain.idle);
    let mut taken = vec![0; states.len()];
    let mut failure = None;
    'drain: loop {
        let mut open = false;
        for (state, taken) in states.iter_mut().zip(&mut taken) {
            let State { fd: Some(fd), buf, size, error, .. } = &mut **state else { continue };
            let outcome = loop {
                let before = buf.len();
                match sys::read_into(fd, buf, want(buf, *size)) {
                    Ok(Read::Data(_)) => {
                        *taken += buf.len() - before;
                        let now = Instant::now();
                        quiet_until = now.checked_add(drain.idle);
                        if passed(limit, now) && *taken >= *size.get_or_insert_with(|| sys::pipe_size(fd)) {
                            break 'drain;
                        }
                    }
                    other => break other,
                }
            };
            match outcome {
                Ok(Read::Empty) => {
                    open = true;
                    continue;
                }
                Err(failed) => {
                    error.get_or_insert(failed);
                }
                Ok(_) => {}
            }
            state.fd = None;
        }
        if !open {
            break;
        }
        let now = Instant::now();
        if passed(limit, now) || passed(quiet_until, now) {
            break;
        }
        let left =
            |deadline: Option<Instant>| deadline.map(|deadline| deadline.saturating_duration_since(now));
        let wait = match (left(limit), left(quiet_until)) {
            (Some(limit), Some(idle)) => Some(limit.min(idle)),
            (one, other) => one.or(other),
        };
        let open: Vec<&OwnedFd> = states.iter().filter_map(|state| state.fd.as_ref()).collect();
        match sys::poll(&open, wait) {
            // a timeout, data or a signal: the deadlines above decide
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                failure = Some(Failure::Read(error));
                break;
            }
        }
    }
    let mut outputs = Vec::with_capacity(states.len());
    for state in &mut states {
        state.fd = None;
        if state.lost {
            failure.get_or_insert(Failure::ReaderLost);
        }
        if let Some(error) = state.error.take() {
            failure.get_or_insert(Failure::Read(error));
        }
        outputs.push(std::mem::take(&mut state.buf));
    }
    match failure {
        Some(failure) => Err(failure),
        None => Ok(outputs),
    }
}

#[cfg(test)]
mod tests {
    //! `snapshot` and `collect` against writers that never pause, on a pipe
    //! no reader thread watches, so every byte read is read by the call.

    use std::os::fd::OwnedFd;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::{Drain, Pipe, collect};
    use crate::sys;

    const WRITERS: usize = 4;
    const CHUNK: usize = 64 << 10;

    /// A pipe as a capture makes it (raised to its full size), its write end,
    /// and the size it has.
    fn pipe() -> (Arc<Pipe>, OwnedFd, usize) {
        let (read, write) = sys::pipe().unwrap();
        let size = sys::grow_pipe(&read);
        (Arc::new(Pipe::new(read)), write, size)
    }

    /// Runs `f` while `WRITERS` threads write to `write` without pause (they
    /// count what they wrote in `written`), then closes the read end, which
    /// ends them.
    fn under_writers<R>(pipe: &Pipe, write: OwnedFd, written: &AtomicUsize, f: impl FnOnce() -> R) -> R {
        let chunk = vec![b'w'; CHUNK];
        std::thread::scope(|scope| {
            for _ in 0..WRITERS {
                let mut file = std::fs::File::from(write.try_clone().unwrap());
                let (chunk, written) = (&chunk, &written);
                scope.spawn(move || {
                    use std::io::Write;
                    while let Ok(n) = file.write(chunk) {
                        written.fetch_add(n, Ordering::Relaxed);
                    }
                });
            }
            drop(write);
            // let them fill the pipe first
            while written.load(Ordering::Relaxed) < 4 * CHUNK {
                std::thread::yield_now();
            }
            let result = f();
            pipe.state().fd = None;
            result
        })
    }

    #[test]
    fn snapshot_reads_a_bounded_amount_under_a_continuous_writer() {
        let (pipe, write, size) = pipe();
        let written = AtomicUsize::new(0);
        let overshoot = under_writers(&pipe, write, &written, || {
            (0..50)
                .map(|_| {
                    // the writers fill the pipe meanwhile, and wait on it
                    std::thread::sleep(Duration::from_millis(1));
                    let before = written.load(Ordering::Relaxed);
                    pipe.snapshot().unwrap().len().saturating_sub(before)
                })
                .collect::<Vec<_>>()
        });
        // what the pipe held when called, plus what it holds once more, plus writes under way
        let bound = 2 * size + WRITERS * CHUNK;
        assert!(overshoot.iter().all(|&n| n <= bound), "bound {bound}, read past it: {overshoot:?}");
    }

    #[test]
    fn collect_stops_at_its_limit_under_continuous_writers() {
        // no time at all to drain: collect reads what the pipe held when
        // called (a bounded amount), not until the writers pause; in ten
        // rounds, as a pipe that writers keep from emptying is a race
        let drain = Drain { idle: Duration::from_secs(60), limit: Duration::ZERO };
        for round in 0..10 {
            let (pipe, write, size) = pipe();
            let written = AtomicUsize::new(0);
            let (overshoot, took) = under_writers(&pipe, write, &written, || {
                // the writers fill the pipe, and wait on it
                std::thread::sleep(Duration::from_millis(5));
                let (before, start) = (written.load(Ordering::Relaxed), Instant::now());
                let outputs = collect(std::slice::from_ref(&pipe), drain).unwrap();
                (outputs[0].len().saturating_sub(before), start.elapsed())
            });
            let bound = 2 * size + WRITERS * CHUNK;
            assert!(overshoot <= bound, "round {round}: bound {bound}, read {overshoot} past it in {took:?}");
            assert!(took < Duration::from_secs(5), "collect took {took:?} with no time to drain");
        }
    }
}
