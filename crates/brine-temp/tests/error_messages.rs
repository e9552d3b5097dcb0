//! Every error's message, word for word, and the causes its `source()` chain
//! gives: what users read, match on and see in anyhow's `{:#}`.

use std::error::Error as _;
use std::io;
use std::path::PathBuf;

use brine_temp::{dump, load};

/// The error's message, then each cause's, in order.
fn chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages
}

fn os_error(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, message)
}

#[test]
fn dump_messages_and_causes() {
    let error = dump::Error::Create { dir: PathBuf::from("/no/dir"), source: os_error("denied") };
    assert_eq!(chain(&error), ["cannot create a temporary file in /no/dir", "denied"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());

    let error = dump::Error::Write { path: PathBuf::from("/tmp/.tmpX.brine"), source: os_error("full") };
    assert_eq!(chain(&error), ["cannot write temporary file /tmp/.tmpX.brine", "full"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());

    // Encode is transparent: brine-io's message, and brine-io's cause (if any)
    let error = dump::Error::Encode(brine_io::dump::Error::TypeNameTooLong { len: 70_000, max: 65_535 });
    assert_eq!(chain(&error), ["the type name is 70000 bytes long; the format stores at most 65535"]);
    let error = dump::Error::Encode(brine_io::dump::Error::Io(os_error("gone")));
    assert_eq!(chain(&error), ["writing the envelope failed", "gone"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());
}

#[test]
fn load_messages_and_causes() {
    let error = load::Error::Read { path: PathBuf::from("/a/b.brine"), source: os_error("denied") };
    assert_eq!(chain(&error), ["cannot read /a/b.brine", "denied"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());

    let error = load::Error::NotAFile { path: PathBuf::from("/tmp"), found: "a directory" };
    assert_eq!(chain(&error), ["cannot load /tmp: expected a regular file, found a directory"]);

    let error = load::Error::Format {
        path: PathBuf::from("/a/b.brine"),
        source: brine_io::load::Error::Io(os_error("cut")),
    };
    assert_eq!(chain(&error), ["cannot load /a/b.brine", "reading the envelope failed", "cut"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<brine_io::load::Error>()).is_some());
}

#[test]
fn persist_message_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    let file = brine_temp::Builder::new().dir(dir.path()).dump(&7u32).unwrap();
    let from = file.path().to_owned();
    let to = dir.path().join("missing").join("kept.brine");
    let error = brine_temp::persist(file, &to).unwrap_err();
    assert_eq!(error.source.kind(), io::ErrorKind::NotFound);
    let message = format!(
        "cannot persist {} as {}; the data is still in {} until this error is dropped \
         (persist::Error::into_file gives the file back)",
        from.display(),
        to.display(),
        from.display(),
    );
    assert_eq!(chain(&error), [message, error.source.to_string()]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());
}
