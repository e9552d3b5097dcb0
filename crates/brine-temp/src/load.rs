//! [`Error`]: why a value could not be loaded from a file.

use std::path::PathBuf;
use std::{fmt, io};

/// Why a value could not be loaded from a file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The error from the operating system.
        source: io::Error,
    },
    /// The path names something other than a regular file (a directory, a
    /// device, a named pipe): refused before it is opened, as reading it
    /// could wait forever (a pipe) or never end (`/dev/zero`).
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it names: `a directory`, `a named pipe (FIFO)`, ...
        found: &'static str,
    },
    /// The file's content is not a valid envelope of the requested type.
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: brine_io::load::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { path, .. } => write!(f, "cannot read {}", path.display()),
            Error::NotAFile { path, found } => {
                write!(f, "cannot load {}: expected a regular file, found {found}", path.display())
            }
            Error::Format { path, .. } => write!(f, "cannot load {}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } => Some(source),
            Error::Format { source, .. } => Some(source),
            Error::NotAFile { .. } => None,
        }
    }
}

impl Error {
    /// The format error, when the file was read but its content was refused.
    pub fn format_error(&self) -> Option<&brine_io::load::Error> {
        match self {
            Error::Format { source, .. } => Some(source),
            Error::Read { .. } | Error::NotAFile { .. } => None,
        }
    }
}
