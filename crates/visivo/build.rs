//! With the prebuilt libduckdb (crates/engine/build.rs), the `visivo` binary must find the library
//! when it starts: a copy goes beside the binary (`target/<profile>/`, so the two can be moved
//! together), and the binary looks beside itself first, then in the `$CARGO_HOME/visivo/` copy
//! that a `cargo install`ed binary uses.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let (Some(lib_dir), Some(library)) = (
        env::var_os("DEP_VISIVO_LIBDUCKDB_LIB_DIR"),
        env::var_os("DEP_VISIVO_LIBDUCKDB_LIBRARY"),
    ) else {
        return;
    };
    let origin = if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        "@loader_path"
    } else {
        "$ORIGIN"
    };
    let lib_dir = PathBuf::from(lib_dir);
    for rpath in [origin, &lib_dir.display().to_string()] {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{rpath}");
    }
    let library = PathBuf::from(library);
    if let Some(profile_dir) = profile_dir() {
        copy_beside(&library, &profile_dir);
    }
}

/// `target/<profile>/`, three levels above `OUT_DIR` (`<profile>/build/visivo-<hash>/out`).
fn profile_dir() -> Option<PathBuf> {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR")?);
    Some(out_dir.ancestors().nth(3)?.to_path_buf())
}

fn copy_beside(library: &Path, dir: &Path) {
    let Some(name) = library.file_name() else {
        return;
    };
    let target = dir.join(name);
    let _ = fs::remove_file(&target);
    if fs::hard_link(library, &target).is_err() {
        if let Err(e) = fs::copy(library, &target) {
            println!(
                "cargo:warning=could not copy {} beside the binary: {e}",
                library.display()
            );
        }
    }
}
