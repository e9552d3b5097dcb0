//! brine_source::to_string / from_str against ron, its closest peer (a
//! Rust-like text format read and written through serde), on the seed
//! objects. brine-source writes pretty-printed text, so ron is measured both
//! compact (`ron::to_string`) and pretty (`ron::ser::to_string_pretty`); each
//! reader reads its own writer's pretty text.
//!
//! Before the timings, the peak memory of writing and reading `floats_1m`
//! once is printed for both, each case in a fresh child process (Linux:
//! `VmHWM`, reset through `/proc/self/clear_refs`, minus `VmRSS` before).

use benches::for_each_seed;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, measurement::WallTime};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::hint::black_box;

fn pretty() -> ron::ser::PrettyConfig {
    ron::ser::PrettyConfig::default()
}

fn to_string(c: &mut Criterion) {
    let mut group = c.benchmark_group("source_to_string");
    group.sample_size(20);
    for_each_seed!(|name, value| {
        bench_to_string(&mut group, name, value);
    });
    group.finish();
}

fn bench_to_string<T: Serialize>(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, value: &T) {
    let len = brine_source::to_string(value).unwrap().len();
    group.throughput(Throughput::Bytes(len as u64));
    group.bench_with_input(BenchmarkId::new("brine", name), value, |b, v| {
        b.iter(|| brine_source::to_string(black_box(v)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("ron_pretty", name), value, |b, v| {
        b.iter(|| ron::ser::to_string_pretty(black_box(v), pretty()).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("ron_compact", name), value, |b, v| {
        b.iter(|| ron::to_string(black_box(v)).unwrap())
    });
}

fn from_str(c: &mut Criterion) {
    let mut group = c.benchmark_group("source_from_str");
    group.sample_size(20);
    for_each_seed!(|name, value| {
        bench_from_str(&mut group, name, value);
    });
    group.finish();
}

fn bench_from_str<T: Serialize + DeserializeOwned>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    value: &T,
) {
    let ours = brine_source::to_string(value).unwrap();
    let theirs = ron::ser::to_string_pretty(value, pretty()).unwrap();
    let compact = ron::to_string(value).unwrap();
    group.throughput(Throughput::Bytes(ours.len() as u64));
    group.bench_with_input(BenchmarkId::new("brine", name), ours.as_str(), |b, text| {
        b.iter(|| brine_source::from_str::<T>(black_box(text)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("ron_pretty", name), theirs.as_str(), |b, text| {
        b.iter(|| ron::from_str::<T>(black_box(text)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("ron_compact", name), compact.as_str(), |b, text| {
        b.iter(|| ron::from_str::<T>(black_box(text)).unwrap())
    });
}

/// The peak-memory cases: each runs alone in a fresh child process (this
/// binary, run again with `BRINE_SOURCE_PEAK=<case>`), so that no memory
/// freed by an earlier case can hide a later one's.
const PEAK_CASES: [&str; 4] = ["brine_to_string", "ron_to_string_pretty", "brine_from_str", "ron_from_str"];

/// In the child: builds the input (the floats, or the text read from the
/// file the parent wrote, each one allocation), then prints how far the
/// peak resident size rises above the size before the operation.
fn peak_case(case: &str) {
    let read = |name: &str| {
        let dir = std::env::var("BRINE_SOURCE_PEAK_DIR").unwrap();
        std::fs::read_to_string(std::path::Path::new(&dir).join(name)).unwrap()
    };
    let (floats, text) = match case {
        "brine_to_string" | "ron_to_string_pretty" => (benches::floats_1m(), String::new()),
        "brine_from_str" => (Vec::new(), read("brine.rs")),
        _ => (Vec::new(), read("ron.ron")),
    };
    // Resets the peak (VmHWM) to the current size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = benches::current_rss().unwrap();
    match case {
        "brine_to_string" => drop(black_box(brine_source::to_string(&floats).unwrap())),
        "ron_to_string_pretty" => drop(black_box(ron::ser::to_string_pretty(&floats, pretty()).unwrap())),
        "brine_from_str" => drop(black_box(brine_source::from_str::<Vec<f64>>(&text).unwrap())),
        _ => drop(black_box(ron::from_str::<Vec<f64>>(&text).unwrap())),
    }
    println!("{}", benches::peak_rss().unwrap().saturating_sub(before));
}

/// Prints the peak memory of writing and reading `floats_1m` once, for
/// brine and ron, each case in its own process.
fn peak_memory() -> anyhow::Result<()> {
    let floats = benches::floats_1m();
    let dir = tempfile::tempdir()?;
    let ours = brine_source::to_string(&floats)?;
    std::fs::write(dir.path().join("brine.rs"), &ours)?;
    std::fs::write(dir.path().join("ron.ron"), ron::ser::to_string_pretty(&floats, pretty())?)?;
    eprintln!("peak memory above the input, floats_1m (8 MB of f64, {} bytes of text):", ours.len());
    for case in PEAK_CASES {
        let output = std::process::Command::new(std::env::current_exe()?)
            .env("BRINE_SOURCE_PEAK", case)
            .env("BRINE_SOURCE_PEAK_DIR", dir.path())
            .output()?;
        let bytes: f64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
        eprintln!("  {case:<22} {:.1} MiB", bytes / 1048576.0);
    }
    Ok(())
}

/// A linked list `n` nodes deep (`2n` levels: a struct and an option a
/// node), to show that writing and reading stay linear in the depth.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct Node {
    v: i32,
    next: Option<Box<Node>>,
}

fn deep_list(n: i32) -> Node {
    (1..n).rev().fold(Node { v: n - 1, next: None }, |next, v| Node { v: v - 1, next: Some(Box::new(next)) })
}

fn deep(c: &mut Criterion) {
    let mut group = c.benchmark_group("source_deep_list");
    group.sample_size(20);
    for n in [100, 1_000, 10_000] {
        let value = deep_list(n);
        let options = brine_source::value::Options::new().max_depth(2 * n as usize + 1);
        let text = options.to_string(&value).unwrap();
        eprintln!("source_deep_list: {n} nodes, {} bytes of text", text.len());
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("to_string", n), &value, |b, v| {
            b.iter(|| options.to_string(black_box(v)).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("from_str", n), text.as_str(), |b, text| {
            b.iter(|| options.from_str::<Node>(black_box(text)).unwrap())
        });
        // the list's own drop recurses once a node: let it go on a big stack
        std::thread::Builder::new().stack_size(64 << 20).spawn(move || drop(value)).unwrap().join().unwrap();
    }
    group.finish();
}

criterion_group!(benches, to_string, from_str, deep);

fn main() {
    if let Ok(case) = std::env::var("BRINE_SOURCE_PEAK") {
        peak_case(&case);
        return;
    }
    if let Err(error) = peak_memory() {
        eprintln!("peak memory not measured: {error}");
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
