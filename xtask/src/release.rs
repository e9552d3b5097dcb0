//! `cargo xtask release-check`: everything a release needs, one PASS/FAIL
//! line per check with its time, and a non-zero exit when any fails.
//!
//! The checks, in order: formatting, clippy, the tests (once: a README
//! command that repeats a check is not run again), the README's other
//! commands, the docs (as `cargo doc` and as docs.rs builds them), the
//! declared MSRV, the facade with each feature alone and for a Windows and a
//! macOS target, the lint policy, the benches' build, `cargo package`, and
//! the crates' metadata. A check that needs a toolchain or a target the
//! machine lacks installs it first (`install.rs`), or fails saying how to.

mod metadata;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::install::{self, Need};
use crate::workspace::{self, Metadata, Package};

/// What one check found: `Ok` with its warnings, or the reason it failed.
type Outcome = Result<Vec<String>, String>;

/// The crate whose features and targets users build: the facade.
const FACADE: &str = "brine";

/// The targets the facade must build for besides the host: one Windows, one
/// macOS (a user's `cargo add brine` on either must work).
const OTHER_TARGETS: [(&str, &str); 2] =
    [("Windows", "x86_64-pc-windows-gnu"), ("macOS", "aarch64-apple-darwin")];

/// One check: its name (the command, where it is one) and what it runs.
struct Check {
    name: String,
    action: Action,
}

enum Action {
    /// `cargo <args>` in the workspace root, with `toolchain` through
    /// rustup when given, after making sure of `needs`.
    Cargo {
        toolchain: Option<String>,
        args: Vec<String>,
        envs: Vec<(&'static str, String)>,
        needs: Vec<(Need, String)>,
    },
    /// A check made by the xtask itself.
    Inspect(Box<dyn Fn() -> Outcome>),
    /// A check that can't run, and why.
    Fail(String),
}

impl Check {
    fn cargo(args: &[&str]) -> Self {
        Self::cargo_with(None, args, &[], Vec::new())
    }

    fn cargo_with(
        toolchain: Option<&str>,
        args: &[&str],
        envs: &[(&'static str, &str)],
        needs: Vec<(Need, String)>,
    ) -> Self {
        let mut name = String::new();
        for (key, value) in envs {
            name.push_str(&format!("{key}='{value}' "));
        }
        name.push_str("cargo ");
        if let Some(toolchain) = toolchain {
            name.push_str(&format!("+{toolchain} "));
        }
        name.push_str(&args.join(" "));
        Self {
            name,
            action: Action::Cargo {
                toolchain: toolchain.map(str::to_owned),
                args: args.iter().map(|a| a.to_string()).collect(),
                envs: envs.iter().map(|(k, v)| (*k, v.to_string())).collect(),
                needs,
            },
        }
    }

    fn named(mut self, prefix: &str) -> Self {
        self.name = format!("{prefix}: {}", self.name);
        self
    }

    fn inspect(name: impl Into<String>, check: impl Fn() -> Outcome + 'static) -> Self {
        Self { name: name.into(), action: Action::Inspect(Box::new(check)) }
    }

    /// The cargo arguments it runs, if it is a plain cargo command.
    fn cargo_args(&self) -> Option<&[String]> {
        match &self.action {
            Action::Cargo { toolchain: None, args, envs, .. } if envs.is_empty() => Some(args),
            _ => None,
        }
    }

    fn run(&self, root: &Path) -> Outcome {
        match &self.action {
            Action::Cargo { toolchain, args, envs, needs } => {
                for (need, why) in needs {
                    install::ensure(need, "release-check", why)?;
                }
                let mut command = match toolchain {
                    // the cargo running the xtask may be a toolchain's own
                    // binary, which takes no `+toolchain`: ask rustup
                    Some(toolchain) => {
                        let mut command = Command::new("rustup");
                        command.current_dir(root).args(["run", toolchain, "cargo"]);
                        command
                    }
                    None => workspace::cargo(root),
                };
                command.args(args).envs(envs.iter().map(|(k, v)| (k, v)));
                status(&mut command).map(|()| Vec::new())
            }
            Action::Inspect(check) => check(),
            Action::Fail(reason) => Err(reason.clone()),
        }
    }
}

pub fn run(root: &Path) -> anyhow::Result<bool> {
    let meta = Metadata::load(root)?;
    let checks = plan(&meta)?;
    let mut lines = Vec::new();
    let mut failed = 0;
    let all = Instant::now();
    for check in &checks {
        println!("---- {}", check.name);
        let started = Instant::now();
        let outcome = check.run(&meta.root);
        let line = result_line(&check.name, &outcome, started.elapsed());
        if outcome.is_err() {
            failed += 1;
        }
        println!("{line}");
        lines.push(line);
    }
    println!(
        "\n==== release-check, {:.0?} in all: {} of {} checks passed",
        all.elapsed(),
        checks.len() - failed,
        checks.len()
    );
    for line in &lines {
        println!("{line}");
    }
    Ok(failed == 0)
}

/// `PASS  name  (time)`, with the warnings or the failure's reason indented
/// below it.
fn result_line(name: &str, outcome: &Outcome, took: Duration) -> String {
    let indent = |text: &str| text.replace('\n', "\n      ");
    match outcome {
        Ok(warnings) if warnings.is_empty() => format!("PASS  {name}  ({took:.1?})"),
        Ok(warnings) => {
            format!("PASS  {name}  ({took:.1?})\n      warning: {}", indent(&warnings.join("\nwarning: ")))
        }
        Err(reason) => format!("FAIL  {name}  ({took:.1?})\n      {}", indent(reason)),
    }
}

/// Every check, in the order they run.
fn plan(meta: &Metadata) -> anyhow::Result<Vec<Check>> {
    let libraries: Vec<Package> = meta.libraries_in_dependency_order()?.into_iter().cloned().collect();
    let mut checks = vec![
        Check::cargo_with(
            None,
            &["fmt", "--all", "--check"],
            &[],
            vec![(Need::Component("rustfmt"), "to check formatting".into())],
        ),
        Check::cargo_with(
            None,
            &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
            &[],
            vec![(Need::Component("clippy"), "to run the lints".into())],
        ),
        Check::cargo(&["test", "--workspace"]),
    ];

    match readme_commands(&meta.root.join("README.md")) {
        Ok(commands) => {
            for command in commands {
                let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
                // the tests run once, whoever lists them
                if !checks.iter().any(|c| c.cargo_args().is_some_and(|a| *a == command[1..])) {
                    checks.push(Check::cargo(&args).named("README"));
                }
            }
        }
        Err(reason) => checks.push(Check { name: "README's commands".into(), action: Action::Fail(reason) }),
    }

    checks.push(Check::cargo_with(
        None,
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
        vec![],
    ));
    // docs.rs builds with nightly, all features and `--cfg docsrs` (the doc_cfg badges)
    let mut docs_rs = vec!["doc", "--no-deps", "--all-features"];
    for library in &libraries {
        docs_rs.extend(["-p", &library.name]);
    }
    checks.push(
        Check::cargo_with(
            Some("nightly"),
            &docs_rs,
            &[("RUSTDOCFLAGS", "--cfg docsrs -D warnings")],
            vec![(Need::Toolchain("nightly".into()), "to build the docs as docs.rs does".into())],
        )
        .named("docs.rs"),
    );

    checks.push(msrv_check(&libraries));

    let facade = meta.package(FACADE)?;
    for feature in &facade.features {
        checks.push(
            Check::cargo(&["check", "-p", FACADE, "--no-default-features", "--features", feature])
                .named(&format!("feature `{feature}` alone")),
        );
    }
    for (os, target) in OTHER_TARGETS {
        checks.push(
            Check::cargo_with(
                None,
                &["check", "-p", FACADE, "--target", target],
                &[],
                vec![(Need::Target(target.into()), format!("to check that the facade builds for {os}"))],
            )
            .named(os),
        );
    }

    let lints = libraries.clone();
    checks.push(Check::inspect("every library crate inherits the workspace lint policy", move || {
        each(&lints, inherits_workspace_lints)
    }));
    checks.push(Check::cargo(&["bench", "--workspace", "--no-run"]));
    let mut package = vec!["package", "--allow-dirty"];
    for library in &libraries {
        package.extend(["-p", &library.name]);
    }
    let mut package = Check::cargo(&package);
    package.name.push_str("  (in dependency order)");
    checks.push(package);
    let described = libraries.clone();
    checks.push(Check::inspect(
        "crates.io and docs.rs metadata, licenses and READMEs of every library crate",
        move || metadata::check_all(&described),
    ));
    Ok(checks)
}

/// `cargo +<rust-version> check`: the compiler the manifests claim is enough.
fn msrv_check(libraries: &[Package]) -> Check {
    let mut claims: Vec<&str> = libraries.iter().filter_map(|p| p.rust_version.as_deref()).collect();
    claims.sort_unstable();
    claims.dedup();
    let fail = |reason: String| Check { name: "MSRV".into(), action: Action::Fail(reason) };
    let claim = match claims.as_slice() {
        [one] if libraries.iter().all(|p| p.rust_version.is_some()) => *one,
        [] | [_] => {
            return fail("expected `rust-version` in every library crate, found it missing in some".into());
        }
        several => {
            return fail(format!(
                "expected one `rust-version` for the workspace, found {}",
                several.join(", ")
            ));
        }
    };
    match install::toolchain_for_rust_version(claim) {
        Ok(toolchain) => Check::cargo_with(
            Some(&toolchain),
            &["check", "--workspace", "--all-targets"],
            &[],
            vec![(
                Need::Toolchain(toolchain.clone()),
                format!("to check the claim rust-version = \"{claim}\""),
            )],
        )
        .named(&format!("MSRV {claim}")),
        Err(reason) => fail(reason),
    }
}

/// Runs `command` with its output going to the terminal as it comes; on
/// failure, the reason names the first errors it printed, so the summary at
/// the end says what failed without scrolling back.
fn status(command: &mut Command) -> Result<(), String> {
    let mut child =
        command.stderr(Stdio::piped()).spawn().map_err(|error| format!("could not run it: {error}"))?;
    let mut printed = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            printed.push(line);
        }
    }
    match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => {
            let errors = first_errors(&printed);
            if errors.is_empty() {
                Err(format!("exited with {status}; its output is above"))
            } else {
                Err(format!(
                    "exited with {status}; first errors (all of them are above):\n{}",
                    errors.join("\n")
                ))
            }
        }
        Err(error) => Err(format!("could not wait for it: {error}")),
    }
}

/// The first few compiler and rustdoc errors in cargo's output, each with
/// the place it points at; cargo's own closing lines are left out.
fn first_errors(lines: &[String]) -> Vec<String> {
    const AT_MOST: usize = 8;
    let mut errors: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let closing = ["error: could not compile", "error: could not document", "error: aborting"]
            .iter()
            .any(|p| line.starts_with(p));
        if !line.starts_with("error") || closing {
            continue;
        }
        // the `-->` line of this error, not of the next one
        let place = lines[i + 1..]
            .iter()
            .take(3)
            .take_while(|l| !l.starts_with("error") && !l.starts_with("warning"))
            .find_map(|l| l.trim_start().strip_prefix("--> "));
        let error = match place {
            Some(place) => format!("{line}  ({place})"),
            None => line.clone(),
        };
        if !errors.contains(&error) {
            errors.push(error);
        }
        if errors.len() == AT_MOST {
            break;
        }
    }
    errors
}

/// Runs `check` on every package and gathers every failure.
fn each(packages: &[Package], check: fn(&Package) -> Vec<String>) -> Outcome {
    let problems: Vec<String> =
        packages.iter().flat_map(|p| check(p).into_iter().map(|m| format!("{}: {m}", p.name))).collect();
    if problems.is_empty() { Ok(Vec::new()) } else { Err(problems.join("\n")) }
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

    fn library(name: &str) -> Package {
        Package {
            name: name.into(),
            publish: true,
            lib_path: Some(PathBuf::from("src/lib.rs")),
            rust_version: Some("1.88".into()),
            ..Package::default()
        }
    }

    fn workspace(packages: Vec<Package>) -> Metadata {
        Metadata { root: PathBuf::from("."), target_dir: PathBuf::new(), packages, benches: vec![] }
    }

    #[test]
    fn the_plan_runs_the_tests_once_and_checks_each_feature_and_target() {
        let mut facade = library(FACADE);
        facade.features = vec!["capture".into(), "io".into()];
        let meta = workspace(vec![facade, library("brine-io")]);
        let names: Vec<String> = plan(&meta).unwrap().into_iter().map(|c| c.name).collect();
        let count = |text: &str| names.iter().filter(|n| n.contains(text)).count();
        assert_eq!(count("cargo test --workspace"), 1, "{names:#?}");
        assert_eq!(count("cargo check -p brine --no-default-features --features"), 2, "{names:#?}");
        assert!(names.contains(
            &"feature `io` alone: cargo check -p brine --no-default-features --features io".into()
        ));
        assert!(names.contains(&"Windows: cargo check -p brine --target x86_64-pc-windows-gnu".into()));
        assert!(names.contains(&"macOS: cargo check -p brine --target aarch64-apple-darwin".into()));
        assert!(
            names.contains(&"MSRV 1.88: cargo +1.88.0 check --workspace --all-targets".into()),
            "{names:#?}"
        );
        assert_eq!(
            count("docs.rs: RUSTDOCFLAGS='--cfg docsrs -D warnings' cargo +nightly doc"),
            1,
            "{names:#?}"
        );
    }

    #[test]
    fn the_msrv_is_read_from_the_manifests() {
        let mut newer = library("a");
        newer.rust_version = Some("1.95".into());
        assert_eq!(
            msrv_check(&[newer.clone()]).name,
            "MSRV 1.95: cargo +1.95.0 check --workspace --all-targets"
        );

        let split = msrv_check(&[newer.clone(), library("b")]);
        let Action::Fail(reason) = split.action else { panic!("two claims must fail") };
        assert!(reason.contains("1.88, 1.95"), "{reason}");

        let mut unclaimed = library("c");
        unclaimed.rust_version = None;
        let Action::Fail(reason) = msrv_check(&[newer, unclaimed]).action else {
            panic!("a missing claim must fail")
        };
        assert!(reason.contains("missing"), "{reason}");
    }

    #[test]
    fn a_failure_names_the_first_errors_and_where_they_are() {
        let output: Vec<String> = "   Checking brine-source v0.1.0\n\
            error[E0658]: `if let` guards are experimental\n\
            \x20  --> crates/brine-source/src/value/ser.rs:804:17\n\
            \x20   |\n\
            error: unused variable `x`\n\
            error: could not compile `brine-source` (lib) due to 1 previous error\n\
            error[E0658]: `if let` guards are experimental\n\
            \x20  --> crates/brine-source/src/value/ser.rs:804:17\n"
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            first_errors(&output),
            [
                "error[E0658]: `if let` guards are experimental  (crates/brine-source/src/value/ser.rs:804:17)",
                "error: unused variable `x`",
            ]
        );
        assert!(first_errors(&["warning: unused".to_owned()]).is_empty());
    }

    #[test]
    fn a_check_line_has_its_verdict_time_and_reasons() {
        let took = Duration::from_millis(1500);
        assert_eq!(result_line("fmt", &Ok(vec![]), took), "PASS  fmt  (1.5s)");
        assert_eq!(
            result_line("meta", &Ok(vec!["no repository".into()]), took),
            "PASS  meta  (1.5s)\n      warning: no repository"
        );
        assert_eq!(result_line("x", &Err("a\nb".into()), took), "FAIL  x  (1.5s)\n      a\n      b");
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
        let io = library("brine-io");
        let mut temp = library("brine-temp");
        temp.path_deps = vec!["brine-io".into()];
        let mut facade = library("brine");
        facade.path_deps = vec!["brine-temp".into(), "brine-io".into()];
        let mut tool = library("xtask");
        tool.publish = false;
        let meta = workspace(vec![facade, tool, temp, io]);
        let order: Vec<&str> =
            meta.libraries_in_dependency_order().unwrap().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(order, ["brine-io", "brine-temp", "brine"]);

        let mut a = library("a");
        a.path_deps = vec!["b".into()];
        let mut b = library("b");
        b.path_deps = vec!["a".into()];
        assert!(workspace(vec![a, b]).libraries_in_dependency_order().is_err());
    }
}
