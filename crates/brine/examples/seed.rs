//! The usage examples of the `dill.temp` documentation brine mirrors, ported
//! one by one, in order: run it with `cargo run --example seed`.
//!
//! Each section prints the lines the Python prints, where Rust can print the
//! same; where it can't (an object's address, Python's `repr` of a function,
//! a timing), it prints the nearest Rust equivalent. Functions and lambdas
//! inside values are `brine::Func`s: a fn marked `#[brine::function]`, or a
//! closure written with `brine::func!`, loaded back with the opt-in
//! `Trust::Registry`.

use std::collections::BTreeMap;
use std::time::Instant;

use brine::io::Options;
use brine::{Func, Trust};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

type Unary = Func<dyn Fn(i64) -> i64 + Send + Sync>;
type Sum = Func<dyn Fn(&[i64]) -> i64 + Send + Sync>;

/// The load every section uses: values holding functions are opt-in.
fn trusted() -> Options {
    Options::new().trust(Trust::Registry)
}

fn main() -> anyhow::Result<()> {
    basic_temporary_file_operations()?;
    source_code_operations()?;
    io_buffer_operations()?;
    stream_capture()?;
    testing_framework_integration()?;
    development_workflow_tools()?;
    performance_benchmarking()?;
    Ok(())
}

// -- Basic Temporary File Operations ------------------------------------------

#[brine::function]
fn test_function(x: i64, y: i64) -> i64 {
    x * y + 42
}

/// `class TestClass`: its value is data, its method is code of this program.
#[brine::source]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TestClass {
    /// What the instance was made with.
    pub value: i64,
}

#[brine::source]
impl TestClass {
    /// `get_doubled`: twice the value.
    pub fn get_doubled(&self) -> i64 {
        self.value * 2
    }
}

/// One entry of `test_data`: Python's dict holds values of any type, so the
/// Rust value is an enum of the types it holds.
#[derive(Serialize, Deserialize, Debug)]
enum TestValue {
    Function(Func<dyn Fn(i64, i64) -> i64 + Send + Sync>),
    /// A class object: in Rust, the type's source, kept by `#[brine::source]`.
    Class(String),
    Instance(TestClass),
    List(Vec<i64>),
}

fn basic_temporary_file_operations() -> anyhow::Result<()> {
    let class =
        format!("{}\n{}", brine::source_of!(TestClass).text(), brine::source_of!(impl TestClass).text());
    let test_data: Vec<(String, TestValue)> = vec![
        ("function".into(), TestValue::Function(brine::func!(test_function))),
        ("class".into(), TestValue::Class(class)),
        ("instance".into(), TestValue::Instance(TestClass { value: 10 })),
        ("list".into(), TestValue::List(vec![1, 2, 3, 4, 5])),
    ];

    // Dump to temporary file
    let temp_file = brine::dump(&test_data)?;
    println!("Data saved to temporary file: {}", temp_file.path().display());

    // Load from temporary file
    let restored_data: Vec<(String, TestValue)> = brine::temp::load_with(&temp_file, &trusted())?;
    let keys: Vec<&str> = restored_data.iter().map(|(key, _)| key.as_str()).collect();
    println!("Restored data keys: {}", py_list_str(&keys));

    // Test restored functionality
    for (key, value) in &restored_data {
        match (key.as_str(), value) {
            ("function", TestValue::Function(restored_function)) => {
                let result = restored_function(5, 3);
                println!("Function result: {result}"); // Should be 57
            }
            ("instance", TestValue::Instance(restored_instance)) => {
                let doubled = restored_instance.get_doubled();
                println!("Instance method result: {doubled}"); // Should be 20
            }
            _ => {}
        }
    }
    Ok(())
}

// -- Source Code Operations -----------------------------------------------------

/// Example algorithm for demonstration: the items above `threshold` doubled,
/// the others kept. (Python's version takes mixed lists and a default
/// threshold of 0.5; Rust's takes `f64`s and the threshold always.)
#[brine::source]
pub fn example_algorithm(data: &[f64], threshold: f64) -> Vec<f64> {
    let mut processed = Vec::with_capacity(data.len());
    for &item in data {
        if item > threshold {
            processed.push(item * 2.0);
        } else {
            processed.push(item);
        }
    }
    processed
}

type Algorithm = fn(&[f64], f64) -> Vec<f64>;

fn source_code_operations() -> anyhow::Result<()> {
    // Dump source code to temporary file
    let source_file = brine::dump_source(brine::source_of!(example_algorithm))?;
    println!("Source code saved to: {}", source_file.path().display());

    // Load and examine source code
    let source_content = std::fs::read_to_string(source_file.path())?;
    println!("Source code:");
    println!("{source_content}");

    // Load source code as executable: compiled by rustc (once; then cached)
    let module = brine::code::Module::load(&source_file)?;
    let loaded_func = module.get::<Algorithm>("example_algorithm")?;
    println!(
        "Loaded function: <function example_algorithm: {} in {}>",
        module.signature("example_algorithm").unwrap_or("?"),
        module.path().display()
    );

    // Test loaded function
    let test_data = [0.2, 0.8, 1.5, 0.1, 2.0];
    let result = loaded_func(&test_data, 0.6);
    println!("Algorithm result: {result:?}");
    Ok(())
}

// -- IO Buffer Operations ---------------------------------------------------------

#[derive(Serialize, Deserialize, Debug)]
struct ComplexData {
    functions: Vec<Unary>,
    nested: BTreeMap<String, BTreeMap<String, Vec<i64>>>,
    instance: TestClass,
}

fn io_buffer_operations() -> anyhow::Result<()> {
    // Complex object for testing
    let complex_data = ComplexData {
        functions: vec![
            brine::func!(|x: i64| -> i64 { x.pow(2) }),
            brine::func!(|x: i64| -> i64 { x.pow(3) }),
        ],
        nested: BTreeMap::from([("level1".into(), BTreeMap::from([("level2".into(), vec![1, 2, 3])]))]),
        instance: TestClass { value: 42 },
    };

    // Serialize to buffer
    let buffer_data = brine::dump_io(&complex_data)?;
    println!("Serialized to buffer: {} bytes", buffer_data.len());

    // Deserialize from buffer
    let restored_from_buffer: ComplexData = trusted().load(&buffer_data)?;
    println!("Restored from buffer successfully");

    // Test functionality
    let square_func = &restored_from_buffer.functions[0];
    println!("Square function: {}", square_func(5)); // Should be 25

    // Source code buffer operations
    let source_buffer = brine::dump_io_source(brine::source_of!(example_algorithm))?;
    println!("Source code buffer length: {} characters", source_buffer.chars().count());

    // Load source from buffer: Python's `exec`, here rustc (cached)
    let namespace = brine::code::Module::compile(&source_buffer)?;
    let func_from_buffer = namespace.get::<Algorithm>("example_algorithm")?;
    let result = func_from_buffer(&[1.0, 2.0, 3.0], 1.5);
    println!("Function from source buffer: {result:?}");
    Ok(())
}

// -- Stream Capture -----------------------------------------------------------------

/// Function that produces output.
fn noisy_function() -> &'static str {
    println!("Starting processing...");
    println!("Processing item 1");
    println!("Processing item 2");
    println!("Processing complete!");
    "Result"
}

/// Function that produces error output.
fn error_function() -> &'static str {
    println!("This goes to stdout");
    eprintln!("This goes to stderr");
    "Done"
}

fn stream_capture() -> anyhow::Result<()> {
    // Capture stdout
    let (_result, stdout_capture) = brine::capture::capturing(brine::Stream::Stdout, noisy_function)?;
    let stdout_output = stdout_capture.to_str()?;
    println!("Captured stdout ({} chars):", stdout_output.chars().count());
    println!("{}", py_repr(stdout_output));

    // Capture stderr
    let (_result, stderr_capture) = brine::capture::capturing(brine::Stream::Stderr, error_function)?;
    println!("Captured stderr: {}", py_repr(stderr_capture.to_str()?));

    // Capture both streams
    let (result, captured) = brine::capture::capturing_both(error_function)?;
    println!("Function result: {result}");
    println!("Stdout: {}", py_repr(captured.stdout.to_str()?));
    println!("Stderr: {}", py_repr(captured.stderr.to_str()?));
    Ok(())
}

// -- Testing Framework Integration --------------------------------------------------

/// Test case with temporary file management: files are tracked and removed
/// in `tear_down` (dropping a `NamedTempFile` removes it).
struct TempFileTestCase {
    temp_files: Vec<brine::NamedTempFile>,
}

#[derive(Serialize, Deserialize)]
struct ComplexObj {
    data: Vec<i64>,
    func: Sum,
    nested: BTreeMap<String, String>,
}

impl TempFileTestCase {
    fn set_up() -> Self {
        TempFileTestCase { temp_files: Vec::new() }
    }

    fn tear_down(self) {
        drop(self.temp_files);
    }

    /// Create temporary file for object and track it.
    fn create_temp_object<T: Serialize>(&mut self, obj: &T) -> anyhow::Result<std::path::PathBuf> {
        let temp_file = brine::dump(obj)?;
        let path = temp_file.path().to_owned();
        self.temp_files.push(temp_file);
        Ok(path)
    }

    /// Test function serialization via temporary files.
    fn test_function_serialization(&mut self) -> anyhow::Result<()> {
        let test_func: Unary = brine::func!(|x: i64| -> i64 { x * 2 });

        // Serialize to temp file
        let temp_file = self.create_temp_object(&test_func)?;
        anyhow::ensure!(temp_file.exists());

        // Load and test
        let loaded_func: Unary = brine::temp::load_with(&temp_file, &trusted())?;
        anyhow::ensure!(loaded_func(5) == 10);
        Ok(())
    }

    /// Test complex object serialization roundtrip.
    fn test_complex_object_roundtrip(&mut self) -> anyhow::Result<()> {
        let complex_obj = ComplexObj {
            data: vec![1, 2, 3, 4, 5],
            func: brine::func!(|x: &[i64]| -> i64 { x.iter().sum() }),
            nested: BTreeMap::from([("key".into(), "value".into())]),
        };

        let temp_file = self.create_temp_object(&complex_obj)?;
        let loaded_obj: ComplexObj = brine::temp::load_with(&temp_file, &trusted())?;

        // Test loaded functionality
        anyhow::ensure!(loaded_obj.data == [1, 2, 3, 4, 5]);
        anyhow::ensure!((loaded_obj.func)(&[1, 2, 3]) == 6);
        anyhow::ensure!(loaded_obj.nested["key"] == "value");
        Ok(())
    }
}

/// `unittest.main()`, for the two tests above: a dot per passed test, then
/// the summary, as unittest prints it.
fn testing_framework_integration() -> anyhow::Result<()> {
    type Test = fn(&mut TempFileTestCase) -> anyhow::Result<()>;
    let tests: [(&str, Test); 2] = [
        ("test_function_serialization", TempFileTestCase::test_function_serialization),
        ("test_complex_object_roundtrip", TempFileTestCase::test_complex_object_roundtrip),
    ];
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut dots = String::new();
    for (name, test) in tests {
        let mut case = TempFileTestCase::set_up();
        match test(&mut case) {
            Ok(()) => dots.push('.'),
            Err(error) => {
                dots.push('F');
                failures.push(format!("FAIL: {name}: {error}"));
            }
        }
        case.tear_down();
    }
    println!("{dots}");
    for failure in &failures {
        println!("{failure}");
    }
    println!("{}", "-".repeat(70));
    println!("Ran {} tests in {:.3}s", tests.len(), started.elapsed().as_secs_f64());
    println!();
    if failures.is_empty() {
        println!("OK");
        Ok(())
    } else {
        println!("FAILED (failures={})", failures.len());
        anyhow::bail!("{} test(s) failed", failures.len())
    }
}

// -- Development Workflow Tools -------------------------------------------------------

#[brine::function]
fn fibonacci(n: u64) -> u64 {
    if n <= 1 {
        return n;
    }
    fibonacci(n - 1) + fibonacci(n - 2)
}

#[derive(Serialize, Deserialize, Debug, Clone)]
struct DataProcessor {
    multiplier: i64,
}

impl DataProcessor {
    fn new(multiplier: i64) -> Self {
        DataProcessor { multiplier }
    }

    fn process(&self, data: &[i64]) -> Vec<i64> {
        data.iter().map(|x| x * self.multiplier).collect()
    }
}

/// What a session holds: a dict of any objects in Python, an enum here.
#[derive(Serialize, Deserialize, Debug, Clone)]
enum SessionObject {
    Function(Func<dyn Fn(u64) -> u64 + Send + Sync>),
    Processor(DataProcessor),
    Data(Vec<i64>),
}

/// Python's dict keeps insertion order; so does this list of pairs.
type Objects = Vec<(String, SessionObject)>;

struct Snapshot {
    timestamp: String,
    description: String,
    temp_file: brine::NamedTempFile,
    object_count: usize,
}

/// Manage development session with temporary serialization.
struct DevelopmentSession {
    session_name: String,
    snapshots: Vec<Snapshot>,
    current_objects: Objects,
}

impl DevelopmentSession {
    fn new(session_name: &str) -> Self {
        DevelopmentSession {
            session_name: session_name.into(),
            snapshots: Vec::new(),
            current_objects: Vec::new(),
        }
    }

    /// Add object to current session.
    fn add_object(&mut self, name: &str, obj: SessionObject) {
        match self.current_objects.iter_mut().find(|(key, _)| key == name) {
            Some((_, slot)) => *slot = obj,
            None => self.current_objects.push((name.into(), obj)),
        }
        println!("Added {name} to session");
    }

    /// Take snapshot of current session state.
    fn take_snapshot(&mut self, description: &str) -> anyhow::Result<usize> {
        let timestamp = now_iso();

        // Serialize current objects to temporary file
        let temp_file = brine::dump(&self.current_objects)?;

        self.snapshots.push(Snapshot {
            timestamp,
            description: description.into(),
            temp_file,
            object_count: self.current_objects.len(),
        });
        println!("Snapshot taken: {} total snapshots", self.snapshots.len());
        Ok(self.snapshots.len() - 1)
    }

    /// Restore session from snapshot.
    fn restore_snapshot(&mut self, snapshot_index: usize) -> anyhow::Result<()> {
        match self.snapshots.get(snapshot_index) {
            Some(snapshot) => {
                // Load objects from temporary file
                self.current_objects = brine::temp::load_with(&snapshot.temp_file, &trusted())?;
                println!("Restored snapshot from {}", snapshot.timestamp);
                let keys: Vec<&str> = self.current_objects.iter().map(|(key, _)| key.as_str()).collect();
                println!("Objects restored: {}", py_list_str(&keys));
            }
            None => println!("Invalid snapshot index: {snapshot_index}"),
        }
        Ok(())
    }

    /// List all snapshots.
    fn list_snapshots(&self) {
        for (i, snapshot) in self.snapshots.iter().enumerate() {
            println!(
                "{i}: {} - {} ({} objects)",
                snapshot.timestamp, snapshot.description, snapshot.object_count
            );
        }
    }

    /// Get object from current session.
    fn get_object(&self, name: &str) -> Option<&SessionObject> {
        self.current_objects.iter().find(|(key, _)| key == name).map(|(_, obj)| obj)
    }

    /// Export session metadata to JSON.
    fn export_session_info(&self, filename: &std::path::Path) -> anyhow::Result<()> {
        let session_info = serde_json::json!({
            "session_name": self.session_name,
            "snapshots": self.snapshots.iter().map(|s| serde_json::json!({
                "timestamp": s.timestamp,
                "description": s.description,
                "object_count": s.object_count,
            })).collect::<Vec<_>>(),
            "current_objects": self.current_objects.iter().map(|(key, _)| key).collect::<Vec<_>>(),
        });
        std::fs::write(filename, serde_json::to_string_pretty(&session_info)?)?;
        println!("Session info exported to {}", filename.display());
        Ok(())
    }
}

fn development_workflow_tools() -> anyhow::Result<()> {
    let mut session = DevelopmentSession::new("algorithm_development");

    // Add some objects to work with
    session.add_object("fib_func", SessionObject::Function(brine::func!(fibonacci)));
    session.add_object("processor", SessionObject::Processor(DataProcessor::new(2)));
    session.add_object("test_data", SessionObject::Data(vec![1, 2, 3, 4, 5]));

    // Take initial snapshot
    session.take_snapshot("Initial development state")?;

    // Modify objects
    session.add_object("processor", SessionObject::Processor(DataProcessor::new(3))); // Change multiplier
    let results = match (session.get_object("processor"), session.get_object("test_data")) {
        (Some(SessionObject::Processor(processor)), Some(SessionObject::Data(data))) => {
            processor.process(data)
        }
        _ => anyhow::bail!("the session lost its processor or its data"),
    };
    session.add_object("results", SessionObject::Data(results));

    // Take another snapshot
    session.take_snapshot("After modifications")?;

    // Show snapshots
    session.list_snapshots();

    // Restore previous state
    session.restore_snapshot(0)?;

    // Export session info (into a temporary directory, not the working one)
    let dir = tempfile::tempdir()?;
    let filename = dir.path().join("dev_session.json");
    session.export_session_info(&filename)?;
    println!("{}", std::fs::read_to_string(&filename)?);
    Ok(())
}

// -- Performance Benchmarking -----------------------------------------------------------

#[derive(Default)]
struct BenchResults {
    file: Option<FileResults>,
    io: Option<IoResults>,
}

struct FileResults {
    avg_dump_time: f64,
    avg_load_time: f64,
    avg_file_size: f64,
}

struct IoResults {
    avg_dump_time: f64,
    avg_load_time: f64,
    avg_buffer_size: f64,
}

/// Benchmark serialization performance with temporary operations.
#[derive(Default)]
struct SerializationBenchmark {
    results: Vec<(String, BenchResults)>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

impl SerializationBenchmark {
    fn entry(&mut self, name: &str) -> &mut BenchResults {
        let index = match self.results.iter().position(|(key, _)| key == name) {
            Some(index) => index,
            None => {
                self.results.push((name.into(), BenchResults::default()));
                self.results.len() - 1
            }
        };
        &mut self.results[index].1
    }

    /// Benchmark temporary file operations of one object.
    fn benchmark_temp<T: Serialize + DeserializeOwned>(
        &mut self,
        name: &str,
        obj: &T,
        iterations: usize,
    ) -> anyhow::Result<()> {
        println!("Benchmarking {name}...");
        let (mut dump_times, mut load_times, mut file_sizes) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..iterations {
            let start_time = Instant::now();
            let temp_file = brine::dump(obj)?;
            dump_times.push(start_time.elapsed().as_secs_f64());

            file_sizes.push(temp_file.as_file().metadata()?.len() as f64);

            let start_time = Instant::now();
            let _: T = brine::temp::load_with(&temp_file, &trusted())?;
            load_times.push(start_time.elapsed().as_secs_f64());
            // Clean up: dropping the handle removes the file
        }
        self.entry(name).file = Some(FileResults {
            avg_dump_time: mean(&dump_times),
            avg_load_time: mean(&load_times),
            avg_file_size: mean(&file_sizes),
        });
        Ok(())
    }

    /// Benchmark IO buffer operations of one object.
    fn benchmark_io<T: Serialize + DeserializeOwned>(
        &mut self,
        name: &str,
        obj: &T,
        iterations: usize,
    ) -> anyhow::Result<()> {
        println!("Benchmarking IO operations for {name}...");
        let (mut dump_times, mut load_times, mut buffer_sizes) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..iterations {
            let start_time = Instant::now();
            let buffer_data = brine::dump_io(obj)?;
            dump_times.push(start_time.elapsed().as_secs_f64());

            buffer_sizes.push(buffer_data.len() as f64);

            let start_time = Instant::now();
            let _: T = trusted().load(&buffer_data)?;
            load_times.push(start_time.elapsed().as_secs_f64());
        }
        self.entry(name).io = Some(IoResults {
            avg_dump_time: mean(&dump_times),
            avg_load_time: mean(&load_times),
            avg_buffer_size: mean(&buffer_sizes),
        });
        Ok(())
    }

    /// Print benchmark results.
    fn print_results(&self) {
        println!("\nSerialization Benchmark Results");
        println!("{}", "=".repeat(60));
        for (name, results) in &self.results {
            println!("\n{name}:");
            println!("{}", "-".repeat(30));
            if let Some(file) = &results.file {
                println!("File Operations:");
                println!(" Avg dump time: {:.4}s", file.avg_dump_time);
                println!(" Avg load time: {:.4}s", file.avg_load_time);
                println!(" Avg file size: {} bytes", thousands(file.avg_file_size));
            }
            if let Some(io) = &results.io {
                println!("IO Buffer Operations:");
                println!(" Avg dump time: {:.4}s", io.avg_dump_time);
                println!(" Avg load time: {:.4}s", io.avg_load_time);
                println!(" Avg buffer size: {} bytes", thousands(io.avg_buffer_size));
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct MixedStructure {
    data: Vec<i64>,
    funcs: Vec<Unary>,
    objects: Vec<TestClass>,
}

/// The reference's test objects of varying complexity. Each `func!` is
/// written once: a closure's id is its place in the source, so one written
/// in a `macro_rules!` expanded twice would be registered twice.
struct TestObjects {
    simple_list: Vec<i64>,
    function: Unary,
    class_instance: TestClass,
    nested_dict: BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<i64>>>>,
    mixed_structure: MixedStructure,
}

impl TestObjects {
    fn new() -> Self {
        TestObjects {
            simple_list: (0..1000).collect(),
            function: brine::func!(|x: i64| -> i64 { x.pow(2) + x + 1 }),
            class_instance: TestClass { value: 100 },
            nested_dict: BTreeMap::from([(
                "level1".to_string(),
                BTreeMap::from([(
                    "level2".to_string(),
                    BTreeMap::from([("level3".to_string(), (0..100).collect())]),
                )]),
            )]),
            mixed_structure: MixedStructure {
                data: (0..500).collect(),
                funcs: vec![brine::func!(|x: i64| -> i64 { x + 1 }), brine::func!(|x: i64| -> i64 { x * 2 })],
                objects: (0..10).map(|i| TestClass { value: i }).collect(),
            },
        }
    }

    /// Runs the file benchmark (`io == false`) or the buffer one on each.
    fn run(&self, benchmark: &mut SerializationBenchmark, io: bool, iterations: usize) -> anyhow::Result<()> {
        fn one<T: Serialize + DeserializeOwned>(
            benchmark: &mut SerializationBenchmark,
            io: bool,
            name: &str,
            obj: &T,
            iterations: usize,
        ) -> anyhow::Result<()> {
            if io {
                benchmark.benchmark_io(name, obj, iterations)
            } else {
                benchmark.benchmark_temp(name, obj, iterations)
            }
        }
        one(benchmark, io, "simple_list", &self.simple_list, iterations)?;
        one(benchmark, io, "function", &self.function, iterations)?;
        one(benchmark, io, "class_instance", &self.class_instance, iterations)?;
        one(benchmark, io, "nested_dict", &self.nested_dict, iterations)?;
        one(benchmark, io, "mixed_structure", &self.mixed_structure, iterations)
    }
}

fn performance_benchmarking() -> anyhow::Result<()> {
    // Run benchmark
    let mut benchmark = SerializationBenchmark::default();

    // Create test objects of varying complexity
    let test_objects = TestObjects::new();

    test_objects.run(&mut benchmark, false, 5)?;
    test_objects.run(&mut benchmark, true, 5)?;
    benchmark.print_results();
    Ok(())
}

// -- Python's printing ------------------------------------------------------------------

/// Python's `repr` of a str: single quotes unless the text holds one and no
/// double quote, with `\n`, `\t`, `\r` and `\\` escaped.
fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr` of a list of str: `['a', 'b']`.
fn py_list_str(items: &[&str]) -> String {
    format!("[{}]", items.iter().map(|item| py_repr(item)).collect::<Vec<_>>().join(", "))
}

/// Python's `f"{x:,.0f}"`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `datetime.datetime.now().isoformat()`, in UTC (std has no time zones).
fn now_iso() -> String {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let (days, secs) = ((since.as_secs() / 86_400) as i64, since.as_secs() % 86_400);
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        since.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    const CHILD: &str = "BRINE_SEED_CHILD";
    const NAME: &str = "tests::the_seed_prints_the_lines_python_prints";

    /// Runs the whole port in a child process (libtest would take its
    /// `println!`s otherwise) and looks for the lines the Python prints.
    #[test]
    fn the_seed_prints_the_lines_python_prints() -> anyhow::Result<()> {
        if std::env::var_os(CHILD).is_some() {
            return super::main();
        }
        let output = Command::new(std::env::current_exe()?)
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        let expected = [
            "Restored data keys: ['function', 'class', 'instance', 'list']",
            "Function result: 57",
            "Instance method result: 20",
            "Algorithm result: [0.2, 1.6, 3.0, 0.1, 4.0]",
            "Restored from buffer successfully",
            "Square function: 25",
            "Captured stdout (80 chars):",
            r"'Starting processing...\nProcessing item 1\nProcessing item 2\nProcessing complete!\n'",
            r"Captured stderr: 'This goes to stderr\n'",
            "Function result: Done",
            r"Stdout: 'This goes to stdout\n'",
            "..",
            "OK",
            "Snapshot taken: 2 total snapshots",
            "Objects restored: ['fib_func', 'processor', 'test_data']",
            "Serialization Benchmark Results",
            "mixed_structure:",
        ];
        for line in expected {
            assert!(stdout.lines().any(|printed| printed == line), "missing {line:?} in:\n{stdout}");
        }
        Ok(())
    }
}
