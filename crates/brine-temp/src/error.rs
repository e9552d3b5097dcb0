//! Errors of dumping to, keeping and loading from files.

use std::io;
use std::path::PathBuf;

use tempfile::NamedTempFile;

/// Why a value could not be dumped to a temporary file.
///
/// When a dump fails, the temporary file is removed: no partial file is left.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// The temporary file could not be created in `dir`.
    #[error("cannot create a temporary file in {}: {source}", dir.display())]
    Create {
        /// The directory it was to be created in.
        dir: PathBuf,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// Writing the file failed (disk full, file size limit, I/O error).
    #[error("cannot write temporary file {}: {source}", path.display())]
    Write {
        /// The temporary file, removed since.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// The value could not be encoded.
    #[error(transparent)]
    Encode(brine_io::DumpError),
}

/// Why a value could not be loaded from a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// The path names something other than a regular file (a directory, a
    /// device, a named pipe): refused before it is opened, as reading it
    /// could wait forever (a pipe) or never end (`/dev/zero`).
    #[error("cannot load {}: expected a regular file, found {found}", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it names: `a directory`, `a named pipe (FIFO)`, ...
        found: &'static str,
    },
    /// The file's content is not a valid envelope of the requested type.
    #[error("{}: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: brine_io::LoadError,
    },
}

impl LoadError {
    /// The format error, when the file was read but its content was refused.
    pub fn format_error(&self) -> Option<&brine_io::LoadError> {
        match self {
            LoadError::Format { source, .. } => Some(source),
            LoadError::Read { .. } | LoadError::NotAFile { .. } => None,
        }
    }
}

/// Why a temporary file could not be kept under a new name (see
/// [`persist`](crate::persist)). The file, with its data, is inside the
/// error: [`PersistError::into_file`] gives it back; dropping the error
/// deletes it.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot persist {} as {}: {source}; the data is still in {} until this error is dropped \
     (PersistError::into_file gives the file back){}",
    from.display(),
    to.display(),
    from.display(),
    hint(source)
)]
#[non_exhaustive]
pub struct PersistError {
    /// The temporary file's path, where the data still is.
    pub from: PathBuf,
    /// The path it was to be kept as.
    pub to: PathBuf,
    /// The error from the operating system.
    #[source]
    pub source: io::Error,
    /// The temporary file.
    pub file: NamedTempFile,
}

impl PersistError {
    /// The temporary file, still holding the data: persist it elsewhere, or
    /// copy it.
    pub fn into_file(self) -> NamedTempFile {
        self.file
    }
}

fn hint(source: &io::Error) -> &'static str {
    if source.kind() == io::ErrorKind::CrossesDevices {
        "; a rename can't cross filesystems: create the temporary file in the target's directory \
         with Builder::dir"
    } else {
        ""
    }
}
