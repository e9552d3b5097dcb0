//! What `Deserialize` impls say while a brine load decodes, kept per thread:
//! the first custom message, and the first typed error [`raise`]d.
//!
//! Invariants:
//!
//! - A load that succeeds touches only the thread's word ([`running`]):
//!   one read and one write on the way in, the same on the way out; the
//!   slot of messages and errors is touched only when something was noted.
//! - Notes belong to the load running on the thread: a load that starts
//!   while an outer one has notes sets them aside and puts them back when it
//!   ends (also on panic); notes of a load are dropped when it ends.
//! - Outside any brine load, [`raise`] keeps nothing.
//!
//! [`raise`]: crate::load::raise

use std::cell::RefCell;

use crate::running;
use crate::trust::Scope;

/// An error a `Deserialize` impl raised.
pub(crate) type Raised = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What was noted during one load.
#[derive(Default)]
pub(crate) struct Notes {
    /// The first `de::Error::custom` message.
    pub(crate) message: Option<String>,
    /// The first error raised with [`raise`](crate::load::raise).
    pub(crate) raised: Option<Raised>,
}

thread_local! {
    static NOTES: RefCell<Notes> = const { RefCell::new(Notes { message: None, raised: None }) };
    /// The notes of the loads that new ones started inside, innermost last.
    static SET_ASIDE: RefCell<Vec<Notes>> = const { RefCell::new(Vec::new()) };
}

/// One load's hold on the thread, from [`begin`] until it drops: its notes,
/// and the trust scope in force while it decodes. What the thread held
/// before is one word, so that a load that notes nothing keeps it in a
/// register.
pub(crate) struct Session {
    /// The thread's word before the load began.
    before: running::Word,
}

/// Starts a load's notes, with `scope` in force.
#[inline]
pub(crate) fn begin(scope: Scope) -> Session {
    let before = running::enter(scope.to_byte());
    if before.noted() {
        set_aside();
    }
    Session { before }
}

impl Session {
    /// What was noted since the load began (for a load that failed).
    pub(crate) fn take(&self) -> Notes {
        if running::now().noted() {
            running::set_noted(false);
            take_slot()
        } else {
            Notes::default()
        }
    }
}

impl Drop for Session {
    #[inline]
    fn drop(&mut self) {
        let noted = running::leave(self.before);
        if noted || self.before.noted() {
            self.restore();
        }
    }
}

impl Session {
    #[cold]
    fn restore(&mut self) {
        let own = take_slot();
        if self.before.noted() {
            // sessions nest as the loads do: the innermost set aside is this one's
            let outer = SET_ASIDE.with(|stack| stack.borrow_mut().pop()).unwrap_or_default();
            NOTES.with(|slot| *slot.borrow_mut() = outer);
            running::set_noted(true);
        }
        // last: a raised error's drop is the value's code, and may panic
        drop(own);
    }
}

/// Sets the running load's notes aside for a load that starts inside it.
#[cold]
fn set_aside() {
    let outer = take_slot();
    SET_ASIDE.with(|stack| stack.borrow_mut().push(outer));
}

fn take_slot() -> Notes {
    NOTES.with(|slot| std::mem::take(&mut *slot.borrow_mut()))
}

fn loading() -> bool {
    running::now().running()
}

/// Keeps `message` if it is the load's first.
#[cold]
pub(crate) fn note_message(message: String) {
    if !loading() {
        return;
    }
    NOTES.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.message.is_none() {
            slot.message = Some(message);
        }
    });
    running::set_noted(true);
}

/// Keeps `error` if it is the first raised in the running load; outside a
/// load, drops it.
#[cold]
pub(crate) fn note_raised(error: Raised) {
    if !loading() {
        return;
    }
    NOTES.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.raised.is_none() {
            slot.raised = Some(error);
        }
    });
    running::set_noted(true);
}

/// Runs `f` with the running load's first message, if there is one.
pub(crate) fn with_message<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    NOTES.with(|slot| match slot.try_borrow() {
        Ok(slot) => f(slot.message.as_deref()),
        Err(_) => f(None),
    })
}
