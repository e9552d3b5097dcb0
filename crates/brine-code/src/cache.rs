//! The cache of built libraries: where it lives, that it is private, and
//! that an entry is whole before it is loaded.
//!
//! The rules this file keeps:
//!
//! - The cache is never in a shared directory: `$BRINE_CACHE_DIR`, else the
//!   user's own cache directory (from `dirs`), else an error asking for
//!   `$BRINE_CACHE_DIR`.
//! - On Unix a cache directory is used only when it is a directory owned by
//!   this process's user and writable by no one else (a symlink to one
//!   counts only when the link is this user's too); brine creates it 0700.
//!   Nothing is read from it, and nothing is built in it, before that check.
//! - An entry is loaded only when its record (`<library>.check`, beside it)
//!   names the entry's crate and the library's exact size and SHA-256.
//!   Anything else (no record, another size or hash) is rebuilt.
//! - A file enters the cache from a temporary name in the cache directory:
//!   written, fsynced, renamed into place; then the directory is fsynced.
//!   The library goes in before its record, so a crash in between leaves an
//!   entry without a matching record, which is rebuilt.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Error;

/// The first line of every record; another format is another line, so an
/// old record never matches.
const RECORD_FORMAT: &str = "brine-code cache record 1";

/// `$BRINE_CACHE_DIR`, else `brine` in the user's cache directory.
pub(crate) fn default_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("BRINE_CACHE_DIR").filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::cache_dir().map(|dir| dir.join("brine")).ok_or(Error::NoCacheDir)
}

/// Whether `dir` exists, after checking that it is private; an error when
/// it exists and is not.
pub(crate) fn existing(dir: &Path) -> Result<bool, Error> {
    match std::fs::symlink_metadata(dir) {
        Ok(_) => check_private(dir).map(|()| true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::Io { action: "read the cache directory", path: dir.to_owned(), source }),
    }
}

/// Creates `dir` (and its missing parents) owner-only, and checks that it
/// is private.
pub(crate) fn create(dir: &Path) -> Result<(), Error> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| Error::Io {
        action: "create the cache directory",
        path: dir.to_owned(),
        source,
    })?;
    check_private(dir)
}

/// Refuses a cache directory that another user could write to.
#[cfg(unix)]
fn check_private(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;

    let refuse = |found: String| Error::CacheNotPrivate { path: dir.to_owned(), found };
    let read = |source| Error::Io { action: "read the cache directory", path: dir.to_owned(), source };
    let uid = super::load::effective_uid();
    let link = std::fs::symlink_metadata(dir).map_err(read)?;
    if link.file_type().is_symlink() && link.uid() != uid {
        return Err(refuse(format!("a symbolic link owned by uid {}", link.uid())));
    }
    let meta = std::fs::metadata(dir).map_err(read)?;
    let mode = meta.mode() & 0o7777;
    if !meta.is_dir() {
        Err(refuse("something that is not a directory".to_owned()))
    } else if meta.uid() != uid {
        Err(refuse(format!("a directory owned by uid {}", meta.uid())))
    } else if mode & 0o002 != 0 {
        Err(refuse(format!("mode {mode:04o}, writable by others")))
    } else if mode & 0o020 != 0 {
        Err(refuse(format!("mode {mode:04o}, writable by its group")))
    } else {
        Ok(())
    }
}

/// Off Unix, owners and modes are not checked (see the crate docs).
#[cfg(not(unix))]
fn check_private(dir: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::Io {
        action: "read the cache directory",
        path: dir.to_owned(),
        source,
    })?;
    if meta.is_dir() {
        Ok(())
    } else {
        Err(Error::CacheNotPrivate {
            path: dir.to_owned(),
            found: "something that is not a directory".to_owned(),
        })
    }
}

/// The SHA-256 of `parts`, each followed by a byte no UTF-8 text holds, so
/// that parts cannot run into each other: 64 hex digits.
pub(crate) fn key(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0xff]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The record kept beside `library`.
fn record_path(library: &Path) -> PathBuf {
    let mut name = library.file_name().unwrap_or_default().to_owned();
    name.push(".check");
    library.with_file_name(name)
}

/// What the record of a library of crate `krate` holding `bytes` says.
fn record(krate: &str, bytes: &[u8]) -> String {
    format!("{RECORD_FORMAT}\ncrate {krate}\nsize {}\nsha256 {}\n", bytes.len(), hex(&Sha256::digest(bytes)))
}

/// Whether `library` is a whole entry for crate `krate`: its record is there
/// and names its exact size and hash. Any failure to read either counts as
/// "no": the entry is rebuilt.
pub(crate) fn verified(library: &Path, krate: &str) -> bool {
    let Ok(expected) = std::fs::read_to_string(record_path(library)) else { return false };
    match std::fs::symlink_metadata(library) {
        Ok(meta) if meta.is_file() => {}
        _ => return false,
    }
    std::fs::read(library).is_ok_and(|bytes| record(krate, &bytes) == expected)
}

/// Moves the library rustc wrote at `built` (in a build directory inside
/// the cache directory) into place at `library`, with its record.
pub(crate) fn install(built: &Path, library: &Path, krate: &str) -> Result<(), Error> {
    let bytes = std::fs::read(built).map_err(|source| Error::Io {
        action: "read the built library",
        path: built.to_owned(),
        source,
    })?;
    sync_file(built)?;
    let record_text = record(krate, &bytes);
    let built_record = record_path(built);
    write_synced(&built_record, record_text.as_bytes())?;
    rename(built, library)?;
    rename(&built_record, &record_path(library))?;
    sync_dir(library.parent().unwrap_or(Path::new(".")))
}

/// Writes `text` to `path` under a temporary name in the same directory,
/// fsyncs it, renames it into place and fsyncs the directory.
pub(crate) fn write_atomically(path: &Path, text: &str, scratch: &Path) -> Result<(), Error> {
    let temporary = scratch.join(path.file_name().unwrap_or_default());
    write_synced(&temporary, text.as_bytes())?;
    rename(&temporary, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io { action: "write", path: path.to_owned(), source };
    let mut file = File::create(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

fn sync_file(path: &Path) -> Result<(), Error> {
    File::options().write(true).open(path).and_then(|file| file.sync_all()).map_err(|source| Error::Io {
        action: "write to disk",
        path: path.to_owned(),
        source,
    })
}

/// Makes the renames into `dir` durable. Directories cannot be opened for
/// that off Unix; there the rename is all there is.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    if cfg!(unix) {
        File::open(dir).and_then(|dir| dir.sync_all()).map_err(|source| Error::Io {
            action: "write to disk the directory",
            path: dir.to_owned(),
            source,
        })
    } else {
        Ok(())
    }
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
    fn a_record_names_the_crate_the_size_and_the_hash() {
        let text = record("brine_module_x", b"abc");
        assert_eq!(
            text,
            "brine-code cache record 1\ncrate brine_module_x\nsize 3\n\
             sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        );
    }

    #[test]
    fn an_entry_is_verified_against_its_record() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let built = dir.path().join("built.so");
        std::fs::write(&built, b"a library")?;
        let library = dir.path().join("libbrine_module_x.so");
        install(&built, &library, "brine_module_x")?;
        assert!(verified(&library, "brine_module_x"));
        assert!(!verified(&library, "brine_module_y"));
        std::fs::write(&library, b"a librarz")?;
        assert!(!verified(&library, "brine_module_x"));
        std::fs::write(&library, b"")?;
        assert!(!verified(&library, "brine_module_x"));
        std::fs::remove_file(record_path(&library))?;
        std::fs::write(&library, b"a library")?;
        assert!(!verified(&library, "brine_module_x"));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_writable_by_its_group_is_refused_and_one_created_is_private()
    -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;

        let root = tempfile::tempdir()?;
        let dir = root.path().join("a").join("cache");
        create(&dir)?;
        assert_eq!(std::fs::metadata(&dir)?.permissions().mode() & 0o777, 0o700);
        assert!(existing(&dir)?);
        assert!(!existing(&root.path().join("missing"))?);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770))?;
        let error = existing(&dir).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "refusing the cache directory {}: expected a directory owned by this user and writable by no \
                 one else, found mode 0770, writable by its group; remove it, or set $BRINE_CACHE_DIR (or \
                 `Compiler::cache_dir`) to a private directory",
                dir.display()
            )
        );
        Ok(())
    }

    #[test]
    fn the_key_is_a_sha256_of_its_parts() {
        assert_eq!(key(&["a", "b"]).len(), 64);
        assert_ne!(key(&["ab", ""]), key(&["a", "b"]));
    }
}
