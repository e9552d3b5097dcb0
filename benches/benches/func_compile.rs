//! brine-code's `Trust::Compile`: loading functions another program wrote,
//! compiled from the source stored with them.
//!
//! The value is what another program dumps: a `Vec` of functions under ids
//! this program does not register (a struct of `Func`'s fields, as the
//! tests write it), so every load takes the compile path.
//!
//! - `func_compile/cold/1_fn_1_closure`: a fn item and a closure, each
//!   source new (a counter in each), so rustc builds two libraries
//!   (default `-C opt-level=2`). rustc's share is this minus the warm
//!   new-process load.
//! - `func_compile/cold/100_closures`: a hundred closures of one new
//!   source, a hundred captured values. Goal: one build, so about the time
//!   of one cold closure (half the row above), and one library in the cache
//!   (asserted).
//! - `func_compile/warm/new_process`: the `1_fn_1_closure` value loaded in a
//!   later process from a warm cache (a child process whose compiler cannot
//!   run, timing its own load: read and SHA-256 of each library against its
//!   record, `dlopen`, maker, binding). Goal: at most 5 ms.
//! - `func_compile/warm/same_process`: the same load again in this process
//!   (the makers are kept per source).
//!
//! The cache is a temporary directory; nothing is left behind.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use brine_code::{Compiler, Func};
use brine_io::{Options, Trust};
use criterion::{BenchmarkId, Criterion, criterion_group};
use serde::Serialize;

type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;

const CHILD_FILE: &str = "BRINE_BENCH_FUNC_FILE";
const CHILD_CACHE: &str = "BRINE_BENCH_FUNC_CACHE";

/// A stored function as another program writes it: `Func`'s fields.
#[derive(Serialize)]
#[serde(rename = "Func")]
struct Stored<C> {
    id: String,
    signature: &'static str,
    source_hash: u64,
    source: Option<String>,
    captures_declared: &'static str,
    captures: C,
}

fn stored<C>(id: &str, source: String, declared: &'static str, captures: C) -> Stored<C> {
    Stored {
        id: id.to_owned(),
        signature: "fn(i64) -> i64",
        source_hash: brine_code::func::source_hash(&source),
        source: Some(source),
        captures_declared: declared,
        captures,
    }
}

fn item(n: u64) -> Stored<()> {
    stored("other::square", format!("fn square(x: i64) -> i64 {{\n    x * x // {n}\n}}"), "", ())
}

fn closure(n: u64, factor: i64) -> Stored<(i64,)> {
    // a token, not a comment: the closure is rebuilt from its tokens, without comments
    let source = format!("[factor: i64] |x: i64| -> i64 {{ x * factor + ({n} - {n}) }}");
    stored("other::{closure@src/main.rs:7:13}", source, "factor: i64", (factor,))
}

fn load<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
    Options::new().trust(Trust::Compile).check_type(false).load(bytes).unwrap()
}

/// A new number for each cold build, so that no source repeats.
fn fresh() -> u64 {
    static RUN: AtomicU64 = AtomicU64::new(0);
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    seconds * 1_000_000 + RUN.fetch_add(1, Ordering::Relaxed)
}

fn libraries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|entry| {
            entry.as_ref().unwrap().path().extension() == Some(std::env::consts::DLL_EXTENSION.as_ref())
        })
        .count()
}

fn cold(c: &mut Criterion) {
    let mut group = c.benchmark_group("func_compile");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("cold", "1_fn_1_closure"), |b| {
        b.iter_custom(|iters| {
            let cache = tempfile::tempdir().unwrap();
            brine_code::func::set_compiler(Compiler::new().cache_dir(cache.path()));
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let n = fresh();
                let bytes = brine_io::dump(&(item(n), closure(n, 3))).unwrap();
                let started = Instant::now();
                let (square, triple): (Unary, Unary) = load(&bytes);
                total += started.elapsed();
                assert_eq!((square(4), triple(4)), (16, 12));
            }
            total
        })
    });
    group.bench_function(BenchmarkId::new("cold", "100_closures"), |b| {
        b.iter_custom(|iters| {
            let cache = tempfile::tempdir().unwrap();
            brine_code::func::set_compiler(Compiler::new().cache_dir(cache.path()));
            let mut total = Duration::ZERO;
            for run in 0..iters {
                let n = fresh();
                let value: Vec<Stored<(i64,)>> = (0..100).map(|factor| closure(n, factor)).collect();
                let bytes = brine_io::dump(&value).unwrap();
                let started = Instant::now();
                let loaded: Vec<Unary> = load(&bytes);
                total += started.elapsed();
                assert_eq!(loaded[99](2), 198);
                assert_eq!(libraries(cache.path()) as u64, run + 1, "one library per source");
            }
            total
        })
    });
    group.finish();
}

fn warm(c: &mut Criterion) {
    let cache = tempfile::tempdir().unwrap();
    brine_code::func::set_compiler(Compiler::new().cache_dir(cache.path()));
    let n = fresh();
    let bytes = brine_io::dump(&(item(n), closure(n, 3))).unwrap();
    let _: (Unary, Unary) = load(&bytes);
    let file = cache.path().join("value.brine");
    std::fs::write(&file, &bytes).unwrap();

    let mut group = c.benchmark_group("func_compile");
    group.bench_function(BenchmarkId::new("warm", "same_process"), |b| {
        b.iter(|| load::<(Unary, Unary)>(black_box(&bytes)))
    });
    group.sample_size(20);
    let exe = std::env::current_exe().unwrap();
    group.bench_function(BenchmarkId::new("warm", "new_process"), |b| {
        b.iter_custom(|iters| (0..iters).map(|_| child_load(&exe, cache.path(), &file)).sum())
    });
    group.finish();
}

fn child_load(exe: &Path, cache: &Path, file: &Path) -> Duration {
    let output = Command::new(exe).env(CHILD_FILE, file).env(CHILD_CACHE, cache).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let nanos: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap();
    Duration::from_nanos(nanos)
}

/// The child's side of `warm/new_process`: its compiler cannot run.
fn child(file: &str, cache: &str) {
    brine_code::func::set_compiler(Compiler::new().cache_dir(cache).rustc("/rustc/must/not/run"));
    let bytes = std::fs::read(file).unwrap();
    let started = Instant::now();
    let (square, triple): (Unary, Unary) = load(&bytes);
    let elapsed = started.elapsed();
    assert!(square.compiled() && triple.compiled() && square(4) == 16 && triple(4) == 12);
    println!("{}", elapsed.as_nanos());
}

criterion_group!(benches, warm, cold);

fn main() {
    if let (Ok(file), Ok(cache)) = (std::env::var(CHILD_FILE), std::env::var(CHILD_CACHE)) {
        child(&file, &cache);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
