//! `visivo run` with a DuckDB source next to a SQLite one, the traces on one chart. With the
//! `duckdb` feature the DuckDB trace reads the project's CSV file through DuckDB's `read_csv`
//! (run from another directory: relative names are the project's); without it,
//! that trace fails with a message saying how to get the feature, and the SQLite trace is
//! still written.

use crate::common::{orders_db, TestProject};

const PROJECT: &str = r#"
sources:
  - name: shop
    type: sqlite
    database: shop.db
  - name: ducks
    type: duckdb
    database: ":memory:"
models:
  - name: orders
    source: ref(shop)
    sql: select * from orders
  - name: visits
    source: ref(ducks)
    sql: select * from read_csv('visits.csv')
traces:
  - name: revenue
    model: ref(orders)
    props: {type: bar, x: query(month), y: query(sum(amount))}
    order_by: [query(month)]
  - name: visits_by_region
    model: ref(visits)
    cohort_on: region
    props: {type: scatter, x: query(day), y: query(sum(visits))}
    order_by: [query(day)]
charts:
  - name: revenue_and_visits
    traces: [ref(revenue), ref(visits_by_region)]
"#;

fn project() -> TestProject {
    let project = TestProject::new(PROJECT);
    orders_db(&project.path().join("shop.db"));
    project.write(
        "visits.csv",
        "day,region,visits\n2024-01-01,north,3\n2024-01-01,south,5\n2024-01-02,north,4\n",
    );
    project
}

#[cfg(feature = "duckdb")]
#[test]
fn duckdb_and_sqlite_traces_run_together() {
    let project = project();
    // From another directory: relative file names in DuckDB SQL are the project's.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .arg("run")
        .arg("-w")
        .arg(project.path())
        .arg("-o")
        .arg(project.target())
        .current_dir(project.path().parent().unwrap())
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let visits = project.data("visits_by_region");
    assert_eq!(
        visits["north"]["props.x"],
        serde_json::json!(["2024-01-01", "2024-01-02"])
    );
    assert_eq!(visits["north"]["props.y"], serde_json::json!([3, 4]));
    assert_eq!(visits["south"]["props.y"], serde_json::json!([5]));
    assert!(project.target().join("revenue/data.json").is_file());
}

#[cfg(not(feature = "duckdb"))]
#[test]
fn without_the_feature_the_duckdb_trace_fails_and_the_others_are_written() {
    let project = project();
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(
        output.contains("DuckDB support is not compiled into this build"),
        "{output}"
    );
    assert!(project.target().join("revenue/data.json").is_file());
    assert!(!project.target().join("visits_by_region/data.json").exists());
}

/// The default build links the prebuilt libduckdb, copied beside the binary: the two moved
/// together to another directory still run a DuckDB project, with nothing of cargo's
/// environment (no `LD_LIBRARY_PATH`).
#[cfg(all(feature = "duckdb", target_os = "linux"))]
#[test]
fn the_binary_finds_libduckdb_beside_itself() {
    let project = project();
    let built = std::path::Path::new(env!("CARGO_BIN_EXE_visivo"));
    let library = built.with_file_name("libduckdb.so");
    if !library.is_file() {
        // Built against a library of the user's own (DUCKDB_LIB_DIR) or from source.
        return;
    }
    let moved = tempfile::tempdir().unwrap();
    std::fs::copy(built, moved.path().join("visivo")).unwrap();
    std::fs::copy(&library, moved.path().join("libduckdb.so")).unwrap();
    let run = std::process::Command::new(moved.path().join("visivo"))
        .args(["run", "-w"])
        .arg(project.path())
        .arg("-o")
        .arg(project.target())
        .env_clear()
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(project
        .target()
        .join("visits_by_region/data.json")
        .is_file());
}
