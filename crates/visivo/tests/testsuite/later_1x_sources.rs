//! `visivo run` on the source types of later 1.x: `csv` and `xls` files (1.0.66) and ClickHouse
//! (1.0.76), each compiled, run and its `data.json` checked; and the mistakes made with them.
//!
//! `tests/fixtures/sales.xlsx` was written with openpyxl: sheet `Sales` (region, month, amount,
//! day, paid; a date-time, an empty amount and an empty paid cell) and sheet `Targets` (no header).
//! ClickHouse is `visivo_testkit`'s stand-in for its HTTP interface (the engine's tests use a real
//! server).

use crate::common::TestProject;
use serde_json::json;
use std::path::Path;
use visivo_testkit::clickhouse::clickhouse_server;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A trace of `model` with x and y from two columns, in x order, cohorts by `cohort` if any.
fn trace(name: &str, model: &str, x: &str, y: &str, cohort: Option<&str>) -> String {
    let cohort = cohort.map_or(String::new(), |c| format!("    cohort_on: {c}\n"));
    format!(
        "  - name: {name}\n    model: ${{ref({model})}}\n{cohort}    props:\n      type: bar\n      \
         x: ?{{{x}}}\n      y: ?{{{y}}}\n    order_by: ['?{{{x}}}']\n"
    )
}

#[test]
fn csv_sources_are_queried_as_a_table_named_like_the_source() {
    let traces = [
        trace("by_region", "sales", "day", "sum(amount)", Some("region")),
        trace("semi", "semi", "column0", "column1", None),
        trace("latin", "latin", "town", "n", None),
    ]
    .concat();
    let p = TestProject::new(&format!(
        r#"
sources:
  - {{name: sales_csv, type: csv, file: data/sales.csv}}
  - {{name: semi_csv, type: csv, file: data/semi.txt, delimiter: ";", has_header: false}}
  - {{name: latin_csv, type: csv, file: data/latin.csv, encoding: ISO-8859-1}}
models:
  - {{name: sales, source: "${{ref(sales_csv)}}", sql: select * from sales_csv}}
  - {{name: semi, source: "${{ref(semi_csv)}}", sql: select * from semi_csv}}
  - {{name: latin, source: "${{ref(latin_csv)}}", sql: select * from "latin_csv"}}
traces:
{traces}"#
    ));
    p.write(
        "data/sales.csv",
        "region,amount,day\neast,10,2024-01-01\nwest,2.5,2024-01-02\neast,,2024-01-03\neast,5,2024-01-01\n",
    );
    p.write("data/semi.txt", "b;2\na;1\n");
    std::fs::write(p.path().join("data/latin.csv"), b"town,n\nK\xf6ln,1\n").unwrap();
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.data("by_region"),
        json!({
            "east": {"props.x": ["2024-01-01", "2024-01-03"], "props.y": [15.0, null]},
            "west": {"props.x": ["2024-01-02"], "props.y": [2.5]},
        })
    );
    assert_eq!(
        p.data("semi"),
        json!({"semi": {"props.x": ["a", "b"], "props.y": [1, 2]}})
    );
    assert_eq!(
        p.data("latin"),
        json!({"latin": {"props.x": ["Köln"], "props.y": [1]}})
    );
}

#[test]
fn xls_sources_read_a_sheet_of_a_workbook_or_csv_text() {
    let traces = [
        trace("sales", "sales", "day", "amount", Some("region")),
        trace("targets", "targets", "column0", "column1", None),
        trace("paid", "paid", "month", "count(*)", None),
        trace("text", "text", "a", "b", None),
    ]
    .concat();
    let p = TestProject::new(&format!(
        r#"
sources:
  - {{name: book, type: xls, file: sales.xlsx}}
  - {{name: goals, type: excel, file: sales.xlsx, sheet: Targets, has_header: false}}
  - {{name: csv_text, type: xls, file: exported.xls}}
models:
  - {{name: sales, source: "${{ref(book)}}", sql: select * from book}}
  - {{name: targets, source: "${{ref(goals)}}", sql: select * from goals}}
  - {{name: paid, source: "${{ref(book)}}", sql: select * from book where paid}}
  - {{name: text, source: "${{ref(csv_text)}}", sql: select * from csv_text}}
traces:
{traces}"#
    ));
    std::fs::copy(
        Path::new(FIXTURES).join("sales.xlsx"),
        p.path().join("sales.xlsx"),
    )
    .unwrap();
    p.write("exported.xls", "a,b\n1,2\n");
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.data("sales"),
        json!({
            "east": {"props.x": ["2024-01-31", "2024-02-29"], "props.y": [10.5, 7.0]},
            "west": {"props.x": ["2024-01-15 09:30:00", "2024-02-01"], "props.y": [3.25, null]},
        })
    );
    assert_eq!(
        p.data("targets"),
        json!({"targets": {"props.x": ["north", "south"], "props.y": [100, 200]}})
    );
    assert_eq!(
        p.data("paid"),
        json!({"paid": {"props.x": [1], "props.y": [2]}})
    );
    assert_eq!(
        p.data("text"),
        json!({"text": {"props.x": [1], "props.y": [2]}})
    );
}

#[test]
fn a_file_source_that_cannot_be_read_fails_its_traces_naming_source_and_file() {
    let traces = [
        trace("missing", "missing", "a", "b", None),
        trace("no_sheet", "no_sheet", "a", "b", None),
        trace("ragged", "ragged", "a", "b", None),
    ]
    .concat();
    let p = TestProject::new(&format!(
        r#"
sources:
  - {{name: gone, type: csv, file: nowhere/missing.csv}}
  - {{name: book, type: xls, file: sales.xlsx, sheet: Budget}}
  - {{name: bad, type: csv, file: ragged.csv}}
models:
  - {{name: missing, source: "${{ref(gone)}}", sql: select * from gone}}
  - {{name: no_sheet, source: "${{ref(book)}}", sql: select * from book}}
  - {{name: ragged, source: "${{ref(bad)}}", sql: select * from bad}}
traces:
{traces}"#
    ));
    std::fs::copy(
        Path::new(FIXTURES).join("sales.xlsx"),
        p.path().join("sales.xlsx"),
    )
    .unwrap();
    p.write("ragged.csv", "a,b\n1,2\n3,4,5\n");
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    for needle in [
        "source 'gone': cannot load nowhere/missing.csv (",
        "No such file or directory",
        "source 'book': cannot load sales.xlsx (",
        "the workbook has no sheet 'Budget'; its sheets: Sales, Targets",
        "source 'bad': cannot load ragged.csv (",
        "line: 3",
    ] {
        assert!(all.contains(needle), "expected {needle:?} in:\n{all}");
    }
}

#[test]
fn mistaken_fields_of_the_new_source_types_are_located() {
    let p = TestProject::new(
        r#"sources:
  - name: a
    type: csv
    file: a.csv
    delimiter: ";;"
  - name: b
    type: csv
    file: b.csv
    encoding: utf-16
  - name: c
    type: csv
    file: c.csv
    sheet: First
  - name: d
    type: clickhouse
    host: localhost
    protocol: tcp
  - name: e
    type: xls
    sheet: Budget
"#,
    );
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (needle, line) in [
        ("the delimiter must be one character", 5),
        (
            "unsupported encoding \"utf-16\": expected utf-8 or latin-1",
            9,
        ),
        ("`sheet` is not a field of csv sources", 13),
        ("`tcp` is not one of http, native", 17),
        ("xls sources need `file`", 18),
    ] {
        run.assert_stderr_has(needle);
        run.assert_stderr_has(&format!("project.visivo.yml:{line}:"));
    }
}

#[test]
fn clickhouse_traces_run_over_http_with_the_login_in_headers() {
    // The stand-in answers as ClickHouse's HTTP interface does, from SQLite: Debian's ClickHouse
    // (18.16, which the engine's tests use) predates the CTEs that compiled traces hold.
    let shop = tempfile::tempdir().unwrap();
    let database = shop.path().join("shop.db");
    rusqlite::Connection::open(&database)
        .unwrap()
        .execute_batch(
            "create table visivo_e2e_sales (region text, month integer, amount real);
             insert into visivo_e2e_sales values ('east', 1, 10.5), ('east', 1, 4.5),
               ('east', 2, 7.0), ('west', 1, 3.25), ('west', 2, 1.0);",
        )
        .unwrap();
    let (port, received) = clickhouse_server(database, "analyst", "Ch-Secret-4711");
    let p = TestProject::new(&format!(
        r#"
sources:
  - name: warehouse
    type: clickhouse
    protocol: http
    host: 127.0.0.1
    port: {port}
    database: shop
    username: analyst
    password: "{{{{ env_var('CH_PASSWORD') }}}}"
models:
  - {{name: sales, source: "${{ref(warehouse)}}", sql: select * from visivo_e2e_sales}}
traces:
{}"#,
        trace("by_month", "sales", "month", "sum(amount)", Some("region"))
    ));
    p.write(".env", "CH_PASSWORD=Ch-Secret-4711\n");
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        p.data("by_month"),
        json!({
            "east": {"props.x": [1, 2], "props.y": [15.0, 7.0]},
            "west": {"props.x": [1, 2], "props.y": [3.25, 1.0]},
        })
    );
    let sql = std::fs::read_to_string(p.target().join("by_month/query.sql")).unwrap();
    assert!(
        sql.contains("as \"props.x\""),
        "ClickHouse quotes with \": {sql}"
    );
    let received = received.lock().unwrap();
    let (head, _) = received.first().expect("a request");
    let request_line = head.lines().next().unwrap();
    assert!(
        request_line.starts_with("POST /?") && request_line.contains("database=shop"),
        "{request_line}"
    );
    assert!(!request_line.contains("Ch-Secret"), "{request_line}");
    assert!(head.contains("x-clickhouse-key: Ch-Secret-4711"), "{head}");
    assert!(!format!("{}{}", run.stdout, run.stderr).contains("Ch-Secret"));
}

#[test]
fn a_wrong_clickhouse_password_is_reported_without_it() {
    let shop = tempfile::tempdir().unwrap();
    let (port, _) = clickhouse_server(shop.path().join("shop.db"), "analyst", "right");
    let p = TestProject::new(&format!(
        r#"
sources:
  - {{name: warehouse, type: clickhouse, host: 127.0.0.1, port: {port}, username: analyst, password: Wrong-4711}}
models:
  - {{name: m, source: "${{ref(warehouse)}}", sql: "select 1 as a, 2 as b"}}
traces:
{}"#,
        trace("t", "m", "a", "b", None)
    ));
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("Error connecting to source 'warehouse': HTTP 401"),
        "{all}"
    );
    assert!(all.contains(&format!("127.0.0.1:{port}")), "{all}");
    assert!(!all.contains("Wrong-4711"), "{all}");
}
