//! MySQL/MariaDB sources against a real server.
//!
//! `.ci/services.sh` starts MariaDB and creates the test user and database. The tests read:
//!
//! | variable | default |
//! |---|---|
//! | `VISIVO_MYSQL_HOST` | `127.0.0.1` |
//! | `VISIVO_MYSQL_PORT` | `3306` |
//! | `VISIVO_MYSQL_USER` | `visivo` |
//! | `VISIVO_MYSQL_PASSWORD` | `visivo_pw` |
//! | `VISIVO_MYSQL_DATABASE` | `visivo_test` |
//!
//! Tables carry the test's name and are dropped and re-created by the test, so runs repeat.

use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use visivo_engine::data_json::group_by_cohort;
use visivo_engine::source::mysql::MysqlSource;
use visivo_engine::source::{Connector, RowSink};
use visivo_engine::value::{Cell, ResultSet};
use visivo_project::model::Source;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn host() -> String {
    env("VISIVO_MYSQL_HOST", "127.0.0.1")
}

fn port() -> u16 {
    env("VISIVO_MYSQL_PORT", "3306")
        .parse()
        .expect("VISIVO_MYSQL_PORT is a port number")
}

fn database() -> String {
    env("VISIVO_MYSQL_DATABASE", "visivo_test")
}

/// A source definition as a project would write it, with `extra` fields merged in (null removes).
fn source(name: &str, extra: serde_json::Value) -> Source {
    let mut value = json!({
        "name": name,
        "type": "mysql",
        "host": host(),
        "port": port(),
        "username": env("VISIVO_MYSQL_USER", "visivo"),
        "password": env("VISIVO_MYSQL_PASSWORD", "visivo_pw"),
        "database": database(),
    });
    for (key, field) in extra.as_object().expect("extra fields are an object") {
        if field.is_null() {
            value.as_object_mut().unwrap().remove(key);
        } else {
            value[key] = field.clone();
        }
    }
    serde_json::from_value(value).expect("a valid source")
}

fn connector(name: &str, extra: serde_json::Value) -> MysqlSource {
    MysqlSource::new(&source(name, extra)).expect("the source is configured")
}

async fn query(source: &MysqlSource, sql: &str) -> ResultSet {
    source
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n(is the server up? run `sudo bash .ci/services.sh`)"))
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_decodes_exactly() {
    let my = connector("my_types", json!({}));
    query(&my, "drop table if exists visivo_types").await;
    query(
        &my,
        "create table visivo_types (
            flag tinyint(1), si smallint, mi mediumint, bi bigint, ubi bigint unsigned,
            dec_exact decimal(10,2), dec_big decimal(30,3), fl float, db double,
            d date, dt datetime(6), dt0 datetime, tsp timestamp null, tm time(3), tm_neg time, yr year,
            j json, bits bit(4), blb blob, vb varbinary(4), e enum('x','y'), t text, c char(3),
            nul int
        )",
    )
    .await;
    query(
        &my,
        "insert into visivo_types values (
            1, -2, 3, 12345678901234567, 18446744073709551615,
            1.50, 12345678901234567890.123, 1.25, 0.1,
            '2024-02-29', '2024-02-29 13:14:15.5', '2024-02-29 13:14:15', '2024-02-29 13:14:15',
            '13:14:15.25', '-01:02:03', 2024,
            '{\"a\": [1, 2.5]}', b'0101', x'01ff', 'ab', 'y', 'héllo', 'c',
            null
        )",
    )
    .await;
    let mariadb = matches!(&query(&my, "select version()").await.rows[0][0], Cell::Text(v) if v.contains("MariaDB"));
    let result = query(
        &my,
        "select 'all' as cohort_on, t.*, 1.5 as lit, 7 as lit_int from visivo_types t",
    )
    .await;
    let json_cell = if mariadb {
        // MariaDB's JSON is LONGTEXT on the wire.
        text("{\"a\": [1, 2.5]}")
    } else {
        Cell::Json(json!({"a": [1, 2.5]}))
    };
    let expected: Vec<(&str, Cell)> = vec![
        ("cohort_on", text("all")),
        ("flag", Cell::Int(1)),
        ("si", Cell::Int(-2)),
        ("mi", Cell::Int(3)),
        ("bi", Cell::Int(12345678901234567)),
        ("ubi", text("18446744073709551615")),
        ("dec_exact", Cell::Float(1.5)),
        ("dec_big", text("12345678901234567890.123")),
        ("fl", Cell::Float(1.25)),
        ("db", Cell::Float(0.1)),
        ("d", text("2024-02-29")),
        ("dt", text("2024-02-29T13:14:15.500000")),
        ("dt0", text("2024-02-29T13:14:15")),
        ("tsp", text("2024-02-29T13:14:15")),
        ("tm", text("13:14:15.250000")),
        ("tm_neg", text("-01:02:03")),
        ("yr", Cell::Int(2024)),
        ("j", json_cell),
        ("bits", text("0101")),
        ("blb", text("\\x01ff")),
        ("vb", text("\\x6162")),
        ("e", text("y")),
        ("t", text("héllo")),
        ("c", text("c")),
        ("nul", Cell::Null),
        ("lit", Cell::Float(1.5)),
        ("lit_int", Cell::Int(7)),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(result.columns, names);
    assert_eq!(result.rows.len(), 1);
    for ((name, want), got) in expected.iter().zip(&result.rows[0]) {
        assert_eq!(got, want, "column {name}");
    }
    let data = group_by_cohort(&result).unwrap().json;
    let json_text = if mariadb {
        r#""{\"a\": [1, 2.5]}""#
    } else {
        r#"{"a":[1,2.5]}"#
    };
    assert_eq!(
        data,
        [
            r#"{"all":{"flag":[1],"si":[-2],"mi":[3],"bi":[12345678901234567],"ubi":["18446744073709551615"],"#,
            r#""dec_exact":[1.5],"dec_big":["12345678901234567890.123"],"fl":[1.25],"db":[0.1],"#,
            r#""d":["2024-02-29"],"dt":["2024-02-29T13:14:15.500000"],"dt0":["2024-02-29T13:14:15"],"#,
            r#""tsp":["2024-02-29T13:14:15"],"tm":["13:14:15.250000"],"tm_neg":["-01:02:03"],"yr":[2024],"#,
            &format!(r#""j":[{json_text}],"#),
            r#""bits":["0101"],"blb":["\\x01ff"],"vb":["\\x6162"],"e":["y"],"t":["héllo"],"c":["c"],"#,
            r#""nul":[null],"lit":[1.5],"lit_int":[7]}}"#,
        ]
        .concat()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_runs_queries_concurrently_and_reuses_connections() {
    let my = Arc::new(connector("my_pool", json!({"connection_pool_size": 2})));
    assert_eq!(my.concurrency(), 2);
    let (a, b) = tokio::join!(
        my.query("select connection_id()"),
        my.query("select connection_id()")
    );
    let warm_ids = [a.unwrap().rows[0][0].clone(), b.unwrap().rows[0][0].clone()];
    let start = Instant::now();
    let (a, b) = tokio::join!(
        my.query("select sleep(1), connection_id()"),
        my.query("select sleep(1), connection_id()")
    );
    let elapsed = start.elapsed();
    let ids = [a.unwrap().rows[0][1].clone(), b.unwrap().rows[0][1].clone()];
    assert!(
        elapsed < Duration::from_millis(1800),
        "two 1 s sleeps took {elapsed:?} with a pool of 2"
    );
    assert_ne!(ids[0], ids[1], "two connections");
    for id in &ids {
        assert!(
            warm_ids.contains(id),
            "connections are reused: {ids:?} vs {warm_ids:?}"
        );
    }
}

#[derive(Default)]
struct Counts {
    columns: Vec<String>,
    batches: Vec<usize>,
    rows: usize,
    last: Option<Vec<Cell>>,
    finished: bool,
}

struct CountingSink(Arc<Mutex<Counts>>);

impl RowSink for CountingSink {
    fn columns(&mut self, columns: &[String]) -> Result<(), String> {
        self.0.lock().unwrap().columns = columns.to_vec();
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), String> {
        let mut counts = self.0.lock().unwrap();
        counts.batches.push(rows.len());
        counts.rows += rows.len();
        counts.last = rows.last().cloned();
        Ok(())
    }
    fn finish(&mut self) -> Result<(), String> {
        self.0.lock().unwrap().finished = true;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_big_results_in_batches() {
    let my = connector("my_stream", json!({}));
    let counts = Arc::new(Mutex::new(Counts::default()));
    // 50 000 rows from a cross join of digits.
    let digits = "(select 0 d union all select 1 union all select 2 union all select 3 union all select 4 \
                  union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)";
    let sql = format!(
        "select a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 as n, md5(a.d) as h \
         from {digits} a, {digits} b, {digits} c, {digits} e, (select 0 d union all select 1 union all select 2 \
         union all select 3 union all select 4) f order by n"
    );
    my.stream(&sql, Box::new(CountingSink(counts.clone())))
        .await
        .unwrap();
    let counts = counts.lock().unwrap();
    assert_eq!(counts.columns, ["n", "h"]);
    assert_eq!(counts.rows, 50_000);
    assert!(counts.batches.len() >= 5, "batches: {:?}", counts.batches);
    assert!(
        counts.batches.iter().all(|b| *b <= 10_000),
        "batches: {:?}",
        counts.batches
    );
    assert_eq!(counts.last.as_ref().unwrap()[0], Cell::Int(50_000));
    assert!(counts.finished);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_schema_is_the_default_database_when_database_is_absent() {
    let my = connector(
        "my_schema",
        json!({"database": null, "db_schema": database()}),
    );
    let result = query(&my, "select database() as db").await;
    assert_eq!(result.rows, vec![vec![text(&database())]]);
}

fn assert_connection_error(message: &str, name: &str, host: &str, port: u16, password: &str) {
    eprintln!("{message}");
    assert!(
        message.contains(&format!("source '{name}'")),
        "names the source: {message}"
    );
    assert!(
        message.contains(&format!("{host}:{port}")),
        "names host and port: {message}"
    );
    assert!(!message.contains(password), "leaks the password: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_reported_without_the_password() {
    let secret = "Wr0ng-Secret-4711";
    let my = connector("my_wrong_pw", json!({"password": secret}));
    let error = my.query("select 1").await.unwrap_err().0;
    assert_connection_error(&error, "my_wrong_pw", &host(), port(), secret);
    assert!(
        error.contains("Access denied"),
        "the server's message: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_servers_are_reported() {
    let secret = "Unreach-Secret-4711";
    let closed = connector(
        "my_closed",
        json!({"port": 1, "password": secret, "connect_timeout": 3}),
    );
    let error = closed.query("select 1").await.unwrap_err().0;
    assert_connection_error(&error, "my_closed", &host(), 1, secret);
    assert!(error.to_lowercase().contains("refused"), "{error}");

    let start = Instant::now();
    let unknown = connector(
        "my_unknown",
        json!({"host": "no-such-host.invalid", "password": secret, "connect_timeout": 3}),
    );
    let error = unknown.query("select 1").await.unwrap_err().0;
    assert_connection_error(&error, "my_unknown", "no-such-host.invalid", port(), secret);
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "bounded by connect_timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_errors_name_the_source() {
    let my = connector("my_bad_sql", json!({}));
    let error = my
        .query("select * from visivo_no_such_table")
        .await
        .unwrap_err()
        .0;
    eprintln!("{error}");
    assert!(error.contains("source 'my_bad_sql'"), "{error}");
    assert!(error.contains("visivo_no_such_table"), "{error}");
    assert!(!error.contains("visivo_pw"), "{error}");
    assert_eq!(
        query(&my, "select 2 as two").await.rows,
        vec![vec![Cell::Int(2)]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_timeout_cancels_the_query() {
    let my = connector("my_timeout", json!({"query_timeout": 1}));
    let start = Instant::now();
    let error = my
        .query("select sleep(5) /* visivo timeout test */")
        .await
        .unwrap_err()
        .0;
    eprintln!("{error}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        error.contains("source 'my_timeout'") && error.contains("timed out"),
        "{error}"
    );
    // The server stopped it, and the source still works.
    let running = query(
        &my,
        "select count(*) from information_schema.processlist \
         where info like '%visivo timeout test */' and command = 'Query' and id <> connection_id()",
    )
    .await;
    assert_eq!(running.rows, vec![vec![Cell::Int(0)]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_source_does_not_affect_another() {
    let bad = connector("my_bad", json!({"password": "nope-nope"}));
    let good = connector("my_good", json!({}));
    let (bad, good) = tokio::join!(bad.query("select 1"), good.query("select 1 as one"));
    assert!(bad.is_err());
    assert_eq!(good.unwrap().rows, vec![vec![Cell::Int(1)]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_modes() {
    let have_ssl = query(&connector("my_plain", json!({})), "select @@have_ssl")
        .await
        .rows[0][0]
        .clone();
    let preferred = connector("my_prefer", json!({"sslmode": "prefer"}));
    assert_eq!(
        query(&preferred, "select 1 as one").await.rows,
        vec![vec![Cell::Int(1)]]
    );
    if have_ssl != text("YES") {
        let required = connector(
            "my_require",
            json!({"sslmode": "require", "connect_timeout": 3}),
        );
        let error = required.query("select 1").await.unwrap_err().0;
        assert_connection_error(&error, "my_require", &host(), port(), "visivo_pw");
    }
    assert!(MysqlSource::new(&source("my_bad_mode", json!({"sslmode": "sometimes"}))).is_err());
}
