//! Later 1.x table settings (issue 13 item 4), all 1.0.80: `format_cells` colour scales, pivots
//! (`columns`, `rows`, `values`) and column selection (`columns` alone). Each test compiles a
//! project and reads the `project.json` the viewer is given, or the located error.

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
    values: ["sum(${ref(t).props.y})", "count(${ref(t).props.x})"]
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
               "values": [{"aggregate": "sum", "key": "props.y"},
                          {"aggregate": "count", "key": "props.x"}]})
    );
}

#[test]
fn value_is_a_pivot_of_one_value() {
    let project = compiled(&project(
        r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(t).columns.product}"]
    value: max(${ref(t).props.y})"#,
    ));
    let pivot = &items(&project)[0]["table"]["pivot"];
    assert_eq!(
        pivot["values"],
        json!([{"aggregate": "max", "key": "props.y"}])
    );
}

#[test]
fn columns_alone_choose_and_rename_the_columns() {
    let project = compiled(&project(
        r#"    columns: ["${ref(t).props.y} as \"Total y\"", "${ref(t).columns.region}"]"#,
    ));
    let table = &items(&project)[0]["table"];
    assert_eq!(
        table["column_defs"],
        json!([{"trace_name": "t", "columns": [
            {"key": "props.y", "header": "Total y"}, {"key": "columns.region"}]}])
    );
    assert!(table.get("pivot").is_none());
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
        &project(
            r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(t).columns.product}"]"#,
        ),
        &[
            "`rows` and `values` go together: `values` is missing",
            "project.visivo.yml:13:",
        ],
    );
    compile_fails(
        &project(
            r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(other).columns.product}"]
    values: ["sum(${ref(t).props.y})"]"#,
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
    values: ["sum(${ref(t).props.y})"]"#,
        ),
        &["'region' is not a table field", "project.visivo.yml:12:15"],
    );
    compile_fails(
        &project(
            r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(t).columns.product}"]
    values: ["sum(${ref(t).props.y})", "median(${ref(t).props.y})"]"#,
        ),
        &[
            "'median(${ref(t).props.y})' is not a pivot value",
            "project.visivo.yml:14:40",
        ],
    );
    compile_fails(
        &project(
            r#"    columns: ["${ref(t).columns.region}"]
    rows: ["${ref(t).columns.product}"]
    values: ["sum(${ref(t).props.y})"]
    value: sum(${ref(t).props.y})"#,
        ),
        &[
            "`value` and `values` can't both be set",
            "project.visivo.yml:15:",
        ],
    );
}

#[test]
fn column_selection_mistakes_are_located_errors() {
    compile_fails(
        &project(r#"    columns: ["${ref(t).props.y}", "${ref(t)} as T"]"#),
        &["'${ref(t)}' is not a table field", "project.visivo.yml:12:"],
    );
    compile_fails(
        &project(
            r#"    columns: ["${ref(t).props.y}"]
    column_defs: [{trace_name: t, columns: [{key: props.x}]}]"#,
        ),
        &[
            "`columns` and `column_defs` both choose",
            "project.visivo.yml:12:",
        ],
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
