//! [`Builder`]: where and how a temporary file is made, and what is written to it.

use std::ffi::OsString;
use std::fs::Permissions;
use std::io::{self, Seek, Write};
use std::path::PathBuf;

use serde::Serialize;
use tempfile::NamedTempFile;

use crate::dump;

/// Options for the temporary file of a dump: name, directory, permissions.
///
/// Setters take and return the builder, so a configured builder can be kept
/// and used for many dumps.
///
/// # Example
///
/// ```
/// use brine_temp::Builder;
///
/// let dir = tempfile::tempdir()?;
/// let snapshots = Builder::new().prefix("snapshot-").suffix(".brine").dir(dir.path());
///
/// let first = snapshots.dump(&[1u16, 2, 3])?;
/// let name = first.path().file_name().unwrap().to_string_lossy().into_owned();
/// assert!(name.starts_with("snapshot-") && name.ends_with(".brine"));
/// assert_eq!(first.path().parent(), Some(dir.path()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    prefix: OsString,
    suffix: OsString,
    rand_bytes: usize,
    dir: Option<PathBuf>,
    permissions: Option<Permissions>,
    keep: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// Defaults: prefix `"brine-"`, no suffix, 12 random characters, the
    /// system's temporary directory, mode 0600, deleted on drop.
    pub fn new() -> Self {
        Builder {
            prefix: "brine-".into(),
            suffix: OsString::new(),
            rand_bytes: 12,
            dir: None,
            permissions: None,
            keep: false,
        }
    }

    /// The start of the file name.
    pub fn prefix(mut self, prefix: impl Into<OsString>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The end of the file name, such as `".brine"` or `".rs"`.
    pub fn suffix(mut self, suffix: impl Into<OsString>) -> Self {
        self.suffix = suffix.into();
        self
    }

    /// How many random characters go between prefix and suffix (default 12).
    pub fn rand_bytes(mut self, count: usize) -> Self {
        self.rand_bytes = count;
        self
    }

    /// The directory to create the file in (default: [`std::env::temp_dir`]).
    ///
    /// Use the target's directory when the file is to be
    /// [persisted](NamedTempFile::persist): a rename can't cross filesystems.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The file's permissions (default: read and write for the owner only).
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Keep the file when the handle is dropped (default: `false`, delete
    /// it), as tempfile's `disable_cleanup` does. A dump that fails leaves no
    /// file either way.
    pub fn disable_cleanup(mut self, disable_cleanup: bool) -> Self {
        self.keep = disable_cleanup;
        self
    }

    /// The directory files are created in.
    pub fn target_dir(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    /// Dumps `value` as a brine envelope to a new temporary file.
    ///
    /// The value is streamed to the file in chunks of up to 1 MiB in one pass (a
    /// smaller envelope in one write); the file
    /// is flushed and positioned at its start.
    ///
    /// # Errors
    ///
    /// As [`dump`](crate::dump()).
    pub fn dump<T: Serialize + ?Sized>(&self, value: &T) -> Result<NamedTempFile, dump::Error> {
        let mut file = self.removed_on_drop()?;
        match brine_io::dump_into_seekable(value, file.as_file_mut()) {
            Ok(()) => {}
            Err(brine_io::dump::Error::Io(source)) => {
                return Err(dump::Error::Write { path: file.path().to_owned(), source });
            }
            Err(error) => return Err(dump::Error::Encode(error)),
        }
        self.finish(file)
    }

    /// Creates a temporary file and fills it with whatever `write` writes
    /// (the closure form of [`dump`](Self::dump)).
    ///
    /// This is the hook for other content than envelopes (Rust source, say):
    /// the file gets this builder's name, place and permissions, `write`
    /// writes through a buffer, and the file is flushed and positioned at its
    /// start. When `write` fails, the file is removed.
    ///
    /// # Errors
    ///
    /// [`dump::Error::Create`], or [`dump::Error::Write`] with the error `write` returned.
    ///
    /// # Example
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// let file = brine_temp::Builder::new()
    ///     .suffix(".txt")
    ///     .fill(|out| writeln!(out, "hello"))?;
    /// assert_eq!(std::fs::read_to_string(&file)?, "hello\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fill<F>(&self, write: F) -> Result<NamedTempFile, dump::Error>
    where
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
    {
        let mut file = self.removed_on_drop()?;
        let written = {
            let mut out = io::BufWriter::with_capacity(64 * 1024, file.as_file_mut());
            write(&mut out).and_then(|()| out.flush())
        };
        if let Err(source) = written {
            return Err(dump::Error::Write { path: file.path().to_owned(), source });
        }
        self.finish(file)
    }

    /// Creates an empty temporary file with this builder's options.
    ///
    /// # Errors
    ///
    /// [`dump::Error::Create`] naming the directory.
    pub fn tempfile(&self) -> Result<NamedTempFile, dump::Error> {
        let mut file = self.removed_on_drop()?;
        file.disable_cleanup(self.keep);
        Ok(file)
    }

    /// A new file with this builder's name, place and permissions, removed
    /// when dropped whatever [`Builder::disable_cleanup`] says: a dump that fails part
    /// way drops it, and no partial file is left in any mode.
    fn removed_on_drop(&self) -> Result<NamedTempFile, dump::Error> {
        let mut options = tempfile::Builder::new();
        options.prefix(&self.prefix).suffix(&self.suffix).rand_bytes(self.rand_bytes);
        if let Some(permissions) = &self.permissions {
            options.permissions(permissions.clone());
        }
        let dir = self.target_dir();
        options.tempfile_in(&dir).map_err(|source| dump::Error::Create { dir, source })
    }

    /// A written file: positioned at its start, and only now kept if asked.
    fn finish(&self, mut file: NamedTempFile) -> Result<NamedTempFile, dump::Error> {
        match file.as_file_mut().rewind() {
            Ok(()) => {
                file.disable_cleanup(self.keep);
                Ok(file)
            }
            Err(source) => Err(dump::Error::Write { path: file.path().to_owned(), source }),
        }
    }
}
