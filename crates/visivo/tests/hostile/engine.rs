//! Running jobs under faults: scripts that misbehave, sources that never answer, a run that is
//! interrupted, databases whose messages or values must pass through unchanged.

use crate::common::TestProject;
use std::time::{Duration, Instant};

fn csv_project(args: &str, timeout: u64) -> TestProject {
    TestProject::new(&format!(
        r#"
models:
  - name: script
    args: {args}
    timeout: {timeout}
traces:
  - name: t
    model: ref(script)
    props: {{type: bar, x: query(a), y: query(b)}}
"#
    ))
}

#[test]
fn a_script_with_broken_csv_does_not_outlive_its_timeout() {
    let p = csv_project(r#"["sh", "-c", "printf 'a,b\n1,2,3\n'; sleep 41"]"#, 3);
    let started = Instant::now();
    let run = p.visivo(&["run"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Error parsing csv output of script"),
        "{}",
        run.stdout
    );
}
