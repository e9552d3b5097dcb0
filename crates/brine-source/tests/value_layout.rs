//! The layout of the emitted source: each fixture's checked-in file is
//! exactly what `brine_source::dump` writes (`BRINE_BLESS=1` rewrites the
//! files after a deliberate change), and `rustfmt` with default settings
//! leaves every expression unchanged (checked when rustfmt is installed).

mod value_fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;

use value_fixtures::*;

macro_rules! dump_all {
    ($($name:ident: $ty:ty = $value:expr;)*) => {
        /// Every fixture: its name and what `dump` writes for it.
        fn dumped() -> anyhow::Result<Vec<(&'static str, String)>> {
            Ok(vec![$((stringify!($name), std::fs::read_to_string(brine_source::dump(&$value)?.path())?),)*])
        }
    };
}

for_each_fixture!(dump_all);

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/values")
}

#[test]
fn fixture_files_are_what_dump_writes() -> anyhow::Result<()> {
    let bless = std::env::var_os("BRINE_BLESS").is_some();
    for (name, text) in dumped()? {
        let path = fixture_dir().join(format!("{name}.rs"));
        if bless {
            std::fs::create_dir_all(fixture_dir())?;
            std::fs::write(&path, &text)?;
        }
        let expected = std::fs::read_to_string(&path)?;
        assert_eq!(
            text,
            expected,
            "{} differs from what dump writes (BRINE_BLESS=1 rewrites it)",
            path.display()
        );
    }
    Ok(())
}

/// The expression of a dumped file: the lines after the leading comments.
fn expression(text: &str) -> String {
    text.lines().skip_while(|line| line.starts_with("//")).collect::<Vec<_>>().join("\n")
}

#[test]
fn fixtures_are_rustfmt_clean() -> anyhow::Result<()> {
    if Command::new("rustfmt").arg("--version").output().map_or(true, |out| !out.status.success()) {
        eprintln!("rustfmt is not installed: the layout check is skipped");
        return Ok(());
    }
    // An expression at column 0 with 100 columns is laid out as the tail
    // expression of a function body, indented by 4, with 104 columns.
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("rustfmt.toml");
    std::fs::write(&config, "max_width = 104\n")?;
    let mut source = String::new();
    let mut expected = String::new();
    for (name, text) in dumped()? {
        let body: String = expression(&text)
            .lines()
            .map(|line| format!("    {line}\n"))
            .collect::<String>()
            .replace("    \n", "\n");
        source.push_str(&format!("fn {name}() {{\n{body}}}\n\n"));
        expected.push_str(&format!("fn {name}() {{\n{body}}}\n\n"));
    }
    let file = dir.path().join("fixtures.rs");
    std::fs::write(&file, &source)?;
    let output = Command::new("rustfmt")
        .args(["--edition", "2024", "--config-path"])
        .arg(&config)
        .arg(&file)
        .output()?;
    assert!(output.status.success(), "rustfmt failed: {}", String::from_utf8_lossy(&output.stderr));
    let formatted = std::fs::read_to_string(&file)?;
    let expected = expected.trim_end().to_owned() + "\n";
    if formatted != expected {
        let first = formatted.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
        let show = |s: &str| s.lines().skip(first.saturating_sub(3)).take(12).collect::<Vec<_>>().join("\n");
        panic!(
            "rustfmt changes the layout at line {}:\n--- rustfmt ---\n{}\n--- ours ---\n{}",
            first + 1,
            show(&formatted),
            show(&expected)
        );
    }
    Ok(())
}
