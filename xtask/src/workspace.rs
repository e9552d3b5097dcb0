//! What the xtask knows about the workspace: where it is, what cargo says
//! about its packages, and how to run a command in it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

/// The workspace's root directory.
pub fn root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_owned()
}

/// A `cargo` command run from the workspace root, with the cargo that runs
/// the xtask.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

/// A target of a workspace package.
#[derive(Debug, Clone)]
pub struct Target {
    /// The package's name.
    pub package: String,
    /// The target's name.
    pub name: String,
}

/// A workspace package, as `cargo metadata` describes it.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub manifest_dir: PathBuf,
    /// `false` when `publish = false`.
    pub publish: bool,
    /// Has a `lib` or `proc-macro` target.
    pub is_library: bool,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub keywords: Vec<String>,
    pub readme: Option<String>,
    /// Names of the workspace packages it depends on (normal and build
    /// dependencies, which `cargo package` needs first).
    pub path_deps: Vec<String>,
}

/// `cargo metadata --no-deps`, the parts the xtask uses.
#[derive(Debug)]
pub struct Metadata {
    pub target_dir: PathBuf,
    pub packages: Vec<Package>,
    pub benches: Vec<Target>,
}

impl Metadata {
    pub fn load() -> anyhow::Result<Self> {
        let out = cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running cargo metadata")?;
        if !out.status.success() {
            bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let json: Value = serde_json::from_slice(&out.stdout).context("reading cargo metadata's JSON")?;
        let target_dir = PathBuf::from(json["target_directory"].as_str().context("no target_directory")?);
        let mut packages = Vec::new();
        let mut benches = Vec::new();
        for package in json["packages"].as_array().context("no packages")? {
            let name = str_of(&package["name"]).context("a package without a name")?;
            let manifest = PathBuf::from(str_of(&package["manifest_path"]).context("no manifest_path")?);
            let mut is_library = false;
            for target in package["targets"].as_array().into_iter().flatten() {
                let kinds: Vec<&str> =
                    target["kind"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                if kinds.contains(&"bench") {
                    let bench = str_of(&target["name"]).context("a bench target without a name")?;
                    benches.push(Target { package: name.clone(), name: bench });
                }
                if kinds.iter().any(|kind| matches!(*kind, "lib" | "proc-macro" | "rlib")) {
                    is_library = true;
                }
            }
            let path_deps = package["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|dep| dep["path"].is_string() && dep["kind"].as_str() != Some("dev"))
                .filter_map(|dep| str_of(&dep["name"]))
                .collect();
            packages.push(Package {
                manifest_dir: manifest.parent().map(Path::to_owned).unwrap_or_default(),
                // `publish = false` is an empty list; `null` means "any registry"
                publish: package["publish"].as_array().is_none_or(|registries| !registries.is_empty()),
                is_library,
                description: str_of(&package["description"]),
                license: str_of(&package["license"]),
                repository: str_of(&package["repository"]),
                keywords: package["keywords"].as_array().into_iter().flatten().filter_map(str_of).collect(),
                readme: str_of(&package["readme"]),
                path_deps,
                name,
            });
        }
        Ok(Self { target_dir, packages, benches })
    }

    /// The publishable library crates, each after the workspace crates it
    /// depends on.
    pub fn libraries_in_dependency_order(&self) -> anyhow::Result<Vec<&Package>> {
        let libraries: Vec<&Package> = self.packages.iter().filter(|p| p.publish && p.is_library).collect();
        let mut ordered: Vec<&Package> = Vec::new();
        while ordered.len() < libraries.len() {
            let before = ordered.len();
            for library in &libraries {
                let placed = |name: &String| ordered.iter().any(|p| &p.name == name);
                let deps_placed = library
                    .path_deps
                    .iter()
                    .filter(|dep| libraries.iter().any(|p| &p.name == *dep))
                    .all(placed);
                if !placed(&library.name) && deps_placed {
                    ordered.push(library);
                }
            }
            if ordered.len() == before {
                bail!("the workspace's library crates depend on each other in a cycle");
            }
        }
        Ok(ordered)
    }
}

fn str_of(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}
