//! The one error type of brine-source.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a value could not be written as Rust source, or read back from it.
///
/// Errors about the text carry the 1-based line and column of the place they
/// were found at, and say what was expected there and what was found.
///
/// ```
/// let error = brine_source::from_str::<Vec<u8>>("[1, 2, 300].into()").unwrap_err();
/// assert_eq!(error.position(), Some((1, 8)));
/// assert_eq!(
///     error.to_string(),
///     "line 1, column 8: expected a u8 (0 to 255), found `300`",
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The value's `Serialize` implementation reported an error.
    Write {
        /// What the `Serialize` implementation said.
        message: String,
    },
    /// The text is not Rust source of the expected shape at this place.
    Syntax {
        /// 1-based line of the offending token.
        line: usize,
        /// 1-based column (in characters) of the offending token.
        column: usize,
        /// What would have been accepted here.
        expected: String,
        /// What is there instead.
        found: String,
    },
    /// The text is well-formed, but its value does not fit the type: an
    /// unknown field or variant, a missing field, an integer out of range, a
    /// string where a number belongs.
    Data {
        /// 1-based line of the value that does not fit.
        line: usize,
        /// 1-based column (in characters) of the value that does not fit.
        column: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The value nests deeper than the limit: refused by the writer, or by
    /// the reader before it could overflow the stack. The writer and the
    /// reader share the limit ([`Options::max_depth`](super::Options::max_depth)),
    /// so what one writes the other reads.
    TooDeep {
        /// When reading: the 1-based line and column (in characters) of the
        /// first value past the limit. `None` when writing.
        position: Option<(usize, usize)>,
        /// The nesting limit.
        limit: usize,
    },
    /// A file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The error from the operating system.
        source: io::Error,
    },
    /// The path names something other than a regular file (a directory, a
    /// device, a named pipe): refused before it is opened.
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it names: `a directory`, `a named pipe (FIFO)`, ...
        found: &'static str,
    },
    /// A file's text could not be read back as a value; `source` says where
    /// and why.
    InFile {
        /// The file.
        path: PathBuf,
        /// The error, with its line and column in the file.
        source: Box<Error>,
    },
    /// The temporary file could not be created or written.
    Dump(brine_temp::dump::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Write { message } => write!(f, "cannot write the value as Rust source: {message}"),
            Error::Syntax { line, column, expected, found } => {
                write!(f, "line {line}, column {column}: expected {expected}, found {found}")
            }
            Error::Data { line, column, message } => write!(f, "line {line}, column {column}: {message}"),
            Error::TooDeep { position, limit } => {
                if let Some((line, column)) = position {
                    write!(f, "line {line}, column {column}: ")?;
                }
                write!(
                    f,
                    "expected at most {limit} levels of nesting, found more \
                     (raise the limit with brine_source::value::Options::max_depth)"
                )
            }
            Error::Read { path, .. } => write!(f, "cannot read {}", path.display()),
            Error::NotAFile { path, found } => {
                write!(f, "cannot load {}: expected a regular file, found {found}", path.display())
            }
            Error::InFile { path, .. } => write!(f, "in {}", path.display()),
            // transparent: brine-temp's message here, brine-temp's cause as the source
            Error::Dump(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } => Some(source),
            // the Box itself, as the derive gave it: it displays as the error inside
            Error::InFile { source, .. } => Some(source),
            Error::Dump(error) => std::error::Error::source(error),
            Error::Write { .. }
            | Error::Syntax { .. }
            | Error::Data { .. }
            | Error::TooDeep { .. }
            | Error::NotAFile { .. } => None,
        }
    }
}

impl From<brine_temp::dump::Error> for Error {
    fn from(error: brine_temp::dump::Error) -> Self {
        Error::Dump(error)
    }
}

impl Error {
    /// The 1-based `(line, column)` the error was found at, when it is about
    /// the text (also through [`Error::InFile`]).
    ///
    /// ```
    /// let error = brine_source::from_str::<(i32, i32)>("(1,\n 2").unwrap_err();
    /// assert_eq!(error.position(), Some((2, 3)));
    /// ```
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            Error::Syntax { line, column, .. } | Error::Data { line, column, .. } => Some((*line, *column)),
            Error::TooDeep { position, .. } => *position,
            Error::InFile { source, .. } => source.position(),
            _ => None,
        }
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::Write { message: message.to_string() }
    }
}

/// The reader's error before it knows the text's line breaks: positions are
/// byte offsets, turned into line and column by [`ReadError::locate`].
#[derive(Debug)]
pub(crate) struct ReadError {
    pub(crate) kind: ReadErrorKind,
    /// Byte offset into the text, once known.
    pub(crate) offset: Option<usize>,
}

#[derive(Debug)]
pub(crate) enum ReadErrorKind {
    Syntax { expected: String, found: String },
    Data(String),
    TooDeep(usize),
}

impl ReadError {
    pub(crate) fn syntax(offset: usize, expected: impl Into<String>, found: impl Into<String>) -> Self {
        ReadError {
            kind: ReadErrorKind::Syntax { expected: expected.into(), found: found.into() },
            offset: Some(offset),
        }
    }

    pub(crate) fn data(offset: usize, message: impl Into<String>) -> Self {
        ReadError { kind: ReadErrorKind::Data(message.into()), offset: Some(offset) }
    }

    /// Gives a position to an error that has none yet (one raised by a
    /// `Deserialize` implementation).
    pub(crate) fn at(mut self, offset: usize) -> Self {
        if self.offset.is_none() {
            self.offset = Some(offset);
        }
        self
    }

    /// The public error, with the offset turned into line and column.
    pub(crate) fn locate(self, text: &str) -> Error {
        let (line, column) = line_column(text, self.offset.unwrap_or(text.len()));
        match self.kind {
            ReadErrorKind::Syntax { expected, found } => Error::Syntax { line, column, expected, found },
            ReadErrorKind::Data(message) => Error::Data { line, column, message },
            ReadErrorKind::TooDeep(limit) => Error::TooDeep { position: Some((line, column)), limit },
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ReadErrorKind::Syntax { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ReadErrorKind::Data(message) => f.write_str(message),
            ReadErrorKind::TooDeep(limit) => {
                write!(f, "expected at most {limit} levels of nesting, found more")
            }
        }
    }
}

impl std::error::Error for ReadError {}

impl serde::de::Error for ReadError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ReadError { kind: ReadErrorKind::Data(message.to_string()), offset: None }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn line_column_counts_characters_from_one() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("abc", 2), (1, 3));
        assert_eq!(line_column("a\nbc", 3), (2, 2));
        assert_eq!(line_column("é\nxé!", 6), (2, 3));
        assert_eq!(line_column("ab", 10), (1, 3));
    }
}
