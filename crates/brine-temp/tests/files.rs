//! Temporary files: created right, loaded from any path type, gone after drop.

#![allow(clippy::unwrap_used)] // test helpers fail the test by panicking

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use brine_temp::{Builder, NamedTempFile, dump, load};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Session {
    user: String,
    history: Vec<String>,
}

fn session() -> Session {
    Session { user: "ada".into(), history: vec!["load".into(), "plot".into()] }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

#[test]
fn dump_is_flushed_rewound_private_and_random() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = Builder::new().dir(dir.path()).dump(&session()).unwrap();
    // positioned at the start: reading the handle gives the whole envelope
    let mut bytes = Vec::new();
    file.as_file_mut().read_to_end(&mut bytes).unwrap();
    assert_eq!(&bytes[..8], &brine_io::MAGIC);
    assert_eq!(brine_io::load::<Session>(&bytes).unwrap(), session());
    // flushed: the path has the same bytes
    assert_eq!(std::fs::read(file.path()).unwrap(), bytes);
    // owner read/write only
    let mode = file.as_file().metadata().unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    // random names
    let other = Builder::new().dir(dir.path()).dump(&session()).unwrap();
    assert_ne!(file.path(), other.path());
    let name = file.path().file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("brine-") && name.len() == "brine-".len() + 12, "{name}");
    file.as_file_mut().seek(SeekFrom::Start(0)).unwrap();
}

#[test]
fn load_takes_the_handle_and_every_path_type() {
    let file = brine_temp::dump(&session()).unwrap();
    let path: &Path = file.path();
    let text: &str = path.to_str().unwrap();
    let owned: PathBuf = path.to_path_buf();
    assert_eq!(brine_temp::load::<Session>(&file).unwrap(), session());
    assert_eq!(brine_temp::load::<Session>(path).unwrap(), session());
    assert_eq!(brine_temp::load::<Session>(text).unwrap(), session());
    assert_eq!(brine_temp::load::<Session>(&owned).unwrap(), session());
    assert_eq!(brine_temp::load::<Session>(owned).unwrap(), session());
}

#[test]
fn deleted_on_drop() {
    let file = brine_temp::dump(&session()).unwrap();
    let path = file.path().to_owned();
    assert!(path.exists());
    drop(file);
    assert!(!path.exists());
}

#[test]
fn deleted_when_a_panic_unwinds() {
    let dir = tempfile::tempdir().unwrap();
    let result = std::panic::catch_unwind(|| {
        let _file = Builder::new().dir(dir.path()).dump(&session()).unwrap();
        assert_eq!(files_in(dir.path()).len(), 1);
        panic!("boom");
    });
    assert!(result.is_err());
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
}

#[test]
fn kept_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let file = Builder::new().dir(dir.path()).disable_cleanup(true).dump(&1u8).unwrap();
    let path = file.path().to_owned();
    drop(file);
    assert_eq!(brine_temp::load::<u8>(&path).unwrap(), 1);
}

#[test]
fn persist_is_an_atomic_save() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("session.brine");
    std::fs::write(&target, b"old content").unwrap();
    let file = Builder::new().dir(dir.path()).dump(&session()).unwrap();
    let temp_path = file.path().to_owned();
    file.persist(&target).unwrap();
    assert!(!temp_path.exists(), "renamed, not copied");
    assert_eq!(brine_temp::load::<Session>(&target).unwrap(), session());
    assert_eq!(files_in(dir.path()), vec![target]);
}

#[test]
fn missing_file_names_the_path() {
    let error = brine_temp::load::<Session>("/nonexistent/dir/state.brine").unwrap_err();
    assert!(
        matches!(&error, load::Error::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    assert_eq!(error.to_string(), "cannot read /nonexistent/dir/state.brine");
    let text = format!("{:#}", anyhow::Error::from(error));
    assert!(text.starts_with("cannot read /nonexistent/dir/state.brine: "), "{text}");
}

#[test]
fn wrong_content_names_the_path_and_the_problem() {
    let file = brine_temp::dump(&session()).unwrap();
    let error = brine_temp::load::<Vec<u8>>(&file).unwrap_err();
    assert!(matches!(error.format_error(), Some(brine_io::load::Error::TypeMismatch { .. })));
    let text = format!("{:#}", anyhow::Error::from(error));
    assert!(text.starts_with(&format!("cannot load {}: type mismatch", file.path().display())), "{text}");

    let plain = NamedTempFile::new().unwrap();
    std::fs::write(plain.path(), "not brine").unwrap();
    let error = anyhow::Error::from(brine_temp::load::<Session>(&plain).unwrap_err());
    assert!(format!("{error:#}").contains("not a brine envelope"), "{error:#}");
}

#[test]
fn a_failed_dump_leaves_no_file() {
    #[derive(Serialize)]
    struct Skips {
        #[serde(skip_serializing_if = "Option::is_none")]
        maybe: Option<u8>,
    }
    let dir = tempfile::tempdir().unwrap();
    let error = Builder::new().dir(dir.path()).dump(&Skips { maybe: None }).unwrap_err();
    assert!(matches!(error, dump::Error::Encode(brine_io::dump::Error::Unsupported { .. })), "{error:?}");
    assert!(files_in(dir.path()).is_empty());

    let error =
        Builder::new().dir(dir.path()).fill(|_| Err(std::io::Error::other("generator failed"))).unwrap_err();
    let error = anyhow::Error::from(error);
    assert!(format!("{error:#}").contains("generator failed"), "{error:#}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let error = Builder::new().dir("/nonexistent/brine/dir").dump(&1u8).unwrap_err();
    assert!(matches!(error, dump::Error::Create { .. }), "{error:?}");
    let error = anyhow::Error::from(error);
    assert!(
        format!("{error:#}").starts_with("cannot create a temporary file in /nonexistent/brine/dir: "),
        "{error:#}"
    );
}

#[test]
fn prefix_suffix_and_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let file = Builder::new()
        .dir(dir.path())
        .prefix("snap-")
        .suffix(".brine")
        .rand_bytes(4)
        .permissions(std::fs::Permissions::from_mode(0o640))
        .dump(&1u8)
        .unwrap();
    let name = file.path().file_name().unwrap().to_str().unwrap().to_owned();
    assert!(name.starts_with("snap-") && name.ends_with(".brine") && name.len() == 15, "{name}");
    assert_eq!(file.as_file().metadata().unwrap().permissions().mode() & 0o777, 0o640);
}

#[test]
fn large_values_stream_through() {
    let big: Vec<u32> = (0..300_000).collect();
    let file = brine_temp::dump(&big).unwrap();
    assert_eq!(brine_temp::load::<Vec<u32>>(&file).unwrap(), big);
    let expected = brine_io::dump(&big).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), expected, "the file holds exactly the envelope");
}

/// Only regular files are loaded: a directory, a device or a named pipe is
/// refused before a byte is read (reading a pipe would wait for a writer,
/// reading `/dev/zero` would never end), and opening a pipe without a writer
/// does not hang.
#[test]
fn only_regular_files_are_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut cases = vec![(dir.path().to_owned(), "a directory")];
    if Path::new("/dev/null").exists() {
        cases.push(("/dev/null".into(), "a character device"));
    }
    if made {
        cases.push((fifo, "a named pipe (FIFO)"));
    }
    for (path, found) in cases {
        let error = brine_temp::load::<Session>(&path).unwrap_err();
        assert!(matches!(&error, load::Error::NotAFile { .. }), "{}: {error:?}", path.display());
        assert_eq!(
            error.to_string(),
            format!("cannot load {}: expected a regular file, found {found}", path.display())
        );
    }
}

/// A value whose `Serialize` fails half-way, after some bytes are written.
struct FailsHalfWay;

impl Serialize for FailsHalfWay {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(200_000))?;
        for i in 0..100_000u32 {
            seq.serialize_element(&i)?;
        }
        Err(S::Error::custom("refused half-way"))
    }
}

#[test]
fn a_failed_dump_leaves_no_file_with_cleanup_disabled_too() {
    for keep in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let builder = Builder::new().dir(dir.path()).disable_cleanup(keep);
        let error = builder.dump(&FailsHalfWay).unwrap_err();
        assert!(error.to_string().contains("refused half-way"), "{error}");
        assert!(files_in(dir.path()).is_empty(), "keep({keep}) left {:?}", files_in(dir.path()));
        let error = builder.fill(|_| Err(std::io::Error::other("generator failed"))).unwrap_err();
        let error = anyhow::Error::from(error);
        assert!(format!("{error:#}").contains("generator failed"), "{error:#}");
        assert!(files_in(dir.path()).is_empty(), "keep({keep}) left {:?}", files_in(dir.path()));
        // a dump that succeeds is kept when asked
        let file = builder.dump(&1u8).unwrap();
        let path = file.path().to_owned();
        drop(file);
        assert_eq!(path.exists(), keep);
    }
}

/// A rename can't cross filesystems: the error names both paths and says
/// where the data still is, and gives the file back.
#[test]
fn a_persist_across_filesystems_says_where_the_data_is() {
    use std::os::unix::fs::MetadataExt;
    let other = Path::new("/dev/shm");
    let here = tempfile::tempdir().unwrap();
    let device = |path: &Path| std::fs::metadata(path).map(|m| m.dev()).ok();
    if !other.is_dir() || device(other) == device(here.path()) {
        eprintln!("no second filesystem at /dev/shm: the cross-device persist is not tried");
        return;
    }
    let there = tempfile::tempdir_in(other).unwrap();
    let file = Builder::new().dir(there.path()).dump(&7u32).unwrap();
    let from = file.path().to_owned();
    let target = here.path().join("kept.brine");
    let error = brine_temp::persist(file, &target).unwrap_err();
    assert_eq!(error.source.kind(), std::io::ErrorKind::CrossesDevices);
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("cannot persist {} as {}", from.display(), target.display())),
        "{text}"
    );
    assert!(text.contains(&format!("the data is still in {}", from.display())), "{text}");
    assert!(text.contains("Builder::dir"), "{text}");
    let file = error.into_file();
    assert_eq!(brine_temp::load::<u32>(&file).unwrap(), 7);
    // in the target's directory, it works
    let file = Builder::new().dir(here.path()).dump(&8u32).unwrap();
    brine_temp::persist(file, &target).unwrap();
    assert_eq!(brine_temp::load::<u32>(&target).unwrap(), 8);
}
