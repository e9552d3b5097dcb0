//! Values as Rust source: the writer ([`to_string`]) and the reader
//! ([`from_str`]).

mod de;
pub(crate) mod error;
mod lexer;
mod ser;
mod stack;

use serde::{Deserialize, Serialize};

pub use error::Error;

/// Writes `value` as a Rust expression that rebuilds it.
///
/// The text is laid out as `rustfmt` would lay it out. With the value's types
/// in scope, `let value: T = <the text>;` compiles and gives a value equal to
/// `value`; [`from_str`] reads it back without a compiler.
///
/// ```
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Point {
///     x: i32,
///     y: i32,
/// }
///
/// let text = brine_source::value::to_string(&Point { x: 1, y: -2 })?;
/// assert_eq!(text, "Point { x: 1, y: -2 }");
/// # Ok::<(), brine_source::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] when the value's `Serialize` implementation fails.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    Options::new().to_string(value)
}

/// Reads a value back from Rust source, running no code.
///
/// Accepts what [`to_string`] writes and what people write by hand: comments,
/// trailing commas, `_` separators, suffixes, hex/octal/binary integers, raw
/// strings, every escape, `vec![..]`, `String::from(..)`, `.to_string()`,
/// `.into()`, `Some(..)` and paths like `Enum::Variant` or
/// `::core::option::Option::Some`. Strings without escapes are borrowed from
/// `text`.
///
/// ```
/// let ports: Vec<u16> = brine_source::from_str("vec![80, 0x1bb, 8_080u16] // web")?;
/// assert_eq!(ports, [80, 443, 8080]);
/// # Ok::<(), brine_source::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Syntax`], [`Error::Data`] or [`Error::TooDeep`], each with the
/// line and column where the text goes wrong.
pub fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, Error> {
    Options::new().from_str(text)
}

/// How deep values may nest by default, for the writer and the reader
/// alike: 4096 levels where the stack grows as needed (Linux on x86_64 and
/// aarch64), 256 elsewhere, which a 2 MiB thread holds (see
/// [`Options::max_depth`]).
pub const DEFAULT_MAX_DEPTH: usize = de::DEFAULT_MAX_DEPTH;

/// How to write and read values as source: the nesting limit, the same for
/// the writer and the reader, so that what one writes the other reads.
///
/// [`to_string`] and [`from_str`] use `Options::new()`.
///
/// ```
/// use brine_source::value::Options;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Node {
///     v: i32,
///     next: Option<Box<Node>>,
/// }
///
/// let list = (0..3).fold(None, |next, v| Some(Box::new(Node { v, next })));
/// // each node is two levels: the struct and the `Option` around the next one
/// let shallow = Options::new().max_depth(4);
/// assert!(matches!(shallow.to_string(&list), Err(brine_source::Error::TooDeep { .. })));
/// let deep = Options::new().max_depth(7);
/// let text = deep.to_string(&list)?;
/// assert!(matches!(shallow.from_str::<Option<Box<Node>>>(&text), Err(brine_source::Error::TooDeep { .. })));
/// assert_eq!(deep.from_str::<Option<Box<Node>>>(&text)?, list);
/// # Ok::<(), brine_source::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

impl Options {
    /// The nesting limit [`DEFAULT_MAX_DEPTH`].
    pub const fn new() -> Self {
        Options { max_depth: DEFAULT_MAX_DEPTH }
    }

    /// How deep values may nest (default: 4096 levels). Each option,
    /// newtype, struct, enum, sequence, tuple and map is one level, whether
    /// or not the text has a bracket there (a bare value stands for
    /// `Some(value)`, a newtype may be written without its name); in text,
    /// each conversion around a value (`Box::new(..)`, `String::from(..)`)
    /// is one more. Past the limit the writer and the reader both fail with
    /// [`Error::TooDeep`], before the stack could overflow: a linked list of
    /// `n` nodes (`struct Node { v: i32, next: Option<Box<Node>> }`) needs
    /// `2n` levels. The writer and the reader grow their thread's stack as
    /// they go on Linux x86_64 and aarch64, so there the stack never
    /// overflows, whatever the limit and the thread (deep values cost heap
    /// instead); elsewhere the default is 256, and a higher limit needs a
    /// thread with a stack to match.
    pub const fn max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// [`to_string`](fn@to_string) with these options.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] when the value's `Serialize` implementation fails,
    /// [`Error::TooDeep`] when it nests deeper than the limit.
    pub fn to_string<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, Error> {
        ser::to_string(value, self.max_depth)
    }

    /// [`from_str`](fn@from_str) with these options.
    ///
    /// # Errors
    ///
    /// As [`from_str`](fn@from_str).
    pub fn from_str<'de, T: Deserialize<'de>>(&self, text: &'de str) -> Result<T, Error> {
        let mut reader = de::Deserializer::new(text, self.max_depth);
        T::deserialize(&mut reader).and_then(|value| reader.end().map(|()| value)).map_err(|e| e.locate(text))
    }
}
