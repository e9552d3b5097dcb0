//! `cargo xtask bench`: run the criterion benches, the Python peer and the
//! peak-memory cases, and write docs/BENCHMARKS.md.
//!
//! Every bench target of the workspace belongs to an *area*: its name, with a
//! `peers_` prefix dropped (`peers_io` measures the io area's peers). A run
//! stores what it measured per area under `docs/benchmarks/` (committed with
//! BENCHMARKS.md), and BENCHMARKS.md is written from everything stored there,
//! so a run of one area keeps the others' last figures, also in a fresh clone.
//!
//! Inside an area, a criterion group `<area>_<operation>[_peers]` is one
//! table, its benchmark parameters (the seed objects) are the rows and its
//! functions (`brine`, `bincode`, ...) are the columns.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::dill;
use crate::workspace::{self, Metadata, Target};

/// Where each area's results are kept, from the workspace's root: in the
/// repository, beside the BENCHMARKS.md written from them, so that a run of
/// some areas in a fresh clone keeps the figures of the others.
const STORE: &str = "docs/benchmarks";

/// Areas in the order BENCHMARKS.md shows them, with their titles; an area not
/// listed here comes after them, titled by its name.
const AREAS: [(&str, &str); 7] = [
    ("io", "io: buffers (`brine::dump_io` / `brine::load_io`)"),
    ("temp", "temp: temporary files (`brine::dump` / `brine::load`)"),
    ("source", "source: values as Rust source (`brine::dump_io_source` / `brine::load_io_source`)"),
    ("capture", "capture: stdout/stderr (`brine::capture`)"),
    ("code", "code loading (`brine::code::Module`)"),
    (
        "func",
        "functions inside values (`brine::Func`): a value of 100 ints holding n functions, and the same value without them",
    ),
    (
        "func_compile",
        "functions across programs (`Trust::Compile`): compiled from their stored source, cold and from the cache",
    ),
];

/// Criterion's options for `--quick`: short warm-up and measurement, the
/// fewest samples criterion takes, and a tenth of its default bootstrap
/// resamples (the analysis would otherwise take as long as the measurement).
const QUICK: [&str; 8] =
    ["--warm-up-time", "0.3", "--measurement-time", "1", "--sample-size", "10", "--nresamples", "10000"];

/// The seed objects, in the order of the tables' rows.
const OBJECTS: [&str; 5] = ["list_1000", "nested_map", "small_struct", "large_struct", "floats_1m"];

/// Known columns, in the order of the tables' columns: brine's come first,
/// then these, then any other in alphabetical order, then Python's.
const PEERS: [&str; 12] = [
    "postcard_to_allocvec",
    "postcard_to_slice",
    "postcard_from_bytes",
    "tempfile_postcard",
    "bincode",
    "tempfile_bincode",
    "serde_json",
    "tempfile_serde_json",
    "ron",
    "raw_os_pipe_thread",
    "raw_os_pipe_thread_1mib_pipe",
    "gag_buffer_redirect",
];

/// What a reader of an area's tables needs to know about its peers.
const NOTES: [(&str, &str); 3] = [
    (
        "io",
        "`postcard_to_allocvec` is postcard's naive use (a new `Vec` per dump), `postcard_to_slice` its \
         best (into a buffer reused across dumps); `bincode` is 1.3 (`serialize` / `deserialize`), \
         `serde_json` and `ron` write and read text. brine adds a header, a checksum, a type check and \
         a shape table to postcard's bytes, in postcard's wire format written and read by its own \
         encoder and decoder; `brine_dump_append` dumps into a buffer reused across dumps \
         (`brine_io::dump_append`, to compare with `postcard_to_slice`); `brine_no_shape_table` dumps \
         the same value without a shape table (a version 1 envelope) and `brine_no_shape_check` loads \
         the same envelope with `Options::check_shape(false)`, so the differences are the shape \
         check's cost on each side.",
    ),
    (
        "temp",
        "The `tempfile_*` peers write by hand what brine writes for you: a `NamedTempFile`, the encoded \
         value, flush and rewind; a load opens the file, reads it and decodes. Each dump creates and \
         deletes a file, so the file system's cost is in every row.",
    ),
    (
        "capture",
        "`dill.temp.capture` swaps Python's `sys.stdout` object and sees only what Python code prints; \
         brine, gag and the raw pipe redirect file descriptor 1, which also catches C libraries and \
         child processes. The raw pipe starts a reader thread per capture; brine's one reader thread \
         serves every capture, and gag writes to a temporary file with no thread.",
    ),
];

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, PartialEq)]
pub struct Args {
    pub quick: bool,
    pub dill: bool,
    /// Only write BENCHMARKS.md again from the stored results.
    pub render_only: bool,
    pub areas: Vec<String>,
}

impl Args {
    fn wants(&self, area: &str) -> bool {
        self.areas.is_empty() || self.areas.iter().any(|a| a == area)
    }
}

/// The area a bench target measures.
fn area_of(target: &str) -> &str {
    target.strip_prefix("peers_").unwrap_or(target)
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let meta = Metadata::load(root)?;
    let mut known: Vec<&str> = meta.benches.iter().map(|t| area_of(&t.name)).collect();
    known.sort_unstable();
    known.dedup();
    if let Some(unknown) = args.areas.iter().find(|a| !known.contains(&a.as_str())) {
        bail!("no bench target for area {unknown:?}; the areas are {known:?}");
    }
    let store = meta.root.join(STORE);
    if args.render_only {
        // before anything is created or written
        render_only_allowed(&store)?;
    }
    std::fs::create_dir_all(&store).with_context(|| format!("creating {}", store.display()))?;

    let mut by_area: BTreeMap<&str, Vec<&Target>> = BTreeMap::new();
    for target in &meta.benches {
        if args.wants(area_of(&target.name)) {
            by_area.entry(area_of(&target.name)).or_default().push(target);
        }
    }
    if !args.render_only {
        build_all(&meta.root, &by_area);
    }
    for (area, targets) in by_area.iter().filter(|_| !args.render_only) {
        let result = run_area(&meta, area, targets, args.quick)?;
        write_json(&store.join(format!("{area}.json")), &result)?;
    }

    if args.wants("temp") && !args.render_only {
        let rss = match peak_rss(&meta.root) {
            Ok(cases) => json!({ "cases": cases }),
            Err(error) => {
                println!("peak memory: not measured: {error:#}");
                json!({ "skipped": format!("{error:#}") })
            }
        };
        write_json(&store.join("peak_rss.json"), &rss)?;
    }

    if args.dill && !args.render_only {
        let areas: Vec<&str> = ["io", "temp", "capture"].into_iter().filter(|a| args.wants(a)).collect();
        if !areas.is_empty() {
            let path = store.join("dill.json");
            let python = match dill::measure(&meta.target_dir, args.quick, &areas) {
                Ok(mut result) => {
                    keep_other_areas(&mut result, read_json(&path).ok(), &areas);
                    result
                }
                Err(reason) => {
                    println!("dill.temp column skipped: {reason:#}");
                    json!({ "skipped": format!("{reason:#}") })
                }
            };
            write_json(&path, &python)?;
        }
    }

    let doc = meta.root.join("docs/BENCHMARKS.md");
    std::fs::write(&doc, render(&store)?).with_context(|| format!("writing {}", doc.display()))?;
    println!(
        "wrote {} in {:.0?}; criterion's report with plots: {}",
        doc.display(),
        started.elapsed(),
        meta.target_dir.join("criterion/report/index.html").display()
    );
    Ok(())
}

/// `--render-only` rewrites BENCHMARKS.md from stored results: with none,
/// it would replace the figures with empty tables, so it is refused.
fn render_only_allowed(store: &Path) -> anyhow::Result<()> {
    if stored_areas(store).is_empty() {
        bail!(
            "--render-only writes docs/BENCHMARKS.md from stored results, but {} holds none; \
             run `cargo xtask bench` (or `cargo xtask bench --quick`) first",
            store.display()
        );
    }
    Ok(())
}

/// The areas with results stored under `store` (one `<area>.json` each;
/// the Python peer's and the peak-memory files are not areas).
fn stored_areas(store: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(store) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".json").map(str::to_owned))
        .filter(|name| name != "dill" && name != "peak_rss")
        .collect()
}

/// Keeps the figures of a previous run's areas that this run did not measure.
fn keep_other_areas(result: &mut Value, previous: Option<Value>, measured: &[&str]) {
    let Some(Value::Array(old)) = previous.map(|mut p| p["measurements"].take()) else { return };
    if let Some(new) = result["measurements"].as_array_mut() {
        new.extend(old.into_iter().filter(|m| !measured.iter().any(|a| m["area"].as_str() == Some(a))));
    }
}

/// Builds every selected bench target in one cargo invocation, which shares
/// the work of compiling and linking; when one of them does not build, the
/// per-target runs that follow say which.
fn build_all(root: &Path, by_area: &BTreeMap<&str, Vec<&Target>>) {
    let mut command = workspace::cargo(root);
    command.args(["bench", "--no-run"]);
    for target in by_area.values().flatten() {
        command.args(["-p", &target.package, "--bench", &target.name]);
    }
    println!("== building every bench target");
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => println!("== building them together failed ({status}); building each on its own"),
        Err(error) => println!("== could not run cargo bench --no-run ({error}); building each on its own"),
    }
}

/// Runs every bench target of `area`, then reads back what criterion wrote
/// during the run.
fn run_area(meta: &Metadata, area: &str, targets: &[&Target], quick: bool) -> anyhow::Result<Value> {
    let since = SystemTime::now();
    let mut failures = Vec::new();
    for target in targets {
        println!("== {area}: cargo bench -p {} --bench {}", target.package, target.name);
        let mut command = workspace::cargo(&meta.root);
        command.args(["bench", "-p", &target.package, "--bench", &target.name, "--"]);
        if quick {
            command.args(QUICK);
        }
        let status = command.status().context("running cargo bench")?;
        if !status.success() {
            println!("== {area}: bench target {} failed ({status}); its rows are missing", target.name);
            failures.push(format!("bench target `{}` failed to build or run ({status})", target.name));
        }
    }
    let mut measurements = Vec::new();
    collect(&meta.target_dir.join("criterion"), since, &mut measurements)?;
    Ok(json!({
        "area": area,
        "when": utc_now(),
        "machine": machine(),
        "toolchain": toolchain(),
        "quick": quick,
        "targets": targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "failures": failures,
        "measurements": measurements,
    }))
}

/// Finds every `new/benchmark.json` under `dir` written since `since` and
/// returns its ids with the estimates next to it.
fn collect(dir: &Path, since: SystemTime, out: &mut Vec<Value>) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let benchmark = path.join("new/benchmark.json");
        let fresh = std::fs::metadata(&benchmark).and_then(|m| m.modified()).is_ok_and(|time| time >= since);
        if fresh {
            out.push(read_measurement(&benchmark, &path.join("new/estimates.json"))?);
        } else {
            collect(&path, since, out)?;
        }
    }
    Ok(())
}

fn read_measurement(benchmark: &Path, estimates: &Path) -> anyhow::Result<Value> {
    let id = read_json(benchmark)?;
    let est = read_json(estimates)?;
    let ns = |v: &Value| v.as_f64().with_context(|| format!("a missing estimate in {}", estimates.display()));
    Ok(json!({
        "group": id["group_id"],
        "function": id["function_id"],
        "value": id["value_str"],
        "median_ns": ns(&est["median"]["point_estimate"])?,
        "mad_ns": ns(&est["median_abs_dev"]["point_estimate"])?,
        "ci_low_ns": ns(&est["median"]["confidence_interval"]["lower_bound"])?,
        "ci_high_ns": ns(&est["median"]["confidence_interval"]["upper_bound"])?,
    }))
}

/// Runs the peak-memory cases (`benches/src/bin/peak_rss.rs`).
fn peak_rss(root: &Path) -> anyhow::Result<Vec<Value>> {
    println!("== temp: peak memory of a 100 MB dump and load (peak_rss)");
    let out = workspace::cargo(root)
        // the bench profile: the same build as the benches', no second compile
        .args(["run", "--quiet", "--profile", "bench", "-p", "benches", "--bin", "peak_rss", "--", "--tsv"])
        .stderr(Stdio::inherit())
        .output()
        .context("running peak_rss")?;
    if !out.status.success() {
        bail!("peak_rss failed ({})", out.status);
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let (case, bytes) = line.split_once('\t').context("a peak_rss line without a tab")?;
            let bytes: u64 = bytes.parse().with_context(|| format!("peak_rss printed {bytes:?}"))?;
            Ok(json!({ "case": case, "peak_bytes": bytes }))
        })
        .collect()
}

// -- rendering --------------------------------------------------------------

/// One table cell: a median and its spread.
#[derive(Debug, Clone, Copy)]
struct Cell {
    median_ns: f64,
    mad_ns: f64,
}

/// One table: rows (objects) by columns (implementations).
#[derive(Debug, Default)]
struct Table {
    columns: Vec<String>,
    rows: Vec<String>,
    cells: BTreeMap<(String, String), Cell>,
}

impl Table {
    fn add(&mut self, column: &str, row: &str, cell: Cell) {
        if !self.columns.iter().any(|c| c == column) {
            self.columns.push(column.to_owned());
        }
        if !self.rows.iter().any(|r| r == row) {
            self.rows.push(row.to_owned());
        }
        self.cells.insert((row.to_owned(), column.to_owned()), cell);
    }

    /// The column the others are compared with: brine's.
    fn baseline(&self) -> Option<&str> {
        self.columns.iter().find(|c| c.starts_with("brine")).map(String::as_str)
    }

    /// Each other column's geometric mean ratio to brine's, over the rows
    /// both have, in the table's column order.
    fn mean_ratios(&self) -> Vec<(String, f64)> {
        let Some(baseline) = self.baseline() else { return Vec::new() };
        self.ordered_columns()
            .into_iter()
            .filter(|column| column != baseline)
            .filter_map(|column| {
                let logs: Vec<f64> = self
                    .rows
                    .iter()
                    .filter_map(|row| {
                        let base = self.cells.get(&(row.clone(), baseline.to_owned()))?;
                        let cell = self.cells.get(&(row.clone(), column.clone()))?;
                        Some((cell.median_ns / base.median_ns).ln())
                    })
                    .filter(|log| log.is_finite())
                    .collect();
                let mean = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
                (!logs.is_empty()).then_some((column, mean))
            })
            .collect()
    }

    fn ordered_columns(&self) -> Vec<String> {
        let mut columns = self.columns.clone();
        columns.sort_by_key(|c| {
            let known = PEERS.iter().position(|p| p == c).unwrap_or(PEERS.len());
            (!c.starts_with("brine"), c.starts_with(dill::COLUMN), known, c.clone())
        });
        columns
    }

    fn render(&self, out: &mut String) {
        let columns = self.ordered_columns();
        let mut rows = self.rows.clone();
        rows.sort_by_key(|r| (OBJECTS.iter().position(|o| o == r).unwrap_or(OBJECTS.len()), r.clone()));
        let baseline = self.baseline();
        let first = if rows.iter().any(|r| OBJECTS.contains(&r.as_str())) { "object" } else { "case" };
        let _ = writeln!(out, "| {first} | {} |", columns.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(columns.len()));
        for row in &rows {
            let base = baseline.and_then(|b| self.cells.get(&(row.clone(), b.to_owned())));
            let cells: Vec<String> = columns
                .iter()
                .map(|column| match self.cells.get(&(row.clone(), column.clone())) {
                    None => "–".to_owned(),
                    Some(cell) => {
                        let mut text = format!("{} ±{:.0}%", duration(cell.median_ns), spread(cell));
                        if let Some(base) = base.filter(|_| Some(column.as_str()) != baseline) {
                            let _ = write!(text, " (**{:.2}×**)", cell.median_ns / base.median_ns);
                        }
                        text
                    }
                })
                .collect();
            let _ = writeln!(out, "| {row} | {} |", cells.join(" | "));
        }
    }
}

fn spread(cell: &Cell) -> f64 {
    if cell.median_ns > 0.0 { 100.0 * cell.mad_ns / cell.median_ns } else { 0.0 }
}

fn duration(ns: f64) -> String {
    let (value, unit) = match ns {
        ns if ns < 1e3 => (ns, "ns"),
        ns if ns < 1e6 => (ns / 1e3, "µs"),
        ns if ns < 1e9 => (ns / 1e6, "ms"),
        ns => (ns / 1e9, "s"),
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

/// The operation a criterion group measures: its name without the area's
/// prefix and the `_peers` suffix.
fn operation<'a>(area: &str, group: &'a str) -> &'a str {
    let group = group.strip_suffix("_peers").unwrap_or(group);
    group.strip_prefix(area).and_then(|g| g.strip_prefix('_')).unwrap_or(group)
}

fn render(store: &Path) -> anyhow::Result<String> {
    let mut out = String::new();
    let dill = read_json(&store.join("dill.json")).ok();
    let rss = read_json(&store.join("peak_rss.json")).ok();

    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench` — do not edit by hand; run it again. \
         Every figure below was measured on the machine below, unless its section names another; \
         the criterion report with plots is in `target/criterion/report/index.html` after a run.\n"
    );
    let (here, toolchain_here) = (machine(), toolchain());
    let _ = writeln!(out, "- machine: {here}");
    let _ = writeln!(out, "- toolchain: {toolchain_here}");
    if let Some(python) = dill.as_ref().and_then(|d| d["python"].as_str()) {
        let version = dill.as_ref().and_then(|d| d["dill"].as_str()).unwrap_or("?");
        let _ = writeln!(out, "- Python peer: {python}, dill {version}");
    }
    let _ = writeln!(
        out,
        "\nEach cell is the median time of one operation ± the median absolute deviation of \
         criterion's samples (as a percentage of the median), and in bold the ratio of that \
         time to brine's on the same row: **above 1× brine is faster**, below 1× the peer is. \
         The objects are the seed's: `list_1000` (1000 `i64`), `nested_map` \
         (level1/level2/level3 of 100 ints), `small_struct` (one `i64`), `large_struct` \
         (500 ints and 10 small structs), `floats_1m` (one million `f64`); the io area's \
         `records_*` tables time two more, `users_100` (100 records of seven fields: strings, \
         a list of strings, an optional nested struct, `None` in one of three) and `events_100` \
         (100 records of five fields, two of them enums whose variants change from record to \
         record). \
         A `--quick` run takes 10 samples (or what a group asks for) after a 0.3 s warm-up, \
         in about a second per cell: read the spread before trusting a small difference. \
         `cargo xtask bench` without `--quick` uses criterion's defaults (100 samples, 5 s).\n\n\
         Regenerate: `cargo xtask bench [--quick] [AREA...]` measures all areas or the named ones \
         (io, temp, source, capture, code) and rewrites this file, keeping the other areas' last \
         figures; `--no-dill` leaves Python out.\n"
    );

    let mut areas = stored_areas(store);
    for (key, _) in AREAS {
        if !areas.iter().any(|a| a == key) {
            areas.push(key.to_owned());
        }
    }
    areas.sort_by_key(|a| (AREAS.iter().position(|(k, _)| k == a).unwrap_or(AREAS.len()), a.clone()));
    let mut body = String::new();
    let mut summary = Vec::new();
    for area in &areas {
        let path = store.join(format!("{area}.json"));
        if !path.exists() {
            let title = AREAS.iter().find(|(k, _)| k == area).map_or(area.as_str(), |(_, t)| t);
            let _ = writeln!(
                body,
                "## {title}\n\nNot measured yet: no bench target of this area has run \
                 (`cargo xtask bench {area}` runs it once one exists).\n"
            );
            continue;
        }
        let result = read_json(&store.join(format!("{area}.json")))?;
        let title = AREAS.iter().find(|(k, _)| k == area).map_or(area.as_str(), |(_, t)| t);
        let elsewhere = measured_elsewhere(&result, &here, &toolchain_here);
        summary.extend(render_area(&mut body, area, title, &result, elsewhere.as_deref(), dill.as_ref()));
        if area == "temp" {
            render_rss(&mut body, rss.as_ref());
        }
    }
    if let Some(reason) = dill.as_ref().and_then(|d| d["skipped"].as_str()) {
        let _ = writeln!(body, "## Python's dill.temp\n\nNot measured: {reason}\n");
    }
    let _ = writeln!(
        out,
        "## Summary\n\nFor each table below, each peer's time divided by brine's, as the geometric \
         mean over the objects both measured (above 1×: brine is faster).\n"
    );
    let _ = writeln!(out, "| table | peers' time ÷ brine's |\n|---|---|");
    for line in summary {
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    out.push_str(&body);
    Ok(out)
}

/// Writes an area's section; returns its lines of the summary table.
fn render_area(
    out: &mut String,
    area: &str,
    title: &str,
    result: &Value,
    elsewhere: Option<&str>,
    dill: Option<&Value>,
) -> Vec<String> {
    let _ = writeln!(out, "## {title}\n");
    let targets: Vec<&str> =
        result["targets"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let _ = writeln!(
        out,
        "Measured {} by bench target{} `{}`{}{}.\n",
        result["when"].as_str().unwrap_or("?"),
        if targets.len() == 1 { "" } else { "s" },
        targets.join("`, `"),
        if result["quick"].as_bool() == Some(true) { " (quick run)" } else { "" },
        elsewhere.map(|there| format!(", on another machine or toolchain: {there}")).unwrap_or_default()
    );
    if let Some((_, note)) = NOTES.iter().find(|(a, _)| *a == area) {
        let _ = writeln!(out, "{note}\n");
    }
    for failure in result["failures"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let _ = writeln!(out, "> **Missing:** {failure}.\n");
    }
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new(); // sorted below: dump before load
    for m in result["measurements"].as_array().into_iter().flatten() {
        let group = m["group"].as_str().unwrap_or("?");
        let op = operation(area, group).to_owned();
        if !order.contains(&op) {
            order.push(op.clone());
        }
        let row = m["value"].as_str().unwrap_or("–");
        let cell = Cell {
            median_ns: m["median_ns"].as_f64().unwrap_or(f64::NAN),
            mad_ns: m["mad_ns"].as_f64().unwrap_or(0.0),
        };
        tables.entry(op).or_default().add(m["function"].as_str().unwrap_or("?"), row, cell);
    }
    for m in dill.and_then(|d| d["measurements"].as_array()).into_iter().flatten() {
        if m["area"].as_str() != Some(area) {
            continue;
        }
        let op = m["operation"].as_str().unwrap_or("?").to_owned();
        if !order.contains(&op) {
            order.push(op.clone());
        }
        let cell = Cell {
            median_ns: m["median_ns"].as_f64().unwrap_or(f64::NAN),
            mad_ns: m["mad_ns"].as_f64().unwrap_or(0.0),
        };
        let column = format!("{} `{}`", dill::COLUMN, m["function"].as_str().unwrap_or("?"));
        tables.entry(op).or_default().add(&column, m["object"].as_str().unwrap_or("–"), cell);
    }
    if order.is_empty() {
        let _ = writeln!(out, "No measurements.\n");
    }
    order.sort();
    let mut summary = Vec::new();
    for op in order {
        if let Some(table) = tables.get(&op) {
            let _ = writeln!(out, "### {op}\n");
            if table.baseline().is_none() {
                let _ = writeln!(out, "(no brine column in this table: no ratios)\n");
            }
            table.render(out);
            out.push('\n');
            let ratios: Vec<String> = table
                .mean_ratios()
                .into_iter()
                .map(|(peer, ratio)| format!("{peer} **{ratio:.2}×**"))
                .collect();
            if !ratios.is_empty() {
                summary.push(format!("| {area} · {op} | {} |", ratios.join(", ")));
            }
        }
    }
    summary
}

fn render_rss(out: &mut String, rss: Option<&Value>) {
    let _ = writeln!(out, "### peak memory: a 100 MB `Vec<u8>` through a temporary file\n");
    let Some(rss) = rss else {
        let _ = writeln!(out, "Not measured yet.\n");
        return;
    };
    if let Some(reason) = rss["skipped"].as_str() {
        let _ = writeln!(out, "Not measured: {reason}\n");
        return;
    }
    let _ = writeln!(
        out,
        "Peak resident set size of a process doing one thing (`ru_maxrss` from `wait4`, one child \
         process per case; `benches/src/bin/peak_rss.rs`). *Above empty* is the peak less an \
         empty process's, in multiples of the value's size. A dump starts from the value in \
         memory; a load reads a file written beforehand by another process.\n"
    );
    let peak = |case: &str| {
        rss["cases"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["case"].as_str() == Some(case))
            .and_then(|c| c["peak_bytes"].as_f64())
    };
    let floor = peak("empty").unwrap_or(0.0);
    let rows = [
        ("dump", "brine", "brine-dump", "`brine::dump`"),
        ("dump", "tempfile + postcard by hand", "hand-dump", "`postcard::to_allocvec`, then `write_all`"),
        (
            "dump",
            "tempfile + postcard by hand, streamed",
            "hand-dump-to-io",
            "`postcard::to_io` into a `BufWriter`",
        ),
        ("load", "brine", "brine-load", "`brine::load`"),
        ("load", "tempfile + postcard by hand", "hand-load", "`read_to_end`, then `postcard::from_bytes`"),
        ("–", "the value alone", "value", "builds the 100 MB value, nothing else"),
        ("–", "empty process", "empty", "nothing"),
    ];
    let _ = writeln!(out, "| operation | way | how | peak RSS | above empty | vs brine |");
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|");
    for (op, way, case, how) in rows {
        let Some(bytes) = peak(case) else { continue };
        let brine = match op {
            "dump" => peak("brine-dump"),
            "load" => peak("brine-load"),
            _ => None,
        };
        let ratio = brine
            .filter(|_| !case.starts_with("brine"))
            .map_or(String::new(), |b| format!("**{:.2}×**", (bytes - floor) / (b - floor).max(1.0)));
        let _ = writeln!(
            out,
            "| {op} | {way} | {how} | {:.1} MB | {:.2}× | {ratio} |",
            bytes / 1e6,
            (bytes - floor) / 1e8
        );
    }
    out.push('\n');
}

// -- helpers ----------------------------------------------------------------

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

fn write_json(path: &PathBuf, value: &Value) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_vec_pretty(value)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// The first line a command prints, if it runs.
pub fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success().then(|| text.lines().next().unwrap_or("").trim().to_owned())
}

fn utc_now() -> String {
    command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "at an unknown time".into())
}

/// The rustc that builds the benchmarks.
fn toolchain() -> String {
    command_line("rustc", &["-V"]).unwrap_or_else(|| "unknown".into())
}

/// The machine and toolchain an area's stored figures were measured with,
/// when they are not this one's (`None` also for results that don't say).
fn measured_elsewhere(result: &Value, machine: &str, toolchain: &str) -> Option<String> {
    let (there, with) = (result["machine"].as_str()?, result["toolchain"].as_str()?);
    (there != machine || with != toolchain).then(|| format!("{there}, {with}"))
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").and_then(|rest| rest.split_once(':')).map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next()?.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(String::new(), |kib| format!(", {:.1} GB RAM", kib as f64 / 1e6 * 1.024));
    let os = command_line("uname", &["-sr"]).unwrap_or_else(|| std::env::consts::OS.into());
    format!("{cpu}, {cores} cores available{memory}, {os}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_area_files_count_as_stored_results() {
        let store = std::env::temp_dir().join(format!("xtask-store-{}", std::process::id()));
        assert!(stored_areas(&store).is_empty(), "a missing store holds nothing");
        std::fs::create_dir_all(&store).unwrap();
        std::fs::write(store.join("dill.json"), "{}").unwrap();
        std::fs::write(store.join("peak_rss.json"), "{}").unwrap();
        assert!(stored_areas(&store).is_empty(), "the Python and memory files alone are no results");
        std::fs::write(store.join("io.json"), "{}").unwrap();
        assert_eq!(stored_areas(&store), ["io"]);
        std::fs::remove_dir_all(store).unwrap();
    }

    #[test]
    fn render_only_is_refused_until_a_run_has_stored_results() {
        let store = std::env::temp_dir().join(format!("xtask-render-{}", std::process::id()));
        let error = render_only_allowed(&store).unwrap_err().to_string();
        assert!(error.contains("holds none") && error.contains("cargo xtask bench --quick"), "{error}");
        std::fs::create_dir_all(&store).unwrap();
        std::fs::write(store.join("dill.json"), "{}").unwrap();
        assert!(render_only_allowed(&store).is_err(), "Python's figures alone make no tables");
        std::fs::write(store.join("temp.json"), "{}").unwrap();
        assert!(render_only_allowed(&store).is_ok());
        std::fs::remove_dir_all(store).unwrap();
    }

    #[test]
    fn a_bench_target_belongs_to_the_area_it_names() {
        assert_eq!(area_of("io"), "io");
        assert_eq!(area_of("peers_io"), "io");
        assert_eq!(area_of("capture"), "capture");
    }

    #[test]
    fn a_group_is_an_operation_of_its_area() {
        assert_eq!(operation("io", "io_dump"), "dump");
        assert_eq!(operation("io", "io_dump_peers"), "dump");
        assert_eq!(operation("capture", "capture_64mib"), "64mib");
        // a group that doesn't follow the convention keeps its whole name
        assert_eq!(operation("code", "cold_compile"), "cold_compile");
    }

    #[test]
    fn durations_keep_three_significant_digits() {
        assert_eq!(duration(12.877), "12.9 ns");
        assert_eq!(duration(1_740.0), "1.74 µs");
        assert_eq!(duration(163_000.0), "163 µs");
        assert_eq!(duration(8_470_000.0), "8.47 ms");
        assert_eq!(duration(2.5e9), "2.50 s");
    }

    fn cell(median_ns: f64, mad_ns: f64) -> Cell {
        Cell { median_ns, mad_ns }
    }

    #[test]
    fn a_table_puts_brine_first_python_last_and_compares_with_brine() {
        let mut table = Table::default();
        table.add("serde_json", "floats_1m", cell(30.0, 3.0));
        table.add("Python dill.temp `dumpIO`", "list_1000", cell(400.0, 4.0));
        table.add("brine", "floats_1m", cell(10.0, 1.0));
        table.add("brine", "list_1000", cell(100.0, 0.0));
        table.add("bincode", "list_1000", cell(50.0, 5.0));
        let mut out = String::new();
        table.render(&mut out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "| object | brine | bincode | serde_json | Python dill.temp `dumpIO` |");
        // rows in the seed's order, whatever order they were measured in
        assert_eq!(
            lines[2],
            "| list_1000 | 100 ns ±0% | 50.0 ns ±10% (**0.50×**) | – | 400 ns ±1% (**4.00×**) |"
        );
        assert_eq!(lines[3], "| floats_1m | 10.0 ns ±10% | – | 30.0 ns ±10% (**3.00×**) | – |");

        let means: Vec<(String, String)> =
            table.mean_ratios().into_iter().map(|(c, r)| (c, format!("{r:.2}"))).collect();
        let expected = [("bincode", "0.50"), ("serde_json", "3.00"), ("Python dill.temp `dumpIO`", "4.00")];
        assert_eq!(means, expected.map(|(c, r)| (c.to_owned(), r.to_owned())));
    }

    #[test]
    fn the_summary_ratio_is_the_geometric_mean_over_shared_rows() {
        let mut table = Table::default();
        table.add("brine", "list_1000", cell(10.0, 0.0));
        table.add("brine", "floats_1m", cell(10.0, 0.0));
        table.add("ron", "list_1000", cell(40.0, 0.0));
        table.add("ron", "floats_1m", cell(2.5, 0.0));
        table.add("ron", "nested_map", cell(1e6, 0.0)); // no brine figure: not counted
        let [(column, ratio)] = table.mean_ratios().try_into().unwrap();
        assert_eq!(column, "ron");
        assert!((ratio - 1.0).abs() < 1e-9, "sqrt(4 * 0.25) = 1, got {ratio}");
    }

    #[test]
    fn a_table_without_brine_has_no_ratios() {
        let mut table = Table::default();
        table.add("cold_compile", "–", cell(1e8, 1e6));
        assert_eq!(table.baseline(), None);
        let mut out = String::new();
        table.render(&mut out);
        assert!(out.starts_with("| case | cold_compile |"), "{out}");
        assert!(out.contains("| – | 100 ms ±1% |"), "{out}");
        assert!(!out.contains('×'), "{out}");
    }

    #[test]
    fn a_later_python_run_keeps_the_areas_it_did_not_measure() {
        let previous = json!({ "measurements": [
            { "area": "io", "operation": "dump" },
            { "area": "temp", "operation": "dump" },
        ]});
        let mut result = json!({ "measurements": [{ "area": "io", "operation": "load" }] });
        keep_other_areas(&mut result, Some(previous), &["io"]);
        let kept: Vec<(&str, &str)> = result["measurements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["area"].as_str().unwrap(), m["operation"].as_str().unwrap()))
            .collect();
        assert_eq!(kept, [("io", "load"), ("temp", "dump")]);
    }

    #[test]
    fn criterion_figures_are_read_from_the_files_written_since_the_run_began() {
        let dir = std::env::temp_dir().join(format!("xtask-collect-{}", std::process::id()));
        let new = dir.join("io_dump/brine/list_1000/new");
        std::fs::create_dir_all(&new).unwrap();
        let since = SystemTime::now() - std::time::Duration::from_secs(5);
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"io_dump","function_id":"brine","value_str":"list_1000"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":12.5,"confidence_interval":{"lower_bound":12.0,"upper_bound":13.0}},
               "median_abs_dev":{"point_estimate":0.5}}"#,
        )
        .unwrap();
        let mut found = Vec::new();
        collect(&dir, since, &mut found).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["function"], "brine");
        assert_eq!(found[0]["median_ns"], 12.5);
        assert_eq!(found[0]["mad_ns"], 0.5);

        let mut none = Vec::new();
        collect(&dir, SystemTime::now() + std::time::Duration::from_secs(60), &mut none).unwrap();
        assert!(none.is_empty(), "figures of an earlier run are not this run's");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_area_measured_elsewhere_says_where() {
        let here = json!({ "machine": "m1", "toolchain": "rustc 1" });
        assert_eq!(measured_elsewhere(&here, "m1", "rustc 1"), None);
        assert_eq!(measured_elsewhere(&here, "m2", "rustc 1").as_deref(), Some("m1, rustc 1"));
        assert_eq!(measured_elsewhere(&here, "m1", "rustc 2").as_deref(), Some("m1, rustc 1"));
        // results that don't say where they come from are not flagged
        assert_eq!(measured_elsewhere(&json!({}), "m1", "rustc 1"), None);
    }
}
