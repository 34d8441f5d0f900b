//! `visivo run` against a real MySQL/MariaDB server: a trace's rows come back split into cohorts
//! by `cohort_on` (known-quirks 3: 1.0.30 produced one cohort literally named `cohort_on`).
//!
//! Uses the server `.ci/services.sh` starts, through the same variables as
//! `crates/engine/tests/mysql.rs`: `VISIVO_MYSQL_HOST` (`127.0.0.1`), `VISIVO_MYSQL_PORT`
//! (`3306`), `VISIVO_MYSQL_USER` (`visivo`), `VISIVO_MYSQL_PASSWORD` (`visivo_pw`),
//! `VISIVO_MYSQL_DATABASE` (`visivo_test`). The project reads host, user and password from an env
//! file given with `-e` (the port as a quoted string, which must be coerced), the way docs/sources.md describes environments.

use std::process::Command;
use visivo_engine::source::mysql::MysqlSource;
use visivo_engine::source::Connector;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_trace_has_cohorts_by_cohort_on() {
    let host = env("VISIVO_MYSQL_HOST", "127.0.0.1");
    let port = env("VISIVO_MYSQL_PORT", "3306");
    let user = env("VISIVO_MYSQL_USER", "visivo");
    let password = env("VISIVO_MYSQL_PASSWORD", "visivo_pw");
    let database = env("VISIVO_MYSQL_DATABASE", "visivo_test");

    let source: visivo_project::Source = serde_json::from_value(serde_json::json!({
        "name": "setup", "type": "mysql", "host": host, "port": port.parse::<u16>().unwrap(),
        "username": user, "password": password, "database": database,
    }))
    .unwrap();
    let setup = MysqlSource::new(&source).unwrap();
    for sql in [
        "drop table if exists visivo_e2e_sales",
        "create table visivo_e2e_sales (region varchar(10), month int, amount decimal(10,2))",
        "insert into visivo_e2e_sales values ('east', 1, 10.50), ('east', 1, 4.50), ('east', 2, 7.00), \
         ('west', 1, 3.25), ('west', 2, 1.00), ('west', 2, 2.00)",
    ] {
        setup.query(sql).await.unwrap_or_else(|e| panic!("{e}\n(is MariaDB up? run .ci/services.sh)"));
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("project.visivo.yml"),
        format!(
            r#"name: e2e
defaults:
  source_name: shop
sources:
  - name: shop
    type: mysql
    host: "{{{{ env_var('SHOP_HOST') }}}}"
    port: "{{{{ env_var('SHOP_PORT') }}}}"
    username: "{{{{ env_var('SHOP_USER') }}}}"
    password: "{{{{ env_var('SHOP_PASSWORD') }}}}"
    database: {database}
models:
  - name: sales
    sql: select * from visivo_e2e_sales
traces:
  - name: sales_by_region
    model: ref(sales)
    cohort_on: region
    props:
      type: bar
      x: query(month)
      y: query(sum(amount))
    order_by:
      - query(month asc)
"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env.e2e"),
        format!("SHOP_HOST={host}\nSHOP_PORT={port}\nSHOP_USER={user}\nSHOP_PASSWORD={password}\n"),
    )
    .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(["run", "-e", ".env.e2e"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "visivo run failed\n{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains(&password) && !stderr.contains(&password),
        "password printed\n{stdout}\n{stderr}"
    );

    let data =
        std::fs::read_to_string(dir.path().join("target/sales_by_region/data.json")).unwrap();
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let cohorts: Vec<&String> = data.as_object().unwrap().keys().collect();
    assert_eq!(cohorts, ["east", "west"], "{data}");
    assert_eq!(data["east"]["props.x"], serde_json::json!([1, 2]), "{data}");
    assert_eq!(
        data["east"]["props.y"],
        serde_json::json!([15.0, 7.0]),
        "{data}"
    );
    assert_eq!(data["west"]["props.x"], serde_json::json!([1, 2]), "{data}");
    assert_eq!(
        data["west"]["props.y"],
        serde_json::json!([3.25, 3.0]),
        "{data}"
    );
}
