//! The temp area's peers: a temporary file written by hand with bincode and
//! with serde_json (`temp.rs` measures brine and tempfile + postcard by
//! hand). Each dump creates a new file, writes, flushes and rewinds it, as
//! `brine_temp::dump` does; each load opens the file, reads it and decodes.

use std::hint::black_box;
use std::io::{Read, Seek, Write};

use benches::for_each_seed;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tempfile::NamedTempFile;

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn dump(c: &mut Criterion) {
    let mut group = c.benchmark_group("temp_dump_peers");
    for_each_seed!(|name, value| {
        bench_dump(&mut group, name, value);
    });
    group.finish();
}

fn write_temp(bytes: &[u8]) -> NamedTempFile {
    let mut file = NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file.rewind().unwrap();
    file
}

fn read_all(file: &NamedTempFile) -> Vec<u8> {
    let mut bytes = Vec::new();
    std::fs::File::open(file.path()).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

fn bench_dump<T: Serialize>(group: &mut Group<'_>, name: &str, value: &T) {
    group.bench_with_input(BenchmarkId::new("tempfile_bincode", name), value, |b, v| {
        b.iter(|| write_temp(&bincode::serialize(black_box(v)).unwrap()))
    });
    group.bench_with_input(BenchmarkId::new("tempfile_serde_json", name), value, |b, v| {
        b.iter(|| write_temp(&serde_json::to_vec(black_box(v)).unwrap()))
    });
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("temp_load_peers");
    for_each_seed!(|name, value| {
        bench_load(&mut group, name, value);
    });
    group.finish();
}

fn bench_load<T: Serialize + DeserializeOwned>(group: &mut Group<'_>, name: &str, value: &T) {
    let bincode_file = write_temp(&bincode::serialize(value).unwrap());
    group.bench_function(BenchmarkId::new("tempfile_bincode", name), |b| {
        b.iter(|| bincode::deserialize::<T>(&read_all(black_box(&bincode_file))).unwrap())
    });
    let json_file = write_temp(&serde_json::to_vec(value).unwrap());
    group.bench_function(BenchmarkId::new("tempfile_serde_json", name), |b| {
        b.iter(|| serde_json::from_slice::<T>(&read_all(black_box(&json_file))).unwrap())
    });
}

criterion_group!(benches, dump, load);
criterion_main!(benches);
