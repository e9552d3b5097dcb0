//! Which rustc builds, and that it is the compiler this program was built
//! with.

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

/// The compiler `requested`, once it is known to be the host's compiler.
/// Remembered for the life of the process, per compiler asked for.
pub(crate) fn checked(requested: &Path) -> Result<PathBuf, Error> {
    static CHECKED: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let checked = CHECKED.get_or_init(Mutex::default);
    let known = checked.lock().ok().and_then(|map| map.get(requested).cloned());
    let found = match known {
        Some(found) => found,
        None => {
            let found = version_of(requested)?;
            if let Ok(mut map) = checked.lock() {
                map.insert(requested.to_owned(), found.clone());
            }
            found
        }
    };
    if found == host_description() {
        Ok(requested.to_owned())
    } else {
        Err(Error::RustcMismatch { rustc: requested.to_owned(), expected: host_description(), found })
    }
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
}
