//! [`Output`] and [`BothOutput`]: what a capture collected.

use std::borrow::Cow;

use crate::{Error, Stream};

/// The bytes a capture collected, exactly as written.
///
/// The bytes are kept as they came; text is decoded once, on request, from the
/// whole output, so a character split across two writes decodes correctly.
///
/// ```
/// use brine_capture::Stream;
///
/// let ((), output) = brine_capture::capturing(Stream::Stdout, || {
///     use std::io::Write;
///     std::io::stdout().write_all("caf\u{e9} \u{2615}\n".as_bytes()).unwrap();
/// })?;
/// assert_eq!(output.to_str()?, "café ☕\n");
/// assert_eq!(output.as_bytes().len(), 10);
/// assert_eq!(output.stream(), Stream::Stdout);
/// # Ok::<(), brine_capture::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Output {
    stream: Stream,
    bytes: Vec<u8>,
}

impl Output {
    pub(crate) fn new(stream: Stream, bytes: Vec<u8>) -> Self {
        Output { stream, bytes }
    }

    /// Which stream this output came from.
    ///
    /// ```
    /// let capture = brine_capture::capture(brine_capture::Stream::Stderr)?;
    /// assert_eq!(capture.finish()?.stream(), brine_capture::Stream::Stderr);
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// The captured bytes.
    ///
    /// ```
    /// let (_, output) = brine_capture::capturing(brine_capture::Stream::Stdout, || {
    ///     use std::io::Write;
    ///     std::io::stdout().write_all(&[0, 159, 146, 150]).unwrap();
    /// })?;
    /// assert_eq!(output.as_bytes(), [0, 159, 146, 150]);
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The captured bytes, without a copy.
    ///
    /// ```
    /// let (_, output) = brine_capture::capturing(brine_capture::Stream::Stdout, || {
    ///     use std::io::Write;
    ///     std::io::stdout().write_all(b"raw").unwrap();
    /// })?;
    /// let bytes: Vec<u8> = output.into_bytes();
    /// assert_eq!(bytes, b"raw");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// How many bytes were captured.
    ///
    /// ```
    /// let capture = brine_capture::capture(brine_capture::Stream::Stdout)?;
    /// assert_eq!(capture.finish()?.len(), 0);
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was captured.
    ///
    /// ```
    /// let capture = brine_capture::capture(brine_capture::Stream::Stdout)?;
    /// assert!(capture.finish()?.is_empty());
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The output as text, strictly: an error if it is not valid UTF-8.
    ///
    /// ```
    /// let (_, output) = brine_capture::capturing(brine_capture::Stream::Stdout, || {
    ///     use std::io::Write;
    ///     std::io::stdout().write_all(b"ok \xff").unwrap();
    /// })?;
    /// let error = output.to_str().unwrap_err();
    /// assert!(error.to_string().contains("found ff at byte 3"), "{error}");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn to_str(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.bytes).map_err(|error| self.not_utf8(error))
    }

    /// The output as an owned `String`, strictly, without a copy.
    ///
    /// ```
    /// let (_, output) = brine_capture::capturing(brine_capture::Stream::Stdout, || {
    ///     use std::io::Write;
    ///     std::io::stdout().write_all(b"owned").unwrap();
    /// })?;
    /// let text: String = output.into_string()?;
    /// assert_eq!(text, "owned");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn into_string(self) -> Result<String, Error> {
        let stream = self.stream;
        String::from_utf8(self.bytes).map_err(|error| not_utf8(stream, error.as_bytes(), error.utf8_error()))
    }

    /// The output as text, with each invalid sequence replaced by `U+FFFD`.
    ///
    /// ```
    /// let (_, output) = brine_capture::capturing(brine_capture::Stream::Stdout, || {
    ///     use std::io::Write;
    ///     std::io::stdout().write_all(b"ok \xff").unwrap();
    /// })?;
    /// assert_eq!(output.to_string_lossy(), "ok \u{fffd}");
    /// # Ok::<(), brine_capture::Error>(())
    /// ```
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }

    fn not_utf8(&self, error: std::str::Utf8Error) -> Error {
        not_utf8(self.stream, &self.bytes, error)
    }
}

fn not_utf8(stream: Stream, bytes: &[u8], error: std::str::Utf8Error) -> Error {
    let offset = error.valid_up_to();
    let found = match error.error_len() {
        Some(len) => bytes
            .get(offset..offset + len)
            .unwrap_or_default()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
        None => "a character cut short by the end of the output".to_owned(),
    };
    Error::NotUtf8 { stream, offset, found, len: bytes.len() }
}

impl AsRef<[u8]> for Output {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl From<Output> for Vec<u8> {
    fn from(output: Output) -> Self {
        output.bytes
    }
}

/// What [`capture_both`](crate::capture_both) collected: stdout and stderr, kept apart.
///
/// ```
/// let ((), both) = brine_capture::capturing_both(|| {
///     use std::io::Write;
///     std::io::stdout().write_all(b"to stdout\n").unwrap();
///     std::io::stderr().write_all(b"to stderr\n").unwrap();
/// })?;
/// assert_eq!(both.stdout.to_str()?, "to stdout\n");
/// assert_eq!(both.stderr.to_str()?, "to stderr\n");
/// # Ok::<(), brine_capture::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BothOutput {
    /// What was written to fd 1.
    pub stdout: Output,
    /// What was written to fd 2.
    pub stderr: Output,
}
