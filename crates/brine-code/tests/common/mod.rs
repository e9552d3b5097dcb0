//! What the tests that compile code share.

use std::path::Path;

use brine_code::{Compiler, Error};

/// A compiler using `cache`, or `None` (after saying why) when there is no
/// rustc to run.
pub fn compiler(cache: &Path) -> Option<Compiler> {
    let compiler = Compiler::new().cache_dir(cache).opt_level(0);
    match compiler.check() {
        Ok(()) => Some(compiler),
        Err(error @ Error::RustcNotFound { .. }) => {
            // straight to fd 2: libtest would hold back an `eprintln!` of a passing test
            let message = format!("SKIPPED: loading code needs rustc, and here {error}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), message.as_bytes());
            None
        }
        Err(error) => panic!("{error}"), // a test fails by panicking
    }
}
