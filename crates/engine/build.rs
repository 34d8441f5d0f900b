//! DuckDB without compiling its C++: with the `duckdb` feature (and not `duckdb-bundled`), the
//! `duckdb` crate links a prebuilt `libduckdb`, which this script provides. It takes the library
//! that DuckDB's own npm package `@duckdb/node-bindings-<platform>` ships (the npm registry is
//! reachable wherever crates.io is), checks the archive against the SHA-512 that npm published,
//! and keeps it in `$CARGO_HOME/visivo/` so a `cargo install`ed binary finds it later. A copy in
//! `OUT_DIR` is what the linker, `cargo run` and `cargo test` use.
//!
//! `DUCKDB_LIB_DIR` (read by `libduckdb-sys` itself) points at a library of your own instead:
//! nothing is downloaded then. See docs/sources.md, "DuckDB".

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// The DuckDB release the `duckdb` crate's version encodes (`1.10506.x` → DuckDB 1.5.6).
const DUCKDB_VERSION: &str = "1.5.6";
/// The npm release of `@duckdb/node-bindings-*` that ships that DuckDB.
const NPM_VERSION: &str = "1.5.6-r.1";

/// A platform's npm package, its archive's integrity (from the registry's metadata) and the
/// library's file name inside `package/`.
struct Prebuilt {
    npm_platform: &'static str,
    integrity: &'static str,
    library: &'static str,
}

const PREBUILT: &[(&str, Prebuilt)] = &[
    (
        "x86_64-unknown-linux-gnu",
        Prebuilt {
            npm_platform: "linux-x64",
            integrity: "sha512-IXcrZJE6kEqM0Z4wwdVnGBHX/frOS33VPNAwDXQ/Q+Fs84b058Qe94chrCCIcNJlG8Y3UHIUU4eBeCQxW5mN1Q==",
            library: "libduckdb.so",
        },
    ),
    (
        "aarch64-unknown-linux-gnu",
        Prebuilt {
            npm_platform: "linux-arm64",
            integrity: "sha512-3jnUaDil1BrF/6vAZwVaInJ1xoBaWGHB4PDiUnzJWKCo8a8TLx9j7/gPyPl/UGRBftrYIuTihRZSfF4mWMgtWA==",
            library: "libduckdb.so",
        },
    ),
    (
        "aarch64-apple-darwin",
        Prebuilt {
            npm_platform: "darwin-arm64",
            integrity: "sha512-KFT/J/pyouuAD1jftAIfcWVRdorg+c/yVR/BJL8LJKrST+mYC4d7QSuQ+iXSYbFpHENUAeZUagXrMPtZT8Xzsg==",
            library: "libduckdb.dylib",
        },
    ),
    (
        "x86_64-apple-darwin",
        Prebuilt {
            npm_platform: "darwin-x64",
            integrity: "sha512-tVwUZNvdQoaPJhrh3q2e6jxm1MhahNHJQK/pvCyco46NX0mEuGzlw9i0n2MArgsyzccdCwScOK9ctbyr+3oMbQ==",
            library: "libduckdb.dylib",
        },
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DUCKDB_LIB_DIR");
    println!("cargo:rerun-if-env-changed=VISIVO_NPM_REGISTRY");
    let prebuilt_wanted = env::var_os("CARGO_FEATURE_DUCKDB").is_some()
        && env::var_os("CARGO_FEATURE_DUCKDB_BUNDLED").is_none();
    if !prebuilt_wanted || env::var_os("DUCKDB_LIB_DIR").is_some() {
        return;
    }
    if let Err(message) = provide_libduckdb() {
        panic!(
            "\n\nvisivo: could not provide the prebuilt DuckDB library: {message}\n\
             Either point DUCKDB_LIB_DIR at a directory holding libduckdb {DUCKDB_VERSION}, \
             build DuckDB from source with `--features duckdb-bundled` (about 20 minutes on 2 \
             cores), or leave DuckDB out with `--no-default-features`.\n\n"
        );
    }
}

fn provide_libduckdb() -> Result<(), String> {
    let target = env::var("TARGET").map_err(|e| e.to_string())?;
    let prebuilt = PREBUILT
        .iter()
        .find(|(triple, _)| *triple == target)
        .map(|(_, prebuilt)| prebuilt)
        .ok_or_else(|| format!("no prebuilt libduckdb is known for the target {target}"))?;
    let cache = cache_dir(prebuilt)?;
    let cached = cache.join(prebuilt.library);
    if !cached.is_file() {
        download(prebuilt, &cache)?;
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let linked = out_dir.join(prebuilt.library);
    link_or_copy(&cached, &linked)?;
    // Inside the target directory, so `cargo run` and `cargo test` put it on the loader's path.
    println!("cargo:rustc-link-search=native={}", out_dir.display());
    // For the `visivo` binary's build script (DEP_VISIVO_LIBDUCKDB_*): the rpath and the copy
    // beside the binary.
    println!("cargo:lib_dir={}", cache.display());
    println!("cargo:library={}", linked.display());
    Ok(())
}

/// `$CARGO_HOME/visivo/libduckdb-<version>-<platform>`: outlives the target directory, which
/// `cargo install` deletes.
fn cache_dir(prebuilt: &Prebuilt) -> Result<PathBuf, String> {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    Ok(cargo_home.join("visivo").join(format!(
        "libduckdb-{DUCKDB_VERSION}-{}",
        prebuilt.npm_platform
    )))
}

/// Fetches the npm archive, checks its integrity and extracts the library into `cache`
/// (through a temporary name, so an interrupted build never leaves half a library).
fn download(prebuilt: &Prebuilt, cache: &Path) -> Result<(), String> {
    let registry =
        env::var("VISIVO_NPM_REGISTRY").unwrap_or_else(|_| "https://registry.npmjs.org".into());
    let package = format!("node-bindings-{}", prebuilt.npm_platform);
    let url = format!(
        "{}/@duckdb/{package}/-/{package}-{NPM_VERSION}.tgz",
        registry.trim_end_matches('/')
    );
    println!("cargo:warning=downloading libduckdb {DUCKDB_VERSION} from {url}");
    let archive = fetch(&url)?;
    check_integrity(&archive, prebuilt.integrity).map_err(|e| format!("{url}: {e}"))?;
    fs::create_dir_all(cache).map_err(|e| format!("creating {}: {e}", cache.display()))?;
    let wanted = Path::new("package").join(prebuilt.library);
    let mut entries = tar::Archive::new(flate2::read::GzDecoder::new(archive.as_slice()));
    for entry in entries.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        if entry.path().map_err(|e| e.to_string())? != wanted {
            continue;
        }
        let partial = cache.join(format!("{}.partial", prebuilt.library));
        entry
            .unpack(&partial)
            .map_err(|e| format!("extracting {}: {e}", partial.display()))?;
        return fs::rename(&partial, cache.join(prebuilt.library)).map_err(|e| e.to_string());
    }
    Err(format!("{url} holds no {}", wanted.display()))
}

/// Downloads with the system's `curl`, which knows the machine's certificate authorities and
/// proxy settings.
fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let output = std::process::Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--max-time",
            "900",
            "--",
        ])
        .arg(url)
        .output()
        .map_err(|e| format!("running curl to download {url}: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(format!(
            "downloading {url} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// npm's `sha512-<base64>` integrity string against the bytes.
fn check_integrity(bytes: &[u8], integrity: &str) -> Result<(), String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let actual = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes))
    );
    if actual == integrity {
        Ok(())
    } else {
        Err(format!(
            "integrity mismatch: expected {integrity}, got {actual}"
        ))
    }
}

fn link_or_copy(from: &Path, to: &Path) -> Result<(), String> {
    if to.is_file() {
        fs::remove_file(to).map_err(|e| e.to_string())?;
    }
    fs::hard_link(from, to)
        .or_else(|_| fs::copy(from, to).map(drop))
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}
