//! [`Module`]: a loaded library and its exported functions.
//!
//! The one place in brine-code with `unsafe`: opening a library runs its
//! initialisers, a symbol's address becomes a typed `fn` pointer, and the
//! cache's owner check asks the system who this process runs as.

#![allow(unsafe_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use libloading::Library;

use super::exports::{self, Table};
use super::{Compiler, Error};

/// One row of a library's export table: name, plain signature, catching
/// signature, and whether the signatures (their type names) are all there
/// is to check.
type Row = (&'static str, &'static str, &'static str, bool);

/// A library built from Rust source and loaded into this process, with its
/// exported functions and their signatures.
///
/// Loading runs the library's code in this process: see
/// [the module docs](crate#loading-code-runs-code). The library stays
/// loaded for the life of the process, so the `fn` pointers a `Module` hands
/// out never dangle, even after the `Module` is dropped.
///
/// ```
/// use brine_code::Module;
/// # let cache = tempfile::tempdir()?;
/// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
///
/// let source = r#"
///     pub fn greet(name: &str) -> String {
///         format!("hello, {name}")
///     }
/// "#;
/// # let module = compiler.compile(source)?;
/// # /*
/// let module = Module::compile(source)?;
/// # */
/// assert_eq!(module.names().collect::<Vec<_>>(), ["greet"]);
/// assert_eq!(module.signature("greet"), Some("fn(&'_ str) -> alloc::string::String"));
/// let greet = module.get::<fn(&str) -> String>("greet")?;
/// assert_eq!(greet("brine"), "hello, brine");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Module {
    library: &'static Library,
    krate: Arc<str>,
    path: Arc<Path>,
    exports: &'static [Row],
    compiled: bool,
}

impl Module {
    /// Builds `source` into a library with the default [`Compiler`] (rustc
    /// from `$RUSTC` or `PATH`, which must be the compiler this program was
    /// built with; the default cache directory) and loads it. The same
    /// source a second time, in this process or a later one, is taken from
    /// the cache without running rustc.
    ///
    /// ```no_run
    /// let module = brine_code::Module::compile("pub fn one() -> u8 { 1 }")?;
    /// assert_eq!(module.get::<fn() -> u8>("one")?(), 1);
    /// # Ok::<(), brine_code::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`Compiler::compile`]: a syntax error, rustc's diagnostics, a
    /// missing or different compiler, no cache directory, one that is not
    /// private, an unwritable cache.
    pub fn compile(source: &str) -> Result<Module, Error> {
        Compiler::new().compile(source)
    }

    /// Reads a `.rs` file, such as one [`brine_source::dump`] wrote, and
    /// [`compile`](Self::compile)s it.
    ///
    /// ```no_run
    /// #[brine_code::source]
    /// pub fn twice(x: u32) -> u32 { 2 * x }
    ///
    /// let file = brine_source::dump(brine_code::source_of!(twice))?;
    /// let module = brine_code::Module::load(&file)?;
    /// assert_eq!(module.get::<fn(u32) -> u32>("twice")?(21), 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; otherwise as for
    /// [`compile`](Self::compile).
    pub fn load(path: impl AsRef<Path>) -> Result<Module, Error> {
        Compiler::new().load(path)
    }

    /// The library at `path` when this process has already opened it: it is
    /// the one loaded, whatever the file holds now.
    pub(crate) fn already_open(path: &Path, krate: &str) -> Option<Module> {
        let library = *open_libraries().get(path)?;
        let exports = table(library, path, krate).ok()?;
        Some(Module { library, krate: krate.into(), path: path.into(), exports, compiled: false })
    }

    /// Opens (once per process) the library at `path`, built as crate `krate`.
    pub(crate) fn open(path: &Path, krate: &str, compiled: bool) -> Result<Module, Error> {
        let library = open_library(path)?;
        let exports = table(library, path, krate)?;
        Ok(Module { library, krate: krate.into(), path: path.into(), exports, compiled })
    }

    /// The exported function `name`, as a plain `fn` pointer of type `F`,
    /// when its signature is `F`.
    ///
    /// Call it like any function. It stays valid for the life of the
    /// process. If it panics, the panic's message is printed and the process
    /// aborts (a panic never unwinds into the caller); use
    /// [`get_catching`](Self::get_catching) to get a panic as an error.
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.compile("pub fn add(x: i64, y: i64) -> i64 { x + y }")?;
    /// let add = module.get::<fn(i64, i64) -> i64>("add")?;
    /// assert_eq!(add(40, 2), 42);
    ///
    /// let error = module.get::<fn(i32, i32) -> i32>("add").unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "`add` has the signature `fn(i64, i64) -> i64`, but `fn(i32, i32) -> i32` was asked for"
    /// );
    /// let error = module.get::<fn(i64, i64) -> i64>("sub").unwrap_err();
    /// assert_eq!(error.to_string(), "expected a function named `sub` in the module, found only `add`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// The signature is compared through `std::any::type_name`, which
    /// prints every lifetime but `'static` as `'_`. So `get` refuses a
    /// function whose signature names a lifetime (`fn pick<'a, 'b>(a: &'a
    /// str, b: &'b str) -> &'b str`), or whose elided output lifetime does
    /// not come from exactly one input: for those, check the lifetimes
    /// yourself and use [`get_unchecked`](Self::get_unchecked).
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.compile("pub fn first(s: &str) -> &str { &s[..1] }
    ///                                pub fn pick<'a, 'b>(a: &'a str, b: &'b str) -> &'b str { b }")?;
    /// assert_eq!(module.get::<fn(&str) -> &str>("first")?("brine"), "b");
    /// let error = module.get::<for<'a, 'b> fn(&'a str, &'b str) -> &'a str>("pick").unwrap_err();
    /// assert!(matches!(error, brine_code::Error::Lifetimes { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] (listing the names there are) when the module
    /// exports no `name`, [`Error::Signature`] (naming both signatures) when
    /// its signature is not `F`, [`Error::Lifetimes`] when its signature has
    /// lifetimes that type names cannot check.
    pub fn get<F: Copy + 'static>(&self, name: &str) -> Result<F, Error> {
        let (_, plain, _, checkable) = self.export(name)?;
        if !checkable {
            return Err(Error::Lifetimes { name: name.to_owned(), signature: plain.to_owned() });
        }
        self.symbol::<F>(name, plain, &exports::plain_symbol(&self.krate, name))
    }

    /// The exported function `name`, as [`get`](Self::get) gives it, also
    /// when its signature has lifetimes that type names cannot tell apart.
    ///
    /// The type is still compared through its type name, which checks
    /// everything but which lifetime is which.
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.compile("pub fn pick<'a, 'b>(a: &'a str, b: &'b str) -> &'b str { b }")?;
    /// // SAFETY: `pick` returns its second argument, and so does this type
    /// let pick = unsafe { module.get_unchecked::<for<'a, 'b> fn(&'a str, &'b str) -> &'b str>("pick")? };
    /// assert_eq!(pick("one", "two"), "two");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Safety
    ///
    /// `F` must have the lifetimes of the function as written in the
    /// source ([`Error::Lifetimes`] from `get` says which signature that
    /// is): every reference `F` returns must borrow from the arguments the
    /// source's signature borrows it from, and `F` must not promise a
    /// longer lifetime (`'static`, or one of another argument) than the
    /// source does. Otherwise safe code can read freed memory.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] and [`Error::Signature`], as for `get`.
    pub unsafe fn get_unchecked<F: Copy + 'static>(&self, name: &str) -> Result<F, Error> {
        let (_, plain, _, _) = self.export(name)?;
        self.symbol::<F>(name, plain, &exports::plain_symbol(&self.krate, name))
    }

    /// The exported function `name` with a panic turned into an error: `F`
    /// is its signature with the return type `R` replaced by
    /// `Result<R, String>`, and a panic returns `Err(message)` (the panic
    /// hook does not print it while the call runs).
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.compile("pub fn div(x: i64, y: i64) -> i64 { x / y }")?;
    /// let div = module.get_catching::<fn(i64, i64) -> Result<i64, String>>("div")?;
    /// assert_eq!(div(7, 2), Ok(3));
    /// assert_eq!(div(7, 0), Err("attempt to divide by zero".to_string()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn get_catching<F: Copy + 'static>(&self, name: &str) -> Result<F, Error> {
        let (_, _, catching, checkable) = self.export(name)?;
        if !checkable {
            return Err(Error::Lifetimes { name: name.to_owned(), signature: catching.to_owned() });
        }
        self.symbol::<F>(name, catching, &exports::try_symbol(&self.krate, name))
    }

    /// [`get_catching`](Self::get_catching) for a function whose signature
    /// has lifetimes that type names cannot tell apart, as
    /// [`get_unchecked`](Self::get_unchecked) is for [`get`](Self::get).
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.compile("pub fn pick<'a, 'b>(a: &'a str, b: &'b str) -> &'b str { b }")?;
    /// type Pick = for<'a, 'b> fn(&'a str, &'b str) -> Result<&'b str, String>;
    /// // SAFETY: `pick` returns its second argument, and so does this type
    /// let pick = unsafe { module.get_catching_unchecked::<Pick>("pick")? };
    /// assert_eq!(pick("one", "two"), Ok("two"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Safety
    ///
    /// As for [`get_unchecked`](Self::get_unchecked): `F`'s lifetimes must
    /// be those of the function as written in the source.
    ///
    /// # Errors
    ///
    /// As for [`get_unchecked`](Self::get_unchecked).
    pub unsafe fn get_catching_unchecked<F: Copy + 'static>(&self, name: &str) -> Result<F, Error> {
        let (_, _, catching, _) = self.export(name)?;
        self.symbol::<F>(name, catching, &exports::try_symbol(&self.krate, name))
    }

    /// The names of the exported functions, in source order.
    ///
    /// See the example on [`Module`].
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.exports.iter().map(|(name, ..)| *name)
    }

    /// The signature of the exported function `name`, as
    /// `std::any::type_name` writes its `fn` pointer type.
    ///
    /// See the example on [`Module`].
    pub fn signature(&self, name: &str) -> Option<&'static str> {
        self.exports.iter().find(|(export, ..)| *export == name).map(|(_, plain, ..)| *plain)
    }

    /// The library file, in the cache directory.
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.compile("pub fn f() {}")?;
    /// assert!(module.path().starts_with(cache.path()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether getting this module ran rustc (`false`: it came from the
    /// cache).
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// # let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let source = "pub fn f() -> u8 { 7 }";
    /// assert!(compiler.compile(source)?.compiled());
    /// assert!(!compiler.compile(source)?.compiled());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compiled(&self) -> bool {
        self.compiled
    }

    fn export(&self, name: &str) -> Result<Row, Error> {
        self.exports.iter().find(|(export, ..)| *export == name).copied().ok_or_else(|| Error::NotFound {
            name: name.to_owned(),
            available: self.names().map(str::to_owned).collect(),
        })
    }

    fn symbol<F: Copy + 'static>(&self, name: &str, found: &str, symbol: &str) -> Result<F, Error> {
        let expected = std::any::type_name::<F>();
        // The type names are equal only for the same `fn` pointer type: a type
        // the module defines is named after the module's crate, which no host
        // type is. The size check keeps a non-pointer `F` out regardless.
        if expected != found || size_of::<F>() != size_of::<fn()>() {
            return Err(Error::Signature {
                name: name.to_owned(),
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
        // SAFETY: `symbol` is a `#[no_mangle] extern "Rust"` function the
        // module's export shims define for `name`, and its `fn` pointer type
        // has the `type_name` `found`, computed by the same compiler as this
        // program (checked before the build), which equals `F`'s: reading the
        // symbol's address as an `F` is reading a function pointer of its own
        // type, up to which lifetime is which, which type names do not show:
        // `get` and `get_catching` serve only signatures where that cannot
        // differ (`exports::checkable`); the unsafe getters leave it to their
        // caller. The library is never unloaded, so the pointer stays valid.
        let function = unsafe { self.library.get::<F>(symbol.as_bytes()) }
            .map_err(|source| Error::Load { path: self.path.to_path_buf(), source })?;
        Ok(*function)
    }
}

/// The export table of `library`, built as crate `krate`.
fn table(library: &'static Library, path: &Path, krate: &str) -> Result<&'static [Row], Error> {
    let table_symbol = exports::table_symbol(krate);
    // SAFETY: the library was built by `Compiler::compile` for crate `krate`
    // (its file name is the crate name, a hash of what it was built from, and
    // its record in the private cache matched it before it was opened), with
    // the compiler this program was built with, and its table function has
    // exactly the type `Table`, with the Rust ABI.
    let table = unsafe { library.get::<Table>(table_symbol.as_bytes()) }
        .map_err(|source| Error::Load { path: path.to_owned(), source })?;
    Ok(table())
}

/// The libraries this process has opened, by path.
fn open_libraries() -> MutexGuard<'static, HashMap<PathBuf, &'static Library>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, &'static Library>>> = OnceLock::new();
    OPEN.get_or_init(Mutex::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Opens a library once per process and never closes it: unloading runs
/// thread-local destructors after their code is gone, and would leave the
/// `fn` pointers handed out dangling.
fn open_library(path: &Path) -> Result<&'static Library, Error> {
    let mut open = open_libraries();
    if let Some(library) = open.get(path) {
        return Ok(library);
    }
    // SAFETY: loading runs the library's initialisers. The library was built
    // by `Compiler::compile` from Rust source the caller chose to load (see
    // "Loading code runs code" in the module docs), and its size and hash
    // matched its record in the private cache just before; Rust code has no
    // initialisers of its own beyond std's, which are sound to run.
    let library =
        unsafe { Library::new(path) }.map_err(|source| Error::Load { path: path.to_owned(), source })?;
    let library: &'static Library = Box::leak(Box::new(library));
    open.insert(path.to_owned(), library);
    Ok(library)
}

/// The user this process runs as (its effective uid), whom the cache
/// directory must belong to.
#[cfg(unix)]
pub(crate) fn effective_uid() -> u32 {
    // SAFETY: `geteuid` takes no arguments, touches no memory of ours and
    // cannot fail (POSIX: "shall always be successful").
    unsafe { libc::geteuid() }
}
