//! Loading code safely (issue 12): the cache is private and verified, the
//! compiler that is checked is the one that builds, a damaged entry is
//! rebuilt, `get` refuses what type names cannot check, and any valid Rust
//! name loads.
//!
//! These tests need rustc (the one this crate was built with). Where it is
//! missing they say so and pass without checking anything.

#![allow(clippy::panic)] // a panic fails the test

use std::path::{Path, PathBuf};

mod common;

use brine_code::{Compiler, Error};
use common::compiler;

const ANSWER: &str = "pub fn answer() -> u64 { 42 }";
const PLANTED: &str = "pub fn answer() -> u64 { 1337 }";

/// The files of the cache entry built from `source` in `cache`: the library
/// and whatever brine keeps beside it under the same crate name.
fn entry_files(cache: &Path, library: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let stem = library.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default().to_owned();
    let krate = stem.trim_start_matches(std::env::consts::DLL_PREFIX).to_owned();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(cache)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        if path.is_file() && name.contains(&krate) {
            files.push(path);
        }
    }
    Ok(files)
}

/// Copies the cache entry of `library` (built in `from`) into `to`.
fn copy_entry(from: &Path, library: &Path, to: &Path) -> anyhow::Result<()> {
    for file in entry_files(from, library)? {
        let name = file.file_name().ok_or_else(|| anyhow::anyhow!("no file name"))?;
        std::fs::copy(&file, to.join(name))?;
    }
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_cache_directory_owned_by_another_user_is_refused() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let root = tempfile::tempdir()?;
    let Some(_) = compiler(root.path()) else { return Ok(()) };
    let cache = root.path().join("theirs");
    std::fs::create_dir(&cache)?;
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700))?;
    // 65534 is `nobody`; only root may give a directory away
    if std::os::unix::fs::chown(&cache, Some(65534), Some(65534)).is_err() {
        let message = "SKIPPED: giving a directory to another user needs root\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
        return Ok(());
    }
    let compiler = Compiler::new().cache_dir(&cache).opt_level(0);
    let error = compiler.compile(ANSWER).unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&cache.display().to_string()), "{message}");
    assert!(message.contains("owned by"), "{message}");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_world_writable_cache_directory_is_refused_and_its_library_never_loaded() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let root = tempfile::tempdir()?;
    let Some(compiler) = compiler(&root.path().join("mine")) else { return Ok(()) };
    // another user plants a library under the name the answer is cached as
    let honest = compiler.compile(ANSWER)?;
    let planter = Compiler::new().cache_dir(root.path().join("planter")).opt_level(0);
    let planted = planter.compile(PLANTED)?;
    let shared = root.path().join("shared");
    std::fs::create_dir(&shared)?;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777))?;
    let name = honest.path().file_name().ok_or_else(|| anyhow::anyhow!("no file name"))?;
    std::fs::copy(planted.path(), shared.join(name))?;

    let error = compiler.clone().cache_dir(&shared).compile(ANSWER).unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&shared.display().to_string()), "{message}");
    assert!(message.contains("writable by others"), "{message}");
    Ok(())
}

#[test]
fn a_planted_library_in_the_own_cache_is_rebuilt_not_loaded() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let Some(compiler) = compiler(&root.path().join("mine")) else { return Ok(()) };
    let honest = compiler.compile(ANSWER)?;
    let planted = compiler.clone().cache_dir(root.path().join("planter")).compile(PLANTED)?;
    // the planted library and all that brine keeps beside it, under the answer's names
    let cache = root.path().join("fresh");
    std::fs::create_dir(&cache)?;
    let crate_of = |path: &Path| {
        let stem = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
        stem.trim_start_matches(std::env::consts::DLL_PREFIX).to_owned()
    };
    let (honest_crate, planted_crate) = (crate_of(honest.path()), crate_of(planted.path()));
    let planted_files = entry_files(&root.path().join("planter"), planted.path())?;
    assert!(planted_files.len() >= 2, "{planted_files:?}");
    for file in planted_files {
        let name = file.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        std::fs::copy(&file, cache.join(name.replace(&planted_crate, &honest_crate)))?;
    }

    let module = compiler.cache_dir(&cache).compile(ANSWER)?;
    assert!(module.compiled(), "the planted library was loaded as a cache entry");
    assert_eq!(module.get::<fn() -> u64>("answer")?(), 42);
    Ok(())
}

/// With no `$BRINE_CACHE_DIR`, `$XDG_CACHE_HOME` or `$HOME`, the default
/// cache is this user's (from the system's user database), or an error:
/// never a directory in the shared temporary directory. Checked in a child
/// process (this test binary, running only this test) without them.
#[test]
fn without_a_home_the_cache_is_never_in_the_shared_temporary_directory() -> anyhow::Result<()> {
    const CHILD: &str = "BRINE_TEST_NO_HOME";
    if std::env::var_os(CHILD).is_some() {
        match brine_code::default_cache_dir() {
            Ok(dir) => println!("default cache: {}", dir.display()),
            Err(error) => println!("no default cache: {error}"),
        }
        return Ok(());
    }
    let output = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "without_a_home_the_cache_is_never_in_the_shared_temporary_directory",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env_remove("BRINE_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let line = stdout.lines().find(|line| line.contains("cache")).unwrap_or_default();
    if let Some(dir) = line.strip_prefix("default cache: ") {
        assert!(!Path::new(dir).starts_with(std::env::temp_dir()), "{line}");
    } else {
        assert!(line.contains("set $BRINE_CACHE_DIR"), "{stdout}");
    }
    Ok(())
}

/// Copies the entry of `ANSWER` into a fresh cache, damages its library with
/// `damage`, and checks that the next load rebuilds it. A copy, so that the
/// file this process has open is never the one damaged.
fn a_damaged_entry_is_rebuilt(damage: impl Fn(&Path) -> std::io::Result<()>) -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let Some(compiler) = compiler(&root.path().join("first")) else { return Ok(()) };
    let built = compiler.compile(ANSWER)?;
    let cache = root.path().join("second");
    std::fs::create_dir(&cache)?;
    copy_entry(&root.path().join("first"), built.path(), &cache)?;
    let name = built.path().file_name().ok_or_else(|| anyhow::anyhow!("no file name"))?;
    let library = cache.join(name);
    damage(&library)?;

    let module = compiler.cache_dir(&cache).compile(ANSWER)?;
    assert!(module.compiled(), "the damaged entry was loaded");
    assert_eq!(module.get::<fn() -> u64>("answer")?(), 42);
    assert_eq!(std::fs::metadata(&library)?.len(), std::fs::metadata(built.path())?.len());
    Ok(())
}

#[test]
fn a_truncated_entry_is_rebuilt() -> anyhow::Result<()> {
    a_damaged_entry_is_rebuilt(|library| {
        let length = std::fs::metadata(library)?.len();
        std::fs::OpenOptions::new().write(true).open(library)?.set_len(length / 2)
    })
}

#[test]
fn a_zero_length_entry_is_rebuilt() -> anyhow::Result<()> {
    a_damaged_entry_is_rebuilt(|library| std::fs::File::create(library).map(drop))
}

/// rustup honours a `rust-toolchain.toml` in the directory a proxy `rustc`
/// runs in or above it, unless `$RUSTUP_TOOLCHAIN` says otherwise, which
/// `cargo test` sets: so the load runs in a child process (this test binary,
/// running only this test) without it, as a program outside cargo would.
#[test]
fn a_toolchain_file_above_the_cache_does_not_switch_compilers() -> anyhow::Result<()> {
    const CHILD: &str = "BRINE_TEST_TOOLCHAIN_CACHE";
    if let Some(cache) = std::env::var_os(CHILD) {
        let module = Compiler::new().cache_dir(cache).opt_level(0).compile(ANSWER)?;
        assert!(module.compiled());
        assert_eq!(module.get::<fn() -> u64>("answer")?(), 42);
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    let cache = root.path().join("cache");
    let Some(_) = compiler(&cache) else { return Ok(()) };
    // a toolchain that is not installed: a build that honours the file fails
    std::fs::write(
        root.path().join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"nightly-2001-01-01\"\n",
    )?;
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["--exact", "a_toolchain_file_above_the_cache_does_not_switch_compilers", "--nocapture"])
        .env(CHILD, &cache)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTUP_TOOLCHAIN_SOURCE")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}\n{stdout}\n{stderr}", output.status);
    assert!(stdout.contains("1 passed"), "{stdout}");
    Ok(())
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
