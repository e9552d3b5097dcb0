//! brine_temp::dump / load against tempfile + postcard by hand.

use std::io::{Read, Seek, Write};

use benches::for_each_seed;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::hint::black_box;

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn dump(c: &mut Criterion) {
    let mut group = c.benchmark_group("temp_dump");
    for_each_seed!(|name, value| {
        bench_dump(&mut group, name, value);
    });
    group.finish();
}

fn bench_dump<T: Serialize>(group: &mut Group<'_>, name: &str, value: &T) {
    group.bench_with_input(BenchmarkId::new("brine", name), value, |b, v| {
        b.iter(|| brine_temp::dump(black_box(v)).unwrap())
    });
    group.bench_with_input(BenchmarkId::new("tempfile_postcard", name), value, |b, v| {
        b.iter(|| {
            let mut file = tempfile::NamedTempFile::new().unwrap();
            file.write_all(&postcard::to_allocvec(black_box(v)).unwrap()).unwrap();
            file.flush().unwrap();
            file.rewind().unwrap();
            file
        })
    });
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("temp_load");
    for_each_seed!(|name, value| {
        bench_load(&mut group, name, value);
    });
    group.finish();
}

fn bench_load<T: Serialize + DeserializeOwned>(group: &mut Group<'_>, name: &str, value: &T) {
    let envelope = brine_temp::dump(value).unwrap();
    let mut raw = tempfile::NamedTempFile::new().unwrap();
    raw.write_all(&postcard::to_allocvec(value).unwrap()).unwrap();
    group.bench_function(BenchmarkId::new("brine", name), |b| {
        b.iter(|| brine_temp::load::<T>(black_box(&envelope)).unwrap())
    });
    group.bench_function(BenchmarkId::new("tempfile_postcard", name), |b| {
        b.iter(|| {
            let mut bytes = Vec::new();
            std::fs::File::open(raw.path()).unwrap().read_to_end(&mut bytes).unwrap();
            postcard::from_bytes::<T>(&bytes).unwrap()
        })
    });
}

criterion_group!(benches, dump, load);
criterion_main!(benches);
