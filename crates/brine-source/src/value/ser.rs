//! Values to Rust source.
//!
//! Writing happens in two passes. The serializer builds a small tree of
//! [`Node`]s (atoms live in one shared text buffer), remembering for each node
//! how wide it is on one line and whether rustfmt would allow it there. The
//! layout pass then prints the tree the way `rustfmt` (default settings,
//! 100 columns) prints the same expression, so formatted output is stable
//! under `rustfmt`.
//!
//! The expression forms are chosen to compile for every type serde gives the
//! same shape: `[..].into()` for sequences, sets and maps (`From<[T; N]>` is
//! implemented by `Vec`, `VecDeque`, `HashSet`, `BTreeSet`, `HashMap`,
//! `BTreeMap`, `Box<[T]>`, ...), `"..".into()` for strings (`String`, `&str`,
//! `Box<str>`, `Cow<str>`, ...), `(a, b).into()` for homogeneous tuples of up to
//! 12 elements (tuples and arrays both come out of serde as tuples, and
//! `From<(T, T)>` is implemented for `[T; 2]`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde::ser::{self, Serialize};

/// The writer's error while serde drives it: one pointer wide, so that the
/// `Result<Node, Error>` of every value stays small. [`to_string`] turns it
/// into the crate's [`super::Error::Write`].
#[derive(Debug)]
#[allow(clippy::box_collection)] // one pointer, not three: on purpose
pub(crate) struct Error(Box<String>);

impl Error {
    fn new(message: impl Into<String>) -> Error {
        Error(Box::new(message.into()))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Error::new(message.to_string())
    }
}

/// The column limit, as in rustfmt's default `max_width`.
const MAX_WIDTH: usize = 100;
/// rustfmt's `fn_call_width` and `array_width` (default heuristics).
const LIST_WIDTH: usize = 60;
/// rustfmt's `struct_lit_width`.
const STRUCT_WIDTH: usize = 18;
/// rustfmt's `short_array_element_width_threshold`.
const SHORT_ITEM: usize = 10;
/// One indentation level.
const INDENT: usize = 4;
/// The deepest indentation: deeper levels are written at this one, so that
/// a node deep in a value costs as many bytes as one near the top (the text
/// stays linear in the value's size) and lines keep room for their content.
/// rustfmt's own layout of such depths differs; the expression is the same.
const MAX_INDENT: usize = 64;
/// Marks a node that cannot be written on one line.
const NOT_FLAT: usize = usize::MAX;

const SOME: &str = "::core::option::Option::Some";
const NONE: &str = "::core::option::Option::None";
const INTO: &str = ".into()";

/// Writes `value` as a Rust expression that rebuilds it.
///
/// See the crate documentation for the forms used.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T, max_depth: usize) -> Result<String, super::Error> {
    let mut writer = Writer {
        text: String::with_capacity(960),
        last_atom: (Class::Unit, false),
        depth: 0,
        max_depth,
        too_deep: false,
    };
    let node = match value.serialize(&mut writer) {
        Ok(node) => node,
        Err(_) if writer.too_deep => return Err(super::Error::TooDeep { position: None, limit: max_depth }),
        Err(error) => return Err(super::Error::Write { message: *error.0 }),
    };
    // room for the indentation too: growing the result costs a copy, and
    // room never written to costs only address space (measured: 3% faster
    // on nested_map than 1.5x)
    let mut out = String::with_capacity(writer.text.len() * 2 + 64);
    let layout = Layout { text: &writer.text, failed: RefCell::default(), level: Cell::new(0) };
    layout.emit(&node, Shape { indent: 0, width: MAX_WIDTH }, false, &mut out);
    Ok(out)
}

/// The kind of an atom, for telling whether the elements of a tuple all have
/// one type (so that it may be an array) and for sorting map keys.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
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
enum Node {
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
const SEPARATOR: &str = ", ";

/// A sequence of atoms of one class (numbers, bools, chars): their texts lie
/// one after another in the text buffer, each but the first after a `", "`
/// [`SEPARATOR`], so only their lengths are kept — 4 bytes an item instead of
/// a node — and a line of them is copied out at once. Laid out exactly as the
/// same [`Node::List`] of [`Node::Atom`]s would be.
#[derive(Debug)]
struct Atoms {
    start: u32,
    lens: Vec<u32>,
    class: Class,
    simple: bool,
    /// The width on one line, without `.into()`.
    flat: usize,
    /// Whether every item is at most [`SHORT_ITEM`] wide.
    short: bool,
    into: bool,
}

impl Atoms {
    fn new(run: Run) -> Atoms {
        // the run's text is the items with their separators: its one-line width
        let total = (run.end - run.start) as usize;
        let flat = if total > LIST_WIDTH { NOT_FLAT } else { total + 2 };
        let short = run.longest as usize <= SHORT_ITEM;
        let Run { start, lens, class, simple, .. } = run;
        Atoms { start, lens, class, simple, flat, short, into: false }
    }

    /// The items as nodes, for the rare paths (sorting map keys).
    fn nodes(&self) -> Vec<Node> {
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
    fn texts<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        let mut start = self.start as usize;
        self.lens.iter().map(move |&len| {
            let item = text.get(start..start + len as usize).unwrap_or("");
            start += len as usize + SEPARATOR.len();
            item
        })
    }

    /// The text of all items, separators included: `1, 2, 3`.
    fn all<'t>(&self, text: &'t str) -> &'t str {
        let len = self.flat_len();
        text.get(self.start as usize..self.start as usize + len).unwrap_or("")
    }

    /// The items' total width on one line, separators included.
    fn flat_len(&self) -> usize {
        self.lens.iter().map(|&len| len as usize).sum::<usize>() + SEPARATOR.len() * (self.lens.len() - 1)
    }

    /// rustfmt packs simple short items several to a line.
    fn packs(&self) -> bool {
        self.simple && self.short
    }
}

/// The parts of [`Node::List`], boxed to keep nodes small (16 bytes).
#[derive(Debug)]
struct List {
    open: Open,
    items: Vec<Node>,
    /// The width on one line, without `.into()`.
    flat: usize,
    into: bool,
}

impl List {
    /// The path of a call: `Some`, a tuple struct or a tuple variant.
    fn call(&self) -> Option<&str> {
        match &self.open {
            Open::Call(path) => Some(path),
            Open::Tuple | Open::Array => None,
        }
    }
}

#[derive(Debug)]
struct Struct {
    path: Name,
    fields: Vec<(Name, Node)>,
    /// The width on one line, without `.into()`.
    flat: usize,
    into: bool,
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

fn drop_all(mut pending: Vec<Node>) {
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
enum Open {
    Call(Name),
    Tuple,
    Array,
}

impl Open {
    fn ident(&self) -> &str {
        match self {
            Open::Call(path) => path,
            Open::Tuple | Open::Array => "",
        }
    }
    fn delimiters(&self) -> (char, char) {
        match self {
            Open::Array => ('[', ']'),
            _ => ('(', ')'),
        }
    }
}

impl Node {
    /// The width on one line, `.into()` included; [`NOT_FLAT`] if it
    /// cannot be written on one line.
    fn flat(&self) -> usize {
        match self.plain_flat() {
            width if self.into() && width != NOT_FLAT => width + INTO.len(),
            width => width,
        }
    }

    /// The width on one line without `.into()`.
    fn plain_flat(&self) -> usize {
        match self {
            Node::Atom { len, .. } => *len as usize,
            Node::List(list) => list.flat,
            Node::Struct(structure) => structure.flat,
            Node::Atoms(atoms) => atoms.flat,
        }
    }

    /// How wide the node's first line is at least, however it is laid out:
    /// the text before its first possible line break.
    fn head(&self) -> usize {
        match self {
            Node::Atom { len, .. } => *len as usize,
            Node::List(list) => list.open.ident().len() + 1,
            Node::Struct(structure) => structure.path.len() + 2,
            Node::Atoms(_) => 1,
        }
    }

    /// Whether `.into()` follows.
    fn into(&self) -> bool {
        match self {
            Node::Atom { into, .. } => *into,
            Node::List(list) => list.into,
            Node::Struct(structure) => structure.into,
            Node::Atoms(atoms) => atoms.into,
        }
    }

    fn is_simple(&self) -> bool {
        matches!(self, Node::Atom { simple: true, into: false, .. })
    }

    /// Calls, tuples, arrays, struct literals and method calls may "overflow"
    /// as the only argument of a call: `Some(Point {` on the first line.
    fn overflows(&self) -> bool {
        !matches!(self, Node::Atom { into: false, .. })
    }

    fn is_call(&self) -> bool {
        matches!(self, Node::List(list) if list.call().is_some() && !list.into)
    }

    /// `self.into()`.
    fn chain(mut self) -> Node {
        match &mut self {
            Node::Atom { into, .. } => *into = true,
            Node::List(list) => list.into = true,
            Node::Struct(structure) => structure.into = true,
            Node::Atoms(atoms) => atoms.into = true,
        }
        self
    }

    fn list(open: Open, items: Vec<Node>) -> Node {
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

    fn structure(path: Name, fields: Vec<(Name, Node)>) -> Node {
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
    fn same_kind(&self, other: &Node, text: &str) -> bool {
        self.into() == other.into() && self.same_plain_kind(other, text)
    }

    /// [`Node::same_kind`] with `.into()` left out.
    fn same_plain_kind(&self, other: &Node, text: &str) -> bool {
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
fn head(path: &str) -> &str {
    path.rsplit_once("::").map_or(path, |(head, _)| head)
}

fn atom_head<'t>(node: &Node, text: &'t str) -> &'t str {
    head(atom_text(node, text))
}

fn atom_text<'t>(node: &Node, text: &'t str) -> &'t str {
    match node {
        Node::Atom { start, len, .. } => {
            let start = *start as usize;
            text.get(start..start + *len as usize).unwrap_or("")
        }
        _ => "",
    }
}

/// Builds the node tree; atoms go to one text buffer.
struct Writer {
    text: String,
    /// The class and simplicity of the last atom written, for [`Seq::push`].
    last_atom: (Class, bool),
    /// How many values enclose the one being written: counted as the
    /// reader counts them, so that the writer refuses what the reader would.
    depth: usize,
    max_depth: usize,
    /// Set when the depth limit stopped the writer (serde's error carries
    /// only a message).
    too_deep: bool,
}

impl Writer {
    /// One level deeper: an option (`None` too), a newtype, an enum variant,
    /// a struct, a sequence, a tuple or a map, as the reader counts them.
    fn enter(&mut self) -> Result<(), Error> {
        if self.depth >= self.max_depth {
            self.too_deep = true;
            return Err(Error::new(format!("the value nests deeper than {} levels", self.max_depth)));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// A level that holds no other value (`None`, a unit variant): checked,
    /// not entered.
    fn check(&mut self) -> Result<(), Error> {
        self.enter()?;
        self.leave();
        Ok(())
    }

    /// Serializes a value inside the current one, with room on the stack.
    #[inline]
    fn inner<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<Node, Error> {
        super::stack::grow_at(self.depth, || value.serialize(&mut *self))
    }

    #[inline(always)]
    fn atom(&mut self, class: Class, simple: bool, write: impl FnOnce(&mut String)) -> Result<Node, Error> {
        let start = self.text.len();
        write(&mut self.text);
        self.last_atom = (class, simple);
        let end = self.text.len();
        let too_big = || Error::new("the value's source text would be larger than 4 GiB");
        Ok(Node::Atom {
            start: u32::try_from(start).map_err(|_| too_big())?,
            len: u32::try_from(end - start).map_err(|_| too_big())?,
            class,
            simple,
            into: false,
        })
    }

    /// An integer literal (the writer's hot path: sequences of numbers).
    #[inline]
    fn int(&mut self, width: u8, value: impl itoa::Integer) -> Result<Node, Error> {
        self.atom(Class::Int(width), true, |text| push_int(text, value))
    }
}

/// Appends `value` in decimal. Kept out of line on purpose: the small
/// `serialize_i64` around it is then inlined into serde's loop over a
/// sequence, where its node stays in registers; with the formatting inlined
/// it was a call whose node came back through memory, and reading it there
/// stalled (1.5x slower on 1,000 numbers).
#[inline(never)]
fn push_int(text: &mut String, value: impl itoa::Integer) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value);
    text.push_str(digits);
}

/// Writes a name as a Rust identifier: `r#type` for keywords; a name that is
/// no identifier at all (renamed by serde) as a string literal, which the
/// reader accepts although the compiler does not.
fn ident(name: &'static str) -> Name {
    if is_ident(name) {
        if is_keyword(name) { Cow::Owned(format!("r#{name}")) } else { Cow::Borrowed(name) }
    } else {
        Cow::Owned(format!("{name:?}"))
    }
}

/// A struct, variant or field name as written: borrowed from serde's
/// `&'static str` unless it needs `r#` or quotes.
type Name = Cow<'static, str>;

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    name != "_"
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && !matches!(name, "self" | "Self" | "super" | "crate")
}

pub(crate) fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

fn variant_path(name: &'static str, variant: &'static str) -> Name {
    Cow::Owned(format!("{}::{}", ident(name), ident(variant)))
}

/// `NAN`, `INFINITY` or `NEG_INFINITY` of `ty`.
fn write_special(text: &mut String, nan: bool, positive: bool, ty: &str) {
    let name = match (nan, positive) {
        (true, _) => "NAN",
        (false, true) => "INFINITY",
        (false, false) => "NEG_INFINITY",
    };
    let _ = write!(text, "{ty}::{name}");
}

/// A finite float's shortest round-trip text, with a `.0` when it has
/// neither a `.` nor an exponent (so that it stays a float literal).
#[inline]
fn push_float(text: &mut String, digits: &str) {
    text.push_str(digits);
    if !digits.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        text.push_str(".0");
    }
}

fn write_bytes(text: &mut String, bytes: &[u8]) {
    text.push_str("b\"");
    for &b in bytes {
        match b {
            b'"' => text.push_str("\\\""),
            b'\\' => text.push_str("\\\\"),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            b'\0' => text.push_str("\\0"),
            0x20..=0x7e => text.push(char::from(b)),
            _ => {
                let _ = write!(text, "\\x{b:02x}");
            }
        }
    }
    text.push('"');
}

/// Writes a string literal: the content as is when nothing needs escaping,
/// otherwise Rust's own `Debug` escaping.
fn write_str(text: &mut String, value: &str) {
    let plain = value.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        text.reserve(value.len() + 2);
        text.push('"');
        text.push_str(value);
        text.push('"');
    } else {
        let _ = write!(text, "{value:?}");
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = Node;
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Fields<'a>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<Node, Error> {
        self.atom(Class::Bool, true, |t| t.push_str(if v { "true" } else { "false" }))
    }
    #[inline]
    fn serialize_i8(self, v: i8) -> Result<Node, Error> {
        self.int(1, v)
    }
    #[inline]
    fn serialize_i16(self, v: i16) -> Result<Node, Error> {
        self.int(2, v)
    }
    #[inline]
    fn serialize_i32(self, v: i32) -> Result<Node, Error> {
        self.int(3, v)
    }
    #[inline]
    fn serialize_i64(self, v: i64) -> Result<Node, Error> {
        self.int(4, v)
    }
    fn serialize_i128(self, v: i128) -> Result<Node, Error> {
        self.int(5, v)
    }
    #[inline]
    fn serialize_u8(self, v: u8) -> Result<Node, Error> {
        self.int(11, v)
    }
    #[inline]
    fn serialize_u16(self, v: u16) -> Result<Node, Error> {
        self.int(12, v)
    }
    #[inline]
    fn serialize_u32(self, v: u32) -> Result<Node, Error> {
        self.int(13, v)
    }
    #[inline]
    fn serialize_u64(self, v: u64) -> Result<Node, Error> {
        self.int(14, v)
    }
    fn serialize_u128(self, v: u128) -> Result<Node, Error> {
        self.int(15, v)
    }
    #[inline]
    fn serialize_f32(self, v: f32) -> Result<Node, Error> {
        let finite = v.is_finite();
        self.atom(Class::Float(32), finite, |t| {
            if finite {
                push_float(t, zmij::Buffer::new().format_finite(v));
            } else if v.is_nan() && v.to_bits() != f32::NAN.to_bits() {
                let _ = write!(t, "f32::from_bits({:#010x})", v.to_bits());
            } else {
                write_special(t, v.is_nan(), v > 0.0, "f32");
            }
        })
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> Result<Node, Error> {
        let finite = v.is_finite();
        self.atom(Class::Float(64), finite, |t| {
            if finite {
                push_float(t, zmij::Buffer::new().format_finite(v));
            } else if v.is_nan() && v.to_bits() != f64::NAN.to_bits() {
                let _ = write!(t, "f64::from_bits({:#018x})", v.to_bits());
            } else {
                write_special(t, v.is_nan(), v > 0.0, "f64");
            }
        })
    }
    #[inline]
    fn serialize_char(self, v: char) -> Result<Node, Error> {
        self.atom(Class::Char, true, |t| {
            let _ = write!(t, "{v:?}");
        })
    }
    fn serialize_str(self, v: &str) -> Result<Node, Error> {
        let root = self.atom(Class::Str, true, |t| write_str(t, v))?;
        Ok(Node::chain(root))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node, Error> {
        self.atom(Class::Bytes, true, |t| write_bytes(t, v))
    }
    fn serialize_none(self) -> Result<Node, Error> {
        self.check()?;
        self.atom(Class::Option, false, |t| t.push_str(NONE))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node, Error> {
        self.enter()?;
        let inner = self.inner(value)?;
        self.leave();
        Ok(Node::list(Open::Call(Cow::Borrowed(SOME)), vec![inner]))
    }
    fn serialize_unit(self) -> Result<Node, Error> {
        self.atom(Class::Unit, false, |t| t.push_str("()"))
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<Node, Error> {
        let name = ident(name);
        self.atom(Class::Named, true, |t| t.push_str(&name))
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Node, Error> {
        self.check()?;
        let path = variant_path(name, variant);
        self.atom(Class::Named, false, |t| t.push_str(&path))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Node, Error> {
        self.enter()?;
        let inner = self.inner(value)?;
        self.leave();
        Ok(Node::list(Open::Call(ident(name)), vec![inner]))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Node, Error> {
        self.enter()?;
        let inner = self.inner(value)?;
        self.leave();
        Ok(Node::list(Open::Call(variant_path(name, variant)), vec![inner]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a>, Error> {
        self.enter()?;
        Ok(Seq::new(self, SeqKind::Seq, len.unwrap_or(0)))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.enter()?;
        Ok(Seq::new(self, SeqKind::Tuple, len))
    }
    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.enter()?;
        Ok(Seq::new(self, SeqKind::Call(ident(name)), len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Seq<'a>, Error> {
        self.enter()?;
        Ok(Seq::new(self, SeqKind::Call(variant_path(name, variant)), len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map<'a>, Error> {
        self.enter()?;
        Ok(Map { writer: self, entries: Vec::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Fields<'a>, Error> {
        self.enter()?;
        Ok(Fields { writer: self, path: ident(name), fields: Vec::with_capacity(len) })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Fields<'a>, Error> {
        self.enter()?;
        Ok(Fields { writer: self, path: variant_path(name, variant), fields: Vec::with_capacity(len) })
    }
}

enum SeqKind {
    Seq,
    Tuple,
    Call(Name),
}

/// Sequences, tuples, tuple structs and tuple variants.
struct Seq<'a> {
    writer: &'a mut Writer,
    kind: SeqKind,
    items: Vec<Node>,
    /// While a sequence holds only atoms of one class: the atoms, packed.
    run: Option<Run>,
}

/// Atoms of one class, one after another in the text buffer.
struct Run {
    start: u32,
    end: u32,
    lens: Vec<u32>,
    /// The longest item.
    longest: u32,
    class: Class,
    simple: bool,
}

impl<'a> Seq<'a> {
    fn new(writer: &'a mut Writer, kind: SeqKind, len: usize) -> Self {
        let capacity = len.min(1 << 16);
        match kind {
            SeqKind::Seq => Seq { writer, kind, items: Vec::new(), run: Some(Run::new(capacity)) },
            _ => Seq { writer, kind, items: Vec::with_capacity(capacity), run: None },
        }
    }

    #[inline]
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.run.as_ref().is_some_and(|run| !run.lens.is_empty()) {
            // the separator from the run's last atom, in case this is the next
            // one; if it is not, these two bytes are simply never used
            self.writer.text.push_str(SEPARATOR);
        }
        let start = self.writer.text.len();
        let node = match self.writer.inner(value) {
            // The hot path: an atom continuing the run. Its place comes from
            // the buffer's length and its kind from the writer, and the node
            // itself is not read: copying its packed fields out of the return
            // slot right after serde wrote them stalled the loop (1.4x slower).
            Ok(Node::Atom { into: false, .. })
                if let Some(run) = &mut self.run
                    && let (Ok(start), Ok(end)) =
                        (u32::try_from(start), u32::try_from(self.writer.text.len()))
                    && run.extends(start, self.writer.last_atom.0, self.writer.last_atom.1) =>
            {
                run.lens.push(end - start);
                run.longest = run.longest.max(end - start);
                run.end = end;
                return Ok(());
            }
            Ok(node) => node,
            Err(error) => return Err(error),
        };
        if self.run.is_some() {
            self.leave_run();
        }
        self.items.push(node);
        Ok(())
    }

    /// An item that is not an atom like the others: back to one node an item.
    #[cold]
    #[inline(never)]
    fn leave_run(&mut self) {
        if let Some(run) = self.run.take() {
            self.items = run.into_nodes();
        }
    }

    fn finish(self) -> Node {
        self.writer.leave();
        match self.kind {
            SeqKind::Seq => match self.run {
                Some(run) if run.lens.len() >= 2 => Node::chain(Node::Atoms(Box::new(Atoms::new(run)))),
                Some(run) => Node::chain(Node::list(Open::Array, run.into_nodes())),
                None => Node::chain(Node::list(Open::Array, self.items)),
            },
            SeqKind::Call(path) => Node::list(Open::Call(path), self.items),
            SeqKind::Tuple => {
                let text = &self.writer.text;
                let n = self.items.len();
                let same_kind = || self.items.windows(2).all(|pair| pair[0].same_kind(&pair[1], text));
                if n == 0 || n > 16 {
                    // Only arrays: serde has no tuples of other lengths.
                    Node::list(Open::Array, self.items)
                } else if n <= 12 && same_kind() {
                    // Could be a tuple or an array: `(a, b).into()` is both.
                    Node::chain(Node::list(Open::Tuple, self.items))
                } else if n > 12 && same_kind() {
                    // No `From<tuple>` for arrays this long: more likely an
                    // array than a tuple of 13 to 16 elements of one type.
                    Node::list(Open::Array, self.items)
                } else {
                    Node::list(Open::Tuple, self.items)
                }
            }
        }
    }
}

impl Run {
    fn new(capacity: usize) -> Run {
        Run {
            start: 0,
            end: 0,
            lens: Vec::with_capacity(capacity),
            longest: 0,
            class: Class::Unit,
            simple: false,
        }
    }

    /// Whether an atom at `start` continues the run (or starts it).
    #[inline]
    fn extends(&mut self, start: u32, class: Class, simple: bool) -> bool {
        if self.lens.is_empty() {
            (self.start, self.end, self.class, self.simple) = (start, start, class, simple);
            return true;
        }
        start as usize == self.end as usize + SEPARATOR.len() && class == self.class && simple == self.simple
    }

    fn into_nodes(self) -> Vec<Node> {
        if self.lens.is_empty() {
            return Vec::new();
        }
        Atoms::new(self).nodes()
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = Node;
    type Error = Error;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = Node;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for Seq<'_> {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

/// Maps: `[(key, value), ..].into()`, sorted by key so that hash maps give
/// the same text every time.
struct Map<'a> {
    writer: &'a mut Writer,
    /// `(key, value)` tuples, sorted when the map ends.
    entries: Vec<Node>,
    key: Option<Node>,
}

impl ser::SerializeMap for Map<'_> {
    type Ok = Node;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(self.writer.inner(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let value = self.writer.inner(value)?;
        match self.key.take() {
            Some(key) => {
                self.entries.push(Node::list(Open::Tuple, vec![key, value]));
                Ok(())
            }
            None => Err(Error::new("the map's Serialize implementation gave a value before its key")),
        }
    }
    fn end(self) -> Result<Node, Error> {
        self.writer.leave();
        let text = &self.writer.text;
        let mut entries = self.entries;
        entries.sort_by(|a, b| compare(key(a), key(b), text));
        Ok(Node::chain(Node::list(Open::Array, entries)))
    }
}

/// The key of a map entry: the first item of its tuple.
fn key(entry: &Node) -> &Node {
    match entry {
        Node::List(tuple) => tuple.items.first().unwrap_or(entry),
        _ => entry,
    }
}

/// Structs and struct variants.
struct Fields<'a> {
    writer: &'a mut Writer,
    path: Name,
    fields: Vec<(Name, Node)>,
}

impl Fields<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let node = self.writer.inner(value)?;
        self.fields.push((ident(key), node));
        Ok(())
    }
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.push(key, value)
    }
    fn end(self) -> Result<Node, Error> {
        self.writer.leave();
        Ok(Node::structure(self.path, self.fields))
    }
}

impl ser::SerializeStructVariant for Fields<'_> {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.push(key, value)
    }
    fn end(self) -> Result<Node, Error> {
        self.writer.leave();
        Ok(Node::structure(self.path, self.fields))
    }
}

/// A total order on nodes for sorting map keys: numbers by value, the rest
/// by their text.
fn compare(a: &Node, b: &Node, text: &str) -> Ordering {
    if a.into() != b.into() {
        return rank(a).cmp(&rank(b));
    }
    match (a, b) {
        (Node::Atom { class: Class::Int(_), .. }, Node::Atom { class: Class::Int(_), .. }) => {
            int_key(atom_text(a, text)).cmp(&int_key(atom_text(b, text)))
        }
        (Node::Atom { .. }, Node::Atom { .. }) => atom_text(a, text).cmp(atom_text(b, text)),
        (Node::List(x), Node::List(y)) => {
            x.open.ident().cmp(y.open.ident()).then_with(|| compare_all(x.items.iter(), y.items.iter(), text))
        }
        (Node::Atoms(x), Node::Atoms(y)) => compare_all(x.nodes().iter(), y.nodes().iter(), text),
        (Node::Atoms(x), Node::List(y)) => {
            "".cmp(y.open.ident()).then_with(|| compare_all(x.nodes().iter(), y.items.iter(), text))
        }
        (Node::List(x), Node::Atoms(y)) => {
            x.open.ident().cmp("").then_with(|| compare_all(x.items.iter(), y.nodes().iter(), text))
        }
        (Node::Struct(x), Node::Struct(y)) => x
            .path
            .cmp(&y.path)
            .then_with(|| compare_all(x.fields.iter().map(|f| &f.1), y.fields.iter().map(|f| &f.1), text)),
        _ => plain_rank(a).cmp(&plain_rank(b)),
    }
}

fn compare_all<'n>(
    mut x: impl Iterator<Item = &'n Node>,
    mut y: impl Iterator<Item = &'n Node>,
    text: &str,
) -> Ordering {
    loop {
        match (x.next(), y.next()) {
            (Some(a), Some(b)) => match compare(a, b, text) {
                Ordering::Equal => {}
                other => return other,
            },
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    }
}

/// Where a node sorts among nodes of other kinds: `.into()` chains after
/// atoms, before lists and structs.
fn rank(node: &Node) -> u8 {
    if node.into() { 1 } else { plain_rank(node) }
}

fn plain_rank(node: &Node) -> u8 {
    match node {
        Node::Atom { .. } => 0,
        Node::List(_) | Node::Atoms(_) => 2,
        Node::Struct(_) => 3,
    }
}

/// An integer literal as (is non-negative, signed magnitude) for ordering.
fn int_key(text: &str) -> (bool, i128, u128) {
    match text.strip_prefix('-') {
        Some(digits) => {
            let magnitude = digits.parse::<u128>().unwrap_or(0);
            (false, -(magnitude.min(i128::MAX as u128) as i128), 0)
        }
        None => (true, 0, text.parse::<u128>().unwrap_or(0)),
    }
}

/// Where a node is written: the block indentation of the lines it may add,
/// and the columns left on its first line.
#[derive(Clone, Copy, Debug)]
struct Shape {
    indent: usize,
    width: usize,
}

impl Shape {
    /// The shape of one item of a vertical list: on its own line one level
    /// deeper, with room for the comma.
    fn item(self) -> Shape {
        let indent = deeper(self.indent);
        Shape { indent, width: MAX_WIDTH.saturating_sub(indent + 1) }
    }
}

/// The indentation one level deeper than `indent`, up to [`MAX_INDENT`].
fn deeper(indent: usize) -> usize {
    (indent + INDENT).min(MAX_INDENT)
}

/// Prints a node tree the way rustfmt lays out the same expression.
///
/// The layout is a function of the node and its [`Shape`] alone. A list with
/// one item tries the item on the list's own line first and lays it out
/// again below when that fails, so without a record of failed tries each
/// level of nested one-item lists doubled the work: 2^depth (a tree 36
/// levels deep took seconds). The record keeps only which tries failed, not
/// their text, so memory stays linear too; a try that succeeds is the text.
struct Layout<'t> {
    text: &'t str,
    /// One-item lists (by the address of their items) whose item did not
    /// fit on the list's line in a shape (indentation, width).
    failed: RefCell<HashSet<(*const Node, usize, usize), Fixed>>,
    /// How many nodes enclose the one being written, for [`stack::grow_at`](super::stack::grow_at).
    level: Cell<usize>,
}

/// The record's hasher: fixed keys, as the keys are addresses and sizes, not
/// input; `RandomState` would read a thread-local on every `to_string`.
type Fixed = std::hash::BuildHasherDefault<std::hash::DefaultHasher>;

fn push_indent(out: &mut String, indent: usize) {
    out.push('\n');
    for _ in 0..indent {
        out.push(' ');
    }
}

impl Layout<'_> {
    /// Writes the node in one line.
    fn flat(&self, node: &Node, out: &mut String) {
        self.flat_plain(node, out);
        if node.into() {
            out.push_str(INTO);
        }
    }

    /// Writes the node in one line, without its `.into()`.
    fn flat_plain(&self, node: &Node, out: &mut String) {
        match node {
            Node::Atom { .. } => out.push_str(atom_text(node, self.text)),
            Node::List(list) => {
                let List { open, items, .. } = &**list;
                let (left, right) = open.delimiters();
                out.push_str(open.ident());
                out.push(left);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.flat(item, out);
                }
                if matches!(open, Open::Tuple) && items.len() == 1 {
                    out.push(',');
                }
                out.push(right);
            }
            Node::Atoms(atoms) => {
                out.push('[');
                out.push_str(atoms.all(self.text));
                out.push(']');
            }
            Node::Struct(structure) => {
                let Struct { path, fields, .. } = &**structure;
                out.push_str(path);
                if fields.is_empty() {
                    out.push_str(" {}");
                    return;
                }
                out.push_str(" { ");
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    self.flat(value, out);
                }
                out.push_str(" }");
            }
        }
    }

    /// Writes the node in `shape`. With `one_line_chain`, a `.into()` chain
    /// must stay on one line: returns `false` (having written garbage the
    /// caller truncates) when it cannot.
    fn emit(&self, node: &Node, shape: Shape, one_line_chain: bool, out: &mut String) -> bool {
        let level = self.level.get();
        self.level.set(level + 1);
        let fitted = super::stack::grow_at(level, || self.emit_uncached(node, shape, one_line_chain, out));
        self.level.set(level);
        fitted
    }

    fn emit_uncached(&self, node: &Node, shape: Shape, one_line_chain: bool, out: &mut String) -> bool {
        if !node.into() {
            return self.emit_plain(node, shape, out);
        }
        // `node.into()`
        if node.flat() <= shape.width {
            self.flat(node, out);
            return true;
        }
        if one_line_chain {
            return false;
        }
        let start = out.len();
        self.emit_plain(node, shape, out);
        let multi_line = out.get(start..).is_some_and(|s| s.contains('\n'));
        // After a block-like node (an array) the call goes at the node's
        // indentation; after a tuple or a one-line node, one level deeper.
        let block_like = multi_line && !matches!(node, Node::List(list) if matches!(list.open, Open::Tuple));
        push_indent(out, if block_like { shape.indent } else { deeper(shape.indent) });
        out.push_str(INTO);
        true
    }

    /// Writes the node in `shape`, without its `.into()`.
    fn emit_plain(&self, node: &Node, shape: Shape, out: &mut String) -> bool {
        match node {
            Node::Atom { .. } => {
                out.push_str(atom_text(node, self.text));
                true
            }
            Node::List(list) => self.emit_list(&list.open, &list.items, list.flat, shape, out),
            Node::Atoms(atoms) => {
                // As `emit_list` lays out two or more atoms.
                if atoms.flat != NOT_FLAT && atoms.flat <= shape.width && atoms.flat - 2 <= LIST_WIDTH {
                    self.flat_plain(node, out);
                    return true;
                }
                out.push('[');
                let item_shape = shape.item();
                if atoms.packs() {
                    // Each line is `a, b, c,`: the items as they lie in the
                    // text, separators and all, copied at once, and a comma.
                    let room = item_shape.width;
                    let mut line = 0usize;
                    // where the line's first item starts, where the last one
                    // so far ends, and where the next one starts
                    let (mut first, mut end, mut next) = (atoms.start as usize, 0, atoms.start as usize);
                    for &len in &atoms.lens {
                        let width = len as usize + 1;
                        if line != 0 && line + 1 + width > room {
                            push_indent(out, item_shape.indent);
                            out.push_str(self.text.get(first..end).unwrap_or(""));
                            out.push(',');
                            first = next;
                            line = 0;
                        }
                        line += width + usize::from(line != 0);
                        end = next + len as usize;
                        next = end + SEPARATOR.len();
                    }
                    push_indent(out, item_shape.indent);
                    out.push_str(self.text.get(first..end).unwrap_or(""));
                    out.push(',');
                } else {
                    for item in atoms.texts(self.text) {
                        push_indent(out, item_shape.indent);
                        out.push_str(item);
                        out.push(',');
                    }
                }
                push_indent(out, shape.indent);
                out.push(']');
                true
            }
            Node::Struct(structure) => {
                let Struct { path, fields, flat, .. } = &**structure;
                let body_room = shape.width.saturating_sub(path.len() + 3 + 2).min(STRUCT_WIDTH);
                let body = flat.saturating_sub(path.len() + 4);
                if fields.is_empty() || (*flat != NOT_FLAT && body <= body_room) {
                    self.flat_plain(node, out);
                    return true;
                }
                out.push_str(path);
                out.push_str(" {");
                let item = shape.item();
                for (name, value) in fields {
                    push_indent(out, item.indent);
                    out.push_str(name);
                    out.push_str(": ");
                    let shape =
                        Shape { indent: item.indent, width: item.width.saturating_sub(name.len() + 2) };
                    self.emit(value, shape, false, out);
                    out.push(',');
                }
                push_indent(out, shape.indent);
                out.push('}');
                true
            }
        }
    }

    fn emit_list(&self, open: &Open, items: &[Node], flat: usize, shape: Shape, out: &mut String) -> bool {
        let ident = open.ident();
        let (left, right) = open.delimiters();
        let one_tuple = matches!(open, Open::Tuple) && items.len() == 1;
        let one_line_width = shape.width.saturating_sub(ident.len() + 2 + usize::from(one_tuple));
        if items.is_empty()
            || (flat != NOT_FLAT
                && flat <= shape.width
                && (items.len() == 1 || flat - ident.len() - 2 <= LIST_WIDTH))
        {
            if let [item] = items {
                // A single argument stays on the line when it fits there.
                if item.flat() <= one_line_width {
                    self.flat_list(open, items, out);
                    return true;
                }
            } else {
                self.flat_list(open, items, out);
                return true;
            }
        }
        let tried = (items.as_ptr(), shape.indent, shape.width);
        // An item whose first line cannot fit on the list's line is not
        // tried there (deep in a value, where the lines are narrow, every
        // level would be laid out twice).
        if let [item] = items
            && item.head() <= one_line_width
            && !self.failed.borrow().contains(&tried)
        {
            let combine = ident.len() < INDENT;
            if combine || item.overflows() {
                // `Some(Point {` ... `})`: the only argument continues the line.
                let start = out.len();
                out.push_str(ident);
                out.push(left);
                let mark = out.len();
                let mut width = one_line_width;
                if item.is_call() {
                    width = width.min(LIST_WIDTH);
                }
                let one_line_chain = item.into() && !combine;
                let inner = Shape { indent: shape.indent, width };
                if self.emit(item, inner, one_line_chain, out) {
                    let first_line = out.get(mark..).map_or(0, |s| s.split('\n').next().map_or(0, str::len));
                    let multi_line = out.get(mark..).is_some_and(|s| s.contains('\n'));
                    if first_line <= one_line_width.min(LIST_WIDTH)
                        || !multi_line && first_line <= one_line_width
                    {
                        if one_tuple {
                            out.push(',');
                        }
                        out.push(right);
                        return true;
                    }
                }
                out.truncate(start);
                self.failed.borrow_mut().insert(tried);
            }
        }
        out.push_str(ident);
        out.push(left);
        let item_shape = shape.item();
        let mixed = items.len() > 1 && items.iter().all(|item| item.is_simple() && item.flat() <= SHORT_ITEM);
        if mixed {
            let room = item_shape.width;
            let mut line = 0usize;
            for item in items {
                let width = item.flat() + 1;
                if line == 0 || line + 1 + width > room {
                    push_indent(out, item_shape.indent);
                    line = 0;
                } else {
                    out.push(' ');
                    line += 1;
                }
                self.flat(item, out);
                out.push(',');
                line += width;
            }
        } else {
            for item in items {
                push_indent(out, item_shape.indent);
                self.emit(item, item_shape, false, out);
                out.push(',');
            }
        }
        push_indent(out, shape.indent);
        out.push(right);
        true
    }

    fn flat_list(&self, open: &Open, items: &[Node], out: &mut String) {
        let (left, right) = open.delimiters();
        out.push_str(open.ident());
        out.push(left);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.flat(item, out);
        }
        if matches!(open, Open::Tuple) && items.len() == 1 {
            out.push(',');
        }
        out.push(right);
    }
}
