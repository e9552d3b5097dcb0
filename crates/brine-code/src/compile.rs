//! [`Compiler`]: source to a cached library, built by the host's compiler.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::{Error, Module, exports};

/// The compiler this program was built with: `(release, commit hash, host
/// target)` from its `rustc -vV`, recorded at build time.
const HOST: (&str, &str, &str) = brine_code_macros::__host_rustc!();

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
    /// assert_eq!(compiler.cache_path(), brine_code::default_cache_dir());
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
    /// let compiler = brine_code::Compiler::new().cache_dir("/tmp/my-cache");
    /// assert_eq!(compiler.cache_path(), std::path::Path::new("/tmp/my-cache"));
    /// ```
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

    /// The cache directory in use.
    ///
    /// ```
    /// let compiler = brine_code::Compiler::new();
    /// println!("libraries are cached in {}", compiler.cache_path().display());
    /// ```
    pub fn cache_path(&self) -> PathBuf {
        self.cache_dir.clone().unwrap_or_else(default_cache_dir)
    }

    /// Checks that the compiler can be run and is the one this program was
    /// built with (same release, commit and host target, from `rustc -vV`).
    /// [`compile`](Self::compile) does it before it builds anything; the
    /// answer is remembered for the life of the process.
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
        static CHECKED: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
        let rustc = self.rustc_path();
        let checked = CHECKED.get_or_init(Mutex::default);
        let known = checked.lock().ok().and_then(|map| map.get(&rustc).cloned());
        let found = match known {
            Some(found) => found,
            None => {
                let found = version_of(&rustc)?;
                if let Ok(mut map) = checked.lock() {
                    map.insert(rustc.clone(), found.clone());
                }
                found
            }
        };
        if found == host_description() {
            Ok(())
        } else {
            Err(Error::RustcMismatch { rustc, expected: host_description(), found })
        }
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
    /// missing or another one, [`Error::Io`] when the cache cannot be
    /// written, [`Error::Load`] when the library cannot be loaded.
    pub fn compile(&self, source: &str) -> Result<Module, Error> {
        let krate = self.crate_name(source);
        let dir = self.cache_path();
        let file_name = format!("{}{krate}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
        let library = dir.join(&file_name);
        if library.is_file() {
            return Module::open(&library, &krate, false);
        }
        let exports = exports::find(source)?;
        self.check()?;
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: "create the cache directory",
            path: dir.clone(),
            source,
        })?;
        let work =
            tempfile::Builder::new().prefix(&format!(".{krate}-")).tempdir_in(&dir).map_err(|source| {
                Error::Io { action: "create a build directory in", path: dir.clone(), source }
            })?;
        // the source is kept next to the library: rustc's messages and panics point into it
        let source_path = dir.join(format!("{krate}.rs"));
        let work_source = work.path().join(format!("{krate}.rs"));
        let work_library = work.path().join(&file_name);
        let full_source = format!("{source}{}", exports::shims(&krate, &exports));
        std::fs::write(&work_source, full_source).map_err(|source| Error::Io {
            action: "write",
            path: work_source.clone(),
            source,
        })?;
        rename(&work_source, &source_path)?;
        let rustc = self.rustc_path();
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
                expected: host_description(),
                source,
            })?;
        if !output.status.success() {
            let diagnostics = String::from_utf8_lossy(&output.stderr).into_owned();
            return Err(Error::Compile { source_path, diagnostics });
        }
        rename(&work_library, &library)?;
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

    fn rustc_path(&self) -> PathBuf {
        resolve_rustc(self.rustc.as_deref(), std::env::var_os("RUSTC"))
    }

    /// `brine_module_<hash>`: the hash of everything the library depends on.
    fn crate_name(&self, source: &str) -> String {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let opt_level = self.opt_level.to_string();
        let fixed = FIXED_FLAGS.join(" ");
        for part in [SHIM_VERSION, &fixed, HOST.0, HOST.1, HOST.2, &self.edition, &opt_level, source] {
            hasher.update(part.as_bytes());
            hasher.update(&[0xff]); // a byte no UTF-8 text holds: parts cannot run into each other
        }
        format!("brine_module_{:032x}", hasher.digest128())
    }
}

/// The default cache directory: `$BRINE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/brine`, else `$HOME/.cache/brine` (on Windows
/// `%LOCALAPPDATA%\brine`), else `brine-cache` in the system's temporary
/// directory. Delete it to clear the cache.
///
/// ```
/// let dir = brine_code::default_cache_dir();
/// println!("compiled code is cached in {}", dir.display());
/// ```
pub fn default_cache_dir() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    var("BRINE_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|dir| dir.join("brine")))
        .or_else(|| var("HOME").filter(|_| cfg!(unix)).map(|dir| dir.join(".cache").join("brine")))
        .or_else(|| var("LOCALAPPDATA").map(|dir| dir.join("brine")))
        .unwrap_or_else(|| std::env::temp_dir().join("brine-cache"))
}

/// The compiler to run: the one set through the API, else `$RUSTC`, else
/// `rustc` on `PATH`.
fn resolve_rustc(explicit: Option<&Path>, env: Option<OsString>) -> PathBuf {
    explicit
        .map(Path::to_owned)
        .or_else(|| env.filter(|value| !value.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("rustc"))
}

fn host_description() -> String {
    describe(HOST.0, HOST.1, HOST.2)
}

fn describe(release: &str, commit: &str, host: &str) -> String {
    format!("{release} ({commit}) for {host}")
}

/// `rustc -vV`, described as [`host_description`] describes the host's.
fn version_of(rustc: &Path) -> Result<String, Error> {
    let output = Command::new(rustc).arg("-vV").output().map_err(|source| Error::RustcNotFound {
        rustc: rustc.to_owned(),
        expected: host_description(),
        source,
    })?;
    if !output.status.success() {
        return Err(Error::RustcMismatch {
            rustc: rustc.to_owned(),
            expected: host_description(),
            found: format!(
                "a `-vV` that failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.strip_prefix(": ")))
            .map_or("unknown", str::trim)
            .to_owned()
    };
    Ok(describe(&field("release"), &field("commit-hash"), &field("host")))
}

fn rename(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        action: "move into the cache",
        path: to.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustc_comes_from_the_api_then_the_environment_then_the_path() {
        let explicit = Path::new("/opt/rust/bin/rustc");
        assert_eq!(resolve_rustc(Some(explicit), Some("/env/rustc".into())), explicit);
        assert_eq!(resolve_rustc(None, Some("/env/rustc".into())), Path::new("/env/rustc"));
        assert_eq!(resolve_rustc(None, Some("".into())), Path::new("rustc"));
        assert_eq!(resolve_rustc(None, None), Path::new("rustc"));
    }

    #[test]
    fn the_cache_key_covers_source_and_flags() {
        let compiler = Compiler::new();
        let name = compiler.crate_name("pub fn f() {}");
        assert!(name.starts_with("brine_module_") && name.len() == "brine_module_".len() + 32);
        assert_eq!(name, compiler.crate_name("pub fn f() {}"));
        assert_ne!(name, compiler.crate_name("pub fn g() {}"));
        assert_ne!(name, compiler.clone().opt_level(0).crate_name("pub fn f() {}"));
        assert_ne!(name, compiler.edition("2021").crate_name("pub fn f() {}"));
    }

    #[test]
    fn the_host_compiler_was_recorded() {
        assert_ne!(HOST.0, "unknown", "the build script could not run `$RUSTC -vV`");
        assert!(HOST.2.contains('-'), "host target: {}", HOST.2);
    }
}
