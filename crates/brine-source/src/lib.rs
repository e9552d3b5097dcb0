//! Any serde value as Rust source that rebuilds it, and back again.
//!
//! [`to_string`] writes a value as a Rust expression, laid out as `rustfmt`
//! lays it out; with the value's types in scope, the expression compiles to
//! an equal value. [`from_str`] reads such text back *without a compiler*: it
//! is a literal evaluator, in the spirit of Python's `ast.literal_eval`, that
//! runs no code, so reading untrusted text is safe. [`dump`] and [`load`] do
//! the same through temporary `.rs` files that `include!` accepts.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use std::collections::BTreeMap;
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! enum Shape {
//!     Circle { r: f64 },
//!     Square(f64),
//! }
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Scene {
//!     name: String,
//!     shapes: Vec<Shape>,
//!     tags: BTreeMap<String, u32>,
//!     note: Option<String>,
//! }
//!
//! let scene = Scene {
//!     name: "demo".into(),
//!     shapes: vec![Shape::Circle { r: 1.5 }, Shape::Square(2.0)],
//!     tags: BTreeMap::from([("b".into(), 2), ("a".into(), 1)]),
//!     note: None,
//! };
//! let text = brine_source::to_string(&scene)?;
//! assert_eq!(text, r#"Scene {
//!     name: "demo".into(),
//!     shapes: [Shape::Circle { r: 1.5 }, Shape::Square(2.0)].into(),
//!     tags: [("a".into(), 1), ("b".into(), 2)].into(),
//!     note: ::core::option::Option::None,
//! }"#);
//!
//! // Read back what was written, or what a person wrote.
//! assert_eq!(brine_source::from_str::<Scene>(&text)?, scene);
//! let edited: Scene = brine_source::from_str(r#"Scene {
//!     name: String::from("demo"),
//!     shapes: vec![Shape::Circle { r: 1.5 }, Shape::Square(2.)], // trailing comma ok
//!     tags: [("a".to_string(), 1), ("b".to_string(), 0b10)].into(),
//!     note: None,
//! }"#)?;
//! assert_eq!(edited, scene);
//! # Ok::<(), brine_source::Error>(())
//! ```
//!
//! # The expressions
//!
//! | value | written as | compiles for |
//! |---|---|---|
//! | struct, tuple struct, unit struct | `Point { x: 1, y: 2 }`, `Meters(1.5)`, `Unit` | the type, in scope by its bare name |
//! | enum variant | `Shape::Circle { r: 1.0 }`, `Shape::Square(2.0)`, `Shape::Empty` | the enum, in scope by its bare name |
//! | `Option` | `::core::option::Option::Some(1)`, `::core::option::Option::None` | `Option`, even where `Some`/`None` are shadowed |
//! | sequence, set | `[1, 2].into()` | `Vec`, `VecDeque`, `HashSet`, `BTreeSet`, `BinaryHeap`, `Box<[T]>`, ... |
//! | map | `[("a".into(), 1)].into()`, sorted by key | `HashMap`, `BTreeMap`, `Vec<(K, V)>` |
//! | tuple, array | `(1, "a".into())`; `(1, 2).into()` when all elements have one type | tuples; arrays of up to 12 elements (longer arrays: `[..]`) |
//! | string | `"text".into()` | `String`, `&str`, `Box<str>`, `Cow<str>`, `Rc<str>`, ... |
//! | integer, bool, char | `-7`, `true`, `'\n'` | any integer width, 128-bit included |
//! | float | `1.0`, `1e+300`, `-0.0`, `f64::NAN`, `f64::INFINITY` | bit-exact (other NaNs as `f64::from_bits(..)`) |
//! | bytes (`serialize_bytes`) | `b"\x00ab"` | `&[u8]` |
//!
//! Serde tells struct and variant names but not their modules: bring the
//! types into scope (`use my_crate::{Scene, Shape};`) where the source is
//! compiled. Fields that serde renames to something that is not an
//! identifier are written as string literals: [`from_str`] reads them, the
//! compiler does not. `Box<T>`, `Rc<T>` and other smart pointers serialize
//! as their contents, so their fields need an added `.into()` to compile.
//! A `HashSet` serializes like a `Vec`, so its elements keep iteration
//! order; maps are sorted. See `docs/SOURCE.md` for the full reference.

pub mod value;

mod file;

pub use brine_temp::NamedTempFile;
pub use file::{dump, dump_with, load, load_with};
pub use value::{Error, Options, from_str};

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Anything brine can write as Rust source: every serde value (through a
/// blanket implementation), and code items (brine-code's `Code` and
/// `Items`, which implement it).
///
/// [`to_string`], [`dump`] and [`dump_with`] take any `Source`.
///
/// ```
/// use brine_source::Source;
///
/// assert_eq!(Some('x').to_source()?, "::core::option::Option::Some('x')");
/// assert_eq!(Some('x').source_description(), "a value of type `core::option::Option<char>`");
/// # Ok::<(), brine_source::Error>(())
/// ```
pub trait Source {
    /// The Rust source text: for values, an expression that rebuilds them.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] when the source cannot be produced.
    fn to_source(&self) -> Result<String, Error>;

    /// What the source holds, in words, for the comment at the top of
    /// files: `a value of type `...``.
    fn source_description(&self) -> String;
}

impl<T: serde::Serialize + ?Sized> Source for T {
    fn to_source(&self) -> Result<String, Error> {
        value::to_string(self)
    }

    fn source_description(&self) -> String {
        format!("a value of type `{}`", std::any::type_name::<T>())
    }
}

/// Writes anything that is [`Source`] as Rust source text: for a value, an
/// expression that rebuilds it (see [`value::to_string`]).
///
/// ```
/// assert_eq!(brine_source::to_string(&(1u8, "one"))?, r#"(1, "one".into())"#);
/// assert_eq!(brine_source::to_string(&[0.1f32, f32::NAN])?, "(0.1, f32::NAN).into()");
/// # Ok::<(), brine_source::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] when the value's `Serialize` implementation fails.
pub fn to_string<T: Source + ?Sized>(value: &T) -> Result<String, Error> {
    value.to_source()
}
