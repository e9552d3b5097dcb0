//! The tree the serializer builds: nodes, with their one-line widths.

use super::serializer::{Name, Run};
use super::{Error, INTO, LIST_WIDTH, NOT_FLAT, SHORT_ITEM, SOME, STRUCT_WIDTH};

/// The kind of an atom, for telling whether the elements of a tuple all have
/// one type (so that it may be an array) and for sorting map keys.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Class {
    Bool,
    Int(u8),
    Float(u8),
    Char,
    Str,
    Bytes,
    Unit,
    Option,
    Named,
}

/// One piece of the value as an expression.
///
/// Any node may be followed by `.into()` (strings, sequences, maps: see the
/// module documentation); that is a flag on the node, not a node around it,
/// which would cost an allocation each. [`Node::into`] tells, and the layout
/// writes such a node as a method chain on the node without it.
#[derive(Debug)]
pub(super) enum Node {
    /// Text that is never broken: a literal, a path, `()`.
    Atom {
        start: u32,
        len: u32,
        class: Class,
        /// rustfmt's "simple expression": literals and one-segment paths,
        /// which it packs several to a line in long lists.
        simple: bool,
        /// Followed by `.into()`, as strings are.
        into: bool,
    },
    /// `path(items)`, `(items)` or `[items]`.
    List(Box<List>),
    /// `Path { name: value, .. }`.
    Struct(Box<Struct>),
    /// `[atom, atom, ..]`: a sequence of two or more atoms of one class.
    Atoms(Box<Atoms>),
}

// Two words: a sequence of a million items that do not pack into one
// `Atoms` run is a million nodes.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Result<Node, Error>>() == 16);

/// What lies between two atoms of a run in the text buffer (pushed in
/// [`Seq::push`]).
pub(super) const SEPARATOR: &str = ", ";

/// A sequence of atoms of one class (numbers, bools, chars): their texts lie
/// one after another in the text buffer, each but the first after a `", "`
/// [`SEPARATOR`], so only their lengths are kept — 4 bytes an item instead of
/// a node — and a line of them is copied out at once. Laid out exactly as the
/// same [`Node::List`] of [`Node::Atom`]s would be.
#[derive(Debug)]
pub(super) struct Atoms {
    pub(super) start: u32,
    pub(super) lens: Vec<u32>,
    pub(super) class: Class,
    pub(super) simple: bool,
    /// The width on one line, without `.into()`.
    pub(super) flat: usize,
    /// Whether every item is at most [`SHORT_ITEM`] wide.
    pub(super) short: bool,
    pub(super) into: bool,
}

impl Atoms {
    pub(super) fn new(run: Run) -> Atoms {
        // the run's text is the items with their separators: its one-line width
        let total = (run.end - run.start) as usize;
        let flat = if total > LIST_WIDTH { NOT_FLAT } else { total + 2 };
        let short = run.longest as usize <= SHORT_ITEM;
        let Run { start, lens, class, simple, .. } = run;
        Atoms { start, lens, class, simple, flat, short, into: false }
    }

    /// The items as nodes, for the rare paths (sorting map keys).
    pub(super) fn nodes(&self) -> Vec<Node> {
        let mut start = self.start;
        self.lens
            .iter()
            .map(|&len| {
                let node = Node::Atom { start, len, class: self.class, simple: self.simple, into: false };
                start += len + SEPARATOR.len() as u32;
                node
            })
            .collect()
    }

    /// The items' texts, in order.
    pub(super) fn texts<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        let mut start = self.start as usize;
        self.lens.iter().map(move |&len| {
            let item = text.get(start..start + len as usize).unwrap_or("");
            start += len as usize + SEPARATOR.len();
            item
        })
    }

    /// The text of all items, separators included: `1, 2, 3`.
    pub(super) fn all<'t>(&self, text: &'t str) -> &'t str {
        let len = self.flat_len();
        text.get(self.start as usize..self.start as usize + len).unwrap_or("")
    }

    /// The items' total width on one line, separators included.
    pub(super) fn flat_len(&self) -> usize {
        self.lens.iter().map(|&len| len as usize).sum::<usize>() + SEPARATOR.len() * (self.lens.len() - 1)
    }

    /// rustfmt packs simple short items several to a line.
    pub(super) fn packs(&self) -> bool {
        self.simple && self.short
    }
}

/// The parts of [`Node::List`], boxed to keep nodes small (16 bytes).
#[derive(Debug)]
pub(super) struct List {
    pub(super) open: Open,
    pub(super) items: Vec<Node>,
    /// The width on one line, without `.into()`.
    pub(super) flat: usize,
    pub(super) into: bool,
}

impl List {
    /// The path of a call: `Some`, a tuple struct or a tuple variant.
    pub(super) fn call(&self) -> Option<&str> {
        match &self.open {
            Open::Call(path) => Some(path),
            Open::Tuple | Open::Array => None,
        }
    }
}

#[derive(Debug)]
pub(super) struct Struct {
    pub(super) path: Name,
    pub(super) fields: Vec<(Name, Node)>,
    /// The width on one line, without `.into()`.
    pub(super) flat: usize,
    pub(super) into: bool,
}

/// Nodes are freed one at a time from a list of pending ones, not by
/// recursion: a value thousands of levels deep would otherwise overflow the
/// stack while its tree is dropped.
impl Drop for List {
    fn drop(&mut self) {
        drop_all(std::mem::take(&mut self.items));
    }
}

impl Drop for Struct {
    fn drop(&mut self) {
        if self.fields.iter().any(|(_, node)| matches!(node, Node::List(_) | Node::Struct(_))) {
            drop_all(self.fields.drain(..).map(|(_, node)| node).collect());
        }
    }
}

pub(super) fn drop_all(mut pending: Vec<Node>) {
    while let Some(mut node) = pending.pop() {
        match &mut node {
            Node::List(list) => pending.append(&mut list.items),
            Node::Struct(structure) => pending.extend(structure.fields.drain(..).map(|(_, node)| node)),
            Node::Atom { .. } | Node::Atoms(_) => {}
        }
        // `node` has no children left: dropping it recurses no further
    }
}

#[derive(Debug)]
pub(super) enum Open {
    Call(Name),
    Tuple,
    Array,
}

impl Open {
    pub(super) fn ident(&self) -> &str {
        match self {
            Open::Call(path) => path,
            Open::Tuple | Open::Array => "",
        }
    }
    pub(super) fn delimiters(&self) -> (char, char) {
        match self {
            Open::Array => ('[', ']'),
            _ => ('(', ')'),
        }
    }
}

impl Node {
    /// The width on one line, `.into()` included; [`NOT_FLAT`] if it
    /// cannot be written on one line.
    pub(super) fn flat(&self) -> usize {
        match self.plain_flat() {
            width if self.into() && width != NOT_FLAT => width + INTO.len(),
            width => width,
        }
    }

    /// The width on one line without `.into()`.
    pub(super) fn plain_flat(&self) -> usize {
        match self {
            Node::Atom { len, .. } => *len as usize,
            Node::List(list) => list.flat,
            Node::Struct(structure) => structure.flat,
            Node::Atoms(atoms) => atoms.flat,
        }
    }

    /// How wide the node's first line is at least, however it is laid out:
    /// the text before its first possible line break.
    pub(super) fn head(&self) -> usize {
        match self {
            Node::Atom { len, .. } => *len as usize,
            Node::List(list) => list.open.ident().len() + 1,
            Node::Struct(structure) => structure.path.len() + 2,
            Node::Atoms(_) => 1,
        }
    }

    /// Whether `.into()` follows.
    pub(super) fn into(&self) -> bool {
        match self {
            Node::Atom { into, .. } => *into,
            Node::List(list) => list.into,
            Node::Struct(structure) => structure.into,
            Node::Atoms(atoms) => atoms.into,
        }
    }

    pub(super) fn is_simple(&self) -> bool {
        matches!(self, Node::Atom { simple: true, into: false, .. })
    }

    /// Calls, tuples, arrays, struct literals and method calls may "overflow"
    /// as the only argument of a call: `Some(Point {` on the first line.
    pub(super) fn overflows(&self) -> bool {
        !matches!(self, Node::Atom { into: false, .. })
    }

    pub(super) fn is_call(&self) -> bool {
        matches!(self, Node::List(list) if list.call().is_some() && !list.into)
    }

    /// `self.into()`.
    pub(super) fn chain(mut self) -> Node {
        match &mut self {
            Node::Atom { into, .. } => *into = true,
            Node::List(list) => list.into = true,
            Node::Struct(structure) => structure.into = true,
            Node::Atoms(atoms) => atoms.into = true,
        }
        self
    }

    pub(super) fn list(open: Open, items: Vec<Node>) -> Node {
        let ident = open.ident().len();
        let mut total = 0usize;
        let mut flat_ok = true;
        for item in &items {
            match item.flat() {
                NOT_FLAT => flat_ok = false,
                width => total += width,
            }
        }
        total += 2 * items.len().saturating_sub(1);
        let one_tuple = matches!(open, Open::Tuple) && items.len() == 1;
        if one_tuple {
            total += 1;
        }
        let flat =
            if !flat_ok || (items.len() > 1 && total > LIST_WIDTH) { NOT_FLAT } else { ident + 2 + total };
        Node::List(Box::new(List { open, items, flat, into: false }))
    }

    pub(super) fn structure(path: Name, fields: Vec<(Name, Node)>) -> Node {
        let mut body = 2 * fields.len().saturating_sub(1);
        let mut flat_ok = true;
        for (name, value) in &fields {
            match value.flat() {
                NOT_FLAT => flat_ok = false,
                width => body += name.len() + 2 + width,
            }
        }
        let flat = if fields.is_empty() {
            path.len() + 3
        } else if flat_ok && body <= STRUCT_WIDTH {
            path.len() + 4 + body
        } else {
            NOT_FLAT
        };
        Node::Struct(Box::new(Struct { path, fields, flat, into: false }))
    }

    /// A coarse type signature: equal for values that may share one type.
    pub(super) fn same_kind(&self, other: &Node, text: &str) -> bool {
        self.into() == other.into() && self.same_plain_kind(other, text)
    }

    /// [`Node::same_kind`] with `.into()` left out.
    pub(super) fn same_plain_kind(&self, other: &Node, text: &str) -> bool {
        match (self, other) {
            (Node::Atom { class: a, .. }, Node::Atom { class: b, .. }) => {
                a == b && (*a != Class::Named || atom_head(self, text) == atom_head(other, text))
            }
            (Node::List(a), Node::List(b)) => match (&a.open, &b.open) {
                (Open::Call(p), Open::Call(q)) => p == q || head(p) == head(q),
                (Open::Tuple, Open::Tuple) => {
                    a.items.len() == b.items.len()
                        && a.items.iter().zip(&b.items).all(|(a, b)| a.same_kind(b, text))
                }
                (Open::Array, Open::Array) => true,
                _ => false,
            },
            (Node::Struct(a), Node::Struct(b)) => head(&a.path) == head(&b.path),
            (Node::Atoms(_), Node::Atoms(_)) => true,
            (Node::Atoms(_), Node::List(list)) | (Node::List(list), Node::Atoms(_)) => {
                matches!(list.open, Open::Array)
            }
            (Node::Atom { class: Class::Option, .. }, Node::List(list))
            | (Node::List(list), Node::Atom { class: Class::Option, .. }) => list.call() == Some(SOME),
            (atom @ Node::Atom { class: Class::Named, .. }, Node::List(list))
            | (Node::List(list), atom @ Node::Atom { class: Class::Named, .. }) => {
                list.call().is_some_and(|path| head(path) == atom_head(atom, text))
            }
            (atom @ Node::Atom { class: Class::Named, .. }, Node::Struct(structure))
            | (Node::Struct(structure), atom @ Node::Atom { class: Class::Named, .. }) => {
                head(&structure.path) == atom_head(atom, text)
            }
            _ => false,
        }
    }
}

/// The enum part of `Enum::Variant`, or the whole path.
pub(super) fn head(path: &str) -> &str {
    path.rsplit_once("::").map_or(path, |(head, _)| head)
}

pub(super) fn atom_head<'t>(node: &Node, text: &'t str) -> &'t str {
    head(atom_text(node, text))
}

pub(super) fn atom_text<'t>(node: &Node, text: &'t str) -> &'t str {
    match node {
        Node::Atom { start, len, .. } => {
            let start = *start as usize;
            text.get(start..start + *len as usize).unwrap_or("")
        }
        _ => "",
    }
}
