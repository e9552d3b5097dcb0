//! Functions compiled from the source stored with them, in this process: a
//! load with `Trust::Compile` of a function this program does not register.
//! What another program would have written is made here by [`Stored`], a
//! struct of a stored function's fields under an id no program registers
//! (and by serde_json's text, for a `Func` of this program renamed).
//!
//! These tests need rustc (the one this crate was built with). Where it is
//! missing they say so and pass; the cache lives under the target
//! directory, so later runs compile nothing.

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

use std::path::Path;
use std::sync::OnceLock;

use brine_code::func::{self, Func};
use brine_code::{Compiler, Error};
use brine_io::trust::Scope;
use brine_io::{Options, Trust};
use serde::Serialize;

type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;

#[brine_code::function]
fn triple(x: i64) -> i64 {
    x * 3
}

/// Sets the compiler (a cache under the target directory, so later runs
/// compile nothing), or says why not and returns `false`.
fn compiler_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("brine-func-cache");
        let compiler = Compiler::new().cache_dir(cache).opt_level(0);
        match compiler.check() {
            Ok(()) => {
                func::set_compiler(compiler);
                true
            }
            Err(error @ Error::RustcNotFound { .. }) => {
                let message = format!("SKIPPED: compiling functions needs rustc, and here {error}\n");
                let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
                false
            }
            Err(error) => panic!("{error}"),
        }
    })
}

/// `f` as JSON, its id replaced by `id`.
fn json_as<F: ?Sized>(f: &Func<F>, id: &str) -> String {
    let json = serde_json::to_string(f).unwrap();
    let old = serde_json::to_string(f.id()).unwrap();
    json.replacen(&format!("\"id\":{old}"), &format!("\"id\":{}", serde_json::to_string(id).unwrap()), 1)
}

fn load_with<T: serde::de::DeserializeOwned>(trust: Trust, json: &str) -> Result<T, serde_json::Error> {
    Scope::new(trust).run(|| serde_json::from_str(json))
}

#[test]
fn an_unregistered_fn_item_is_compiled_from_its_source() {
    if !compiler_ready() {
        return;
    }
    let json = json_as(&brine_code::func!(triple), "elsewhere::triple");
    let error = load_with::<Unary>(Trust::Registry, &json).unwrap_err();
    assert!(error.to_string().contains("no function `elsewhere::triple` is registered"), "{error}");
    let f: Unary = load_with(Trust::Compile, &json).unwrap();
    assert!(f.compiled());
    assert_eq!(f(5), 15);
    assert_eq!(f.id(), "elsewhere::triple");
    // it stores as it was loaded
    assert_eq!(serde_json::to_string(&f).unwrap(), json);
}

#[test]
fn an_unregistered_closure_is_compiled_and_binds_its_captured_values() {
    if !compiler_ready() {
        return;
    }
    let (factor, names) = (7_i64, vec!["a".to_owned(), "bc".to_owned()]);
    let f: Unary = brine_code::func!([factor: i64, names: Vec<String>] |x: i64| -> i64 {
        x * factor + names.iter().map(|name| name.len() as i64).sum::<i64>()
    });
    let json = json_as(&f, "elsewhere::{closure@src/lib.rs:1:1}");
    let back: Unary = load_with(Trust::Compile, &json).unwrap();
    assert_eq!(back(2), 17);
    assert_eq!(
        format!("{back:?}"),
        format!(
            "Func {{ id: \"elsewhere::{{closure@src/lib.rs:1:1}}\", signature: \"fn(i64) -> i64\", captures: (7, [\"a\", \"bc\"]) }}"
        )
    );
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

/// A stored function as another program writes it: `Func`'s fields in
/// order.
#[derive(Serialize)]
#[serde(rename = "Func")]
struct Stored<C> {
    id: String,
    signature: &'static str,
    source_hash: u64,
    source: Option<&'static str>,
    captures_declared: &'static str,
    captures: C,
}

fn stored<C>(
    id: &str,
    signature: &'static str,
    source: &'static str,
    declared: &'static str,
    captures: C,
) -> Stored<C> {
    Stored {
        id: id.to_owned(),
        signature,
        source_hash: func::source_hash(source),
        source: Some(source),
        captures_declared: declared,
        captures,
    }
}

/// A brine envelope of `value`, loaded as `T` with `trust`.
fn load_stored<T: serde::de::DeserializeOwned>(
    trust: Trust,
    value: &impl Serialize,
) -> Result<T, brine_io::load::Error> {
    let bytes = brine_io::dump(value).unwrap();
    Options::new().trust(trust).check_type(false).load(&bytes)
}

/// The error a brine load refused a function with.
fn func_error(error: &brine_io::load::Error) -> &func::Error {
    match error {
        brine_io::load::Error::Refused { source, .. } => {
            source.downcast_ref::<func::Error>().unwrap_or_else(|| panic!("not a func::Error: {source}"))
        }
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[test]
fn a_function_from_another_program_is_refused_without_the_opt_in_naming_trust_compile() {
    let value = stored("elsewhere::triple", "fn(i64) -> i64", "fn triple(x: i64) -> i64 { x * 3 }", "", ());
    let bytes = brine_io::dump(&value).unwrap();
    // the header does not say "code" here: the function refuses itself
    let error = Options::new().check_type(false).load::<Unary>(&bytes).unwrap_err();
    let cause = func_error(&error);
    assert!(matches!(cause, func::Error::CodeRefused { id } if id == "elsewhere::triple"), "{cause:?}");
    assert!(cause.to_string().contains("Trust::Compile"), "{cause}");
    let error = load_stored::<Unary>(Trust::Registry, &value).unwrap_err();
    let cause = func_error(&error);
    assert!(matches!(cause, func::Error::UnknownId { .. }), "{cause:?}");
    assert!(cause.to_string().contains("load with Trust::Compile"), "{cause}");
}

#[test]
fn a_function_stored_without_its_source_cannot_be_compiled() {
    let mut value =
        stored("elsewhere::triple", "fn(i64) -> i64", "fn triple(x: i64) -> i64 { x * 3 }", "", ());
    value.source = None;
    let error = load_stored::<Unary>(Trust::Compile, &value).unwrap_err();
    let cause = func_error(&error);
    assert_eq!(cause, &func::Error::NoSource { id: "elsewhere::triple".into() });
    assert!(cause.to_string().contains("Func::by_reference"), "{cause}");
}

#[test]
fn a_captured_value_of_a_user_type_is_refused_by_name_before_rustc_runs() {
    let value = stored(
        "elsewhere::{closure@src/main.rs:3:9}",
        "fn(i64) -> i64",
        "[origin: Point] |x: i64| -> i64 { x + origin.x }",
        "origin: Point",
        ((1_i64, 2_i64),),
    );
    let error = load_stored::<Unary>(Trust::Compile, &value).unwrap_err();
    let cause = func_error(&error);
    assert!(
        matches!(cause, func::Error::Unsupported { id, .. } if id == "elsewhere::{closure@src/main.rs:3:9}")
    );
    assert!(
        cause
            .to_string()
            .contains("its captured value `origin` has the type `Point`, which is not a std type"),
        "{cause}"
    );
}

#[test]
fn a_fn_using_an_item_of_its_crate_fails_with_rustc_s_message_and_its_id() {
    if !compiler_ready() {
        return;
    }
    let value = stored(
        "elsewhere::uses_helper",
        "fn(i64) -> i64",
        "fn uses_helper(x: i64) -> i64 { helper(x) }",
        "",
        (),
    );
    let error = load_stored::<Unary>(Trust::Compile, &value).unwrap_err();
    let cause = func_error(&error);
    let func::Error::CompileFailed { id, diagnostics } = cause else { panic!("{cause:?}") };
    assert_eq!(id, "elsewhere::uses_helper");
    assert!(diagnostics.contains("cannot find function `helper`"), "{diagnostics}");
    assert!(cause.to_string().contains("must be listed in #[function(uses(..))]"), "{cause}");
}

#[test]
fn items_nested_in_the_body_travel_with_the_fn() {
    if !compiler_ready() {
        return;
    }
    let source =
        "fn with_helper(x: i64) -> i64 {\n    fn helper(x: i64) -> i64 { x + 1 }\n    helper(x) * 2\n}";
    let value = stored("elsewhere::with_helper", "fn(i64) -> i64", source, "", ());
    let f: Unary = load_stored(Trust::Compile, &value).unwrap();
    assert_eq!(f(4), 10);
}

#[test]
fn std_types_in_captures_and_signatures_work() {
    if !compiler_ready() {
        return;
    }
    type Lookup = Func<dyn Fn(&str) -> Option<usize> + Send + Sync>;
    let table = std::collections::HashMap::from([("one".to_owned(), 1_usize), ("two".to_owned(), 2)]);
    let value = stored(
        "elsewhere::{closure@src/main.rs:9:5}",
        "fn(&str) -> Option<usize>",
        "[table: HashMap<String, usize>, bonus: Option<u8>] |key: &str| -> Option<usize> { table.get(key).map(|v| v + bonus.unwrap_or(0) as usize) }",
        "table: HashMap<String, usize>, bonus: Option<u8>",
        (table, Some(10_u8)),
    );
    let f: Lookup = load_stored(Trust::Compile, &value).unwrap();
    assert_eq!(f("two"), Some(12));
    assert_eq!(f("three"), None);

    // a reference in and out, the lifetime named or elided
    type Word = Func<dyn Fn(&str) -> &str + Send + Sync>;
    for (signature, source) in [
        (
            "fn(&str) -> &str",
            "fn first_word(text: &str) -> &str { text.split(' ').next().unwrap_or_default() }",
        ),
        (
            "fn(&'a str) -> &'a str",
            "fn first_word<'a>(text: &'a str) -> &'a str { text.split(' ').next().unwrap_or_default() }",
        ),
    ] {
        let value = stored("elsewhere::first_word", signature, source, "", ());
        let f: Word = load_stored(Trust::Compile, &value).unwrap();
        assert_eq!(f("hello world"), "hello");
    }
}

#[test]
fn a_function_loaded_as_another_type_is_refused() {
    if !compiler_ready() {
        return;
    }
    let value = stored("elsewhere::triple", "fn(i64) -> i64", "fn triple(x: i64) -> i64 { x * 3 }", "", ());
    let error = load_stored::<Func<dyn Fn(u8) -> u8 + Send + Sync>>(Trust::Compile, &value).unwrap_err();
    let cause = func_error(&error);
    assert!(matches!(cause, func::Error::WrongType { id, .. } if id == "elsewhere::triple"), "{cause:?}");
}

#[test]
fn a_changed_source_is_stale_for_the_registry_and_compiled_from_its_own_text() {
    if !compiler_ready() {
        return;
    }
    // this program's `triple` under its own id, as another build wrote it
    let value = stored(
        brine_code::func!(triple).id(),
        "fn(i64) -> i64",
        "fn triple(x: i64) -> i64 {\n    x * 4\n}",
        "",
        (),
    );
    let error = load_stored::<Unary>(Trust::Registry, &value).unwrap_err();
    assert!(matches!(func_error(&error), func::Error::Stale { .. }), "{error:?}");
    let f: Unary = load_stored(Trust::Compile, &value).unwrap();
    assert!(f.compiled());
    assert_eq!(f(5), 20);
    // the registered function itself still loads from the registry
    let bytes = brine_io::dump(&brine_code::func!(triple)).unwrap();
    let registered: Unary = Options::new().trust(Trust::Compile).load(&bytes).unwrap();
    assert!(!registered.compiled());
    assert_eq!(registered(5), 15);
}

#[test]
fn a_user_type_in_a_signature_fails_in_rustc_naming_the_type_and_the_id() {
    if !compiler_ready() {
        return;
    }
    let value = stored(
        "elsewhere::norm",
        "fn(Point) -> i64",
        "fn norm(p: Point) -> i64 { p.x.abs() + p.y.abs() }",
        "",
        (),
    );
    let error = load_stored::<Func<dyn Fn(i64) -> i64 + Send + Sync>>(Trust::Compile, &value).unwrap_err();
    let cause = func_error(&error);
    let func::Error::CompileFailed { id, diagnostics } = cause else { panic!("{cause:?}") };
    assert_eq!(id, "elsewhere::norm");
    assert!(diagnostics.contains("cannot find type `Point`"), "{diagnostics}");
}

/// Kept by `#[source]`, and shipped with `uses_kept_helper`.
#[brine_code::source]
fn kept_helper(x: i64) -> i64 {
    x + 1
}

#[brine_code::function(uses(kept_helper))]
fn uses_kept_helper(x: i64) -> i64 {
    kept_helper(x) * 2
}

#[test]
fn the_items_a_fn_lists_in_uses_are_shipped_and_compiled_with_it() {
    let f: Unary = brine_code::func!(uses_kept_helper);
    assert!(f.source().starts_with("fn uses_kept_helper(x: i64) -> i64 {"), "{}", f.source());
    let helper = "\n\n/// Kept by `#[source]`, and shipped with `uses_kept_helper`.\nfn kept_helper(x: i64) -> i64 {\n    x + 1\n}";
    assert!(f.source().ends_with(helper), "{}", f.source());
    if !compiler_ready() {
        return;
    }
    let json = json_as(&f, "elsewhere::uses_kept_helper");
    let back: Unary = load_with(Trust::Compile, &json).unwrap();
    assert!(back.compiled());
    assert_eq!(back(4), 10);
}

#[test]
fn a_panic_in_a_compiled_function_aborts_the_process_with_its_message() {
    const CHILD: &str = "BRINE_TEST_COMPILED_PANIC";
    if !compiler_ready() {
        return;
    }
    let source = "fn boom(x: i64) -> i64 { if x > 0 { panic!(\"boom {x}\") } x }";
    let value = stored("elsewhere::boom", "fn(i64) -> i64", source, "", ());
    let f: Unary = load_stored(Trust::Compile, &value).unwrap();
    if std::env::var_os(CHILD).is_some() {
        f(1); // aborts
        return;
    }
    assert_eq!(f(0), 0);
    // the call that panics runs in a child: this test, alone, in a new process
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "a_panic_in_a_compiled_function_aborts_the_process_with_its_message",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("brine: a function compiled from its stored source panicked: boom 1; aborting"),
        "{stderr}"
    );
}
