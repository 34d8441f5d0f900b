//! Loading project files: nesting, aliases, names and the messages about them.

use crate::common::{Run, TestProject};
use std::process::Command;
use std::time::{Duration, Instant};

/// `visivo compile` with its address space capped at `memory_mb`, stopped after a minute.
fn compile_bounded(p: &TestProject, memory_mb: u64) -> (Run, Duration) {
    let started = Instant::now();
    let output = Command::new("sh")
        .args([
            "-c",
            &format!(
                "ulimit -v {} && exec timeout -s KILL 60 \"$0\" compile",
                memory_mb * 1024
            ),
            env!("CARGO_BIN_EXE_visivo"),
        ])
        .current_dir(p.path())
        .env("CI", "true")
        .env("HOME", p.path())
        .output()
        .expect("run visivo");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (run, started.elapsed())
}

#[test]
fn deep_nesting_is_a_located_error_not_a_stack_overflow() {
    let p = TestProject::new(&format!("layout:\n  a:\n    {}x\n", "- ".repeat(20_000)));
    let (run, _) = compile_bounded(&p, 1024);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("nest more than 64 levels");
    run.assert_stderr_has("project.visivo.yml:3:");
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
    run.assert_stderr_has("aliases expand");
    run.assert_stderr_has("project.visivo.yml:");
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn a_mapping_with_many_keys_loads_in_linear_time() {
    let keys: String = (0..100_000).map(|i| format!("  k{i}: 1\n")).collect();
    let p = TestProject::new(&format!("name: wide\nlayout:\n{keys}"));
    let (run, elapsed) = compile_bounded(&p, 1024);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("unknown top-level key `layout`");
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

#[test]
fn allowed_fields_are_listed_plainly() {
    let p = TestProject::new(
        "dashboards:\n  - name: d\n    rows:\n      - items: []\n        colour: red\n",
    );
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("help: allowed fields: name, height, items\n");
}

#[test]
fn every_unknown_field_of_an_object_is_reported() {
    let p = TestProject::new(
        "traces:\n  - name: t\n    model: {sql: select 1, source: {type: sqlite, database: x.db}}\n    bogus_one: 1\n    props: {type: bar}\n    bogus_two: 2\n",
    );
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (field, line) in [("bogus_one", 4), ("bogus_two", 6)] {
        assert!(
            run.stderr.contains(&format!("unknown field `{field}`")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("project.visivo.yml:{line}:5")),
            "{}",
            run.stderr
        );
    }
    run.assert_stderr_has("2 errors in the project");
}

#[test]
fn names_that_collide_with_outputs_are_refused() {
    for (trace, why) in [
        ("project.json", "is a file Visivo writes"),
        ("csvm.sqlite", "model 'csvm' is written to"),
        (".visivo-state.json", "may not start with `.`"),
    ] {
        let p = TestProject::new(&format!(
            r#"
models:
  - name: csvm
    args: ["printf", "a,b\n1,2\n"]
traces:
  - name: "{trace}"
    model: ref(csvm)
    props: {{type: bar, x: query(a), y: query(b)}}
"#
        ));
        let run = p.visivo(&["compile"]);
        assert_eq!(run.code, 1, "{trace}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "the trace name '{trace}' can't be used as a file name"
            )),
            "{}",
            run.stderr
        );
        run.assert_stderr_has(why);
        run.assert_stderr_has("project.visivo.yml:6:");
    }
}

#[test]
fn an_excerpt_of_a_huge_line_is_cut_after_the_underlined_part() {
    let p = TestProject::new(&format!("layout:\n  a:\n    {}x\n", "- ".repeat(20_000)));
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("3 │     - - -");
    run.assert_stderr_has("…");
    assert!(
        run.stderr.len() < 2_000,
        "{} bytes:\n{}",
        run.stderr.len(),
        &run.stderr[..2_000]
    );
}
