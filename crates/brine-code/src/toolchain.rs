//! Which rustc builds: resolved once, to an absolute path, and checked.
//!
//! `rustc` on `PATH` is usually rustup's proxy, which picks a toolchain from
//! the directory it runs in (a `rust-toolchain.toml` there or above it). The
//! build runs in a directory inside the cache, so asking the proxy there
//! could build with another compiler than the one checked. Instead the
//! compiler asked for (`Compiler::rustc`, else `$RUSTC`, else `rustc`) is
//! asked once, in the calling process's directory, for its sysroot, and
//! `<sysroot>/bin/rustc`, an absolute path that no proxy stands in front of,
//! is the compiler that `-vV` checks and that builds.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::Error;

/// The compiler this program was built with: `(release, commit hash, host
/// target, the whole of rustc -vV)`, recorded at build time.
pub(crate) const HOST: (&str, &str, &str, &str) = brine_code_macros::__host_rustc!();

/// The compiler to ask for: the one set through the API, else `$RUSTC`,
/// else `rustc` on `PATH`.
pub(crate) fn requested(explicit: Option<&Path>, env: Option<OsString>) -> PathBuf {
    explicit
        .map(Path::to_owned)
        .or_else(|| env.filter(|value| !value.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("rustc"))
}

/// The absolute path of the compiler `requested` stands for in the current
/// directory, once it is known to be the host's compiler. Remembered for the
/// life of the process, per compiler asked for and directory.
pub(crate) fn checked(requested: &Path) -> Result<PathBuf, Error> {
    type Known = HashMap<(PathBuf, PathBuf), PathBuf>;
    static CHECKED: OnceLock<Mutex<Known>> = OnceLock::new();
    let key = (requested.to_owned(), std::env::current_dir().unwrap_or_default());
    let known = CHECKED.get_or_init(Mutex::default);
    if let Some(path) = known.lock().ok().and_then(|map| map.get(&key).cloned()) {
        return Ok(path);
    }
    let path = absolute(requested)?;
    let found = version_of(&path)?;
    if found != host_description() {
        return Err(Error::RustcMismatch { rustc: path, expected: host_description(), found });
    }
    if let Ok(mut map) = known.lock() {
        map.insert(key, path.clone());
    }
    Ok(path)
}

/// `<sysroot>/bin/rustc` of `requested`, asked in the current directory;
/// for a compiler without that layout, `requested` itself, made absolute.
fn absolute(requested: &Path) -> Result<PathBuf, Error> {
    let output = Command::new(requested).args(["--print", "sysroot"]).output().map_err(|source| {
        Error::RustcNotFound { rustc: requested.to_owned(), expected: host_description(), source }
    })?;
    if !output.status.success() {
        return Err(Error::RustcMismatch {
            rustc: requested.to_owned(),
            expected: host_description(),
            found: format!(
                "a `--print sysroot` that failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let in_sysroot = sysroot.join("bin").join(format!("rustc{}", std::env::consts::EXE_SUFFIX));
    if sysroot.is_absolute() && in_sysroot.is_file() {
        return Ok(in_sysroot);
    }
    Ok(on_path(requested))
}

/// `requested` as an absolute path: searched on `PATH` when it is a bare
/// name, as the operating system found it.
fn on_path(requested: &Path) -> PathBuf {
    if requested.components().count() > 1 || requested.is_absolute() {
        return std::path::absolute(requested).unwrap_or_else(|_| requested.to_owned());
    }
    let mut name = requested.as_os_str().to_owned();
    if Path::new(&name).extension().is_none() {
        name.push(std::env::consts::EXE_SUFFIX);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(&name))
        .find(|candidate| candidate.is_absolute() && candidate.is_file())
        .unwrap_or_else(|| requested.to_owned())
}

pub(crate) fn host_description() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustc_comes_from_the_api_then_the_environment_then_the_path() {
        let explicit = Path::new("/opt/rust/bin/rustc");
        assert_eq!(requested(Some(explicit), Some("/env/rustc".into())), explicit);
        assert_eq!(requested(None, Some("/env/rustc".into())), Path::new("/env/rustc"));
        assert_eq!(requested(None, Some("".into())), Path::new("rustc"));
        assert_eq!(requested(None, None), Path::new("rustc"));
    }

    #[test]
    fn the_host_compiler_was_recorded() {
        assert_ne!(HOST.0, "unknown", "the build script could not run `$RUSTC -vV`");
        assert!(HOST.2.contains('-'), "host target: {}", HOST.2);
        assert!(HOST.3.contains(&format!("release: {}", HOST.0)), "{}", HOST.3);
    }

    #[cfg(unix)]
    #[test]
    fn a_bare_name_is_found_on_the_path() {
        let found = on_path(Path::new("sh"));
        assert!(found.is_absolute(), "{}", found.display());
        assert_eq!(on_path(Path::new("/no/such/rustc")), Path::new("/no/such/rustc"));
    }
}
