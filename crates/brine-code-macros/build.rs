//! Records the compiler this crate is built with (`$RUSTC -vV`), so that
//! brine-code can refuse, at run time, to load code built by another one.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let text = Command::new(&rustc)
        .arg("-vV")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    for (key, env) in [("release", "RELEASE"), ("commit-hash", "COMMIT_HASH"), ("host", "HOST")] {
        let value = text
            .lines()
            .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.strip_prefix(": ")))
            .unwrap_or("unknown");
        println!("cargo:rustc-env=BRINE_RUSTC_{env}={}", value.trim());
    }
    // the whole text, for the cache key: an environment variable cannot hold its newlines
    let out_dir = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from).unwrap_or_default();
    if let Err(error) = std::fs::write(out_dir.join("rustc-vV.txt"), &text) {
        println!("cargo:warning=cannot record `rustc -vV` in {}: {error}", out_dir.display());
    }
}
