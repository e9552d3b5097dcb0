//! One install policy for every xtask command: what a command needs and
//! lacks (a toolchain, a target, a cargo subcommand) is installed with rustup
//! or cargo, after saying what and why, with the tool's output streamed to
//! the terminal. When that fails (offline, no rustup), the caller gets the
//! reason and the command to run by hand, and fails the check.

use std::process::{Command, Stdio};

/// Something a command needs from the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Need {
    /// A rustup toolchain (`nightly`, `1.88.0`), installed with the minimal
    /// profile.
    Toolchain(String),
    /// A compilation target of the toolchain cargo uses in the workspace
    /// (rustup's active toolchain there).
    Target(String),
    /// A component of that toolchain (`rustfmt`, `clippy`).
    Component(&'static str),
    /// A cargo subcommand (`cargo fuzz`) from the crate that provides it.
    CargoSubcommand { subcommand: &'static str, krate: &'static str },
}

impl Need {
    /// The command that installs it, as it runs and as a person types it.
    pub fn install_command(&self) -> Vec<String> {
        let words: Vec<&str> = match self {
            Need::Toolchain(name) => vec!["rustup", "toolchain", "install", name, "--profile", "minimal"],
            Need::Target(target) => vec!["rustup", "target", "add", target],
            Need::Component(component) => vec!["rustup", "component", "add", component],
            Need::CargoSubcommand { krate, .. } => vec!["cargo", "install", krate, "--locked"],
        };
        words.into_iter().map(str::to_owned).collect()
    }

    fn describe(&self) -> String {
        match self {
            Need::Toolchain(name) => format!("the Rust toolchain `{name}`"),
            Need::Target(target) => format!("the target `{target}`"),
            Need::Component(component) => format!("the toolchain component `{component}`"),
            Need::CargoSubcommand { subcommand, krate } => format!("`cargo {subcommand}` (crate {krate})"),
        }
    }

    /// Whether the machine has it already.
    fn present(&self) -> bool {
        match self {
            Need::Toolchain(name) => {
                let host = output_of("rustc", &["-vV"]).and_then(|v| host_of(&v));
                let list = output_of("rustup", &["toolchain", "list"]);
                list.zip(host).is_some_and(|(list, host)| has_toolchain(&list, name, &host))
            }
            Need::Target(target) => output_of("rustup", &["target", "list", "--installed"])
                .is_some_and(|list| list.lines().any(|line| line.trim() == target)),
            Need::Component(component) => {
                let host = output_of("rustc", &["-vV"]).and_then(|v| host_of(&v));
                let list = output_of("rustup", &["component", "list", "--installed"]);
                list.zip(host).is_some_and(|(list, host)| has_component(&list, component, &host))
            }
            Need::CargoSubcommand { subcommand, .. } => {
                output_of("cargo", &[subcommand, "--version"]).is_some()
            }
        }
    }
}

/// Makes sure the machine has `need`, installing it when it lacks it. `who`
/// names the command or check that needs it and `why` says what for; both
/// are printed before anything is installed. The error, when it can't be
/// installed, says why and gives the command to run by hand.
pub fn ensure(need: &Need, who: &str, why: &str) -> Result<(), String> {
    if need.present() {
        return Ok(());
    }
    let command = need.install_command();
    let by_hand = command.join(" ");
    println!("{who}: {} is missing; it is needed {why}.", need.describe());
    println!("{who}: installing it: {by_hand}");
    let (program, args) = command.split_first().ok_or("no install command")?;
    // the tool's own progress goes straight to the terminal
    let status = Command::new(program).args(args).stdin(Stdio::null()).status();
    let failure = match status {
        Ok(status) if status.success() && need.present() => return Ok(()),
        Ok(status) if status.success() => {
            format!("`{by_hand}` succeeded but {} is still missing", need.describe())
        }
        Ok(status) => format!("`{by_hand}` failed ({status}; offline?)"),
        Err(error) => format!("could not run `{program}`: {error}"),
    };
    Err(format!(
        "{} is missing and could not be installed: {failure}.\nInstall it by hand, then run again: {by_hand}",
        need.describe()
    ))
}

/// The rustup toolchain that checks a `rust-version`: `1.88` means 1.88.0,
/// the oldest compiler the claim covers.
pub fn toolchain_for_rust_version(rust_version: &str) -> Result<String, String> {
    let parts: Vec<&str> = rust_version.trim().split('.').collect();
    let numeric = parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    match parts.len() {
        2 if numeric => Ok(format!("{}.0", parts.join("."))),
        3 if numeric => Ok(parts.join(".")),
        _ => Err(format!("expected a rust-version like 1.88 or 1.88.1, found {rust_version:?}")),
    }
}

/// Whether `rustup toolchain list` lists the toolchain `name`; rustup
/// lists it with the host triple (`nightly-x86_64-unknown-linux-gnu (default)`).
fn has_toolchain(list: &str, name: &str, host: &str) -> bool {
    let full = format!("{name}-{host}");
    list.lines().filter_map(|line| line.split_whitespace().next()).any(|t| t == name || t == full)
}

/// Whether `rustup component list --installed` lists `component`; rustup
/// names it with the host triple (`clippy-x86_64-unknown-linux-gnu`).
fn has_component(list: &str, component: &str, host: &str) -> bool {
    let full = format!("{component}-{host}");
    list.lines().map(str::trim).any(|line| line == component || line == full)
}

/// The `host:` line of `rustc -vV`.
fn host_of(version: &str) -> Option<String> {
    version.lines().find_map(|line| line.strip_prefix("host: ")).map(|host| host.trim().to_owned())
}

/// What `program args` prints on stdout, when it runs and succeeds.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "stable-x86_64-unknown-linux-gnu (active, default)\n\
                        nightly-x86_64-unknown-linux-gnu\n\
                        1.88.0-x86_64-unknown-linux-gnu\n";

    #[test]
    fn a_toolchain_is_found_by_its_name_and_the_host() {
        let host = host_of("rustc 1.95.0\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\n");
        let host = host.unwrap();
        assert_eq!(host, "x86_64-unknown-linux-gnu");
        assert!(has_toolchain(LIST, "stable", &host));
        assert!(has_toolchain(LIST, "nightly", &host));
        assert!(has_toolchain(LIST, "1.88.0", &host));
        assert!(has_toolchain(LIST, "1.88.0-x86_64-unknown-linux-gnu", &host));
        assert!(!has_toolchain(LIST, "1.88", &host), "1.88 is not the name of an installed toolchain");
        assert!(!has_toolchain(LIST, "beta", &host));
        assert!(!has_toolchain(LIST, "nightly", "aarch64-apple-darwin"));
        assert!(!has_toolchain("", "stable", &host));
        assert!(!has_toolchain("nightly-2025-01-01-x86_64-unknown-linux-gnu\n", "nightly", &host));
    }

    #[test]
    fn a_component_is_found_by_its_name_and_the_host() {
        let host = "x86_64-unknown-linux-gnu";
        let list = "cargo-x86_64-unknown-linux-gnu\nclippy-x86_64-unknown-linux-gnu\n\
                    rust-std-x86_64-pc-windows-gnu\nrustfmt-aarch64-apple-darwin\n";
        assert!(has_component(list, "clippy", host));
        assert!(!has_component(list, "rustfmt", host), "another host's rustfmt does not run here");
        assert!(!has_component(list, "rust", host), "rust-std is not rust");
        assert!(!has_component("", "clippy", host));
    }

    #[test]
    fn rust_version_names_the_oldest_compiler_it_claims() {
        assert_eq!(toolchain_for_rust_version("1.88"), Ok("1.88.0".into()));
        assert_eq!(toolchain_for_rust_version("1.88.1"), Ok("1.88.1".into()));
        assert!(toolchain_for_rust_version("1").is_err());
        assert!(toolchain_for_rust_version("1.x").is_err());
        assert!(toolchain_for_rust_version("nightly").is_err());
    }

    #[test]
    fn each_need_installs_with_its_own_tool() {
        assert_eq!(
            Need::Toolchain("1.88.0".into()).install_command().join(" "),
            "rustup toolchain install 1.88.0 --profile minimal"
        );
        assert_eq!(
            Need::Target("x86_64-pc-windows-gnu".into()).install_command().join(" "),
            "rustup target add x86_64-pc-windows-gnu"
        );
        assert_eq!(Need::Component("clippy").install_command().join(" "), "rustup component add clippy");
        let fuzz = Need::CargoSubcommand { subcommand: "fuzz", krate: "cargo-fuzz" };
        assert_eq!(fuzz.install_command().join(" "), "cargo install cargo-fuzz --locked");
    }

    #[test]
    fn a_need_that_cannot_be_installed_fails_with_the_command_to_run() {
        // a subcommand no crate provides: `cargo install` fails, offline or not
        // (an invalid crate name: cargo refuses it at once, without the network)
        let need =
            Need::CargoSubcommand { subcommand: "brine-xtask-no-such-subcommand", krate: "no-such-crate!" };
        let error = ensure(&need, "test", "by nothing").unwrap_err();
        assert!(error.contains("could not be installed"), "{error}");
        assert!(error.contains("by hand, then run again: cargo install no-such-crate! --locked"), "{error}");
    }
}
