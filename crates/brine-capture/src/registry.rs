//! The process-wide record of active captures.
//!
//! File descriptors 1 and 2 belong to the whole process, so the record is a
//! global behind one mutex. Its invariants, kept under the lock:
//!
//! - `owner` is the one thread whose captures are active; it is `None` exactly
//!   when `active` is 0. Other threads wait on [`TURN`] (or give up with
//!   [`Error::Busy`]). The owner may start more captures: they nest.
//! - For each of fd 1 and fd 2, `original` holds a close-on-exec duplicate of
//!   what the descriptor pointed to before the first capture, exactly while
//!   its stack is non-empty; the descriptor points at the write end on top of
//!   the stack — unless the code under capture pointed it elsewhere itself.
//!   Removing the top frame re-points the descriptor at the new top, or at
//!   `original` when the stack empties, but only while it still points at
//!   that frame's pipe (same device and inode): a descriptor the code under
//!   capture replaced is its own, and stays as it set it. Removing a frame
//!   below the top leaves the descriptor alone.
//! - `pid` is the process the record describes. A child forked while
//!   captures were active inherits the record but only the forking thread:
//!   the first claim in the child (see [`claim`]) ends the captures of any other
//!   owner, which can never end them there, as they would have ended (the
//!   descriptors back at `original`, the turn free). Captures of the forking
//!   thread itself stay, for it to end.
//! - A closed fd 1 or 2 is replaced by `/dev/null` without ever closing the
//!   number (see [`point_at_dev_null`]), so no other thread's `open` can land
//!   on it in between and be overwritten.

use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};
use std::{fs, io};

use crate::{Error, Stream, sys};

/// One descriptor's state.
struct Slot {
    /// What the descriptor pointed to before the first active capture.
    original: Option<OwnedFd>,
    /// The active captures of this descriptor, innermost last: (frame id, write end).
    stack: Vec<(u64, Arc<OwnedFd>)>,
}

struct Registry {
    /// The process this record describes (0 before the first capture).
    pid: u32,
    owner: Option<Thread>,
    active: usize,
    next_id: u64,
    /// fd 1 and fd 2.
    slots: [Slot; 2],
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    pid: 0,
    owner: None,
    active: 0,
    next_id: 0,
    slots: [Slot { original: None, stack: Vec::new() }, Slot { original: None, stack: Vec::new() }],
});

/// Signalled when the owner's last capture ends.
static TURN: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Registry> {
    // Nothing panics while holding the lock; if something did, the record is
    // still consistent, so carry on rather than poison every later capture.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registry {
    fn slot(&mut self, fd: RawFd) -> &mut Slot {
        &mut self.slots[usize::from(fd == 2)]
    }

    /// Takes the record over for process `pid`, a child forked from the one
    /// it described (or the first capture of the process).
    ///
    /// Only the forking thread lives on in a child. If another thread owned
    /// the captures, nothing here can ever end them, and every capture would
    /// wait for its turn forever: end them here, as they would have ended —
    /// each descriptor back where it pointed before them, the turn free.
    /// Their pipes' write ends stay open in this process, where their guards
    /// live on in memory no thread runs.
    fn forked(&mut self, pid: u32) {
        self.pid = pid;
        let me = thread::current().id();
        if self.owner.as_ref().is_none_or(|owner| owner.id() == me) {
            return;
        }
        for (fd, slot) in [1, 2].into_iter().zip(&mut self.slots) {
            if let Some(original) = slot.original.take() {
                let _ = sys::redirect(original.as_fd(), fd);
            }
            slot.stack.clear();
        }
        self.owner = None;
        self.active = 0;
    }
}

/// Takes this thread's turn to capture, waiting up to `wait` (`None`: for as
/// long as it takes) while another thread holds one. Returns a frame id and
/// this process's id.
///
/// Every capture starts here, so this is where a forked child takes the
/// record over (see [`Registry::forked`]); the rest of the record's users
/// act on frames of this thread, which a fork keeps.
pub(crate) fn claim(stream: Stream, wait: Option<Duration>) -> Result<(u64, u32), Error> {
    let me = thread::current();
    let pid = std::process::id();
    let start = Instant::now();
    // an instant, so that spurious and early wake-ups do not restart the wait;
    // `None` (no bound) also for a wait past the clock's range
    let deadline = wait.and_then(|wait| start.checked_add(wait));
    let mut registry = lock();
    if registry.pid != pid {
        registry.forked(pid);
    }
    loop {
        match &registry.owner {
            Some(owner) if owner.id() != me.id() => {}
            _ => break,
        }
        registry = match deadline {
            None => TURN.wait(registry).unwrap_or_else(PoisonError::into_inner),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    let holder = registry.owner.as_ref().map(describe).unwrap_or_default();
                    return Err(Error::Busy { stream, holder, waited: start.elapsed() });
                }
                TURN.wait_timeout(registry, left).unwrap_or_else(PoisonError::into_inner).0
            }
        };
    }
    registry.owner = Some(me);
    registry.active += 1;
    registry.next_id += 1;
    Ok((registry.next_id, pid))
}

/// Gives back a turn taken by [`claim`] whose capture never started.
pub(crate) fn unclaim() {
    release(&mut lock());
}

fn release(registry: &mut Registry) {
    registry.active = registry.active.saturating_sub(1);
    if registry.active == 0 {
        registry.owner = None;
        TURN.notify_all();
    }
}

fn describe(thread: &Thread) -> String {
    match thread.name() {
        Some(name) => format!("thread `{name}`"),
        None => format!("thread {:?}", thread.id()),
    }
}

/// Points each `(fd, write end)` of frame `id` at its write end, saving what
/// the descriptor pointed to if this is its first capture. All or nothing.
pub(crate) fn push(id: u64, redirects: &[(Stream, RawFd, Arc<OwnedFd>)]) -> Result<(), Error> {
    let mut registry = lock();
    for (done, (stream, fd, writer)) in redirects.iter().enumerate() {
        let (stream, fd, writer) = (*stream, *fd, Arc::clone(writer));
        if let Err(error) = push_one(&mut registry, id, stream, fd, writer) {
            for &(_, fd, _) in &redirects[..done] {
                let _ = remove(registry.slot(fd), id, fd);
            }
            return Err(error);
        }
    }
    Ok(())
}

fn push_one(
    registry: &mut Registry,
    id: u64,
    stream: Stream,
    fd: RawFd,
    writer: Arc<OwnedFd>,
) -> Result<(), Error> {
    let os = |action| move |source| Error::Os { action, stream, source };
    let slot = registry.slot(fd);
    if slot.stack.is_empty() {
        if !sys::is_open(fd) {
            point_at_dev_null(fd).map_err(os("put /dev/null in place of the closed descriptor"))?;
        }
        slot.original = Some(sys::save(fd).map_err(os("save the descriptor with dup"))?);
    }
    if let Err(source) = sys::redirect(writer.as_fd(), fd) {
        if slot.stack.is_empty() {
            slot.original = None;
        }
        return Err(os("point the descriptor at the pipe with dup2")(source));
    }
    slot.stack.push((id, writer));
    Ok(())
}

/// Opens `/dev/null` on the closed descriptor `fd`, inheritable like any fd 1 or 2.
///
/// A closed fd 1 would otherwise be taken by the next file the process opens,
/// which would then receive everything printed after the capture.
fn point_at_dev_null(fd: RawFd) -> io::Result<()> {
    let null = fs::OpenOptions::new().write(true).open("/dev/null")?;
    sys::settle_on(null.into(), fd)
}

/// Why a descriptor could not be restored.
#[derive(Debug)]
pub(crate) enum Unrestored {
    /// `dup2` failed.
    Os(io::Error),
    /// The code under capture pointed this descriptor elsewhere; it was left there.
    Replaced(RawFd),
}

/// Removes frame `id`: re-points every descriptor it was on top of at the new
/// top or the original, and ends this thread's turn if it was its last capture.
pub(crate) fn pop(id: u64, fds: &[RawFd]) -> Result<(), Unrestored> {
    let mut registry = lock();
    let mut result = Ok(());
    for &fd in fds {
        let removed = remove(registry.slot(fd), id, fd);
        if result.is_ok() {
            result = removed;
        }
    }
    release(&mut registry);
    result
}

fn remove(slot: &mut Slot, id: u64, fd: RawFd) -> Result<(), Unrestored> {
    let Some(position) = slot.stack.iter().position(|(frame, _)| *frame == id) else {
        return Ok(());
    };
    let (_, writer) = slot.stack.remove(position);
    if position < slot.stack.len() {
        // an inner capture is still active and on top: the descriptor stays on it
        return Ok(());
    }
    // the descriptor points at this frame's pipe, unless the code under
    // capture re-pointed it: then it is that code's, and stays
    let ours =
        sys::identity(sys::stdio(fd)).ok().is_some_and(|now| sys::identity(writer.as_fd()).ok() == Some(now));
    let result = match (ours, slot.stack.last(), &slot.original) {
        (false, ..) => Err(Unrestored::Replaced(fd)),
        (true, Some((_, writer)), _) => sys::redirect(writer.as_fd(), fd).map_err(Unrestored::Os),
        (true, None, Some(original)) => sys::redirect(original.as_fd(), fd).map_err(Unrestored::Os),
        (true, None, None) => Ok(()),
    };
    if slot.stack.is_empty() {
        slot.original = None;
    }
    result
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    //! `/dev/null` in place of a closed descriptor, on numbers far above any
    //! the tests' own files take, so that tests running alongside are not
    //! disturbed.

    use std::os::fd::{AsRawFd, OwnedFd};
    use std::path::PathBuf;

    use super::point_at_dev_null;

    fn target(fd: i32) -> PathBuf {
        std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap_or_default()
    }

    #[test]
    fn dev_null_never_overwrites_a_number_another_thread_took() {
        // the capture found the number closed; before /dev/null got there,
        // another thread's open took it: that file stays where it is
        let path = std::env::temp_dir().join(format!("brine-capture-taken-{}", std::process::id()));
        let file = OwnedFd::from(std::fs::File::create(&path).unwrap());
        let taken = rustix::io::fcntl_dupfd_cloexec(&file, 902).unwrap();
        assert_eq!(taken.as_raw_fd(), 902, "fd 902 was already in use");
        point_at_dev_null(902).unwrap();
        assert_eq!(target(902), path, "the other thread's file was overwritten");
        drop(taken);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn dev_null_takes_a_free_number_inheritable() {
        assert_eq!(target(901), PathBuf::new(), "fd 901 was already in use");
        point_at_dev_null(901).unwrap();
        assert_eq!(target(901), PathBuf::from("/dev/null"));
        let fdinfo = std::fs::read_to_string("/proc/self/fdinfo/901").unwrap();
        let flags = fdinfo.lines().find_map(|line| line.strip_prefix("flags:")).unwrap_or_default();
        let flags = u32::from_str_radix(flags.trim(), 8).unwrap();
        assert_eq!(flags & 0o2000000, 0, "fd 901 is close-on-exec: {fdinfo}");
        // fd 901 stays open on /dev/null: this process's, like a standard descriptor
    }
}
