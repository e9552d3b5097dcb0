//! The io area's peers: the same seed objects through postcard used at its
//! best (`to_slice` into a buffer reused across dumps), bincode 1.3,
//! serde_json and ron. `io.rs` measures brine and naive postcard
//! (`to_allocvec`); `cargo xtask bench` puts all of them in one table.

use std::hint::black_box;

use benches::for_each_seed;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::Serialize;
use serde::de::DeserializeOwned;

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn dump(c: &mut Criterion) {
    let mut group = c.benchmark_group("io_dump_peers");
    for_each_seed!(|name, value| {
        bench_dump(&mut group, name, value);
    });
    group.finish();
}

fn bench_dump<T: Serialize>(group: &mut Group<'_>, name: &str, value: &T) {
    // postcard's best use: the caller owns a buffer of the right size and reuses it
    let mut buf = vec![0u8; postcard::to_allocvec(value).unwrap().len()];
    group.bench_with_input(BenchmarkId::new("postcard_to_slice", name), value, |b, v| {
        b.iter(|| postcard::to_slice(black_box(v), &mut buf).unwrap().len())
    });
    group.bench_with_input(BenchmarkId::new("bincode", name), value, |b, v| {
        b.iter(|| bincode::serialize(black_box(v)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("serde_json", name), value, |b, v| {
        b.iter(|| serde_json::to_vec(black_box(v)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("ron", name), value, |b, v| {
        b.iter(|| ron::to_string(black_box(v)).unwrap())
    });
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("io_load_peers");
    for_each_seed!(|name, value| {
        bench_load(&mut group, name, value);
    });
    group.finish();
}

fn bench_load<T: Serialize + DeserializeOwned>(group: &mut Group<'_>, name: &str, value: &T) {
    let bincode_bytes = bincode::serialize(value).unwrap();
    group.bench_with_input(BenchmarkId::new("bincode", name), &bincode_bytes, |b, bytes| {
        b.iter(|| bincode::deserialize::<T>(black_box(bytes)).unwrap())
    });
    let json = serde_json::to_vec(value).unwrap();
    group.bench_with_input(BenchmarkId::new("serde_json", name), &json, |b, bytes| {
        b.iter(|| serde_json::from_slice::<T>(black_box(bytes)).unwrap())
    });
    let ron_text = ron::to_string(value).unwrap();
    group.bench_with_input(BenchmarkId::new("ron", name), &ron_text, |b, text| {
        b.iter(|| ron::from_str::<T>(black_box(text)).unwrap())
    });
}

criterion_group!(benches, dump, load);
criterion_main!(benches);
