//! Loading code safely (issue 12): `get` refuses what type names cannot
//! check, and any valid Rust name loads.
//!
//! These tests need rustc (the one this crate was built with). Where it is
//! missing they say so and pass without checking anything.

#![allow(clippy::panic)] // a panic fails the test

use std::path::Path;

use brine_code::{Compiler, Error};

/// A compiler using `cache`, or `None` (after saying why) when there is no
/// rustc to run.
fn compiler(cache: &Path) -> Option<Compiler> {
    let compiler = Compiler::new().cache_dir(cache).opt_level(0);
    match compiler.check() {
        Ok(()) => Some(compiler),
        Err(error @ Error::RustcNotFound { .. }) => {
            // straight to fd 2: libtest would hold back an `eprintln!` of a passing test
            let message = format!("SKIPPED: loading code needs rustc, and here {error}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
            None
        }
        Err(error) => panic!("{error}"),
    }
}

#[test]
#[allow(unsafe_code)] // the unsafe getter, with the lifetimes `pick` has
fn get_refuses_a_signature_whose_lifetimes_type_names_cannot_tell_apart() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let Some(compiler) = compiler(cache.path()) else { return Ok(()) };
    let module = compiler.compile("pub fn pick<'a, 'b>(_a: &'a str, b: &'b str) -> &'b str { b }")?;
    // the lifetimes the export really has are refused too: `get` cannot tell them apart
    assert!(module.get::<for<'a, 'b> fn(&'a str, &'b str) -> &'a str>("pick").is_err());
    assert!(module.get::<for<'a, 'b> fn(&'a str, &'b str) -> &'b str>("pick").is_err());
    assert!(
        module.get_catching::<for<'a, 'b> fn(&'a str, &'b str) -> Result<&'a str, String>>("pick").is_err()
    );
    let error = module.get::<for<'a, 'b> fn(&'a str, &'b str) -> &'a str>("pick").unwrap_err();
    assert!(matches!(error, Error::Lifetimes { .. }), "{error}");
    assert!(
        error.to_string().starts_with("`pick` has the signature `fn(&'_ str, &'_ str) -> &'_ str`, whose")
    );
    // SAFETY: the lifetimes asked for are those of `pick` as written
    let pick = unsafe { module.get_unchecked::<for<'a, 'b> fn(&'a str, &'b str) -> &'b str>("pick")? };
    assert_eq!(pick("one", "two"), "two");
    Ok(())
}

#[test]
fn a_function_with_a_non_ascii_name_loads_and_calls() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let Some(compiler) = compiler(cache.path()) else { return Ok(()) };
    let module = compiler.compile("pub fn größe(x: f64) -> f64 { 2.0 * x }\npub fn größe_2() -> u8 { 2 }")?;
    assert_eq!(module.names().collect::<Vec<_>>(), ["größe", "größe_2"]);
    assert_eq!(module.get::<fn(f64) -> f64>("größe")?(21.0), 42.0);
    assert_eq!(module.get_catching::<fn() -> Result<u8, String>>("größe_2")?(), Ok(2));
    Ok(())
}
