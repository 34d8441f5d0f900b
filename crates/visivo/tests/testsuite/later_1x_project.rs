//! Project-level settings of later Visivo 1.x releases (issue 13 items 6–8): include
//! directories, include paths starting with `/`, `cli_version` of another release.

use crate::common::{Run, TestProject};

const SOURCE: &str = "sources:\n  - {name: db, type: sqlite, database: shop.db}\ndefaults: {source_name: db}\nmodels:\n  - {name: m, sql: select 1 as x}\n";

/// An included file holding one trace named `name`.
fn trace_file(name: &str) -> String {
    format!("traces:\n  - name: {name}\n    model: ${{ref(m)}}\n    props: {{type: bar, x: \"?{{x}}\"}}\n")
}

fn compile(p: &TestProject) -> Run {
    let run = p.visivo(&["compile"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn compiled_traces(p: &TestProject) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.target())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("query.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn include_directories_read_their_yaml_files_down_to_depth_leaving_out_exclusions() {
    let p = TestProject::new(&format!(
        "{SOURCE}includes:\n  - path: dashboards/\n    depth: 1\n    exclusions: [\"*.draft.yml\", \"*/archive/*\"]\n"
    ));
    for (file, trace) in [
        ("dashboards/top.yml", "top"),
        ("dashboards/sales/one.yaml", "one"),
        ("dashboards/sales/two.draft.yml", "draft"),
        ("dashboards/sales/deeper/three.yml", "three"),
        ("dashboards/archive/old.yml", "old"),
    ] {
        p.write(file, &trace_file(trace));
    }
    p.write("dashboards/readme.md", "not yaml");
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(compiled_traces(&p), ["one", "top"]);
}

#[test]
fn a_directory_without_yaml_files_is_a_warning() {
    let p = TestProject::new(&format!("{SOURCE}includes:\n  - path: empty\n"));
    p.write("empty/notes.txt", "nothing");
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("warning: no YAML files found in the included directory");
    run.assert_stderr_has("project.visivo.yml:7:5");
}

#[test]
fn mistakes_in_include_entries_are_located() {
    for (entry, message, at) in [
        (
            "{path: d, depth: -1}",
            "`depth` must be a whole number",
            ":7:22",
        ),
        (
            "{path: d, depth: all}",
            "`depth` must be a whole number",
            ":7:22",
        ),
        (
            "{path: d, exclusions: \"*.yml\"}",
            "`exclusions` must be a list",
            ":7:27",
        ),
        (
            "{path: d, exclusions: [1]}",
            "each exclusion must be a text",
            ":7:28",
        ),
        (
            "{path: d, deep: 1}",
            "unknown field `deep` on an include",
            ":7:15",
        ),
    ] {
        let p = TestProject::new(&format!("{SOURCE}includes:\n  - {entry}\n"));
        p.write("d/a.yml", &trace_file("a"));
        let run = compile(&p);
        assert_eq!(run.code, 1, "{entry}: {}", run.stderr);
        run.assert_stderr_has(message);
        run.assert_stderr_has(&format!("project.visivo.yml{at}"));
        assert!(
            run.stderr.contains("1 error in the project"),
            "{}",
            run.stderr
        );
    }
    let p = TestProject::new(&format!(
        "{SOURCE}includes:\n  - {{path: a.yml, depth: 0}}\n"
    ));
    p.write("a.yml", &trace_file("a"));
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("warning: `depth` and `exclusions` apply only to directories");
}

#[test]
fn an_include_starting_with_a_slash_never_reads_the_absolute_path() {
    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = elsewhere.path().join("other.yml");
    std::fs::write(&absolute, trace_file("other")).unwrap();
    let p = TestProject::new(&format!(
        "{SOURCE}includes:\n  - path: {}\n",
        absolute.display()
    ));
    let run = compile(&p);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Messages show paths relative to the project folder: the joined one, not the absolute one.
    let joined = absolute.strip_prefix("/").unwrap();
    run.assert_stderr_has(&format!("\"{}\" does not exist", joined.display()));
}

#[test]
fn cli_version_of_another_release_is_only_a_warning() {
    for (version, warning) in [
        ("1.0.82", None),
        ("1.0.30", None),
        ("2.1.0", Some("the project was saved by Visivo 2.1.0")),
        ("latest", Some("is not a Visivo release number")),
    ] {
        let p = TestProject::new(&format!("name: p\ncli_version: \"{version}\"\n{SOURCE}"));
        let run = compile(&p);
        assert_eq!(run.code, 0, "{version}: {}", run.stderr);
        match warning {
            Some(text) => {
                run.assert_stderr_has(text);
                run.assert_stderr_has("project.visivo.yml:2:14");
            }
            None => assert!(!run.stderr.contains("warning"), "{}", run.stderr),
        }
    }
}

const DBT_PROJECT: &str = "name: shop\nversion: '1.0'\nprofile: shop\n";

/// A dbt profile `shop` whose default target `dev` is the test PostgreSQL server (its password
/// from the environment, as dbt profiles do), and another target of a type Visivo lacks.
const PROFILES: &str = "shop:
  target: dev
  outputs:
    dev:
      type: postgres
      host: 127.0.0.1
      port: 5432
      user: visivo
      password: \"{{ env_var('DBT_TEST_PASSWORD') }}\"
      dbname: visivo_test
      schema: public
      threads: 4
    spark:
      type: databricks
      host: x
";

/// A manifest with a model, a versioned model (v2 the latest) and a test node.
fn manifest(table: &str) -> String {
    serde_json::json!({"nodes": {
        format!("model.shop.{table}"): {"name": table, "database": "visivo_test", "schema": "public"},
        "model.shop.dim_v1": {"name": "dim", "database": "d", "schema": "s", "version": 1, "latest_version": 2},
        "model.shop.dim_v2": {"name": "dim", "database": "d", "schema": "s", "version": 2, "latest_version": 2},
        "test.shop.not_null": {"name": "not_null"},
    }})
    .to_string()
}

/// A project with the dbt project in `dbt/`, its manifest having `table`, and a trace on the
/// model `model`.
fn dbt_project(block: &str, table: &str, model: &str) -> TestProject {
    let p = TestProject::new(&format!(
        "{block}traces:\n  - name: revenue\n    model: ${{ref({model})}}\n    cohort_on: region\n    props: {{type: bar, x: \"?{{month}}\", y: \"?{{sum(amount)}}\"}}\n    order_by: [\"?{{month}}\"]\n"
    ));
    p.write("dbt/dbt_project.yml", DBT_PROJECT);
    p.write("dbt/profiles.yml", PROFILES);
    p.write("dbt/target/manifest.json", &manifest(table));
    p
}

const DBT_BLOCK: &str = "dbt:\n  dbt_project_yml_location: dbt\n  profiles_yml_location: dbt\n";

#[test]
fn a_dbt_block_makes_sources_of_profiles_and_models_of_the_manifest() {
    let p = dbt_project(
        &format!("{DBT_BLOCK}  prefix: dbt\n"),
        "orders",
        "dbt_orders",
    );
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sql = std::fs::read_to_string(p.target().join("revenue/query.sql")).unwrap();
    assert!(
        sql.contains("select * from visivo_test.public.orders"),
        "{sql}"
    );
    // Versioned models: each version, and the latest under the plain name too.
    for model in ["dbt_dim", "dbt_dim_v1", "dbt_dim_v2"] {
        let p = dbt_project(&format!("{DBT_BLOCK}  prefix: dbt\n"), "orders", model);
        let run = compile(&p);
        assert_eq!(run.code, 0, "{model}: {}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dbt_model_runs_on_the_profiles_default_target() {
    use visivo_engine::source::Connector;
    let setup: visivo_project::Source = serde_json::from_value(serde_json::json!({
        "name": "setup", "type": "postgresql", "host": "127.0.0.1", "username": "visivo",
        "password": "visivo_pw", "database": "visivo_test",
    }))
    .unwrap();
    let setup = visivo_engine::source::postgres::PostgresSource::new(&setup).unwrap();
    for sql in [
        "drop table if exists visivo_e2e_dbt_orders",
        "create table visivo_e2e_dbt_orders (month int, region text, amount int)",
        "insert into visivo_e2e_dbt_orders values (1, 'east', 5), (1, 'east', 6), (2, 'west', 7)",
    ] {
        setup
            .query(sql)
            .await
            .unwrap_or_else(|e| panic!("{e}\n(is PostgreSQL up? run .ci/services.sh)"));
    }
    let table = "visivo_e2e_dbt_orders";
    let p = dbt_project(DBT_BLOCK, table, table);
    p.write(".env", "DBT_TEST_PASSWORD=visivo_pw\n");
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let data = p.data("revenue");
    assert_eq!(data["east"]["props.x"], serde_json::json!([1]));
    assert_eq!(data["east"]["props.y"], serde_json::json!([11]));
    assert_eq!(data["west"]["props.y"], serde_json::json!([7]));
}

#[test]
fn dbt_mistakes_name_the_missing_file_where_the_block_is() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "dbt:\n  enabled: true\n",
            "dbt/target/manifest.json",
            &["dbt: cannot read dbt_project.yml", "project.visivo.yml:1:1"],
        ),
        (
            DBT_BLOCK,
            "dbt/target/manifest.json",
            &[
                "dbt manifest not found at dbt/target/manifest.json",
                "run `dbt compile`",
                "project.visivo.yml:2:29",
            ],
        ),
        (
            "dbt:\n  dbt_project_yml_location: dbt\n",
            "",
            &[
                "dbt: profiles.yml not found at profiles.yml",
                "project.visivo.yml:1:1",
            ],
        ),
        (
            "dbt:\n  dbt_project_yml_location: dbt\n  profiles_yml_location: dbt\n  prefx: x\n",
            "",
            &[
                "dbt: unknown field `prefx`",
                "project.visivo.yml:4:3",
                "did you mean `prefix`?",
            ],
        ),
        (
            "dbt:\n  dbt_project_yml_location: dbt\n  profiles_yml_location: dbt\n  prefix: [x]\n",
            "",
            &[
                "dbt: invalid type: sequence, expected a string",
                "project.visivo.yml:4:3",
            ],
        ),
    ];
    for (block, remove, expected) in cases {
        let p = dbt_project(block, "orders", "orders");
        if !remove.is_empty() {
            std::fs::remove_file(p.path().join(remove)).unwrap();
        }
        let run = compile(&p);
        assert_eq!(run.code, 1, "{block}: {}", run.stderr);
        for text in expected {
            run.assert_stderr_has(text);
        }
    }
    let p = dbt_project(DBT_BLOCK, "orders", "orders");
    p.write("dbt/dbt_project.yml", "name: shop\nprofile: warehouse\n");
    let run = compile(&p);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("dbt profile 'warehouse' is not in dbt/profiles.yml (it has: shop)");
    run.assert_stderr_has("dbt/dbt_project.yml:2:10");
    let p = dbt_project(DBT_BLOCK, "orders", "orders");
    p.write(
        "dbt/profiles.yml",
        &PROFILES.replace("target: dev", "target: spark"),
    );
    let run = compile(&p);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("dbt target type 'databricks' has no Visivo source type");
    run.assert_stderr_has("dbt/profiles.yml:14:13");
}

#[test]
fn a_disabled_dbt_block_reads_nothing() {
    let p = TestProject::new(&format!("{SOURCE}dbt:\n  enabled: false\n"));
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn credentials_base64_is_a_bigquery_field_only() {
    let bigquery = "sources:\n  - name: bq\n    type: bigquery\n    project: p\n    credentials_base64: \"{{ env_var('BQ_KEY_BASE64') }}\"\n";
    let run = compile(&TestProject::new(bigquery));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let postgres = bigquery.replace("type: bigquery\n    project: p", "type: postgresql");
    let run = compile(&TestProject::new(&postgres));
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("`credentials_base64` is not a field of postgresql sources");
    run.assert_stderr_has("project.visivo.yml:4:5");
}

#[test]
fn the_json_schema_knows_the_later_fields() {
    let run = TestProject::new("").visivo(&["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let defs = &schema["definitions"];
    for (definition, field) in [
        ("Include", "depth"),
        ("Include", "exclusions"),
        ("Source", "credentials_base64"),
        ("Dbt", "profiles_yml_location"),
        ("CsvScriptModel", "allow_empty"),
        ("Defaults", "threads"),
    ] {
        assert!(
            defs[definition]["properties"][field].is_object(),
            "{definition}.{field} missing"
        );
    }
    assert!(schema["properties"]["dbt"].is_object());
}

#[test]
fn defaults_threads_is_the_run_default_and_the_flag_wins() {
    let project = |threads: &str| {
        TestProject::new(&format!(
            "defaults:\n  threads: {threads}\nmodels:\n  - {{name: m, args: [printf, \"x\\n1\\n\"]}}\n"
        ))
    };
    let run = project("3").visivo(&["run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Running project across 3 threads"),
        "{}",
        run.stdout
    );
    let run = project("\"3\"").visivo(&["run", "--threads", "2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("Running project across 2 threads"),
        "{}",
        run.stdout
    );
    let run = TestProject::new("name: p\n").visivo(&["run"]);
    assert!(
        run.stdout.contains("Running project across 8 threads"),
        "{}",
        run.stdout
    );
    for (threads, message) in [
        ("0", "`threads` must be 1 or more"),
        ("many", "a whole number"),
    ] {
        let run = project(threads).visivo(&["run"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.assert_stderr_has(message);
        run.assert_stderr_has("project.visivo.yml:2:");
    }
}

#[test]
fn a_csv_script_that_prints_nothing_is_an_empty_table_with_allow_empty() {
    let project = |allow: &str| {
        TestProject::new(&format!(
            "models:\n  - name: incidents\n    args: [\"true\"]\n{allow}traces:\n  - name: count\n    model: ${{ref(incidents)}}\n    props: {{type: indicator, value: \"?{{count(*)}}\"}}\n"
        ))
    };
    let p = project("    allow_empty: true\n");
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // No rows, so no cohort: the trace's data is empty, as for a header without rows.
    assert_eq!(p.data("count"), serde_json::json!({}));
    let run = project("").visivo(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("set `allow_empty: true` on the model"),
        "{}",
        run.stdout
    );
    let run = project("    allow_empty: sometimes\n").visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("expected a boolean");
    run.assert_stderr_has("project.visivo.yml:4:5");
}

#[test]
fn private_key_passphrase_is_a_snowflake_field_only() {
    let snowflake = "sources:\n  - name: sf\n    type: snowflake\n    account: a\n    username: u\n    private_key_path: k.p8\n    private_key_passphrase: \"{{ env_var('SF_PASSPHRASE') }}\"\n";
    let run = compile(&TestProject::new(snowflake));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mysql = "sources:\n  - name: db\n    type: mysql\n    private_key_passphrase: x\n";
    let run = compile(&TestProject::new(mysql));
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("`private_key_passphrase` is not a field of mysql sources");
    run.assert_stderr_has("project.visivo.yml:4:5");
}
