//! Later 1.x objects end to end (issue 13 items 1, 4, 9): a table's `data: ${ref(model)}` runs as
//! a trace of the model's rows; selectors over rows and items reach the viewer typed; insights,
//! metrics, dimensions and relations become queries; `${ref(x).field}` in a trace's SQL is
//! a located error.

use crate::common::TestProject;
use crate::later_1x_layout::{compile_fails, compiled, items};
use serde_json::json;

const SALES: &str = r#"
models:
  - name: sales
    args: ["printf", "region,amount\nnorth,1\nsouth,10\nnorth,2\n"]
"#;

#[test]
fn a_tables_model_data_is_run_as_a_trace_of_every_row() {
    let p = TestProject::new(&format!(
        r#"{SALES}
tables:
  - name: All sales
    data: ${{ref(sales)}}
    rows_per_page: 10
dashboards:
  - name: D
    rows: [{{items: [{{table: ref(All sales)}}]}}]
"#
    ));
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        p.data("All sales"),
        json!({"All sales": {"region": ["north", "south", "north"], "amount": [1, 10, 2]}})
    );
    let sql = std::fs::read_to_string(p.target().join("All sales/query.sql")).unwrap();
    assert!(sql.contains("select * from model"), "{sql}");
    let project: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.target().join("project.json")).unwrap())
            .unwrap();
    let table = &items(&project)[0]["table"];
    assert_eq!(table["data"], "All sales");
    assert_eq!(table["traces"][0]["name"], "All sales");
}

#[test]
fn a_tables_data_name_must_not_be_taken_by_a_trace() {
    compile_fails(
        &format!(
            r#"{SALES}
traces:
  - {{name: T, model: ref(sales), props: {{type: bar, y: "?{{amount}}"}}}}
tables:
  - {{name: T, data: ref(sales)}}
"#
        ),
        &[
            "table 'T' shows the rows of model 'sales' as a trace named after the table, but trace 'T' already exists",
            "project.visivo.yml:9:",
        ],
    );
}

#[test]
fn a_selector_over_rows_and_items_reaches_the_viewer_typed() {
    let project = compiled(
        r#"
selectors:
  - {name: View, type: single, options: ["${ref(Summary)}", ref(Detail), ref(note)]}
dashboards:
  - name: D
    rows:
      - items: [{selector: ref(View)}]
      - name: Summary
        items: [{markdown: summary}]
      - name: Detail
        items: [{name: note, markdown: detail}]
"#,
    );
    let rows = &project["dashboards"][0]["rows"];
    assert_eq!(
        rows[0]["items"][0]["selector"]["options"],
        json!([{"name": "Summary", "type": "row"}, {"name": "Detail", "type": "row"},
               {"name": "note", "type": "item"}])
    );
    assert_eq!(rows[1]["name"], "Summary");
    assert_eq!(rows[2]["items"][0]["name"], "note");
}

const SEMANTIC: &str = r#"
sources: [{name: db, type: sqlite, database: shop.db}]
models:
  - name: orders
    sql: select * from orders
    source: ref(db)
    metrics: [{name: total, expression: SUM(amount)}]
  - {name: users, sql: select * from users, source: ref(db)}
relations:
  - {name: orders_users, condition: "${ref(orders).user_id} = ${ref(users).id}"}
insights:
  - name: revenue
    props: {type: bar, x: "?{ ${ref(orders).month} }", y: "?{ ${ref(total)} }"}
charts:
  - {name: Chart, insights: [ref(revenue)]}
tables:
  - {name: Table, data: ref(revenue)}
dashboards:
  - name: D
    rows: [{items: [{chart: ref(Chart)}, {table: ref(Table)}]}]
"#;

#[test]
fn insights_compile_to_a_query_and_reach_the_viewer_as_traces_without_sql() {
    let p = TestProject::new(SEMANTIC);
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("not built yet"), "{all}");
    let sql = std::fs::read_to_string(p.target().join("revenue").join("query.sql")).unwrap();
    assert!(sql.contains("(SUM(amount)) as \"props.y\""), "{sql}");
    let text = std::fs::read_to_string(p.target().join("project.json")).unwrap();
    assert!(
        !text.contains("?{") && !text.contains("SUM(amount)"),
        "{text}"
    );
    let project: serde_json::Value = serde_json::from_str(&text).unwrap();
    let items = items(&project);
    let shown = json!([{"name": "revenue", "changed": true, "props": {"type": "bar"}}]);
    assert_eq!(items[0]["chart"]["traces"], shown);
    assert_eq!(items[1]["table"]["traces"], shown);
    assert!(items[1]["table"].get("data").is_none());
}

#[test]
fn a_field_reference_in_a_trace_is_a_located_error() {
    compile_fails(
        &SEMANTIC.replace(
            "charts:",
            "traces:\n  - {name: t, model: ref(orders), props: {type: bar, y: \"?{ ${ref(orders).amount} }\"}}\ncharts:",
        ),
        &[
            "`${ref(orders)…}` can't be used in a trace: its SQL would reach the database as written",
            "project.visivo.yml:15:",
            "write the column itself, `amount`",
        ],
    );
}
