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

use std::cell::{Cell, RefCell};

use serde::ser::{self, Serialize};

mod layout;
mod order;
mod serializer;
mod tree;

use layout::{Layout, Shape};
use serializer::Writer;
use tree::Class;

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
