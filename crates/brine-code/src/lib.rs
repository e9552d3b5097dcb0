//! Code as Rust source: keep an item's source at compile time, and compile
//! and load source at run time.
//!
//! This is the half of brine that runs code; values as source (written and
//! read back without a compiler) live in [`brine_source`], which this crate
//! builds on.
//!
//! Rust has no source at run time, so brine keeps it at compile time:
//! [`#[source]`](crate::source) stores an item's exact text (formatting and
//! comments included), name, kind, file and line, and
//! [`source_of!`](crate::source_of) hands it back as a `&'static` [`Code`].
//! A [`Code`], a list of them ([`Items`]), or one renamed with
//! [`Code::alias`] is [`brine_source::Source`], so
//! [`brine_source::to_string`] and [`brine_source::dump`] write it like
//! any value. [`Module::compile`] and [`Module::load`] go the other way:
//! they build a library from source with rustc, load it, and hand out its
//! `pub fn`s as plain function pointers after checking their signatures.
//! This is Python's `dill.temp.dump_source(f, alias='_f')` / `load_source`
//! for functions.
//!
//! ```
//! use brine_code::Module;
//!
//! /// The square of `x`.
//! #[brine_code::source]
//! pub fn f(x: i64) -> i64 {
//!     x * x
//! }
//!
//! let code = brine_code::source_of!(f);
//! assert_eq!(code.text(), "/// The square of `x`.\npub fn f(x: i64) -> i64 {\n    x * x\n}");
//!
//! // dill's `dump_source(f, alias='_f')`: a `.rs` file holding `pub fn _f`
//! let file = brine_source::dump(&code.alias("_f")?)?;
//!
//! # let cache = tempfile::tempdir()?;
//! # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
//! // `load_source`: compile it (once: later loads come from the cache) and load it
//! # let module = compiler.load(&file)?;
//! # /*
//! let module = Module::load(&file)?;
//! # */
//! let _f = module.get::<fn(i64) -> i64>("_f")?;
//! assert_eq!(_f(4), f(4));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Loading code runs code
//!
//! [`Module::compile`] runs rustc on the text, and a loaded library's code
//! runs in this process, with its rights: it is Python's `exec`, not its
//! `ast.literal_eval`. Load only source you would compile into your own
//! program. (Reading *values* back with [`brine_source::from_str`] runs
//! no code at all.)
//!
//! # What the source can use
//!
//! The source is compiled alone, as a crate of its own, against `std`: it
//! can use `std`, `core` and `alloc`, and the items it holds, but no other
//! crate, and no item of the program that kept it. Dump a function with the
//! functions and types it uses ([`Items`]), and write paths that do not
//! start from `crate::` of the original program.
//!
//! # What gets exported
//!
//! Every `pub fn` at the top level of the source, and every `pub const` or
//! `pub static` whose type is a function pointer (`pub const F: fn(i64) ->
//! i64 = |x| x * x;`), unless it has type or const parameters, a `where`
//! clause, `impl Trait` in its signature, or is `async`, `unsafe` or
//! `extern`. Each gets two shims: one with the same signature, for
//! [`Module::get`], and one that returns a panic as `Err(message)`
//! (unprinted), for
//! [`Module::get_catching`]. A panic never unwinds into the caller: through
//! `get`'s pointer it prints its message and aborts the process, as a panic
//! reaching an `extern "C"` boundary does.
//!
//! # Signatures
//!
//! Each shim reports the name that `std::any::type_name` gives its function
//! pointer type, computed by the same compiler as the host (which
//! [`Compiler`] checks), and [`Module::get`] compares it with the host's
//! type name for the requested type. Types the module defines itself are
//! named after the module's crate, so they never match a host type of the
//! same name: only signatures made of types both sides share (primitives,
//! `&str`, `&[T]`, `Vec`, `String`, `Option`, ...) can be called. The type
//! names tell `'static` from other lifetimes but not those apart:
//! `for<'a, 'b> fn(&'a str, &'b str) -> &'a str` and the same returning
//! `&'b str` both read `fn(&'_ str, &'_ str) -> &'_ str`. So [`Module::get`]
//! refuses ([`Error::Lifetimes`]) a function whose signature names a
//! lifetime, or whose elided output lifetime does not come from exactly one
//! input (`fn(&str, usize) -> &str` is served; `fn pick<'a, 'b>(a: &'a str,
//! b: &'b str) -> &'b str` is not); the unsafe [`Module::get_unchecked`]
//! serves those, once the caller has checked the lifetimes.
//!
//! A function's name may be any Rust identifier (`größe` too): the shims'
//! symbols spell a name that is not ASCII in hex, and the name to ask for is
//! the one written.
//! Owned values (`Vec`, `String`, `Box`) cross in both directions, so the
//! library and the host must share an allocator: both use the system
//! allocator unless the host sets a `#[global_allocator]`; a host that does
//! must not pass or receive owned heap values.
//!
//! # The cache, and what stays loaded
//!
//! Built libraries are kept in a cache directory, one file per build, named
//! after a SHA-256 of the source, the compiler's whole `rustc -vV`, the
//! target and the flags: loading the same source again runs no rustc. The
//! directory is [`Compiler::cache_dir`], else `$BRINE_CACHE_DIR`, else
//! `brine` in the user's own cache directory (`$XDG_CACHE_HOME/brine` or
//! `~/.cache/brine` on Linux, `~/Library/Caches/brine` on macOS,
//! `%LOCALAPPDATA%\brine` on Windows; see [`default_cache_dir`]), else
//! [`Error::NoCacheDir`]: never a shared directory such as `/tmp`.
//! Deleting the directory clears it.
//!
//! What is checked before anything in the cache is loaded:
//!
//! - **The directory is private.** brine creates it owner-only (0700), and
//!   on Unix refuses ([`Error::CacheNotPrivate`], naming it) one owned by
//!   another user or writable by its group or by everyone, before it reads
//!   anything in it. Off Unix, owners and permissions are not checked: the
//!   directory is trusted as the user's own (as `%LOCALAPPDATA%` is).
//! - **The entry is whole.** Each library has a record beside it
//!   (`<library>.check`: its crate, size and SHA-256); a library whose
//!   record is missing or does not match, or that still fails to load, is
//!   rebuilt, never loaded. Files enter the cache under a temporary name,
//!   are fsynced, then renamed into place.
//! - **The compiler is the host's.** Before a build, the compiler asked
//!   for is resolved in the current directory to its absolute path, checked
//!   with `rustc -vV`, and that same path builds (see [`Compiler::check`]).
//!
//! The record detects damage (a truncated file, a crash mid-write), not a
//! forgery: whoever can write to the private directory is the user, who
//! can run code anyway.
//!
//! A loaded library stays loaded until the process exits: brine never
//! unloads one (unloading runs thread-local destructors after their code is
//! gone, and would leave the function pointers handed out dangling), so
//! every pointer from [`Module::get`] stays valid for the life of the
//! process.

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

mod cache;
mod compile;
mod error;
mod exports;
pub mod func;
mod item;
mod load;
mod toolchain;

pub use compile::{Compiler, default_cache_dir};
pub use error::Error;
pub use item::{Code, Items, Kind, TextOrigin};
pub use load::Module;

pub use brine_code_macros::{function, source};
pub use func::Func;

/// Builds a [`Func`] from a fn marked [`#[function]`](macro@function), or
/// from a closure with an explicit, typed capture list whose values are
/// stored in the payload: dill's pickled functions and lambdas.
///
/// - `func!(path::to::f)`: the fn `f`, marked `#[function]`.
/// - `func!([a: A, b: B = expr] |x: X| -> R { .. })`: a closure; each
///   capture is a local variable of that name (or `expr`), a serde value
///   (`Serialize + Deserialize + Clone + Debug + Send + Sync`) kept in the
///   `Func` and stored with it. The closure is `move`, takes typed
///   arguments and writes its return type; it may use only its arguments,
///   its captures and items, not other locals (the compiler says so).
///
/// A closure's id is its place in the source (file, line, column), so a
/// `func!` written inside a `macro_rules!` that expands more than once is
/// registered more than once, and loading it fails with
/// [`func::Error::Ambiguous`]: write the `func!` outside the macro. A path
/// to a fn not marked `#[function]` fails to compile, naming the hidden
/// `__brine_func_<name>` it looked for. `#[function]` keeps the source as
/// `#[source]` does (`source_of!` works), so a fn takes one or the other.
///
/// ```
/// use brine_code::Func;
///
/// let factor = 3;
/// let triple: Func<dyn Fn(i64) -> i64 + Send + Sync> =
///     brine_code::func!([factor: i64] move |x: i64| -> i64 { x * factor });
/// assert_eq!(triple(5), 15);
///
/// let bytes = brine_io::dump(&triple)?;
/// let back: Func<dyn Fn(i64) -> i64 + Send + Sync> =
///     brine_io::Options::new().trust(brine_io::Trust::Registry).load(&bytes)?;
/// assert_eq!(back(7), 21); // rebuilt from the stored `factor`
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[macro_export]
macro_rules! func {
    ($($input:tt)+) => {
        $crate::__private::func!($crate; $($input)+)
    };
}

/// What the macros' generated code calls: not public API, no stability
/// promise (as serde's `__private`).
#[doc(hidden)]
pub mod __private {
    pub use crate::func::{
        Entry, Make, Registration, closure, dyn_name, dyn_type, item, make_item, rebuild_closure,
    };
    pub use crate::item::{Code, Kept, Kind, kept};
    pub use brine_code_macros::{
        __func as func, __function_in_facade as function_in_facade, __source_in_facade as source_in_facade,
        __source_of as source_of,
    };
    pub use inventory;
    pub use std::sync::OnceLock;
}
