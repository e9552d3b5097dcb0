//! [`Error`]: why a temporary file could not be kept under a new name.

use std::io;
use std::path::PathBuf;

use tempfile::NamedTempFile;

/// Why a temporary file could not be kept under a new name (see
/// [`persist`](crate::persist())). The file, with its data, is inside the
/// error: [`Error::into_file`] gives it back; dropping the error deletes it.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot persist {} as {}; the data is still in {} until this error is dropped \
     (persist::Error::into_file gives the file back){}",
    from.display(),
    to.display(),
    from.display(),
    hint(source)
)]
#[non_exhaustive]
pub struct Error {
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

impl Error {
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
