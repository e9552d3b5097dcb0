//! Loading code, ported from dill's `test_temp` / `test_source`: functions
//! kept with `#[source]` are dumped (with an alias, with what they use),
//! compiled by rustc into a library, loaded, and called; signatures are
//! checked, rustc's errors come back, and a second load runs no rustc.
//!
//! These tests need rustc (the one this crate was built with). Where it is
//! missing they say so and pass without checking anything.

#![allow(missing_docs, clippy::panic)] // the items here are fixtures for #[source]; a panic fails the test

use std::path::Path;
use std::sync::OnceLock;

mod common;

use brine_code::{Compiler, Error, Items, Module};
use brine_code::{source, source_of};
use common::compiler;

// dill: `f = lambda x: x**2`
#[source]
pub const F: fn(i64) -> i64 = |x| x * x;

// dill: `def g(x): return f(x) - x`
#[source]
pub fn g(x: i64) -> i64 {
    F(x) - x
}

// dill: `def h(x): def g(x): return x; return g(x) - x`
#[source]
pub fn h(x: i64) -> i64 {
    fn g(x: i64) -> i64 {
        x
    }
    g(x) - x
}

// dill: `def add(x, y): return x + y`
#[source]
pub fn add(x: i64, y: i64) -> i64 {
    x + y
}

/// The seed's algorithm: the values above `threshold`, doubled.
#[source]
pub fn example_algorithm(data: &[f64], threshold: f64) -> Vec<f64> {
    data.iter().filter(|&&x| x > threshold).map(|x| x * 2.0).collect()
}

// dill: a class with a method, used by a function
#[source]
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[source]
impl Point {
    pub fn norm(&self) -> f64 {
        self.x.hypot(self.y)
    }
}

#[source]
pub fn norm_of(x: f64, y: f64) -> f64 {
    Point { x, y }.norm()
}

#[source]
pub fn make_point(x: f64) -> Point {
    Point { x, y: 0.0 }
}

#[source]
pub fn checked_div(x: i64, y: i64) -> i64 {
    if y == 0 {
        panic!("division of {x} by zero");
    }
    x / y
}

// a function with a lifetime parameter: exported with it
#[source]
pub fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if b.len() > a.len() { b } else { a }
}

/// All the items above, dumped as one source text (dill's `dumpIO_source`)
/// and compiled once for the whole file: later runs take it from the cache
/// under the target directory.
fn module() -> Option<&'static Module> {
    static MODULE: OnceLock<Option<Module>> = OnceLock::new();
    MODULE
        .get_or_init(|| {
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("brine-code-cache");
            let compiler = compiler(&cache)?;
            let f = source_of!(F).alias("_f").ok()?;
            let items = Items::new([
                &f,
                source_of!(F),
                source_of!(g),
                source_of!(h),
                source_of!(add),
                source_of!(example_algorithm),
                source_of!(Point),
                source_of!(impl Point),
                source_of!(norm_of),
                source_of!(make_point),
                source_of!(checked_div),
                source_of!(longest),
            ]);
            let text = brine_source::to_string(&items).ok()?;
            match compiler.compile(&text) {
                Ok(module) => Some(module),
                Err(error) => panic!("{error}"),
            }
        })
        .as_ref()
}

#[test]
fn a_lambda_dumped_to_a_file_with_an_alias_loads_and_calls() -> anyhow::Result<()> {
    // dill: pyfile = dump_source(f, alias='_f'); _f = load_source(pyfile); _f(4) == f(4)
    let file = brine_source::dump(&source_of!(F).alias("_f")?)?;
    let cache = tempfile::tempdir()?;
    let Some(compiler) = compiler(cache.path()) else { return Ok(()) };
    let module = compiler.load(&file)?;
    let _f = module.get::<fn(i64) -> i64>("_f")?;
    assert_eq!(_f(4), 16);
    assert_eq!(_f(4), F(4));
    assert_eq!(module.names().collect::<Vec<_>>(), ["_f"]);
    Ok(())
}

#[test]
fn a_lambda_dumped_to_a_string_with_an_alias_loads_and_calls() -> anyhow::Result<()> {
    // dill: pyfile = dumpIO_source(f, alias='_f'); _f = loadIO_source(pyfile)
    let Some(module) = module() else { return Ok(()) };
    let _f = module.get::<fn(i64) -> i64>("_f")?;
    assert_eq!(_f(4), 16);
    assert_eq!(module.get::<fn(i64) -> i64>("F")?(-3), 9);
    Ok(())
}

#[test]
fn a_function_travels_with_what_it_calls() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let loaded = module.get::<fn(i64) -> i64>("g")?;
    for x in [-2, 0, 4, 1000] {
        assert_eq!(loaded(x), g(x));
    }
    assert_eq!(loaded(4), 12);
    Ok(())
}

#[test]
fn a_function_with_a_nested_function() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let loaded = module.get::<fn(i64) -> i64>("h")?;
    assert_eq!((loaded(4), loaded(-7)), (h(4), h(-7)));
    assert_eq!(loaded(4), 0);
    Ok(())
}

#[test]
fn a_function_of_two_arguments() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let loaded = module.get::<fn(i64, i64) -> i64>("add")?;
    assert_eq!(loaded(2, 3), 5);
    assert_eq!(loaded(i64::MAX - 1, 1), add(i64::MAX - 1, 1));
    Ok(())
}

#[test]
fn the_seed_algorithm_takes_a_slice_and_returns_a_vec() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    assert_eq!(module.signature("example_algorithm"), Some("fn(&'_ [f64], f64) -> alloc::vec::Vec<f64>"));
    let loaded = module.get::<fn(&[f64], f64) -> Vec<f64>>("example_algorithm")?;
    let data: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.37 - 100.0).collect();
    assert_eq!(loaded(&data, 50.0), example_algorithm(&data, 50.0));
    assert_eq!(loaded(&[1.0, 5.0, 2.5], 2.0), [10.0, 5.0]);
    assert_eq!(loaded(&[], 0.0), Vec::<f64>::new());
    Ok(())
}

#[test]
fn a_struct_with_an_impl_method_used_by_an_exported_function() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let loaded = module.get::<fn(f64, f64) -> f64>("norm_of")?;
    assert_eq!(loaded(3.0, 4.0), 5.0);
    assert_eq!(loaded(3.0, 4.0), Point { x: 3.0, y: 4.0 }.norm());
    Ok(())
}

#[test]
#[allow(unsafe_code)] // the unsafe getter, with the lifetimes `longest` has
fn a_function_with_a_lifetime_parameter() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    assert_eq!(module.signature("longest"), Some("fn(&'_ str, &'_ str) -> &'_ str"));
    // type names cannot tell `'a` from another lifetime: the safe `get` refuses
    let error = module.get::<for<'a> fn(&'a str, &'a str) -> &'a str>("longest").unwrap_err();
    assert!(matches!(error, Error::Lifetimes { .. }), "{error}");
    // SAFETY: the type asked for has the lifetimes of `longest` as written
    let loaded = unsafe { module.get_unchecked::<for<'a> fn(&'a str, &'a str) -> &'a str>("longest")? };
    let (short, long) = (String::from("ab"), String::from("abc"));
    assert_eq!(loaded(&short, &long), "abc");
    // `'static` is told apart
    // SAFETY: refused before any pointer is made
    let forever =
        unsafe { module.get_unchecked::<fn(&'static str, &'static str) -> &'static str>("longest") };
    assert!(matches!(forever, Err(Error::Signature { .. })));
    Ok(())
}

#[test]
fn a_signature_mismatch_names_both_signatures() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let error = module.get::<fn(i32, i32) -> i32>("add").unwrap_err();
    assert!(matches!(error, Error::Signature { .. }));
    assert_eq!(
        error.to_string(),
        "`add` has the signature `fn(i64, i64) -> i64`, but `fn(i32, i32) -> i32` was asked for"
    );
    assert!(module.get::<fn(i64) -> i64>("add").is_err());
    assert!(module.get::<fn(i64, i64)>("add").is_err());
    assert!(module.get::<usize>("add").is_err());
    // the module's `Point` is its own type, not this file's `Point`
    let error = module.get::<fn(f64) -> Point>("make_point").unwrap_err();
    let Error::Signature { expected, found, .. } = &error else { panic!("{error}") };
    assert_eq!(expected, "fn(f64) -> load::Point");
    assert!(found.starts_with("fn(f64) -> brine_module_") && found.ends_with("::Point"), "{found}");
    Ok(())
}

#[test]
fn a_missing_name_lists_the_names_there_are() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let error = module.get::<fn(i64) -> i64>("f").unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected a function named `f` in the module, found only `_f`, `F`, `g`, `h`, `add`, \
         `example_algorithm`, `norm_of`, `make_point`, `checked_div`, `longest`"
    );
    Ok(())
}

#[test]
fn a_panic_comes_back_as_an_error_through_get_catching() -> anyhow::Result<()> {
    let Some(module) = module() else { return Ok(()) };
    let loaded = module.get_catching::<fn(i64, i64) -> Result<i64, String>>("checked_div")?;
    assert_eq!(loaded(7, 2), Ok(3));
    assert_eq!(loaded(7, 0), Err("division of 7 by zero".to_string()));
    // the catching form has its own signature
    assert!(module.get_catching::<fn(i64, i64) -> i64>("checked_div").is_err());
    Ok(())
}

#[test]
fn a_rustc_error_comes_back_with_its_diagnostics() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let Some(compiler) = compiler(cache.path()) else { return Ok(()) };
    let error = compiler.compile("pub fn broken() -> i64 {\n    \"not a number\"\n}\n").unwrap_err();
    let Error::Compile { diagnostics, source_path } = &error else { panic!("{error}") };
    assert!(diagnostics.contains("error[E0308]: mismatched types"), "{diagnostics}");
    assert!(diagnostics.contains("expected `i64`, found `&str`"), "{diagnostics}");
    // the diagnostics point at the kept source, line 2
    let kept = source_path.display().to_string();
    assert!(diagnostics.contains(&format!("{kept}:2:5")), "{diagnostics}");
    assert!(std::fs::read_to_string(source_path)?.starts_with("pub fn broken() -> i64 {"));
    assert!(error.to_string().starts_with("rustc could not compile "));
    Ok(())
}

#[test]
fn a_syntax_error_is_found_before_rustc_runs() {
    let compiler = Compiler::new().rustc("/no/such/rustc");
    let error = compiler.compile("pub fn f() -> {}").unwrap_err();
    assert!(matches!(error, Error::Syntax { line: 1, .. }), "{error}");
}

#[test]
fn a_second_load_of_the_same_source_runs_no_rustc() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let Some(compiler) = compiler(cache.path()) else { return Ok(()) };
    let source = "pub fn triple(x: u64) -> u64 { 3 * x }";
    let first = compiler.compile(source)?;
    assert!(first.compiled());
    assert!(first.path().starts_with(cache.path()));

    // the same source, with a compiler that cannot even start: from the cache
    let no_rustc = compiler.clone().rustc("/no/such/rustc");
    let second = no_rustc.compile(source)?;
    assert!(!second.compiled());
    assert_eq!(second.path(), first.path());
    assert_eq!(second.get::<fn(u64) -> u64>("triple")?(14), 42);
    // another source does need it
    let error = no_rustc.compile("pub fn other() {}").unwrap_err();
    assert!(matches!(error, Error::RustcNotFound { .. }), "{error}");
    // other flags are another build
    assert!(compiler.opt_level(1).compile(source)?.compiled());
    Ok(())
}

#[cfg(unix)]
#[test]
fn another_compiler_version_is_refused() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir()?;
    let fake = dir.path().join("rustc");
    std::fs::write(
        &fake,
        "#!/bin/sh\nprintf 'rustc 1.0.0\\nbinary: rustc\\ncommit-hash: 0000\\nhost: x86_64-unknown-linux-gnu\\nrelease: 1.0.0\\n'\n",
    )?;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))?;
    let compiler = Compiler::new().cache_dir(dir.path()).rustc(&fake);
    let error = compiler.compile("pub fn f() {}").unwrap_err();
    let Error::RustcMismatch { expected, found, .. } = &error else { panic!("{error}") };
    assert_eq!(found, "1.0.0 (0000) for x86_64-unknown-linux-gnu");
    assert_ne!(expected, found);
    assert!(
        error
            .to_string()
            .starts_with(&format!("refusing the Rust compiler `{}`: expected rustc ", fake.display()))
    );
    Ok(())
}

/// Through `get`'s plain pointer a panic must not unwind into the caller: it
/// prints its message and aborts. Checked in a child process (this test
/// binary, running only this test), which the abort ends.
#[cfg(unix)]
#[test]
fn a_panic_through_a_plain_pointer_aborts_instead_of_unwinding() -> anyhow::Result<()> {
    use std::os::unix::process::ExitStatusExt;

    const CHILD: &str = "BRINE_TEST_PANIC_CHILD";
    let Some(module) = module() else { return Ok(()) };
    let loaded = module.get::<fn(i64, i64) -> i64>("checked_div")?;
    assert_eq!(loaded(9, 3), 3);
    if std::env::var_os(CHILD).is_some() {
        let _ = std::panic::catch_unwind(|| loaded(1, 0));
        unreachable!("the process aborts before this line");
    }
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["--exact", "a_panic_through_a_plain_pointer_aborts_instead_of_unwinding", "--nocapture"])
        .env(CHILD, "1")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    const SIGABRT: i32 = 6; // on every Unix brine runs on
    assert_eq!(output.status.signal(), Some(SIGABRT), "{:?}\n{stderr}", output.status);
    assert!(
        stderr.contains("brine: `checked_div` panicked in loaded code: division of 1 by zero; aborting"),
        "{stderr}"
    );
    Ok(())
}
