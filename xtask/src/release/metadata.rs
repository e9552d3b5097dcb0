//! What crates.io and docs.rs need from each library crate: its manifest
//! fields, its license files, a README whose links work on crates.io and
//! whose examples run as doctests, and docs.rs settings that show the
//! feature badges.
//!
//! A missing `repository` is a warning, not a failure: the project has no
//! public repository yet, and crates.io accepts a crate without one.

use std::path::Path;

use crate::workspace::Package;

/// crates.io's category slugs (`src/boot/categories.toml` in the crates.io
/// repository); a crate may name at most five of them.
const CATEGORIES: &[&str] = &[
    "algorithms",
    "api-bindings",
    "asynchronous",
    "authentication",
    "caching",
    "command-line-interface",
    "command-line-utilities",
    "compression",
    "computer-vision",
    "concurrency",
    "config",
    "cryptography",
    "cryptography::cryptocurrencies",
    "data-structures",
    "database",
    "database-implementations",
    "date-and-time",
    "development-tools",
    "development-tools::build-utils",
    "development-tools::cargo-plugins",
    "development-tools::debugging",
    "development-tools::ffi",
    "development-tools::procedural-macro-helpers",
    "development-tools::profiling",
    "development-tools::testing",
    "email",
    "embedded",
    "emulators",
    "encoding",
    "external-ffi-bindings",
    "filesystem",
    "game-development",
    "game-engines",
    "games",
    "graphics",
    "gui",
    "hardware-support",
    "internationalization",
    "localization",
    "mathematics",
    "memory-management",
    "multimedia",
    "multimedia::audio",
    "multimedia::encoding",
    "multimedia::images",
    "multimedia::video",
    "network-programming",
    "no-std",
    "no-std::no-alloc",
    "os",
    "os::linux-apis",
    "os::macos-apis",
    "os::unix-apis",
    "os::windows-apis",
    "parser-implementations",
    "parsing",
    "rendering",
    "rendering::data-formats",
    "rendering::engine",
    "rendering::graphics-api",
    "rust-patterns",
    "science",
    "science::robotics",
    "simulation",
    "template-engine",
    "text-editors",
    "text-processing",
    "value-formatting",
    "visualization",
    "wasm",
    "web-programming",
    "web-programming::http-client",
    "web-programming::http-server",
    "web-programming::websocket",
];

/// crates.io's limit on keywords and on categories.
const AT_MOST: usize = 5;

/// Checks every package; fails with every problem, passes with the
/// warnings.
pub fn check_all(packages: &[Package]) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    // a warning that every crate shares is said once, naming them
    let mut warned: Vec<(String, Vec<&str>)> = Vec::new();
    for package in packages {
        let found = check(package);
        problems.extend(found.problems.into_iter().map(|m| format!("{}: {m}", package.name)));
        for warning in found.warnings {
            match warned.iter_mut().find(|(w, _)| *w == warning) {
                Some((_, names)) => names.push(&package.name),
                None => warned.push((warning, vec![&package.name])),
            }
        }
    }
    let warnings =
        warned.into_iter().map(|(warning, names)| format!("{}: {warning}", names.join(", "))).collect();
    if problems.is_empty() { Ok(warnings) } else { Err(problems.join("\n")) }
}

/// What one package's metadata lacks.
#[derive(Debug, Default)]
struct Found {
    problems: Vec<String>,
    warnings: Vec<String>,
}

fn check(package: &Package) -> Found {
    let mut found = Found::default();
    let problems = &mut found.problems;
    let mut field = |name: &str, value: Option<&str>| match value.map(str::trim) {
        None | Some("") => problems.push(format!("Cargo.toml: `{name}` expected, found none")),
        Some(v) if v.contains("TODO") => {
            problems.push(format!("Cargo.toml: `{name}` is a placeholder: {v:?}"))
        }
        Some(_) => {}
    };
    field("description", package.description.as_deref());
    field("license", package.license.as_deref());
    field("readme", package.readme.as_deref());
    field("rust-version", package.rust_version.as_deref());
    field("documentation", package.documentation.as_deref());
    if package.repository.as_deref().is_none_or(|r| r.trim().is_empty()) {
        found.warnings.push(
            "Cargo.toml: `repository` is not set, so crates.io will link to no source; \
             set it once the project has a public repository"
                .into(),
        );
    }
    if let Some(documentation) = &package.documentation
        && !documentation.starts_with("https://")
    {
        found
            .problems
            .push(format!("Cargo.toml: `documentation` expected an https:// URL, found {documentation:?}"));
    }
    found.problems.extend(keyword_problems(&package.keywords));
    found.problems.extend(category_problems(&package.categories));
    found.problems.extend(docs_rs_problems(package));
    found.problems.extend(license_file_problems(package));
    for (example, required) in &package.examples {
        if !package.features.is_empty() && required.is_empty() {
            found.problems.push(format!(
                "example `{example}`: expected `required-features` (the crate has features), found none"
            ));
        }
    }
    if let Some(readme) = &package.readme {
        found.problems.extend(readme_problems(package, readme));
    }
    found
}

fn keyword_problems(keywords: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    match keywords.len() {
        0 => problems.push("Cargo.toml: `keywords` expected, found none".into()),
        n if n > AT_MOST => {
            problems.push(format!("Cargo.toml: at most {AT_MOST} `keywords` expected, found {n}"))
        }
        _ => {}
    }
    for keyword in keywords {
        let valid = keyword.len() <= 20
            && keyword.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && keyword.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'));
        if !valid {
            problems.push(format!(
                "Cargo.toml: keyword {keyword:?} is not one crates.io accepts (at most 20 ASCII letters, \
                 digits, `-`, `_` or `+`, starting with a letter or digit)"
            ));
        }
    }
    problems
}

fn category_problems(categories: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    match categories.len() {
        0 => problems.push("Cargo.toml: `categories` expected, found none".into()),
        n if n > AT_MOST => {
            problems.push(format!("Cargo.toml: at most {AT_MOST} `categories` expected, found {n}"))
        }
        _ => {}
    }
    for category in categories.iter().filter(|c| !CATEGORIES.contains(&c.as_str())) {
        problems.push(format!("Cargo.toml: category {category:?} is not in crates.io's list"));
    }
    problems
}

fn docs_rs_problems(package: &Package) -> Vec<String> {
    let Some(docs_rs) = &package.docs_rs else {
        return vec!["Cargo.toml: `[package.metadata.docs.rs]` expected, found none".into()];
    };
    let mut problems = Vec::new();
    if !docs_rs.all_features {
        problems.push("Cargo.toml: `[package.metadata.docs.rs]` expected `all-features = true`".into());
    }
    if !docs_rs.rustdoc_args.windows(2).any(|pair| pair == ["--cfg", "docsrs"]) {
        problems.push(
            "Cargo.toml: `[package.metadata.docs.rs]` expected `rustdoc-args = [\"--cfg\", \"docsrs\"]`, \
             which the doc(cfg) badges need"
                .into(),
        );
    }
    problems
}

/// `license = "MIT OR Apache-2.0"` promises both texts in the package.
fn license_file_problems(package: &Package) -> Vec<String> {
    let license = package.license.as_deref().unwrap_or("");
    let mut problems = Vec::new();
    for (id, file) in [("MIT", "LICENSE-MIT"), ("Apache-2.0", "LICENSE-APACHE")] {
        if !license.split_whitespace().any(|word| word.trim_matches(['(', ')']) == id) {
            continue;
        }
        let path = package.manifest_dir.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => {}
            Ok(_) => problems.push(format!("{} is empty", path.display())),
            Err(error) => problems.push(format!(
                "the license says {id}, so {file} is expected in the crate's directory, found none ({error})"
            )),
        }
    }
    problems
}

fn readme_problems(package: &Package, readme: &str) -> Vec<String> {
    let path = package.manifest_dir.join(readme);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => return vec![format!("README expected at {}, found none ({error})", path.display())],
    };
    let mut problems = Vec::new();
    if text.trim().is_empty() {
        problems.push(format!("{} is empty", path.display()));
    }
    if text.contains("TODO") {
        problems.push(format!("{} contains TODO", path.display()));
    }
    for link in relative_links(&text) {
        problems.push(format!(
            "{readme}: the link `{link}` is relative, and crates.io shows the README without the \
             files around it; link to docs.rs or name the file"
        ));
    }
    if let Some(lib) = &package.lib_path
        && !includes_as_doctest(&std::fs::read_to_string(lib).unwrap_or_default(), lib, &path)
    {
        problems.push(format!(
            "{} does not run the README's examples: expected `#[cfg(doctest)]` and \
             `#[doc = include_str!(\"...{readme}\")]` on an item",
            lib.display()
        ));
    }
    problems
}

/// The targets of Markdown links (`[text](target)`) and images that are
/// neither a URL nor an anchor in the same page.
fn relative_links(markdown: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut in_code_block = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            let absolute = ["https://", "http://", "mailto:", "#"].iter().any(|p| target.starts_with(p));
            if !absolute {
                links.push(target.to_owned());
            }
            rest = &after[end..];
        }
    }
    links
}

/// Whether the library source includes the README as a doctest.
fn includes_as_doctest(lib_source: &str, lib: &Path, readme: &Path) -> bool {
    let Some(lib_dir) = lib.parent() else { return false };
    let Some(relative) = relative_path(lib_dir, readme) else { return false };
    lib_source.contains("#[cfg(doctest)]") && lib_source.contains(&format!("include_str!(\"{relative}\")"))
}

/// `to` as a path from `from`, for a `to` in `from` or a directory above it
/// (`../README.md` from `src/`).
fn relative_path(from: &Path, to: &Path) -> Option<String> {
    let mut up = String::new();
    let mut base = from;
    loop {
        if let Ok(rest) = to.strip_prefix(base) {
            return Some(format!("{up}{}", rest.display()));
        }
        base = base.parent()?;
        up.push_str("../");
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::workspace::DocsRs;

    /// A crate directory with a README, license files and a lib.rs that
    /// includes the README, and a package describing it completely.
    fn complete_crate(name: &str) -> (PathBuf, Package) {
        let dir = std::env::temp_dir().join(format!("xtask-meta-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("README.md"),
            "# a\n\nSee [the docs](https://docs.rs/a) and [below](#use).\n",
        )
        .unwrap();
        std::fs::write(dir.join("LICENSE-MIT"), "MIT text").unwrap();
        std::fs::write(dir.join("LICENSE-APACHE"), "Apache text").unwrap();
        std::fs::write(
            dir.join("src/lib.rs"),
            "//! a\n\n#[cfg(doctest)]\n#[doc = include_str!(\"../README.md\")]\nstruct ReadmeDoctests;\n",
        )
        .unwrap();
        let package = Package {
            name: name.into(),
            manifest_dir: dir.clone(),
            publish: true,
            lib_path: Some(dir.join("src/lib.rs")),
            description: Some("does a thing".into()),
            license: Some("MIT OR Apache-2.0".into()),
            repository: Some("https://example.org/brine".into()),
            documentation: Some(format!("https://docs.rs/{name}")),
            keywords: vec!["serde".into(), "c++".into()],
            categories: vec!["encoding".into(), "development-tools::testing".into()],
            readme: Some("README.md".into()),
            rust_version: Some("1.88".into()),
            features: vec![],
            examples: vec![],
            docs_rs: Some(DocsRs { all_features: true, rustdoc_args: vec!["--cfg".into(), "docsrs".into()] }),
            path_deps: vec![],
        };
        (dir, package)
    }

    #[test]
    fn complete_metadata_passes_and_a_missing_repository_only_warns() {
        let (dir, package) = complete_crate("complete");
        let found = check(&package);
        assert_eq!(found.problems, Vec::<String>::new());
        assert_eq!(found.warnings, Vec::<String>::new());

        let mut unpublished = package.clone();
        unpublished.repository = None;
        let mut other = unpublished.clone();
        other.name = "other".into();
        let warnings = check_all(&[unpublished, other, package.clone()]).unwrap();
        let [warning] = warnings.as_slice() else { panic!("one warning for both crates: {warnings:?}") };
        assert!(warning.starts_with("complete, other: Cargo.toml: `repository` is not set"), "{warning}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn each_gap_is_named() {
        let (dir, mut package) = complete_crate("gaps");
        package.description = Some("TODO".into());
        package.documentation = None;
        package.keywords = (1..=6).map(|i| format!("k{i}")).collect();
        package.categories = vec!["serialization".into()];
        package.docs_rs = Some(DocsRs { all_features: false, rustdoc_args: vec![] });
        package.features = vec!["io".into()];
        package.examples = vec![("tour".into(), vec![])];
        std::fs::remove_file(dir.join("LICENSE-APACHE")).unwrap();
        let problems = check_all(&[package]).unwrap_err();
        for expected in [
            "gaps: Cargo.toml: `description` is a placeholder",
            "`documentation` expected, found none",
            "at most 5 `keywords` expected, found 6",
            "category \"serialization\" is not in crates.io's list",
            "expected `all-features = true`",
            "expected `rustdoc-args = [\"--cfg\", \"docsrs\"]`",
            "example `tour`: expected `required-features`",
            "LICENSE-APACHE is expected in the crate's directory",
        ] {
            assert!(problems.contains(expected), "missing {expected:?} in:\n{problems}");
        }
        assert!(!problems.contains("LICENSE-MIT"), "{problems}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keywords_follow_crates_io_rules() {
        assert!(keyword_problems(&["serde".into(), "no-std".into(), "c++".into(), "2d".into()]).is_empty());
        assert_eq!(keyword_problems(&["with space".into()]).len(), 1);
        assert_eq!(keyword_problems(&["-dash".into()]).len(), 1);
        assert_eq!(keyword_problems(&["a-very-long-keyword-indeed".into()]).len(), 1);
        assert_eq!(keyword_problems(&[]).len(), 1);
    }

    #[test]
    fn readme_links_must_work_without_the_repository() {
        let readme = "[brine](../../README.md), [docs](https://docs.rs/brine), [top](#top),\n\
                      ![logo](logo.png) and [format](docs/FORMAT.md \"the spec\")\n\
                      ```rust\nlet x = [a](b); // code, not a link\n```\n";
        assert_eq!(relative_links(readme), ["../../README.md", "logo.png", "docs/FORMAT.md"]);
    }

    #[test]
    fn a_readme_not_included_as_a_doctest_is_a_problem() {
        let (dir, package) = complete_crate("doctest");
        std::fs::write(dir.join("src/lib.rs"), "//! a crate\n").unwrap();
        std::fs::write(dir.join("README.md"), "# a\n\n[brine](../../README.md)\n").unwrap();
        let problems = check(&package).problems.join("\n");
        assert!(problems.contains("does not run the README's examples"), "{problems}");
        assert!(problems.contains("the link `../../README.md` is relative"), "{problems}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_include_path_is_relative_to_the_lib_source() {
        let lib = Path::new("/w/crates/a/src/lib.rs");
        let readme = Path::new("/w/crates/a/README.md");
        assert_eq!(relative_path(Path::new("/w/crates/a/src"), readme).as_deref(), Some("../README.md"));
        let source = "#[cfg(doctest)]\n#[doc = include_str!(\"../README.md\")]\nstruct R;";
        assert!(includes_as_doctest(source, lib, readme));
        assert!(!includes_as_doctest("#[doc = include_str!(\"../README.md\")]", lib, readme));
        assert!(!includes_as_doctest(source, lib, Path::new("/w/crates/a/docs/README.md")));
    }
}
