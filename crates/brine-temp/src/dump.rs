//! [`Error`]: why a value could not be dumped to a temporary file.

use std::io;
use std::path::PathBuf;

/// Why a value could not be dumped to a temporary file.
///
/// When a dump fails, the temporary file is removed: no partial file is left.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The temporary file could not be created in `dir`.
    #[error("cannot create a temporary file in {}", dir.display())]
    Create {
        /// The directory it was to be created in.
        dir: PathBuf,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// Writing the file failed (disk full, file size limit, I/O error).
    #[error("cannot write temporary file {}", path.display())]
    Write {
        /// The temporary file, removed since.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// The value could not be encoded.
    #[error(transparent)]
    Encode(brine_io::dump::Error),
}
