//! Functions and closures inside serde values: [`Func`].
//!
//! A `Func<dyn Fn(A, B) -> R + Send + Sync>` is a function value that is
//! `Serialize + Deserialize + Clone + Debug` and callable as `f(a, b)`. It is
//! made by [`func!`](macro@crate::func) from a fn marked
//! [`#[function]`](crate::function), or from a closure with an explicit,
//! typed capture list:
//!
//! ```
//! use std::collections::HashMap;
//! use brine_code::func::Func;
//! use brine_io::{Options, Trust};
//!
//! type BinOp = Func<dyn Fn(i64, i64) -> i64 + Send + Sync>;
//!
//! #[brine_code::function]
//! fn test_function(x: i64, y: i64) -> i64 {
//!     x * y + 42
//! }
//!
//! let offset = 10;
//! let mut ops: HashMap<String, BinOp> = HashMap::new();
//! ops.insert("function".into(), brine_code::func!(test_function));
//! ops.insert("shifted".into(), brine_code::func!([offset: i64] |x: i64, y: i64| -> i64 { x + y + offset }));
//!
//! let bytes = brine_io::dump(&ops)?;
//! // code is opt-in: a plain load refuses, an opted-in one calls registered fns
//! assert!(brine_io::load::<HashMap<String, BinOp>>(&bytes).is_err());
//! let back: HashMap<String, BinOp> = Options::new().trust(Trust::Registry).load(&bytes)?;
//! assert_eq!(back["function"](5, 3), 57);
//! assert_eq!(back["shifted"](5, 3), 18);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is stored
//!
//! A function is stored *by reference*: its id (`module::path::name` for a
//! fn, `module::path::{closure@file:line:column}` for a closure), its
//! signature as written, a hash (XXH3-64) of its source, its source text
//! (left out with [`Func::by_reference`], like dill's `byref`), the capture
//! list as written, and the captured values, each a serde value in the
//! payload. No machine code and no address is stored.
//!
//! # How a load finds it
//!
//! Every `#[function]` fn and every `func!` closure registers itself at link
//! time (with the `inventory` crate). A load that opted in
//! ([`Trust::Registry`]) looks the id up in this
//! program's registry, and refuses, each with its own
//! [`Error`] naming the id: a load that did not opt in
//! ([`Error::CodeRefused`]), an id not registered ([`Error::UnknownId`]), a
//! signature that changed ([`Error::SignatureMismatch`]) or differs from the
//! `Func` type asked for ([`Error::WrongType`]), and a source that changed
//! since the dump ([`Error::Stale`], unless
//! [`Options::allow_stale`](brine_io::Options::allow_stale)). A closure is
//! rebuilt from its captured values, in this program's code.
//!
//! Only functions linked into this executable are registered: a library
//! loaded at run time ([`Module`](crate::Module), `dlopen`) registers into
//! its own copy of the registry, which the host never sees.
//!
//! # Across programs: compiling the stored source
//!
//! A value written by another program, or by another build of this one,
//! names functions this program does not register, or registers with
//! another source. A load with [`Trust::Compile`] compiles those from the
//! source stored with them (the fn item as `#[function]` kept it, or the
//! `func!` closure), with rustc and the [`Compiler`](crate::Compiler) set by
//! [`set_compiler`], loads the library and checks the callable's type
//! against the `Func` type asked for; functions the registry has, with the
//! same signature and source, still come from the registry.
//! [`Func::compiled`] tells which. **This runs whatever source the payload
//! carries**: opt in only for payloads you would compile into your program.
//!
//! ```no_run
//! use brine_code::Func;
//! use brine_io::{Options, Trust};
//!
//! // a `Vec` of closures another program dumped to a file
//! let bytes = std::fs::read("jobs.brine")?;
//! let jobs: Vec<Func<dyn Fn(i64) -> i64 + Send + Sync>> =
//!     Options::new().trust(Trust::Compile).load(&bytes)?;
//! println!("{}", jobs[0](5));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What compiles, and what it costs:
//!
//! - **The source is compiled alone**, against `std`: a fn that calls other
//!   items of its crate (fns, types, constants) needs them shipped with it:
//!   marked `#[source]` and listed in `#[function(uses(helper, Point))]`, or
//!   nested inside its body; otherwise rustc's error comes back as
//!   [`Error::CompileFailed`], naming the function's id (and rustc the
//!   missing item).
//! - **Captured values and signatures of std types** work: numbers, `bool`,
//!   `char`, `String`, `()`, `Option`, `Vec`, `VecDeque`, `Box`, sets, maps,
//!   tuples and arrays of them (and references in signatures). A captured
//!   value of another type is refused before rustc runs
//!   ([`Error::Unsupported`], naming the capture and its type); a user type
//!   in a signature fails in rustc, as above.
//! - **One build per source, not per value.** A closure is compiled once
//!   with its captured values as parameters, and each `Func` binds its own:
//!   a hundred closures of one source with a hundred captured values run
//!   rustc at most once, and a source already in the compiler's cache (from
//!   an earlier run) runs it not at all.
//! - **Each failure names the function's id**: no source stored
//!   ([`Error::NoSource`]), no compiler ([`Error::NoCompiler`]), rustc's
//!   errors ([`Error::CompileFailed`]), and without the opt-in
//!   [`Error::CodeRefused`], which names `Trust::Compile`.
//! - **A compiled function lives as long as the process**: its library is
//!   never unloaded (see [`Module`](crate::Module)), so a `Func` and its
//!   clones stay callable. A panic inside it cannot unwind into this
//!   program (the library has its own copy of `std`): its message is
//!   printed (`brine: a function compiled from its stored source panicked:
//!   ..`) and the process aborts. (For a signature whose result borrows,
//!   which a closure cannot spell, the process aborts all the same, with
//!   the runtime's "cannot catch foreign exceptions".)
//!
//! # Signatures
//!
//! Arguments and results may be any types, references included: a
//! `Func<dyn Fn(&str) -> usize + Send + Sync>` is a `dyn for<'a> Fn(&'a
//! str) -> usize` and takes a `&str` of any lifetime. The `Func` type asked
//! for on load must be the `dyn Fn` type of the registered function exactly
//! (compared by `TypeId`); the signature text is compared too, so a
//! function whose signature changed between builds is named in the error.
//!
//! One limit of the envelope's type check: its canonical type name keeps
//! names that contain `dyn` verbatim, so a value holding a `Func` must be
//! loaded as exactly the type it was dumped as (`HashMap<&str, Func<..>>`
//! does not load as `HashMap<String, Func<..>>`, as it would without the
//! `Func`), or with `Options::check_type(false)`.
//!
//! # In other formats
//!
//! A `Func` serializes as a struct of those fields in any serde format
//! (serde_json, brine-source's Rust source). Loading it needs the opt-in
//! there too: run the decoder inside
//! [`brine_io::trust::Scope::run`]; without it, the function refuses itself
//! with the decoder's custom error carrying [`Error::CodeRefused`]'s message.
//!
//! ```
//! use brine_code::Func;
//! use brine_io::{Trust, trust::Scope};
//!
//! let factor = 3;
//! let f: Func<dyn Fn(i64) -> i64 + Send + Sync> =
//!     brine_code::func!([factor: i64] |x: i64| -> i64 { x * factor });
//!
//! let json = serde_json::to_string(&f)?;
//! assert!(json.contains(r#""captures_declared":"factor: i64","captures":[3]"#));
//! assert!(serde_json::from_str::<Func<dyn Fn(i64) -> i64 + Send + Sync>>(&json).is_err());
//! let back: Func<dyn Fn(i64) -> i64 + Send + Sync> =
//!     Scope::new(Trust::Registry).run(|| serde_json::from_str(&json))?;
//! assert_eq!(back(2), 6);
//!
//! let text = brine_source::to_string(&f)?; // `Func { id: "..", .., captures: (3,) }`
//! assert!(text.contains("captures: (3,)"));
//! let back: Func<dyn Fn(i64) -> i64 + Send + Sync> =
//!     Scope::new(Trust::Registry).run(|| brine_source::from_str(&text))?;
//! assert_eq!(back(2), 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::any::{TypeId, type_name};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use brine_io::Trust;
use brine_io::trust::Scope;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod captured;
mod compiled;
mod error;
pub(crate) mod registry;

pub use compiled::set_compiler;
pub use error::Error;
pub use registry::registered;
#[doc(hidden)]
pub use registry::{Built, Entry, Make, Registration};

/// Captured values, as a `Func` keeps them: serializable, printable.
#[doc(hidden)]
pub trait Captures: erased_serde::Serialize + fmt::Debug + Send + Sync {}

impl<T: Serialize + fmt::Debug + Send + Sync> Captures for T {}

erased_serde::serialize_trait_object!(Captures);

/// A function value: callable, and stored by reference inside any serde
/// value. See the [module docs](self).
///
/// `F` is the `dyn Fn` type it derefs to, e.g. `dyn Fn(i64) -> i64 + Send +
/// Sync`, so `f(5)` calls it.
///
/// ```
/// use brine_code::func::Func;
///
/// #[brine_code::function]
/// fn len(text: &str) -> usize {
///     text.len()
/// }
///
/// let f: Func<dyn Fn(&str) -> usize + Send + Sync> = brine_code::func!(len);
/// assert_eq!(f("four"), 4);
/// assert!(f.id().ends_with("::len"));
/// assert_eq!(f.signature(), "fn(&str) -> usize");
/// ```
pub struct Func<F: ?Sized> {
    call: Arc<F>,
    entry: Origin,
    captures: Option<Arc<dyn Captures>>,
    keep_source: bool,
}

/// Where a `Func`'s callable comes from: this program's registry, or a
/// library compiled from the stored source (kept, as its library is, for
/// the life of the process).
#[derive(Debug, Clone, Copy)]
enum Origin {
    Registered(&'static Entry),
    Compiled(&'static compiled::Compiled),
}

impl Origin {
    fn id(self) -> &'static str {
        match self {
            Origin::Registered(entry) => entry.id,
            Origin::Compiled(compiled) => compiled.id,
        }
    }

    fn signature(self) -> &'static str {
        match self {
            Origin::Registered(entry) => entry.signature,
            Origin::Compiled(compiled) => compiled.signature,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Origin::Registered(entry) => entry.shipped_source(),
            Origin::Compiled(compiled) => compiled.source,
        }
    }

    fn source_hash(self) -> u64 {
        match self {
            Origin::Registered(entry) => entry.source_hash,
            Origin::Compiled(compiled) => compiled.source_hash,
        }
    }

    fn captures(self) -> &'static str {
        match self {
            Origin::Registered(entry) => entry.captures,
            Origin::Compiled(compiled) => compiled.captures,
        }
    }
}

impl<F: ?Sized> Func<F> {
    /// The function's stable id: `module::path::name` for a fn,
    /// `module::path::{closure@file:line:column}` for a closure.
    ///
    /// ```
    /// let f = brine_code::func!(|x: u8| -> u8 { x });
    /// assert!(f.id().contains("::{closure@") && f.id().ends_with('}'));
    /// ```
    pub fn id(&self) -> &'static str {
        self.entry.id()
    }

    /// The signature as written, e.g. `fn(i64, i64) -> i64`.
    ///
    /// ```
    /// let f = brine_code::func!(|x: u8, y: u8| -> u16 { u16::from(x) + u16::from(y) });
    /// assert_eq!(f.signature(), "fn(u8, u8) -> u16");
    /// ```
    pub fn signature(&self) -> &'static str {
        self.entry.signature()
    }

    /// The source text a value stores: the fn item (followed by the items
    /// it lists in `#[function(uses(..))]`), or the `func!` input of a
    /// closure.
    ///
    /// ```
    /// let n = 1;
    /// let f = brine_code::func!([n: u32] |x: u32| -> u32 { x + n });
    /// assert_eq!(f.source(), "[n: u32] |x: u32| -> u32 { x + n }");
    /// ```
    pub fn source(&self) -> &'static str {
        self.entry.source()
    }

    /// The hash of [`source`](Self::source) a load compares (XXH3-64): of
    /// the fn's own text, without the items of `uses`.
    ///
    /// ```
    /// let f = brine_code::func!(|| -> u8 { 1 });
    /// assert_eq!(f.source_hash(), brine_code::func::source_hash(f.source()));
    /// ```
    pub fn source_hash(&self) -> u64 {
        self.entry.source_hash()
    }

    /// Whether this function was compiled from the source stored with it
    /// (by a load with [`Trust::Compile`] that found no match in this
    /// program's registry), rather than found in the registry.
    ///
    /// ```
    /// let f = brine_code::func!(|x: u8| -> u8 { x });
    /// assert!(!f.compiled());
    /// ```
    pub fn compiled(&self) -> bool {
        matches!(self.entry, Origin::Compiled(_))
    }

    /// The same function, stored without its source text: by reference
    /// only, like dill's `byref=True`. Smaller, and enough to load in this
    /// program; a program that does not have the function registered could
    /// not rebuild it from the source.
    ///
    /// ```
    /// let f = brine_code::func!(|x: u8| -> u8 { x });
    /// let full = brine_io::dump(&f)?.len();
    /// let by_ref = brine_io::dump(&f.clone().by_reference())?.len();
    /// assert!(by_ref < full);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn by_reference(mut self) -> Self {
        self.keep_source = false;
        self
    }
}

/// The hash brine stores for a function's source: XXH3-64 of its text.
///
/// ```
/// assert_eq!(brine_code::func::source_hash(""), 0x2d06800538d394c2);
/// ```
pub fn source_hash(source: &str) -> u64 {
    twox_hash::XxHash3_64::oneshot(source.as_bytes())
}

impl<F: ?Sized> Deref for Func<F> {
    type Target = F;

    fn deref(&self) -> &F {
        &self.call
    }
}

impl<F: ?Sized> Clone for Func<F> {
    fn clone(&self) -> Self {
        Func {
            call: Arc::clone(&self.call),
            entry: self.entry,
            captures: self.captures.clone(),
            keep_source: self.keep_source,
        }
    }
}

impl<F: ?Sized> fmt::Debug for Func<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Func");
        out.field("id", &self.entry.id()).field("signature", &self.entry.signature());
        if let Some(captures) = &self.captures {
            out.field("captures", captures);
        }
        out.finish()
    }
}

const FIELDS: &[&str] = &["id", "signature", "source_hash", "source", "captures_declared", "captures"];

impl<F: ?Sized> Serialize for Func<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        brine_io::trust::mark_code();
        let entry = self.entry;
        let mut out = serializer.serialize_struct("Func", FIELDS.len())?;
        out.serialize_field("id", entry.id())?;
        out.serialize_field("signature", entry.signature())?;
        out.serialize_field("source_hash", &entry.source_hash())?;
        out.serialize_field("source", &self.keep_source.then_some(entry.source()))?;
        out.serialize_field("captures_declared", entry.captures())?;
        match &self.captures {
            Some(captures) => out.serialize_field("captures", &**captures)?,
            None => out.serialize_field("captures", &())?,
        }
        out.end()
    }
}

impl<'de, F: ?Sized + 'static> Deserialize<'de> for Func<F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Func", FIELDS, FuncVisitor::<F>(PhantomData))
    }
}

struct FuncVisitor<F: ?Sized>(PhantomData<fn() -> Box<F>>);

/// The fields after the id, read from a sequence or a map in order.
trait Fields<'de> {
    type Error: de::Error;
    fn field<T: Deserialize<'de>>(&mut self, index: usize) -> Result<T, Self::Error>;
    fn seed<S: DeserializeSeed<'de>>(&mut self, index: usize, seed: S) -> Result<S::Value, Self::Error>;
}

impl<'de, F: ?Sized + 'static> Visitor<'de> for FuncVisitor<F> {
    type Value = Func<F>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a function stored by brine ({})", type_name::<F>())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Func<F>, A::Error> {
        read(&mut InSeq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Func<F>, A::Error> {
        read(&mut InMap(map))
    }
}

/// Reads a function's fields, checking each as soon as it is read: trust and
/// registration after the id, then signature, staleness and type, and only
/// then the captured values, which are read by the registered code.
///
/// Under [`Trust::Compile`], a function this program does not register, or
/// registers with another signature or source (another build), is compiled
/// from the stored source instead ([`compiled`]).
fn read<'de, F: ?Sized + 'static, A: Fields<'de>>(fields: &mut A) -> Result<Func<F>, A::Error> {
    let id: Str<'de> = fields.field(0)?;
    let scope = Scope::current();
    if scope.trust() < Trust::Registry {
        return Err(brine_io::load::raise(Error::CodeRefused { id: id.0.into_owned() }));
    }
    let compile = scope.trust() >= Trust::Compile;
    let entry = match registry::lookup(&id.0) {
        Ok(entry) => Some(entry),
        Err(_) if compile => None,
        Err(error) => return Err(brine_io::load::raise(error)),
    };
    let signature: Str<'de> = fields.field(1)?;
    let hash: u64 = fields.field(2)?;
    if let Some(entry) = entry {
        match check_registered::<F>(entry, &signature.0, hash, scope) {
            Ok(()) => return read_registered(fields, entry),
            // another build's function of the same id: its own source decides
            Err(Error::SignatureMismatch { .. } | Error::Stale { .. }) if compile => {}
            Err(error) => return Err(brine_io::load::raise(error)),
        }
    }
    read_compiled(fields, &id.0, &signature.0, hash)
}

/// Whether the registered `entry` is the stored function, as `F`.
fn check_registered<F: ?Sized + 'static>(
    entry: &'static Entry,
    signature: &str,
    hash: u64,
    scope: Scope,
) -> Result<(), Error> {
    if signature != entry.signature {
        return Err(Error::SignatureMismatch {
            id: entry.id.to_owned(),
            stored: signature.to_owned(),
            registered: entry.signature.to_owned(),
        });
    }
    if hash != entry.source_hash && !scope.stale_allowed() {
        return Err(Error::Stale { id: entry.id.to_owned(), stored: hash, registered: entry.source_hash });
    }
    if (entry.dyn_type)() != TypeId::of::<F>() {
        return Err(Error::WrongType {
            id: entry.id.to_owned(),
            registered: entry.signature.to_owned(),
            requested: format!("Func<{}>", type_name::<F>()),
        });
    }
    Ok(())
}

/// The rest of a function resolved through the registry.
fn read_registered<'de, F: ?Sized + 'static, A: Fields<'de>>(
    fields: &mut A,
    entry: &'static Entry,
) -> Result<Func<F>, A::Error> {
    let _source: Option<Skipped> = fields.field(3)?;
    let declared: Str<'de> = fields.field(4)?;
    if declared.0 != entry.captures {
        // the source hash covers the capture list: only a stale load gets here
        return Err(brine_io::load::raise(Error::SignatureMismatch {
            id: entry.id.to_owned(),
            stored: format!("captures [{}]", declared.0),
            registered: format!("captures [{}]", entry.captures),
        }));
    }
    let wrong_type = || {
        brine_io::load::raise(Error::WrongType {
            id: entry.id.to_owned(),
            registered: (entry.dyn_name)().to_owned(),
            requested: format!("Func<{}>", type_name::<F>()),
        })
    };
    let origin = Origin::Registered(entry);
    if let Make::Item(make) = entry.make {
        // a fn item has no captures; its callable is made once and shared
        let () = fields.field(5)?;
        let call = entry.made.get_or_init(make).downcast_ref::<Arc<F>>().ok_or_else(wrong_type)?;
        return Ok(Func { call: Arc::clone(call), entry: origin, captures: None, keep_source: true });
    }
    let (call, captures) = fields.seed(5, CaptureSeed(entry))?;
    let call = call.downcast::<Arc<F>>().map_err(|_| wrong_type())?;
    Ok(Func { call: *call, entry: origin, captures, keep_source: true })
}

/// The rest of a function compiled from its stored source: one library per
/// source, the captured values bound by its maker.
fn read_compiled<'de, F: ?Sized + 'static, A: Fields<'de>>(
    fields: &mut A,
    id: &str,
    signature: &str,
    hash: u64,
) -> Result<Func<F>, A::Error> {
    let source: Option<Str<'de>> = fields.field(3)?;
    let declared: Str<'de> = fields.field(4)?;
    let stored = compiled::Stored {
        id,
        signature,
        source_hash: hash,
        source: source.as_ref().map(|source| &*source.0),
        captures: &declared.0,
    };
    let compiled = compiled::resolve(&stored).map_err(brine_io::load::raise)?;
    let values = fields.seed(5, captured::ShapeSeed(&compiled.shape))?;
    let mut bytes = Vec::new();
    captured::encode(&values, &mut bytes);
    let made = (compiled.maker)(&bytes).map_err(|reason| {
        brine_io::load::raise(Error::Build {
            id: id.to_owned(),
            reason: format!("its captured values could not be bound: {reason}"),
        })
    })?;
    let call = made.downcast::<Arc<F>>().map_err(|_| {
        brine_io::load::raise(Error::WrongType {
            id: id.to_owned(),
            registered: compiled.signature.to_owned(),
            requested: format!("Func<{}>", type_name::<F>()),
        })
    })?;
    let captures: Option<Arc<dyn Captures>> =
        if compiled.captures.is_empty() { None } else { Some(Arc::new(values)) };
    Ok(Func { call: *call, entry: Origin::Compiled(compiled), captures, keep_source: true })
}

struct InSeq<A>(A);

impl<'de, A: SeqAccess<'de>> Fields<'de> for InSeq<A> {
    type Error = A::Error;

    fn field<T: Deserialize<'de>>(&mut self, index: usize) -> Result<T, A::Error> {
        self.0
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(index, &"6 fields of a stored function"))
    }

    fn seed<S: DeserializeSeed<'de>>(&mut self, index: usize, seed: S) -> Result<S::Value, A::Error> {
        self.0
            .next_element_seed(seed)?
            .ok_or_else(|| de::Error::invalid_length(index, &"6 fields of a stored function"))
    }
}

struct InMap<A>(A);

impl<'de, A: MapAccess<'de>> InMap<A> {
    fn key(&mut self, index: usize) -> Result<(), A::Error> {
        let key: Option<Str<'de>> = self.0.next_key()?;
        match key {
            Some(key) if key.0 == FIELDS[index] => Ok(()),
            Some(key) => Err(de::Error::custom(format_args!(
                "expected the field `{}` of a stored function, found `{}` (fields come in the order brine writes them)",
                FIELDS[index], key.0
            ))),
            None => Err(de::Error::missing_field(FIELDS[index])),
        }
    }
}

impl<'de, A: MapAccess<'de>> Fields<'de> for InMap<A> {
    type Error = A::Error;

    fn field<T: Deserialize<'de>>(&mut self, index: usize) -> Result<T, A::Error> {
        self.key(index)?;
        self.0.next_value()
    }

    fn seed<S: DeserializeSeed<'de>>(&mut self, index: usize, seed: S) -> Result<S::Value, A::Error> {
        self.key(index)?;
        self.0.next_value_seed(seed)
    }
}

/// Reads the captured values with the registered code of `entry`.
struct CaptureSeed(&'static Entry);

impl<'de> DeserializeSeed<'de> for CaptureSeed {
    type Value = Built;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Built, D::Error> {
        match self.0.make {
            Make::Item(make) => {
                <()>::deserialize(deserializer)?;
                Ok((make(), None))
            }
            Make::Closure(rebuild) => {
                let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
                rebuild(&mut erased).map_err(de::Error::custom)
            }
        }
    }
}

/// A string read and dropped: as bytes where the format is not human
/// readable (postcard writes both alike), so its UTF-8 is not checked.
struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SkipVisitor;
        impl<'de> Visitor<'de> for SkipVisitor {
            type Value = Skipped;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a function's source text")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Skipped, E> {
                Ok(Skipped)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Skipped, E> {
                Ok(Skipped)
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_str(SkipVisitor)
        } else {
            deserializer.deserialize_bytes(SkipVisitor)
        }
    }
}

/// A string borrowed from the input where the format allows.
struct Str<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

// -- what the macros' generated code calls (through `__private`) -----------

/// A `Func` for a fn item.
#[doc(hidden)]
pub fn item<F: ?Sized>(entry: &'static Entry, call: Arc<F>) -> Func<F> {
    Func { call, entry: Origin::Registered(entry), captures: None, keep_source: true }
}

/// A `Func` for a closure made by `make` from its captured values.
#[doc(hidden)]
pub fn closure<F: ?Sized, C: Captures + Clone + 'static>(
    entry: &'static Entry,
    make: fn(C) -> Arc<F>,
    captures: C,
) -> Func<F> {
    Func {
        call: make(captures.clone()),
        entry: Origin::Registered(entry),
        captures: Some(Arc::new(captures)),
        keep_source: true,
    }
}

/// The callable of a fn item, as an entry makes it.
#[doc(hidden)]
pub fn make_item<F: ?Sized + Send + Sync + 'static>(call: Arc<F>) -> Box<dyn std::any::Any + Send + Sync> {
    Box::new(call)
}

/// Rebuilds a closure: reads its captured values and makes it.
#[doc(hidden)]
pub fn rebuild_closure<F, C>(
    deserializer: &mut dyn erased_serde::Deserializer<'_>,
    make: fn(C) -> Arc<F>,
) -> Result<Built, erased_serde::Error>
where
    F: ?Sized + Send + Sync + 'static,
    C: DeserializeOwned + Captures + Clone + 'static,
{
    let captures: C = erased_serde::deserialize(deserializer)?;
    let call: Box<dyn std::any::Any + Send + Sync> = Box::new(make(captures.clone()));
    Ok((call, Some(Arc::new(captures))))
}

/// `TypeId` and name of `F`, for an entry.
#[doc(hidden)]
pub fn dyn_type<F: ?Sized + 'static>() -> TypeId {
    TypeId::of::<F>()
}

#[doc(hidden)]
pub fn dyn_name<F: ?Sized + 'static>() -> &'static str {
    type_name::<F>()
}
