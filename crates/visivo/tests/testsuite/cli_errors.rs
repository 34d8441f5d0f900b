//! Every kind of user mistake gets one clear, located message and exit code 1 — never a panic.

use crate::common::TestProject;

const BASE: &str = "
sources:
  - name: db
    type: sqlite
    database: shop.db
defaults:
  source_name: db
models:
  - name: orders
    sql: select * from orders
";

fn compile_fails(project: &TestProject, expected: &[&str]) -> String {
    let run = project.visivo(&["compile"]);
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    for needle in expected {
        assert!(
            run.stderr.contains(needle),
            "expected {needle:?} in:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.stderr
}

#[test]
fn yaml_syntax_error() {
    let p = TestProject::new("name: x\ntraces: [a, b\nmodels: []\n");
    compile_fails(&p, &["invalid YAML", "project.visivo.yml:"]);
}

#[test]
fn jinja_syntax_error() {
    let p = TestProject::new("name: x\n# fine\nmodels: {% if %}\n");
    compile_fails(&p, &["invalid Jinja template", "project.visivo.yml:3:"]);
}

#[test]
fn unknown_field_with_did_you_mean() {
    let p = TestProject::new(&format!("{BASE}traces:\n  - name: t\n    model: ref(orders)\n    cohort_onn: region\n    props: {{type: bar}}\n"));
    compile_fails(
        &p,
        &[
            "unknown field `cohort_onn`",
            "project.visivo.yml:14:5",
            "did you mean `cohort_on`?",
            "traces[0] \"t\"",
        ],
    );
}

#[test]
fn dangling_ref_with_did_you_mean() {
    let p = TestProject::new(&format!(
        "{BASE}traces:\n  - name: t\n    model: ref(ordrs)\n"
    ));
    compile_fails(
        &p,
        &[
            "`ref(ordrs)` does not point to any model",
            "project.visivo.yml:13:5",
            "did you mean `orders`?",
        ],
    );
}

#[test]
fn wrong_type_ref() {
    let p = TestProject::new(&format!("{BASE}traces:\n  - name: t\n    model: ref(db)\n"));
    compile_fails(
        &p,
        &[
            "`ref(db)` points to a source, but this field needs a model",
            ":13:",
        ],
    );
}

#[test]
fn duplicate_name() {
    let p = TestProject::new(&format!("{BASE}  - name: orders\n    sql: select 1\n"));
    compile_fails(
        &p,
        &[
            "Model name 'orders' is not unique in the project (first defined at line 9)",
            ":11:",
        ],
    );
}

#[test]
fn unknown_source_type() {
    let p = TestProject::new("sources:\n  - name: db\n    type: postgress\n    database: x\n");
    compile_fails(
        &p,
        &[
            "unknown source type `postgress`",
            ":3:",
            "did you mean `postgresql`?",
        ],
    );
}

#[test]
fn missing_env_var_is_a_warning_until_the_source_is_used() {
    let yaml = "sources:\n  - name: pg\n    type: postgresql\n    database: x\n    password: \"{{ env_var('VISIVO_TEST_UNSET_PW') }}\"\n";
    let p = TestProject::new(yaml);
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: environment variable VISIVO_TEST_UNSET_PW is not set"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("project.visivo.yml:5"),
        "{}",
        run.stderr
    );
    let with_trace = format!("{yaml}models:\n  - {{name: m, sql: select 1 as x, source: ref(pg)}}\ntraces:\n  - {{name: t, model: ref(m), props: {{type: bar, x: query(x)}}}}\n");
    let p = TestProject::new(&with_trace);
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "`password` comes from environment variable VISIVO_TEST_UNSET_PW, which is not set"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn model_cycle() {
    let p = TestProject::new(&format!("{BASE}  - name: a\n    models: [ref(b)]\n    sql: select 1\n  - name: b\n    models: [ref(a)]\n    sql: select 1\n"));
    compile_fails(&p, &["models depend on each other in a cycle: a → b → a"]);
}

#[test]
fn include_cycle_and_missing_include() {
    let p = TestProject::new("includes:\n  - path: other.yml\n  - path: missing.yml\n");
    p.write("other.yml", "includes:\n  - path: project.visivo.yml\n");
    let err = compile_fails(&p, &["include cycle", "does not exist", "missing.yml"]);
    assert!(err.contains("other.yml:2"), "{err}");
}

#[test]
fn unknown_column_reference() {
    let p = TestProject::new(&format!("{BASE}traces:\n  - name: t\n    model: ref(orders)\n    columns:\n      amount: amount\n    props:\n      type: bar\n      y: column(amont)\n"));
    compile_fails(
        &p,
        &[
            "referenced column name 'amont' is not in columns definition",
            ":18:",
            "did you mean `amount`?",
        ],
    );
}

#[test]
fn bad_enum() {
    let p = TestProject::new(
        "dashboards:\n  - name: d\n    rows:\n      - height: huge\n        items: []\n",
    );
    compile_fails(
        &p,
        &[
            "`huge` is not one of compact, xsmall, small, medium, large, xlarge, xxlarge",
            ":4:",
        ],
    );
}

#[test]
fn wrong_value_type() {
    let p = TestProject::new(
        "sources:\n  - name: db\n    type: postgresql\n    database: x\n    port: lots\n",
    );
    compile_fails(
        &p,
        &[
            "invalid value: string \"lots\", expected a whole number (or a string holding one)",
            ":5:",
        ],
    );
}

#[test]
fn all_errors_reported_together() {
    let p = TestProject::new(&format!("{BASE}traces:\n  - name: a\n    model: ref(nope)\n  - name: b\n    model: ref(orders)\n    props: {{type: scater}}\n"));
    let err = compile_fails(
        &p,
        &[
            "does not point to any model",
            "scater is not a valid trace_props type",
        ],
    );
    assert!(err.contains("2 errors in the project"), "{err}");
}

#[test]
fn item_needs_exactly_one_content_and_tables_single_selectors() {
    let p = TestProject::new(&format!(
        "{BASE}traces:\n  - {{name: t, model: ref(orders), props: {{type: bar, x: query(month)}}}}\nselectors:\n  - {{name: s, type: multiple}}\ntables:\n  - {{name: tab, traces: [ref(t)], selector: ref(s)}}\ndashboards:\n  - name: d\n    rows:\n      - items:\n          - {{}}\n          - {{markdown: x, table: ref(tab)}}\n          - {{markdown: y, width: 0}}\n"
    ));
    compile_fails(
        &p,
        &[
            "an item needs one of",
            "only one of the",
            "item width must be 1 or more",
            "has a selector with a 'multiple' type",
        ],
    );
}

#[test]
fn missing_project_file() {
    let p = TestProject::new("");
    std::fs::remove_file(p.path().join("project.visivo.yml")).unwrap();
    compile_fails(&p, &["Project file \"project.visivo.yml\" not found"]);
}

#[test]
fn empty_and_list_files_are_reported() {
    compile_fails(&TestProject::new(""), &["must be a mapping", "is empty"]);
    compile_fails(&TestProject::new("- a\n- b\n"), &["is a list"]);
}
