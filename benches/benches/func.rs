//! brine-code's `Func`: what functions cost inside a value.
//!
//! A value of 100 ints (`data`) holding `n` functions, against the same
//! value without them, dumped with `brine_io::dump` and loaded with
//! `Options::trust(Trust::Registry)`. Rows: `1_fn` and `100_fns` (fn items
//! marked `#[brine_code::function]`), `100_closures` (one `func!` closure
//! with a captured `i64` each). Columns: `brine` (with the functions) and
//! `without` (the same data, no functions). The cost of a function is the
//! difference divided by `n`; goal: at most 1 µs each.

use std::hint::black_box;

use brine_code::Func;
use brine_io::{Options, Trust};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;

#[brine_code::function]
fn square(x: i64) -> i64 {
    x * x
}

#[derive(Serialize, Deserialize)]
struct WithFuncs {
    data: Vec<i64>,
    funcs: Vec<Unary>,
}

#[derive(Serialize, Deserialize)]
struct Without {
    data: Vec<i64>,
    funcs: Vec<()>,
}

fn cases() -> Vec<(&'static str, WithFuncs, Without)> {
    let data: Vec<i64> = (0..100).collect();
    let items = |n: usize| -> Vec<Unary> { (0..n).map(|_| brine_code::func!(square)).collect() };
    let closures: Vec<Unary> =
        (0..100_i64).map(|factor| brine_code::func!([factor: i64] |x: i64| -> i64 { x * factor })).collect();
    let without = |n: usize| Without { data: data.clone(), funcs: vec![(); n] };
    vec![
        ("1_fn", WithFuncs { data: data.clone(), funcs: items(1) }, without(1)),
        ("100_fns", WithFuncs { data: data.clone(), funcs: items(100) }, without(100)),
        ("100_closures", WithFuncs { data: data.clone(), funcs: closures }, without(100)),
    ]
}

fn dump(c: &mut Criterion) {
    let mut group = c.benchmark_group("func_dump");
    for (name, with, without) in cases() {
        group
            .bench_function(BenchmarkId::new("brine", name), |b| b.iter(|| brine_io::dump(black_box(&with))));
        group.bench_function(BenchmarkId::new("without", name), |b| {
            b.iter(|| brine_io::dump(black_box(&without)))
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let options = Options::new().trust(Trust::Registry);
    let mut group = c.benchmark_group("func_load");
    for (name, with, without) in cases() {
        let with = brine_io::dump(&with).unwrap();
        let without = brine_io::dump(&without).unwrap();
        group.bench_function(BenchmarkId::new("brine", name), |b| {
            b.iter(|| options.load::<WithFuncs>(black_box(&with)).unwrap())
        });
        group.bench_function(BenchmarkId::new("without", name), |b| {
            b.iter(|| options.load::<Without>(black_box(&without)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, dump, load);
criterion_main!(benches);
