//! A tour of brine: run it with `cargo run --example tour`.
//!
//! It walks the workflow brine is for, one section at a time: values to
//! temporary files and back, values to buffers and back, a development
//! session kept in snapshots, and what brine says when a file is damaged or
//! loaded as the wrong type.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A record with nested data, as a test fixture or a tool's state might be.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Experiment {
    name: String,
    runs: Vec<Run>,
    params: HashMap<String, f64>,
    notes: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Run {
    seed: u64,
    scores: Vec<f32>,
}

fn experiment() -> Experiment {
    Experiment {
        name: "learning-rate sweep".into(),
        runs: vec![
            Run { seed: 1, scores: vec![0.61, 0.72, 0.80] },
            Run { seed: 2, scores: vec![0.58, 0.70, 0.83] },
        ],
        params: HashMap::from([("lr".into(), 0.01), ("momentum".into(), 0.9)]),
        notes: Some("second run converges later".into()),
    }
}

fn heading(title: &str) {
    println!("\n== {title} {}", "=".repeat(60usize.saturating_sub(title.len())));
}

fn main() -> anyhow::Result<()> {
    temp_files()?;
    buffers()?;
    development_session()?;
    when_things_go_wrong()?;
    values_as_source()?;
    code_as_source()?;
    functions_in_values()?;
    capture_output()?;
    Ok(())
}

/// `brine::dump` / `brine::load`: dill.temp's `dump` and `load`.
fn temp_files() -> anyhow::Result<()> {
    heading("Values to temporary files");
    let value = experiment();
    let file = brine::dump(&value)?;
    let size = file.as_file().metadata()?.len();
    println!("brine::dump(&experiment) wrote {size} bytes to {}", file.path().display());

    let back: Experiment = brine::load(&file)?;
    println!("brine::load::<Experiment>(&file) gives back an equal value: {}", back == value);

    let numbers: Vec<i64> = (1..=5).map(|n| n * n).collect();
    let scores = HashMap::from([("ada".to_string(), 90u8), ("alan".to_string(), 85)]);
    let numbers_file = brine::dump(&numbers)?;
    let scores_file = brine::dump(&scores)?;
    println!("a Vec: {numbers:?} -> {}", numbers_file.path().display());
    println!("a HashMap: {} entries -> {}", scores.len(), scores_file.path().display());
    let same = brine::load::<Vec<i64>>(numbers_file.path())? == numbers
        && brine::load::<HashMap<String, u8>>(scores_file.path().to_str().unwrap_or_default())? == scores;
    println!("both load back equal, from a &Path and from a &str: {same}");

    let path = file.path().to_owned();
    drop(file);
    println!("after drop, {} exists: {}", path.display(), path.exists());
    Ok(())
}

/// `brine::dump_io` / `brine::load_io`: dill.temp's `dumpIO` and `loadIO`.
fn buffers() -> anyhow::Result<()> {
    heading("Values to buffers");
    let value = experiment();
    let bytes = brine::dump_io(&value)?;
    let envelope = brine::io::inspect(&bytes)?;
    println!(
        "brine::dump_io(&experiment): {} bytes, a {}-byte header, stored type `{}`",
        bytes.len(),
        brine::io::HEADER_LEN,
        envelope.type_name
    );
    let back: Experiment = brine::load_io(&bytes)?;
    println!("brine::load_io::<Experiment>(&bytes) == experiment: {}", back == value);

    // borrowed fields point into the buffer: nothing is copied
    #[derive(Serialize, Deserialize)]
    struct Label<'a> {
        text: &'a str,
    }
    let bytes = brine::dump_io(&Label { text: "zero-copy" })?;
    let label: Label = brine::load_io(&bytes)?;
    let inside = bytes.as_ptr_range().contains(&label.text.as_ptr());
    println!("a &str field loaded from the buffer points into it (zero-copy): {inside}");
    Ok(())
}

/// A development session: snapshot state, go on, restore, keep one for good.
fn development_session() -> anyhow::Result<()> {
    heading("A development session in snapshots");
    let workdir = tempfile::tempdir()?;
    let snapshots = brine::temp::Builder::new().prefix("session-").suffix(".brine").dir(workdir.path());

    let mut state = experiment();
    let first = snapshots.dump(&state)?;
    println!("snapshot 1: {} runs  -> {}", state.runs.len(), name_of(first.path()));

    state.runs.push(Run { seed: 3, scores: vec![0.1, 0.05] });
    state.notes = Some("seed 3 diverged".into());
    let second = snapshots.dump(&state)?;
    println!("snapshot 2: {} runs  -> {}", state.runs.len(), name_of(second.path()));

    state = brine::load(&first)?;
    println!("restored snapshot 1: {} runs, notes: {:?}", state.runs.len(), state.notes);

    let keep = workdir.path().join("best-run.brine");
    first.persist(&keep)?;
    println!("persisted snapshot 1 atomically as {}", name_of(&keep));
    let kept: Experiment = brine::load(&keep)?;
    println!("it loads back after the handle is gone: {}", kept == experiment());
    drop(second);
    Ok(())
}

/// Damaged files and wrong types are errors that say what is wrong.
fn when_things_go_wrong() -> anyhow::Result<()> {
    heading("When things go wrong");
    let file = brine::dump(&experiment())?;

    match brine::load::<Vec<u32>>(&file) {
        Ok(value) => println!("unexpected: loaded {value:?}"),
        Err(error) => println!("loading as the wrong type:\n  {error}"),
    }

    let mut bytes = std::fs::read(&file)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&file, &bytes)?;
    match brine::load::<Experiment>(&file) {
        Ok(value) => println!("unexpected: loaded {value:?}"),
        Err(error) => println!("loading a file with one flipped bit:\n  {error}"),
    }

    std::fs::write(&file, &bytes[..bytes.len() - 10])?;
    match brine::load::<Experiment>(&file) {
        Ok(value) => println!("unexpected: loaded {value:?}"),
        Err(error) => println!("loading a file cut short:\n  {error}"),
    }

    match brine::load::<Experiment>("no-such-file.brine") {
        Ok(value) => println!("unexpected: loaded {value:?}"),
        Err(error) => println!("loading a missing file:\n  {error}"),
    }
    Ok(())
}

fn name_of(path: &std::path::Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `brine::capture`: dill.temp's `capture('stdout')`, at the file-descriptor
/// level, so it sees Rust, C libraries and child processes alike.
#[allow(unsafe_code)] // calling C's printf, to show that its output is captured too
fn capture_output() -> anyhow::Result<()> {
    heading("Capturing stdout and stderr");
    let capture = brine::capture(brine::Stream::Stdout)?;
    println!("from Rust's println!");
    // SAFETY: a NUL-terminated format string and three ints to match it.
    unsafe { libc::printf(c"from C's printf: %d + %d = %d\n".as_ptr(), 2, 2, 4) };
    // reading a snapshot flushes Rust's and C's buffers, as finishing does
    let so_far = capture.snapshot()?;
    std::process::Command::new("sh").args(["-c", "echo from a child process"]).status()?;
    std::thread::spawn(|| println!("from a thread"))
        .join()
        .map_err(|_| anyhow::anyhow!("thread panicked"))?;
    let output = capture.finish()?;
    println!("snapshot while capturing: {} bytes", so_far.len());
    println!("brine::capture(Stream::Stdout) captured {} bytes:", output.len());
    for line in output.to_str()?.lines() {
        println!("  | {line}");
    }

    let ((), both) = brine::capture::capturing_both(|| {
        println!("to stdout");
        eprintln!("to stderr");
    })?;
    println!("both streams apart: stdout {:?}, stderr {:?}", both.stdout.to_str()?, both.stderr.to_str()?);
    let (_, merged) = brine::capture::capturing(brine::Stream::Merged, || {
        std::process::Command::new("sh").args(["-c", "echo one; echo two >&2; echo three"]).status()
    })?;
    println!("merged like 2>&1, in order: {:?}", merged.to_str()?);
    Ok(())
}

/// `brine::dump_io_source` / `brine::load_io_source` and `brine::dump_source` /
/// `brine::load_source`: dill.temp's `dumpIO_source`, `loadIO_source`,
/// `dump_source` and `load_source`, for values.
fn values_as_source() -> anyhow::Result<()> {
    heading("Values as Rust source");
    let value = experiment();
    let text = brine::dump_io_source(&value)?;
    println!("brine::dump_io_source(&experiment) writes Rust that rebuilds it:\n{text}");
    let back: Experiment = brine::load_io_source(&text)?;
    let same = back == value;
    println!("brine::load_io_source::<Experiment>(&text) reads it back, without a compiler: {same}");

    let file = brine::dump_source(&value)?;
    println!("brine::dump_source(&experiment) -> {}", file.path().display());
    println!("  (a valid `include!` input: `let e: Experiment = include!(\"...\");` compiles)");
    let from_file: Experiment = brine::load_source(&file)?;
    println!("brine::load_source::<Experiment>(&file) == experiment: {}", from_file == value);

    let edited = text.replace("seed: 1,", "seed: 0x10, // edited by hand");
    let edited: Experiment = brine::load_io_source(&edited)?;
    println!("a hand-edited copy (hex, a comment) loads too: first seed is now {}", edited.runs[0].seed);
    match brine::load_io_source::<Experiment>(&text.replace("seed: 2,", "seed: -2,")) {
        Ok(value) => println!("unexpected: loaded {value:?}"),
        Err(error) => println!("a negative seed where a u64 belongs:\n  {error}"),
    }
    Ok(())
}

/// A storable fn: `brine::func!(weighted)` makes a value of it.
#[brine::function]
fn weighted(score: f32, weight: f32) -> f32 {
    score * weight
}

/// `brine::Func`: dill's pickled functions and lambdas, by reference.
fn functions_in_values() -> anyhow::Result<()> {
    use brine::{Func, Trust};
    type Scorer = Func<dyn Fn(f32, f32) -> f32 + Send + Sync>;

    heading("Functions inside values");
    let bonus = 0.5_f32;
    let scorers: Vec<Scorer> =
        vec![brine::func!(weighted), brine::func!([bonus: f32] |s: f32, w: f32| -> f32 { s * w + bonus })];
    for scorer in &scorers {
        println!("{} {} stores its id, signature, source hash and source", scorer.id(), scorer.signature());
    }
    let bytes = brine::dump_io(&scorers)?;
    match brine::load_io::<Vec<Scorer>>(&bytes) {
        Ok(_) => println!("unexpected: a plain load accepted code"),
        Err(error) => println!("a plain load refuses it:\n  {error}"),
    }
    let back: Vec<Scorer> = brine::io::Options::new().trust(Trust::Registry).load(&bytes)?;
    let scores: Vec<f32> = back.iter().map(|scorer| scorer(0.8, 2.0)).collect();
    println!("with Options::trust(Trust::Registry), each is found in this program and called: {scores:?}");
    Ok(())
}

/// The seed's algorithm: the values above `threshold`, doubled.
#[brine::source]
pub fn example_algorithm(data: &[f64], threshold: f64) -> Vec<f64> {
    data.iter().filter(|&&x| x > threshold).map(|x| x * 2.0).collect() // keeps order
}

/// `#[brine::source]`, `brine::source_of!` and `brine::code::Module`:
/// dill.temp's `dump_source(f, alias=...)` and `load_source`, for functions.
fn code_as_source() -> anyhow::Result<()> {
    use brine::code::Compiler;

    heading("Code as Rust source");
    let code = brine::source_of!(example_algorithm);
    println!(
        "#[brine::source] kept {} `{}` from {}:{} ({:?} text, comments and all):",
        code.kind(),
        code.name(),
        code.file(),
        code.line(),
        code.origin()
    );
    for line in code.text().lines() {
        println!("  | {line}");
    }
    let file = brine::dump_source(&code.alias("doubled_above")?)?;
    println!("brine::dump_source(&code.alias(\"doubled_above\")?) -> {}", file.path().display());

    let compiler = Compiler::new();
    if let Err(error) = compiler.check() {
        println!("no loading here: {error}");
        return Ok(());
    }
    let started = std::time::Instant::now();
    let module = compiler.load(&file)?;
    let how = if module.compiled() { "built by rustc" } else { "taken from the cache" };
    println!(
        "Compiler::load(&file): {how} in {:.0?}, exports {:?}",
        started.elapsed(),
        module.names().collect::<Vec<_>>()
    );
    println!("  (libraries are cached in {}; delete it to clear)", compiler.cache_path()?.display());

    let doubled_above = module.get::<fn(&[f64], f64) -> Vec<f64>>("doubled_above")?;
    let data = [0.5, 3.0, 1.5, 4.0];
    println!("loaded doubled_above(&{data:?}, 1.0) = {:?}", doubled_above(&data, 1.0));
    println!("the original gives the same: {}", doubled_above(&data, 1.0) == example_algorithm(&data, 1.0));

    let started = std::time::Instant::now();
    let again = compiler.load(&file)?;
    println!("loading it again runs no rustc: compiled = {}, in {:.1?}", again.compiled(), started.elapsed());

    match module.get::<fn(&[f32], f32) -> Vec<f32>>("doubled_above") {
        Ok(_) => println!("unexpected: a wrong signature was accepted"),
        Err(error) => println!("asking for another signature:\n  {error}"),
    }
    match compiler.compile("pub fn broken() -> u8 { 256 }") {
        Ok(_) => println!("unexpected: broken source compiled"),
        Err(error) => println!(
            "source rustc rejects:\n  {}",
            error.to_string().lines().take(3).collect::<Vec<_>>().join("\n  ")
        ),
    }
    Ok(())
}
