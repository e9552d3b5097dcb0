//! What a load lets the values it builds do: [`Trust`], and the per-thread
//! [`Scope`] that code values read while they are decoded.
//!
//! Invariants:
//!
//! - brine-io knows nothing of functions (brine-code does, and depends on
//!   this crate, never the reverse). It owns the three things both sides of
//!   a load need: the header flag that says an envelope holds code, the
//!   trust level a caller opts into, and a thread-local scope through which
//!   a `Deserialize` impl of a code value (brine-code's `Func`) learns the
//!   trust of the load running on its thread.
//! - The scope is [`Trust::Values`] unless a load that opted in, or
//!   [`Scope::run`], set it; it is restored when that load ends, also on
//!   panic. So a code value refuses to load under every decoder that did not
//!   opt in: a forged header that clears the flag gets the plain load's
//!   scope, and with it a refusal.
//! - A dump marks its envelope as holding code when a `Serialize` impl calls
//!   [`mark_code`] on the dumping thread while the dump runs.

use std::cell::Cell;

use crate::running;

/// What a load trusts the envelope's values to do.
///
/// The default, [`Trust::Values`], is a plain load: data only. A value that
/// holds code (brine-code's `Func`) is refused, by the header check before
/// any byte is decoded and by the value's own `Deserialize`.
///
/// ```
/// use brine_io::{Options, Trust};
///
/// let plain = Options::new();
/// let functions = Options::new().trust(Trust::Registry);
/// assert_ne!(plain, functions);
/// assert_eq!(Trust::default(), Trust::Values);
/// // each level allows what the ones before it do
/// assert!(Trust::Values < Trust::Registry && Trust::Registry < Trust::Compile);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Trust {
    /// Data only: an envelope that holds code is refused.
    #[default]
    Values,
    /// Functions stored by reference may be resolved to functions registered
    /// in this program (`#[brine::function]`, `brine::func!`) and called.
    /// No code is compiled or loaded: what can run is what this program was
    /// built with.
    Registry,
    /// As [`Registry`](Trust::Registry), and a function this program does
    /// not have registered (written by another program, or by another build
    /// whose source differs) is compiled from the source stored with it,
    /// with rustc, loaded into this process and called (brine-code's
    /// `Func`). This runs whatever source the payload carries: opt in only
    /// for payloads you would compile into your own program. A function
    /// registered with the same signature and source still comes from the
    /// registry (and with [`Scope::allow_stale`], one whose source changed
    /// does too).
    Compile,
}

/// The trust in force on this thread while a value is decoded: set by a
/// load that opted in ([`Options::trust`](crate::Options::trust)), or by
/// [`Scope::run`] around a decoder of another format.
///
/// ```
/// use brine_io::trust::Scope;
/// use brine_io::Trust;
///
/// assert_eq!(Scope::current().trust(), Trust::Values);
/// let inside = Scope::new(Trust::Registry).run(|| Scope::current().trust());
/// assert_eq!(inside, Trust::Registry);
/// assert_eq!(Scope::current().trust(), Trust::Values); // restored
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    trust: Trust,
    allow_stale: bool,
}

thread_local! {
    /// `Some(holds code)` while a dump runs on this thread.
    static DUMPING: Cell<Option<bool>> = const { Cell::new(None) };
}

impl Scope {
    /// A scope of `trust`, stale code not allowed.
    ///
    /// ```
    /// let scope = brine_io::trust::Scope::new(brine_io::Trust::Registry);
    /// assert!(!scope.stale_allowed());
    /// ```
    pub const fn new(trust: Trust) -> Self {
        Scope { trust, allow_stale: false }
    }

    /// Whether a function whose stored source hash differs from the one
    /// registered in this program may load anyway (default: no).
    ///
    /// ```
    /// let scope = brine_io::trust::Scope::new(brine_io::Trust::Registry).allow_stale(true);
    /// assert!(scope.stale_allowed());
    /// ```
    pub const fn allow_stale(mut self, allow: bool) -> Self {
        self.allow_stale = allow;
        self
    }

    /// The trust level.
    ///
    /// ```
    /// assert_eq!(brine_io::trust::Scope::default().trust(), brine_io::Trust::Values);
    /// ```
    pub const fn trust(&self) -> Trust {
        self.trust
    }

    /// Whether stale code is allowed; see [`allow_stale`](Self::allow_stale).
    ///
    /// ```
    /// assert!(!brine_io::trust::Scope::default().stale_allowed());
    /// ```
    pub const fn stale_allowed(&self) -> bool {
        self.allow_stale
    }

    /// The scope of the load running on this thread ([`Trust::Values`]
    /// outside any).
    ///
    /// See the example on [`Scope`].
    pub fn current() -> Scope {
        Scope::from_byte(running::now().scope())
    }

    /// Runs `f` with this scope in force on this thread, and restores the
    /// previous one afterwards (also when `f` panics).
    ///
    /// This is how a decoder of another format (serde_json, brine-source's
    /// reader) opts in to code values; brine's own loads use
    /// [`Options::trust`](crate::Options::trust).
    ///
    /// See the example on [`Scope`].
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        let _restore = Restore(running::swap_scope(self.to_byte()));
        f()
    }

    /// The scope in a byte, for the thread's word ([`running`]): the trust
    /// level's number, and stale code allowed in the top bit. The byte of
    /// the default scope is 0, as the word's is outside any load.
    pub(crate) const fn to_byte(self) -> u8 {
        let trust = match self.trust {
            Trust::Values => 0,
            Trust::Registry => 1,
            Trust::Compile => 2,
        };
        trust | (self.allow_stale as u8) << 7
    }

    /// The scope [`to_byte`](Self::to_byte) made `byte` of.
    pub(crate) const fn from_byte(byte: u8) -> Scope {
        let trust = match byte & 0x7F {
            1 => Trust::Registry,
            2 => Trust::Compile,
            _ => Trust::Values,
        };
        Scope { trust, allow_stale: byte & 0x80 != 0 }
    }
}

/// The byte of the scope to put back.
struct Restore(u8);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        running::swap_scope(self.0);
    }
}

/// Tells the dump running on this thread that the value holds code, so that
/// its envelope's header says so ([`FLAG_CODE`](crate::FLAG_CODE)). Called
/// by the `Serialize` impl of a code value (brine-code's `Func`); outside a
/// brine dump it does nothing.
///
/// ```
/// struct Code;
/// impl serde::Serialize for Code {
///     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
///         brine_io::trust::mark_code();
///         s.serialize_unit()
///     }
/// }
///
/// let bytes = brine_io::dump(&Code)?;
/// assert!(brine_io::inspect(&bytes)?.holds_code);
/// let error = brine_io::Options::new().check_type(false).load::<()>(&bytes).unwrap_err();
/// assert!(matches!(error, brine_io::load::Error::CodeRefused)); // a plain load refuses it
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn mark_code() {
    DUMPING.with(|dumping| {
        if dumping.get().is_some() {
            dumping.set(Some(true));
        }
    });
}

/// A dump running on this thread: notes whether a value in it calls
/// [`mark_code`]; the outer dump's state comes back when it drops, also on
/// panic.
pub(crate) struct Dumping(Option<bool>);

impl Dumping {
    pub(crate) fn start() -> Self {
        Dumping(DUMPING.with(|dumping| dumping.replace(Some(false))))
    }

    /// Whether a value called [`mark_code`] since the dump started.
    pub(crate) fn holds_code(&self) -> bool {
        DUMPING.with(Cell::get).unwrap_or(false)
    }
}

impl Drop for Dumping {
    fn drop(&mut self) {
        DUMPING.with(|dumping| dumping.set(self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::{Scope, Trust};

    /// Every scope comes back from its byte, and the default's is the
    /// thread word's outside any load.
    #[test]
    fn a_scope_survives_its_byte() {
        assert_eq!(Scope::default().to_byte(), 0);
        for trust in [Trust::Values, Trust::Registry, Trust::Compile] {
            for stale in [false, true] {
                let scope = Scope::new(trust).allow_stale(stale);
                assert_eq!(Scope::from_byte(scope.to_byte()), scope);
            }
        }
    }
}
