#![allow(dead_code)]
//! Helpers for CLI tests: a project in a temp dir and the real binary run on it.

pub mod serve;

use std::path::{Path, PathBuf};
use std::process::Output;

pub struct TestProject {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Sends SIGINT (what Ctrl-C in a terminal sends) to `child` and waits up to `within` for it to
/// exit; a child still running then is killed and `None` returned.
pub fn interrupt(
    child: &mut std::process::Child,
    within: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

impl Run {
    /// Asserts that stderr holds `needle`, showing stderr when it doesn't.
    pub fn assert_stderr_has(&self, needle: &str) {
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} in stderr:\n{}",
            self.stderr
        );
    }
}

impl TestProject {
    pub fn new(project_yaml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("project.visivo.yml"), project_yaml).expect("write project");
        TestProject { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> &Self {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn target(&self) -> PathBuf {
        self.dir.path().join("target")
    }

    /// Runs `visivo <args>` inside the project directory.
    pub fn visivo(&self, args: &[&str]) -> Run {
        let output: Output = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
            .args(args)
            .current_dir(self.dir.path())
            .env("CI", "true")
            .env("HOME", self.dir.path())
            .output()
            .expect("run visivo");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn data(&self, trace: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.target().join(trace).join("data.json"))
            .unwrap_or_else(|e| panic!("no data.json for {trace}: {e}"));
        serde_json::from_str(&text).unwrap()
    }
}

/// A SQLite database file with an `orders` table, created with the engine's own driver.
pub fn orders_db(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "create table orders (month text, region text, units integer, amount real);
         insert into orders values ('2024-01','north',3,10.0),('2024-01','north',2,20.0),
           ('2024-02','north',1,7.5),('2024-01','south',1,5.0),('2024-02','south',2,12.0),
           ('2024-03','south',1,8.0);",
    )
    .unwrap();
}

/// Copies the folder `from` into `to`, leaving out entries named in `skip`.
pub fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().map(Result::unwrap) {
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target, skip);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of examples/quickstart without its outputs.
pub fn quickstart_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    copy_dir(&example, dir.path(), &["target", "dist"]);
    dir
}

/// Runs `git` in `dir` as a throwaway identity, on branch `main`; panics with git's stderr when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
