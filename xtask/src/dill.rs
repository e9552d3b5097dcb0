//! The Python peer: `dill.temp` itself, timed on the same seed objects.
//!
//! A virtual environment under `target/dill-venv` gets `dill` from PyPI with
//! pip; `dill_bench.py` times `dill.temp.dump/load/dumpIO/loadIO/capture`
//! with `timeit` and prints its figures as JSON. When python3, the venv
//! module or the package can't be had, the caller prints the reason and
//! leaves the column out.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use serde_json::Value;

/// The column's title in BENCHMARKS.md.
pub const COLUMN: &str = "Python dill.temp";

const SCRIPT: &str = include_str!("dill_bench.py");

/// Times dill.temp on the seed objects for `areas` (`io`, `temp`, `capture`).
pub fn measure(target_dir: &Path, quick: bool, areas: &[&str]) -> anyhow::Result<Value> {
    let python3 = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let version = Command::new(&python3)
        .arg("--version")
        .output()
        .with_context(|| format!("{} is not installed (or not on PATH)", python3.to_string_lossy()))?;
    if !version.status.success() {
        bail!("`{} --version` failed", python3.to_string_lossy());
    }
    let venv = target_dir.join("dill-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        println!("== dill: creating a virtual environment in {}", venv.display());
        run(Command::new(&python3).args(["-m", "venv"]).arg(&venv)).context("python3 -m venv failed")?;
    }
    if !Command::new(&python).args(["-c", "import dill.temp"]).stderr(Stdio::null()).status()?.success() {
        println!("== dill: pip install dill");
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "dill",
        ]))
        .context("pip could not install dill")?;
    }
    let script = target_dir.join("dill_bench.py");
    std::fs::write(&script, SCRIPT).with_context(|| format!("writing {}", script.display()))?;
    println!("== dill: timing dill.temp on the seed objects ({})", areas.join(", "));
    let mut command = Command::new(&python);
    command.arg(&script).arg(areas.join(","));
    if quick {
        command.arg("--quick");
    }
    let out = command.stderr(Stdio::inherit()).output().context("running dill_bench.py")?;
    if !out.status.success() {
        bail!("dill_bench.py failed ({})", out.status);
    }
    serde_json::from_slice(&out.stdout).context("reading dill_bench.py's JSON")
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let out = command.output()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
        bail!("{} ({last})", out.status);
    }
    Ok(())
}
