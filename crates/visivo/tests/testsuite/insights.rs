//! Insights end to end (issue 14): `visivo run`, `test` and `dist` on a copy of
//! examples/insights, with every number checked against the SQL by hand; one joined insight
//! (metrics, a dimension, a split, WHERE and HAVING filters, a `left` relation) giving the same
//! data on SQLite, PostgreSQL, MariaDB and DuckDB; and the insight mistakes as located errors.

use crate::common::{copy_dir, Run, TestProject};
use serde_json::{json, Value};
use std::path::Path;

/// A copy of examples/insights without its outputs.
fn example() -> TestProject {
    let project = TestProject {
        dir: tempfile::tempdir().unwrap(),
    };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insights");
    copy_dir(&example, project.path(), &["target", "dist"]);
    project
}

fn output(run: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

fn run_ok(project: &TestProject) {
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}", output(&run));
}

/// Asserts `actual` is `expected`, numbers to 1e-9 (the databases add floats in their own
/// order), objects whatever their key order.
fn assert_close(actual: &Value, expected: &Value) {
    assert!(
        close(actual, expected),
        "expected {expected}\n     got {actual}"
    );
}

fn close(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            (a.as_f64().unwrap() - e.as_f64().unwrap()).abs() < 1e-9
        }
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(a, e)| close(a, e))
        }
        (Value::Object(a), Value::Object(e)) => {
            a.len() == e.len() && e.iter().all(|(k, e)| a.get(k).is_some_and(|a| close(a, e)))
        }
        _ => actual == expected,
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

// --- (a) the example's data --------------------------------------------------------------------

/// Worked out by hand from examples/insights/shop.db (sales: 12 rows, one without a region;
/// regions: north Ada, south Ben, east Cy).
#[test]
fn the_example_runs_and_each_insight_has_the_numbers_of_its_sql() {
    let project = example();
    run_ok(&project);
    // sum(amount) per region (NULL region filtered out), split by amount > 5, regions ascending:
    // east 20.0 | 0.1+0.2, north 10.5+7.0+12.75 | 4.25, south 9.0 | 3.5+0.5+1.0.
    assert_close(
        &project.data("revenue by region"),
        &json!({
            "big": {"props.x": ["east", "north", "south"], "props.y": [20.0, 30.25, 9.0]},
            "small": {"props.x": ["east", "north", "south"], "props.y": [0.3, 4.25, 5.0]},
        }),
    );
    // revenue_per_order = sum(amount) / count(*) through the inner relation (the sale without a
    // region has no manager): Ada 34.5/4, Ben 14.0/4, Cy 20.3/3.
    assert_close(
        &project.data("order value per manager"),
        &json!({"order value per manager": {
            "props.x": ["Ada", "Ben", "Cy"],
            "props.y": [8.625, 3.5, 20.3 / 3.0],
        }}),
    );
    // The input's default, apple: 10.5+3.5 on the 1st, 7.0+20.0 on the 2nd, 5.0 on the 3rd.
    assert_close(
        &project.data("product revenue by day"),
        &json!({"product revenue by day": {
            "props.x": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "props.y": [14.0, 27.0, 5.0],
        }}),
    );
    // The plain trace beside them still runs as before.
    assert_close(
        &project.data("units by region"),
        &json!({"units by region": {"props.x": ["east", "north", "south"], "props.y": [8, 9, 6]}}),
    );
    let sql = std::fs::read_to_string(project.target().join("order value per manager/query.sql"))
        .unwrap();
    assert!(
        sql.contains("FROM (select * from regions) AS \"regions\" INNER JOIN (select * from sales) AS \"sales\" ON"),
        "{sql}"
    );
}

// --- (d) an input re-slicing an insight ---------------------------------------------------------

#[test]
fn an_input_reslices_an_insight_one_state_per_option() {
    let project = example();
    run_ok(&project);
    let states = read_json(&project.target().join("product revenue by day/states.json"));
    assert_eq!(states["inputs"], json!(["product"]));
    let day =
        |x: &[&str], y: &[f64]| json!({"product revenue by day": {"props.x": x, "props.y": y}});
    let all_days = ["2024-01-01", "2024-01-02", "2024-01-03"];
    let expected = [
        ("apple", day(&all_days, &[14.0, 27.0, 5.0])),
        ("pear", day(&all_days, &[4.25, 0.5, 9.0])),
        // 12.75 + 1.0 + 0.2 on the 3rd.
        ("plum", day(&["2024-01-02", "2024-01-03"], &[0.1, 13.95])),
    ];
    let all = states["states"].as_array().unwrap();
    assert_eq!(all.len(), expected.len(), "{states}");
    for (state, (product, data)) in all.iter().zip(&expected) {
        assert_eq!(state["values"], json!({"product": product}), "{states}");
        assert_close(&state["data"], data);
    }
    // data.json is the default state's.
    assert_eq!(all[0]["data"], project.data("product revenue by day"));
}

// --- (c) `visivo test` on an insight's data -----------------------------------------------------

/// The example with a test on its plain trace that reads the insights' data.
fn example_with_test(assertion: &str) -> TestProject {
    let project = example();
    let yaml = std::fs::read_to_string(project.path().join("project.visivo.yml")).unwrap();
    let anchor = "    order_by: [\"?{region asc}\"]\n";
    let tests = format!(
        "{anchor}    tests:\n\
         \x20     - assertions:\n\
         \x20         - \">{{ ${{ref(order value per manager).props.y[0]}} == 8.625 }}\"\n\
         \x20         - \">{{ len(${{ref(revenue by region).props.x}}) == 6 }}\"\n\
         \x20         - \"{assertion}\"\n"
    );
    assert!(
        yaml.contains(anchor),
        "the trace's order_by is where the test expects it"
    );
    project.write("project.visivo.yml", &yaml.replacen(anchor, &tests, 1));
    project
}

#[test]
fn a_test_on_an_insights_data_passes_and_fails_as_it_should() {
    let passing = example_with_test(">{ ${ref(order value per manager).props.x[2]} == 'Cy' }");
    run_ok(&passing);
    let run = passing.visivo(&["test"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    assert!(
        run.stdout.contains("Testing complete. 3 tests run"),
        "{}",
        output(&run)
    );

    let failing = example_with_test(">{ ${ref(order value per manager).props.y[1]} == 4 }");
    run_ok(&failing);
    let run = failing.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    let yaml = std::fs::read_to_string(failing.path().join("project.visivo.yml")).unwrap();
    let line = line_of(&yaml, "props.y[1]} == 4");
    assert!(
        run.stdout.contains(&format!(
            "> units by region.test[0].assertions[2]: Expected <${{ref(order value per manager).props.y[1]}} == 4> to be true, but was <False>.\n  at project.visivo.yml:{line}"
        )),
        "{}",
        output(&run)
    );
}

// --- (e) `visivo dist` --------------------------------------------------------------------------

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => out.extend(files(&path)),
            false => out.push(path),
        }
    }
    out
}

/// The site holds what the insights computed and none of the rows they were computed from, nor
/// their SQL: a marker column added to every sale, and 12.75 (one sale's amount, in no result),
/// are in no data file; the insights reach project.json as names and static props only.
#[test]
fn the_site_holds_the_insights_results_and_no_model_row_or_sql() {
    let project = example();
    let db = rusqlite::Connection::open(project.path().join("shop.db")).unwrap();
    db.execute_batch(
        "alter table sales add column note text; update sales set note = 'ROW-MARKER-' || id;",
    )
    .unwrap();
    drop(db);
    let run = project.visivo(&["dist"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    let dist = project.path().join("dist");
    for insight in [
        "revenue by region",
        "order value per manager",
        "product revenue by day",
    ] {
        let published = read_json(&dist.join("data").join(insight).join("data.json"));
        assert_eq!(published, project.data(insight), "{insight}");
    }
    assert!(dist
        .join("data/product revenue by day/states.json")
        .is_file());
    for file in files(&dist) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains("ROW-MARKER"), "{}", file.display());
        if file.starts_with(dist.join("data")) {
            assert!(
                !text.contains("12.75"),
                "{} holds a raw amount",
                file.display()
            );
        }
    }
    let wrapper = read_json(&dist.join("data/project.json"));
    let text = wrapper.to_string().to_lowercase();
    for sql in [
        "select ",
        "from ",
        "join",
        "sum(amount)",
        "count(*)",
        "case when",
        "is not null",
        "${ref",
        "revenue_per_order",
        "shop.db",
    ] {
        assert!(!text.contains(sql), "project.json holds {sql:?}: {text}");
    }
    let chart = &wrapper["project_json"]["dashboards"][0]["rows"][1]["items"][0]["chart"];
    assert_eq!(
        chart["traces"][1],
        json!({"name": "revenue by region", "props": {"type": "bar"}})
    );
}

// --- (b) one joined insight on four databases ---------------------------------------------------

/// One sale: id, region, product, day, amount, units.
type Sale = (
    i64,
    Option<&'static str>,
    &'static str,
    &'static str,
    f64,
    Option<i64>,
);

/// examples/insights/shop.db's sales.
const SALES: [Sale; 12] = [
    (1, Some("north"), "apple", "2024-01-01", 10.5, Some(3)),
    (2, Some("north"), "pear", "2024-01-01", 4.25, Some(1)),
    (3, Some("north"), "apple", "2024-01-02", 7.0, Some(0)),
    (4, Some("north"), "plum", "2024-01-03", 12.75, Some(5)),
    (5, Some("south"), "apple", "2024-01-01", 3.5, Some(2)),
    (6, Some("south"), "pear", "2024-01-02", 0.5, None),
    (7, Some("south"), "pear", "2024-01-03", 9.0, Some(4)),
    (8, Some("south"), "plum", "2024-01-03", 1.0, Some(0)),
    (9, Some("east"), "apple", "2024-01-02", 20.0, Some(6)),
    (10, Some("east"), "plum", "2024-01-02", 0.1, Some(1)),
    (11, Some("east"), "plum", "2024-01-03", 0.2, Some(1)),
    (12, None, "apple", "2024-01-03", 5.0, Some(2)),
];

const REGIONS: [(&str, &str, i64); 3] = [
    ("north", "Ada", 30),
    ("south", "Ben", 12),
    ("east", "Cy", 25),
];

/// `CREATE` and `INSERT` statements of the two tables, in SQL every database here reads.
fn setup_sql(sales: &str, regions: &str) -> Vec<String> {
    let text = |v: Option<&str>| v.map_or("NULL".to_string(), |v| format!("'{v}'"));
    let number = |v: Option<i64>| v.map_or("NULL".to_string(), |v| v.to_string());
    let sale_rows: Vec<String> = SALES
        .iter()
        .map(|(id, region, product, day, amount, units)| {
            format!(
                "({id}, {}, '{product}', '{day}', {amount}, {})",
                text(*region),
                number(*units)
            )
        })
        .collect();
    let region_rows: Vec<String> = REGIONS
        .iter()
        .map(|(region, manager, target)| format!("('{region}', '{manager}', {target})"))
        .collect();
    vec![
        format!("drop table if exists {sales}"),
        format!("drop table if exists {regions}"),
        format!("create table {sales} (id integer, region varchar(10), product varchar(10), day varchar(10), amount double precision, units integer)"),
        format!("create table {regions} (region varchar(10), manager varchar(10), target integer)"),
        format!("insert into {sales} values {}", sale_rows.join(", ")),
        format!("insert into {regions} values {}", region_rows.join(", ")),
    ]
}

/// The joined insight over `sales_sql` and `regions_sql` on the source `source_yaml`.
fn joined_project(source_yaml: &str, sales_sql: &str, regions_sql: &str) -> String {
    format!(
        r#"
sources: [{source_yaml}]
models:
  - name: sales
    sql: {sales_sql}
    source: ref(db)
    metrics:
      - {{name: revenue, expression: sum(amount)}}
      - {{name: order_count, expression: count(*)}}
    dimensions:
      - {{name: size, expression: "CASE WHEN amount > 5 THEN 'big' ELSE 'small' END"}}
  - {{name: regions, sql: {regions_sql}, source: ref(db)}}
metrics:
  - {{name: revenue_per_order, expression: "${{ref(sales).revenue}} / ${{ref(sales).order_count}}"}}
relations:
  - {{name: sales_regions, join_type: left, condition: "${{ref(sales).region}} = ${{ref(regions).region}}"}}
insights:
  - name: per manager
    props:
      type: bar
      y: ?{{ ${{ref(sales).revenue}} }}
      x: ?{{ coalesce(${{ref(regions).manager}}, 'nobody') }}
      text: ?{{ ${{ref(revenue_per_order)}} }}
      customdata: ?{{ ${{ref(sales).order_count}} }}
    interactions:
      - split: ?{{ ${{ref(sales).size}} }}
      - filter: ?{{ ${{ref(sales).units}} IS NOT NULL }}
      - filter: ?{{ ${{ref(sales).revenue}} > 1 }}
      - sort: ?{{ coalesce(${{ref(regions).manager}}, 'nobody') ASC }}
charts:
  - {{name: Per manager, insights: [ref(per manager)]}}
dashboards:
  - name: D
    rows: [{{items: [{{chart: ref(Per manager)}}]}}]
"#
    )
}

/// By hand: sales LEFT JOIN regions (the sale without a region kept, its manager 'nobody'),
/// without the sale whose units are NULL (south, 0.5), split by amount > 5, groups whose revenue
/// is not above 1 dropped (Cy's small sales, 0.1 + 0.2).
fn joined_expected() -> Value {
    json!({
        "big": {
            "props.y": [30.25, 9.0, 20.0],
            "props.x": ["Ada", "Ben", "Cy"],
            "props.text": [30.25 / 3.0, 9.0, 20.0],
            "props.customdata": [3, 1, 1],
        },
        "small": {
            "props.y": [4.25, 4.5, 5.0],
            "props.x": ["Ada", "Ben", "nobody"],
            "props.text": [4.25, 2.25, 5.0],
            "props.customdata": [1, 2, 1],
        },
    })
}

fn joined(source_yaml: &str, sales_sql: &str, regions_sql: &str) -> TestProject {
    TestProject::new(&joined_project(source_yaml, sales_sql, regions_sql))
}

fn assert_joined_data(project: &TestProject, engine: &str) {
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 0, "{engine}: {}", output(&run));
    let data = project.data("per manager");
    assert!(
        close(&data, &joined_expected()),
        "{engine}: expected {}\n got {data}",
        joined_expected()
    );
}

#[test]
fn the_joined_insight_on_sqlite() {
    let project = joined(
        "{name: db, type: sqlite, database: shop.db}",
        "select * from sales",
        "select * from regions",
    );
    let db = rusqlite::Connection::open(project.path().join("shop.db")).unwrap();
    for sql in setup_sql("sales", "regions") {
        db.execute_batch(&sql).unwrap();
    }
    drop(db);
    assert_joined_data(&project, "sqlite");
    let sql = std::fs::read_to_string(project.target().join("per manager/query.sql")).unwrap();
    assert!(
        sql.contains("LEFT JOIN (select * from regions) AS \"regions\" ON \"sales\".region = \"regions\".region"),
        "{sql}"
    );
}

/// The test servers of `.ci/services.sh`, as the other server tests reach them.
fn server_source(engine: &str, port: u16) -> String {
    format!(
        "{{name: db, type: {engine}, host: 127.0.0.1, port: {port}, username: visivo, \
         password: visivo_pw, database: visivo_test}}"
    )
}

/// Creates the two tables on a test server through the engine's own connector.
async fn create_tables(connector: &dyn visivo_engine::source::Connector, engine: &str) {
    for sql in setup_sql("visivo_insights_sales", "visivo_insights_regions") {
        connector
            .query(&sql)
            .await
            .unwrap_or_else(|e| panic!("{engine}: {e}\n(is it up? run .ci/services.sh)"));
    }
}

fn server(engine: &str, port: u16) -> visivo_project::Source {
    serde_json::from_value(json!({
        "name": "setup", "type": engine, "host": "127.0.0.1", "port": port,
        "username": "visivo", "password": "visivo_pw", "database": "visivo_test",
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_joined_insight_on_postgresql_gives_the_sqlite_numbers() {
    let pg =
        visivo_engine::source::postgres::PostgresSource::new(&server("postgresql", 5432)).unwrap();
    create_tables(&pg, "postgresql").await;
    let project = joined(
        &server_source("postgresql", 5432),
        "select * from visivo_insights_sales",
        "select * from visivo_insights_regions",
    );
    assert_joined_data(&project, "postgresql");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_joined_insight_on_mariadb_gives_the_sqlite_numbers() {
    let mysql = visivo_engine::source::mysql::MysqlSource::new(&server("mysql", 3306)).unwrap();
    create_tables(&mysql, "mariadb").await;
    let project = joined(
        &server_source("mysql", 3306),
        "select * from visivo_insights_sales",
        "select * from visivo_insights_regions",
    );
    assert_joined_data(&project, "mariadb");
}

/// DuckDB reads the rows from CSV files made here (an empty field is NULL).
#[cfg(feature = "duckdb")]
#[test]
fn the_joined_insight_on_duckdb_gives_the_sqlite_numbers() {
    let project = joined(
        "{name: db, type: duckdb, database: \":memory:\"}",
        "select * from read_csv('sales.csv')",
        "select * from read_csv('regions.csv')",
    );
    let mut sales = String::from("id,region,product,day,amount,units\n");
    for (id, region, product, day, amount, units) in SALES {
        let units = units.map(|u| u.to_string()).unwrap_or_default();
        sales.push_str(&format!(
            "{id},{},{product},{day},{amount:?},{units}\n",
            region.unwrap_or_default()
        ));
    }
    let mut regions = String::from("region,manager,target\n");
    for (region, manager, target) in REGIONS {
        regions.push_str(&format!("{region},{manager},{target}\n"));
    }
    project
        .write("sales.csv", &sales)
        .write("regions.csv", &regions);
    assert_joined_data(&project, "duckdb");
}

// --- (f) mistakes, located ----------------------------------------------------------------------

const TWO_MODELS: &str = r#"
sources:
  - {name: db, type: sqlite, database: shop.db}
  - {name: other, type: sqlite, database: other.db}
models:
  - {name: sales, sql: select * from sales, source: ref(db)}
  - {name: regions, sql: select * from regions, source: ref(db)}
  - {name: visits, sql: select * from visits, source: ref(other)}
"#;

fn line_of(yaml: &str, needle: &str) -> usize {
    yaml.lines().position(|l| l.contains(needle)).expect(needle) + 1
}

/// `visivo run` on `TWO_MODELS` plus `yaml` fails with exit 1, `message` located at the line
/// holding `at`, and runs no query.
fn fails_located(yaml: &str, message: &str, at: &str) {
    let yaml = format!("{TWO_MODELS}{yaml}");
    let project = TestProject::new(&yaml);
    let run = project.visivo(&["run"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    let found = run
        .stderr
        .find(message)
        .unwrap_or_else(|| panic!("expected {message:?}\n{}", output(&run)));
    let location = format!("project.visivo.yml:{}:", line_of(&yaml, at));
    assert!(
        run.stderr[found..].contains(&location),
        "expected {location} after the message\n{}",
        output(&run)
    );
    assert!(!run.stderr.contains("panicked"), "{}", output(&run));
    assert!(!project.target().join("i/data.json").exists());
}

#[test]
fn two_models_without_a_relation_are_a_located_error() {
    fails_located(
        r#"
insights:
  - name: i
    props: {type: bar, x: "?{ ${ref(regions).manager} }", y: "?{ sum(${ref(sales).amount}) }"}
"#,
        "no relation connects 'regions' and 'sales', so their fields can't be combined",
        "- name: i",
    );
}

#[test]
fn a_metric_cycle_is_a_located_error() {
    fails_located(
        r#"
metrics:
  - {name: a, expression: "${ref(b)} + 1"}
  - {name: b, expression: "${ref(a)} * sum(${ref(sales).amount})"}
insights:
  - name: i
    props: {type: bar, x: "?{ ${ref(sales).region} }", y: "?{ ${ref(a)} }"}
"#,
        "metric 'a' refers to itself: a → b → a",
        "props: {type: bar",
    );
}

#[test]
fn models_on_two_sources_are_a_located_error() {
    fails_located(
        r#"
relations:
  - {name: sv, condition: "${ref(sales).region} = ${ref(visits).region}"}
insights:
  - name: i
    props: {type: bar, x: "?{ ${ref(visits).region} }", y: "?{ sum(${ref(sales).amount}) }"}
"#,
        "this insight combines model 'visits' (source 'other') and model 'sales' (source 'db')",
        "- name: i",
    );
}
