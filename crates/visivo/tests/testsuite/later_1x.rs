//! Projects written for later Visivo 1.x releases (1.0.31–1.0.82): their spellings run exactly
//! like the 1.0.30 ones (issue 13).

use crate::common::{orders_db, TestProject};

/// One project in 1.0.30's spelling; each test rewrites parts of it into a later spelling.
const LEGACY: &str = r#"
sources:
  - {name: db, type: sqlite, database: shop.db}
models:
  - name: orders
    sql: select * from orders
    source: ref(db)
  - name: goals
    table_name: goals
    args: ["printf", "month,goal\n2024-01,30\n2024-02,25\n2024-03,20\n"]
  - name: orders_vs_goal
    models: [ref(orders), ref(goals)]
    sql: select o.month, sum(o.amount) as revenue, g.goal from orders.model o join goals.goals g on o.month = g.month group by o.month, g.goal
traces:
  - name: Revenue by month
    model: ref(orders)
    cohort_on: query(region)
    props:
      type: bar
      x: query(month)
      y: query(sum(amount))
      marker: {color: "query(case when sum(amount) > 15 then 'green' else 'grey' end)"}
    filters: ["query(units > 0)", "query(sum(amount) > 1)"]
    order_by: ["query(month asc)"]
  - name: units_kpi
    model: ref(orders)
    columns: {total_units: query(sum(units))}
    props: {type: indicator, mode: number, value: "column(total_units)[0]"}
  - name: goal_line
    model: ref(orders_vs_goal)
    props: {type: scatter, x: query(month), y: query(goal), customdata: [query(revenue)]}
    order_by: [query(month)]
selectors:
  - name: Region
    type: single
    options: [ref(Revenue by month)]
charts:
  - name: Revenue
    traces: [ref(Revenue by month), ref(goal_line)]
    selector: ref(Region)
tables:
  - name: Units
    traces: [ref(units_kpi)]
dashboards:
  - name: Shop
    rows:
      - items:
          - chart: ref(Revenue)
          - table: ref(Units)
          - selector: ref(Region)
"#;

const TRACES: [&str; 3] = ["Revenue by month", "units_kpi", "goal_line"];

fn shop(yaml: &str) -> TestProject {
    let p = TestProject::new(yaml);
    orders_db(&p.path().join("shop.db"));
    p
}

/// `LEGACY` with each `(from, to)` replaced; every `from` must be there.
fn rewritten(replacements: &[(&str, &str)]) -> String {
    replacements
        .iter()
        .fold(LEGACY.to_string(), |yaml, (from, to)| {
            assert!(yaml.contains(from), "{from} is not in the project");
            yaml.replace(from, to)
        })
}

/// Runs both projects and checks they wrote the same data for every trace.
fn runs_like_legacy(yaml: &str) {
    let legacy = shop(LEGACY);
    let later = shop(yaml);
    for p in [&legacy, &later] {
        let run = p.visivo(&["run"]);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    }
    for trace in TRACES {
        assert_eq!(later.data(trace), legacy.data(trace), "{trace}");
    }
}

fn compile_fails(yaml: &str, expected: &[&str]) {
    let run = shop(yaml).visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    for needle in expected {
        assert!(
            run.stderr.contains(needle),
            "expected {needle:?} in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn dollar_refs_run_like_bare_refs() {
    runs_like_legacy(&rewritten(&[
        ("source: ref(db)", "source: ${ref(db)}"),
        (
            "models: [ref(orders), ref(goals)]",
            "models: ['${ref(orders)}', \"${ ref('goals') }\"]",
        ),
        (
            "model: ref(orders)\n    cohort",
            "model: ${ref(orders)}\n    cohort",
        ),
        (
            "model: ref(orders_vs_goal)",
            "model: ${ ref(\"orders_vs_goal\") }",
        ),
        (
            "options: [ref(Revenue by month)]",
            "options: ['${ref(Revenue by month)}']",
        ),
        (
            "traces: [ref(Revenue by month), ref(goal_line)]",
            "traces: ['${ref(Revenue by month)}', '${ ${ref(goal_line)} }']",
        ),
        ("selector: ref(Region)\n", "selector: ${ref(Region)}\n"),
        ("traces: [ref(units_kpi)]", "traces: ['${ref(units_kpi)}']"),
        ("chart: ref(Revenue)", "chart: ${ref(Revenue)}"),
        ("table: ref(Units)", "table: ${ref('Units')}"),
    ]));
}

#[test]
fn a_field_of_a_reference_where_a_whole_object_is_needed_is_located() {
    compile_fails(
        &rewritten(&[("model: ref(orders_vs_goal)", "model: ${ref(orders_vs_goal).value}")]),
        &[
            "`${ref(orders_vs_goal).value}` picks `value` of `orders_vs_goal`, but this field takes a whole model",
            "project.visivo.yml:30:5",
            "write `${ref(orders_vs_goal)}`",
        ],
    );
}

#[test]
fn a_dangling_dollar_ref_is_located_with_a_suggestion() {
    compile_fails(
        &rewritten(&[("chart: ref(Revenue)", "chart: ${ref(Revenu)}")]),
        &[
            "`ref(Revenu)` does not point to any chart",
            "did you mean `Revenue`?",
            "project.visivo.yml:48:13",
        ],
    );
}

#[test]
fn braces_run_like_query_and_mix_with_it() {
    runs_like_legacy(&rewritten(&[
        ("cohort_on: query(region)", "cohort_on: ?{region}"),
        ("x: query(month)\n", "x: ?{month}\n"),
        ("y: query(sum(amount))", "y: ?{ sum(amount) }"),
        ("color: \"query(case", "color: \"?{case"),
        ("'grey' end)\"", "'grey' end}\""),
        ("\"query(units > 0)\"", "\"?{units > 0}\""),
        (
            "order_by: [\"query(month asc)\"]",
            "order_by: [\"?{month asc}\"]",
        ),
        ("query(sum(units))", "\"?{sum(units)}\""),
        (
            "customdata: [query(revenue)]",
            "customdata: [\"?{revenue}\"]",
        ),
    ]));
}

#[test]
fn text_merely_containing_a_query_stays_text() {
    let p = shop(&rewritten(&[(
        "type: bar\n",
        "type: bar\n      hovertemplate: \"see query(x) and ?{y} here\"\n",
    )]));
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let data = p.data("Revenue by month").to_string();
    assert!(!data.contains("hovertemplate"), "{data}");
    let project = std::fs::read_to_string(p.target().join("project.json")).unwrap();
    assert!(project.contains("see query(x) and ?{y} here"), "{project}");
}

#[test]
fn an_index_after_braces_reads_like_an_index_after_column() {
    let p = shop(&rewritten(&[(
        "value: \"column(total_units)[0]\"",
        "value: \"?{sum(units)}[0]\", delta: {reference: \"?{ max(units) } [-1]\"}",
    )]));
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        p.data("units_kpi"),
        serde_json::json!({"units_kpi": {
            "columns.total_units": [10],
            "columns.props_value": [10],
            "columns.props_delta_reference": [3],
        }})
    );
    let project = std::fs::read_to_string(p.target().join("project.json")).unwrap();
    assert!(project.contains("column(props_value)[0]"), "{project}");
    assert!(
        project.contains("column(props_delta_reference)[-1]"),
        "{project}"
    );
}

#[test]
fn a_selection_nothing_can_apply_is_located() {
    compile_fails(
        &rewritten(&[
            ("y: query(goal)", "y: \"?{goal}[::2]\""),
            ("order_by: [query(month)]", "order_by: [\"?{month}[0]\"]"),
        ]),
        &[
            "`[::2]` can't follow `?{…}`: only an index `[N]` or a slice `[a:b]` can",
            "project.visivo.yml:31:45",
            "an index or slice after `?{…}` only works in `props`",
            "project.visivo.yml:32:16",
            "2 errors in the project",
        ],
    );
}

#[test]
fn saved_paths_are_accepted_and_ignored() {
    runs_like_legacy(&rewritten(&[
        ("\nsources:", "\npath: project\nsources:"),
        (
            "type: sqlite, database: shop.db}",
            "type: sqlite, database: shop.db, path: sources.db}",
        ),
        (
            "  - name: orders\n",
            "  - name: orders\n    path: models/orders\n",
        ),
        (
            "  - name: units_kpi\n",
            "  - name: units_kpi\n    path: traces/units_kpi\n",
        ),
        (
            "  - name: Revenue\n",
            "  - name: Revenue\n    path: charts/Revenue\n",
        ),
        (
            "  - name: Shop\n",
            "  - name: Shop\n    path: dashboards/Shop\n",
        ),
        ("      - items:\n", "      - path: row\n        items:\n"),
        (
            "- chart: ref(Revenue)",
            "- {chart: ref(Revenue), path: item}",
        ),
    ]));
}

#[test]
fn a_saved_path_that_is_not_text_is_located() {
    compile_fails(
        &rewritten(&[("  - name: Revenue\n", "  - name: Revenue\n    path: [a]\n")]),
        &["`path` must be a text", "project.visivo.yml:39:5"],
    );
}

/// `visivo <args>` in the project with extra environment variables.
fn visivo_with_env(p: &TestProject, args: &[&str], vars: &[(&str, &str)]) -> crate::common::Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(args)
        .current_dir(p.path())
        .env("CI", "true")
        .env("HOME", p.path())
        .envs(vars.iter().copied())
        .output()
        .expect("run visivo");
    crate::common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn env_context_strings_work_like_env_var() {
    let legacy = shop(LEGACY);
    assert_eq!(legacy.visivo(&["run"]).code, 0);
    let yaml = rewritten(&[("database: shop.db}", "database: \"${env.VISIVO_L1X_DB}\"}")]);
    let later = shop(&yaml);
    let run = visivo_with_env(&later, &["run"], &[("VISIVO_L1X_DB", "shop.db")]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for trace in TRACES {
        assert_eq!(later.data(trace), legacy.data(trace), "{trace}");
    }

    let run = visivo_with_env(&later, &["run"], &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("environment variable VISIVO_L1X_DB is not set")
            && run.stderr.contains("project.visivo.yml:3:"),
        "{}",
        run.stderr
    );
}

#[test]
fn values_from_env_context_strings_stay_out_of_messages() {
    let yaml = rewritten(&[(
        "    cohort_on: query(region)\n",
        "    cohort_on: query(region)\n    cohort_onn: \"${env.VISIVO_L1X_SECRET}\"\n",
    )]);
    let run = visivo_with_env(
        &shop(&yaml),
        &["compile"],
        &[("VISIVO_L1X_SECRET", "hunter2-secret")],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    run.assert_stderr_has("unknown field `cohort_onn`");
    assert!(!run.stderr.contains("hunter2-secret"), "{}", run.stderr);
}
