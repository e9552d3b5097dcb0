//! Every error's message, word for word, and the causes its `source()` chain
//! gives: what users read, match on and see in anyhow's `{:#}`.

use std::error::Error as _;
use std::io;
use std::path::PathBuf;

use brine_source::Error;

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

fn syntax() -> Error {
    Error::Syntax { line: 2, column: 5, expected: "`,` or `]`".into(), found: "`)`".into() }
}

#[test]
fn messages_without_a_cause() {
    let cases = [
        (Error::Write { message: "no".into() }, "cannot write the value as Rust source: no"),
        (syntax(), "line 2, column 5: expected `,` or `]`, found `)`"),
        (
            Error::Data { line: 1, column: 8, message: "missing field `y`".into() },
            "line 1, column 8: missing field `y`",
        ),
        (
            Error::TooDeep { position: Some((3, 7)), limit: 128 },
            "line 3, column 7: expected at most 128 levels of nesting, found more \
             (raise the limit with brine_source::value::Options::max_depth)",
        ),
        (
            Error::TooDeep { position: None, limit: 128 },
            "expected at most 128 levels of nesting, found more \
             (raise the limit with brine_source::value::Options::max_depth)",
        ),
        (
            Error::NotAFile { path: PathBuf::from("/tmp"), found: "a directory" },
            "cannot load /tmp: expected a regular file, found a directory",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(chain(&error), [message], "{error:?}");
    }
}

#[test]
fn causes_are_the_source_not_the_message() {
    let error = Error::Read {
        path: PathBuf::from("/a/b.rs"),
        source: io::Error::new(io::ErrorKind::PermissionDenied, "denied"),
    };
    assert_eq!(chain(&error), ["cannot read /a/b.rs", "denied"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());

    let error = Error::InFile { path: PathBuf::from("/a/b.rs"), source: Box::new(syntax()) };
    assert_eq!(chain(&error), ["in /a/b.rs", "line 2, column 5: expected `,` or `]`, found `)`"]);
    // the cause is the field as it is, the Box (which displays as the error in it)
    assert!(error.source().is_some_and(|e| e.is::<Box<Error>>()));
}

#[test]
fn a_dump_error_converts_and_is_transparent() {
    let dump = brine_temp::dump::Error::Create {
        dir: PathBuf::from("/no/dir"),
        source: io::Error::new(io::ErrorKind::NotFound, "gone"),
    };
    // `?` on brine-temp's error makes the Dump variant
    let error = Error::from(dump);
    assert!(matches!(error, Error::Dump(_)), "{error:?}");
    // its message and cause are brine-temp's, with no level of its own
    assert_eq!(chain(&error), ["cannot create a temporary file in /no/dir", "gone"]);
    assert!(error.source().and_then(|e| e.downcast_ref::<io::Error>()).is_some());
}
