//! Inputs (docs/interactivity.md): `visivo run` computes every state of every trace that
//! references an input, each exactly what the trace's SQL returns for those values (checked
//! against the same SQL run straight in SQLite), values with quotes and commas stay data, and
//! every mistake is a located error.

use crate::common::{copy_dir, TestProject};
use serde_json::{json, Value};
use std::path::Path;

fn example() -> TestProject {
    let project = TestProject {
        dir: tempfile::tempdir().unwrap(),
    };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/interactive");
    copy_dir(&example, project.path(), &["target", "dist"]);
    project
}

fn states(project: &TestProject, trace: &str) -> Value {
    let path = project.target().join(trace).join("states.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `month → value` of the one cohort of a state's data (`{}` when no row matched).
fn by_month(data: &Value) -> Vec<(String, f64)> {
    let Some(cohort) = data.as_object().and_then(|d| d.values().next()) else {
        return Vec::new();
    };
    let xs = cohort["props.x"].as_array().unwrap();
    let ys = cohort["props.y"].as_array().unwrap();
    xs.iter()
        .zip(ys)
        .map(|(x, y)| (x.as_str().unwrap().to_string(), y.as_f64().unwrap()))
        .collect()
}

fn sqlite_by_month(db: &Path, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Vec<(String, f64)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut statement = c.prepare(sql).unwrap();
    statement
        .query_map(params, |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn close(a: &[(String, f64)], b: &[(String, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((m1, v1), (m2, v2))| m1 == m2 && (v1 - v2).abs() < 1e-6)
}

#[test]
fn every_state_is_what_the_sql_returns() {
    let project = example();
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let db = project.path().join("sales.db");

    let inputs: Value = serde_json::from_str(
        &std::fs::read_to_string(project.target().join("inputs.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        inputs["region"]["options"],
        json!(["East", "North", "South", "West"])
    );
    assert_eq!(inputs["price"]["options"], json!([0, 250, 500, 750, 1000]));

    // 4 regions × 8 product subsets; the default (North, all products) first and as data.json.
    let monthly = states(&project, "monthly revenue");
    assert_eq!(monthly["inputs"], json!(["region", "products"]));
    let all = monthly["states"].as_array().unwrap();
    assert_eq!(all.len(), 32);
    assert_eq!(
        all[0]["values"],
        json!({"region": "North", "products": ["Alpha", "Beta", "Gamma"]})
    );
    assert_eq!(all[0]["data"], project.data("monthly revenue"));
    for state in all {
        let region = state["values"]["region"].as_str().unwrap();
        let products: Vec<String> = state["values"]["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        let list = products
            .iter()
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "select month, sum(amount) from sales where region = ?1 and product in ({}) group by month order by month",
            if list.is_empty() { "NULL".to_string() } else { list }
        );
        let expected = sqlite_by_month(&db, &sql, &[&region]);
        assert!(close(&by_month(&state["data"]), &expected), "{state}");
    }

    // avg is never an average of averages: each (start, end) is its own query.
    let prices = states(&project, "average price");
    let all = prices["states"].as_array().unwrap();
    assert_eq!(all.len(), 4 * 15);
    for state in all {
        let region = state["values"]["region"].as_str().unwrap();
        let range = state["values"]["price"].as_array().unwrap();
        let (low, high) = (range[0].as_i64().unwrap(), range[1].as_i64().unwrap());
        let expected = sqlite_by_month(
            &db,
            "select month, avg(price) from sales where region = ?1 and price between ?2 and ?3 group by month order by month",
            &[&region, &low, &high],
        );
        assert!(close(&by_month(&state["data"]), &expected), "{state}");
    }

    // count(DISTINCT …) per region: the run groups by region once, each group is exact.
    let customers = states(&project, "customers");
    assert_eq!(customers["states"].as_array().unwrap().len(), 4);
    for state in customers["states"].as_array().unwrap() {
        let region = state["values"]["region"].as_str().unwrap();
        let expected = sqlite_by_month(
            &db,
            "select month, count(distinct customer) from sales where region = ?1 group by month order by month",
            &[&region],
        );
        assert!(close(&by_month(&state["data"]), &expected), "{state}");
    }

    // avg under a multi-select: the run groups by product once and carries each avg as a sum
    // and a count, so a selection's average is over its rows, never an average of averages.
    let prices = states(&project, "product prices");
    assert_eq!(prices["states"].as_array().unwrap().len(), 8);
    for state in prices["states"].as_array().unwrap() {
        let products: Vec<String> = state["values"]["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("'{}'", p.as_str().unwrap()))
            .collect();
        let list = if products.is_empty() {
            "NULL".to_string()
        } else {
            products.join(",")
        };
        let sql = format!("select month, avg(price) from sales where product in ({list}) group by month order by month");
        let expected = sqlite_by_month(&db, &sql, &[]);
        assert!(close(&by_month(&state["data"]), &expected), "{state}");
        let cohort = state["data"].as_object().unwrap().values().next();
        assert!(cohort.is_none_or(|c| c.as_object().unwrap().keys().all(|k| !k.contains("__avg"))));
    }

    // The options query's SQL and the model's rows stay out of what the viewer reads.
    let project_json = std::fs::read_to_string(project.target().join("project.json")).unwrap();
    assert!(!project_json.contains("SELECT DISTINCT"), "{project_json}");
    assert!(!project_json.contains("customer-"));
}

const QUOTES: &str = r#"
sources: [{name: db, type: sqlite, database: t.db}]
models: [{name: m, source: ref(db), sql: select * from t}]
inputs:
  - name: who
    type: single-select
    options: ["O'Brien", "a,b", "back\\slash"]
  - name: many
    type: multi-select
    options: ["O'Brien", "a,b"]
traces:
  - name: picked
    model: ref(m)
    props: {type: bar, x: "?{name}", y: "?{count(*)}"}
    filters: ["?{name = ${ref(who).value}}"]
  - name: several
    model: ref(m)
    props: {type: bar, x: "?{name}", y: "?{count(*)}"}
    filters: ["?{name IN (${ref(many).values})}"]
    order_by: ["?{name}"]
"#;

#[test]
fn values_with_quotes_commas_and_backslashes_are_data() {
    let project = TestProject::new(QUOTES);
    let c = rusqlite::Connection::open(project.path().join("t.db")).unwrap();
    c.execute_batch(
        r#"create table t (name text);
           insert into t values ('O''Brien'), ('a,b'), ('a,b'), ('back\slash'), ('other'), (NULL);"#,
    )
    .unwrap();
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let picked = states(&project, "picked");
    let counts: Vec<(Value, Value)> = picked["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let cohort = s["data"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap()
                .clone();
            (s["values"]["who"].clone(), cohort["props.y"][0].clone())
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            (json!("O'Brien"), json!(1)),
            (json!("a,b"), json!(2)),
            (json!("back\\slash"), json!(1))
        ]
    );
    let several = states(&project, "several");
    let none = several["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["values"]["many"] == json!([]))
        .unwrap();
    assert_eq!(none["data"], json!({}), "nothing selected matches no row");
}

fn errors_of(yaml: &str) -> String {
    let project = TestProject::new(yaml);
    let run = project.visivo(&["compile"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    run.stderr
}

const BASE: &str = r#"
sources: [{name: db, type: sqlite, database: t.db}]
models: [{name: sales, source: ref(db), sql: select * from t}]
dashboards: [{name: D, rows: [{items: [{input: ref(region)}]}]}]
"#;

#[test]
fn mistakes_are_located_errors() {
    let cases = [
        (
            "inputs: [{name: region, type: single-select, options: [a, b]}]\ntraces: [{name: t, model: ref(sales), props: {type: bar, x: \"?{x}\"}, filters: [\"?{r = ${ref(regon).value}}\"]}]",
            "`${ref(regon).value}` names no input",
            "did you mean `region`?",
        ),
        (
            "inputs: [{name: region, type: single-select, options: [a, b]}]\ntraces: [{name: t, model: ref(sales), props: {type: bar, x: \"?{x}\"}, filters: [\"?{r IN (${ref(region).values})}\"]}]",
            "`.values` doesn't fit input 'region', a single-select: it takes `.value`",
            "project.visivo.yml:",
        ),
        (
            "inputs: [{name: region, type: single-select, options: \"?{ SELECT DISTINCT r FROM t }\"}]",
            "the options query names no model",
            "inputs[0] \"region\"",
        ),
        (
            "inputs: [{name: region, type: single-select, options: \"?{ SELECT r FROM ${ref(sales)} JOIN ${ref(other)} }\"}]",
            "the options query names 2 models (sales, other)",
            "project.visivo.yml:",
        ),
        (
            "inputs: [{name: region, type: single-select, options: [a, b], display: {default: {value: c}}}]",
            "the default value 'c' is not one of the options (a, b)",
            "display.default",
        ),
        (
            "inputs: [{name: region, type: single-select, options: [a, b]}]\ncharts: [{name: c, traces: [], on_click: {set: {regio: x}, dashboard: ref(Nope)}}]",
            "regio",
            "Nope",
        ),
        (
            "inputs: [{name: region, type: single-select, options: [a, b]}]\ncharts: [{name: c, traces: [], on_click: {set: {region: colour}}}]",
            "a clicked point gives x, y, text, customdata, cohort; not `colour`",
            "on_click",
        ),
        (
            "inputs: [{name: region, type: multi-select, range: {start: 10, end: 0}}]",
            "a range's end must not be before its start",
            "range",
        ),
    ];
    for (extra, first, second) in cases {
        let stderr = errors_of(&format!("{BASE}{extra}\n"));
        assert!(stderr.contains(first), "expected {first:?} in:\n{stderr}");
        assert!(stderr.contains(second), "expected {second:?} in:\n{stderr}");
    }
}

const TOO_MANY: &str = r#"
sources: [{name: db, type: sqlite, database: t.db}]
models: [{name: sales, source: ref(db), sql: select * from t}]
inputs:
  - name: letters
    type: multi-select
    options: [a, b, c, d, e, f, g, h, i]
traces:
  - name: t
    model: ref(sales)
    props: {type: bar, x: "?{x}", y: "?{count(*)}"}
    filters:
      - "?{x IN (${ref(letters).values})}"
"#;

#[test]
fn more_states_than_the_budget_fail_compile_unless_raised() {
    let project = TestProject::new(TOO_MANY);
    let run = project.visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    run.assert_stderr_has(
        "trace 't' depends on input letters, which together have 512 states: more than --max-input-states (256)",
    );
    run.assert_stderr_has("project.visivo.yml:12");
    let raised = project.visivo(&["compile", "--max-input-states", "512"]);
    assert_eq!(raised.code, 0, "{}", raised.stderr);
}

/// On MariaDB (whose string literals read backslash escapes) and PostgreSQL, the options' quotes,
/// commas and backslashes reach the database as data: each state counts the right rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_are_data_on_mariadb_and_postgresql() {
    use visivo_engine::source::mysql::MysqlSource;
    use visivo_engine::source::postgres::PostgresSource;
    use visivo_engine::source::Connector;
    let connection = |engine: &str, port: u16| {
        json!({"name": "setup", "type": engine, "host": "127.0.0.1", "port": port,
               "username": "visivo", "password": "visivo_pw", "database": "visivo_test"})
    };
    let setup = [
        "drop table if exists visivo_inputs_names",
        "create table visivo_inputs_names (name varchar(40))",
        r"insert into visivo_inputs_names values ('O''Brien'), ('a,b'), ('a,b'), ('back\slash'), ('other'), (NULL)",
    ];
    let mysql: visivo_project::Source = serde_json::from_value(connection("mysql", 3306)).unwrap();
    let mysql = MysqlSource::new(&mysql).unwrap();
    let pg: visivo_project::Source =
        serde_json::from_value(connection("postgresql", 5432)).unwrap();
    let pg = PostgresSource::new(&pg).unwrap();
    // MariaDB reads `\s` in a literal as `s`: its backslash is written doubled.
    let connectors: [(&dyn Connector, bool); 2] = [(&mysql, true), (&pg, false)];
    for (connector, doubles_backslashes) in connectors {
        for sql in setup {
            let sql = match doubles_backslashes {
                true => sql.replace('\\', "\\\\"),
                false => sql.to_string(),
            };
            connector
                .query(&sql)
                .await
                .unwrap_or_else(|e| panic!("{e}\n(run .ci/services.sh)"));
        }
    }
    for (engine, port) in [("mysql", 3306), ("postgresql", 5432)] {
        let project = TestProject::new(&format!(
            r#"
sources: [{{name: db, type: {engine}, host: 127.0.0.1, port: {port}, username: visivo, password: visivo_pw, database: visivo_test}}]
models: [{{name: m, source: ref(db), sql: select * from visivo_inputs_names}}]
inputs:
  - name: many
    type: multi-select
    options: ["O'Brien", "a,b", "back\\slash"]
traces:
  - name: several
    model: ref(m)
    props: {{type: bar, x: "?{{name}}", y: "?{{count(DISTINCT name)}}"}}
    filters: ["?{{name IN (${{ref(many).values}})}}"]
    order_by: ["?{{name}}"]
"#
        ));
        let run = project.visivo(&["run"]);
        assert_eq!(run.code, 0, "{engine}: {}\n{}", run.stdout, run.stderr);
        let several = states(&project, "several");
        let states = several["states"].as_array().unwrap();
        assert_eq!(states.len(), 8);
        for state in states {
            let picked = state["values"]["many"].as_array().unwrap();
            let rows: i64 = state["data"]
                .as_object()
                .unwrap()
                .values()
                .flat_map(|cohort| cohort["props.y"].as_array().unwrap().clone())
                .map(|n| n.as_i64().unwrap())
                .sum();
            // count(DISTINCT …) doesn't combine: each selection is its own query, the values
            // written as literals.
            let expected = picked.len() as i64;
            assert_eq!(rows, expected, "{engine}: {state}");
        }
    }
}

/// A trace that stops referencing inputs loses its states.json, which the viewer would otherwise
/// still show.
#[test]
fn a_trace_without_inputs_any_more_has_no_states() {
    let project = example();
    assert_eq!(project.visivo(&["run"]).code, 0);
    let states = project.target().join("customers").join("states.json");
    assert!(states.is_file());
    let yaml = std::fs::read_to_string(project.path().join("project.visivo.yml")).unwrap();
    let without = yaml.replacen(
        "y: \"?{count(DISTINCT customer)}\"}\n    filters:\n      - ?{region = ${ref(region).value}}\n",
        "y: \"?{count(DISTINCT customer)}\"}\n",
        1,
    );
    assert_ne!(
        without, yaml,
        "the customers trace's filter is where the test expects it"
    );
    project.write("project.visivo.yml", &without);
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!states.exists());
}

/// An options query returning more values than a control can offer fails its job with the count,
/// instead of publishing them all in inputs.json; traces reading the input are skipped.
#[test]
fn an_options_query_with_too_many_values_fails_its_job() {
    let project = TestProject::new(
        r#"
sources: [{name: db, type: sqlite, database: numbers.db}]
models:
  - name: numbers
    sql: WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10001) SELECT x FROM n
    source: ref(db)
inputs:
  - name: pick
    type: single-select
    options: ?{ SELECT x FROM ${ref(numbers)} }
traces:
  - name: picked
    model: ref(numbers)
    props: {type: bar, y: "?{count(*)}"}
    filters: ["?{x = ${ref(pick).value}}"]
"#,
    );
    rusqlite::Connection::open(project.path().join("numbers.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("input pick")
            && all.contains("its options query returned 10001 distinct values, more than the 10000 a control offers"),
        "{all}"
    );
    assert!(
        !project.target().join("inputs.json").exists() || {
            let text = std::fs::read_to_string(project.target().join("inputs.json")).unwrap();
            !text.contains("10001")
        }
    );
}
