//! The layout: the tree printed as rustfmt prints the same expression.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use super::tree::{List, Node, Open, SEPARATOR, Struct, atom_text};
use super::{INDENT, INTO, LIST_WIDTH, MAX_INDENT, MAX_WIDTH, NOT_FLAT, SHORT_ITEM, STRUCT_WIDTH};

/// Where a node is written: the block indentation of the lines it may add,
/// and the columns left on its first line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shape {
    pub(super) indent: usize,
    pub(super) width: usize,
}

impl Shape {
    /// The shape of one item of a vertical list: on its own line one level
    /// deeper, with room for the comma.
    pub(super) fn item(self) -> Shape {
        let indent = deeper(self.indent);
        Shape { indent, width: MAX_WIDTH.saturating_sub(indent + 1) }
    }
}

/// The indentation one level deeper than `indent`, up to [`MAX_INDENT`].
pub(super) fn deeper(indent: usize) -> usize {
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
pub(super) struct Layout<'t> {
    pub(super) text: &'t str,
    /// One-item lists (by the address of their items) whose item did not
    /// fit on the list's line in a shape (indentation, width).
    pub(super) failed: RefCell<HashSet<(*const Node, usize, usize), Fixed>>,
    /// How many nodes enclose the one being written, for [`stack::grow_at`](crate::value::stack::grow_at).
    pub(super) level: Cell<usize>,
}

/// The record's hasher: fixed keys, as the keys are addresses and sizes, not
/// input; `RandomState` would read a thread-local on every `to_string`.
pub(super) type Fixed = std::hash::BuildHasherDefault<std::hash::DefaultHasher>;

pub(super) fn push_indent(out: &mut String, indent: usize) {
    out.push('\n');
    for _ in 0..indent {
        out.push(' ');
    }
}

impl Layout<'_> {
    /// Writes the node in one line.
    pub(super) fn flat(&self, node: &Node, out: &mut String) {
        self.flat_plain(node, out);
        if node.into() {
            out.push_str(INTO);
        }
    }

    /// Writes the node in one line, without its `.into()`.
    pub(super) fn flat_plain(&self, node: &Node, out: &mut String) {
        match node {
            Node::Atom { .. } => out.push_str(atom_text(node, self.text)),
            Node::List(list) => {
                let List { open, items, .. } = &**list;
                self.flat_list(open, items, out);
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
    pub(super) fn emit(&self, node: &Node, shape: Shape, one_line_chain: bool, out: &mut String) -> bool {
        let level = self.level.get();
        self.level.set(level + 1);
        let fitted =
            crate::value::stack::grow_at(level, || self.emit_uncached(node, shape, one_line_chain, out));
        self.level.set(level);
        fitted
    }

    pub(super) fn emit_uncached(
        &self,
        node: &Node,
        shape: Shape,
        one_line_chain: bool,
        out: &mut String,
    ) -> bool {
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
    pub(super) fn emit_plain(&self, node: &Node, shape: Shape, out: &mut String) -> bool {
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

    pub(super) fn emit_list(
        &self,
        open: &Open,
        items: &[Node],
        flat: usize,
        shape: Shape,
        out: &mut String,
    ) -> bool {
        let ident = open.ident();
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
        if let [item] = items
            && self.overflow(open, item, shape, one_line_width, out)
        {
            return true;
        }
        self.vertical_list(open, items, shape, out);
        true
    }

    /// `Some(Point {` ... `})`: the only item continues the list's line, if
    /// its first line fits there; returns `false` (having written nothing)
    /// when it does not.
    fn overflow(
        &self,
        open: &Open,
        item: &Node,
        shape: Shape,
        one_line_width: usize,
        out: &mut String,
    ) -> bool {
        let ident = open.ident();
        let tried = (item as *const Node, shape.indent, shape.width);
        // An item whose first line cannot fit on the list's line is not
        // tried there (deep in a value, where the lines are narrow, every
        // level would be laid out twice), nor is one that failed before.
        let combine = ident.len() < INDENT;
        if item.head() > one_line_width
            || self.failed.borrow().contains(&tried)
            || !(combine || item.overflows())
        {
            return false;
        }
        let (left, right) = open.delimiters();
        let one_tuple = matches!(open, Open::Tuple);
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
            if first_line <= one_line_width.min(LIST_WIDTH) || !multi_line && first_line <= one_line_width {
                if one_tuple {
                    out.push(',');
                }
                out.push(right);
                return true;
            }
        }
        out.truncate(start);
        self.failed.borrow_mut().insert(tried);
        false
    }

    /// The items one level deeper, one a line, or packed several a line
    /// when they are short and simple.
    fn vertical_list(&self, open: &Open, items: &[Node], shape: Shape, out: &mut String) {
        let (left, right) = open.delimiters();
        out.push_str(open.ident());
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
    }

    pub(super) fn flat_list(&self, open: &Open, items: &[Node], out: &mut String) {
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
