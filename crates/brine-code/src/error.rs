//! The error type of brine-code: renaming, compiling and loading.

use std::io;
use std::path::PathBuf;

/// Why code could not be renamed, compiled, loaded, or a function taken
/// from a loaded module.
///
/// Each message says what was expected and what was found.
///
/// ```
/// #[brine_code::source]
/// pub fn f() {}
///
/// let error = brine_code::source_of!(f).alias("1st").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "cannot rename fn `f` to `1st`: expected an identifier (letters, digits, `_`, not starting with a digit)",
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// [`Code::alias`](crate::Code::alias) was given a name it cannot
    /// use, or an item it cannot rename.
    #[error("cannot rename {item} to `{alias}`: {reason}")]
    Alias {
        /// The item, as ``fn `name` ``.
        item: String,
        /// The name asked for.
        alias: String,
        /// Why not.
        reason: String,
    },
    /// The compiler could not be started.
    #[error(
        "cannot run the Rust compiler `{}` (expected rustc {expected}; set $RUSTC or \
         `Compiler::rustc` to its path)",
        rustc.display()
    )]
    RustcNotFound {
        /// The command tried.
        rustc: PathBuf,
        /// The compiler this program was built with, which loading needs.
        expected: String,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// The compiler is not the one this program was built with: a library it
    /// builds would not agree with this program on the layout of types and
    /// the calling convention of `fn`s, so it is refused before it runs.
    #[error("refusing the Rust compiler `{}`: expected rustc {expected}, found {found}", rustc.display())]
    RustcMismatch {
        /// The command run.
        rustc: PathBuf,
        /// The compiler this program was built with.
        expected: String,
        /// What `rustc -vV` reported (or its failure).
        found: String,
    },
    /// No cache directory was set and this user has none: brine never falls
    /// back to a shared directory, where another user could plant a library.
    #[error(
        "cannot find a private cache directory for compiled code: expected $BRINE_CACHE_DIR or a \
         per-user cache directory (from $XDG_CACHE_HOME or the home directory), found neither; set \
         $BRINE_CACHE_DIR (or `Compiler::cache_dir`) to a directory only you can write"
    )]
    NoCacheDir,
    /// The cache directory could be written by another user (on Unix: it is
    /// owned by another user, or writable by its group or by everyone), so
    /// a library in it could be theirs; nothing in it is read.
    #[error(
        "refusing the cache directory {}: expected a directory owned by this user and writable by no one \
         else, found {found}; remove it, or set $BRINE_CACHE_DIR (or `Compiler::cache_dir`) to a private \
         directory",
        path.display()
    )]
    CacheNotPrivate {
        /// The cache directory.
        path: PathBuf,
        /// What it is instead (its owner, its mode).
        found: String,
    },
    /// The source is not Rust that could be read for its exports.
    #[error("expected Rust items, found a syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// rustc rejected the source; `diagnostics` is what it printed.
    #[error("rustc could not compile {}:\n{diagnostics}", source_path.display())]
    Compile {
        /// The source file as rustc saw it (the source followed by brine's
        /// export shims), kept in the cache directory.
        source_path: PathBuf,
        /// rustc's error messages, as it prints them.
        diagnostics: String,
    },
    /// A file or directory could not be read, written or created.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done (`read`, `create the cache directory`, ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// The built library could not be loaded, or lacks brine's export table.
    #[error("cannot load the library {}", path.display())]
    Load {
        /// The library file.
        path: PathBuf,
        /// What the dynamic loader said.
        #[source]
        source: libloading::Error,
    },
    /// The module exports no function of that name.
    #[error("expected a function named `{name}` in the module, found only {}", list(available))]
    NotFound {
        /// The name asked for.
        name: String,
        /// The names the module exports.
        available: Vec<String>,
    },
    /// The module's function has another signature than the one asked for.
    #[error("`{name}` has the signature `{found}`, but `{expected}` was asked for")]
    Signature {
        /// The function's name.
        name: String,
        /// The type asked for (its `std::any::type_name`).
        expected: String,
        /// The function's signature in the module (its `type_name`).
        found: String,
    },
    /// The function's signature has lifetimes that type names cannot tell
    /// apart (`std::any::type_name` prints every lifetime but `'static` as
    /// `'_`), so [`Module::get`](crate::Module::get) cannot check that the
    /// type asked for has the same ones.
    #[error(
        "`{name}` has the signature `{signature}`, whose lifetimes `get` cannot check (type names print \
         them all as `'_`): expected a signature without named lifetimes, whose elided output lifetime \
         comes from exactly one input; check the lifetimes yourself and use the unsafe \
         `Module::get_unchecked` (or `get_catching_unchecked`)"
    )]
    Lifetimes {
        /// The function's name.
        name: String,
        /// Its signature as written in the source.
        signature: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "none (the module has no exported `pub fn`)".to_owned();
    }
    names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_is_reachable_through_source_not_repeated_in_the_message() {
        let cause = || io::Error::new(io::ErrorKind::NotFound, "the cause");
        let errors = [
            Error::Io { action: "read", path: "/a/b".into(), source: cause() },
            Error::RustcNotFound { rustc: "rustc".into(), expected: "1.0".into(), source: cause() },
        ];
        for error in errors {
            assert!(!error.to_string().contains("the cause"), "{error}");
            let source = std::error::Error::source(&error).map(ToString::to_string);
            assert_eq!(source.as_deref(), Some("the cause"));
        }
    }
}
