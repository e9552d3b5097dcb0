//! Rust source in temporary files: [`dump`], [`dump_with`], [`load`] and
//! [`load_with`].

use std::io::Read;
use std::path::Path;

use brine_temp::{Builder, NamedTempFile};
use serde::de::DeserializeOwned;

use crate::{Error, Options, Source};

/// Writes `value` as Rust source to a new temporary `.rs` file.
///
/// The file starts with a comment naming what it holds, followed by the
/// expression: it is a valid input for `include!`, so with the value's types
/// in scope `let value: T = include!("/tmp/....rs");` compiles. The file is
/// flushed, positioned at its start, readable by its owner only, and deleted
/// when the handle is dropped (`.persist(path)` keeps it).
///
/// ```
/// let file = brine_source::dump(&vec![(1, 'a'), (2, 'b')])?;
/// assert_eq!(file.path().extension().unwrap(), "rs");
/// let text = std::fs::read_to_string(&file)?;
/// assert!(text.starts_with("// "));
/// assert!(text.ends_with("[(1, 'a'), (2, 'b')].into()\n"));
///
/// let back: Vec<(i32, char)> = brine_source::load(&file)?;
/// assert_eq!(back, [(1, 'a'), (2, 'b')]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] when the value cannot be written, [`Error::Dump`] when
/// the file cannot be created or written.
pub fn dump<T: Source + ?Sized>(value: &T) -> Result<NamedTempFile, Error> {
    dump_with(value, &Builder::new().suffix(".rs"))
}

/// Like [`dump`], with the file's name and place from `builder`
/// (its prefix, suffix — give `.rs` yourself — and directory).
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let builder = brine_temp::Builder::new().prefix("fixture-").suffix(".rs").dir(dir.path());
/// let file = brine_source::dump_with(&[1.5f64, -0.0], &builder)?;
/// let name = file.path().file_name().unwrap().to_str().unwrap();
/// assert!(name.starts_with("fixture-") && name.ends_with(".rs"));
/// assert!(file.path().starts_with(dir.path()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As for [`dump`].
pub fn dump_with<T: Source + ?Sized>(value: &T, builder: &Builder) -> Result<NamedTempFile, Error> {
    let text = value.to_source()?;
    let header = value.source_description();
    let file = builder.fill(|out| {
        for line in header.lines() {
            writeln!(out, "// {line}")?;
        }
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        Ok(())
    })?;
    Ok(file)
}

/// Reads a value back from a Rust source file, such as one written by
/// [`dump`], without a compiler.
///
/// `path` can be a `&NamedTempFile`, a `&Path`, a `&str` or a `PathBuf`.
///
/// ```
/// use std::collections::BTreeMap;
///
/// let file = brine_source::dump(&BTreeMap::from([("b", 2), ("a", 1)]))?;
/// let map: BTreeMap<String, u8> = brine_source::load(&file)?;
/// assert_eq!(map["a"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read, [`Error::NotAFile`] when
/// the path names a directory, a device or a named pipe, [`Error::InFile`]
/// (with the line and column) when its text is not a value of type `T`.
pub fn load<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T, Error> {
    load_with(path, &Options::new())
}

/// [`load`] with [`Options`]: a deeper or shallower nesting limit.
///
/// ```
/// use brine_source::Options;
///
/// let file = brine_source::dump(&vec![vec![vec![1u8]]])?;
/// assert!(brine_source::load_with::<Vec<Vec<Vec<u8>>>>(&file, &Options::new().max_depth(2)).is_err());
/// let back: Vec<Vec<Vec<u8>>> = brine_source::load_with(&file, &Options::new().max_depth(3))?;
/// assert_eq!(back, [[[1]]]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`load`].
pub fn load_with<T: DeserializeOwned>(path: impl AsRef<Path>, options: &Options) -> Result<T, Error> {
    let path = path.as_ref();
    let read_error = |source| Error::Read { path: path.to_owned(), source };
    let (file, len) = brine_temp::open_regular(path).map_err(|error| match error {
        brine_temp::load::Error::NotAFile { path, found } => Error::NotAFile { path, found },
        brine_temp::load::Error::Read { source, .. } => read_error(source),
        other => read_error(std::io::Error::other(other.to_string())),
    })?;
    // exactly the file's length, read as it arrives: a file that grows while
    // it is read is not followed
    let mut text = String::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 20));
    file.take(len).read_to_string(&mut text).map_err(read_error)?;
    options
        .from_str(&text)
        .map_err(|source| Error::InFile { path: path.to_owned(), source: Box::new(source) })
}
