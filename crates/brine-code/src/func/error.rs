//! [`Error`]: why a stored function could not be loaded.

/// Why a function stored in a value could not be loaded. Each names the
/// function's id.
///
/// Inside a brine load, it is the [`source`](std::error::Error::source) of
/// [`brine_io::load::Error::Refused`]; under another decoder (serde_json,
/// brine-source's reader) its message is the decoder's custom error.
///
/// ```
/// use brine_code::func::{self, Func};
///
/// #[brine_code::function]
/// fn double(x: i64) -> i64 {
///     x * 2
/// }
///
/// let bytes = brine_io::dump(&brine_code::func!(double))?;
/// // a plain load refuses the envelope before decoding it ...
/// assert!(brine_io::load::<Func<dyn Fn(i64) -> i64 + Send + Sync>>(&bytes).is_err());
/// // ... and the function refuses itself where the header was forged
/// let mut forged = bytes.clone();
/// forged[10] = 0;
/// let error = brine_io::load::<Func<dyn Fn(i64) -> i64 + Send + Sync>>(&forged).unwrap_err();
/// let cause = std::error::Error::source(&error).and_then(|e| e.downcast_ref::<func::Error>());
/// assert!(matches!(cause, Some(func::Error::CodeRefused { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The load did not opt in to code.
    #[error(
        "refusing to load function `{id}`: the load did not opt in to code; load with \
         brine::io::Options::new().trust(Trust::Registry) to call functions registered in this program, \
         or with Trust::Compile to also compile and run the source stored with a function this program \
         does not have (for another decoder, run it inside brine::io::trust::Scope::new(..).run(..))"
    )]
    CodeRefused {
        /// The function's id.
        id: String,
    },
    /// No function of that id is registered in this program.
    #[error(
        "no function `{id}` is registered in this program: expected a fn marked #[brine::function] \
         or a brine::func! closure with that id, linked into this executable (a library loaded at run \
         time does not add to this program's registry); to compile the source stored with it instead, \
         load with Trust::Compile"
    )]
    UnknownId {
        /// The function's id.
        id: String,
    },
    /// Two registrations share the id (a `func!` inside a `macro_rules!`
    /// expanded twice, or two crates of the same name).
    #[error("function `{id}` is registered {count} times in this program: its id does not tell them apart")]
    Ambiguous {
        /// The function's id.
        id: String,
        /// How many registrations have it.
        count: usize,
    },
    /// The stored signature differs from the registered one.
    #[error(
        "function `{id}` was stored with the signature `{stored}`, but this program registers it as \
         `{registered}`"
    )]
    SignatureMismatch {
        /// The function's id.
        id: String,
        /// The signature stored in the value.
        stored: String,
        /// The signature registered in this program.
        registered: String,
    },
    /// The function is registered, but the value asks for another type.
    #[error("function `{id}` has the signature `{registered}`, but it is loaded as `{requested}`")]
    WrongType {
        /// The function's id.
        id: String,
        /// The signature registered in this program.
        registered: String,
        /// The `Func` type asked for.
        requested: String,
    },
    /// The function's source changed since the value was stored.
    #[error(
        "function `{id}` is stale: its source hashed to {stored:#018x} when stored and hashes to \
         {registered:#018x} in this program (allow it with Options::allow_stale(true), or compile the \
         stored source with Trust::Compile)"
    )]
    Stale {
        /// The function's id.
        id: String,
        /// The source hash stored in the value.
        stored: u64,
        /// The source hash of the registered function.
        registered: u64,
    },
    /// Under [`Trust::Compile`](brine_io::Trust::Compile): the function is
    /// not registered here, and was stored without its source
    /// ([`Func::by_reference`](super::Func::by_reference)).
    #[error(
        "function `{id}` is not registered in this program and was stored without its source \
         (Func::by_reference), so it cannot be compiled here: store it with its source, or link it into \
         this program"
    )]
    NoSource {
        /// The function's id.
        id: String,
    },
    /// Under [`Trust::Compile`](brine_io::Trust::Compile): the function's
    /// source cannot be compiled in another program, before rustc runs: a
    /// captured value or a signature of a type that is not std's.
    #[error("function `{id}` cannot be compiled from its stored source: {what}")]
    Unsupported {
        /// The function's id.
        id: String,
        /// What is not supported, naming the capture or type.
        what: String,
    },
    /// Under [`Trust::Compile`](brine_io::Trust::Compile): compiling the
    /// stored source needs rustc, the compiler this program was built
    /// with, and it is missing or another one.
    #[error(
        "function `{id}` is not registered in this program, and compiling its stored source needs rustc: \
         {reason}"
    )]
    NoCompiler {
        /// The function's id.
        id: String,
        /// Which compiler was tried, and what was found.
        reason: String,
    },
    /// Under [`Trust::Compile`](brine_io::Trust::Compile): rustc rejected
    /// the stored source. A fn that uses other items of its crate (fns,
    /// types, constants) is compiled without them unless they are shipped
    /// with it: mark them `#[source]` and list them in
    /// `#[function(uses(..))]`, or nest them inside its body.
    #[error(
        "function `{id}` could not be compiled from its stored source (it is compiled alone, against std: \
         items of its crate that it uses must be listed in #[function(uses(..))] or nested inside its body); \
         rustc said:\n{diagnostics}"
    )]
    CompileFailed {
        /// The function's id.
        id: String,
        /// rustc's error messages, as it printed them.
        diagnostics: String,
    },
    /// Under [`Trust::Compile`](brine_io::Trust::Compile): the library built
    /// from the stored source could not be cached or loaded, or its captured
    /// values could not be bound.
    #[error("function `{id}` could not be built from its stored source: {reason}")]
    Build {
        /// The function's id.
        id: String,
        /// What failed (the cache directory, loading the library, the
        /// captured values).
        reason: String,
    },
}

impl Error {
    /// The id of the function the error is about.
    ///
    /// ```
    /// let error = brine_code::func::Error::UnknownId { id: "app::f".into() };
    /// assert_eq!(error.id(), "app::f");
    /// ```
    pub fn id(&self) -> &str {
        match self {
            Error::CodeRefused { id }
            | Error::UnknownId { id }
            | Error::Ambiguous { id, .. }
            | Error::SignatureMismatch { id, .. }
            | Error::WrongType { id, .. }
            | Error::Stale { id, .. }
            | Error::NoSource { id }
            | Error::Unsupported { id, .. }
            | Error::NoCompiler { id, .. }
            | Error::CompileFailed { id, .. }
            | Error::Build { id, .. } => id,
        }
    }
}
