//! `dump`, `dump_with` and `load`: `.rs` temporary files through brine-temp's
//! Builder, a leading comment naming the type, and loading from every kind
//! of path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brine_source::Error;
use brine_temp::Builder;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Settings {
    name: String,
    limits: BTreeMap<String, u32>,
    ratio: f64,
}

fn settings() -> Settings {
    Settings {
        name: "nightly".into(),
        limits: BTreeMap::from([("cpu".into(), 2), ("memory".into(), 512)]),
        ratio: 0.25,
    }
}

#[test]
fn dump_writes_an_rs_file_with_a_comment_naming_the_type() -> anyhow::Result<()> {
    let file = brine_source::dump(&settings())?;
    assert_eq!(file.path().extension().and_then(|e| e.to_str()), Some("rs"));
    let text = std::fs::read_to_string(&file)?;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("// a value of type `file_dump::Settings`"));
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.join("\n"), brine_source::to_string(&settings())?);
    assert!(text.ends_with("}\n"));
    Ok(())
}

#[test]
fn load_accepts_every_kind_of_path() -> anyhow::Result<()> {
    let file = brine_source::dump(&settings())?;
    let path: PathBuf = file.path().to_owned();
    assert_eq!(brine_source::load::<Settings>(&file)?, settings());
    assert_eq!(brine_source::load::<Settings>(file.path())?, settings());
    assert_eq!(brine_source::load::<Settings>(path.to_str().unwrap_or_default())?, settings());
    assert_eq!(brine_source::load::<Settings>(path.clone())?, settings());
    Ok(())
}

#[test]
fn the_file_is_readable_as_it_is_written() -> anyhow::Result<()> {
    // Flushed and positioned at the start: reading the handle gives the text.
    use std::io::Read;
    let mut file = brine_source::dump(&[1u8, 2, 3])?;
    let mut text = String::new();
    file.as_file_mut().read_to_string(&mut text)?;
    assert!(text.ends_with("(1, 2, 3).into()\n"), "{text}");
    Ok(())
}

#[test]
fn builder_options_set_prefix_and_directory() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let builder = Builder::new().prefix("fixture-").suffix(".rs").dir(dir.path());
    let file = brine_source::dump_with(&settings(), &builder)?;
    let name = file.path().file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    assert!(name.starts_with("fixture-") && name.ends_with(".rs"), "{name}");
    assert_eq!(file.path().parent(), Some(dir.path()));
    assert_eq!(brine_source::load::<Settings>(&file)?, settings());
    Ok(())
}

#[test]
fn files_are_deleted_on_drop_and_kept_by_persist() -> anyhow::Result<()> {
    let file = brine_source::dump(&settings())?;
    let path = file.path().to_owned();
    drop(file);
    assert!(!path.exists());

    let dir = tempfile::tempdir()?;
    let keep = dir.path().join("settings.rs");
    brine_source::dump(&settings())?.persist(&keep)?;
    assert_eq!(brine_source::load::<Settings>(&keep)?, settings());
    Ok(())
}

#[test]
fn hand_edited_files_load() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("edited.rs");
    std::fs::write(
        &path,
        "// settings, edited by hand\n\
         Settings {\n\
             name: String::from(\"nightly\"), // renamed later\n\
             limits: [(\"memory\".to_string(), 0x200), (\"cpu\".into(), 2u32)].into(),\n\
             ratio: 25e-2,\n\
         }\n",
    )?;
    assert_eq!(brine_source::load::<Settings>(&path)?, settings());
    Ok(())
}

#[test]
fn load_errors_name_the_file() -> anyhow::Result<()> {
    let missing = std::env::temp_dir().join("brine-source-no-such-file.rs");
    let error = brine_source::load::<Settings>(&missing).unwrap_err();
    assert!(matches!(error, Error::Read { .. }), "{error:?}");
    assert!(error.to_string().starts_with(&format!("cannot read {}", missing.display())), "{error}");
    assert_eq!(error.position(), None);

    let file = brine_source::dump(&settings())?;
    let error = brine_source::load::<Vec<u8>>(&file).unwrap_err();
    assert_eq!(error.position(), Some((2, 1)));
    let error = anyhow::Error::from(error);
    assert!(format!("{error:#}").contains("expected a sequence"), "{error:#}");
    Ok(())
}

#[test]
fn dump_refuses_a_directory_that_does_not_exist() {
    let builder = Builder::new().suffix(".rs").dir("/nonexistent/brine/dir");
    let error = brine_source::dump_with(&1u8, &builder).unwrap_err();
    assert!(matches!(error, Error::Dump(_)), "{error:?}");
}

/// Only regular files are read: a directory, a device or a named pipe is
/// refused before it is opened (a pipe would wait for a writer, `/dev/zero`
/// would never end).
#[test]
fn load_refuses_what_is_not_a_regular_file() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut cases = vec![(dir.path().to_owned(), "a directory")];
    if std::path::Path::new("/dev/zero").exists() {
        cases.push(("/dev/zero".into(), "a character device"));
    }
    let fifo = dir.path().join("pipe");
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        cases.push((fifo, "a named pipe (FIFO)"));
    }
    for (path, found) in cases {
        let error = brine_source::load::<Vec<u8>>(&path).unwrap_err();
        assert!(matches!(&error, brine_source::Error::NotAFile { .. }), "{}: {error:?}", path.display());
        assert_eq!(
            error.to_string(),
            format!("cannot load {}: expected a regular file, found {found}", path.display())
        );
    }
    Ok(())
}
