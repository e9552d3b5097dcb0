//! Values as Rust source: the writer ([`to_string`]) and the reader
//! ([`from_str`]).

mod de;
pub(crate) mod error;
mod lexer;
mod ser;

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
    ser::to_string(value)
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
    let mut reader = de::Deserializer::new(text);
    T::deserialize(&mut reader).and_then(|value| reader.end().map(|()| value)).map_err(|e| e.locate(text))
}

/// How deep brackets may nest in text given to [`from_str`]: deeper text is
/// refused with [`Error::TooDeep`] rather than overflowing the stack.
pub const DEPTH_LIMIT: usize = de::DEPTH_LIMIT;
