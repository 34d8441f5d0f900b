//! `visivo run` end to end: data.json contents, failures that don't stop the others, and
//! incremental re-use.

use crate::common::{orders_db, TestProject};
use serde_json::json;

const PROJECT: &str = r#"
defaults: {source_name: db}
sources:
  - {name: db, type: sqlite, database: shop.db}
models:
  - {name: orders, sql: select * from orders}
  - name: goals
    table_name: goals
    args: ["printf", "month,goal\n2024-01,30\n2024-02,25\n2024-03,20\n"]
  - name: orders_vs_goal
    models: [ref(orders), ref(goals)]
    sql: select o.month, sum(o.amount) as revenue, g.goal from orders.model o join goals.goals g on o.month = g.month group by o.month, g.goal
traces:
  - name: revenue_by_month
    model: ref(orders)
    cohort_on: region
    props:
      type: bar
      x: query(month)
      y: query(sum(amount))
      marker: {color: "query(case when sum(amount) > 15 then 'green' else 'grey' end)"}
    filters: ["query(units > 0)", "query(sum(amount) > 1)"]
    order_by: ["query(month asc)"]
  - name: units_kpi
    model: ref(orders)
    columns: {total_units: sum(units)}
    props: {type: indicator, mode: number, value: "column(total_units)[0]"}
  - name: goal_line
    model: ref(orders_vs_goal)
    props: {type: scatter, x: query(month), y: query(goal), customdata: [query(revenue)]}
    order_by: [query(month)]
"#;

fn shop() -> TestProject {
    let p = TestProject::new(PROJECT);
    orders_db(&p.path().join("shop.db"));
    p
}

#[test]
fn worked_examples_produce_the_spec_data() {
    let p = shop();
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        p.data("revenue_by_month"),
        json!({"north":{"props.x":["2024-01","2024-02"],"props.y":[30.0,7.5],"props.marker.color":["green","grey"]},
               "south":{"props.x":["2024-01","2024-02","2024-03"],"props.y":[5.0,12.0,8.0],"props.marker.color":["grey","grey","grey"]}})
    );
    assert_eq!(
        p.data("units_kpi"),
        json!({"units_kpi":{"columns.total_units":[10]}})
    );
    assert_eq!(
        p.data("goal_line"),
        json!({"goal_line":{"props.x":["2024-01","2024-02","2024-03"],"props.y":[30,25,20],"props.customdata.0":[35.0,19.5,8.0]}})
    );
    assert!(run.stdout.contains("Run finished"), "{}", run.stdout);
}

#[test]
fn a_bad_query_does_not_stop_the_others_and_keeps_old_data() {
    let p = shop();
    assert_eq!(p.visivo(&["run"]).code, 0);
    let good_before = p.data("revenue_by_month");
    let broken = PROJECT.replace("query(sum(amount))", "query(sum(amt))");
    p.write("project.visivo.yml", &broken);
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("Failed query for trace revenue_by_month"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("query: target/revenue_by_month/query.sql"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no such column: amt"), "{}", run.stdout);
    assert!(run.stdout.contains("Run failed"), "{}", run.stdout);
    assert_eq!(
        p.data("revenue_by_month"),
        good_before,
        "previous data.json must survive"
    );
    assert!(p.target().join("revenue_by_month/error.json").exists());
    assert_eq!(
        p.data("units_kpi"),
        json!({"units_kpi":{"columns.total_units":[10]}})
    );
}

#[test]
fn script_failures_skip_their_dependants() {
    for (args, message) in [
        (
            r#"["sh", "-c", "echo broken pipe >&2; exit 1"]"#,
            "broken pipe",
        ),
        (
            r#"["printf", "a,b\n1,2,3\n"]"#,
            "Error parsing csv output of goals model's command",
        ),
        (
            r#"["no-such-program-xyz"]"#,
            "cannot start `no-such-program-xyz`",
        ),
    ] {
        let p = shop();
        let project = PROJECT.replace(
            r#"["printf", "month,goal\n2024-01,30\n2024-02,25\n2024-03,20\n"]"#,
            args,
        );
        p.write("project.visivo.yml", &project);
        let run = p.visivo(&["run"]);
        assert_eq!(run.code, 1);
        assert!(run.stdout.contains(message), "{message} in {}", run.stdout);
        assert!(
            run.stdout.contains("skipped because model 'goals' failed"),
            "{}",
            run.stdout
        );
        assert_eq!(
            p.data("units_kpi"),
            json!({"units_kpi":{"columns.total_units":[10]}})
        );
    }
}

#[test]
fn hanging_scripts_time_out() {
    let p = shop();
    let project = PROJECT
        .replace(
            r#"    table_name: goals"#,
            "    table_name: goals\n    timeout: 1",
        )
        .replace(
            r#"["printf", "month,goal\n2024-01,30\n2024-02,25\n2024-03,20\n"]"#,
            r#"["sleep", "60"]"#,
        );
    p.write("project.visivo.yml", &project);
    let started = std::time::Instant::now();
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("timed out after 1s"), "{}", run.stdout);
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn a_missing_database_file_is_an_error_not_an_empty_database() {
    let p = TestProject::new(PROJECT);
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("shop.db does not exist"),
        "{}",
        run.stdout
    );
    assert!(!p.path().join("shop.db").exists());
}

#[test]
fn second_run_reuses_results_until_something_changes() {
    let p = shop();
    assert_eq!(p.visivo(&["run"]).code, 0);
    let again = p.visivo(&["run"]);
    assert!(
        again.stdout.contains("0 succeeded, 6 up to date"),
        "{}",
        again.stdout
    );
    let full = p.visivo(&["run", "--full-refresh"]);
    assert!(
        full.stdout.contains("6 succeeded, 0 up to date"),
        "{}",
        full.stdout
    );
    p.write(
        "project.visivo.yml",
        &PROJECT.replace("sum(units)", "max(units)"),
    );
    let changed = p.visivo(&["run"]);
    assert!(
        changed.stdout.contains("1 succeeded, 5 up to date"),
        "{}",
        changed.stdout
    );
    assert_eq!(
        p.data("units_kpi"),
        json!({"units_kpi":{"columns.total_units":[3]}})
    );
}

#[test]
fn name_filter_runs_only_the_connected_traces() {
    let p = shop();
    let run = p.visivo(&["run", "-nf", "goals"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(p.target().join("goal_line/data.json").exists());
    assert!(!p.target().join("units_kpi").exists());
    let run = p.visivo(&["run", "-nf", "nothing-called-this"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("No item found with name: 'nothing-called-this'."),
        "{}",
        run.stderr
    );
}

#[test]
fn a_run_killed_midway_leaves_the_previous_data_intact() {
    let p = shop();
    assert_eq!(p.visivo(&["run"]).code, 0);
    let before = std::fs::read_to_string(p.target().join("goal_line/data.json")).unwrap();
    let slow = PROJECT.replace(
        r#"["printf", "month,goal\n2024-01,30\n2024-02,25\n2024-03,20\n"]"#,
        r#"["sh", "-c", "printf 'month,goal\n2024-01,1\n'; sleep 30"]"#,
    );
    p.write("project.visivo.yml", &slow);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(["run", "--full-refresh"])
        .current_dir(p.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(p.target().join("goal_line/data.json")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(p.target())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(
        leftovers.len() <= 1,
        "at most the killed job's own temp file: {leftovers:?}"
    );
    assert!(
        p.target().join("goals.sqlite").exists(),
        "the old CSV model output survives"
    );
}

#[test]
fn aggregate_groups_rows_by_cohort() {
    let p = TestProject::new("name: x\n");
    p.write("rows.json", r#"[{"cohort_on":"b","props.x":1},{"cohort_on":"a","props.x":2.5},{"cohort_on":"b","props.x":3}]"#);
    std::fs::create_dir_all(p.target()).unwrap();
    let run = p.visivo(&["aggregate", "-j", "rows.json", "-o", "target"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(p.target().join("data.json")).unwrap();
    assert_eq!(text, r#"{"a":{"props.x":[2.5]},"b":{"props.x":[1.0,3.0]}}"#);
}

#[test]
fn merges_of_merges_across_two_source_files() {
    let p = TestProject::new(
        r#"
sources:
  - {name: shop, type: sqlite, database: shop.db}
  - {name: hr, type: sqlite, database: hr.db}
models:
  - {name: orders, sql: select * from orders, source: ref(shop)}
  - {name: staff, sql: select * from staff, source: ref(hr)}
  - name: per_region
    models: [ref(orders), ref(staff)]
    sql: select o.region, sum(o.amount) as amount, s.people from orders.model o join staff.model s on o.region = s.region group by o.region, s.people
  - name: goals
    args: ["printf", "region,goal\nnorth,50\nsouth,20\n"]
  - name: scored
    models: [ref(per_region), ref(goals)]
    sql: select p.region, p.amount / p.people as per_person, g.goal from per_region.model p join goals.model g on p.region = g.region
traces:
  - name: per_person
    model: ref(scored)
    props: {type: bar, x: query(region), y: query(per_person), customdata: [query(goal)]}
    order_by: [query(region)]
"#,
    );
    orders_db(&p.path().join("shop.db"));
    let hr = rusqlite::Connection::open(p.path().join("hr.db")).unwrap();
    hr.execute_batch("create table staff (region text, people integer); insert into staff values ('north', 2), ('south', 5);").unwrap();
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        p.data("per_person"),
        json!({"per_person":{"props.x":["north","south"],"props.y":[18.75,5.0],"props.customdata.0":[50,20]}})
    );
}

#[test]
fn sqlite_query_timeout_stops_a_runaway_query() {
    let p = TestProject::new(
        r#"
sources:
  - {name: db, type: sqlite, database: shop.db, query_timeout: 1}
models:
  - name: forever
    source: ref(db)
    sql: with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) as c from n
traces:
  - {name: slow, model: ref(forever), props: {type: bar, x: query(c)}}
"#,
    );
    orders_db(&p.path().join("shop.db"));
    let started = std::time::Instant::now();
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("Query on source 'db' timed out after 1 s (query_timeout) and was cancelled"),
        "{}",
        run.stdout
    );
    assert!(started.elapsed().as_secs() < 20);
}
