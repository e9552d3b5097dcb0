//! brine-code: building source with rustc, loading a cached
//! build, and calling a loaded function against calling the host's own.
//!
//! - `code_compile/cold`: a small `fn` built by rustc (a new source each
//!   time, so nothing comes from the cache), at the default `-C opt-level=2`
//!   and at 0.
//! - `code_load_cached/same_process`: loading a source whose library this
//!   process already has open (key hash, cache directory check, table).
//! - `code_load_cached/new_process`: a second load in a later process, the
//!   case the cache is for: a child process loads it from the cache (key
//!   hash, cache directory check, read and SHA-256 of the library against
//!   its record, `dlopen`, table) and reports the time it took, which excludes
//!   the process's own start. Goal: at most 5 ms.
//! - `code_call`: `add` and the seed's `example_algorithm` through the loaded
//!   `fn` pointer against a direct call of the host's own copy (and, for
//!   `add`, against the host's copy through a `fn` pointer, which cannot be
//!   inlined either). The loaded library is built at `-C opt-level=3`, as
//!   the bench profile builds the host. Goal: the same within noise.
//!
//! The cache is a temporary directory; nothing is left behind.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use brine_code::{Compiler, Items};
use criterion::{BenchmarkId, Criterion, criterion_group};

#[brine_code::source]
pub fn add(x: i64, y: i64) -> i64 {
    x + y
}

/// The seed's algorithm: the values above `threshold`, doubled.
#[brine_code::source]
pub fn example_algorithm(data: &[f64], threshold: f64) -> Vec<f64> {
    data.iter().filter(|&&x| x > threshold).map(|x| x * 2.0).collect()
}

/// Set in a child process: load this source from this cache, print the
/// nanoseconds it took.
const CHILD_SOURCE: &str = "BRINE_BENCH_CODE_SOURCE";
const CHILD_CACHE: &str = "BRINE_BENCH_CODE_CACHE";

fn source() -> String {
    brine_source::to_string(&Items::new([
        brine_code::source_of!(add),
        brine_code::source_of!(example_algorithm),
    ]))
    .unwrap()
}

fn compile(c: &mut Criterion) {
    let cache = tempfile::tempdir().unwrap();
    let unique = AtomicU64::new(0);
    let mut group = c.benchmark_group("code_compile");
    group.sample_size(10);
    for opt_level in [2, 0] {
        let compiler = Compiler::new().cache_dir(cache.path()).opt_level(opt_level);
        compiler.check().unwrap();
        group.bench_function(BenchmarkId::new("cold", format!("opt-level={opt_level}")), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let n = unique.fetch_add(1, Ordering::Relaxed);
                    let source = format!("pub fn add(x: i64, y: i64) -> i64 {{ x + y }} // build {n}");
                    let started = Instant::now();
                    let module = compiler.compile(&source).unwrap();
                    total += started.elapsed();
                    assert!(module.compiled());
                }
                total
            })
        });
    }
    group.finish();
}

fn load_cached(c: &mut Criterion) {
    let cache = tempfile::tempdir().unwrap();
    let compiler = Compiler::new().cache_dir(cache.path());
    let source = source();
    assert!(compiler.compile(&source).unwrap().compiled());
    let mut group = c.benchmark_group("code_load_cached");
    group.bench_function("same_process", |b| b.iter(|| compiler.compile(black_box(&source)).unwrap()));
    group.sample_size(20);
    let exe = std::env::current_exe().unwrap();
    group.bench_function("new_process", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| child_load(&exe, cache.path(), &source)).sum())
    });
    group.finish();
}

fn child_load(exe: &Path, cache: &Path, source: &str) -> Duration {
    let output = Command::new(exe).env(CHILD_SOURCE, source).env(CHILD_CACHE, cache).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let nanos: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap();
    Duration::from_nanos(nanos)
}

/// The child's side of `new_process`.
fn child(source: &str, cache: &str) {
    let compiler = Compiler::new().cache_dir(cache).rustc("/rustc/must/not/run");
    let started = Instant::now();
    let module = compiler.compile(source).unwrap();
    let add = module.get::<fn(i64, i64) -> i64>("add").unwrap();
    let elapsed = started.elapsed();
    assert!(!module.compiled() && add(2, 3) == 5);
    println!("{}", elapsed.as_nanos());
}

fn call(c: &mut Criterion) {
    let cache = tempfile::tempdir().unwrap();
    // opt-level 3, as the bench profile builds the host's copy
    let module = Compiler::new().cache_dir(cache.path()).opt_level(3).compile(&source()).unwrap();
    let loaded_add = module.get::<fn(i64, i64) -> i64>("add").unwrap();
    let loaded_algorithm = module.get::<fn(&[f64], f64) -> Vec<f64>>("example_algorithm").unwrap();
    let data: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.37 - 100.0).collect();
    assert_eq!(loaded_algorithm(&data, 50.0), example_algorithm(&data, 50.0));

    let mut group = c.benchmark_group("code_call");
    group.bench_function(BenchmarkId::new("add", "direct"), |b| b.iter(|| add(black_box(2), black_box(3))));
    // the fair baseline for a call that cannot be inlined: the host's own fn through a pointer
    let pointer: fn(i64, i64) -> i64 = black_box(add);
    group.bench_function(BenchmarkId::new("add", "direct_pointer"), |b| {
        b.iter(|| pointer(black_box(2), black_box(3)))
    });
    group.bench_function(BenchmarkId::new("add", "loaded"), |b| {
        b.iter(|| loaded_add(black_box(2), black_box(3)))
    });
    group.bench_function(BenchmarkId::new("example_algorithm_1000", "direct"), |b| {
        b.iter(|| example_algorithm(black_box(&data), black_box(50.0)))
    });
    group.bench_function(BenchmarkId::new("example_algorithm_1000", "loaded"), |b| {
        b.iter(|| loaded_algorithm(black_box(&data), black_box(50.0)))
    });
    group.finish();
}

criterion_group!(benches, compile, load_cached, call);

fn main() {
    if let (Ok(source), Ok(cache)) = (std::env::var(CHILD_SOURCE), std::env::var(CHILD_CACHE)) {
        child(&source, &cache);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
