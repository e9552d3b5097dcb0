//! Functions compiled from the source stored with them, in this process: a
//! load with `Trust::Compile` of a function this program does not register.
//! The values are written with serde_json, whose text lets a test give a
//! function an id no program registers (what a value from another program
//! looks like here).

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

use std::path::Path;
use std::sync::OnceLock;

use brine_code::func::{self, Func};
use brine_code::{Compiler, Error};
use brine_io::Trust;
use brine_io::trust::Scope;

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
