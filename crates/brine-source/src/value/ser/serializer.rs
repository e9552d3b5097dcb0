//! The serde `Serializer` that builds the tree; atoms go to one text buffer.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::order::{compare, key};
use super::tree::{Atoms, Class, Node, Open, SEPARATOR};
use super::{Error, NONE, SOME};

/// Builds the node tree; atoms go to one text buffer.
pub(super) struct Writer {
    pub(super) text: String,
    /// The class and simplicity of the last atom written, for [`Seq::push`].
    pub(super) last_atom: (Class, bool),
    /// How many values enclose the one being written: counted as the
    /// reader counts them, so that the writer refuses what the reader would.
    pub(super) depth: usize,
    pub(super) max_depth: usize,
    /// Set when the depth limit stopped the writer (serde's error carries
    /// only a message).
    pub(super) too_deep: bool,
}

impl Writer {
    /// One level deeper: an option (`None` too), a newtype, an enum variant,
    /// a struct, a sequence, a tuple or a map, as the reader counts them.
    pub(super) fn enter(&mut self) -> Result<(), Error> {
        if self.depth >= self.max_depth {
            self.too_deep = true;
            return Err(Error::new(format!("the value nests deeper than {} levels", self.max_depth)));
        }
        self.depth += 1;
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// A level that holds no other value (`None`, a unit variant): checked,
    /// not entered.
    pub(super) fn check(&mut self) -> Result<(), Error> {
        self.enter()?;
        self.leave();
        Ok(())
    }

    /// Serializes a value inside the current one, with room on the stack.
    #[inline]
    pub(super) fn inner<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<Node, Error> {
        crate::value::stack::grow_at(self.depth, || value.serialize(&mut *self))
    }

    #[inline(always)]
    pub(super) fn atom(
        &mut self,
        class: Class,
        simple: bool,
        write: impl FnOnce(&mut String),
    ) -> Result<Node, Error> {
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
    pub(super) fn int(&mut self, width: u8, value: impl itoa::Integer) -> Result<Node, Error> {
        self.atom(Class::Int(width), true, |text| push_int(text, value))
    }
}

/// Appends `value` in decimal. Kept out of line on purpose: the small
/// `serialize_i64` around it is then inlined into serde's loop over a
/// sequence, where its node stays in registers; with the formatting inlined
/// it was a call whose node came back through memory, and reading it there
/// stalled (1.5x slower on 1,000 numbers).
#[inline(never)]
pub(super) fn push_int(text: &mut String, value: impl itoa::Integer) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value);
    text.push_str(digits);
}

/// Writes a name as a Rust identifier: `r#type` for keywords; a name that is
/// no identifier at all (renamed by serde) as a string literal, which the
/// reader accepts although the compiler does not.
pub(super) fn ident(name: &'static str) -> Name {
    if is_ident(name) {
        if is_keyword(name) { Cow::Owned(format!("r#{name}")) } else { Cow::Borrowed(name) }
    } else {
        Cow::Owned(format!("{name:?}"))
    }
}

/// A struct, variant or field name as written: borrowed from serde's
/// `&'static str` unless it needs `r#` or quotes.
pub(super) type Name = Cow<'static, str>;

pub(super) fn is_ident(name: &str) -> bool {
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

pub(super) fn variant_path(name: &'static str, variant: &'static str) -> Name {
    Cow::Owned(format!("{}::{}", ident(name), ident(variant)))
}

/// `NAN`, `INFINITY` or `NEG_INFINITY` of `ty`.
pub(super) fn write_special(text: &mut String, nan: bool, positive: bool, ty: &str) {
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
pub(super) fn push_float(text: &mut String, digits: &str) {
    text.push_str(digits);
    if !digits.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        text.push_str(".0");
    }
}

pub(super) fn write_bytes(text: &mut String, bytes: &[u8]) {
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
pub(super) fn write_str(text: &mut String, value: &str) {
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

pub(super) enum SeqKind {
    Seq,
    Tuple,
    Call(Name),
}

/// Sequences, tuples, tuple structs and tuple variants.
pub(super) struct Seq<'a> {
    pub(super) writer: &'a mut Writer,
    pub(super) kind: SeqKind,
    pub(super) items: Vec<Node>,
    /// While a sequence holds only atoms of one class: the atoms, packed.
    pub(super) run: Option<Run>,
}

/// Atoms of one class, one after another in the text buffer.
pub(super) struct Run {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) lens: Vec<u32>,
    /// The longest item.
    pub(super) longest: u32,
    pub(super) class: Class,
    pub(super) simple: bool,
}

impl<'a> Seq<'a> {
    pub(super) fn new(writer: &'a mut Writer, kind: SeqKind, len: usize) -> Self {
        let capacity = len.min(1 << 16);
        match kind {
            SeqKind::Seq => Seq { writer, kind, items: Vec::new(), run: Some(Run::new(capacity)) },
            _ => Seq { writer, kind, items: Vec::with_capacity(capacity), run: None },
        }
    }

    #[inline]
    pub(super) fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if self.run.as_ref().is_some_and(|run| !run.lens.is_empty()) {
            // the separator from the run's last atom, in case this is the next
            // one; if it is not, these two bytes are simply never used
            self.writer.text.push_str(SEPARATOR);
        }
        let start = self.writer.text.len();
        let node = self.writer.inner(value)?;
        // The hot path: an atom continuing the run. Its place comes from the
        // buffer's length and its kind from the writer, and the node itself is
        // not read past its kind: copying its packed fields out of the return
        // slot right after serde wrote them stalled the loop (1.4x slower).
        // (A let chain, not an `if let` guard: those need Rust 1.95.)
        if let Node::Atom { into: false, .. } = node
            && let Some(run) = &mut self.run
            && let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(self.writer.text.len()))
            && run.extends(start, self.writer.last_atom.0, self.writer.last_atom.1)
        {
            run.lens.push(end - start);
            run.longest = run.longest.max(end - start);
            run.end = end;
            return Ok(());
        }
        if self.run.is_some() {
            self.leave_run();
        }
        self.items.push(node);
        Ok(())
    }

    /// An item that is not an atom like the others: back to one node an item.
    #[cold]
    #[inline(never)]
    pub(super) fn leave_run(&mut self) {
        if let Some(run) = self.run.take() {
            self.items = run.into_nodes();
        }
    }

    pub(super) fn finish(self) -> Node {
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
    pub(super) fn new(capacity: usize) -> Run {
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
    pub(super) fn extends(&mut self, start: u32, class: Class, simple: bool) -> bool {
        if self.lens.is_empty() {
            (self.start, self.end, self.class, self.simple) = (start, start, class, simple);
            return true;
        }
        start as usize == self.end as usize + SEPARATOR.len() && class == self.class && simple == self.simple
    }

    pub(super) fn into_nodes(self) -> Vec<Node> {
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
pub(super) struct Map<'a> {
    pub(super) writer: &'a mut Writer,
    /// `(key, value)` tuples, sorted when the map ends.
    pub(super) entries: Vec<Node>,
    pub(super) key: Option<Node>,
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

/// Structs and struct variants.
pub(super) struct Fields<'a> {
    pub(super) writer: &'a mut Writer,
    pub(super) path: Name,
    pub(super) fields: Vec<(Name, Node)>,
}

impl Fields<'_> {
    pub(super) fn push<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
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
