//! Loading project files: nesting, aliases, names and the messages about them.

use crate::common::{Run, TestProject};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `visivo compile` with its address space capped at `memory_mb`, killed after a minute.
fn compile_bounded(p: &TestProject, memory_mb: u64) -> (Run, Duration) {
    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -v {} && exec \"$0\" compile", memory_mb * 1024),
            env!("CARGO_BIN_EXE_visivo"),
        ])
        .current_dir(p.path())
        .env("CI", "true")
        .env("HOME", p.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run visivo");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().expect("output");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (run, elapsed)
}

#[test]
fn deep_nesting_is_a_located_error_not_a_stack_overflow() {
    let p = TestProject::new(&format!("layout:\n  a:\n    {}x\n", "- ".repeat(20_000)));
    let (run, _) = compile_bounded(&p, 1024);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("nest more than 64 levels"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("project.visivo.yml:3:"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_alias_bomb_is_a_located_error_in_bounded_memory() {
    let mut bomb = String::from("l0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let aliases = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("l{i}: &a{i} [{aliases}]\n"));
    }
    let p = TestProject::new(&bomb);
    let (run, elapsed) = compile_bounded(&p, 1024);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("aliases expand"), "{}", run.stderr);
    assert!(run.stderr.contains("project.visivo.yml:"), "{}", run.stderr);
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn a_mapping_with_many_keys_loads_in_linear_time() {
    let keys: String = (0..100_000).map(|i| format!("  k{i}: 1\n")).collect();
    let p = TestProject::new(&format!("name: wide\nlayout:\n{keys}"));
    let (run, elapsed) = compile_bounded(&p, 1024);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown top-level key `layout`"),
        "{}",
        run.stderr
    );
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}

#[test]
fn the_caret_underlines_the_whole_value() {
    let p =
        TestProject::new("charts:\n  - name: c\n    traces: [ref(All Time Trace), ref(Other)]\n");
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains('^'))
        .unwrap_or_else(|| panic!("no caret in {}", run.stderr));
    let carets = line.trim_start_matches(|c| c != '^').trim_end();
    assert_eq!(
        carets,
        "^".repeat("ref(All Time Trace)".len()),
        "{}",
        run.stderr
    );
}
