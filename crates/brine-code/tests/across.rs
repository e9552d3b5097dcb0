//! Functions across programs, for real: this test writes a value holding a
//! fn item and a closure with captured state to a file, and another program
//! (tests/fixtures/across, built separately with cargo) loads it with
//! `Trust::Compile`, compiling both from their stored source, and calls
//! them. And the other way: that program writes its `changed`, whose id is
//! the one of this test's `changed` but whose source differs; the registry
//! refuses it as stale, and `Trust::Compile` compiles the stored source.
//!
//! The other program is built once into a target directory under this
//! crate's `CARGO_TARGET_TMPDIR` (from a copy, with the workspace's
//! `Cargo.lock`, offline), and its compiled functions are cached there too:
//! later runs build nothing. Without rustc (or cargo) the tests say so and
//! pass.

#![allow(clippy::panic, clippy::unwrap_used)] // test helpers fail the test by panicking

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use brine_code::func::{self, Func};
use brine_io::{Options, Trust};
use serde::{Deserialize, Serialize};

type BinOp = Func<dyn Fn(i64, i64) -> i64 + Send + Sync>;
type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;

/// The fixture's `Job`, field for field (both crates are named `across`).
#[derive(Serialize, Deserialize)]
struct Job {
    function: BinOp,
    scale: Unary,
    data: Vec<i64>,
}

#[brine_code::function]
fn test_function(x: i64, y: i64) -> i64 {
    x * y + 42
}

/// The fixture has a `changed` of this id, adding 1000.
#[brine_code::function]
fn changed(x: i64) -> i64 {
    x + 1
}

fn tmp() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("brine-across")
}

fn skip(why: &str) {
    let message = format!("SKIPPED: {why}\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
}

/// The fixture's executable, built once; `None` (after saying why) without
/// rustc or cargo.
fn fixture() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build_fixture).as_deref()
}

fn build_fixture() -> Option<PathBuf> {
    if let Err(error) = brine_code::Compiler::new().check() {
        skip(&format!("loading functions in another program needs rustc, and here {error}"));
        return None;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = here.join("tests/fixtures/across");
    let copy = tmp().join("fixture");
    std::fs::create_dir_all(&copy).unwrap();
    let manifest = std::fs::read_to_string(fixture.join("Cargo.toml"))
        .unwrap()
        .replace("@BRINE_CODE@", here.to_str().unwrap())
        .replace("@BRINE_IO@", here.join("../brine-io").to_str().unwrap());
    write_if_changed(&copy.join("Cargo.toml"), &manifest);
    write_if_changed(&copy.join("main.rs"), &std::fs::read_to_string(fixture.join("main.rs")).unwrap());
    // the workspace's versions, so that the build needs no network (cargo trims the copy)
    std::fs::copy(here.join("../../Cargo.lock"), copy.join("Cargo.lock")).unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = copy.join("target");
    let build = |offline: bool| {
        let mut command = Command::new(&cargo);
        command.args(["build", "--quiet", "--manifest-path"]).arg(copy.join("Cargo.toml"));
        command.arg("--target-dir").arg(&target);
        if offline {
            command.arg("--offline");
        }
        command.env_remove("CARGO_TARGET_DIR").output()
    };
    let output = match build(true) {
        Ok(output) if output.status.success() => output,
        _ => build(false).unwrap_or_else(|error| panic!("cannot run cargo: {error}")),
    };
    assert!(
        output.status.success(),
        "the fixture did not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(target.join("debug").join(format!("across{}", std::env::consts::EXE_SUFFIX)))
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap();
    }
}

/// Runs the fixture; its stdout.
fn run(fixture: &Path, mode: &str, file: &Path) -> String {
    let output = Command::new(fixture)
        .args([mode, file.to_str().unwrap()])
        .env("BRINE_CACHE_DIR", tmp().join("cache"))
        .output()
        .unwrap();
    assert!(output.status.success(), "the fixture failed:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn another_program_loads_a_fn_and_a_closure_with_captured_state_and_calls_them() {
    let Some(fixture) = fixture() else { return };
    let (factor, offset) = (3, 10);
    let job = Job {
        function: brine_code::func!(test_function),
        scale: brine_code::func!([factor: i64, offset: i64] |x: i64| -> i64 { x * factor + offset }),
        data: vec![1, 2, 3],
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.brine");
    std::fs::write(&file, brine_io::dump(&job).unwrap()).unwrap();
    assert_eq!(
        run(fixture, "load", &file),
        "function(5, 3) = 57\nscale(4) = 22\ndata = [1, 2, 3]\ncompiled = true true\n"
    );
}

#[test]
fn another_build_s_changed_source_is_stale_for_the_registry_and_compiled_by_trust_compile() {
    let Some(fixture) = fixture() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("changed.brine");
    run(fixture, "dump", &file);
    let bytes = std::fs::read(&file).unwrap();

    let error = Options::new().trust(Trust::Registry).load::<Unary>(&bytes).unwrap_err();
    let brine_io::load::Error::Refused { source, .. } = &error else { panic!("{error:?}") };
    let cause = source.downcast_ref::<func::Error>().unwrap();
    assert!(matches!(cause, func::Error::Stale { id, .. } if id == "across::changed"), "{cause:?}");

    func::set_compiler(brine_code::Compiler::new().cache_dir(tmp().join("cache")).opt_level(0));
    let f: Unary = Options::new().trust(Trust::Compile).load(&bytes).unwrap();
    assert!(f.compiled());
    assert_eq!(f(1), 1001);
    assert_eq!(brine_code::func!(changed)(1), 2);
}
