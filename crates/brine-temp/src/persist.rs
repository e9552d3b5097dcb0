//! [`Error`]: why a temporary file could not be kept under a new name.

use std::path::PathBuf;
use std::{fmt, io};

use tempfile::NamedTempFile;

/// Why a temporary file could not be kept under a new name (see
/// [`persist`](crate::persist())). The file, with its data, is inside the
/// error: [`Error::into_file`] gives it back; dropping the error deletes it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Error {
    /// The temporary file's path, where the data still is.
    pub from: PathBuf,
    /// The path it was to be kept as.
    pub to: PathBuf,
    /// The error from the operating system.
    pub source: io::Error,
    /// The temporary file.
    pub file: NamedTempFile,
}

impl Error {
    /// The temporary file, still holding the data: persist it elsewhere, or
    /// copy it.
    pub fn into_file(self) -> NamedTempFile {
        self.file
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot persist {} as {}; the data is still in {} until this error is dropped \
             (persist::Error::into_file gives the file back){}",
            self.from.display(),
            self.to.display(),
            self.from.display(),
            hint(&self.source)
        )
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
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
