//! The guards: [`Capture`] for one stream (or both merged), [`CaptureBoth`]
//! for stdout and stderr kept apart, and the [`Options`] that start them.

use std::io::{self, Write};
use std::marker::PhantomData;
use std::os::fd::{OwnedFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use crate::reader::{self, Drain, Failure, Pipe, Watch};
use crate::registry::Unrestored;
use crate::{BothOutput, Error, Output, Stream, registry, sys};

/// How captures start and finish: how long to wait for another thread's
/// capture, and how long to keep reading output from background processes.
///
/// [`capture`](crate::capture) and friends use `Options::new()`.
///
/// ```
/// use std::time::Duration;
/// use brine_capture::{Options, Stream};
///
/// // fail at once instead of waiting if another thread is capturing
/// let capture = Options::new().wait(Duration::ZERO).capture(Stream::Stdout)?;
/// println!("captured");
/// assert_eq!(capture.finish()?.to_str()?, "captured\n");
/// # Ok::<(), brine_capture::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    wait: Option<Duration>,
    drain: Drain,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// The defaults: wait for another thread's capture for as long as it
    /// takes; after finishing, drain background output until 50 ms pass
    /// without any, for at most 1 s.
    ///
    /// ```
    /// assert_eq!(brine_capture::Options::new(), brine_capture::Options::default());
    /// ```
    pub const fn new() -> Self {
        Options {
            wait: None,
            drain: Drain { idle: Duration::from_millis(50), limit: Duration::from_secs(1) },
        }
    }

    /// Waits at most `wait` for another thread's capture to end, then fails
    /// with [`Error::Busy`]; `Duration::ZERO` fails at once.
    ///
    /// Descriptors belong to the whole process, so captures from different
    /// threads take turns. Waiting is the default because it keeps each
    /// capture's output its own; a bound is for code that might wait on
    /// itself (a thread that joins, inside its capture, a thread that
    /// captures too).
    ///
    /// ```
    /// use std::time::Duration;
    /// use brine_capture::{Error, Options, Stream};
    ///
    /// let held = brine_capture::capture(Stream::Stderr)?;
    /// let refused = std::thread::spawn(|| {
    ///     Options::new().wait(Duration::from_millis(10)).capture(Stream::Stdout).map(drop)
    /// })
    /// .join()
    /// .unwrap();
    /// assert!(matches!(refused, Err(Error::Busy { .. })));
    /// held.finish()?;
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// After finishing, keeps reading output for at most `limit`, stopping
    /// once `idle` passes without any.
    ///
    /// This only matters when a process started during the capture still runs
    /// in the background holding the captured descriptor: its output is
    /// collected while it comes, instead of waiting for it to exit. What it
    /// writes later meets a closed pipe (`EPIPE`). Everything else ends the
    /// capture at once.
    ///
    /// Both bounds are deadlines fixed when finishing starts (the idle one
    /// moves on with each output) and checked after every read and every
    /// wait: neither signals nor writers that never pause stretch them. What
    /// the pipe held when the capture ended is read whatever the limit.
    /// `Duration::MAX` means no bound on that side.
    ///
    /// ```
    /// use std::time::Duration;
    /// use brine_capture::{Options, Stream};
    ///
    /// let capture = Options::new()
    ///     .drain(Duration::from_millis(20), Duration::from_millis(200))
    ///     .capture(Stream::Stdout)?;
    /// // `sleep` runs on in the background, holding the captured stdout
    /// std::process::Command::new("sh").args(["-c", "echo started; sleep 3 2>/dev/null &"]).status()?;
    /// // finishing returns once the output has been idle for 20 ms, without waiting for `sleep`
    /// assert_eq!(capture.finish()?.to_str()?, "started\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drain(mut self, idle: Duration, limit: Duration) -> Self {
        self.drain = Drain { idle, limit };
        self
    }

    /// Starts capturing `stream`, as [`capture`](crate::capture) does.
    ///
    /// ```
    /// let capture = brine_capture::Options::new().capture(brine_capture::Stream::Stdout)?;
    /// print!("x");
    /// assert_eq!(capture.finish()?.as_bytes(), b"x");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn capture(&self, stream: Stream) -> Result<Capture, Error> {
        let session = Session::start(stream, &[(stream, stream.fds())], self)?;
        Ok(Capture { session, stream, not_send: PhantomData })
    }

    /// Starts capturing stdout and stderr apart, as
    /// [`capture_both`](crate::capture_both) does.
    ///
    /// ```
    /// let capture = brine_capture::Options::new().capture_both()?;
    /// eprint!("e");
    /// print!("o");
    /// let both = capture.finish()?;
    /// assert_eq!((both.stdout.as_bytes(), both.stderr.as_bytes()), (&b"o"[..], &b"e"[..]));
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn capture_both(&self) -> Result<CaptureBoth, Error> {
        let plan = [(Stream::Stdout, Stream::Stdout.fds()), (Stream::Stderr, Stream::Stderr.fds())];
        let session = Session::start(Stream::Merged, &plan, self)?;
        Ok(CaptureBoth { session, not_send: PhantomData })
    }
}

/// An active capture of one [`Stream`]: while it lives, what the process
/// writes to the stream's descriptor is collected in memory.
///
/// Start one with [`capture`](crate::capture). [`snapshot`](Capture::snapshot)
/// reads what was captured so far; [`finish`](Capture::finish) restores the
/// descriptor and returns everything. Dropping it restores the descriptor too
/// and discards the output — except while the thread panics: then the output
/// is written to the restored stream (stderr for [`Stream::Merged`]), so the
/// panic message and what led to it are not lost.
///
/// A capture belongs to the thread that started it (it is not `Send`):
/// captures of one thread nest, captures of different threads take turns.
///
/// ```
/// use std::io::Write;
/// use brine_capture::Stream;
///
/// let capture = brine_capture::capture(Stream::Stdout)?;
/// std::io::stdout().write_all(b"one\n")?;
/// assert_eq!(capture.snapshot()?.to_str()?, "one\n");
/// std::process::Command::new("echo").arg("two").status()?;
/// assert_eq!(capture.finish()?.to_str()?, "one\ntwo\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "the capture ends when this guard is dropped; call finish() to get the output"]
pub struct Capture {
    session: Session,
    stream: Stream,
    not_send: PhantomData<*const ()>,
}

impl Capture {
    /// What the capture holds: the stream it takes over.
    ///
    /// ```
    /// let capture = brine_capture::capture(brine_capture::Stream::Merged)?;
    /// assert_eq!(capture.stream(), brine_capture::Stream::Merged);
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// Everything captured so far, without stopping (`getvalue()` of
    /// Python's `StringIO`). Rust's and C's buffered output is flushed first,
    /// so it includes all this thread has written.
    ///
    /// ```
    /// let capture = brine_capture::capture(brine_capture::Stream::Stdout)?;
    /// print!("partial line, still in Rust's buffer");
    /// assert_eq!(capture.snapshot()?.to_str()?, "partial line, still in Rust's buffer");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn snapshot(&self) -> Result<Output, Error> {
        let mut outputs = self.session.snapshot()?;
        Ok(Output::new(self.stream, outputs.pop().unwrap_or_default()))
    }

    /// Ends the capture: flushes Rust's stdout and C's stdio, restores the
    /// descriptor and returns everything captured.
    ///
    /// The descriptor is restored only if it still points at the capture's
    /// pipe. If the code under capture pointed it elsewhere itself (closed
    /// fd 1 and opened a file, which took number 1), it is that code's: it is
    /// left as that code set it and this returns [`Error::Replaced`].
    /// Dropping the guard, also in a panic, leaves it the same way.
    ///
    /// ```
    /// let capture = brine_capture::capture(brine_capture::Stream::Stderr)?;
    /// eprintln!("to stderr");
    /// assert_eq!(capture.finish()?.to_str()?, "to stderr\n");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<Output, Error> {
        let mut outputs = self.session.end()?;
        Ok(Output::new(self.stream, outputs.pop().unwrap_or_default()))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        for output in end_on_drop(&mut self.session) {
            replay(self.stream, &output);
        }
    }
}

/// Ends a capture that is dropped without `finish`. What it captured is
/// returned only while the thread panics, to be written back so that the
/// panic's own output is not lost; otherwise it is discarded.
fn end_on_drop(session: &mut Session) -> Vec<Vec<u8>> {
    if session.ended() {
        return Vec::new();
    }
    match session.end() {
        Ok(outputs) if std::thread::panicking() => outputs,
        _ => Vec::new(),
    }
}

/// An active capture of stdout and stderr, kept apart. Start one with
/// [`capture_both`](crate::capture_both); it behaves like [`Capture`].
///
/// Two pipes cannot tell which of two writes came first, so the relative order
/// of stdout and stderr is not kept; for one buffer in arrival order, capture
/// [`Stream::Merged`].
///
/// ```
/// let capture = brine_capture::capture_both()?;
/// std::process::Command::new("sh").args(["-c", "echo out; echo err >&2"]).status()?;
/// let both = capture.finish()?;
/// assert_eq!(both.stdout.to_str()?, "out\n");
/// assert_eq!(both.stderr.to_str()?, "err\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "the capture ends when this guard is dropped; call finish() to get the output"]
pub struct CaptureBoth {
    session: Session,
    not_send: PhantomData<*const ()>,
}

impl CaptureBoth {
    /// Everything captured so far on each stream, without stopping.
    ///
    /// ```
    /// let capture = brine_capture::capture_both()?;
    /// eprint!("err so far");
    /// assert_eq!(capture.snapshot()?.stderr.to_str()?, "err so far");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn snapshot(&self) -> Result<BothOutput, Error> {
        Ok(both(self.session.snapshot()?))
    }

    /// Ends the capture, restores both descriptors and returns each one's
    /// output. A descriptor the code under capture pointed elsewhere is left
    /// as it set it, with [`Error::Replaced`], as
    /// [`Capture::finish`] does.
    ///
    /// ```
    /// let capture = brine_capture::capture_both()?;
    /// println!("out");
    /// let both = capture.finish()?;
    /// assert_eq!(both.stdout.to_str()?, "out\n");
    /// assert!(both.stderr.is_empty());
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<BothOutput, Error> {
        Ok(both(self.session.end()?))
    }
}

impl Drop for CaptureBoth {
    fn drop(&mut self) {
        let mut outputs = end_on_drop(&mut self.session).into_iter();
        if let Some(stdout) = outputs.next() {
            replay(Stream::Stdout, &stdout);
            replay(Stream::Stderr, &outputs.next().unwrap_or_default());
        }
    }
}

fn both(outputs: Vec<Vec<u8>>) -> BothOutput {
    let mut outputs = outputs.into_iter();
    BothOutput {
        stdout: Output::new(Stream::Stdout, outputs.next().unwrap_or_default()),
        stderr: Output::new(Stream::Stderr, outputs.next().unwrap_or_default()),
    }
}

/// Writes output captured during a panic to the restored stream (best effort).
fn replay(stream: Stream, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let _ = match stream {
        Stream::Stdout => io::stdout().write_all(bytes).and_then(|()| io::stdout().flush()),
        _ => io::stderr().write_all(bytes),
    };
}

/// The machinery behind both guards: pipes, their watch by the reader
/// thread, and the frame in the registry.
#[derive(Debug)]
struct Session {
    id: u64,
    /// The process that started the capture; a forked child ends it without reading.
    pid: u32,
    /// Named in errors.
    stream: Stream,
    /// The descriptors taken over.
    fds: Vec<RawFd>,
    /// The pipes' write ends, one per output. Closing them ends the output.
    writers: Vec<Arc<OwnedFd>>,
    /// The pipes' read ends and what was read from them, one per output.
    pipes: Vec<Arc<Pipe>>,
    /// `None` once the capture has ended.
    watch: Option<Watch>,
    drain: Drain,
}

impl Session {
    /// Takes this thread's turn, then opens one pipe per `(output, fds)` in
    /// `plan`, hands them to the reader and points the descriptors at them.
    fn start(stream: Stream, plan: &[(Stream, &[RawFd])], options: &Options) -> Result<Self, Error> {
        let (id, pid) = registry::claim(stream, options.wait)?;
        Self::open(id, pid, stream, plan, options).inspect_err(|_| registry::unclaim())
    }

    fn open(
        id: u64,
        pid: u32,
        stream: Stream,
        plan: &[(Stream, &[RawFd])],
        options: &Options,
    ) -> Result<Self, Error> {
        let os = |action| move |source| Error::Os { action, stream, source };
        // what was written before the capture goes where it was meant to go
        sys::flush_all();
        let mut pipes = Vec::with_capacity(plan.len());
        let mut writers = Vec::with_capacity(plan.len());
        for _ in plan {
            let (read, write) = sys::pipe().map_err(os("create the pipe"))?;
            pipes.push(Arc::new(Pipe::new(read)));
            writers.push(Arc::new(write));
        }
        let watch = reader::watch(&pipes, pid).map_err(os("hand the pipe to the reader thread"))?;
        let mut session = Session {
            id,
            pid,
            stream,
            fds: plan.iter().flat_map(|(_, fds)| fds.iter().copied()).collect(),
            writers,
            pipes,
            watch: Some(watch),
            drain: options.drain,
        };
        let redirects: Vec<_> = plan
            .iter()
            .zip(&session.writers)
            .flat_map(|((output, fds), writer)| fds.iter().map(|&fd| (*output, fd, Arc::clone(writer))))
            .collect();
        if let Err(error) = registry::push(id, &redirects) {
            // nothing points at the pipes: take them back and close them
            let _ = session.stop();
            return Err(error);
        }
        Ok(session)
    }

    fn ended(&self) -> bool {
        self.watch.is_none()
    }

    fn snapshot(&self) -> Result<Vec<Vec<u8>>, Error> {
        sys::flush_all();
        self.pipes
            .iter()
            .map(|pipe| pipe.snapshot())
            .collect::<io::Result<_>>()
            .map_err(|source| Error::Read { stream: self.stream, source })
    }

    /// Flushes, restores the descriptors, closes the write ends and collects
    /// the output. Returns one buffer per output.
    ///
    /// In a child forked while the capture was active, the output belongs to
    /// the parent, which is still reading the same pipes: the child restores
    /// its descriptors and closes its copies of the pipes without reading.
    fn end(&mut self) -> Result<Vec<Vec<u8>>, Error> {
        // what this thread wrote during the capture belongs to it
        sys::flush_all();
        let restored = registry::pop(self.id, &self.fds);
        let pid = std::process::id();
        let collected = if self.pid == pid {
            self.stop()
        } else {
            self.abandon();
            Ok(Vec::new())
        };
        restored.map_err(|unrestored| match unrestored {
            Unrestored::Os(source) => {
                Error::Os { action: "restore the descriptor with dup2", stream: self.stream, source }
            }
            Unrestored::Replaced(fd) => Error::Replaced { stream: self.stream, fd },
        })?;
        if self.pid != pid {
            return Err(Error::Inherited { stream: self.stream, parent: self.pid, child: pid });
        }
        collected.map_err(|failure| match failure {
            Failure::Read(source) => Error::Read { stream: self.stream, source },
            Failure::ReaderLost => Error::ReaderLost { stream: self.stream },
        })
    }

    /// Ends an inherited capture in a forked child: closes the write ends and
    /// the read ends without reading them or touching the reader, whose
    /// thread and epoll set are the parent's.
    fn abandon(&mut self) {
        self.watch = None;
        self.writers.clear();
        for pipe in &self.pipes {
            pipe.abandon();
        }
    }

    /// Takes the pipes back from the reader, closes the write ends and reads
    /// what is left.
    fn stop(&mut self) -> Result<Vec<Vec<u8>>, Failure> {
        let Some(watch) = self.watch.take() else { return Ok(Vec::new()) };
        // unwatch first: closing the write ends would wake the reader for nothing
        watch.unwatch(&self.pipes);
        self.writers.clear();
        reader::collect(&self.pipes, self.drain)
    }
}
