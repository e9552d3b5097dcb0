//! The elements of a sequence whose calls repeat: a `Vec` (or map) of
//! records that never settle (an enum inside, an option always `None`)
//! makes the same recorder calls for element after element, and once an element
//! made exactly the calls of the one before, with the same answers, the
//! next ones follow them as a tape of their own (see [`Repeats`]).
//!
//! Invariants:
//! - A sequence element's calls are followed only once the element before
//!   made exactly them, with the same answers, so that they changed nothing
//!   the second time; any of them made again gets that answer and changes
//!   nothing, so a dump leaves them at any call with nothing to redo.
//! - An element may differ from the one before at *holes*: a variant of
//!   one enum at one place, settled in both (so nothing under it is
//!   recorded). Such an element is followed only when it changed nothing
//!   (its own hole is a call the element before did not make). A hole is
//!   answered anew, not followed, and the element follows on past it only
//!   when that answer is the tape's (settled) and changed nothing. So a
//!   `Vec` of records with an enum field repeats once each variant it holds
//!   has settled.
//! - Comparing costs a bounded amount where elements don't repeat: a
//!   sequence is dropped for the rest of the dump after [`REPEAT_MISSES`]
//!   elements that gain nothing, an element past [`REPEAT_STEPS`], or
//!   elements that turn out primitive.
//! - In debug builds (the tests), every followed call is also made anew and
//!   must answer what the tape says, and each element followed must leave
//!   the table as it found it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

#[cfg(debug_assertions)]
use super::Made;
use super::{Added, Answer, Call, Following, Known, Name, Recorder, Step, Tape, add_step, same_key};
use crate::shape::NONE;

thread_local! {
    /// Whether dumps on this thread follow the calls of a sequence's
    /// elements that repeat (see [`without_repeats`]).
    static REPEATS: Cell<bool> = const { Cell::new(true) };

    /// The last dump's comparer, cleared, for the next: its vectors keep
    /// their room, so a dump of a few records allocates nothing for it.
    static SPARE: RefCell<Option<Box<Repeats>>> = const { RefCell::new(None) };
}

/// A sequence's elements whose calls repeat: a `Vec` of records that never
/// settle (an enum inside, an option always `None`) makes the same calls for
/// element after element.
///
/// When an element made exactly the calls the element before it made, with
/// the same answers, it changed nothing: every call only adds to the table
/// (an event joined, a node or record or name made when missing, a mark
/// set) and the element before had added all of it. (The one thing a call
/// changes that is no join is whether a record is settled, which only
/// changes answers: a struct call that answered the record answers `NONE`
/// once it settles. That is why answers are compared too.) So the state is the
/// same at each end of the element, and it stays the same through the
/// next one for as long as that one makes the same calls again: they get
/// the same answers, and change nothing. The recorder follows them as a
/// tape ([`Following`] with `repeat`), one comparison a call, and at the
/// first call that differs it simply goes on anew: the calls followed so
/// far did nothing it needs to redo.
///
/// Where elements begin and sequences end is the encoder's word
/// ([`Recorder::element`], [`Recorder::end_elements`]), but none of this
/// depends on it meaning anything: any stretch of calls followed at once
/// by the same stretch (calls and answers) changed nothing the second
/// time. One sequence (or map) is compared at a time: the first whose
/// element begins while none is, from its second element, until it ends (or, for a sequence inside
/// one of its elements at the same context, a recursive type's, that one
/// ends), its elements turn out primitive, one of them grows past
/// [`REPEAT_STEPS`], or [`REPEAT_MISSES`] of them gain nothing. Any other
/// sequence inside its elements is part of their calls.
#[derive(Debug)]
pub(super) struct Repeats {
    /// The context of the elements compared (`None`: none now).
    pub(super) elem: Option<u32>,
    /// A sequence whose first element began while none was compared: its
    /// elements are compared from its second.
    pending: Option<u32>,
    /// The last sequences this dump stopped comparing for good (an element
    /// too long, too many misses, elements that turned out primitive), by
    /// their elements' context; `NONE` for none.
    dropped: [u32; DROPPED],
    /// The tape of the last elements followed, kept for the next ones to
    /// follow (so that following again allocates nothing; only `following`
    /// or this ever holds it).
    spare: Option<Rc<Tape>>,
    /// The calls of the element before, and of this one so far.
    last: Vec<Step>,
    now: Vec<Step>,
    /// The compared sequence's elements that gained nothing (their calls
    /// differed from the one's before, or they left the calls they
    /// followed) since one was followed to its end.
    misses: u32,
    /// A call had no key: this dump compares no more.
    given_up: bool,
    /// Variant calls found settled (see [`Known`]).
    pub(super) known: Known,
    /// The recording's count of changes ([`Recorder::edits`]) when the
    /// compared sequence's element now compared began (or earlier: then it
    /// only makes an element look changed). Only that sequence's own
    /// boundaries move it, not those of a sequence or map inside its
    /// elements.
    began: u64,
    /// In debug builds, the table as it was when following began: it may
    /// not change while calls are followed.
    #[cfg(debug_assertions)]
    held: Vec<u8>,
}

/// How many dropped sequences a dump remembers.
const DROPPED: usize = 4;

/// An element of more steps is not compared: the dump stops comparing its
/// sequence's elements (and counts a miss).
const REPEAT_STEPS: usize = 256;

/// After this many elements that gained nothing (none followed to its end
/// between them), a dump stops comparing the sequence's: its elements
/// rarely repeat for long (a `Vec` of options, one `None` in three), and
/// comparing costs more than it saves.
const REPEAT_MISSES: u32 = 8;

impl Recorder {
    /// Notes that the encoder begins an element of the sequence whose
    /// elements are at `elem` (one it records: the first of a sequence
    /// that then turns out to hold primitives, or any of one that does
    /// not, or a map's entry at its key's context). At the
    /// elements of one sequence, compares the calls of the element that
    /// ended with the calls of the one before; the same calls with the same
    /// answers, and the recorder follows them for the next elements (see
    /// [`Repeats`]). Returns whether the encoder is to tell of this
    /// sequence's next elements too: not once this dump compares them no
    /// more.
    #[inline(always)]
    pub(crate) fn element(&mut self, elem: u32) -> bool {
        if let Some(following) = &mut self.following {
            // following the whole dump's tape: it holds every call; or an
            // element's: a sequence inside the element is part of its calls
            if !following.repeat || self.repeats.as_ref().and_then(|repeats| repeats.elem) != Some(elem) {
                return true;
            }
            if !self.taping {
                self.follow_again();
                return true;
            }
        } else if self
            .repeats
            .as_ref()
            .is_some_and(|repeats| repeats.given_up || repeats.elem.is_none() && repeats.dropped(elem))
        {
            // comparing no more, or not this sequence: the encoder need not
            // tell of its next elements
            return false;
        }
        self.next_element(elem);
        true
    }

    /// [`element`](Self::element) out of line: a dump that follows an
    /// element's calls and keeps no tape of its own stays there.
    #[inline(never)]
    fn next_element(&mut self, elem: u32) {
        if let Some(following) = &mut self.following {
            // an element that followed the calls of the one before (or the
            // first of them), on a dump that keeps its own tape: they go on it
            debug_assert!(following.repeat, "a dump following its whole tape compares no elements");
            let tape = Rc::clone(&following.tape);
            let (step, times) = self.follow_again();
            self.note_followed(&tape.steps, step, times);
            return;
        }
        let edits = self.edits();
        let repeats = match &mut self.repeats {
            Some(repeats) => repeats,
            None if !REPEATS.with(Cell::get) => return,
            None => self.repeats.insert(Repeats::spare()),
        };
        // whether the element that ended changed nothing
        // (only the compared sequence's own boundaries move `began`: an inner
        // sequence's element inside this element is part of its calls)
        let unchanged = repeats.began == edits;
        match repeats.elem {
            None if repeats.given_up || repeats.dropped(elem) => {}
            None if repeats.pending != Some(elem) => {
                // a sequence's first element: compared from its second, so
                // that a sequence of one element costs nothing
                if repeats.pending.is_none() {
                    repeats.pending = Some(elem);
                }
            }
            None => {
                repeats.pending = None;
                repeats.elem = Some(elem);
                repeats.last.clear();
                repeats.now.clear();
                repeats.misses = 0;
                repeats.began = edits;
            }
            Some(at) if at == elem => {
                repeats.began = edits;
                if repeats.now.is_empty() {
                    // an element that made no calls (a settled record): nothing to follow
                    repeats.last.clear();
                } else if repeats.last.is_empty() {
                    // nothing to compare with yet (the sequence's first element)
                    std::mem::swap(&mut repeats.last, &mut repeats.now);
                } else if same_steps(&repeats.now, &repeats.last).is_some_and(|filled| unchanged || !filled) {
                    repeats.last.clear();
                    // the tape of the elements followed last, when no one else holds it
                    let spare = repeats.spare.take().and_then(|mut spare| {
                        let kept = Rc::get_mut(&mut spare)?;
                        std::mem::swap(&mut kept.steps, &mut repeats.now);
                        repeats.now.clear();
                        Some(spare)
                    });
                    let tape = spare.unwrap_or_else(|| {
                        let steps = std::mem::take(&mut repeats.now);
                        Rc::new(Tape { steps, bytes: Vec::new(), body_len: Cell::new(0) })
                    });
                    #[cfg(debug_assertions)]
                    {
                        let held = self.digest();
                        if let Some(repeats) = &mut self.repeats {
                            repeats.held = held;
                        }
                    }
                    self.following = Some(Following { tape, step: 0, times: 0, repeat: true });
                } else {
                    std::mem::swap(&mut repeats.last, &mut repeats.now);
                    repeats.now.clear();
                    repeats.miss();
                }
            }
            // an element of a sequence inside this one's element: part of its calls
            Some(_) => {}
        }
    }

    /// At the start of an element, after one that made the calls of the
    /// tape it follows, or the first of them: it changed nothing, and the
    /// next one may follow them again. Returns how far the element got.
    #[inline(always)]
    fn follow_again(&mut self) -> (u32, u32) {
        let Some(following) = &mut self.following else { return (0, 0) };
        let done = (following.step, following.times);
        following.step = 0;
        following.times = 0;
        if let Some(repeats) = &mut self.repeats {
            repeats.misses = 0;
        }
        #[cfg(debug_assertions)]
        self.check_unchanged();
        done
    }

    /// Notes that the encoder ends the sequence whose elements are at
    /// `elem`, or the map whose keys are (or, for a sequence, that its next
    /// elements are primitives, which it records no more): if its elements
    /// are compared, they are no more, and the next sequence's may be.
    #[inline(always)]
    pub(crate) fn end_elements(&mut self, elem: u32) {
        if self.repeats.as_ref().is_some_and(|repeats| repeats.holds(elem)) {
            self.stop_elements(elem);
        }
    }

    /// Notes that the elements at `elem` turned out primitives, which the
    /// encoder records no more: as [`end_elements`](Self::end_elements),
    /// and their sequences are not compared again in this dump.
    #[inline(always)]
    pub(crate) fn primitive_elements(&mut self, elem: u32) {
        if self.repeats.as_ref().is_some_and(|repeats| repeats.holds(elem)) {
            self.stop_elements(elem);
            if let Some(repeats) = &mut self.repeats {
                repeats.forget(elem);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn stop_elements(&mut self, elem: u32) {
        if self.following_repeat() {
            // every element followed to here changed nothing: no miss
            self.leave_repeat();
        }
        if let Some(repeats) = &mut self.repeats {
            if repeats.elem == Some(elem) {
                repeats.stop();
            }
            if repeats.pending == Some(elem) {
                repeats.pending = None;
            }
        }
    }

    /// Answers `call`, which the element's tape doesn't hold next, when the
    /// tape's next step is a hole ([`is_hole`]) that `call` fills: a variant
    /// of the same enum at the same place. The call is made anew; when it
    /// answers that its variant is settled too and changed nothing, the
    /// element follows on past the hole, else it leaves the tape here, as at
    /// any other call the tape doesn't hold. `None` (nothing done) for a
    /// call that fills no hole.
    #[cold]
    #[inline(never)]
    pub(super) fn hole(&mut self, call: Call) -> Option<Answer> {
        let following =
            self.following.as_ref().filter(|following| following.repeat && following.times == 0)?;
        let step = following.tape.steps.get(following.step as usize)?;
        if step.times != 1 || !is_hole(step) || !fills(call, step.call) {
            return None;
        }
        // the calls followed so far changed nothing: checked before this one,
        // which may change something
        #[cfg(debug_assertions)]
        self.check_unchanged();
        let (answer, unchanged) = self.now_variant(call);
        if answer == Answer::Id(NONE) && unchanged {
            if let Some(following) = &mut self.following {
                following.step += 1;
            }
            // this dump's own tape would hold the tape's call here, not the
            // element's: it keeps none (values whose variants vary rarely
            // make the same calls twice anyway)
            self.taping = false;
            return Some(answer);
        }
        // the element leaves the tape at this call, made already
        #[cfg(debug_assertions)]
        {
            let held = self.digest();
            if let Some(repeats) = &mut self.repeats {
                repeats.held = held;
            }
        }
        self.end_repeat();
        if self.taping {
            self.note(call, answer);
        }
        if let Some(repeats) = &mut self.repeats
            && repeats.elem.is_some()
        {
            repeats.add(call, answer);
        }
        Some(answer)
    }

    /// Stops following an element's calls at a call they don't hold (see
    /// [`Recorder::leave_repeat`]). A miss: the element left what it
    /// followed.
    #[cold]
    #[inline(never)]
    pub(super) fn end_repeat(&mut self) {
        self.leave_repeat();
        if let Some(repeats) = &mut self.repeats {
            repeats.miss();
        }
    }

    /// Leaves an element's tape (at a call it doesn't hold, at the end of
    /// the sequence, at the end of the dump): the calls followed so far
    /// changed nothing, and become this element's calls so far; the tape
    /// is kept for the next time.
    pub(super) fn leave_repeat(&mut self) {
        debug_assert!(self.following_repeat());
        #[cfg(debug_assertions)]
        self.check_unchanged();
        let Some(Following { mut tape, step, times, .. }) = self.following.take() else { return };
        self.note_followed(&tape.steps, step, times);
        let Some(repeats) = &mut self.repeats else { return };
        let mut steps = match Rc::get_mut(&mut tape) {
            Some(kept) => std::mem::replace(&mut kept.steps, std::mem::take(&mut repeats.now)),
            None => tape.steps.clone(),
        };
        let step = step as usize;
        steps.truncate(step + usize::from(times > 0));
        if let Some(partial) = steps.get_mut(step) {
            partial.times = times;
        }
        repeats.now = steps;
        repeats.spare = Some(tape);
    }

    /// Adds the calls of an element's tape followed so far, the first
    /// `step` steps and `times` calls of the next, to this dump's own tape.
    fn note_followed(&mut self, steps: &[Step], step: u32, times: u32) {
        if !self.taping {
            return;
        }
        let step = step as usize;
        for (at, done) in steps.iter().enumerate().take(step + 1) {
            let made = if at == step { times } else { done.times };
            for _ in 0..made {
                self.note(done.call, done.answer);
            }
        }
    }

    /// In debug builds (the tests), makes a call a sequence element
    /// followed anew, and checks that it answers what the tape did. (That
    /// it changed nothing, [`Recorder::check_unchanged`] checks at the end
    /// of each element followed.)
    #[cfg(debug_assertions)]
    pub(super) fn check_followed(&mut self, call: Call, answer: Answer) {
        if self.following_repeat() {
            let made = self.now(call);
            assert_eq!(
                made, answer,
                "a repeated element's call {call:?} answered otherwise than the element before"
            );
        }
    }

    /// In debug builds, what a followed element may not change: the table
    /// a new recording holds, or what a replay has verified and made.
    #[cfg(debug_assertions)]
    fn digest(&self) -> Vec<u8> {
        match (&self.replay, &self.fresh) {
            (Some(template), _) => {
                let Made { nodes, records, names } = template.made;
                let counts =
                    [template.seen_count, template.named_count, template.mixed_count, template.epoch];
                [nodes, records, names].iter().chain(&counts).flat_map(|n| n.to_le_bytes()).collect()
            }
            (None, Some(table)) => table.encoded(),
            (None, None) => Vec::new(),
        }
    }

    /// In debug builds, checks that the calls followed since following
    /// began changed nothing.
    #[cfg(debug_assertions)]
    fn check_unchanged(&self) {
        let held = self.repeats.as_ref().map(|repeats| repeats.held.as_slice()).unwrap_or_default();
        assert!(self.digest() == held, "a repeated element changed what the element before had made");
    }
}

impl Default for Repeats {
    fn default() -> Self {
        Repeats {
            elem: None,
            pending: None,
            dropped: [NONE; DROPPED],
            spare: None,
            last: Vec::new(),
            now: Vec::new(),
            misses: 0,
            given_up: false,
            known: Known::default(),
            began: u64::MAX,
            #[cfg(debug_assertions)]
            held: Vec::new(),
        }
    }
}

impl Repeats {
    /// A comparer with nothing compared: this thread's spare, or a new one.
    fn spare() -> Box<Repeats> {
        SPARE.try_with(|spare| spare.try_borrow_mut().ok()?.take()).ok().flatten().unwrap_or_default()
    }

    /// Keeps this dump's comparer, cleared, as the thread's spare.
    pub(super) fn keep(mut self: Box<Self>) {
        let Repeats { elem, pending, dropped, spare, last, now, misses, given_up, known, began, .. } =
            &mut *self;
        (*elem, *pending, *dropped, *misses, *given_up, *began) =
            (None, None, [NONE; DROPPED], 0, false, u64::MAX);
        last.clear();
        now.clear();
        known.clear();
        // a tape another holds is left to it
        if spare.as_mut().is_some_and(|tape| Rc::get_mut(tape).is_none()) {
            *spare = None;
        }
        #[cfg(debug_assertions)]
        self.held.clear();
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                *spare = Some(self);
            }
        });
    }

    /// Adds a call and its answer to this element's calls (the caller
    /// checks that a sequence's elements are compared).
    #[inline(never)]
    pub(super) fn add(&mut self, call: Call, answer: Answer) {
        match add_step(&mut self.now, call, answer, REPEAT_STEPS) {
            Added::Yes => {}
            Added::NoKey => {
                self.stop();
                self.given_up = true;
            }
            // an element this large is not worth comparing: its sequence
            // is not compared again, another may be
            Added::Full => self.drop_sequence(),
        }
    }

    /// Stops comparing the sequence compared now.
    fn stop(&mut self) {
        self.elem = None;
        self.last.clear();
        self.now.clear();
    }

    /// Notes an element that gained nothing.
    fn miss(&mut self) {
        self.misses += 1;
        if self.misses >= REPEAT_MISSES {
            self.drop_sequence();
        }
    }

    /// Stops comparing the sequence compared now, for good.
    fn drop_sequence(&mut self) {
        if let Some(elem) = self.elem {
            self.forget(elem);
        }
        self.stop();
    }

    /// Remembers that the sequence whose elements are at `elem` is not
    /// compared again.
    fn forget(&mut self, elem: u32) {
        self.dropped.rotate_right(1);
        self.dropped[0] = elem;
    }

    /// Whether the sequence whose elements are at `elem` is compared now,
    /// or is to be from its next element.
    #[inline(always)]
    fn holds(&self, elem: u32) -> bool {
        self.elem == Some(elem) || self.pending == Some(elem)
    }

    /// Whether the sequence whose elements are at `elem` was dropped.
    #[inline(always)]
    fn dropped(&self, elem: u32) -> bool {
        self.dropped.contains(&elem)
    }
}

/// Whether two elements' steps are the same calls with the same answers,
/// but for holes that each fill (see [`is_hole`]): `None` when they are
/// not, else whether a hole was filled. An element of holes alone must be
/// the same calls (followed, each would be made anew).
///
/// Elements that are the same calls change nothing the second time; with
/// a hole filled, the second element made a call the first did not, which
/// may have changed the recording (a variant of another layout at a
/// settled index marks its record conflicting): the caller follows such
/// elements only when the second changed nothing.
fn same_steps(a: &[Step], b: &[Step]) -> Option<bool> {
    if a.len() != b.len() {
        return None;
    }
    let (mut filled, mut followed) = (false, false);
    for (a, b) in a.iter().zip(b) {
        if a.times != b.times {
            return None;
        }
        if same_key(&a.key, &b.key) && a.ty == b.ty && a.answer == b.answer {
            followed |= !is_hole(a);
        } else if is_hole(a) && is_hole(b) && fills(a.call, b.call) {
            filled = true;
        } else {
            return None;
        }
    }
    (followed || !filled).then_some(filled)
}

/// Whether a step is a *hole*: a variant answered settled (nothing under
/// it recorded), which a next element may fill with another variant of the
/// same enum at the same place.
fn is_hole(step: &Step) -> bool {
    matches!(step.call, Call::Variant(..)) && step.answer == Answer::Id(NONE)
}

/// Whether `call` is a variant of the enum of the variant call `hole`, at
/// its place (names by address and length, as keys compare them).
fn fills(call: Call, hole: Call) -> bool {
    match (call, hole) {
        (Call::Variant(ctx, Name(name), ..), Call::Variant(at, Name(enum_name), ..)) => {
            ctx == at && name.as_ptr() == enum_name.as_ptr() && name.len() == enum_name.len()
        }
        _ => false,
    }
}

/// Runs `f` with dumps on this thread recording every call of every
/// sequence element, as if none repeated (a dump that began comparing
/// elements before `f` goes on as it was: the switch is read at a dump's
/// first element): for the tests that hold following the repeats to
/// writing the same bytes. Not part of the API.
pub fn without_repeats<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REPEATS.with(|repeats| repeats.set(self.0));
        }
    }
    let _restore = Restore(REPEATS.with(|repeats| repeats.replace(false)));
    f()
}
