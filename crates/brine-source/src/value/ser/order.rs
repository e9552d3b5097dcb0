//! Map keys in order: a total order on nodes, numbers by value.

use std::cmp::Ordering;

use super::tree::{Class, Node, atom_text};

/// The key of a map entry: the first item of its tuple.
pub(super) fn key(entry: &Node) -> &Node {
    match entry {
        Node::List(tuple) => tuple.items.first().unwrap_or(entry),
        _ => entry,
    }
}

/// A total order on nodes for sorting map keys: numbers by value, the rest
/// by their text.
pub(super) fn compare(a: &Node, b: &Node, text: &str) -> Ordering {
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

pub(super) fn compare_all<'n>(
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
pub(super) fn rank(node: &Node) -> u8 {
    if node.into() { 1 } else { plain_rank(node) }
}

pub(super) fn plain_rank(node: &Node) -> u8 {
    match node {
        Node::Atom { .. } => 0,
        Node::List(_) | Node::Atoms(_) => 2,
        Node::Struct(_) => 3,
    }
}

/// An integer literal as (is non-negative, signed magnitude) for ordering.
pub(super) fn int_key(text: &str) -> (bool, i128, u128) {
    match text.strip_prefix('-') {
        Some(digits) => {
            let magnitude = digits.parse::<u128>().unwrap_or(0);
            (false, -(magnitude.min(i128::MAX as u128) as i128), 0)
        }
        None => (true, 0, text.parse::<u128>().unwrap_or(0)),
    }
}
