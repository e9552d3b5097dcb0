//! brine_source::to_string / from_str against ron, its closest peer (a
//! Rust-like text format read and written through serde), on the seed
//! objects. brine-source writes pretty-printed text, so ron is measured both
//! compact (`ron::to_string`) and pretty (`ron::ser::to_string_pretty`); each
//! reader reads its own writer's pretty text.
//!
//! Before the timings, the peak memory of writing and reading `floats_1m`
//! once is printed for both (Linux: `VmHWM`, reset through
//! `/proc/self/clear_refs`).

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

/// Peak memory above the baseline while `work` runs, in bytes.
fn peak_of(work: impl FnOnce()) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = benches::current_rss()?;
    work();
    Some(benches::peak_rss()?.saturating_sub(before))
}

/// A labelled piece of work.
type Case<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn peak_memory() {
    let floats = benches::floats_1m();
    let ours = brine_source::to_string(&floats).unwrap();
    let theirs = ron::ser::to_string_pretty(&floats, pretty()).unwrap();
    let mib =
        |bytes: Option<u64>| bytes.map_or("n/a".to_owned(), |b| format!("{:.1} MiB", b as f64 / 1048576.0));
    let cases: [Case<'_>; 4] = [
        ("brine to_string", Box::new(|| drop(black_box(brine_source::to_string(&floats).unwrap())))),
        (
            "ron to_string_pretty",
            Box::new(|| drop(black_box(ron::ser::to_string_pretty(&floats, pretty()).unwrap()))),
        ),
        ("brine from_str", Box::new(|| drop(black_box(brine_source::from_str::<Vec<f64>>(&ours).unwrap())))),
        ("ron from_str", Box::new(|| drop(black_box(ron::from_str::<Vec<f64>>(&theirs).unwrap())))),
    ];
    eprintln!(
        "peak memory above baseline, floats_1m (text: brine {} bytes, ron {} bytes):",
        ours.len(),
        theirs.len()
    );
    for (label, work) in &cases {
        eprintln!("  {label:<22} {}", mib(peak_of(work)));
    }
}

criterion_group!(benches, to_string, from_str);

fn main() {
    peak_memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
