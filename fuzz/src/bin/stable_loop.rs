//! The fuzz targets on stable Rust, without libFuzzer: a mutation loop over
//! the seed corpus that runs each target's body, catches panics and hangs,
//! and saves any input that fails to `fuzz/artifacts/<target>/`.
//!
//! ```text
//! cargo run --release --bin stable_loop -- [--seconds N] [--seeds] [TARGET...]
//! ```
//!
//! `--seeds` writes the seed corpus (`fuzz/corpus/<target>/`) from values of
//! the fuzzed types and exits. Coverage guidance is what this loop lacks;
//! `cargo xtask fuzz` prefers cargo-fuzz when it can be had.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use brine_fuzz::{Bits, Record, Shape, TARGETS, Tree};

/// An input running longer than this is a hang.
const HANG: Duration = Duration::from_secs(10);

fn main() {
    let mut seconds = 60u64;
    let mut seeds = false;
    let mut wanted = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(seconds),
            "--seeds" => seeds = true,
            name => wanted.push(name.to_owned()),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if seeds {
        write_seeds(&root.join("corpus"));
        return;
    }
    let mut failed = false;
    for (name, body) in TARGETS {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
            continue;
        }
        failed |= !run(root, name, *body, Duration::from_secs(seconds));
    }
    if failed {
        std::process::exit(1);
    }
}

/// Runs one target for `time`; false when an input failed.
fn run(root: &Path, name: &str, body: fn(&[u8]), time: Duration) -> bool {
    let corpus = load_corpus(&root.join("corpus").join(name));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    let started = Instant::now();
    let execs = Arc::new(AtomicU64::new(0));
    let current_start = Arc::new(AtomicU64::new(0));
    watchdog(name, started, Arc::clone(&current_start));
    std::panic::set_hook(Box::new(|_| {}));
    let mut count = 0u64;
    while started.elapsed() < time {
        let base = if corpus.is_empty() { Vec::new() } else { corpus[rng.below(corpus.len())].clone() };
        let other = if corpus.is_empty() { Vec::new() } else { corpus[rng.below(corpus.len())].clone() };
        let input = mutate(base, &other, &mut rng);
        current_start.store(started.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let outcome = std::panic::catch_unwind(|| body(&input));
        current_start.store(0, Ordering::SeqCst);
        count += 1;
        execs.store(count, Ordering::Relaxed);
        if let Err(panic) = outcome {
            let _ = std::panic::take_hook();
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let path = save(root, name, &input);
            println!("{name}: FAILED after {count} execs: {message}\n  input saved to {}", path.display());
            return false;
        }
    }
    let _ = std::panic::take_hook();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {count} execs in {secs:.0} s ({:.0}/s), {} seed inputs, 0 failures",
        count as f64 / secs,
        corpus.len()
    );
    true
}

/// Aborts the process, saying which target hung, when one input runs past [`HANG`].
fn watchdog(name: &str, started: Instant, current_start: Arc<AtomicU64>) {
    let name = name.to_owned();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let at = current_start.load(Ordering::SeqCst);
            if at != 0 && started.elapsed().as_millis() as u64 > at + HANG.as_millis() as u64 {
                eprintln!("{name}: an input ran for over {HANG:?} (a hang)");
                std::process::exit(2);
            }
        }
    });
}

fn load_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut inputs: Vec<Vec<u8>> =
        entries.filter_map(|e| e.ok()).filter_map(|e| std::fs::read(e.path()).ok()).collect();
    inputs.sort();
    inputs
}

fn save(root: &Path, name: &str, input: &[u8]) -> PathBuf {
    let dir = root.join("artifacts").join(name);
    let _ = std::fs::create_dir_all(&dir);
    let hash =
        input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    let path = dir.join(format!("crash-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

/// xorshift64*: small, fast, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const INTERESTING: &[&[u8]] = &[
    &[0x00],
    &[0xff],
    &[0x80],
    &[0x7f],
    &[0xff, 0xff, 0xff, 0xff, 0x0f],
    &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
    &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    b"[",
    b"]",
    b"{",
    b"(",
    b"\"",
    b"\\u{",
    b"r#\"",
    b"0x",
    b"1e999",
    b"f64::NAN",
    b"vec![",
    b"::core::option::Option::Some(",
    b"/*",
    b"//",
    b",",
];

/// One to four random edits: flips, byte sets, inserts, deletes, splices,
/// duplications and "interesting" byte strings.
fn mutate(mut input: Vec<u8>, other: &[u8], rng: &mut Rng) -> Vec<u8> {
    for _ in 0..=rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(8) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = rng.next() as u8;
            }
            2 => input.insert(at, rng.next() as u8),
            3 if !input.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(input.len());
                input.drain(at.min(input.len() - 1)..end);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let len = rng.below(other.len() - from + 1);
                input.splice(at..at, other[from..from + len].iter().copied());
            }
            5 if !input.is_empty() => {
                let from = rng.below(input.len());
                let len = rng.below((input.len() - from).min(64) + 1);
                let chunk = input[from..from + len].to_vec();
                input.splice(at..at, chunk);
            }
            6 => {
                let bytes = INTERESTING[rng.below(INTERESTING.len())];
                input.splice(at..at, bytes.iter().copied());
            }
            _ => {
                let end = input.len().min(at + 1 + rng.below(8));
                input.truncate(end);
            }
        }
    }
    input.truncate(1 << 16);
    input
}

fn sample_records() -> Vec<Record> {
    let tree = Tree::Node(vec![Tree::Leaf(1), Tree::Node(vec![Tree::Leaf(2), Tree::Node(vec![])])]);
    vec![
        Record {
            name: "probe-1".into(),
            id: -42,
            score: Bits(0.5),
            matrix: vec![vec![1, 2, 3], vec![], vec![u32::MAX]],
            tags: [("a".into(), Shape::Circle(3)), ("b".into(), Shape::Rect { w: 2, h: 3, label: None })]
                .into(),
            counts: [(1, Some(2)), (7, None)].into(),
            shape: Shape::Line(-1, 1),
            mark: '\u{1F980}',
            tree: tree.clone(),
        },
        Record {
            name: "multi\nline \"quoted\" \u{0}".into(),
            id: i64::MIN,
            score: Bits(f64::NAN),
            matrix: vec![vec![0; 20]],
            tags: [("x".into(), Shape::Rect { w: 0, h: u16::MAX, label: Some("r#\"raw\"#".into()) })].into(),
            counts: Default::default(),
            shape: Shape::Empty,
            mark: '\'',
            tree: Tree::Leaf(0),
        },
    ]
}

fn write_seeds(corpus: &Path) {
    let records = sample_records();
    let mut io = Vec::new();
    let mut source = Vec::new();
    for record in &records {
        io.push(brine::dump_io(record).expect("seed records dump"));
        source.push(brine::dump_io_source(record).expect("seed records write as source").into_bytes());
    }
    io.push(brine::dump_io(&vec![1u64, 2, u64::MAX]).expect("dump"));
    io.push(brine::dump_io("a string").expect("dump"));
    io.push(brine::dump_io(&records[0].tree).expect("dump"));
    source.push(brine::dump_io_source(&vec![1u64, 2, u64::MAX]).expect("source").into_bytes());
    source.push(brine::dump_io_source("a string").expect("source").into_bytes());
    source.push(b"vec![0x10, 0o7, 0b1, 1_000u64, /* c */ 5,]".to_vec());
    source.push(b"String::from(r#\"raw \"text\"\"#)".to_vec());
    let round: Vec<Vec<u8>> =
        (0u8..8).map(|i| (0..64).map(|j| i.wrapping_mul(31).wrapping_add(j * 7)).collect()).collect();
    for (name, inputs) in [("io_load", io), ("source_from_str", source), ("round_trip", round)] {
        let dir = corpus.join(name);
        std::fs::create_dir_all(&dir).expect("create the corpus directory");
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:02}")), input).expect("write a seed");
        }
        println!("{name}: {} seeds in {}", inputs.len(), dir.display());
    }
}
