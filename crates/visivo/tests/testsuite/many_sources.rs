//! examples/many-sources against the real PostgreSQL and MariaDB of this machine (created by
//! .ci/services.sh; the example's setup.sh creates its tables): one local merge joins
//! PostgreSQL, MariaDB and SQLite data, and one chart holds traces from two databases.

use std::path::Path;
use std::process::Command;

#[test]
fn many_sources_example_runs() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/many-sources");
    let setup = Command::new("bash")
        .arg(example.join("setup.sh"))
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "setup.sh: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(["run", "--full-refresh", "-o"])
        .arg(out.path())
        .current_dir(&example)
        .env("CI", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        !stdout.contains("visivo_pw"),
        "the password must never be printed"
    );
    let data = |trace: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(out.path().join(trace).join("data.json")).unwrap(),
        )
        .unwrap()
    };
    let scorecard = &data("scorecard")["scorecard"];
    assert_eq!(
        scorecard["columns.region"],
        serde_json::json!(["east", "north", "south"])
    );
    assert_eq!(
        scorecard["columns.manager"],
        serde_json::json!(["Linus", "Ada", "Grace"])
    );
    let revenue: f64 = scorecard["columns.revenue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((revenue - 16380.0).abs() < 1e-6, "{revenue}");
    assert_eq!(
        data("daily_revenue")["daily_revenue"]["props.x"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    assert_eq!(
        data("daily_visits")["daily_visits"]["props.x"][0],
        "2024-01-01"
    );
    assert_eq!(
        data("campaign_days")["campaign_days"]["props.text"][1],
        "Winter promo"
    );
}
