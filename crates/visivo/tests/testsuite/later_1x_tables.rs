//! Later 1.x table settings (issue 13 item 4): `format_cells` colour scales and pivots
//! (`columns`, `rows`, `value`), both 1.0.80. Each test compiles a project and reads the
//! `project.json` the viewer is given, or the located error.

use crate::later_1x_layout::{compile_fails, compiled, items};
use serde_json::json;

fn project(table: &str) -> String {
    format!(
        r#"
sources: [{{name: db, type: sqlite, database: x.db}}]
models: [{{name: m, sql: select 1 as x, source: ref(db)}}]
traces:
  - name: t
    model: ref(m)
    columns: {{region: region, product: product}}
    props: {{type: bar, x: query(x), y: query(x)}}
tables:
  - name: T
    traces: [ref(t)]
{table}
dashboards:
  - name: D
    rows: [{{items: [{{table: ref(T)}}]}}]
"#
    )
}

#[test]
fn format_cells_and_pivot_reach_the_viewer_resolved() {
    let project = compiled(&project(
        r##"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(t).columns.product}"]
    value: sum(${ref(t).props.y})
    format_cells: {scope: columns, min_color: "#f00", max_color: "#00ff00"}"##,
    ));
    let table = &items(&project)[0]["table"];
    assert_eq!(
        table["format_cells"],
        json!({"scope": "columns", "min_color": "#f00", "max_color": "#00ff00"})
    );
    assert_eq!(
        table["pivot"],
        json!({"trace": "t", "columns": ["columns.region"], "rows": ["columns.product"],
               "aggregate": "sum", "value": "props.y"})
    );
}

#[test]
fn a_table_without_them_exports_neither() {
    let project = compiled(&project(""));
    let table = &items(&project)[0]["table"];
    assert!(table.get("pivot").is_none() && table.get("format_cells").is_none());
}

#[test]
fn pivot_mistakes_are_located_errors() {
    compile_fails(
        &project(r#"    columns: ["${ref(t).columns.region}"]"#),
        &["a pivot needs all of `columns`, `rows` and `value`; `rows`, `value` is missing"],
    );
    compile_fails(
        &project(
            r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(other).columns.product}"]
    value: sum(${ref(t).props.y})"#,
        ),
        &[
            "names trace 'other', which is not in this table's traces",
            "project.visivo.yml:13:",
        ],
    );
    compile_fails(
        &project(
            r#"    columns: [region]
    rows: ["${ref(t).columns.product}"]
    value: sum(${ref(t).props.y})"#,
        ),
        &["'region' is not a pivot field", "project.visivo.yml:12:15"],
    );
    compile_fails(
        &project(
            r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(t).columns.product}"]
    value: median(${ref(t).props.y})"#,
        ),
        &["'median(${ref(t).props.y})' is not a pivot value"],
    );
}

#[test]
fn format_cells_mistakes_are_located_errors() {
    compile_fails(
        &project(r##"    format_cells: {scope: columns, min_color: red, max_color: "#0f0"}"##),
        &["'red' is not a hex colour", "project.visivo.yml:12:"],
    );
    compile_fails(
        &project(r##"    format_cells: {scope: cells, min_color: "#f00", max_color: "#0f0"}"##),
        &["cells"],
    );
}
