//! What the xtask knows about the workspace: where it is, what cargo says
//! about its packages, and how to run a command in it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

/// The root directory of the workspace the current directory is in, as
/// cargo finds it (`cargo locate-project --workspace`).
///
/// Found at run time, from where the xtask runs: a binary built in one clone
/// (with a shared target directory) checks the clone it is run in.
pub fn root() -> anyhow::Result<PathBuf> {
    let out = Command::new(cargo_program())
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .context("running cargo locate-project")?;
    if !out.status.success() {
        bail!(
            "expected to run inside brine's workspace, but cargo found none here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    root_of_manifest(&String::from_utf8_lossy(&out.stdout))
}

/// The directory of the manifest path that `cargo locate-project` printed.
fn root_of_manifest(printed: &str) -> anyhow::Result<PathBuf> {
    let manifest = Path::new(printed.trim());
    match manifest.parent() {
        Some(dir) if manifest.file_name().is_some_and(|name| name == "Cargo.toml") => Ok(dir.to_owned()),
        _ => bail!("expected the path of a Cargo.toml from cargo locate-project, found {printed:?}"),
    }
}

/// The cargo that runs the xtask (`$CARGO`), else the one on the `PATH`.
fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A `cargo` command run from the workspace root, with the cargo that runs
/// the xtask.
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(cargo_program());
    command.current_dir(root);
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
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub name: String,
    pub manifest_dir: PathBuf,
    /// `false` when `publish = false`.
    pub publish: bool,
    /// The source file of its `lib` or `proc-macro` target, if it has one.
    pub lib_path: Option<PathBuf>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub documentation: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub readme: Option<String>,
    /// `rust-version`, the oldest compiler it claims to build with.
    pub rust_version: Option<String>,
    /// Its features, `default` left out.
    pub features: Vec<String>,
    /// Its examples, each with its `required-features`.
    pub examples: Vec<(String, Vec<String>)>,
    /// `[package.metadata.docs.rs]`: `all-features`, and `rustdoc-args`.
    pub docs_rs: Option<DocsRs>,
    /// Names of the workspace packages it depends on (normal and build
    /// dependencies, which `cargo package` needs first).
    pub path_deps: Vec<String>,
}

/// What `[package.metadata.docs.rs]` asks docs.rs for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocsRs {
    pub all_features: bool,
    pub rustdoc_args: Vec<String>,
}

impl Package {
    pub fn is_library(&self) -> bool {
        self.lib_path.is_some()
    }
}

/// `cargo metadata --no-deps`, the parts the xtask uses.
#[derive(Debug)]
pub struct Metadata {
    /// The workspace's root directory.
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub packages: Vec<Package>,
    pub benches: Vec<Target>,
}

impl Metadata {
    /// Runs `cargo metadata` in the workspace at `root`.
    pub fn load(root: &Path) -> anyhow::Result<Self> {
        let out = cargo(root)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running cargo metadata")?;
        if !out.status.success() {
            bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let json: Value = serde_json::from_slice(&out.stdout).context("reading cargo metadata's JSON")?;
        Self::from_json(&json)
    }

    fn from_json(json: &Value) -> anyhow::Result<Self> {
        let root = PathBuf::from(json["workspace_root"].as_str().context("no workspace_root")?);
        let target_dir = PathBuf::from(json["target_directory"].as_str().context("no target_directory")?);
        let mut packages = Vec::new();
        let mut benches = Vec::new();
        for package in json["packages"].as_array().context("no packages")? {
            let name = str_of(&package["name"]).context("a package without a name")?;
            let manifest = PathBuf::from(str_of(&package["manifest_path"]).context("no manifest_path")?);
            let mut lib_path = None;
            let mut examples = Vec::new();
            for target in package["targets"].as_array().into_iter().flatten() {
                let kinds: Vec<&str> =
                    target["kind"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                let target_name = str_of(&target["name"]).context("a target without a name")?;
                if kinds.contains(&"bench") {
                    benches.push(Target { package: name.clone(), name: target_name.clone() });
                }
                if kinds.contains(&"example") {
                    examples.push((target_name.clone(), strings(&target["required-features"])));
                }
                if kinds.iter().any(|kind| matches!(*kind, "lib" | "proc-macro" | "rlib")) {
                    lib_path = str_of(&target["src_path"]).map(PathBuf::from);
                }
            }
            let path_deps = package["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|dep| dep["path"].is_string() && dep["kind"].as_str() != Some("dev"))
                .filter_map(|dep| str_of(&dep["name"]))
                .collect();
            let mut features: Vec<String> = package["features"]
                .as_object()
                .into_iter()
                .flat_map(|features| features.keys().cloned())
                .filter(|feature| feature != "default")
                .collect();
            features.sort();
            let docs_rs = &package["metadata"]["docs"]["rs"];
            packages.push(Package {
                manifest_dir: manifest.parent().map(Path::to_owned).unwrap_or_default(),
                // `publish = false` is an empty list; `null` means "any registry"
                publish: package["publish"].as_array().is_none_or(|registries| !registries.is_empty()),
                lib_path,
                description: str_of(&package["description"]),
                license: str_of(&package["license"]),
                repository: str_of(&package["repository"]),
                documentation: str_of(&package["documentation"]),
                keywords: strings(&package["keywords"]),
                categories: strings(&package["categories"]),
                readme: str_of(&package["readme"]),
                rust_version: str_of(&package["rust_version"]),
                features,
                examples,
                docs_rs: docs_rs.is_object().then(|| DocsRs {
                    all_features: docs_rs["all-features"].as_bool() == Some(true),
                    rustdoc_args: strings(&docs_rs["rustdoc-args"]),
                }),
                path_deps,
                name,
            });
        }
        Ok(Self { root, target_dir, packages, benches })
    }

    /// The package called `name`.
    pub fn package(&self, name: &str) -> anyhow::Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .with_context(|| format!("no package `{name}` in the workspace"))
    }

    /// The publishable library crates, each after the workspace crates it
    /// depends on.
    pub fn libraries_in_dependency_order(&self) -> anyhow::Result<Vec<&Package>> {
        let libraries: Vec<&Package> = self.packages.iter().filter(|p| p.publish && p.is_library()).collect();
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

fn strings(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().filter_map(str_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_directory_of_the_workspace_manifest() {
        let root = root_of_manifest("/home/me/brine/Cargo.toml\n").unwrap();
        assert_eq!(root, Path::new("/home/me/brine"));
        assert!(root_of_manifest("").is_err());
        assert!(root_of_manifest("/home/me/brine/\n").is_err());
    }

    #[test]
    fn the_root_is_found_from_where_the_xtask_runs() {
        // a workspace of one member, in a fresh directory: the root found from
        // inside the member is that directory, not the clone the xtask was
        // built in
        let dir = std::env::temp_dir().join(format!("xtask-root-{}", std::process::id()));
        let member = dir.join("member");
        std::fs::create_dir_all(member.join("src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"member\"]\n").unwrap();
        std::fs::write(member.join("Cargo.toml"), "[package]\nname = \"member\"\nversion = \"0.1.0\"\n")
            .unwrap();
        std::fs::write(member.join("src/lib.rs"), "").unwrap();
        let out = Command::new(cargo_program())
            .args(["locate-project", "--workspace", "--message-format", "plain"])
            .current_dir(&member)
            .output()
            .unwrap();
        let found = root_of_manifest(&String::from_utf8_lossy(&out.stdout)).unwrap();
        assert_eq!(found.canonicalize().unwrap(), dir.canonicalize().unwrap());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn metadata_reads_what_the_checks_use() {
        let json = serde_json::json!({
            "workspace_root": "/w",
            "target_directory": "/w/target",
            "packages": [{
                "name": "brine",
                "manifest_path": "/w/crates/brine/Cargo.toml",
                "publish": null,
                "rust_version": "1.88",
                "keywords": ["serde"],
                "categories": ["encoding"],
                "features": { "default": ["io"], "io": [], "capture": [] },
                "metadata": { "docs": { "rs": { "all-features": true, "rustdoc-args": ["--cfg", "docsrs"] } } },
                "dependencies": [
                    { "name": "brine-io", "path": "/w/crates/brine-io", "kind": null },
                    { "name": "anyhow", "kind": "dev" }
                ],
                "targets": [
                    { "name": "brine", "kind": ["lib"], "src_path": "/w/crates/brine/src/lib.rs" },
                    { "name": "tour", "kind": ["example"], "required-features": ["io"] },
                    { "name": "io", "kind": ["bench"] }
                ]
            }, {
                "name": "xtask",
                "manifest_path": "/w/xtask/Cargo.toml",
                "publish": [],
                "targets": [{ "name": "xtask", "kind": ["bin"], "src_path": "/w/xtask/src/main.rs" }]
            }]
        });
        let meta = Metadata::from_json(&json).unwrap();
        assert_eq!(meta.root, Path::new("/w"));
        let brine = meta.package("brine").unwrap();
        assert!(brine.publish && brine.is_library());
        assert_eq!(brine.lib_path.as_deref(), Some(Path::new("/w/crates/brine/src/lib.rs")));
        assert_eq!(brine.features, ["capture", "io"]);
        assert_eq!(brine.examples, [("tour".to_owned(), vec!["io".to_owned()])]);
        assert_eq!(brine.rust_version.as_deref(), Some("1.88"));
        assert_eq!(brine.path_deps, ["brine-io"]);
        assert_eq!(
            brine.docs_rs,
            Some(DocsRs { all_features: true, rustdoc_args: vec!["--cfg".into(), "docsrs".into()] })
        );
        let xtask = meta.package("xtask").unwrap();
        assert!(!xtask.publish && !xtask.is_library() && xtask.docs_rs.is_none());
        assert_eq!(meta.benches.len(), 1);
        assert!(meta.package("nope").is_err());
    }
}
