//! `cargo xtask release-check`: everything a release needs, one PASS/FAIL
//! line per check, and a non-zero exit when any fails.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;

use crate::workspace::{self, Metadata, Package};

/// What one check found: `Ok` or the reason it failed.
type Outcome = Result<(), String>;

pub fn run() -> anyhow::Result<bool> {
    let meta = Metadata::load()?;
    let libraries = meta.libraries_in_dependency_order()?;
    let names: Vec<&str> = libraries.iter().map(|p| p.name.as_str()).collect();
    let readme_commands = readme_commands(&workspace::root().join("README.md"));

    let mut checks: Vec<(String, Box<dyn Fn() -> Outcome>)> = vec![
        ("cargo fmt --all --check".into(), Box::new(|| cargo(&["fmt", "--all", "--check"], &[]))),
        (
            "cargo clippy --workspace --all-targets -- -D warnings".into(),
            Box::new(|| cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])),
        ),
        ("cargo test --workspace".into(), Box::new(|| cargo(&["test", "--workspace"], &[]))),
        (
            "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps".into(),
            Box::new(|| cargo(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])),
        ),
        (
            "every library crate inherits the workspace lint policy".into(),
            Box::new(|| each(&libraries, inherits_workspace_lints)),
        ),
    ];
    match &readme_commands {
        Ok(commands) => {
            for command in commands {
                let line = command.join(" ");
                let args = command[1..].to_vec();
                checks.push((
                    format!("README: {line}"),
                    Box::new(move || cargo(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[])),
                ));
            }
        }
        Err(reason) => {
            let reason = reason.clone();
            checks.push(("README's commands".into(), Box::new(move || Err(reason.clone()))));
        }
    }
    checks.push((
        "cargo bench --workspace --no-run".into(),
        Box::new(|| cargo(&["bench", "--workspace", "--no-run"], &[])),
    ));
    let mut package = vec!["package", "--allow-dirty"];
    for name in &names {
        package.extend(["-p", name]);
    }
    checks.push((
        format!("cargo package, in dependency order: {}", names.join(", ")),
        Box::new(move || cargo(&package, &[])),
    ));
    checks.push((
        "README and Cargo metadata (description, license, repository, keywords, readme) of every library crate"
            .into(),
        Box::new(|| each(&libraries, metadata_complete)),
    ));

    let mut failed = 0;
    for (name, check) in &checks {
        println!("---- {name}");
        let started = Instant::now();
        let outcome = check();
        let took = started.elapsed();
        match outcome {
            Ok(()) => println!("PASS  {name}  ({took:.1?})"),
            Err(reason) => {
                failed += 1;
                println!("FAIL  {name}  ({took:.1?})\n      {}", reason.replace('\n', "\n      "));
            }
        }
    }
    println!("\n{} of {} checks passed", checks.len() - failed, checks.len());
    Ok(failed == 0)
}

/// Runs cargo with `args` (and `envs`), its output going to the terminal.
fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Outcome {
    let mut command = workspace::cargo();
    command.args(args).envs(envs.iter().copied());
    status(&mut command)
}

fn status(command: &mut Command) -> Outcome {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("exited with {status}; its output is above")),
        Err(error) => Err(format!("could not run it: {error}")),
    }
}

/// Runs `check` on every package and gathers every failure.
fn each(packages: &[&Package], check: fn(&Package) -> Vec<String>) -> Outcome {
    let problems: Vec<String> =
        packages.iter().flat_map(|p| check(p).into_iter().map(|m| format!("{}: {m}", p.name))).collect();
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// The lint policy lives in the workspace's `[workspace.lints]` (missing
/// docs, unsafe code and unwraps denied): a library crate must inherit it.
fn inherits_workspace_lints(package: &Package) -> Vec<String> {
    let manifest = package.manifest_dir.join("Cargo.toml");
    match std::fs::read_to_string(&manifest) {
        Ok(text) if inherits(&text) => vec![],
        Ok(_) => vec![format!("expected `[lints] workspace = true` in {}, found none", manifest.display())],
        Err(error) => vec![format!("can't read {}: {error}", manifest.display())],
    }
}

fn inherits(manifest: &str) -> bool {
    let mut in_lints = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_lints = line == "[lints]";
        } else if in_lints && line.replace(' ', "") == "workspace=true" {
            return true;
        }
    }
    false
}

fn metadata_complete(package: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    let mut field = |name: &str, value: Option<&str>| match value.map(str::trim) {
        None | Some("") => problems.push(format!("Cargo.toml: `{name}` expected, found none")),
        Some(v) if v.contains("TODO") => {
            problems.push(format!("Cargo.toml: `{name}` is a placeholder: {v:?}"))
        }
        Some(_) => {}
    };
    field("description", package.description.as_deref());
    field("license", package.license.as_deref());
    field("repository", package.repository.as_deref());
    field("readme", package.readme.as_deref());
    if package.keywords.is_empty() {
        problems.push("Cargo.toml: `keywords` expected, found none".into());
    }
    if let Some(readme) = &package.readme {
        let path = package.manifest_dir.join(readme);
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => problems.push(format!("{} is empty", path.display())),
            Ok(text) if text.contains("TODO") => problems.push(format!("{} contains TODO", path.display())),
            Ok(_) => {}
            Err(error) => {
                problems.push(format!("README expected at {}, found none ({error})", path.display()))
            }
        }
    }
    problems
}

/// The commands of the README's first `sh` block: the ones a newcomer runs.
fn readme_commands(readme: &Path) -> Result<Vec<Vec<String>>, String> {
    let text = std::fs::read_to_string(readme)
        .with_context(|| format!("reading {}", readme.display()))
        .map_err(|e| format!("{e:#}"))?;
    parse_readme_commands(&text)
}

fn parse_readme_commands(text: &str) -> Result<Vec<Vec<String>>, String> {
    let block = text
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .ok_or_else(|| "expected a ```sh block in the README, found none".to_owned())?;
    let commands: Vec<Vec<String>> = block
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect();
    if let Some(other) = commands.iter().find(|c| c.first().map(String::as_str) != Some("cargo")) {
        return Err(format!(
            "expected only cargo commands in the README's first sh block, found `{}`",
            other.join(" ")
        ));
    }
    if commands.is_empty() {
        return Err("the README's first sh block has no command".into());
    }
    Ok(commands)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn the_readme_commands_are_the_first_sh_block_without_comments() {
        let readme = "# x\n\n```sh\ncargo run --example tour   # a tour\n\ncargo test --workspace\n```\n\n\
                      ```sh\ncargo xtask bench\n```\n";
        let commands = parse_readme_commands(readme).unwrap();
        assert_eq!(
            commands,
            [vec!["cargo", "run", "--example", "tour"], vec!["cargo", "test", "--workspace"]]
        );
    }

    #[test]
    fn a_readme_without_commands_or_with_other_programs_is_refused() {
        assert!(parse_readme_commands("no block here").unwrap_err().contains("expected a ```sh block"));
        assert!(parse_readme_commands("```sh\n# only a comment\n```").unwrap_err().contains("no command"));
        let other = parse_readme_commands("```sh\nmake all\n```").unwrap_err();
        assert!(other.contains("found `make all`"), "{other}");
    }

    fn package(name: &str, manifest_dir: PathBuf) -> Package {
        Package {
            name: name.into(),
            manifest_dir,
            publish: true,
            is_library: true,
            description: Some("does a thing".into()),
            license: Some("MIT OR Apache-2.0".into()),
            repository: Some("https://example.org/brine".into()),
            keywords: vec!["serde".into()],
            readme: Some("README.md".into()),
            path_deps: vec![],
        }
    }

    #[test]
    fn complete_metadata_passes_and_each_gap_is_named() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("README.md"), "# a crate\n").unwrap();
        assert_eq!(metadata_complete(&package("a", dir.clone())), Vec::<String>::new());

        let mut bare = package("a", dir.clone());
        bare.description = Some("TODO".into());
        bare.repository = None;
        bare.keywords.clear();
        bare.readme = Some("MISSING.md".into());
        let problems = metadata_complete(&bare).join("\n");
        assert!(problems.contains("`description` is a placeholder"), "{problems}");
        assert!(problems.contains("`repository` expected, found none"), "{problems}");
        assert!(problems.contains("`keywords` expected, found none"), "{problems}");
        assert!(problems.contains("README expected at"), "{problems}");
        assert!(!problems.contains("license"), "{problems}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_library_must_inherit_the_workspace_lints() {
        assert!(inherits("[package]\nname = \"a\"\n\n[lints]\nworkspace = true\n"));
        assert!(!inherits("[package]\nname = \"a\"\n"));
        assert!(!inherits("[package]\nworkspace = true\n[lints]\n"));
        assert!(!inherits("[lints.rust]\nunsafe_code = \"allow\"\n"));
    }

    #[test]
    fn libraries_come_after_the_workspace_crates_they_depend_on() {
        let mut io = package("brine-io", PathBuf::new());
        io.path_deps = vec![];
        let mut temp = package("brine-temp", PathBuf::new());
        temp.path_deps = vec!["brine-io".into()];
        let mut facade = package("brine", PathBuf::new());
        facade.path_deps = vec!["brine-temp".into(), "brine-io".into()];
        let mut tool = package("xtask", PathBuf::new());
        tool.publish = false;
        let meta =
            Metadata { target_dir: PathBuf::new(), packages: vec![facade, tool, temp, io], benches: vec![] };
        let order: Vec<&str> =
            meta.libraries_in_dependency_order().unwrap().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(order, ["brine-io", "brine-temp", "brine"]);

        let mut a = package("a", PathBuf::new());
        a.path_deps = vec!["b".into()];
        let mut b = package("b", PathBuf::new());
        b.path_deps = vec!["a".into()];
        let cycle = Metadata { target_dir: PathBuf::new(), packages: vec![a, b], benches: vec![] };
        assert!(cycle.libraries_in_dependency_order().is_err());
    }

    /// A fresh directory under the system's temporary directory.
    fn tempfile_dir() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
