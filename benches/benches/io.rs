//! brine_io::dump / load against postcard used directly.

use benches::for_each_seed;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::hint::black_box;

fn dump(c: &mut Criterion) {
    let mut group = c.benchmark_group("io_dump");
    for_each_seed!(|name, value| {
        bench_dump(&mut group, name, value);
    });
    group.finish();
}

fn bench_dump<T: Serialize>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    value: &T,
) {
    let len = postcard::to_allocvec(value).unwrap().len();
    group.throughput(Throughput::Bytes(len as u64));
    group.bench_with_input(BenchmarkId::new("brine", name), value, |b, v| {
        b.iter(|| brine_io::dump(black_box(v)).unwrap())
    });
    // the shape table's cost: the same dump without it (a version 1 envelope)
    group.bench_with_input(BenchmarkId::new("brine_no_shape_table", name), value, |b, v| {
        b.iter(|| brine_io::dump_without_shapes(black_box(v)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("postcard_to_allocvec", name), value, |b, v| {
        b.iter(|| postcard::to_allocvec(black_box(v)).unwrap())
    });
    // into a buffer reused across dumps: brine's answer to postcard::to_slice
    let mut buf = Vec::new();
    group.bench_with_input(BenchmarkId::new("brine_dump_append", name), value, |b, v| {
        b.iter(|| {
            buf.clear();
            brine_io::dump_append(black_box(v), &mut buf).unwrap();
            buf.len()
        })
    });
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("io_load");
    for_each_seed!(|name, value| {
        bench_load(&mut group, name, value);
    });
    group.finish();
}

fn bench_load<T: Serialize + DeserializeOwned>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    value: &T,
) {
    let envelope = brine_io::dump(value).unwrap();
    let raw = postcard::to_allocvec(value).unwrap();
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_with_input(BenchmarkId::new("brine", name), &envelope, |b, bytes| {
        b.iter(|| brine_io::load::<T>(black_box(bytes)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("postcard_from_bytes", name), &raw, |b, bytes| {
        b.iter(|| postcard::from_bytes::<T>(black_box(bytes)).unwrap())
    });
    // the shape check's cost: the same envelope with the check switched off
    let unchecked = brine_io::Options::new().check_shape(false);
    group.bench_with_input(BenchmarkId::new("brine_no_shape_check", name), &envelope, |b, bytes| {
        b.iter(|| unchecked.load::<T>(black_box(bytes)).unwrap())
    });
}

/// `Vec`s of 100 records (not seed objects): what the shape table costs a
/// struct-heavy value, each way, and one whose variants change from record
/// to record.
fn records(c: &mut Criterion) {
    let users = benches::users();
    let events = benches::events();
    let mut group = c.benchmark_group("io_records_dump");
    bench_dump(&mut group, "users_100", &users);
    bench_dump(&mut group, "events_100", &events);
    group.finish();
    let mut group = c.benchmark_group("io_records_load");
    bench_load(&mut group, "users_100", &users);
    bench_load(&mut group, "events_100", &events);
    group.finish();
}

criterion_group!(benches, dump, load, records);
criterion_main!(benches);
