//! What compiling stored functions costs: one library for many closures of
//! one source, none for a source already in the cache, and an error naming
//! the id when there is no compiler. One test, in a binary of its own: it
//! switches the process-wide compiler ([`func::set_compiler`]) and counts
//! the libraries in its own cache directory.

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

use brine_code::func::{self, Func};
use brine_code::{Compiler, Error};
use brine_io::{Options, Trust};
use serde::Serialize;

type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;

/// A stored closure as another program writes it: `Func`'s fields in order.
#[derive(Serialize)]
#[serde(rename = "Func")]
struct Stored {
    id: &'static str,
    signature: &'static str,
    source_hash: u64,
    source: Option<&'static str>,
    captures_declared: &'static str,
    captures: (i64, String),
}

const SOURCE: &str = "[factor: i64, name: String] |x: i64| -> i64 { x * factor + name.len() as i64 }";

fn closure(id: &'static str, source: &'static str, factor: i64) -> Stored {
    Stored {
        id,
        signature: "fn(i64) -> i64",
        source_hash: func::source_hash(source),
        source: Some(source),
        captures_declared: "factor: i64, name: String",
        captures: (factor, "ab".repeat(factor.unsigned_abs() as usize % 3)),
    }
}

fn load(value: &impl Serialize) -> Result<Vec<Unary>, brine_io::load::Error> {
    let bytes = brine_io::dump(value).unwrap();
    Options::new().trust(Trust::Compile).check_type(false).load(&bytes)
}

fn libraries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|entry| {
            let path = entry.as_ref().unwrap().path();
            path.extension() == Some(std::env::consts::DLL_EXTENSION.as_ref())
        })
        .count()
}

#[test]
fn many_closures_of_one_source_build_once_and_a_warm_cache_needs_no_rustc() {
    let cache = tempfile::tempdir().unwrap();
    let no_rustc = Compiler::new().cache_dir(cache.path()).opt_level(0).rustc("/no/such/rustc");

    // no compiler: an error naming the id
    func::set_compiler(no_rustc.clone());
    let error = load(&vec![closure("elsewhere::{closure@a.rs:1:1}", SOURCE, 1)]).unwrap_err();
    let brine_io::load::Error::Refused { source, .. } = &error else { panic!("{error:?}") };
    let cause = source.downcast_ref::<func::Error>().unwrap();
    assert!(matches!(cause, func::Error::NoCompiler { id, .. } if id == "elsewhere::{closure@a.rs:1:1}"));
    assert!(cause.to_string().contains("cannot run the Rust compiler `/no/such/rustc`"), "{cause}");

    let compiler = Compiler::new().cache_dir(cache.path()).opt_level(0);
    match compiler.check() {
        Ok(()) => {}
        Err(error @ Error::RustcNotFound { .. }) => {
            let message = format!("SKIPPED: compiling functions needs rustc, and here {error}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
            return;
        }
        Err(error) => panic!("{error}"),
    }
    func::set_compiler(compiler);

    // a hundred closures of one source, a hundred captured values: one library
    let value: Vec<Stored> =
        (0..100).map(|factor| closure("elsewhere::{closure@a.rs:1:1}", SOURCE, factor)).collect();
    let loaded = load(&value).unwrap();
    for (factor, f) in (0..100).zip(&loaded) {
        assert_eq!(f(3), 3 * factor + 2 * (factor % 3));
    }
    assert_eq!(libraries(cache.path()), 1);

    // the same source under another id (another program's closure): from the cache, no rustc
    func::set_compiler(no_rustc);
    let loaded = load(&vec![closure("other::{closure@b.rs:2:2}", SOURCE, 5)]).unwrap();
    assert_eq!(loaded[0](1), 5 + 4);
    assert_eq!(libraries(cache.path()), 1);
}
