//! `visivo compile` and `visivo schema` as a user runs them.

use crate::common::{git, TestProject};

const SOURCES: &str = r#"
sources:
  - name: dev
    type: sqlite
    database: dev.db
  - name: warehouse
    type: postgresql
    host: db.internal.example.com
    port: 5432
    database: analytics
    username: analyst
    password: "{{ env_var('WAREHOUSE_PASSWORD') }}"
alerts:
  - {name: hook, type: slack, webhook_url: "https://hooks.example.com/T000/SECRET"}
models:
  - {name: orders, sql: select * from secret_orders_table}
  - {name: script, args: ["python3", "make.py", "--token", "abc123"]}
traces:
  - name: revenue
    model: ref(orders)
    cohort_on: region
    filters: ["query(region = 'north')"]
    props: {type: bar, x: query(month), y: query(sum(amount))}
  - name: scripted
    model: ref(script)
    props: {type: bar, x: query(a)}
charts:
  - {name: c, traces: [ref(revenue), ref(scripted)]}
dashboards:
  - name: d
    rows:
      - items: [{chart: ref(c)}]
"#;

#[test]
fn project_json_carries_no_connection_details_sql_or_arguments() {
    let p = TestProject::new(&format!("defaults: {{source_name: warehouse}}\n{SOURCES}"));
    p.write(".env", "WAREHOUSE_PASSWORD=hunter2-very-secret\n");
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(p.target().join("project.json")).unwrap();
    for secret in [
        "hunter2",
        "db.internal",
        "5432",
        "analyst",
        "analytics",
        "secret_orders_table",
        "abc123",
        "make.py",
        "SECRET",
        "region = ",
    ] {
        assert!(
            !text.contains(secret),
            "project.json leaks {secret}: {text}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["dashboards"][0]["rows"][0]["items"][0]["chart"]["traces"][0]["props"]["y"],
        "query(sum(amount))"
    );
    let sql = std::fs::read_to_string(p.target().join("revenue/query.sql")).unwrap();
    assert!(sql.ends_with("-- source: warehouse"), "{sql}");
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"));
}

#[test]
fn source_flag_replaces_the_default_and_even_supplies_a_missing_one() {
    let p = TestProject::new(SOURCES);
    let run = p.visivo(&["compile", "-s", "dev"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sql = std::fs::read_to_string(p.target().join("revenue/query.sql")).unwrap();
    assert!(sql.ends_with("-- source: dev"), "{sql}");
    let run = p.visivo(&["compile", "-s", "nope"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("default source 'nope' does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn env_file_flag_and_output_dir() {
    let p = TestProject::new(
        "sources:\n  - name: \"{{ env_var('SRC_NAME') }}\"\n    type: sqlite\n    database: x.db\n",
    );
    p.write("staging.env", "SRC_NAME=staging_db\n");
    let run = p.visivo(&["-e", "staging.env", "compile", "-o", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("Loading env file: staging.env"),
        "{}",
        run.stderr
    );
    assert!(p.path().join("out/project.json").exists());
}

#[test]
fn name_filter_compiles_only_connected_traces() {
    let p = TestProject::new(&format!("defaults: {{source_name: dev}}\n{SOURCES}"));
    let run = p.visivo(&["compile", "-nf", "orders"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(p.target().join("revenue/query.sql").exists());
    assert!(!p.target().join("scripted").exists());
}

#[test]
fn includes_local_and_from_git() {
    let repos = tempfile::tempdir().unwrap();
    let work = repos.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::create_dir_all(work.join("dashboards")).unwrap();
    std::fs::write(
        work.join("dashboards/shared.visivo.yml"),
        "traces:\n  - {name: from_git, model: ref(orders), props: {type: bar, x: query(a)}}\n",
    )
    .unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "x"]);
    std::fs::create_dir_all(repos.path().join("acme")).unwrap();
    git(
        repos.path(),
        &["clone", "-q", "--bare", "work", "acme/shared.git"],
    );

    let p = TestProject::new(
        "defaults: {source_name: db}\nsources: [{name: db, type: sqlite, database: x.db}]\nincludes:\n  - path: models/orders.yml\n  - path: acme/shared.git@main -- dashboards/shared.visivo.yml\n",
    );
    p.write(
        "models/orders.yml",
        "models:\n  - {name: orders, sql: select 1 as a}\n",
    );
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .arg("compile")
        .current_dir(p.path())
        .env("VISIVO_GIT_BASE_URL", repos.path())
        .env("HOME", p.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(p.target().join("from_git/query.sql").exists());
    assert!(p
        .path()
        .join(".visivo_cache/acme/shared@main/dashboards/shared.visivo.yml")
        .exists());

    let bad = TestProject::new("includes:\n  - path: acme/shared.git\n");
    let run = bad.visivo(&["compile"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("A version specified with \"@\" is required"),
        "{}",
        run.stderr
    );
}

#[test]
fn schema_is_draft_07_and_describes_the_project_file() {
    let p = TestProject::new("name: x\n");
    let run = p.visivo(&["schema"]);
    assert_eq!(run.code, 0);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    for key in [
        "sources",
        "models",
        "traces",
        "charts",
        "tables",
        "selectors",
        "dashboards",
        "alerts",
        "includes",
        "defaults",
    ] {
        assert!(schema["properties"].get(key).is_some(), "missing {key}");
    }
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn usage_mistakes_exit_1_and_help_exits_0() {
    let p = TestProject::new("name: x\n");
    assert_eq!(p.visivo(&[]).code, 1);
    assert_eq!(p.visivo(&["compile", "--bogus"]).code, 1);
    assert_eq!(p.visivo(&["--version"]).code, 0);
    assert_eq!(p.visivo(&["--help"]).code, 0);
    let run = p.visivo(&["compile", "-fcpl", "--profile", "-nf=x"]);
    assert_eq!(
        run.code, 1,
        "the flags parse; the name filter matches nothing"
    );
    assert!(
        run.stderr.contains("No item found with name: 'x'."),
        "{}",
        run.stderr
    );
}
