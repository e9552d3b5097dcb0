//! [`Compiler`]: source to a cached library, built by the host's compiler.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::toolchain::{self, HOST};
use super::{Error, Module, cache, exports};

/// The format of the generated library; part of the cache key, so that a
/// change to the shims never loads a library built by an older brine.
const SHIM_VERSION: &str = "brine-code 3";

/// rustc flags every build gets (part of the cache key too). Stripping the
/// debug info that the statically linked `std` brings makes each cached
/// library about 10 times smaller (0.4 instead of 4.3 MB) at no cost in
/// build time; panic messages keep their file and line.
const FIXED_FLAGS: [&str; 2] = ["--color=never", "-Cstrip=debuginfo"];

/// Builds Rust source into a library with rustc, caches it, and loads it as
/// a [`Module`].
///
/// ```
/// use brine_code::Compiler;
///
/// let cache = tempfile::tempdir()?;
/// let compiler = Compiler::new().cache_dir(cache.path()).opt_level(0);
/// let module = compiler.compile("pub fn add(x: i64, y: i64) -> i64 { x + y }")?;
/// let add = module.get::<fn(i64, i64) -> i64>("add")?;
/// assert_eq!(add(2, 3), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Compiler {
    rustc: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    opt_level: u8,
    edition: String,
}

impl Default for Compiler {
    fn default() -> Self {
        Self::new()
    }
}

impl Compiler {
    /// A compiler with the defaults: rustc from `$RUSTC` or `PATH`, the
    /// [`default_cache_dir`], `-C opt-level=2`, edition 2024.
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new();
    /// assert_eq!(compiler.cache_path().ok(), brine_code::default_cache_dir().ok());
    /// ```
    pub fn new() -> Self {
        Self { rustc: None, cache_dir: None, opt_level: 2, edition: "2024".to_owned() }
    }

    /// Runs this compiler instead of `$RUSTC` or `rustc` on `PATH`.
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new().rustc("/no/such/rustc");
    /// let error = compiler.check().unwrap_err();
    /// assert!(error.to_string().starts_with("cannot run the Rust compiler `/no/such/rustc`"));
    /// ```
    pub fn rustc(mut self, rustc: impl Into<PathBuf>) -> Self {
        self.rustc = Some(rustc.into());
        self
    }

    /// Keeps built libraries in `dir` instead of the [`default_cache_dir`].
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new().cache_dir("/home/me/.cache/my-tool");
    /// assert_eq!(compiler.cache_path()?, std::path::Path::new("/home/me/.cache/my-tool"));
    /// # Ok::<(), brine_code::Error>(())
    /// ```
    ///
    /// The directory must be private: brine creates it owner-only, and
    /// refuses one that another user could write to (see
    /// [the cache](crate#the-cache-and-what-stays-loaded)).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// rustc's `-C opt-level`, 0 to 3 (higher values count as 3): 0 builds
    /// fastest, 2 (the default) and 3 give the fastest code.
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new().opt_level(0);
    /// # let _ = compiler;
    /// ```
    pub fn opt_level(mut self, level: u8) -> Self {
        self.opt_level = level.min(3);
        self
    }

    /// The Rust edition the source is compiled as (default `2024`).
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new().edition("2021");
    /// # let _ = compiler;
    /// ```
    pub fn edition(mut self, edition: impl Into<String>) -> Self {
        self.edition = edition.into();
        self
    }

    /// The cache directory in use: [`cache_dir`](Self::cache_dir), else
    /// the [`default_cache_dir`].
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new();
    /// match compiler.cache_path() {
    ///     Ok(dir) => println!("libraries are cached in {}", dir.display()),
    ///     Err(error) => println!("no cache: {error}"),
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NoCacheDir`] when none was set and this user has none.
    pub fn cache_path(&self) -> Result<PathBuf, Error> {
        match &self.cache_dir {
            Some(dir) => Ok(dir.clone()),
            None => default_cache_dir(),
        }
    }

    /// Checks that the compiler can be run and is the one this program was
    /// built with (same release, commit and host target, from `rustc -vV`).
    /// [`compile`](Self::compile) does it before it builds anything; the
    /// answer is remembered for the life of the process.
    ///
    /// The compiler is resolved once, in the current directory (where
    /// rustup's proxy picks the toolchain a `rust-toolchain.toml` or an
    /// override names), to the absolute path of the compiler itself
    /// (`<sysroot>/bin/rustc`): that is the compiler checked and the one
    /// that builds, wherever the build runs.
    ///
    /// ```
    /// match brine_code::Compiler::new().check() {
    ///     Ok(()) => println!("code can be compiled and loaded"),
    ///     Err(error) => println!("no loading of code here: {error}"),
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::RustcNotFound`] when it cannot be started,
    /// [`Error::RustcMismatch`] when it is another version or target.
    pub fn check(&self) -> Result<(), Error> {
        self.checked_rustc().map(drop)
    }

    /// Builds `source` into a library (or takes it from the cache), loads
    /// it, and returns its exports. See [`Module::compile`].
    ///
    /// ```
    /// # let cache = tempfile::tempdir()?;
    /// let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let error = compiler.compile("pub fn f() -> i64 { \"one\" }").unwrap_err();
    /// assert!(error.to_string().contains("mismatched types"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] for source that does not parse, [`Error::Compile`]
    /// with rustc's diagnostics when it does not compile, the errors of
    /// [`check`](Self::check) when a build is needed and the compiler is
    /// missing or another one, [`Error::NoCacheDir`] when there is no
    /// cache directory, [`Error::CacheNotPrivate`] when another user could
    /// write to it, [`Error::Io`] when the cache cannot be written,
    /// [`Error::Load`] when the library cannot be loaded.
    pub fn compile(&self, source: &str) -> Result<Module, Error> {
        let dir = self.cache_path()?;
        let krate = self.crate_name(source);
        let file_name = format!("{}{krate}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
        let library = dir.join(&file_name);
        if cache::existing(&dir)? {
            if let Some(module) = Module::already_open(&library, &krate) {
                return Ok(module);
            }
            if cache::verified(&library, &krate) {
                match Module::open(&library, &krate, false) {
                    // a whole entry that still does not load is rebuilt
                    Err(Error::Load { .. }) => {}
                    opened => return opened,
                }
            }
        }
        let exports = exports::find(source)?;
        let rustc = self.checked_rustc()?;
        cache::create(&dir)?;
        let work =
            tempfile::Builder::new().prefix(&format!(".{krate}-")).tempdir_in(&dir).map_err(|source| {
                Error::Io { action: "create a build directory in", path: dir.clone(), source }
            })?;
        // the source is kept next to the library: rustc's messages and panics point into it
        let source_path = dir.join(format!("{krate}.rs"));
        let full_source = format!("{source}{}", exports::shims(&krate, &exports));
        cache::write_atomically(&source_path, &full_source, work.path())?;
        let work_library = work.path().join(&file_name);
        let output = Command::new(&rustc)
            .arg("--crate-type=cdylib")
            .arg(format!("--crate-name={krate}"))
            .arg(format!("--edition={}", self.edition))
            .arg(format!("-Copt-level={}", self.opt_level))
            .args(FIXED_FLAGS)
            .arg("-o")
            .arg(&work_library)
            .arg(&source_path)
            .current_dir(work.path())
            .output()
            .map_err(|source| Error::RustcNotFound {
                rustc: rustc.clone(),
                expected: toolchain::host_description(),
                source,
            })?;
        if !output.status.success() {
            let diagnostics = String::from_utf8_lossy(&output.stderr).into_owned();
            return Err(Error::Compile { source_path, diagnostics });
        }
        cache::install(&work_library, &library, &krate)?;
        Module::open(&library, &krate, true)
    }

    /// Reads a `.rs` file, such as one [`brine_source::dump`] wrote, and
    /// [`compile`](Self::compile)s it.
    ///
    /// ```
    /// #[brine_code::source]
    /// pub fn twice(x: u32) -> u32 { 2 * x }
    ///
    /// let file = brine_source::dump(brine_code::source_of!(twice))?;
    /// # let cache = tempfile::tempdir()?;
    /// let compiler = brine_code::Compiler::new().cache_dir(cache.path()).opt_level(0);
    /// let module = compiler.load(&file)?;
    /// assert_eq!(module.get::<fn(u32) -> u32>("twice")?(21), 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; otherwise as for
    /// [`compile`](Self::compile).
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let source = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        self.compile(&source)
    }

    /// The absolute path of the checked compiler.
    fn checked_rustc(&self) -> Result<PathBuf, Error> {
        toolchain::checked(&toolchain::requested(self.rustc.as_deref(), std::env::var_os("RUSTC")))
    }

    /// `brine_module_<hash>`: the SHA-256 of everything the library depends
    /// on: brine's shims, the flags, the compiler's whole `rustc -vV` (the
    /// compiler that builds is checked to be this program's), the target,
    /// and the source.
    fn crate_name(&self, source: &str) -> String {
        let opt_level = self.opt_level.to_string();
        let fixed = FIXED_FLAGS.join(" ");
        let key = cache::key(&[SHIM_VERSION, &fixed, HOST.3, HOST.2, &self.edition, &opt_level, source]);
        format!("brine_module_{key}")
    }
}

/// The default cache directory: `$BRINE_CACHE_DIR`, else `brine` in this
/// user's cache directory: `$XDG_CACHE_HOME/brine` or `~/.cache/brine` on
/// Linux and other Unix, `~/Library/Caches/brine` on macOS,
/// `%LOCALAPPDATA%\brine` on Windows (found by the `dirs` crate, which asks
/// the system for the home directory when `$HOME` is unset). Never a shared
/// directory. Delete it to clear the cache.
///
/// ```
/// match brine_code::default_cache_dir() {
///     Ok(dir) => println!("compiled code is cached in {}", dir.display()),
///     Err(error) => println!("no cache: {error}"),
/// }
/// ```
///
/// # Errors
///
/// [`Error::NoCacheDir`] when `$BRINE_CACHE_DIR` is unset and this user
/// has no cache directory (no home directory, say): set
/// `$BRINE_CACHE_DIR`.
pub fn default_cache_dir() -> Result<PathBuf, Error> {
    cache::default_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_key_covers_source_and_flags() {
        let compiler = Compiler::new();
        let name = compiler.crate_name("pub fn f() {}");
        assert!(name.starts_with("brine_module_") && name.len() == "brine_module_".len() + 64);
        assert_eq!(name, compiler.crate_name("pub fn f() {}"));
        assert_ne!(name, compiler.crate_name("pub fn g() {}"));
        assert_ne!(name, compiler.clone().opt_level(0).crate_name("pub fn f() {}"));
        assert_ne!(name, compiler.edition("2021").crate_name("pub fn f() {}"));
    }
}
