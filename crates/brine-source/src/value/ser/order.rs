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
    compare_at(a, b, text, 0)
}

/// [`compare`] of nodes `depth` levels inside the keys: the stack grows
/// as the comparison goes deeper, as it does while writing.
fn compare_at(a: &Node, b: &Node, text: &str, depth: usize) -> Ordering {
    crate::value::stack::grow_at(depth, || compare_nodes(a, b, text, depth))
}

fn compare_nodes(a: &Node, b: &Node, text: &str, depth: usize) -> Ordering {
    let all = |x: &mut dyn Iterator<Item = &Node>, y: &mut dyn Iterator<Item = &Node>| {
        compare_all(x, y, text, depth + 1)
    };
    if a.into() != b.into() {
        return rank(a).cmp(&rank(b));
    }
    match (a, b) {
        (Node::Atom { class: Class::Int(_), .. }, Node::Atom { class: Class::Int(_), .. }) => {
            int_key(atom_text(a, text)).cmp(&int_key(atom_text(b, text)))
        }
        (Node::Atom { .. }, Node::Atom { .. }) => atom_text(a, text).cmp(atom_text(b, text)),
        (Node::List(x), Node::List(y)) => {
            x.open.ident().cmp(y.open.ident()).then_with(|| all(&mut x.items.iter(), &mut y.items.iter()))
        }
        (Node::Atoms(x), Node::Atoms(y)) => all(&mut x.nodes().iter(), &mut y.nodes().iter()),
        (Node::Atoms(x), Node::List(y)) => {
            "".cmp(y.open.ident()).then_with(|| all(&mut x.nodes().iter(), &mut y.items.iter()))
        }
        (Node::List(x), Node::Atoms(y)) => {
            x.open.ident().cmp("").then_with(|| all(&mut x.items.iter(), &mut y.nodes().iter()))
        }
        (Node::Struct(x), Node::Struct(y)) => x
            .path
            .cmp(&y.path)
            .then_with(|| all(&mut x.fields.iter().map(|f| &f.1), &mut y.fields.iter().map(|f| &f.1))),
        _ => plain_rank(a).cmp(&plain_rank(b)),
    }
}

fn compare_all(
    x: &mut dyn Iterator<Item = &Node>,
    y: &mut dyn Iterator<Item = &Node>,
    text: &str,
    depth: usize,
) -> Ordering {
    loop {
        match (x.next(), y.next()) {
            (Some(a), Some(b)) => match compare_at(a, b, text, depth) {
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
