//! Dump any serde value to a named temporary file and load it back.
//!
//! A dump is a [`NamedTempFile`]: written and flushed, positioned at its start,
//! readable and writable by its owner only (mode 0600 on Unix), with a random
//! name, and deleted when the handle is dropped — or kept, atomically, with
//! [`NamedTempFile::persist`]. The file holds a [`brine_io`] envelope, so
//! [`load`](load()) checks format, length, checksum and type before it decodes.
//!
//! ```
//! use std::collections::HashMap;
//!
//! let scores = HashMap::from([("ada".to_string(), 90u32), ("alan".to_string(), 85)]);
//! let file = brine_temp::dump(&scores)?;
//! println!("stored in {}", file.path().display());
//!
//! // `load` takes the handle, a `&Path`, a `&str` or a `PathBuf`
//! let back: HashMap<String, u32> = brine_temp::load(&file)?;
//! assert_eq!(back, scores);
//!
//! let path = file.path().to_owned();
//! drop(file);
//! assert!(!path.exists()); // deleted on drop
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Keeping a dump: an atomic save
//!
//! [`NamedTempFile::persist`] renames the temporary file over the target, so a
//! reader of the target sees the old file or the new one, never half of one.
//! A rename can't cross filesystems: create the temporary file in the
//! target's directory with [`Builder::dir`], as below. For a save that must
//! survive a power cut, call `sync_all` on the file before persisting.
//!
//! ```
//! let dir = tempfile::tempdir()?; // stands for the directory of your choice
//! let target = dir.path().join("state.brine");
//!
//! let file = brine_temp::Builder::new().dir(dir.path()).dump(&vec![1u8, 2, 3])?;
//! file.as_file().sync_all()?; // only needed for durability across a crash
//! file.persist(&target)?;     // atomic: same directory, same filesystem
//!
//! assert_eq!(brine_temp::load::<Vec<u8>>(&target)?, [1, 2, 3]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! When the temporary file must live elsewhere (another filesystem than the
//! target), `persist` fails with `EXDEV` ("cross-device link") and gives the
//! file back inside the error; copy it to a temporary file next to the target
//! and persist that one instead. [`persist`](persist()) does the same rename with an
//! error that names both paths and says where the data still is.
//!
//! # Blocking I/O, and async code
//!
//! [`dump`](dump()) and [`load`](load()) create, write and read files with `std::fs`: they
//! block the calling thread until the file system is done. In async code,
//! run them on a blocking thread, e.g. with tokio's `spawn_blocking` (brine
//! does not depend on tokio). The [`NamedTempFile`] is an owned handle that
//! can move between threads; it is deleted wherever it is dropped:
//!
//! ```text
//! let file = tokio::task::spawn_blocking(move || brine_temp::dump(&scores)).await??;
//! let back: HashMap<String, u32> =
//!     tokio::task::spawn_blocking(move || brine_temp::load(&file)).await??;
//! ```

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

mod builder;
pub mod dump;
pub mod load;
pub mod persist;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use builder::Builder;
pub use tempfile::NamedTempFile;

/// Dumps `value` to a new named temporary file in the system's temporary
/// directory; see the [crate docs](crate) and [`Builder`] for the options.
///
/// The value is streamed to the file in 64 KiB chunks: a dump holds no
/// second copy of the value in memory.
///
/// # Errors
///
/// [`dump::Error::Create`] when the file can't be created, [`dump::Error::Write`]
/// when writing fails (the file is removed), [`dump::Error::Encode`] when the
/// value can't be stored (see [`brine_io::dump::Error`]).
///
/// # Example
///
/// ```
/// let file = brine_temp::dump(&(1u8, "two", [3.0f32]))?;
/// assert!(file.path().exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dump<T: Serialize + ?Sized>(value: &T) -> Result<NamedTempFile, dump::Error> {
    Builder::new().dump(value)
}

/// Keeps a temporary file as `path`: an atomic rename over whatever is
/// there, as [`NamedTempFile::persist`] does, with an error that names both
/// paths and says where the data is when it fails.
///
/// # Errors
///
/// [`persist::Error`], holding the file: a rename can't cross filesystems
/// (create the file in the target's directory with [`Builder::dir`]), and
/// the target's directory must exist and be writable.
///
/// # Example
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let file = brine_temp::Builder::new().dir(dir.path()).dump(&[1u8, 2])?;
/// brine_temp::persist(file, dir.path().join("kept.brine"))?;
/// assert_eq!(brine_temp::load::<[u8; 2]>(dir.path().join("kept.brine"))?, [1, 2]);
///
/// let file = brine_temp::dump(&3u8)?;
/// let error = brine_temp::persist(file, "/nonexistent/dir/kept.brine").unwrap_err();
/// assert!(error.to_string().contains("/nonexistent/dir/kept.brine"));
/// let file = error.into_file(); // the data, given back
/// assert_eq!(brine_temp::load::<u8>(&file)?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn persist(file: NamedTempFile, path: impl AsRef<Path>) -> Result<std::fs::File, persist::Error> {
    let to = path.as_ref();
    file.persist(to).map_err(|error| persist::Error {
        from: error.file.path().to_owned(),
        to: to.to_owned(),
        source: error.error,
        file: error.file,
    })
}

/// Loads a value from a file written by [`dump`](dump()) (or any brine envelope).
///
/// `path` is anything that names a file: `&NamedTempFile`, `&Path`, `&str`,
/// `PathBuf`.
///
/// # Errors
///
/// [`load::Error::Read`] with the path when the file can't be read (missing,
/// no permission), [`load::Error::NotAFile`] when the path names a directory,
/// a device or a named pipe, [`load::Error::Format`] with the path when its
/// content is not a valid envelope of type `T` (see [`brine_io::load::Error`]).
///
/// The header is read first: a file too large for the caps, or longer or
/// shorter than its header says, is refused before the rest is read.
///
/// # Example
///
/// ```
/// let file = brine_temp::dump(&String::from("hello"))?;
/// assert_eq!(brine_temp::load::<String>(&file)?, "hello");
///
/// let missing = brine_temp::load::<String>("/no/such/file.brine").unwrap_err();
/// assert!(missing.to_string().contains("/no/such/file.brine"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T, load::Error> {
    load_with(path, &brine_io::Options::new())
}

/// [`load`](load()) with [`brine_io::Options`]: switch off the type check, change the
/// length cap.
///
/// # Errors
///
/// As [`load`](load()).
///
/// # Example
///
/// ```
/// use brine_io::Options;
///
/// let file = brine_temp::dump(&vec![7u64; 100])?;
/// let small = Options::new().max_len(16);
/// assert!(brine_temp::load_with::<Vec<u64>>(&file, &small).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_with<T: DeserializeOwned>(
    path: impl AsRef<Path>,
    options: &brine_io::Options,
) -> Result<T, load::Error> {
    let path = path.as_ref();
    let (file, len) = open_regular(path)?;
    let format_error = |source| match source {
        brine_io::load::Error::Io(source) => load::Error::Read { path: path.to_owned(), source },
        source => load::Error::Format { path: path.to_owned(), source },
    };
    if len <= SMALL_FILE {
        // one read into a buffer of the file's size, then every check on it
        let mut bytes = Vec::with_capacity(len as usize);
        let read = std::io::Read::read_to_end(&mut std::io::Read::take(&file, len), &mut bytes);
        read.map_err(|source| load::Error::Read { path: path.to_owned(), source })?;
        return options.load(&bytes).map_err(format_error);
    }
    // the header first: a file too large for the caps is refused unread
    options.load_exact(file, len).map_err(format_error)
}

/// Files up to this size are read whole in one call before their checks;
/// larger ones have their header read and checked first.
const SMALL_FILE: u64 = 64 * 1024;

/// Opens `path` for reading if it is a regular file; returns it and its
/// length. Anything else is refused before a byte is read: reading a named
/// pipe waits for a writer, and a device may never end. On Unix the file is
/// opened non-blocking (a pipe without a writer opens at once, to be
/// refused; a terminal does not become the controlling one) and checked on
/// the open file, one system call fewer than a check by path first;
/// elsewhere the path is checked before it is opened, and again after.
///
/// This is the first step of [`load`](load()); loaders of other file formats built
/// on brine-temp use it to refuse the same files with the same error.
///
/// # Errors
///
/// [`load::Error::Read`] when the path can't be read, [`load::Error::NotAFile`]
/// when it is no regular file.
///
/// # Example
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let error = brine_temp::open_regular(dir.path()).unwrap_err();
/// assert!(matches!(error, brine_temp::load::Error::NotAFile { found: "a directory", .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_regular(path: &Path) -> Result<(std::fs::File, u64), load::Error> {
    let read_error = |source| load::Error::Read { path: path.to_owned(), source };
    let not_a_file =
        |kind: std::fs::FileType| load::Error::NotAFile { path: path.to_owned(), found: describe(kind) };
    #[cfg(not(unix))]
    {
        // without non-blocking opens, opening a pipe would wait for a writer
        let kind = std::fs::metadata(path).map_err(read_error)?.file_type();
        if !kind.is_file() {
            return Err(not_a_file(kind));
        }
    }
    let file = open_for_reading(path).map_err(read_error)?;
    // checked on the open file: the path may have changed since
    let metadata = file.metadata().map_err(read_error)?;
    if !metadata.is_file() {
        return Err(not_a_file(metadata.file_type()));
    }
    Ok((file, metadata.len()))
}

/// Opens `path` read-only without waiting: `O_NONBLOCK` makes opening a
/// named pipe return at once and changes nothing for a regular file's reads.
#[cfg(unix)]
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

/// Opens `path` read-only (its type was checked by path before).
#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// What a file type is, in words, for [`load::Error::NotAFile`].
fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() { "a directory" } else { "something other than a file" }
}
