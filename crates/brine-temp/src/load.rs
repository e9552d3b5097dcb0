//! [`Error`]: why a value could not be loaded from a file.

use std::io;
use std::path::PathBuf;

/// Why a value could not be loaded from a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
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
    #[error("cannot load {}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: brine_io::load::Error,
    },
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
