//! [`Error`]: every area's error, so that `?` works across areas.

/// Any error of brine's areas: each crate's own error converts into it, so a
/// function that dumps a file, loads source and captures output can return
/// `Result<_, brine::Error>` and use `?` throughout.
///
/// The message is the area's own; the cause, if any, is its
/// [`source`](std::error::Error::source). Match on the variant (or use
/// [`downcast_ref`](std::error::Error) on the source chain) for the details.
///
/// ```
/// fn round_trip(values: &[u32]) -> Result<Vec<u32>, brine::Error> {
///     let file = brine::dump(&values)?; // brine::temp::dump::Error
///     let back: Vec<u32> = brine::load(&file)?; // brine::temp::load::Error
///     let text = brine::dump_io_source(&back)?; // brine::source::Error
///     Ok(brine::load_io_source(&text)?)
/// }
///
/// assert_eq!(round_trip(&[1, 2, 3])?, [1, 2, 3]);
/// let error = brine::load::<u32>("/no/such/file.brine").unwrap_err();
/// let error = brine::Error::from(error);
/// assert!(matches!(error, brine::Error::TempLoad(_)));
/// # Ok::<(), brine::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing an envelope to a buffer or writer failed ([`dump_io`](crate::dump_io())).
    #[cfg(feature = "io")]
    #[error(transparent)]
    IoDump(#[from] brine_io::dump::Error),
    /// Loading an envelope from bytes failed ([`load_io`](crate::load_io())).
    #[cfg(feature = "io")]
    #[error(transparent)]
    IoLoad(#[from] brine_io::load::Error),
    /// Dumping to a temporary file failed ([`dump`](crate::dump())).
    #[cfg(feature = "temp")]
    #[error(transparent)]
    TempDump(#[from] brine_temp::dump::Error),
    /// Loading from a file failed ([`load`](crate::load())).
    #[cfg(feature = "temp")]
    #[error(transparent)]
    TempLoad(#[from] brine_temp::load::Error),
    /// Writing or reading a value as Rust source failed
    /// ([`dump_io_source`](crate::dump_io_source()), [`load_source`](crate::load_source()), ...).
    #[cfg(feature = "source")]
    #[error(transparent)]
    Source(#[from] brine_source::Error),
    /// Renaming, compiling or loading code failed ([`code`](crate::code)).
    #[cfg(feature = "code")]
    #[error(transparent)]
    Code(#[from] brine_code::Error),
    /// Capturing output failed ([`capture`](crate::capture())).
    #[cfg(all(feature = "capture", unix))]
    #[error(transparent)]
    Capture(#[from] brine_capture::Error),
}
