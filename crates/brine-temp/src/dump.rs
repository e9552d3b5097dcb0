//! [`Error`]: why a value could not be dumped to a temporary file.

use std::path::PathBuf;
use std::{fmt, io};

/// Why a value could not be dumped to a temporary file.
///
/// When a dump fails, the temporary file is removed: no partial file is left.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The temporary file could not be created in `dir`.
    Create {
        /// The directory it was to be created in.
        dir: PathBuf,
        /// The error from the operating system.
        source: io::Error,
    },
    /// Writing the file failed (disk full, file size limit, I/O error).
    Write {
        /// The temporary file, removed since.
        path: PathBuf,
        /// The error from the operating system.
        source: io::Error,
    },
    /// The value could not be encoded.
    Encode(brine_io::dump::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Create { dir, .. } => write!(f, "cannot create a temporary file in {}", dir.display()),
            Error::Write { path, .. } => write!(f, "cannot write temporary file {}", path.display()),
            // transparent: brine-io's message here, brine-io's cause as the source
            Error::Encode(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Create { source, .. } | Error::Write { source, .. } => Some(source),
            Error::Encode(error) => std::error::Error::source(error),
        }
    }
}
