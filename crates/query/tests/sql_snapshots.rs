//! The SQL text of every select/filter/order/cohort form, per dialect.

use visivo_project::{load_project, LoadOptions};
use visivo_query::compile_trace;

const SOURCES: &str = r#"
sources:
  - {name: shop_db, type: sqlite, database: shop.db}
  - {name: pg, type: postgresql, database: shop, host: localhost}
  - {name: my, type: mysql, database: shop, host: localhost}
  - {name: sf, type: snowflake, database: shop, account: acme}
  - {name: dk, type: duckdb, database: shop.duckdb}
  - {name: bq, type: bigquery, project: acme, dataset: shop, credentials_path: key.json}
  - {name: rs, type: redshift, database: shop, host: localhost}
"#;

/// The project made of the sources above plus `yaml`.
fn project(yaml: &str) -> visivo_project::Project {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("project.visivo.yml"),
        format!("{SOURCES}{yaml}"),
    )
    .unwrap();
    let loaded = load_project(&LoadOptions {
        working_dir: dir.path(),
        source_override: None,
        profile: None,
    });
    loaded
        .project
        .unwrap_or_else(|| panic!("{}", loaded.report.render(&loaded.files)))
}

/// Compiles `trace` of a project made of the sources above plus `yaml`.
fn sql(yaml: &str, trace: &str) -> String {
    let project = project(yaml);
    let compiled = compile_trace(&project, &project.traces[trace]).unwrap();
    let mut out = compiled.sql;
    for w in compiled.warnings {
        out.push_str(&format!("\n-- warning: {w}"));
    }
    out
}

fn orders_on(source: &str) -> String {
    format!("models:\n  - {{name: orders, sql: select * from orders, source: ref({source})}}\n")
}

const REVENUE: &str = r#"
traces:
  - name: revenue_by_month
    model: ref(orders)
    cohort_on: region
    props:
      type: bar
      x: query(month)
      y: query(sum(amount))
      marker:
        color: query(case when sum(amount) > 15 then 'green' else 'grey' end)
    filters:
      - query(units > 0)
      - query(sum(amount) > 1)
    order_by:
      - query(month asc)
"#;

#[test]
fn worked_example_1_cohort_where_having_order() {
    for source in ["shop_db", "pg", "my", "sf", "dk", "bq", "rs"] {
        let text = sql(
            &format!("{}{REVENUE}", orders_on(source)),
            "revenue_by_month",
        );
        insta::assert_snapshot!(format!("example1_{source}"), text);
    }
}

#[test]
fn worked_example_2_columns_only() {
    let yaml = r#"
traces:
  - name: units_kpi
    model: ref(orders)
    columns:
      total_units: sum(units)
    props:
      type: indicator
      mode: number
      value: column(total_units)[0]
"#;
    insta::assert_snapshot!(sql(&format!("{}{yaml}", orders_on("shop_db")), "units_kpi"));
}

#[test]
fn worked_example_3_local_merge_list_prop_multiline_sql() {
    let yaml = r#"
models:
  - name: orders
    sql: select * from orders
    source: ref(pg)
  - name: targets_csv
    table_name: targets
    args: ["printf", "month,goal\n2024-01,30\n"]
  - name: orders_vs_goal
    models: [ref(orders), ref(targets_csv)]
    sql: |
      select o.month, sum(o.amount) as revenue, t.goal
      from orders.model o join targets_csv.targets t on o.month = t.month
      group by o.month, t.goal
traces:
  - name: goal_line
    model: ref(orders_vs_goal)
    props:
      type: scatter
      x: query(month)
      y: query(goal)
      customdata:
        - query(revenue)
    order_by:
      - query(month)
  - name: csv_trace
    model: ref(targets_csv)
    props: {type: bar, x: query(month), y: query(goal)}
"#;
    insta::assert_snapshot!("example3_merge", sql(yaml, "goal_line"));
    insta::assert_snapshot!("example3_csv", sql(yaml, "csv_trace"));
}

#[test]
fn worked_example_4_window_filters_per_dialect() {
    let trace = r#"
traces:
  - name: top_products
    model: ref(orders)
    cohort_on: region
    props: {type: bar, x: query(product), y: query(median(price))}
    filters:
      - query(price > 0)
      - query(row_number() over (partition by region order by price desc) <= 5)
"#;
    for source in ["sf", "pg", "my", "dk", "bq"] {
        let text = sql(&format!("{}{trace}", orders_on(source)), "top_products");
        insta::assert_snapshot!(format!("example4_{source}"), text);
    }
}

#[test]
fn fixed_quirks() {
    let yaml = r#"
traces:
  - name: "o'brien"
    model: ref(orders)
    cohort_on: "query( region )"
    columns:
      label: description
      running: sum(amount) over (order by month)
    props:
      type: scatter
      x: column(label)
      y: query(count(*))
      hovertemplate: "my_query(foo)"
      customdata: [query(a), query(b)]
    filters:
      - query(sum(amount) > 1)
      - query(count(*) > 2)
      - units > 0
    order_by:
      - query(description desc)
      - column(label) asc
      - "ignored desc"
  - name: bare
    model: ref(orders)
    props: {type: scatter, x: [1, 2]}
"#;
    let project = format!("{}{yaml}", orders_on("shop_db"));
    insta::assert_snapshot!("quirks_fixed", sql(&project, "o'brien"));
    insta::assert_snapshot!("no_select_items", sql(&project, "bare"));
}

/// `REVENUE` in 1.0.55's spelling: `?{…}` for every `query(…)`, and `${ref(…)}`.
const REVENUE_BRACES: &str = r#"
traces:
  - name: revenue_by_month
    model: ${ref(orders)}
    cohort_on: ?{region}
    props:
      type: bar
      x: ?{month}
      y: ?{ sum(amount) }
      marker:
        color: ?{case when sum(amount) > 15 then 'green' else 'grey' end}
    filters:
      - ?{units > 0}
      - ?{sum(amount) > 1}
    order_by:
      - ?{month asc}
"#;

#[test]
fn braces_compile_to_the_same_sql_as_query() {
    for source in ["shop_db", "pg", "my", "sf", "dk", "bq", "rs"] {
        let text = sql(
            &format!("{}{REVENUE_BRACES}", orders_on(source)),
            "revenue_by_month",
        );
        assert_eq!(
            text,
            sql(
                &format!("{}{REVENUE}", orders_on(source)),
                "revenue_by_month"
            ),
            "{source}"
        );
    }
    insta::assert_snapshot!(sql(
        &format!("{}{REVENUE_BRACES}", orders_on("shop_db")),
        "revenue_by_month"
    ));
}

#[test]
fn braces_and_query_mixed_with_an_index_and_a_plain_text_prop() {
    let yaml = r#"
traces:
  - name: kpi
    model: ref(orders)
    columns:
      total: ?{sum(amount)}
    props:
      type: indicator
      mode: number+delta
      value: ?{sum(units)}[0]
      delta: {reference: "column(total)[0]"}
      title: {text: "see query(x) and ?{y} here"}
"#;
    insta::assert_snapshot!(sql(&format!("{}{yaml}", orders_on("shop_db")), "kpi"));
}

#[test]
fn a_tables_model_data_selects_every_row_and_column() {
    let yaml = r#"
tables:
  - name: Bob's orders
    data: ${ref(orders)}
"#;
    for source in ["shop_db", "my"] {
        let text = sql(&format!("{}{yaml}", orders_on(source)), "Bob's orders");
        insta::assert_snapshot!(format!("table_data_{source}"), text);
    }
}

const INPUTS: &str = r#"
inputs:
  - {name: region, type: single-select, options: ["O'Brien", "West"]}
  - {name: products, type: multi-select, options: ["A,B", "back\\slash"]}
  - {name: price, type: multi-select, range: {start: 0, end: 100, step: 50}}
traces:
  - name: sliced
    model: ref(orders)
    props:
      type: bar
      x: ?{month}
      y: ?{avg(amount)}
    filters:
      - ?{region = ${ref(region).value}}
      - ?{product IN (${ref(products).values})}
      - ?{price BETWEEN ${ref(price).min} AND ${ref(price).max}}
"#;

/// A trace's query in one input state, per dialect: the values are literals escaped for the
/// dialect; the single-select filter `region = …` and the multi-select `product IN (…)` become
/// columns the run groups by, the avg carried as a sum and a count
/// (`visivo_query::inputs::partition`).
#[test]
fn input_states_per_dialect() {
    use std::collections::HashMap;
    use visivo_project::input::InputState;
    use visivo_query::inputs::{partition, substitute};
    let state = HashMap::from([
        ("region".to_string(), InputState::One("O'Brien".into())),
        (
            "products".to_string(),
            InputState::Some(vec!["A,B".into(), "back\\slash".into()]),
        ),
        (
            "price".to_string(),
            InputState::Between(0.into(), 50.into()),
        ),
    ]);
    for source in ["shop_db", "pg", "my", "sf", "bq"] {
        let project = project(&format!("{}{INPUTS}", orders_on(source)));
        let trace = &project.traces["sliced"];
        let compiled = compile_trace(&project, trace).unwrap();
        let filtered = substitute(&compiled.sql, &state, compiled.dialect).unwrap();
        let split = partition(&project, trace).expect("region and products group");
        let columns = [
            ("region", "columns.__input_0"),
            ("products", "columns.__input_1"),
        ];
        let expected: Vec<(String, String)> = columns
            .iter()
            .map(|(i, c)| (i.to_string(), c.to_string()))
            .collect();
        assert_eq!(split.columns, expected);
        let grouped = compile_trace(&project, &split.trace).unwrap();
        let grouped = substitute(&grouped.sql, &state, grouped.dialect).unwrap();
        insta::assert_snapshot!(
            format!("inputs_{source}"),
            format!("-- one state\n{filtered}\n\n-- grouped by the single- and the multi-select\n{grouped}")
        );
    }
}

/// The semantic layer on `source` (issue 14): two models, model-scoped metrics and a dimension,
/// a project-level metric composing two of them, and a `left` relation written from `orders`.
fn semantic_on(source: &str) -> String {
    format!(
        r#"
models:
  - name: orders
    sql: select * from orders
    source: ref({source})
    metrics:
      - {{name: revenue, expression: sum(amount)}}
      - {{name: order_count, expression: count(*)}}
    dimensions:
      - {{name: size, expression: "CASE WHEN amount > 5 THEN 'big' ELSE 'small' END"}}
  - {{name: regions, sql: select * from regions, source: ref({source})}}
metrics:
  - {{name: avg_order, expression: "${{ref(orders).revenue}} / ${{ref(orders).order_count}}"}}
relations:
  - {{name: orders_regions, join_type: left, condition: "${{ref(orders).region}} = ${{ref(regions).region}}"}}
"#
    )
}

/// One insight over `orders` alone (its columns bare) with every prop and interaction form;
/// `window` is an extra filter line (a window function, for the dialects with QUALIFY).
fn one_model_insight(window: &str) -> String {
    format!(
        r#"
insights:
  - name: one_model
    props:
      type: bar
      x: ?{{ ${{ref(orders).region}} }}
      y: ?{{ sum(${{ref(orders).amount}}) }}
      text: ?{{ ${{ref(orders).revenue}} }}
      customdata: ?{{ ${{ref(avg_order)}} }}
      marker:
        color: ?{{ CASE WHEN sum(${{ref(orders).amount}}) > 15 THEN 'green' ELSE 'grey' END }}
    interactions:
      - split: ?{{ ${{ref(orders).size}} }}
      - filter: ?{{ ${{ref(orders).units}} > 0 }}
      - filter: ?{{ ${{ref(orders).revenue}} > 1 }}{window}
      - sort: ?{{ ${{ref(orders).region}} ASC }}
      - sort: ?{{ sum(${{ref(orders).amount}}) DESC }}
"#
    )
}

/// One insight over `orders` and `regions`: `orders` is named first, so it is the FROM and the
/// `left` relation keeps its every row; columns are the joined SELECT's `"model.column"`.
const JOINED_INSIGHT: &str = r#"
  - name: joined
    props:
      type: bar
      y: ?{ ${ref(orders).revenue} }
      x: ?{ ${ref(regions).manager} }
      text: ?{ ${ref(avg_order)} }
      customdata: ?{ max(${ref(regions).target}) }
    interactions:
      - split: ?{ ${ref(orders).size} }
      - filter: ?{ ${ref(orders).units} > 0 }
      - filter: ?{ ${ref(orders).order_count} > 1 }
      - sort: ?{ ${ref(regions).manager} DESC }
"#;

/// Each insight's query per dialect: metrics and dimensions expanded in parentheses, the split
/// the cohort, filters in WHERE / HAVING / QUALIFY (QUALIFY only where the dialect has it), sorts
/// the ORDER BY; the joined one reads a SELECT over both models, quoted for the dialect.
#[test]
fn insights_per_dialect() {
    const WINDOW: &str = "\n      - filter: ?{ row_number() over (partition by ${ref(orders).region} order by sum(${ref(orders).amount}) desc) <= 2 }";
    for source in ["shop_db", "pg", "my", "sf", "dk", "bq", "rs"] {
        let window = match source {
            "sf" | "dk" | "bq" => WINDOW,
            _ => "",
        };
        let yaml = format!(
            "{}{}{JOINED_INSIGHT}",
            semantic_on(source),
            one_model_insight(window)
        );
        insta::assert_snapshot!(format!("insight_{source}"), sql(&yaml, "one_model"));
        insta::assert_snapshot!(format!("insight_joined_{source}"), sql(&yaml, "joined"));
    }
}
